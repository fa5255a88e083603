import type { PoolProgress, StepsProgress } from '../workers/pool/api';

/**
 * Test-only: NEUROVIS_TEST_PROGRESS_MS sets how often a progress line may be written (default:
 * every 100 ms on a terminal, every 2 s otherwise), so that a test sees the lines of a short run.
 */
function printInterval(tty: boolean): number {
  const ms = Number(process.env.NEUROVIS_TEST_PROGRESS_MS);
  return process.env.NEUROVIS_TEST_PROGRESS_MS !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : tty ? 100 : 2000;
}

/** " conv2d_3 ascent 1,280/4,096 steps": steps of gradient ascent, counted per neuron. */
function stepsText(where: string, steps: StepsProgress): string {
  return `${where} ascent ${steps.done.toLocaleString('en-US')}/${steps.total.toLocaleString('en-US')} steps`;
}

/** A progress line on stderr: redrawn in place on a terminal, a line every few seconds otherwise. */
export class Progress {
  private readonly totals = new Map<string, number>();
  private readonly done = new Map<string, number>();
  private readonly steps = new Map<string, StepsProgress>();
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

  /** Steps of gradient ascent done in a layer being computed (counted per neuron). */
  stepped(layer: string, steps: StepsProgress): void {
    this.steps.set(layer, steps);
    this.print(layer, false);
  }

  /** Overall counts from the worker pool, which knows its own ETA, and in ascent the steps of the layer under way. */
  report(p: Pick<PoolProgress, 'done' | 'total' | 'etaMs' | 'layers' | 'steps'>): void {
    if (this.quiet) return;
    const now = Date.now();
    const tty = Boolean(process.stderr.isTTY);
    if (p.done < p.total && now - this.lastPrint < printInterval(tty)) return;
    this.lastPrint = now;
    const eta = p.etaMs !== null && p.done < p.total ? ` ETA ${Math.ceil(p.etaMs / 1000)} s` : '';
    const under = p.layers.find((l) => l.steps && l.steps.done > 0 && l.steps.done < l.steps.total);
    const steps = under ? stepsText(`, ${under.layer}`, under.steps!) : p.steps ? stepsText(',', p.steps) : '';
    const line = `neurovis: ${p.done}/${p.total} neurons${steps}, ${((now - this.started) / 1000).toFixed(1)} s${eta}`;
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

  /** ", ascent 1,500/1,500 steps" over every layer, when some took steps. */
  private allSteps(): string {
    if (this.steps.size === 0) return '';
    let done = 0;
    let total = 0;
    for (const s of this.steps.values()) {
      done += s.done;
      total += s.total;
    }
    return stepsText(',', { done, total });
  }

  private print(layer: string | undefined, final: boolean): void {
    if (this.quiet) return;
    const now = Date.now();
    const tty = Boolean(process.stderr.isTTY);
    if (!final && now - this.lastPrint < printInterval(tty)) return;
    this.lastPrint = now;
    const doneAll = [...this.done.values()].reduce((a, b) => a + b, 0);
    const elapsed = (now - this.started) / 1000;
    const eta = doneAll > 0 && doneAll < this.total ? ` ETA ${Math.ceil((elapsed / doneAll) * (this.total - doneAll))} s` : '';
    const steps = layer ? this.steps.get(layer) : undefined;
    const where = layer ? ` ${layer} ${this.done.get(layer)}/${this.totals.get(layer)}${steps ? stepsText('', steps) : ''}` : this.allSteps();
    const line = `neurovis: ${doneAll}/${this.total} neurons${where}, ${elapsed.toFixed(1)} s${eta}`;
    process.stderr.write(tty ? `\r${line}\x1b[K${final ? '\n' : ''}` : `${line}\n`);
  }
}
