import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AttrValue, GraphNode } from '../../workers/engine/graph';
import type { OpContext, ReverseContext, ReversalMode } from '../../workers/engine/op';
import { opFor, supportedOps } from '../../workers/engine/ops/index';
import { erf } from '../../workers/engine/ops/erf';
import { floatTensor, type Tensor } from '../../workers/engine/tensor';

/** Forward values and vector–Jacobian products from PyTorch (test/fixtures/modes/make_oracles.py). */
interface OpCase {
  name: string;
  op: string;
  attrs: Record<string, AttrValue>;
  opset: number;
  inputs: { shape: number[]; data: number[]; constant: boolean }[];
  output: { shape: number[]; data: number[] };
  /** Two seeds, one after the other. */
  gradOutput: number[];
  /** Per variable input, the two seeds' gradients one after the other. */
  gradInputs: number[][];
}

const here = dirname(fileURLToPath(import.meta.url));
const cases = (JSON.parse(readFileSync(join(here, '..', 'fixtures', 'modes', 'ops.json'), 'utf8')) as { cases: OpCase[] }).cases;

function setUp(c: OpCase): { ctx: OpContext; inputs: Tensor[] } {
  const inputs = c.inputs.map((i) => floatTensor(i.shape, Float32Array.from(i.data)));
  const node: GraphNode = {
    name: c.name,
    opType: c.op,
    inputs: c.inputs.map((_, k) => `in${k}`),
    outputs: ['y'],
    attrs: c.attrs,
  };
  const ctx: OpContext = {
    node,
    inputShapes: inputs.map((t) => t.shape),
    constants: inputs.map((t, k) => (c.inputs[k].constant ? t : undefined)),
    opset: c.opset,
  };
  return { ctx, inputs };
}

function reverseAt(c: OpCase, mode: ReversalMode, gradOutput: Float32Array, batch: number): (Float32Array | undefined)[] {
  const { ctx, inputs } = setUp(c);
  const op = opFor(ctx.node);
  const [y] = op.forward(ctx, inputs);
  const rctx: ReverseContext = { ...ctx, outputShapes: [y.shape], batch, mode, reference: { inputs, outputs: [y] } };
  return op.reverse!(rctx, [gradOutput]);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}

describe('nonlinear ops against PyTorch', () => {
  it('has a case for every op of the family', () => {
    const family = ['Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Sigmoid', 'HardSigmoid', 'Tanh', 'Softplus', 'Gelu', 'HardSwish', 'Clip', 'Softmax', 'LogSoftmax', 'Erf', 'Pow', 'Sqrt'];
    expect(new Set(cases.map((c) => c.op))).toEqual(new Set(family));
    for (const op of family) expect(supportedOps()).toContain(op);
  });

  for (const c of cases) {
    it(`${c.name}: forward`, () => {
      const { ctx, inputs } = setUp(c);
      const op = opFor(ctx.node);
      expect(op.inferShapes(ctx)).toEqual([c.output.shape]);
      const [y] = op.forward(ctx, inputs);
      expect(y.shape).toEqual(c.output.shape);
      expect(maxAbsDiff(y.data, c.output.data)).toBeLessThan(2e-6);
    });

    it(`${c.name}: vector–Jacobian product, two seeds at once (local mode)`, () => {
      const grads = reverseAt(c, 'local', Float32Array.from(c.gradOutput), 2);
      const variable = grads.filter((_, k) => !c.inputs[k].constant);
      expect(grads.filter((g, k) => c.inputs[k].constant && g !== undefined)).toEqual([]);
      expect(variable.length).toBe(c.gradInputs.length);
      variable.forEach((g, k) => expect(maxAbsDiff(g!, c.gradInputs[k])).toBeLessThan(1e-5));
    });
  }
});

