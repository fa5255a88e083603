import { describe, expect, it } from 'vitest';
import type { GallerySettings } from '../../workers/engine/compute';
import type { PoolProgress } from '../../workers/pool/api';
import { settingsKey } from '../../workers/pool/cache';
import { computeGallery } from '../../workers/pool/gallery';
import { engineLayer, expectSameAsEngine, prepareFiles, smallNet, testPool } from './helpers';

const BASE: GallerySettings = { mode: 'local', objective: { kind: 'neuron' }, radius: 1, reference: Float32Array.from({ length: 8 }, (_, i) => i / 8) };
const TOTAL = 32;

describe('results cache', () => {
  it('going back to a layer or a setting costs no job, and gives the same results', async () => {
    const files = [smallNet()];
    const model = prepareFiles(files);
    const pool = testPool({ size: 2, maxBatch: 4 });
    await pool.load(files);

    const first = await computeGallery(pool, BASE);
    const jobs = pool.jobsDispatched;
    expect(jobs).toBeGreaterThan(0);

    const events: PoolProgress[] = [];
    const again = await computeGallery(pool, BASE, undefined, (p) => events.push(p));
    expect(pool.jobsDispatched).toBe(jobs);
    // Everything arrives at once, in the first event.
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ done: TOTAL, total: TOTAL });
    for (const layer of model.layers) {
      expectSameAsEngine(again.results.get(layer.id)!, engineLayer(model, layer.id, BASE));
      expect(again.results.get(layer.id)!.xstar).toEqual(first.results.get(layer.id)!.xstar);
    }

    // One layer alone is cached too.
    await computeGallery(pool, BASE, ['dense3']);
    expect(pool.jobsDispatched).toBe(jobs);

    // Another radius, mode, objective or reference is computed …
    const variants: GallerySettings[] = [
      { ...BASE, radius: 2 },
      { ...BASE, mode: 'surrogate' },
      { ...BASE, objective: { kind: 'channel' } },
      { ...BASE, reference: Float32Array.from({ length: 8 }, (_, i) => -i / 8) },
    ];
    for (const settings of variants) {
      const before = pool.jobsDispatched;
      const outcome = await computeGallery(pool, settings);
      expect(pool.jobsDispatched, JSON.stringify(settings)).toBeGreaterThan(before);
      for (const layer of model.layers) expectSameAsEngine(outcome.results.get(layer.id)!, engineLayer(model, layer.id, settings));
    }
    // … and going back to the first settings still costs nothing (an equal reference in a new array included).
    const before = pool.jobsDispatched;
    await computeGallery(pool, { ...BASE, reference: Float32Array.from(BASE.reference!) });
    expect(pool.jobsDispatched).toBe(before);
  });

  it('is keyed by the model: the same files reloaded hit it, another model does not', async () => {
    const pool = testPool({ size: 2 });
    await pool.load([smallNet(1)]);
    await computeGallery(pool, BASE);
    const jobs = pool.jobsDispatched;

    await pool.load([smallNet(1)]);
    await computeGallery(pool, BASE);
    expect(pool.jobsDispatched).toBe(jobs);

    const other = [smallNet(5)];
    await pool.load(other);
    const outcome = await computeGallery(pool, BASE);
    expect(pool.jobsDispatched).toBeGreaterThan(jobs);
    const model = prepareFiles(other);
    for (const layer of model.layers) expectSameAsEngine(outcome.results.get(layer.id)!, engineLayer(model, layer.id, BASE));
  });

  it('holds at most its byte bound, least recently used out first', async () => {
    // Each neuron holds 8 floats of x* (+96 bytes of bookkeeping): room for 10 of them, in the
    // results of 5 jobs of two neurons (the cache keeps what a job sent whole).
    const pool = testPool({ size: 1, maxBatch: 2, cacheBytes: 10 * (32 + 96) });
    await pool.load([smallNet()]);
    await computeGallery(pool, BASE);
    expect(pool.cachedResults()).toBe(10);
    const jobs = pool.jobsDispatched;
    // The last ten computed (dense3 2…11) are the ones kept.
    await computeGallery(pool, BASE, ['dense3']);
    expect(pool.jobsDispatched - jobs).toBeGreaterThan(0);
    const before = pool.jobsDispatched;
    const events: PoolProgress[] = [];
    await computeGallery(pool, BASE, ['dense3'], (p) => events.push(p));
    expect(pool.jobsDispatched - before).toBeGreaterThan(0);
    expect(events[0].done).toBe(10);
  });

  it('keys differ for every setting that changes a result', () => {
    const keys = new Set(
      [
        BASE,
        { ...BASE, radius: 1.5 },
        { ...BASE, mode: 'guided' as const },
        { ...BASE, objective: { kind: 'position' as const, position: [0, 1] } },
        { ...BASE, objective: { kind: 'position' as const, position: [1, 0] } },
        { ...BASE, objective: { kind: 'direction' as const, vector: new Float32Array([1, 0]) } },
        { ...BASE, objective: { kind: 'direction' as const, vector: new Float32Array([0, 1]) } },
        { ...BASE, reference: undefined },
        { ...BASE, mode: 'ascent' as const },
        { ...BASE, mode: 'ascent' as const, ascent: { steps: 5 } },
      ].map((s) => settingsKey('model', s)),
    );
    expect(keys.size).toBe(10);
    expect(settingsKey('model', BASE)).toBe(settingsKey('model', { ...BASE, reference: Float32Array.from(BASE.reference!) }));
    expect(settingsKey('a', BASE)).not.toBe(settingsKey('b', BASE));
  });
});
