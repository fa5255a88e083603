/** A batch of neurons of one layer, handed to one worker. */
export interface Batch {
  readonly layer: string;
  readonly neurons: number[];
}

interface Boosted {
  readonly priority: number;
  readonly neuron: number;
}

/** Max-heap on priority, then lower neuron index first. */
function before(a: Boosted, b: Boosted): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.neuron < b.neuron);
}

class BoostHeap {
  readonly items: Boosted[] = [];

  push(item: Boosted): void {
    const h = this.items;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  pop(): Boosted | undefined {
    const h = this.items;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < h.length && before(h[l], h[best])) best = l;
        if (r < h.length && before(h[r], h[best])) best = r;
        if (best === i) break;
        [h[i], h[best]] = [h[best], h[i]];
        i = best;
      }
    }
    return top;
  }

  peek(): Boosted | undefined {
    return this.items[0];
  }
}

class LayerQueue {
  /** 1 once a neuron was handed out (or delivered from the cache). */
  readonly taken: Uint8Array;
  /** 1 once a neuron's result (or failure) came back. */
  readonly done: Uint8Array;
  /** The layers of the run this one reuses (engine/reuse.ts): their neuron n goes before its neuron n. */
  sources: LayerQueue[] = [];
  /** The layers of the run that reuse this one neuron by neuron. */
  reusers: LayerQueue[] = [];
  /** The layers of the run that reuse all of this one. */
  allReusers: LayerQueue[] = [];
  /** The layers of the run it reuses densely: all their neurons go before any of its. */
  allSources: LayerQueue[] = [];
  /** The layer whose readable ascent it shares (RunLayer.follows): its neuron n goes first and brings this one's. */
  leaders: LayerQueue[] = [];
  /** The layers of the run sharing this one's ascent. */
  followers: LayerQueue[] = [];
  /** Neurons back (done[n] = 1). */
  doneCount = 0;
  /** Neurons per batch when not the queue's default. */
  maxBatch?: number;
  /** 0: default order; otherwise the prioritize() call that boosted it (later calls are higher). */
  readonly priority: Int32Array;
  readonly boosted = new BoostHeap();
  pending: number;
  /** Every neuron below it is taken or boosted. */
  private cursor = 0;

  constructor(readonly id: string, readonly total: number) {
    this.taken = new Uint8Array(total);
    this.done = new Uint8Array(total);
    this.priority = new Int32Array(total);
    this.pending = total;
  }

  take(neuron: number): void {
    this.taken[neuron] = 1;
    this.pending--;
  }

  /** The best boosted entry still pending, dropping stale ones (taken, or boosted again later). */
  topBoost(): Boosted | undefined {
    for (;;) {
      const top = this.boosted.peek();
      if (!top || (this.taken[top.neuron] === 0 && this.priority[top.neuron] === top.priority)) return top;
      this.boosted.pop();
    }
  }

  /** Whether neuron n's sources are all back, so the worker can reuse them. */
  ready(n: number): boolean {
    for (const s of this.sources) if (n < s.total && s.done[n] === 0) return false;
    for (const s of this.leaders) if (n < s.total && s.done[n] === 0) return false;
    for (const s of this.allSources) if (s.doneCount < s.total) return false;
    return true;
  }

  /** Up to `limit` neurons in order, stopping before one whose sources are still computing. */
  nextDefault(limit: number): number[] {
    const out: number[] = [];
    while (this.cursor < this.total && out.length < limit) {
      const n = this.cursor;
      if (this.taken[n] === 0 && this.priority[n] === 0) {
        if (!this.ready(n)) break;
        out.push(n);
      }
      this.cursor++;
    }
    return out;
  }
}

