import { describe, expect, it } from 'vitest';
import { gatherRows, joinResults, orderedRows, xstarRow, type LayerResult } from '../../workers/engine/layer-result';

/** A result whose row for neuron n holds [n, 10n] (x*), n + 0.5 (norm), -n (activation), 2n (baseline), n odd (dead). */
function part(neurons: number[], traced = false): LayerResult {
  return {
    layer: 'L',
    neurons,
    inputShape: [2],
    xstar: Float32Array.from(neurons.flatMap((n) => [n, 10 * n])),
    norms: Float32Array.from(neurons, (n) => n + 0.5),
    activations: Float32Array.from(neurons, (n) => -n),
    baselines: Float32Array.from(neurons, (n) => 2 * n),
    dead: Uint8Array.from(neurons, (n) => n % 2),
    linearisedAt: ['gate'],
    ...(traced ? { traces: neurons.map((n) => Float32Array.of(n, n + 1)) } : {}),
  };
}

describe('LayerResult rows', () => {
  it('joins the results of several jobs into one, rows in neuron order', () => {
    const parts = [part([4, 5], true), part([0, 2], true), part([1, 3], true)];
    const joined = joinResults('L', [2], parts);
    expect(joined.neurons).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(joined.xstar)).toEqual([0, 0, 1, 10, 2, 20, 3, 30, 4, 40, 5, 50]);
    expect(Array.from(joined.norms)).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
    expect(Array.from(joined.activations)).toEqual([-0, -1, -2, -3, -4, -5]);
    expect(Array.from(joined.baselines)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(Array.from(joined.dead)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(joined.traces!.map((t) => Array.from(t))).toEqual([0, 1, 2, 3, 4, 5].map((n) => [n, n + 1]));
    expect(joined.linearisedAt).toEqual(['gate']);
    expect(orderedRows(parts).map((r) => Array.from(r))).toEqual([0, 1, 2, 3, 4, 5].map((n) => [n, 10 * n]));
  });

  it('leaves x* out when asked, and traces out unless every part has them', () => {
    const joined = joinResults('L', [2], [part([1]), part([0], true)], { xstar: false });
    expect(joined.xstar.length).toBe(0);
    expect(joined.traces).toBeUndefined();
    expect(Array.from(joined.norms)).toEqual([0.5, 1.5]);
  });

  it('gathers chosen rows in the order given, and views one row without a copy', () => {
    const a = part([7, 8, 9]);
    const b = part([3]);
    const g = gatherRows('L', [2], [{ result: a, row: 2 }, { result: b, row: 0 }]);
    expect(g.neurons).toEqual([9, 3]);
    expect(Array.from(g.xstar)).toEqual([9, 90, 3, 30]);
    const row = xstarRow(a, 1);
    expect(Array.from(row)).toEqual([8, 80]);
    expect(row.buffer).toBe(a.xstar.buffer);
  });
});
