import type { ReverseContext, ReversalMode } from './op';
import type { PreparedModel, VariableNode } from './prepare';
import type { Tensor } from './tensor';

/** What a node's reversal is given: its context, the batch, the mode and the reference values of its tensors. */
export function reverseContext(model: PreparedModel, v: VariableNode, batch: number, mode: ReversalMode, reference?: ReadonlyMap<string, Tensor>): ReverseContext {
  return {
    ...v.ctx,
    outputShapes: v.outputShapes,
    batch,
    mode,
    reference: reference && {
      inputs: v.node.inputs.map((i) => (i === '' ? undefined : reference.get(i) ?? model.constants.get(i))),
      outputs: v.node.outputs.map((o) => reference.get(o)!),
    },
  };
}