/**
 * The pending neurons of a run, handed out in batches. Default order: layers as given,
 * neurons ascending. prioritize() puts neurons above everything queued before, each call
 * above the previous ones. A batch holds neurons of one layer and one priority level,
 * at most `maxBatch`, and is split so every worker gets a share of a small level.
 *
 * A layer that reuses other layers of the run (engine/reuse.ts: a BatchNormalization after
 * its conv, a residual Add) gets neuron n only once their neuron n is back, and boosting its
 * neurons boosts theirs first: then the worker combines their results instead of reversing
 * the whole network again. In the default order a reusing layer's ready neurons go before the
 * next neurons of other layers: the results it reuses are then dropped soon after they came
 * (pool/reuse-hold.ts), instead of a whole layer of x* waiting for it. Neuron-by-neuron reusers
 * go before dense ones: a 1×1 convolution reusing its source densely would otherwise hold back
 * the ReLU6 after it, and the run would hold the convolution's whole layer for it. A layer sharing another's
 * readable ascent (RunLayer.follows) waits for it the same way: the leader's job brings its results.
 */
export class NeuronQueue {
  private readonly layers: LayerQueue[];
  private readonly byId = new Map<string, LayerQueue>();
  /** How many neurons each prioritize() call boosted, to split its level over the workers. */
  private readonly levelSizes = new Map<number, number>();
  private level = 0;

  constructor(
    layers: readonly { id: string; neurons: number; reuses?: readonly string[]; reusesAll?: readonly string[]; follows?: string; maxBatch?: number }[],
    private readonly maxBatch: number,
  ) {
    this.layers = layers.map((l) => new LayerQueue(l.id, l.neurons));
    for (const l of this.layers) this.byId.set(l.id, l);
    layers.forEach((l, i) => {
      // Only earlier layers: a source listed later (or missing from the run) is not waited for.
      const earlier = (ids: readonly string[] | undefined): LayerQueue[] =>
        (ids ?? []).map((id) => this.byId.get(id)).filter((s): s is LayerQueue => !!s && this.layers.indexOf(s) < i);
      this.layers[i].sources = earlier(l.reuses);
      this.layers[i].allSources = earlier(l.reusesAll);
      this.layers[i].leaders = earlier(l.follows === undefined ? [] : [l.follows]);
      this.layers[i].maxBatch = l.maxBatch;
      for (const s of this.layers[i].sources) s.reusers.push(this.layers[i]);
      for (const s of this.layers[i].leaders) s.followers.push(this.layers[i]);
      for (const s of this.layers[i].allSources) s.allReusers.push(this.layers[i]);
    });
  }

  /** Marks a neuron as not to be computed (its result came from the cache). */
  markTaken(layer: string, neuron: number): void {
    const l = this.byId.get(layer);
    if (l && neuron >= 0 && neuron < l.total && l.taken[neuron] === 0) l.take(neuron);
  }

  /** The layers of the run that share `layer`'s ascent (their results come with its jobs'). */
  followersOf(layer: string): string[] {
    return this.byId.get(layer)?.followers.map((f) => f.id) ?? [];
  }

  /** Takes the neurons of a layer still pending (a leader's job brought their results), and returns them. */
  claim(layer: string, neurons: readonly number[]): number[] {
    const l = this.byId.get(layer);
    if (!l) return [];
    const out = neurons.filter((n) => Number.isInteger(n) && n >= 0 && n < l.total && l.taken[n] === 0);
    for (const n of out) l.take(n);
    return out;
  }

  /** Marks a neuron's result (or failure) as back: the layers reusing it may have that neuron now. */
  markDone(layer: string, neuron: number): void {
    const l = this.byId.get(layer);
    if (l && neuron >= 0 && neuron < l.total && l.done[neuron] === 0) {
      l.done[neuron] = 1;
      l.doneCount++;
    }
  }

  /**
   * How many layers of the run will still ask for neuron n of `layer` to reuse it: those reusing
   * it neuron by neuron whose neuron n is not handed out yet, and those reusing all of it with
   * neurons still to hand out.
   */
  waitingReusers(layer: string, neuron: number): number {
    const l = this.byId.get(layer);
    let n = 0;
    for (const r of l?.reusers ?? []) if (neuron < r.total && r.taken[neuron] === 0) n++;
    for (const r of l?.allReusers ?? []) if (r.pending > 0) n++;
    return n;
  }

