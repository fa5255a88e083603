import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../workers/engine/graph';
import type { AttrValue, Graph, GraphNode } from '../../workers/engine/graph';
import type { OpContext, ReversalMode, ReverseContext } from '../../workers/engine/op';
import { opFor } from '../../workers/engine/ops/index';
import { prepare } from '../../workers/engine/prepare';
import { referenceValues, reverseSeeds } from '../../workers/engine/reverse';
import { floatTensor, intTensor, type Tensor } from '../../workers/engine/tensor';
import { randomValues } from '../helpers/random-values';

/**
 * The convolution-family ops against PyTorch oracles (test/fixtures/ops-conv/make_oracles.py):
 * forward output, shape inference and the reversal (autograd VJP of a random seed), each
 * called directly and through a one-node graph; batches of seeds against single seeds.
 */
interface Encoded {
  shape: number[];
  data: number[];
  dtype?: 'int64';
}

interface OracleCase {
  name: string;
  op: string;
  opset: number;
  attrs: Record<string, AttrValue>;
  inputs: (Encoded | null)[];
  constant: boolean[];
  output: Encoded;
  seed: Encoded;
  grads: (Encoded | null)[];
  surrogateGrads?: (Encoded | null)[] | null;
  indices?: Encoded;
}

const INPUT_NAMES = ['x', 'w', 'b', 'p3', 'p4'];

function load(file: string): OracleCase[] {
  const url = new URL(`../fixtures/ops-conv/${file}`, import.meta.url);
  return (JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as { cases: OracleCase[] }).cases;
}

function toTensor(e: Encoded | null): Tensor | undefined {
  if (!e) return undefined;
  return e.dtype === 'int64' ? intTensor(e.shape, e.data) : floatTensor(e.shape, Float32Array.from(e.data));
}

function nodeOf(c: OracleCase): GraphNode {
  return {
    name: `${c.op} ${c.name}`,
    opType: c.op,
    inputs: c.inputs.map((t, i) => (t ? INPUT_NAMES[i] : '')),
    outputs: c.indices ? ['y', 'indices'] : ['y'],
    attrs: c.attrs,
  };
}

function contextOf(c: OracleCase): { ctx: OpContext; inputs: (Tensor | undefined)[] } {
  const inputs = c.inputs.map(toTensor);
  const ctx: OpContext = {
    node: nodeOf(c),
    inputShapes: inputs.map((t) => t?.shape),
    constants: inputs.map((t, i) => (c.constant[i] ? t : undefined)),
    opset: c.opset,
  };
  return { ctx, inputs };
}

/** Largest |actual − expected| / max(1, |expected|). */
function maxError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const err = Math.abs(actual[i] - e) / Math.max(1, Math.abs(e));
    if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
  }
  return worst;
}

function reverseDirect(c: OracleCase, mode: ReversalMode, seeds: Float32Array, batch: number): (Float32Array | undefined)[] {
  const { ctx, inputs } = contextOf(c);
  const op = opFor(ctx.node);
  const outputs = op.forward(ctx, inputs);
  const rctx: ReverseContext = {
    ...ctx,
    outputShapes: op.inferShapes(ctx),
    batch,
    mode,
    reference: mode === 'exact' ? undefined : { inputs, outputs },
  };
  return op.reverse!(rctx, [seeds]);
}

/** The case as a one-node graph: X is the graph input, every other input an initializer. */
function graphOf(c: OracleCase): Graph {
  const initializers = new Map<string, Tensor>();
  c.inputs.forEach((t, i) => {
    if (i > 0 && t) initializers.set(INPUT_NAMES[i], toTensor(t)!);
  });
  return {
    inputs: [{ name: 'x', dims: c.inputs[0]!.shape, dtype: 'float32' }],
    outputs: ['y'],
    initializers,
    nodes: [nodeOf(c)],
    source: { format: 'onnx', fileName: `${c.name}.onnx`, opset: c.opset },
    hasBatchDim: false,
    channelAxis: 'first',
  };
}

const TOLERANCE = 1e-5;

function isPool(c: OracleCase): boolean {
  return c.op === 'MaxPool' || c.op === 'GlobalMaxPool';
}

