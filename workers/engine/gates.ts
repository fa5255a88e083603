import type { PreparedModel, VariableNode } from './prepare';

/**
 * A nonlinear node with no linear counterpart (a product of two signals, Softmax …): the
 * linear surrogate linearises it at the reference input instead (DESIGN.md §1).
 */
export function isGate(v: VariableNode): boolean {
  return v.nonlinear && (v.op.linearisedInSurrogate?.(v.ctx) ?? true);
}

/** Every gate of the model, by node name, in topological order. */
export function gateNodes(model: PreparedModel): string[] {
  return model.nodes.filter(isGate).map((v) => v.node.name);
}
