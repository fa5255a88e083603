// Issue 18: the pool keeps no result it has no use for, so a gallery streamed by its caller
// stays bounded in memory.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { GallerySettings } from '../../workers/engine/compute';
import { computeGallery } from '../../workers/pool/gallery';
import { engineLayer, expectSameAsEngine, prepareFiles, smallNet, testPool } from './helpers';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function collected(refs: readonly WeakRef<object>[]): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 20));
    gc();
  }
  return refs.filter((r) => r.deref() !== undefined).length;
}

const SURROGATE: GallerySettings = { mode: 'surrogate', objective: { kind: 'neuron' }, radius: 1 };

describe('pool memory', () => {
  it('with no cache, every x* a worker sent can be collected once the listeners dropped it', async () => {
    const files = [smallNet()];
    const model = prepareFiles(files);
    const pool = testPool({ size: 2, maxBatch: 2, cacheBytes: 0 });
    await pool.load(files);
    const refs: WeakRef<object>[] = [];
    let rows = 0;
    const outcome = await computeGallery(pool, SURROGATE, undefined, undefined, {}, undefined, (r) => {
      refs.push(new WeakRef(r.xstar));
      rows += r.neurons.length;
      return { ...r, xstar: new Float32Array(0) };
    });
    expect(rows).toBe(model.layers.reduce((n, l) => n + l.neurons, 0));
    expect(outcome.errors).toEqual([]);
    expect(refs.length).toBeGreaterThan(4);
    // A Promise.race with the worker's death kept each call's result reachable for the worker's life.
    expect(await collected(refs)).toBe(0);
    expect(pool.cachedResults()).toBe(0);
  });

  it('with no cache, a run still reuses its own results (held until the reusing layers had them), and they equal the engine', async () => {
    const files = [smallNet()];
    const model = prepareFiles(files);
    const reusing = model.layers.filter((l) => l.reuses.length > 0);
    expect(reusing.length).toBeGreaterThan(0);
    // The last dense layer reuses every neuron of the ReLU (engine/reuse.ts): held until all its jobs went.
    expect(model.layers.filter((l) => (l.reusesAll ?? []).length > 0).map((l) => l.op)).toEqual(['dense']);
    const pool = testPool({ size: 2, maxBatch: 2, cacheBytes: 0 });
    await pool.load(files);
    const outcome = await computeGallery(pool, SURROGATE);
    for (const layer of model.layers) expectSameAsEngine(outcome.results.get(layer.id)!, engineLayer(model, layer.id, SURROGATE));
    expect(pool.heldResults()).toBe(0);
  });
});