/** Linear in X: everything but the max pools and the cases whose weights vary too. */
function isLinear(c: OracleCase): boolean {
  return !isPool(c) && c.constant.slice(1).every((k, i) => k || !c.inputs[i + 1]);
}
const families = [
  { file: 'conv.json', title: 'Conv' },
  { file: 'conv_transpose.json', title: 'ConvTranspose' },
  { file: 'pool.json', title: 'pools' },
  { file: 'batchnorm.json', title: 'BatchNormalization' },
  { file: 'pad.json', title: 'Pad' },
];

for (const family of families) {
  const cases = load(family.file);
  describe(`${family.title} against PyTorch`, () => {
    it('has oracle cases', () => expect(cases.length).toBeGreaterThan(5));

    it.each(cases.map((c) => [c.name, c] as const))('%s: shape and forward', (_name, c) => {
      const { ctx, inputs } = contextOf(c);
      const op = opFor(ctx.node);
      expect(op.inferShapes(ctx)[0]).toEqual(c.output.shape);
      const outputs = op.forward(ctx, inputs);
      expect(outputs[0].shape).toEqual(c.output.shape);
      expect(maxError(outputs[0].data, c.output.data)).toBeLessThanOrEqual(TOLERANCE);
      if (c.indices) expect(Array.from(outputs[1].data)).toEqual(c.indices.data);
    });

    it.each(cases.map((c) => [c.name, c] as const))('%s: reversal', (_name, c) => {
      const grads = reverseDirect(c, isLinear(c) ? 'exact' : 'local', Float32Array.from(c.seed.data), 1);
      c.grads.forEach((g, i) => {
        if (!g) {
          expect(grads[i]).toBeUndefined();
          return;
        }
        expect(grads[i], `gradient of input ${i}`).toBeDefined();
        expect(maxError(grads[i]!, g.data), `gradient of input ${i}`).toBeLessThanOrEqual(TOLERANCE);
      });
      if (isPool(c)) {
        for (const mode of ['deconvnet', 'guided'] as const) {
          expect(maxError(reverseDirect(c, mode, Float32Array.from(c.seed.data), 1)[0]!, c.grads[0]!.data)).toBeLessThanOrEqual(TOLERANCE);
        }
        if (c.surrogateGrads) {
          const surrogate = reverseDirect(c, 'surrogate', Float32Array.from(c.seed.data), 1);
          expect(maxError(surrogate[0]!, c.surrogateGrads[0]!.data)).toBeLessThanOrEqual(TOLERANCE);
        }
      }
    });

    it.each(cases.filter((c) => c.constant.slice(1).every((k) => k)).map((c) => [c.name, c] as const))(
      '%s: through a prepared one-node graph',
      (_name, c) => {
        const model = prepare(graphOf(c));
        expect(model.layers.map((l) => l.id)).toEqual(['y']);
        expect(model.shapes.get('y')).toEqual(c.output.shape);
        const linear = isLinear(c);
        expect(model.nonlinearNodes.length).toBe(linear ? 0 : 1);
        const mode: ReversalMode = linear ? 'exact' : 'local';
        const reference = linear ? undefined : referenceValues(model, Float32Array.from(c.inputs[0]!.data));
        const a = reverseSeeds(model, 'y', Float32Array.from(c.seed.data), 1, mode, reference);
        expect(maxError(a, c.grads[0]!.data)).toBeLessThanOrEqual(TOLERANCE);
      },
    );
  });
}

describe('batched reversal equals one reversal per seed', () => {
  const all = families.flatMap((f) => load(f.file));
  const modes = (c: OracleCase): ReversalMode[] => (isPool(c) ? ['local', 'surrogate'] : isLinear(c) ? ['exact'] : ['local']);
  it.each(all.map((c) => [`${c.op} ${c.name}`, c] as const))('%s', (_name, c) => {
    const seeds = 5;
    const size = c.seed.data.length;
    const batch = randomValues(seeds * size, size * 7 + c.name.length);
    for (const mode of modes(c)) {
      const together = reverseDirect(c, mode, batch, seeds);
      for (let s = 0; s < seeds; s++) {
        const alone = reverseDirect(c, mode, batch.slice(s * size, (s + 1) * size), 1);
        alone.forEach((g, i) => {
          if (!g) return;
          const part = together[i]!.subarray(s * g.length, (s + 1) * g.length);
          expect(maxError(part, g), `${mode}, seed ${s}, input ${i}`).toBeLessThanOrEqual(1e-6);
        });
      }
    }
  });
});

