/** A progress line on stderr: redrawn in place on a terminal, a line every few seconds otherwise. */
export class Progress {
  private readonly totals = new Map<string, number>();
  private readonly done = new Map<string, number>();
  private readonly started = Date.now();
  private lastPrint = 0;
  private reported = false;
  private readonly total: number;

  constructor(layers: readonly { id: string; total: number }[], private readonly quiet: boolean) {
    for (const l of layers) {
      this.totals.set(l.id, l.total);
      this.done.set(l.id, 0);
    }
    this.total = layers.reduce((s, l) => s + l.total, 0);
  }

  advance(layer: string, count: number): void {
    this.done.set(layer, (this.done.get(layer) ?? 0) + count);
    this.print(layer, false);
  }

  /** Overall counts from the worker pool, which knows its own ETA. */
  report(done: number, total: number, etaMs: number | null): void {
    if (this.quiet) return;
    const now = Date.now();
    const tty = Boolean(process.stderr.isTTY);
    if (done < total && now - this.lastPrint < (tty ? 100 : 2000)) return;
    this.lastPrint = now;
    const eta = etaMs !== null && done < total ? ` ETA ${Math.ceil(etaMs / 1000)} s` : '';
    const line = `neurovis: ${done}/${total} neurons, ${((now - this.started) / 1000).toFixed(1)} s${eta}`;
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
    this.reported = true;
  }

  finish(): void {
    if (this.reported) {
      if (!this.quiet && process.stderr.isTTY) process.stderr.write('\n');
      return;
    }
    this.print(undefined, true);
  }

  private print(layer: string | undefined, final: boolean): void {
    if (this.quiet) return;
    const now = Date.now();
    const tty = Boolean(process.stderr.isTTY);
    if (!final && now - this.lastPrint < (tty ? 100 : 2000)) return;
    this.lastPrint = now;
    const doneAll = [...this.done.values()].reduce((a, b) => a + b, 0);
    const elapsed = (now - this.started) / 1000;
    const eta = doneAll > 0 && doneAll < this.total ? ` ETA ${Math.ceil((elapsed / doneAll) * (this.total - doneAll))} s` : '';
    const where = layer ? ` ${layer} ${this.done.get(layer)}/${this.totals.get(layer)}` : '';
    const line = `neurovis: ${doneAll}/${this.total} neurons${where}, ${elapsed.toFixed(1)} s${eta}`;
    process.stderr.write(tty ? `\r${line}\x1b[K${final ? '\n' : ''}` : `${line}\n`);
  }
}
