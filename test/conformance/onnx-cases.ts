import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError, type Graph, type GraphNode } from '../../workers/engine/graph';
import { kindOf, type OpContext, type OpDef, type ReverseContext } from '../../workers/engine/op';
import { opFor } from '../../workers/engine/ops/index';
import { formatShape, sameShape, sizeOf, type Shape, type Tensor } from '../../workers/engine/tensor';
import { bfloat16ToFloat32 } from '../../workers/formats/onnx/half';
import { decodeTensorFile, readOnnx } from '../../workers/formats/onnx/index';
import { mulberry32 } from '../../workers/engine/random';

/**
 * The ONNX backend test data (Debian's libonnx-testdata): one directory per case with
 * model.onnx and test_data_set_N/{input,output}_K.pb. Each model is evaluated by calling
 * every node's op forward in file order (ONNX requires topological order), all inputs
 * given as constants, and the graph outputs are compared with the expected tensors.
 */
export const TESTDATA_ROOT = '/usr/share/libonnx-testdata/data';
export const SUITES = ['node', 'pytorch-converted', 'pytorch-operator', 'simple'] as const;

/** Cases whose expected outputs come from a random generator no implementation can reproduce. */
const RANDOM_OUTPUTS = /^test_training_dropout(_default)?(_mask)?$/;

export interface ConformanceCase {
  readonly suite: string;
  readonly name: string;
  readonly dir: string;
  /** The model, or why it could not be read. */
  readonly graph?: Graph;
  readonly readError?: string;
  readonly ops: readonly string[];
  /** Single-node models are filed under their op; others under "multi-node". */
  readonly group: string;
}

export function discoverCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const suite of SUITES) {
    const root = join(TESTDATA_ROOT, suite);
    if (!existsSync(root)) continue;
    for (const name of readdirSync(root).sort()) {
      const dir = join(root, name);
      const modelPath = join(dir, 'model.onnx');
      if (!existsSync(modelPath)) continue;
      const file = { name: `${suite}/${name}/model.onnx`, bytes: new Uint8Array(readFileSync(modelPath)) };
      try {
        // The file's own nodes: quantised graphs are otherwise read as their float network, whose values are real, not integers.
        const graph = readOnnx(file, [file], { dequantize: false });
        const ops = [...new Set(graph.nodes.map((n) => n.opType))];
        const group = graph.nodes.length === 1 ? graph.nodes[0].opType : 'multi-node';
        cases.push({ suite, name, dir, graph, ops, group });
      } catch (e) {
        cases.push({ suite, name, dir, readError: e instanceof Error ? e.message : String(e), ops: [], group: 'unreadable' });
      }
    }
  }
  return cases;
}

export type Outcome =
  | { readonly status: 'pass'; readonly adjoint: AdjointReport }
  | { readonly status: 'skip'; readonly reason: string }
  | { readonly status: 'fail'; readonly reason: string };

export interface AdjointReport {
  readonly checked: number;
  readonly skipped: readonly string[];
  readonly failures: readonly string[];
}

class Skip extends Error {}
class Failure extends Error {}

/** Errors an op raises on purpose (unsupported attribute or dtype) skip a case; anything else fails it. */
function classify(e: unknown, what: string): never {
  if (e instanceof Skip || e instanceof Failure) throw e;
  if (e instanceof ModelError) throw new Skip(`${what}: ${e.message}`);
  throw new Failure(`${what} crashed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
}

function dataSets(dir: string): string[] {
  return readdirSync(dir)
    .filter((d) => d.startsWith('test_data_set_'))
    .sort()
    .map((d) => join(dir, d));
}

function pbFiles(dir: string, prefix: 'input' | 'output'): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${prefix}_`) && f.endsWith('.pb'))
    .sort((a, b) => Number(a.slice(prefix.length + 1, -3)) - Number(b.slice(prefix.length + 1, -3)))
    .map((f) => join(dir, f));
}

function readPb(path: string): { tensor: Tensor; dataType: number } {
  try {
    return decodeTensorFile(new Uint8Array(readFileSync(path)), path);
  } catch (e) {
    return classify(e, 'decoding');
  }
}