/** A synthetic case (no oracle): only for comparisons of the engine with itself. */
function synthetic(op: string, x: number[], w: number[] | null, attrs: Record<string, AttrValue>, seed: number): OracleCase {
  const enc = (shape: number[], k: number): Encoded => ({ shape, data: Array.from(randomValues(shape.reduce((a, b) => a * b, 1), k)) });
  const inputs = [enc(x, seed), w ? enc(w, seed + 1) : null];
  const c: OracleCase = { name: `${op} synthetic`, op, opset: 13, attrs, inputs, constant: [false, true], output: enc([1], 0), seed: enc([1], 0), grads: [] };
  const { ctx } = contextOf(c);
  const shape = opFor(ctx.node).inferShapes(ctx)[0];
  return { ...c, seed: enc([...shape], seed + 2) };
}

describe('seeds reversed in passes of several images', () => {
  // Planes of 64 values: four images share one im2col matrix, so 5 and 7 seeds end with a narrower pass.
  const cases = [
    synthetic('Conv', [1, 3, 10, 10], [4, 3, 3, 3], {}, 11),
    synthetic('Conv', [2, 4, 8, 8], [6, 2, 3, 3], { pads: [1, 1, 1, 1], group: 2 }, 12),
    synthetic('ConvTranspose', [1, 3, 8, 8], [3, 2, 3, 3], { strides: [2, 2], pads: [1, 0, 1, 1] }, 13),
    synthetic('ConvTranspose', [2, 4, 8, 8], [4, 2, 2, 2], { strides: [2, 2], group: 2 }, 14),
  ];
  it.each(cases.map((c, i) => [`${c.op} ${i}`, c] as const))('%s', (_name, c) => {
    const size = c.seed.data.length;
    for (const seeds of [5, 7]) {
      const batch = randomValues(seeds * size, seeds);
      const together = reverseDirect(c, 'exact', batch, seeds)[0]!;
      for (let s = 0; s < seeds; s++) {
        const alone = reverseDirect(c, 'exact', batch.slice(s * size, (s + 1) * size), 1)[0]!;
        expect(maxError(together.subarray(s * alone.length, (s + 1) * alone.length), alone)).toBeLessThanOrEqual(1e-6);
      }
    }
  });
});

describe('the derivation by hand: a 2×2 kernel on a 3×3 input', () => {
  it('reverses to the transposed convolution matrix', () => {
    // y_kl = Σ w_pq x_(k+p)(l+q); row kl of J holds the kernel placed at (k, l).
    const [a, b, c, d] = [1, 2, 3, 4];
    const conv: OracleCase = {
      name: 'hand', op: 'Conv', opset: 13, attrs: {},
      inputs: [{ shape: [1, 1, 3, 3], data: new Array<number>(9).fill(0) }, { shape: [1, 1, 2, 2], data: [a, b, c, d] }, null],
      constant: [false, true, true], output: { shape: [1, 1, 2, 2], data: [] }, seed: { shape: [1, 1, 2, 2], data: [] }, grads: [],
    };
    const oneHots = new Float32Array(16);
    for (let k = 0; k < 4; k++) oneHots[k * 4 + k] = 1;
    const rows = reverseDirect(conv, 'exact', oneHots, 4)[0]!;
    expect(Array.from(rows)).toEqual([
      a, b, 0, c, d, 0, 0, 0, 0,
      0, a, b, 0, c, d, 0, 0, 0,
      0, 0, 0, a, b, 0, c, d, 0,
      0, 0, 0, 0, a, b, 0, c, d,
    ]);
  });
});