describe('mode rules', () => {
  const x = [-2, -0.5, 0, 0.5, 2];
  const g = [1, -1, 2, -2, 3];
  const unary = (op: string, attrs: Record<string, AttrValue> = {}): OpCase => ({
    name: op,
    op,
    attrs,
    opset: 17,
    inputs: [{ shape: [5], data: x, constant: false }],
    output: { shape: [5], data: [] },
    gradOutput: g,
    gradInputs: [],
  });
  const run = (c: OpCase, mode: ReversalMode): number[] => Array.from(reverseAt(c, mode, Float32Array.from(g), 1)[0]!, (v) => v + 0); // −0 → 0

  it('surrogate: ReLU-like ops and tanh are the identity, sigmoid has slope ¼, hard sigmoid its alpha', () => {
    for (const op of ['Relu', 'LeakyRelu', 'Elu', 'Selu', 'Softplus', 'Gelu', 'HardSwish', 'Tanh']) expect(run(unary(op), 'surrogate')).toEqual(g);
    expect(run(unary('Sigmoid'), 'surrogate')).toEqual(g.map((v) => v / 4));
    expect(run(unary('HardSigmoid', { alpha: 0.25, beta: 0.5 }), 'surrogate')).toEqual(g.map((v) => v / 4));
  });

  it('surrogate: Erf, Sqrt and Softmax have no linear counterpart and are linearised at the reference', () => {
    for (const op of ['Erf', 'Softmax']) expect(run(unary(op), 'surrogate')).toEqual(run(unary(op), 'local'));
    const sqrt: OpCase = { ...unary('Sqrt'), inputs: [{ shape: [5], data: [1, 2, 3, 4, 5], constant: false }] };
    expect(run(sqrt, 'surrogate')).toEqual(run(sqrt, 'local'));
  });

  it("Relu: local masks by x0 > 0; deconvnet is relu(g); guided is relu(g)·(x0 > 0) (Captum's rules)", () => {
    expect(run(unary('Relu'), 'local')).toEqual([0, 0, 0, -2, 3]);
    expect(run(unary('Relu'), 'deconvnet')).toEqual([1, 0, 2, 0, 3]);
    expect(run(unary('Relu'), 'guided')).toEqual([0, 0, 0, 0, 3]);
  });

  it('deconvnet and guided leave the other ReLU-like ops at their local derivative (Captum hooks nn.ReLU only)', () => {
    for (const op of ['LeakyRelu', 'Elu', 'Tanh', 'Sigmoid', 'HardSwish']) {
      expect(run(unary(op), 'deconvnet')).toEqual(run(unary(op), 'local'));
      expect(run(unary(op), 'guided')).toEqual(run(unary(op), 'local'));
    }
  });

  it('the exact mode refuses a nonlinear op, and the other modes need a reference', () => {
    const { ctx } = setUp(unary('Tanh'));
    const op = opFor(ctx.node);
    const gy = Float32Array.from(g);
    expect(() => op.reverse!({ ...ctx, outputShapes: [[5]], batch: 1, mode: 'exact' }, [gy])).toThrow(/nonlinear.*exact/);
    expect(() => op.reverse!({ ...ctx, outputShapes: [[5]], batch: 1, mode: 'local' }, [gy])).toThrow(/reference/);
  });

  it('a PRelu slope that does not broadcast, or varies, is refused with the node named', () => {
    const base = setUp({ ...unary('PRelu'), inputs: [{ shape: [2, 3], data: [1, 2, 3, 4, 5, 6], constant: false }, { shape: [2], data: [1, 2], constant: true }] });
    expect(() => opFor(base.ctx.node).inferShapes(base.ctx)).toThrow(/PRelu.*broadcast/);
    const varying = { ...base.ctx, constants: [undefined, undefined] };
    expect(() => opFor(base.ctx.node).inferShapes(varying)).toThrow(/PRelu.*slope must be a constant/);
  });
});

describe('erf', () => {
  it('matches reference values to double precision across its range', () => {
    // Python's math.erf (correctly rounded to within an ulp).
    const table: [number, number][] = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [2.9, 0.9999589021219005],
      [3, 0.9999779095030014],
      [3.5, 0.9999992569016276],
      [5, 0.9999999999984626],
    ];
    for (const [x, v] of table) {
      expect(Math.abs(erf(x) - v)).toBeLessThan(1e-13);
      expect(Math.abs(erf(-x) + v)).toBeLessThan(1e-13);
    }
    expect(erf(0)).toBe(0);
    expect(erf(10)).toBe(1);
  });
});

describe('Clip with a zero lower bound (ReLU6) on float32 bit patterns', () => {
  /** ONNX's definition, min(max(x, lo), hi), through doubles; compared bit for bit (Object.is: NaN, ±0). */
  function clipAgainstDefinition(lo: number, hi: number, x: Float32Array): void {
    const node: GraphNode = { name: 'clip', opType: 'Clip', inputs: ['x', 'lo', 'hi'], outputs: ['y'], attrs: {} };
    const bound = (v: number): Tensor => floatTensor([], Float32Array.of(v));
    const ctx: OpContext = { node, inputShapes: [[x.length], [], []], constants: [undefined, bound(lo), bound(hi)], opset: 13 };
    const [y] = opFor(node).forward(ctx, [floatTensor([x.length], x), bound(lo), bound(hi)]);
    const f32 = Math.fround;
    x.forEach((v, i) => expect(Object.is(y.data[i], f32(Math.min(f32(hi), Math.max(f32(lo), v)))), `x = ${v}, y = ${y.data[i]}`).toBe(true));
  }

  it('matches min(max(x, 0), hi) for special and random values, any hi ≥ 0 (and the general path for other bounds)', () => {
    const special = [0, -0, 6, 5.999999523162842, 6.000000476837158, -1e-45, 1e-45, 1.1754942e-38, -3, 3, Infinity, -Infinity, NaN, -NaN, 65504, -65504];
    const x = new Float32Array(special.length + 4096);
    x.set(special);
    let seed = 7;
    for (let i = special.length; i < x.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      x[i] = ((seed / 2 ** 32) - 0.4) * 20;
    }
    // A NaN with its sign bit set and another payload.
    new Int32Array(x.buffer)[special.length - 1] = 0xffc00001 | 0;
    for (const [lo, hi] of [[0, 6], [0, 0], [0, Infinity], [0, 0.1], [-1, 1], [1, 6], [-0, 6]]) clipAgainstDefinition(lo, hi, x);
  });
});
