// Issue 18: the rows of a layer reused densely (every job of the reusing layer needs all of
// them) are held once, in shared memory, and go to every job by reference, not copied per job.
import { describe, expect, it } from 'vitest';
import type { GallerySettings } from '../../workers/engine/compute';
import type { LayerResult } from '../../workers/engine/layer-result';
import { Run, type Job } from '../../workers/pool/run';
import { ResultTransfer } from '../../workers/pool/transfer';

const SETTINGS: GallerySettings = { mode: 'surrogate', objective: { kind: 'neuron' }, radius: 1 };
const SHAPE = [2, 3];

function result(layer: string, neurons: number[]): LayerResult {
  const n = neurons.length;
  return {
    layer,
    neurons,
    inputShape: SHAPE,
    xstar: Float32Array.from({ length: n * 6 }, (_, i) => neurons[Math.floor(i / 6)] * 10 + (i % 6)),
    norms: Float32Array.from(neurons, (x) => x + 1),
    activations: Float32Array.from(neurons, (x) => x / 2),
    baselines: new Float32Array(n),
    dead: new Uint8Array(n),
    linearisedAt: [],
  };
}

function run(share: boolean): Run {
  return new Run(1, SETTINGS, 'k', [{ id: 'relu', neurons: 4, reuses: [] }, { id: 'fc', neurons: 6, reuses: [], reusesAll: ['relu'], maxBatch: 3 }], 2, share);
}

const job = (r: Run, layer: string, neurons: number[]): Job => ({ generation: r.generation, settingsKey: r.key, settings: SETTINGS, layer, neurons, losses: 0 });

function computeSource(r: Run): void {
  for (const part of [[0, 1], [2, 3]]) {
    const batch = r.queue.next(1)!;
    expect(batch).toEqual({ layer: 'relu', neurons: part });
    r.hold.keep(result('relu', part));
    r.hold.release('relu', part);
    r.delivered('relu', part, true);
  }
}

describe('reuse hold, dense sources', () => {
  it('holds a densely reused layer once in shared memory; each job of the reusing layer gets the same buffers, and they go when its last job went', () => {
    const r = run(true);
    const transfer = new ResultTransfer(0);
    computeSource(r);
    expect(r.hold.heldBytes).toBe(4 * 6 * 4);
    const first = r.queue.next(1)!;
    expect(first).toEqual({ layer: 'fc', neurons: [0, 1, 2] });
    const a = transfer.knownRows(r, job(r, 'fc', first.neurons), SHAPE);
    r.hold.release('fc', first.neurons);
    expect(r.hold.size).toBe(4);
    const second = r.queue.next(1)!;
    expect(second).toEqual({ layer: 'fc', neurons: [3, 4, 5] });
    const b = transfer.knownRows(r, job(r, 'fc', second.neurons), SHAPE);
    // One part per source result, each a view on a SharedArrayBuffer, the same for both jobs.
    expect(a.map((p) => p.neurons)).toEqual([[0, 1], [2, 3]]);
    for (const p of a) expect(p.xstar.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(b.map((p) => p.xstar.buffer)).toEqual(a.map((p) => p.xstar.buffer));
    expect(b[0].xstar.buffer).toBe(a[0].xstar.buffer);
    // The values are the source's.
    expect(Array.from(a[1].xstar)).toEqual(Array.from(result('relu', [2, 3]).xstar));
    expect(Array.from(a[1].norms)).toEqual([3, 4]);
    r.hold.release('fc', second.neurons);
    expect(r.hold.size).toBe(0);
    expect(r.hold.heldBytes).toBe(0);
  });

  it('without shared memory the rows are gathered into one copy per job, as before', () => {
    const r = run(false);
    computeSource(r);
    // Held apart from shared memory, the rows are still charged to the budget (pool.ts).
    expect(r.hold.heldBytes).toBe(4 * 6 * 4);
    const batch = r.queue.next(1)!;
    const known = new ResultTransfer(0).knownRows(r, job(r, 'fc', batch.neurons), SHAPE);
    expect(known.map((p) => p.neurons)).toEqual([[0, 1, 2, 3]]);
    expect(known[0].xstar.buffer).toBeInstanceOf(ArrayBuffer);
    expect(Array.from(known[0].xstar.subarray(12, 18))).toEqual(Array.from(result('relu', [2]).xstar));
  });
});
