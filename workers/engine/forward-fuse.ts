import type { ClampBounds } from './kernels/clamp';
import { clipBounds } from './ops/clip';
import type { PreparedModel, VariableNode } from './prepare';

/**
 * Conv → Clip pairs of a batched forward pass (issue 18): where a Clip (ReLU6) is the only
 * reader of a Conv's output and that output is not asked for, the Conv clamps its outputs as
 * it writes them (ops/conv.ts convForward, called by forward-batch.ts and forward-region.ts) and the Clip's output is the Conv's; the Clip
 * itself does not run. The values are those of the two nodes run one after the other.
 */
export interface FusedClips {
  /** Node index of a Conv → the index of the Clip fused into it and the Clip's bounds. */
  readonly byConv: ReadonlyMap<number, { readonly clip: number; readonly bounds: ClampBounds }>;
  /** Node indices of the fused Clips (skipped). */
  readonly clips: ReadonlySet<number>;
}

const NONE: FusedClips = { byConv: new Map(), clips: new Set() };

/** The pairs among `nodes` (the ancestors of `target`, in order), for nodes that pass `eligible` (run as a batch). */
export function fusedClips(model: PreparedModel, nodes: readonly VariableNode[], target: string, eligible: (n: number) => boolean): FusedClips {
  const readers = new Map<string, number[]>();
  nodes.forEach((v, n) => v.node.inputs.forEach((name) => name && readers.set(name, [...(readers.get(name) ?? []), n])));
  const byConv = new Map<number, { clip: number; bounds: ClampBounds }>();
  const clips = new Set<number>();
  nodes.forEach((v, n) => {
    const out = v.node.outputs[0];
    if (v.node.opType !== 'Conv' || v.node.outputs.length !== 1 || out === target || !eligible(n)) return;
    const read = readers.get(out) ?? [];
    if (read.length !== 1) return;
    const c = read[0];
    const clip = nodes[c];
    if (clip.node.opType !== 'Clip' || clip.node.inputs[0] !== out || !eligible(c) || !constantBounds(model, clip)) return;
    byConv.set(n, { clip: c, bounds: clipBounds(clip.ctx) });
    clips.add(c);
  });
  return byConv.size > 0 ? { byConv, clips } : NONE;
}

/** The Clip reads its bounds from attributes or constant inputs only (never from its first input). */
function constantBounds(model: PreparedModel, v: VariableNode): boolean {
  return v.node.inputs.slice(1).every((name) => !name || model.constants.has(name));
}