describe('bad nodes fail with the node named', () => {
  function shapesOf(op: string, shapes: (number[] | undefined)[], attrs: Record<string, AttrValue>, constants: (Tensor | undefined)[] = []): () => unknown {
    const node: GraphNode = { name: 'bad', opType: op, inputs: shapes.map((s, i) => (s ? INPUT_NAMES[i] : '')), outputs: ['y'], attrs };
    return () => opFor(node).inferShapes({ node, inputShapes: shapes, constants, opset: 13 });
  }
  const cases: [string, () => unknown, RegExp][] = [
    ['channels not matching the groups', shapesOf('Conv', [[1, 4, 5, 5], [6, 3, 3, 3]], { group: 2 }), /4 channels/],
    ['kernel_shape not matching W', shapesOf('Conv', [[1, 3, 5, 5], [2, 3, 3, 3]], { kernel_shape: [2, 2] }), /kernel_shape/],
    ['a window larger than the input', shapesOf('Conv', [[1, 1, 2, 2], [1, 1, 3, 3]], {}), /does not fit/],
    ['four spatial axes', shapesOf('Conv', [[1, 1, 2, 2, 2, 2], [1, 1, 1, 1, 1, 1]], {}), /expected N×C×L/],
    ['a wrong number of pads', shapesOf('Conv', [[1, 1, 5, 5], [1, 1, 3, 3]], { pads: [1, 1] }), /pads has 2 values/],
    ['an unknown auto_pad', shapesOf('AveragePool', [[1, 1, 5, 5]], { kernel_shape: [2, 2], auto_pad: 'SAME' }), /auto_pad/],
    ['a pool without kernel_shape', shapesOf('MaxPool', [[1, 1, 5, 5]], {}), /kernel_shape is required/],
    ['a zero stride', shapesOf('MaxPool', [[1, 1, 5, 5]], { kernel_shape: [2, 2], strides: [0, 1] }), /strides/],
    ['a bias of the wrong size', shapesOf('ConvTranspose', [[1, 2, 3, 3], [2, 2, 3, 3], [3]], {}), /B has shape/],
    ['batch-norm parameters of the wrong size', shapesOf('BatchNormalization', [[1, 3, 2, 2], [3], [3], [2], [3]], {}), /mean has shape/],
    ['pads that are not constant', shapesOf('Pad', [[1, 3, 2, 2], [8]], {}), /pads must be constant/],
    ['pads that crop more than the input', shapesOf('Pad', [[1, 3, 2, 2], [8]], {}, [undefined, intTensor([8], [0, 0, -3, 0, 0, 0, 0, 0])]), /crop more/],
    ['an unknown pad mode', shapesOf('Pad', [[1, 3, 2, 2]], { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: 'mirror' }), /mode "mirror"/],
  ];
  it.each(cases)('%s', (_name, f, message) => {
    expect(f).toThrow(ModelError);
    expect(f).toThrow(/node "bad"/);
    expect(f).toThrow(message);
  });

  it('max pools refuse the exact mode, batch norm in training mode refuses to reverse', () => {
    const pool = synthetic('MaxPool', [1, 2, 4, 4], null, { kernel_shape: [2, 2] }, 3);
    expect(() => reverseDirect(pool, 'exact', Float32Array.from(pool.seed.data), 1)).toThrow(/exact mode/);
    const x = floatTensor([1, 2, 2, 2], randomValues(8, 1));
    const p = floatTensor([2], Float32Array.of(1, 2));
    const node: GraphNode = { name: 'bn', opType: 'BatchNormalization', inputs: ['x', 's', 'b', 'm', 'v'], outputs: ['y', 'rm', 'rv'], attrs: { training_mode: 1 } };
    const ctx: OpContext = { node, inputShapes: [[1, 2, 2, 2], [2], [2], [2], [2]], constants: [undefined, p, p, p, p], opset: 15 };
    const op = opFor(node);
    expect(op.kindAt!(ctx)).toBe('nonlinear');
    const rctx: ReverseContext = { ...ctx, outputShapes: op.inferShapes(ctx), batch: 1, mode: 'local', reference: { inputs: [x, p, p, p, p], outputs: [] } };
    expect(() => op.reverse!(rctx, [new Float32Array(8)])).toThrow(/training mode/);
  });
});
