import { describe, expect, it } from 'vitest';
import { NeuronQueue, type Batch } from '../../workers/pool/queue';

function drain(queue: NeuronQueue, workers: number): Batch[] {
  const out: Batch[] = [];
  for (let b = queue.next(workers); b; b = queue.next(workers)) out.push(b);
  return out;
}

describe('NeuronQueue', () => {
  it('hands out layers in order, neurons ascending, in batches split over the workers', () => {
    const q = new NeuronQueue([{ id: 'a', neurons: 10 }, { id: 'b', neurons: 3 }], 4);
    expect(drain(q, 2)).toEqual([
      { layer: 'a', neurons: [0, 1, 2, 3] },
      { layer: 'a', neurons: [4, 5, 6] },
      { layer: 'a', neurons: [7, 8] },
      { layer: 'a', neurons: [9] },
      { layer: 'b', neurons: [0, 1] },
      { layer: 'b', neurons: [2] },
    ]);
    expect(q.pending).toBe(0);
  });

  it('puts prioritized neurons first, each call above the previous ones, one level per batch', () => {
    const q = new NeuronQueue([{ id: 'a', neurons: 6 }, { id: 'b', neurons: 6 }], 8);
    q.prioritize('b', [5, 1, 3]);
    q.prioritize('a', [4]);
    expect(drain(q, 1)).toEqual([
      { layer: 'a', neurons: [4] },
      { layer: 'b', neurons: [1, 3, 5] },
      { layer: 'a', neurons: [0, 1, 2, 3, 5] },
      { layer: 'b', neurons: [0, 2, 4] },
    ]);
  });

  it('a layer sharing another’s ascent waits for its leader’s neurons, which bring its own (claim), and is boosted behind it', () => {
    const q = new NeuronQueue([{ id: 'c', neurons: 4 }, { id: 'n', neurons: 4, follows: 'c' }, { id: 'r', neurons: 2 }], 2);
    expect(q.followersOf('c')).toEqual(['n']);
    expect(q.next(1)).toEqual({ layer: 'c', neurons: [0, 1] });
    expect(q.next(1)).toEqual({ layer: 'c', neurons: [2, 3] });
    // The leader's neurons are out, not back: the follower waits, the next layer goes.
    expect(q.next(1)).toEqual({ layer: 'r', neurons: [0, 1] });
    expect(q.next(1)).toBeNull();
    for (const n of [0, 1]) q.markDone('c', n);
    expect(q.claim('n', [0, 1])).toEqual([0, 1]);
    for (const n of [2, 3]) q.markDone('c', n);
    // The leader's job for 2 and 3 failed to bring them: the follower computes them itself.
    expect(q.next(1)).toEqual({ layer: 'n', neurons: [2, 3] });
    expect(q.claim('n', [2, 3])).toEqual([]);
    const boosted = new NeuronQueue([{ id: 'c', neurons: 4 }, { id: 'n', neurons: 4, follows: 'c' }], 8);
    boosted.prioritize('n', [3]);
    expect(boosted.next(1)).toEqual({ layer: 'c', neurons: [3] });
  });

  it('splits a priority level over the workers so each gets a share', () => {
    const q = new NeuronQueue([{ id: 'a', neurons: 100 }], 64);
    q.prioritize('a', [10, 11, 12, 13, 14, 15]);
    expect(q.next(2)).toEqual({ layer: 'a', neurons: [10, 11, 12] });
    expect(q.next(2)).toEqual({ layer: 'a', neurons: [13, 14, 15] });
  });

  it('re-prioritises: a neuron boosted again moves to the new level; taken and unknown neurons are ignored', () => {
    const q = new NeuronQueue([{ id: 'a', neurons: 5 }], 1);
    expect(q.next(1)).toEqual({ layer: 'a', neurons: [0] });
    q.prioritize('a', [3, 4]);
    q.prioritize('a', [0, 4, 99, -1, 1.5]);
    q.prioritize('nope', [1]);
    q.markTaken('a', 2);
    expect(drain(q, 1).map((b) => b.neurons[0])).toEqual([4, 3, 1]);
  });

  it('gives a layer that reuses another (engine/reuse.ts) neuron n only once that layer\'s neuron n is back', () => {
    const q = new NeuronQueue([{ id: 'conv', neurons: 4 }, { id: 'bn', neurons: 4, reuses: ['conv'] }], 2);
    expect(q.sourcesOf('bn')).toEqual({ same: ['conv'], all: [] });
    expect(q.next(1)).toEqual({ layer: 'conv', neurons: [0, 1] });
    expect(q.next(1)).toEqual({ layer: 'conv', neurons: [2, 3] });
    expect(q.next(1)).toBeNull();
    q.markDone('conv', 0);
    expect(q.next(1)).toEqual({ layer: 'bn', neurons: [0] });
    q.markDone('conv', 1);
    q.markDone('conv', 2);
    expect(q.next(1)).toEqual({ layer: 'bn', neurons: [1, 2] });
    expect(q.next(1)).toBeNull();
    q.markDone('conv', 3); // a failure counts as back too: the worker then reverses it the usual way
    expect(q.next(1)).toEqual({ layer: 'bn', neurons: [3] });
    expect(q.pending).toBe(0);
  });

  it('boosting a reusing layer boosts the same neurons of its sources first', () => {
    const q = new NeuronQueue([{ id: 'conv', neurons: 8 }, { id: 'bn', neurons: 8, reuses: ['conv'] }, { id: 'add', neurons: 8, reuses: ['bn', 'conv'] }], 8);
    q.prioritize('add', [5, 6]);
    expect(q.next(1)).toEqual({ layer: 'conv', neurons: [5, 6] });
    // bn 5, 6 wait for conv 5, 6: the rest of conv goes meanwhile.
    expect(q.next(1)).toEqual({ layer: 'conv', neurons: [0, 1, 2, 3, 4, 7] });
    expect(q.next(1)).toBeNull();
    for (const n of [5, 6]) q.markDone('conv', n);
    expect(q.next(1)).toEqual({ layer: 'bn', neurons: [5, 6] });
    for (const n of [5, 6]) q.markDone('bn', n);
    expect(q.next(1)).toEqual({ layer: 'add', neurons: [5, 6] });
  });

  it('gives a layer that reuses every neuron of another (a dense layer, a 1×1 convolution) none until all are back, in its own job size', () => {
    const q = new NeuronQueue([{ id: 'pool', neurons: 3 }, { id: 'fc', neurons: 10, reusesAll: ['pool'], maxBatch: 6 }], 2);
    expect(q.sourcesOf('fc')).toEqual({ same: [], all: ['pool'] });
    expect(q.next(1)).toEqual({ layer: 'pool', neurons: [0, 1] });
    expect(q.next(1)).toEqual({ layer: 'pool', neurons: [2] });
    q.markDone('pool', 0);
    q.markDone('pool', 2);
    q.markDone('pool', 2);
    expect(q.next(1)).toBeNull();
    q.markDone('pool', 1);
    expect(q.next(1)).toEqual({ layer: 'fc', neurons: [0, 1, 2, 3, 4, 5] });
    expect(q.next(1)).toEqual({ layer: 'fc', neurons: [6, 7, 8, 9] });
  });

  it('a layer reusing a dense layer neuron by neuron (its ReLU6) goes before the dense layer\'s next jobs: the run holds a job of rows, not the layer', () => {
    const q = new NeuronQueue([{ id: 'relu', neurons: 2 }, { id: 'conv', neurons: 6, reusesAll: ['relu'], maxBatch: 2 }, { id: 'clip', neurons: 6, reuses: ['conv'], maxBatch: 2 }], 2);
    expect(q.next(1)).toEqual({ layer: 'relu', neurons: [0, 1] });
    for (const n of [0, 1]) q.markDone('relu', n);
    expect(q.next(1)).toEqual({ layer: 'conv', neurons: [0, 1] });
    for (const n of [0, 1]) q.markDone('conv', n);
    expect(q.next(1)).toEqual({ layer: 'clip', neurons: [0, 1] });
    expect(q.next(1)).toEqual({ layer: 'conv', neurons: [2, 3] });
  });

  it('boosting a dense layer boosts every neuron of its source first', () => {
    const q = new NeuronQueue([{ id: 'pool', neurons: 4 }, { id: 'other', neurons: 4 }, { id: 'fc', neurons: 4, reusesAll: ['pool'] }], 8);
    q.prioritize('fc', [1]);
    expect(q.next(1)).toEqual({ layer: 'pool', neurons: [0, 1, 2, 3] });
    expect(q.next(1)).toEqual({ layer: 'other', neurons: [0, 1, 2, 3] });
    for (let n = 0; n < 4; n++) q.markDone('pool', n);
    expect(q.next(1)).toEqual({ layer: 'fc', neurons: [1] });
  });

  it('does not wait for a source outside the run or after the layer', () => {
    const q = new NeuronQueue([{ id: 'bn', neurons: 2, reuses: ['conv', 'later'] }, { id: 'later', neurons: 2 }], 4);
    expect(q.sourcesOf('bn')).toEqual({ same: [], all: [] });
    expect(q.next(1)).toEqual({ layer: 'bn', neurons: [0, 1] });
  });
});
