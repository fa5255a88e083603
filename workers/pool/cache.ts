import type { GallerySettings } from '../engine/compute';
import { modeById } from '../engine/modes/index';
import type { NeuronResult } from './api';
import { digestFloats } from './digest';

/** A result as cached: everything but the generation it is delivered under. */
export type CachedResult = Omit<NeuronResult, 'generation'>;

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
  return [modelKey, settings.mode, objective, `r=${settings.radius}`, `x0=${reference}`, ascent].join('|');
}

function bytesOf(r: CachedResult): number {
  return r.xstar.byteLength + (r.trace?.byteLength ?? 0) + 96;
}

/**
 * Results by (settings key, layer, neuron), least recently used evicted first once the
 * held bytes pass the bound. The x* arrays are shared with the listeners that got them.
 */
export class ResultCache {
  private readonly entries = new Map<string, CachedResult>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  private static key(settings: string, layer: string, neuron: number): string {
    return `${settings}\u0000${layer}\u0000${neuron}`;
  }

  get(settings: string, layer: string, neuron: number): CachedResult | undefined {
    const key = ResultCache.key(settings, layer, neuron);
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(settings: string, result: CachedResult): void {
    const key = ResultCache.key(settings, result.layer, result.neuron);
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= bytesOf(old);
      this.entries.delete(key);
    }
    const size = bytesOf(result);
    if (size > this.maxBytes) return;
    this.entries.set(key, result);
    this.bytes += size;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= bytesOf(v);
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get heldBytes(): number {
    return this.bytes;
  }
}