export function runCase(c: ConformanceCase): Outcome {
  try {
    if (!c.graph) throw new Skip(`the model cannot be read: ${c.readError}`);
    if (RANDOM_OUTPUTS.test(c.name)) throw new Skip('the expected output is random (dropout in training mode)');
    const graph = c.graph;
    let adjoint: AdjointReport = { checked: 0, skipped: [], failures: [] };
    const sets = dataSets(c.dir);
    if (sets.length === 0) throw new Skip('no test data set');
    for (const set of sets) {
      const inputs = pbFiles(set, 'input').map(readPb);
      const expected = pbFiles(set, 'output').map(readPb);
      const graphInputs = graph.inputs.filter((i) => !graph.initializers.has(i.name));
      const values = new Map<string, Tensor>(graph.initializers);
      graphInputs.forEach((input, k) => {
        if (inputs[k]) values.set(input.name, input.dtype === 'float32' ? bfloat16Quirk(inputs[k]) : inputs[k].tensor);
      });
      const opset = graph.source.opset ?? 13;
      for (const node of graph.nodes) evaluateNode(node, values, opset);
      expected.forEach((e, k) => compareOutput(graph.outputs[k], values.get(graph.outputs[k]), e.tensor, e.dataType));
      if (graph.nodes.length === 1 && set === sets[0]) adjoint = checkAdjoint(graph.nodes[0], values, opset);
    }
    return { status: 'pass', adjoint };
  } catch (e) {
    if (e instanceof Skip) return { status: 'skip', reason: e.message };
    if (e instanceof Failure) return { status: 'fail', reason: e.message };
    return { status: 'fail', reason: `harness error: ${e instanceof Error ? e.stack : String(e)}` };
  }
}

function contextOf(node: GraphNode, inputs: readonly (Tensor | undefined)[], opset: number): OpContext {
  return { node, inputShapes: inputs.map((t) => t?.shape), constants: inputs, opset };
}

function evaluateNode(node: GraphNode, values: Map<string, Tensor>, opset: number): void {
  const inputs = node.inputs.map((name) => {
    if (name === '') return undefined;
    const t = values.get(name);
    if (!t) throw new Failure(`node "${node.name}" reads "${name}", which no input or earlier node gives`);
    return t;
  });
  let op: OpDef;
  try {
    op = opFor(node);
  } catch (e) {
    return classify(e, `${node.opType}`);
  }
  const ctx = contextOf(node, inputs, opset);
  let outputs: Tensor[];
  try {
    outputs = op.forward(ctx, inputs);
  } catch (e) {
    return classify(e, `${node.opType} forward`);
  }
  // The shape rule must agree with what forward produced (prepare trusts it for variable nodes).
  if (kindOf(op, ctx) !== 'shape') {
    let shapes: Shape[];
    try {
      shapes = op.inferShapes(ctx);
    } catch (e) {
      return classify(e, `${node.opType} inferShapes`);
    }
    outputs.forEach((t, i) => {
      if (node.outputs[i] && shapes[i] && !sameShape(shapes[i], t.shape)) {
        throw new Failure(`${node.opType}: inferShapes gives ${formatShape(shapes[i])} for output ${i}, forward ${formatShape(t.shape)}`);
      }
    });
  }
  node.outputs.forEach((name, i) => {
    if (name && outputs[i]) values.set(name, outputs[i]);
  });
}

/** ONNX element types: float, float16, double, bfloat16. */
const FLOAT_TYPES = new Set([1, 10, 11, 16]);

function tolerance(dataType: number): { rtol: number; atol: number } {
  // The engine computes float16/bfloat16 data in float32; the expected values were rounded to 16 bits.
  if (dataType === 10) return { rtol: 2e-3, atol: 1e-4 };
  if (dataType === 16) return { rtol: 1e-2, atol: 1e-3 };
  return { rtol: 1e-4, atol: 1e-5 };
}

/**
 * The test data stores bfloat16 tensors as their uint16 bit patterns (numpy has no
 * bfloat16); where a float is expected, they are read as bfloat16.
 */
const UINT16 = 4;
const BFLOAT16 = 16;
function bfloat16Quirk({ tensor, dataType }: { tensor: Tensor; dataType: number }): Tensor {
  if (dataType !== UINT16) return tensor;
  return { dtype: 'float32', shape: tensor.shape, data: bfloat16ToFloat32(tensor.data.length, (i) => tensor.data[i]) };
}

function compareOutput(name: string, actual: Tensor | undefined, expectedTensor: Tensor, expectedType: number): void {
  if (!actual) throw new Failure(`output "${name}" was not produced`);
  const quirk = actual.dtype === 'float32' && expectedType === UINT16;
  const expected = quirk ? bfloat16Quirk({ tensor: expectedTensor, dataType: expectedType }) : expectedTensor;
  const dataType = quirk ? BFLOAT16 : expectedType;
  if (!sameShape(actual.shape, expected.shape)) {
    throw new Failure(`output "${name}": shape ${formatShape(actual.shape)}, expected ${formatShape(expected.shape)}`);
  }
  const isFloat = FLOAT_TYPES.has(dataType);
  if ((actual.dtype === 'float32') !== isFloat) {
    throw new Failure(`output "${name}": dtype ${actual.dtype}, expected ${isFloat ? 'a float' : 'an integer or bool'} tensor`);
  }
  const { rtol, atol } = tolerance(dataType);
  const a = actual.data;
  const e = expected.data;
  let bad = 0;
  let first = -1;
  for (let i = 0; i < e.length; i++) {
    const x = a[i];
    const y = e[i];
    const ok = isFloat
      ? (Number.isNaN(y) && Number.isNaN(x)) || x === y || Math.abs(x - y) <= atol + rtol * Math.abs(y)
      : x === y;
    if (!ok) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad > 0) {
    throw new Failure(`output "${name}": ${bad} of ${e.length} values differ; first at ${first}: got ${a[first]}, expected ${e[first]}`);
  }
}

