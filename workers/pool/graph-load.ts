import type { Graph } from '../engine/graph';
import { prepare } from '../engine/prepare';
import type { ModelSummary } from './api';
import { summarize } from './summary';
import { Digest } from './digest';
import { packModel } from './pack';
import type { WorkerPool } from './pool';

/**
 * Loads an in-memory Graph (benchmark models, tests) into every worker of a pool. Reads
 * and prepares on the caller's thread, so it is for Node tools, not for a UI thread.
 */
export function loadGraph(pool: WorkerPool, graph: Graph, options: { inputShape?: readonly number[] } = {}): Promise<ModelSummary> {
  const prepared = prepare(graph, { inputShape: options.inputShape });
  const packed = packModel(prepared, pool.sharesWeights);
  const digest = new Digest();
  // Structure (tensor data left out) plus every weight byte.
  digest.updateString(JSON.stringify(packed.graph, (key, value: unknown) => (key === 'data' ? undefined : value instanceof Map ? [...value.keys()] : value)));
  digest.update(new Uint8Array(packed.buffer));
  const summary = summarize(prepared, digest.hex(), packed);
  return pool.loadPacked(summary, packed);
}
