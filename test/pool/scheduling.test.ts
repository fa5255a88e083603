import { describe, expect, it } from 'vitest';
import type { GallerySettings } from '../../workers/engine/compute';
import type { PoolProgress, PoolResult } from '../../workers/pool/api';
import { joinResults, xstarRow } from '../../workers/engine/layer-result';
import { computeGallery } from '../../workers/pool/gallery';
import { engineLayer, expectSameAsEngine, fixtureFile, neurovisNet, prepareFiles, smallNet, testPool, waitFor } from './helpers';

const SURROGATE: GallerySettings = { mode: 'surrogate', objective: { kind: 'neuron' }, radius: 1 };

function recordOrder(r: PoolResult, into: string[]): void {
  for (const n of r.neurons) into.push(`${r.layer}:${n}`);
}

describe('priority order', () => {
  it('computes prioritized neurons first, the latest call first, then layers in order', async () => {
    const pool = testPool({ size: 1, maxBatch: 1 });
    await pool.load([smallNet()]);
    const order: string[] = [];
    pool.onResult((rs) => recordOrder(rs, order));
    const done = computeGallery(pool, SURROGATE, ['dense1', 'dense3']);
    pool.prioritize('dense3', [5, 3]);
    pool.prioritize('dense1', [7]);
    await done;
    const rest1 = [0, 1, 2, 3, 4, 5, 6, 8, 9].map((n) => `dense1:${n}`);
    const rest3 = [0, 1, 2, 4, 6, 7, 8, 9, 10, 11].map((n) => `dense3:${n}`);
    expect(order).toEqual(['dense1:7', 'dense3:3', 'dense3:5', ...rest1, ...rest3]);
  });

  it('gives each of two workers a share of what the user looks at', async () => {
    const pool = testPool({ size: 2, maxBatch: 8 });
    await pool.load([smallNet()]);
    const batches: number[][] = [];
    pool.onResult((r) => batches.push([...r.neurons]));
    const done = computeGallery(pool, SURROGATE, ['dense3']);
    pool.prioritize('dense3', [6, 7, 8, 9, 10, 11]);
    await done;
    // One job per result event: the level of six went out as two jobs of three, one per worker.
    expect(batches).toContainEqual([6, 7, 8]);
    expect(batches).toContainEqual([9, 10, 11]);
    expect(batches.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});

describe('re-prioritisation', () => {
  it('changes the order while the run goes on', async () => {
    const pool = testPool({ size: 1, maxBatch: 1 });
    await pool.load([smallNet()]);
    const order: string[] = [];
    pool.onResult((rs) => {
      recordOrder(rs, order);
      // The user scrolls after the third result, then selects another layer after the fifth.
      if (order.length === 3) pool.prioritize('dense3', [11, 10]);
      if (order.length === 5) {
        pool.prioritize('dense1', [0, 9]);
        pool.prioritize('dense1', [8]);
      }
    });
    await computeGallery(pool, SURROGATE, ['dense1', 'dense3']);
    expect(order.slice(0, 8)).toEqual(['dense1:0', 'dense1:1', 'dense1:2', 'dense3:10', 'dense3:11', 'dense1:8', 'dense1:9', 'dense1:3']);
    expect(new Set(order).size).toBe(22);
  });
});

/** 2 dense layers of 96 neurons: enough jobs (one neuron each) to cancel in the middle. */
const wideNet = () =>
  neurovisNet('wide', [64], [
    { kind: 'dense', units: 96, init: { kind: 'normal', seed: 3 } },
    { kind: 'activation', fn: 'tanh' },
    { kind: 'dense', units: 96, init: { kind: 'normal', seed: 4 } },
  ]);

describe('cancellation', () => {
  it('drops queued jobs at once and never delivers a result of the cancelled run', async () => {
    const pool = testPool({ size: 2, maxBatch: 1 });
    const summary = await pool.load([wideNet()]);
    const total = summary.layers.reduce((n, l) => n + l.neurons, 0);
    const first = pool.run(SURROGATE);
    let delivered = 0;
    let jobsAtCancel = -1;
    const late: PoolResult[] = [];
    pool.onResult((r) => {
      if (jobsAtCancel >= 0) {
        if (r.generation === first) late.push(r);
        return;
      }
      delivered += r.neurons.length;
      if (delivered >= 4) {
        pool.cancel();
        jobsAtCancel = pool.jobsDispatched;
        expect(pool.progress().total).toBe(0);
      }
    });
    await waitFor(() => jobsAtCancel >= 0, 'the first results');

    // A new run (other settings, nothing cached) completes; no job of the cancelled run went out after the cancel.
    const other = await computeGallery(pool, { ...SURROGATE, radius: 2 });
    expect(other.errors).toEqual([]);
    expect(pool.jobsDispatched - jobsAtCancel).toBe(total);
    expect(late).toEqual([]);
    expect(delivered).toBeLessThan(total);
  });

  it('a new run replaces the current one: results of the old generation stop at once', async () => {
    const pool = testPool({ size: 2, maxBatch: 2 });
    const summary = await pool.load([wideNet()]);
    const total = summary.layers.reduce((n, l) => n + l.neurons, 0);
    const first = pool.run(SURROGATE);
    let second = -1;
    const afterSwitch: PoolResult[] = [];
    let before = 0;
    pool.onResult((r) => {
      if (second >= 0) return void afterSwitch.push(r);
      before += r.neurons.length;
      if (before >= 4) second = pool.run({ ...SURROGATE, radius: 3 });
    });
    await waitFor(() => second >= 0 && pool.progress().total > 0 && pool.progress().done === pool.progress().total, 'the second run');
    expect(second).toBeGreaterThan(first);
    expect(afterSwitch.reduce((n, r) => n + r.neurons.length, 0)).toBe(total);
    expect(afterSwitch.every((r) => r.generation === second)).toBe(true);
    expect(afterSwitch.every((r) => r.neurons.every((_, i) => Math.abs(Math.hypot(...xstarRow(r, i)) - 3) < 1e-4))).toBe(true);
  });
});

describe('failures', () => {
  it('a job that throws fails alone, with its message; the run completes', async () => {
    const files = [smallNet()];
    const model = prepareFiles(files);
    const pool = testPool({ size: 2, maxBatch: 4 });
    await pool.load(files);
    pool.injectFault('throw', 'dense3', 5);
    const progress: PoolProgress[] = [];
    const outcome = await computeGallery(pool, SURROGATE, undefined, (p) => progress.push(p));
    expect(outcome.errors).toHaveLength(1);
    const [error] = outcome.errors;
    expect(error.layer).toBe('dense3');
    expect(error.neurons).toContain(5);
    expect(error.message).toMatch(/injected fault: this job fails on purpose/);
    const last = progress[progress.length - 1];
    expect(last.failed).toBe(error.neurons.length);
    expect(last.layers.find((l) => l.layer === 'dense3')).toMatchObject({ done: 12, failed: error.neurons.length, total: 12 });
    for (const layer of model.layers) {
      const expected = engineLayer(model, layer.id, SURROGATE);
      const got = outcome.results.get(layer.id)!;
      const failed = layer.id === 'dense3' ? error.neurons : [];
      expect(got.neurons).toEqual(expected.neurons.filter((n) => !failed.includes(n)));
    }
    expect(pool.replacedWorkers).toBe(0);
  });

  it('a job that wedges its worker twice fails alone, saying so; the other neurons complete', async () => {
    const files = [smallNet()];
    const model = prepareFiles(files);
    const pool = testPool({ size: 1, maxBatch: 4, minJobTimeoutMs: 2000 });
    await pool.load(files);
    pool.injectFault('spin', 'dense3', 5, 2);
    const outcome = await computeGallery(pool, SURROGATE);
    expect(outcome.errors).toHaveLength(1);
    const [error] = outcome.errors;
    expect(error).toMatchObject({ layer: 'dense3', message: expect.stringMatching(/lost twice .*no answer after 2 s/) });
    expect(error.neurons).toContain(5);
    expect(pool.replacedWorkers).toBe(2);
    expect(outcome.results.get('dense3')!.neurons).toEqual(engineLayer(model, 'dense3', SURROGATE).neurons.filter((n) => !error.neurons.includes(n)));
    expectSameAsEngine(outcome.results.get('dense1')!, engineLayer(model, 'dense1', SURROGATE));
  });

  // A worker that exits, and one that wedges (it spins until its job is past its time limit, 2 s here, and is stopped).
  for (const [fault, what] of [['exit', 'exits mid-job'], ['spin', 'wedges']] as const) {
    it(`a worker that ${what} is replaced and its job retried: the run completes, exactly`, async () => {
      const files = [smallNet()];
      const model = prepareFiles(files);
      const pool = testPool({ size: 2, maxBatch: 4, minJobTimeoutMs: 2000 });
      await pool.load(files);
      pool.injectFault(fault, 'dense3', 5, 1);
      const outcome = await computeGallery(pool, SURROGATE);
      expect(outcome.errors).toEqual([]);
      expect(pool.replacedWorkers).toBe(1);
      expect(pool.size()).toBe(2);
      for (const layer of model.layers) expectSameAsEngine(outcome.results.get(layer.id)!, engineLayer(model, layer.id, SURROGATE));
    });
  }

  it('a job whose worker dies twice fails; the replacements carry on with the model', async () => {
    const files = [smallNet()];
    const model = prepareFiles(files);
    const pool = testPool({ size: 2, maxBatch: 4 });
    await pool.load(files);
    pool.injectFault('exit', 'dense1', 2, 2);
    const outcome = await computeGallery(pool, SURROGATE);
    expect(outcome.errors).toHaveLength(1);
    expect(outcome.errors[0].message).toMatch(/the worker was lost twice/);
    expect(outcome.errors[0].neurons).toContain(2);
    expect(pool.replacedWorkers).toBe(2);
    // The fault is spent: the same run now completes on the replacement workers.
    pool.clearCache();
    const again = await computeGallery(pool, SURROGATE);
    expect(again.errors).toEqual([]);
    for (const layer of model.layers) expectSameAsEngine(again.results.get(layer.id)!, engineLayer(model, layer.id, SURROGATE));
  });

  it('a file that is not a model rejects load() with a ModelError naming it; the loaded model stays', async () => {
    const pool = testPool({ size: 1 });
    await pool.load([smallNet()]);
    const bad = { name: 'broken.onnx', bytes: new Uint8Array([8, 7, 18, 4, 1, 2]) };
    await expect(pool.load([bad])).rejects.toMatchObject({ name: 'ModelError', message: expect.stringContaining('broken.onnx') });
    const outcome = await computeGallery(pool, SURROGATE, ['dense3']);
    expect(outcome.results.get('dense3')!.neurons).toHaveLength(12);
  });
});

describe('loading', () => {
  it('a load superseded by a failing one leaves the pool on the model it had, in every worker', async () => {
    const files = [smallNet(1)];
    const model = prepareFiles(files);
    const pool = testPool({ size: 1 });
    await pool.load(files);
    const superseded = pool.load([smallNet(3)]);
    const failing = pool.load([{ name: 'not-a-model.onnx', bytes: new Uint8Array([1, 2, 3]) }]);
    await expect(superseded).rejects.toThrow(/superseded/);
    await expect(failing).rejects.toMatchObject({ name: 'ModelError' });
    const outcome = await computeGallery(pool, SURROGATE);
    for (const layer of model.layers) expectSameAsEngine(outcome.results.get(layer.id)!, engineLayer(model, layer.id, SURROGATE));
  });

  it('run() before any model, or during a load, says so', async () => {
    const pool = testPool({ size: 1 });
    expect(() => pool.run(SURROGATE)).toThrow(/no model loaded/);
    const loading = pool.load([smallNet()]);
    expect(() => pool.run(SURROGATE)).toThrow(/a model is loading/);
    await loading;
    expect(() => pool.run(SURROGATE, ['nope'])).toThrow(/no layer "nope"/);
  });
});

describe('progress', () => {
  it('reports done/total per layer and overall, with an ETA once a job is done', async () => {
    const pool = testPool({ size: 2, maxBatch: 2 });
    await pool.load([smallNet()]);
    const events: PoolProgress[] = [];
    await computeGallery(pool, SURROGATE, undefined, (p) => events.push(p));
    expect(events[0]).toMatchObject({ done: 0, total: 32, etaMs: null });
    const middle = events.find((p) => p.done > 0 && p.done < p.total)!;
    expect(middle.etaMs).toBeGreaterThanOrEqual(0);
    const last = events[events.length - 1];
    expect(last).toMatchObject({ done: 32, total: 32, failed: 0, etaMs: 0 });
    expect(last.layers).toEqual([
      { layer: 'dense1', done: 10, failed: 0, total: 10 },
      { layer: 'activation2', done: 10, failed: 0, total: 10 },
      { layer: 'dense3', done: 12, failed: 0, total: 12 },
    ]);
    for (let i = 1; i < events.length; i++) expect(events[i].done).toBeGreaterThanOrEqual(events[i - 1].done);
  });
});

describe('ascent steps', () => {
  it('a running ascent job reports its steps: the layer\'s steps grow during its jobs and end at neurons × steps', async () => {
    const steps = 400;
    const ascent: GallerySettings = { mode: 'ascent', objective: { kind: 'neuron' }, radius: 1, ascent: { steps, tolerance: 0 } };
    const pool = testPool({ size: 2, maxBatch: 6 });
    const files = [smallNet()];
    await pool.load(files);
    const events: PoolProgress[] = [];
    const outcome = await computeGallery(pool, ascent, ['dense3'], (p) => events.push(p));
    const layer = events.map((p) => p.layers[0]);
    expect(layer.every((l) => l.steps !== undefined && l.steps.total === 12 * steps)).toBe(true);
    const done = layer.map((l) => l.steps!.done);
    for (let i = 1; i < done.length; i++) expect(done[i]).toBeGreaterThanOrEqual(done[i - 1]);
    // Reports that came while the jobs ran: more steps than the neurons delivered account for.
    const during = layer.filter((l) => l.steps!.done > l.done * steps);
    expect(during.length).toBeGreaterThan(0);
    expect(during.some((l) => l.steps!.done < l.steps!.total)).toBe(true);
    // The ETA comes from the steps, before any job's result.
    expect(events.some((p) => p.done === 0 && p.steps!.done > 0 && p.etaMs !== null && p.etaMs > 0)).toBe(true);
    expect(done.every((d) => d <= 12 * steps)).toBe(true);
    expect(layer[layer.length - 1]).toMatchObject({ done: 12, total: 12, steps: { done: 12 * steps, total: 12 * steps } });
    expect(events[events.length - 1].steps).toEqual({ done: 12 * steps, total: 12 * steps });
    // The reports change nothing in the results.
    expectSameAsEngine(outcome.results.get('dense3')!, engineLayer(prepareFiles(files), 'dense3', ascent, ['dense3']));
  });

  it('reports leave the worker while the job runs, not held back with its result', async () => {
    const readable: GallerySettings = { mode: 'ascent', objective: { kind: 'neuron' }, radius: 1, ascent: { style: 'readable', steps: 600 } };
    const pool = testPool({ size: 1 });
    await pool.load([fixtureFile('modes/relu_cnn.onnx')]);
    const seen: { at: number; steps: number }[] = [];
    const start = performance.now();
    await computeGallery(pool, readable, ['output'], (p) => seen.push({ at: performance.now(), steps: p.layers[0].steps!.done }));
    const end = seen[seen.length - 1].at;
    const first = seen.find((e) => e.steps > 0)!;
    // One job of 5 neurons × 600 steps: its first report comes after a step, most of the job before its result.
    expect(end - first.at).toBeGreaterThan(0.5 * (end - start));
    expect(new Set(seen.map((e) => e.steps)).size).toBeGreaterThan(3);
  });

  it('a job that reports steps outlives its time limit (reports are signs of life); one that does not is stopped', async () => {
    const files = [smallNet()];
    const model = prepareFiles(files);
    const pool = testPool({ size: 1, maxBatch: 4, minJobTimeoutMs: 1000 });
    await pool.load(files);
    // Busy for 3 s, three times its limit, reporting steps every 100 ms.
    pool.injectFault('crawl', 'dense3', 5);
    const outcome = await computeGallery(pool, SURROGATE, ['dense3']);
    expect(outcome.errors).toEqual([]);
    expect(pool.replacedWorkers).toBe(0);
    expectSameAsEngine(outcome.results.get('dense3')!, engineLayer(model, 'dense3', SURROGATE, ['dense3']));
    // The same limit stops a job that spins without a word (and the job goes again).
    pool.clearCache();
    pool.injectFault('spin', 'dense3', 5);
    const wedged = await computeGallery(pool, SURROGATE, ['dense3']);
    expect(wedged.errors).toEqual([]);
    expect(pool.replacedWorkers).toBe(1);
  });

  it('other modes report no steps', async () => {
    const pool = testPool({ size: 1 });
    await pool.load([smallNet()]);
    const events: PoolProgress[] = [];
    await computeGallery(pool, SURROGATE, ['dense3'], (p) => events.push(p));
    expect(events.some((p) => p.steps !== undefined || p.layers.some((l) => l.steps !== undefined))).toBe(false);
  });
});

describe('streaming by layer (issue 18)', () => {
  it('hands each layer over once, complete and in neuron order, as soon as it is done, and keeps none', async () => {
    const files = [smallNet()];
    const model = prepareFiles(files);
    const pool = testPool({ size: 1, maxBatch: 2 });
    await pool.load(files);
    const handed: { layer: string; neurons: number[]; resultsSoFar: number }[] = [];
    let delivered = 0;
    pool.onResult((r) => (delivered += r.neurons.length));
    const outcome = await computeGallery(pool, SURROGATE, undefined, undefined, {}, (layer, parts) => {
      const joined = joinResults(layer, model.inputFeatureShape, parts);
      handed.push({ layer, neurons: [...joined.neurons], resultsSoFar: delivered });
      expectSameAsEngine(joined, engineLayer(model, layer, SURROGATE));
    });
    expect(handed.map((h) => h.layer)).toEqual(model.layers.map((l) => l.id));
    for (const h of handed) expect(h.neurons).toEqual(Array.from({ length: model.layers.find((l) => l.id === h.layer)!.neurons }, (_, i) => i));
    // The first layer went out before the last layer's results came in (one worker, jobs of two neurons).
    const total = model.layers.reduce((n, l) => n + l.neurons, 0);
    expect(handed[0].resultsSoFar).toBeLessThan(total);
    expect(outcome.results.size).toBe(0);
    expect(outcome.errors).toEqual([]);
  });
});
