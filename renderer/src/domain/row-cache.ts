/**
 * Full-size x* rows, least recently used first out, within a byte budget (issue 18): the
 * gallery draws from its kept thumbnails, and only the detail view, the comparison and the
 * export need whole rows; an evicted row is computed again (services/rows.ts).
 */
export class RowCache {
  private readonly rows = new Map<string, Float32Array>();
  private held = 0;

  constructor(private budget: number) {}

  /** Bytes of the rows held. */
  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.rows.size;
  }

  get(key: string): Float32Array | undefined {
    const row = this.rows.get(key);
    if (row) {
      this.rows.delete(key);
      this.rows.set(key, row);
    }
    return row;
  }

  /** Keeps the row (the cache owns it from now on); a row larger than the whole budget is not kept. */
  put(key: string, row: Float32Array): void {
    this.remove(key);
    if (row.byteLength > this.budget) return;
    this.rows.set(key, row);
    this.held += row.byteLength;
    this.trim();
  }

  remove(key: string): void {
    const old = this.rows.get(key);
    if (!old) return;
    this.rows.delete(key);
    this.held -= old.byteLength;
  }

  setBudget(bytes: number): void {
    this.budget = bytes;
    this.trim();
  }

  clear(): void {
    this.rows.clear();
    this.held = 0;
  }

  private trim(): void {
    for (const [key, row] of this.rows) {
      if (this.held <= this.budget) break;
      this.rows.delete(key);
      this.held -= row.byteLength;
    }
  }
}
