import { UnsupportedOpError, type GraphNode } from '../graph';
import type { OpDef } from '../op';
import { coreOps } from './group-core';
import { convOps } from './group-conv';
import { tensorOps } from './group-tensor';
import { nonlinearOps } from './group-nonlinear';

const registry = new Map<string, OpDef>();
for (const op of [...coreOps, ...convOps, ...tensorOps, ...nonlinearOps]) {
  if (registry.has(op.type)) throw new Error(`op ${op.type} registered twice`);
  registry.set(op.type, op);
}

export function opFor(node: GraphNode): OpDef {
  const op = registry.get(node.opType);
  if (!op) throw new UnsupportedOpError(node.opType, node.name);
  return op;
}

export function supportedOps(): string[] {
  return [...registry.keys()].sort();
}