  /** Whether a layer of the run reuses all of this one (its results then go to every job of that layer). */
  reusedDensely(layer: string): boolean {
    return (this.byId.get(layer)?.allReusers.length ?? 0) > 0;
  }

  /** Whether every neuron of a layer was handed out. */
  allTaken(layer: string): boolean {
    return (this.byId.get(layer)?.pending ?? 0) === 0;
  }

  /** The layers of the run whose results `layer` reuses: for the same neurons, and for all their neurons. */
  sourcesOf(layer: string): { same: string[]; all: string[] } {
    const l = this.byId.get(layer);
    return { same: l?.sources.map((s) => s.id) ?? [], all: l?.allSources.map((s) => s.id) ?? [] };
  }

  get pending(): number {
    let n = 0;
    for (const l of this.layers) n += l.pending;
    return n;
  }

  prioritize(layer: string, neurons: readonly number[]): void {
    const l = this.byId.get(layer);
    if (!l) return;
    const priority = ++this.level;
    this.boostLevel(l, neurons, priority);
  }

  /** Boosts the neurons, and first the same neurons of the layers it reuses (earlier layers win ties). */
  private boostLevel(l: LayerQueue, neurons: readonly number[], priority: number): void {
    for (const s of l.sources) this.boostLevel(s, neurons, priority);
    for (const s of l.leaders) this.boostLevel(s, neurons, priority);
    for (const s of l.allSources) this.boostLevel(s, Array.from({ length: s.total }, (_, n) => n), priority);
    let count = 0;
    for (const n of neurons) {
      if (!Number.isInteger(n) || n < 0 || n >= l.total || l.taken[n] === 1 || l.priority[n] === priority) continue;
      l.priority[n] = priority;
      l.boosted.push({ priority, neuron: n });
      count++;
    }
    if (count > 0) this.levelSizes.set(priority, (this.levelSizes.get(priority) ?? 0) + count);
  }

  /** The next batch for one of `workers` idle-or-busy workers, or null when nothing is pending. */
  next(workers: number): Batch | null {
    let best: LayerQueue | undefined;
    let bestTop: Boosted | undefined;
    for (const l of this.layers) {
      const top = l.topBoost();
      if (top && !l.ready(top.neuron)) continue;
      if (top && (!bestTop || top.priority > bestTop.priority)) {
        best = l;
        bestTop = top;
      }
    }
    if (best && bestTop) {
      const limit = this.limit(this.levelSizes.get(bestTop.priority) ?? 1, workers, best.maxBatch);
      const neurons: number[] = [];
      while (neurons.length < limit) {
        const top = best.topBoost();
        if (!top || top.priority !== bestTop.priority || !best.ready(top.neuron)) break;
        best.boosted.pop();
        best.take(top.neuron);
        neurons.push(top.neuron);
      }
      return { layer: best.id, neurons };
    }
    // Layers reusing results neuron by neuron first (each of their jobs lets held rows go), then
    // those reusing all of their sources (whose rows go only with the layer's last job), then the rest.
    const passes: ((l: LayerQueue) => boolean)[] = [(l) => l.sources.length > 0 || l.leaders.length > 0, (l) => l.allSources.length > 0, () => true];
    for (const eligible of passes) {
      for (const l of this.layers) {
        if (l.pending === 0 || !eligible(l)) continue;
        const neurons = l.nextDefault(this.limit(l.pending, workers, l.maxBatch));
        if (neurons.length === 0) continue;
        for (const n of neurons) l.take(n);
        return { layer: l.id, neurons };
      }
    }
    return null;
  }

  private limit(levelSize: number, workers: number, maxBatch = this.maxBatch): number {
    return Math.max(1, Math.min(maxBatch, Math.ceil(levelSize / Math.max(1, workers))));
  }
}
