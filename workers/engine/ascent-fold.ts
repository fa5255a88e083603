import { affine } from './ops/batch-normalization';
import type { VariableNode } from './prepare';
import type { Tensor } from './tensor';

/**
 * BatchNormalization folded into the convolution before it, for the readable ascent's steps
 * (issue 18): in inference BN(conv(x)) = conv'(x) with W'[m] = s[m]·W[m] and b'[m] = s[m]·b[m]
 * + t[m] (s, t the per-channel affine), so each step's forward pass and reversal skip a
 * pass over the maps in each direction. Only where the convolution's output is read by that
 * BatchNormalization alone and is not among `keep` (the tensors the step reads or seeds).
 * The folded weights are new constants; values equal the unfolded ones to rounding.
 */
export function foldNormalisations(nodes: readonly VariableNode[], constants: ReadonlyMap<string, Tensor>, keep: ReadonlySet<string>): { nodes: VariableNode[]; constants: Map<string, Tensor> } {
  const readers = new Map<string, number>();
  for (const v of nodes) for (const name of v.node.inputs) if (name) readers.set(name, (readers.get(name) ?? 0) + 1);
  const producer = new Map(nodes.map((v) => [v.node.outputs[0], v]));
  const folded = new Map<VariableNode, VariableNode>();
  const out = new Map(constants);
  for (const u of nodes) {
    const conv = producer.get(u.node.inputs[0]);
    if (u.node.opType !== 'BatchNormalization' || !conv || !foldable(conv, u, readers, keep)) continue;
    const w = conv.ctx.constants[1]!;
    const { weights, bias } = foldedWeights(w, conv.ctx.constants[2], u);
    const maps = w.shape[0];
    const wName = `${conv.node.inputs[1]}\u0000folded:${u.node.name}`;
    const bName = `${wName}:bias`;
    out.set(wName, weights);
    out.set(bName, bias);
    const node = { ...conv.node, inputs: [conv.node.inputs[0], wName, bName], outputs: u.node.outputs };
    const ctx = { ...conv.ctx, node, inputShapes: [conv.ctx.inputShapes[0], w.shape, [maps]], constants: [undefined, weights, bias] };
    folded.set(conv, { ...conv, node, ctx, outputShapes: u.outputShapes });
    folded.set(u, conv);
  }
  if (folded.size === 0) return { nodes: [...nodes], constants: out };
  // The folded convolution takes the BatchNormalization's place (its input is ready by then; nothing else read the conv's output).
  const result: VariableNode[] = [];
  for (const v of nodes) {
    const f = folded.get(v);
    if (!f) result.push(v);
    else if (v.node.opType === 'BatchNormalization') result.push(folded.get(f)!);
  }
  return { nodes: result, constants: out };
}

/** Folded weights per convolution weight array and BatchNormalization, shared by every step model (one copy per model, not per layer). */
const foldedCache = new WeakMap<Tensor, Map<string, { weights: Tensor; bias: Tensor }>>();

function foldedWeights(w: Tensor, b: Tensor | undefined, bn: VariableNode): { weights: Tensor; bias: Tensor } {
  let perW = foldedCache.get(w);
  if (!perW) foldedCache.set(w, (perW = new Map()));
  const hit = perW.get(bn.node.name);
  if (hit) return hit;
  const { s, t } = affine(bn.ctx, bn.ctx.constants);
  const maps = w.shape[0];
  const per = w.data.length / maps;
  const wData = new Float32Array(w.data.length);
  const bData = new Float32Array(maps);
  for (let m = 0; m < maps; m++) {
    for (let i = 0; i < per; i++) wData[m * per + i] = s[m] * w.data[m * per + i];
    bData[m] = s[m] * (b ? b.data[m] : 0) + t[m];
  }
  const made = { weights: { dtype: 'float32' as const, shape: w.shape, data: wData }, bias: { dtype: 'float32' as const, shape: [maps], data: bData } };
  perW.set(bn.node.name, made);
  return made;
}

function foldable(conv: VariableNode, bn: VariableNode, readers: ReadonlyMap<string, number>, keep: ReadonlySet<string>): boolean {
  const out = conv.node.outputs[0];
  return (
    conv.node.opType === 'Conv' &&
    conv.node.outputs.length === 1 &&
    bn.node.outputs.length === 1 &&
    readers.get(out) === 1 &&
    !keep.has(out) &&
    !!conv.ctx.constants[1] &&
    (conv.node.inputs.length < 3 || conv.node.inputs[2] === '' || !!conv.ctx.constants[2]) &&
    bn.node.inputs.slice(1, 5).length === 4 &&
    bn.ctx.constants.slice(1, 5).every((t) => !!t) &&
    !(bn.ctx.opset >= 14 && Number(bn.node.attrs.training_mode ?? 0) !== 0)
  );
}
