import type { GallerySettings } from '../engine/compute';
import type { LayerResult, ResultRow } from '../engine/layer-result';
import { radiusKey } from '../engine/layer-radius';
import { modeById } from '../engine/modes/index';
import { digestFloats } from './digest';

/**
 * Everything that changes a result, besides the layer and the neuron: the model (its
 * digest and how it was opened) and the gallery settings. Arrays enter by digest.
 */
export function settingsKey(modelKey: string, settings: GallerySettings): string {
  const o = settings.objective;
  const objective =
    o.kind === 'position' ? `position:${o.position.join(',')}` : o.kind === 'direction' ? `direction:${digestFloats(o.vector)}` : o.kind;
  const reference = settings.reference ? digestFloats(settings.reference) : 'zero';
  const ascent = modeById(settings.mode).readsAscent ? JSON.stringify(settings.ascent ?? {}) : '';
  return [modelKey, settings.mode, objective, `r=${radiusKey(settings.radius)}`, `x0=${reference}`, ascent].join('|');
}

interface Entry {
  readonly result: LayerResult;
  readonly bytes: number;
  /** Rows the index still points at; the entry goes when none is left. */
  live: number;
  readonly keys: string[];
}

/** Bytes a result holds, plus some bookkeeping per row. */
function bytesOf(r: LayerResult): number {
  let traces = 0;
  for (const t of r.traces ?? []) traces += t.byteLength;
  return r.xstar.byteLength + traces + 96 * r.neurons.length;
}

/**
 * Results as the workers sent them (one per job, never split), found by (settings key,
 * layer, neuron); the least recently used results go first once the held bytes pass the
 * bound. The arrays are shared with the listeners that got them: read only.
 */
export class ResultCache {
  /** In use order: the first is the least recently used. */
  private readonly entries = new Set<Entry>();
  private readonly index = new Map<string, { entry: Entry; row: number }>();
  private bytes = 0;
  private rows = 0;

  constructor(private readonly maxBytes: number) {}

  private static key(settings: string, layer: string, neuron: number): string {
    return `${settings}\u0000${layer}\u0000${neuron}`;
  }

  get(settings: string, layer: string, neuron: number): ResultRow | undefined {
    const hit = this.index.get(ResultCache.key(settings, layer, neuron));
    if (!hit) return undefined;
    this.entries.delete(hit.entry);
    this.entries.add(hit.entry);
    return { result: hit.entry.result, row: hit.row };
  }

  set(settings: string, result: LayerResult): void {
    const bytes = bytesOf(result);
    if (bytes > this.maxBytes || result.neurons.length === 0) return;
    const entry: Entry = { result, bytes, live: 0, keys: [] };
    result.neurons.forEach((neuron, row) => {
      const key = ResultCache.key(settings, result.layer, neuron);
      const old = this.index.get(key);
      if (old) this.unlink(old.entry, key);
      this.index.set(key, { entry, row });
      entry.keys.push(key);
      entry.live++;
      this.rows++;
    });
    this.entries.add(entry);
    this.bytes += bytes;
    for (const e of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(e);
    }
  }

  /** The index no longer points at `key` in `entry`; an entry with no row left is dropped. */
  private unlink(entry: Entry, key: string): void {
    this.index.delete(key);
    entry.live--;
    this.rows--;
    if (entry.live === 0) {
      this.entries.delete(entry);
      this.bytes -= entry.bytes;
    }
  }

  private drop(entry: Entry): void {
    for (const key of entry.keys) {
      if (this.index.get(key)?.entry === entry) {
        this.index.delete(key);
        this.rows--;
      }
    }
    this.entries.delete(entry);
    this.bytes -= entry.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.index.clear();
    this.bytes = 0;
    this.rows = 0;
  }

  /** Neurons whose results are held. */
  get size(): number {
    return this.rows;
  }

  get heldBytes(): number {
    return this.bytes;
  }
}