/* ------------------------------------------------------------------------------------
 * The reversal of linear ops, checked on the conformance shapes and attributes by the
 * adjoint identity <J v, u> = <v, Jᵀ u>: J v from two forward passes (the op is affine in
 * the input), Jᵀ u from op.reverse with two seeds at once.
 */

function random(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() - 0.5;
}

const ADJOINT_BATCH = 2;

/** A cast to a 16-bit float rounds in forward; its reversal is the identity, so the identity holds to that precision. */
function adjointTolerance(node: GraphNode): number {
  const to = node.attrs.to;
  return (node.opType === 'Cast' || node.opType === 'CastLike') && (to === 10 || to === 16) ? 1e-2 : 1e-4;
}

function checkAdjoint(node: GraphNode, values: Map<string, Tensor>, opset: number): AdjointReport {
  const skipped: string[] = [];
  const failures: string[] = [];
  let checked = 0;
  const op = opFor(node);
  const inputs = node.inputs.map((n) => (n === '' ? undefined : values.get(n)));
  const next = random(node.name.length * 7919 + inputs.length);
  const relativeTolerance = adjointTolerance(node);
  inputs.forEach((x, i) => {
    if (!x || x.dtype !== 'float32' || x.data.length === 0) return;
    const constants = inputs.map((t, j) => (j === i ? undefined : t));
    const ctx: OpContext = { node, inputShapes: inputs.map((t) => t?.shape), constants, opset };
    let kind: string;
    try {
      kind = kindOf(op, ctx);
    } catch (e) {
      skipped.push(`input ${i}: kindAt: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (kind !== 'linear' && kind !== 'reshape') return;
    if (!op.reverse) {
      skipped.push(`input ${i}: the op is ${kind} but has no reverse (reversal through it is refused)`);
      return;
    }
    try {
      const zero = { ...x, data: new Float32Array(x.data.length) };
      const v = { ...x, data: Float32Array.from(x.data, () => next()) };
      const atZero = op.forward(ctx, inputs.map((t, j) => (j === i ? zero : t)));
      const atV = op.forward(ctx, inputs.map((t, j) => (j === i ? v : t)));
      const outputShapes = atZero.map((t) => t.shape);
      const seeds = atZero.map((t) => (t.dtype === 'float32' ? Float32Array.from({ length: ADJOINT_BATCH * t.data.length }, () => next()) : undefined));
      const rctx: ReverseContext = { ...ctx, outputShapes, batch: ADJOINT_BATCH, mode: 'exact' };
      const grads = op.reverse(rctx, seeds);
      const n = sizeOf(x.shape);
      // No gradient means the output does not depend on this input; the identity then checks J v = 0.
      const g = grads[i] ?? new Float32Array(ADJOINT_BATCH * n);
      if (g.length !== ADJOINT_BATCH * n) {
        failures.push(`input ${i}: reverse returns ${g.length} values, expected ${ADJOINT_BATCH} × ${n}`);
        return;
      }
      for (let b = 0; b < ADJOINT_BATCH; b++) {
        let lhs = 0;
        let scale = 0;
        atZero.forEach((y0, k) => {
          const u = seeds[k];
          if (!u) return;
          const m = y0.data.length;
          for (let j = 0; j < m; j++) {
            const w = u[b * m + j];
            lhs += w * (atV[k].data[j] - y0.data[j]);
            scale += Math.abs(w) * (Math.abs(atV[k].data[j]) + Math.abs(y0.data[j]));
          }
        });
        let rhs = 0;
        for (let j = 0; j < n; j++) {
          rhs += v.data[j] * g[b * n + j];
          scale += Math.abs(v.data[j] * g[b * n + j]);
        }
        if (Math.abs(lhs - rhs) > relativeTolerance * scale + 1e-6) {
          failures.push(`input ${i}, seed ${b}: <Jv, u> = ${lhs} but <v, Jᵀu> = ${rhs}`);
          return;
        }
      }
      checked++;
    } catch (e) {
      if (e instanceof ModelError) skipped.push(`input ${i}: ${e.message}`);
      else failures.push(`input ${i}: reverse crashed: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  return { checked, skipped, failures };
}
