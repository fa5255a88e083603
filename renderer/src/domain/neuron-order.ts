/** The order a layer's neurons are shown in: by index, by activation reached or by ‖a‖, dead ones hidden or not. */

export type NeuronSort = 'index' | 'activation' | 'norm';
export const NEURON_SORTS: readonly NeuronSort[] = ['index', 'activation', 'norm'];

export interface OrderInput {
  readonly neurons: number;
  /** 1 where the result arrived. */
  readonly state: ArrayLike<number>;
  readonly activations: ArrayLike<number>;
  readonly norms: ArrayLike<number>;
  readonly dead: ArrayLike<number>;
}

/**
 * The neurons in the order shown: highest first for activation and norm, neurons without
 * a result after those with one (in index order); dead neurons left out when `hideDead`.
 * Null when the order is the plain index order.
 */
export function neuronOrder(data: OrderInput | undefined, neurons: number, sort: NeuronSort, hideDead: boolean): Int32Array | null {
  if (!data || (sort === 'index' && !hideDead)) return null;
  const kept: number[] = [];
  for (let n = 0; n < neurons; n++) if (!(hideDead && data.state[n] === 1 && data.dead[n] === 1)) kept.push(n);
  if (sort !== 'index') {
    const key = sort === 'activation' ? data.activations : data.norms;
    kept.sort((a, b) => {
      const ra = data.state[a] === 1;
      const rb = data.state[b] === 1;
      if (ra !== rb) return ra ? -1 : 1;
      if (!ra) return a - b;
      return key[b] - key[a] || a - b;
    });
  }
  return Int32Array.from(kept);
}

/** Position of each neuron in an order (-1 for neurons left out). */
export function inverseOrder(order: Int32Array, neurons: number): Int32Array {
  const at = new Int32Array(neurons).fill(-1);
  order.forEach((n, k) => (at[n] = k));
  return at;
}
