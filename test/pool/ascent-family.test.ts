import { describe, expect, it } from 'vitest';
import type { GallerySettings } from '../../workers/engine/compute';
import { prepare } from '../../workers/engine/prepare';
import { computeGallery } from '../../workers/pool/gallery';
import { packModel } from '../../workers/pool/pack';
import type { WorkerPool } from '../../workers/pool/pool';
import { summarize } from '../../workers/pool/summary';
import { familyNet, POSITIVE } from '../fixtures/ascent/family-net';
import { engineLayer, expectSameAsEngine, testPool } from './helpers';

const READABLE: GallerySettings = { mode: 'ascent', objective: { kind: 'neuron' }, radius: 1, ascent: { style: 'readable', steps: 6, seed: 2 } };

/** The pool on the conv → BatchNormalization → ReLU net (engine/ascent-family.ts), both workers loaded. */
async function familyPool(): Promise<WorkerPool> {
  const pool = testPool({ size: 2, maxBatch: 2, cacheBytes: 0 });
  const model = prepare(familyNet('bn', POSITIVE));
  const packed = packModel(model, pool.sharesWeights);
  await pool.loadPacked(summarize(model, 'family-net', packed), packed);
  return pool;
}

/** A gallery of `layers`: the jobs it sent out, and its results. */
async function gallery(pool: WorkerPool, layers: readonly string[]) {
  const before = pool.jobsDispatched;
  const outcome = await computeGallery(pool, READABLE, layers);
  expect(outcome.errors).toEqual([]);
  return { jobs: pool.jobsDispatched - before, results: outcome.results };
}

describe('a family’s readable ascent on the pool (a BatchNormalization sharing its convolution’s)', () => {
  it('runs once on 2 workers: the BatchNormalization layer adds no job, and its results are the engine’s, bit for bit', async () => {
    const pool = await familyPool();
    const alone = await gallery(pool, ['c', 'r']);
    const together = await gallery(pool, ['c', 'n', 'r']);
    // The same jobs with 'n' in the run as without it: its neurons come with the convolution's jobs.
    expect(together.jobs).toBe(alone.jobs);
    expect(alone.jobs).toBeGreaterThanOrEqual(4);
    // The engine on one model, layers in order, shares the same way (the convolution's job keeps its siblings' rows).
    const model = prepare(familyNet('bn', POSITIVE));
    for (const layer of ['c', 'n', 'r']) expectSameAsEngine(together.results.get(layer)!, engineLayer(model, layer, READABLE, [layer]));
  });

  it('a BatchNormalization layer run without its convolution computes the family itself', async () => {
    const pool = await familyPool();
    const { jobs, results } = await gallery(pool, ['n']);
    expect(jobs).toBeGreaterThan(0);
    expectSameAsEngine(results.get('n')!, engineLayer(prepare(familyNet('bn', POSITIVE)), 'n', READABLE, ['n']));
  });
});
