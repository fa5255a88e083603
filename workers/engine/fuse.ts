import type { Graph, GraphNode } from './graph';
import type { Tensor } from './tensor';

/**
 * Pattern fusion before prepare: the GELU decompositions exporters emit become one Gelu
 * node, so that the surrogate treats GELU as the ReLU-like activation it is (identity)
 * instead of linearising a product of two signals, and the gallery shows one layer, not five.
 *
 *   erf:  x · ½ · (1 + Erf(x / √2))                       (torch.onnx for nn.GELU, opset < 20)
 *   tanh: ½ · x · (1 + Tanh(√(2/π) · (x + 0.044715 · x³)))  (nn.GELU(approximate='tanh'), BERT/GPT-2 code)
 *
 * Products may come in any order and grouping (x·s·½, ½·(x·s), (x·½)·s …), divisions by a
 * constant count as products, and x³ may be x·x·x or Pow(x, 3). Every intermediate tensor
 * must feed the pattern alone; otherwise it is left as it is.
 */
export function fuseGelu(graph: Graph): Graph {
  const index = new GraphIndex(graph);
  const removed = new Set<GraphNode>();
  const replacements = new Map<GraphNode, GraphNode>();
  for (const node of graph.nodes) {
    if (node.opType !== 'Erf' && node.opType !== 'Tanh') continue;
    const match = node.opType === 'Erf' ? matchErfGelu(index, node) : matchTanhGelu(index, node);
    if (!match || match.nodes.some((n) => removed.has(n))) continue;
    for (const n of match.nodes) removed.add(n);
    replacements.set(match.last, {
      name: match.last.name,
      opType: 'Gelu',
      inputs: [match.x],
      outputs: [match.last.outputs[0]],
      attrs: { approximate: node.opType === 'Erf' ? 'none' : 'tanh' },
    });
  }
  if (replacements.size === 0) return graph;
  const kept: GraphNode[] = [];
  for (const n of graph.nodes) {
    const replacement = replacements.get(n);
    if (replacement) kept.push(replacement);
    else if (!removed.has(n)) kept.push(n);
  }
  return { ...graph, nodes: dropOrphanConstants(graph, kept, removed) };
}

interface Match {
  readonly x: string;
  /** Every node the Gelu replaces, `last` (whose output it takes over) included. */
  readonly nodes: readonly GraphNode[];
  readonly last: GraphNode;
}

/** A product of constants and tensors raised to integer powers. */
interface Product {
  constant: number;
  readonly factors: Map<string, number>;
  readonly nodes: GraphNode[];
}

class GraphIndex {
  private readonly producers = new Map<string, GraphNode>();
  private readonly consumers = new Map<string, GraphNode[]>();
  private readonly outputs: Set<string>;

  constructor(readonly graph: Graph) {
    for (const n of graph.nodes) {
      for (const o of n.outputs) if (o) this.producers.set(o, n);
      for (const i of n.inputs) {
        if (!i) continue;
        const list = this.consumers.get(i);
        if (list) list.push(n);
        else this.consumers.set(i, [n]);
      }
    }
    // Graph outputs and declared layers (Keras) must survive fusion.
    this.outputs = new Set([...graph.outputs, ...(graph.layerTensors ?? []).map((l) => l.tensor)]);
  }

  producer(tensor: string): GraphNode | undefined {
    return this.producers.get(tensor);
  }

  consumersOf(tensor: string): readonly GraphNode[] {
    return this.consumers.get(tensor) ?? [];
  }

  /** Read by exactly one node and not a graph output: safe to fold into a pattern. */
  internal(tensor: string): boolean {
    return !this.outputs.has(tensor) && this.consumersOf(tensor).length === 1;
  }

  /**
   * The value of a scalar constant (an initializer or a Constant node) of rank 0 or 1, so
   * that multiplying by it cannot change a shape by broadcasting.
   */
  scalar(tensor: string): { value: number } | undefined {
    const isScalar = (t: Tensor): boolean => t.dtype === 'float32' && t.data.length === 1 && t.shape.length <= 1;
    const init = this.graph.initializers.get(tensor);
    if (init) return isScalar(init) ? { value: init.data[0] } : undefined;
    const p = this.producers.get(tensor);
    if (!p || p.opType !== 'Constant') return undefined;
    const v = p.attrs.value ?? p.attrs.value_float;
    if (typeof v === 'number') return { value: v };
    if (v && typeof v === 'object' && !Array.isArray(v) && 'data' in v && isScalar(v)) return { value: v.data[0] };
    return undefined;
  }

  /**
   * The tensor as a product, expanding Mul, Div by a constant and Pow by a small integer
   * through tensors that feed nothing else (the root is expanded whatever reads it).
   */
  product(tensor: string, root = true): Product {
    const c = this.scalar(tensor);
    if (c) return { constant: c.value, factors: new Map(), nodes: [] };
    const leaf = (): Product => ({ constant: 1, factors: new Map([[tensor, 1]]), nodes: [] });
    const p = this.producers.get(tensor);
    if (!p || (!root && !this.internal(tensor)) || p.inputs.length !== 2) return leaf();
    const [a, b] = p.inputs;
    if (p.opType === 'Mul') return multiply(this.product(a, false), this.product(b, false), p);
    if (p.opType === 'Div') {
      const d = this.scalar(b);
      if (!d || d.value === 0) return leaf();
      const num = this.product(a, false);
      num.constant /= d.value;
      num.nodes.push(p);
      return num;
    }
    if (p.opType === 'Pow') {
      const e = this.scalar(b);
      if (!e || !Number.isInteger(e.value) || e.value < 1 || e.value > 4) return leaf();
      const base = this.product(a, false);
      const out: Product = { constant: base.constant ** e.value, factors: new Map(), nodes: [...base.nodes, p] };
      for (const [t, k] of base.factors) out.factors.set(t, k * e.value);
      return out;
    }
    return leaf();
  }
}

