import { ModelError } from './graph';
import type { PreparedModel, VariableNode } from './prepare';
import { floatTensor, formatShape, sizeOf, type Tensor } from './tensor';

const ancestorCache = new WeakMap<PreparedModel, Map<string, readonly VariableNode[]>>();

/** The nodes a tensor depends on, in topological order (cached per model). */
export function ancestorsOf(model: PreparedModel, tensor: string): readonly VariableNode[] {
  let perModel = ancestorCache.get(model);
  if (!perModel) {
    perModel = new Map();
    ancestorCache.set(model, perModel);
  }
  const cached = perModel.get(tensor);
  if (cached) return cached;
  const needed = new Set<VariableNode>();
  const stack = [tensor];
  while (stack.length > 0) {
    const v = model.producer.get(stack.pop()!);
    if (!v || needed.has(v)) continue;
    needed.add(v);
    for (const i of v.node.inputs) if (i) stack.push(i);
  }
  const result = model.nodes.filter((v) => needed.has(v));
  perModel.set(tensor, result);
  return result;
}

/**
 * Runs the model on one input (feature shape, no batch dimension) and returns the value
 * of every variable tensor the targets depend on (all tensors when no target is given).
 */
export function runForward(model: PreparedModel, input: Float32Array, targets?: readonly string[]): Map<string, Tensor> {
  if (input.length !== sizeOf(model.inputShape)) {
    throw new ModelError(`input has ${input.length} values; the model takes ${formatShape(model.inputFeatureShape)}`);
  }
  const values = new Map<string, Tensor>();
  values.set(model.inputName, floatTensor(model.inputShape, input));
  let nodes: readonly VariableNode[] = model.nodes;
  if (targets) {
    const needed = new Set<VariableNode>();
    for (const t of targets) for (const v of ancestorsOf(model, t)) needed.add(v);
    nodes = model.nodes.filter((v) => needed.has(v));
  }
  for (const v of nodes) {
    const inputs = v.node.inputs.map((n) => (n === '' ? undefined : values.get(n) ?? model.constants.get(n)));
    const outputs = v.op.forward(v.ctx, inputs);
    v.node.outputs.forEach((name, i) => {
      if (name && outputs[i]) values.set(name, outputs[i]);
    });
  }
  return values;
}
