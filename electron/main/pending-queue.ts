// Holds things that arrive before anyone can take them — files from macOS
// `open-file` (which fires before `ready`), argv, a second instance — and
// delivers them in order once the renderer says it listens.
export class PendingQueue<T> {
  private readonly pending: T[] = [];
  private deliver: ((item: T) => void) | null = null;

  /** Delivers now if a receiver is attached, otherwise keeps the item. */
  push(item: T): void {
    if (this.deliver) this.deliver(item);
    else this.pending.push(item);
  }

  /** Attaches the receiver and flushes what was held, oldest first. */
  attach(deliver: (item: T) => void): void {
    this.deliver = deliver;
    while (this.pending.length > 0) deliver(this.pending.shift() as T);
  }

  /** Back to holding, e.g. while the window reloads or is closed (macOS keeps running). */
  detach(): void {
    this.deliver = null;
  }

  get size(): number {
    return this.pending.length;
  }

  get attached(): boolean {
    return this.deliver !== null;
  }
}