function multiply(a: Product, b: Product, node: GraphNode): Product {
  const factors = new Map(a.factors);
  for (const [t, k] of b.factors) factors.set(t, (factors.get(t) ?? 0) + k);
  return { constant: a.constant * b.constant, factors, nodes: [...a.nodes, ...b.nodes, node] };
}

function near(value: number, target: number): boolean {
  return Math.abs(value - target) <= 1e-4 * Math.abs(target);
}

/** The single tensor of a product c·t, when c is near `constant`. */
function scaledTensor(p: Product, constant: number): string | undefined {
  if (p.factors.size !== 1 || !near(p.constant, constant)) return undefined;
  const [[t, k]] = [...p.factors];
  return k === 1 ? t : undefined;
}

/** `tensor` + 1, where `tensor` feeds only that Add. */
function plusOne(index: GraphIndex, tensor: string): GraphNode | undefined {
  if (!index.internal(tensor)) return undefined;
  const add = index.consumersOf(tensor)[0];
  if (add.opType !== 'Add' || add.inputs.length !== 2) return undefined;
  const other = add.inputs[0] === tensor ? add.inputs[1] : add.inputs[0];
  const one = index.scalar(other);
  return one && one.value === 1 ? add : undefined;
}

/** From s = 1 + f(x), climbs the Mul nodes that multiply it by x and ½, in any grouping. */
function timesHalfX(index: GraphIndex, s: GraphNode, x: string): { nodes: GraphNode[]; last: GraphNode } | undefined {
  const nodes: GraphNode[] = [];
  let current = s.outputs[0];
  let constant = 1;
  let xPower = 0;
  for (let depth = 0; depth < 4; depth++) {
    if (!index.internal(current)) return undefined;
    const mul = index.consumersOf(current)[0];
    if (mul.opType !== 'Mul' || mul.inputs.length !== 2 || mul.inputs[0] === mul.inputs[1]) return undefined;
    const other = mul.inputs[0] === current ? mul.inputs[1] : mul.inputs[0];
    const p = index.product(other, false);
    for (const [t, k] of p.factors) {
      if (t !== x) return undefined;
      xPower += k;
    }
    constant *= p.constant;
    nodes.push(...p.nodes, mul);
    current = mul.outputs[0];
    if (xPower > 1) return undefined;
    if (xPower === 1 && near(constant, 0.5)) return { nodes, last: mul };
  }
  return undefined;
}

function matchErfGelu(index: GraphIndex, erf: GraphNode): Match | undefined {
  const u = erf.inputs[0];
  if (!u || !index.internal(u) || !index.producer(u)) return undefined;
  const scaled = index.product(u);
  const x = scaledTensor(scaled, Math.SQRT1_2);
  if (!x || scaled.nodes.length === 0) return undefined;
  const s = plusOne(index, erf.outputs[0]);
  if (!s) return undefined;
  const tail = timesHalfX(index, s, x);
  if (!tail) return undefined;
  return { x, nodes: [...scaled.nodes, erf, s, ...tail.nodes], last: tail.last };
}

function matchTanhGelu(index: GraphIndex, tanh: GraphNode): Match | undefined {
  const v = tanh.inputs[0];
  if (!v || !index.internal(v)) return undefined;
  const outer = index.product(v);
  const w = scaledTensor(outer, Math.sqrt(2 / Math.PI));
  const add = w && index.internal(w) ? index.producer(w) : undefined;
  if (!add || add.opType !== 'Add' || add.inputs.length !== 2) return undefined;
  for (const [x, cubic] of [[add.inputs[0], add.inputs[1]], [add.inputs[1], add.inputs[0]]]) {
    if (!index.internal(cubic)) continue;
    const p = index.product(cubic);
    if (p.factors.size !== 1 || p.factors.get(x) !== 3 || !near(p.constant, 0.044715)) continue;
    const s = plusOne(index, tanh.outputs[0]);
    if (!s) return undefined;
    const tail = timesHalfX(index, s, x);
    if (!tail) return undefined;
    const nodes = [...outer.nodes, add, ...p.nodes, tanh, s, ...tail.nodes];
    return { x, nodes, last: tail.last };
  }
  return undefined;
}

/** Drops the Constant nodes that only the fused patterns read. */
function dropOrphanConstants(graph: Graph, kept: readonly GraphNode[], removed: ReadonlySet<GraphNode>): GraphNode[] {
  const fedRemoved = new Set<string>();
  for (const n of removed) for (const i of n.inputs) if (i) fedRemoved.add(i);
  const stillRead = new Set<string>(graph.outputs);
  for (const n of kept) for (const i of n.inputs) if (i) stillRead.add(i);
  const orphan = (n: GraphNode): boolean => n.opType === 'Constant' && n.outputs.every((o) => !o || (fedRemoved.has(o) && !stillRead.has(o)));
  return kept.filter((n) => !orphan(n));
}
