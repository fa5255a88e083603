import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AttrValue, GraphNode } from '../../workers/engine/graph';
import { kindOf, type OpContext, type OpKind, type ReversalMode, type ReverseContext } from '../../workers/engine/op';
import { opFor } from '../../workers/engine/ops/index';
import type { DType, Tensor } from '../../workers/engine/tensor';

/**
 * Every tensor op against the oracles of test/fixtures/ops-tensor/make_oracles.py:
 * forward values computed by numpy/PyTorch with ONNX semantics, and autograd's
 * vector–Jacobian products for a batch of random seeds.
 */
interface TensorJson {
  readonly dtype: DType;
  readonly shape: number[];
  readonly data: number[];
  readonly constant?: boolean;
}

interface CaseJson {
  readonly name: string;
  readonly op: string;
  readonly opset: number;
  readonly attrs: Record<string, unknown>;
  readonly kind: OpKind;
  readonly mode: ReversalMode;
  readonly inputs: (TensorJson | null)[];
  readonly outputs: TensorJson[];
  readonly batch?: number;
  readonly seeds?: (number[] | null)[];
  readonly grads?: (number[] | null)[];
}

const TOLERANCE = 1e-5;
const oracle = JSON.parse(readFileSync(new URL('../fixtures/ops-tensor/cases.json', import.meta.url), 'utf8')) as { cases: CaseJson[] };

function toTensor(j: TensorJson): Tensor {
  return { dtype: j.dtype, shape: j.shape, data: j.dtype === 'float32' ? Float32Array.from(j.data) : Float64Array.from(j.data) };
}

function toAttrs(attrs: Record<string, unknown>): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(attrs)) {
    out[k] = typeof v === 'object' && v !== null && 'tensor' in v ? toTensor((v as { tensor: TensorJson }).tensor) : (v as AttrValue);
  }
  return out;
}

function maxAbsError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
  }
  return worst;
}

function setUp(c: CaseJson): { ctx: OpContext; values: (Tensor | undefined)[] } {
  const values = c.inputs.map((t) => (t ? toTensor(t) : undefined));
  const node: GraphNode = {
    name: `${c.op.toLowerCase()}_node`,
    opType: c.op,
    inputs: c.inputs.map((t, i) => (t ? `in${i}` : '')),
    outputs: c.outputs.map((_, k) => `out${k}`),
    attrs: toAttrs(c.attrs),
  };
  const ctx: OpContext = {
    node,
    inputShapes: values.map((t) => t?.shape),
    constants: c.inputs.map((t, i) => (t?.constant ? values[i] : undefined)),
    opset: c.opset,
  };
  return { ctx, values };
}

const byOp = new Map<string, CaseJson[]>();
for (const c of oracle.cases) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);

describe('tensor ops against numpy/PyTorch oracles', () => {
  it('the oracle file covers every op of the group', () => {
    const covered = [...byOp.keys()].sort();
    for (const op of ['Transpose', 'Concat', 'Split', 'Slice', 'Gather', 'Expand', 'Tile', 'ReduceSum', 'ReduceMean', 'Sum', 'Mean', 'Max', 'Min', 'Neg', 'Add', 'Sub', 'Mul', 'Div',
      'Shape', 'Size', 'Constant', 'ConstantOfShape', 'Cast', 'Range', 'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'Not', 'Where', 'Floor', 'Ceil', 'Abs', 'Reciprocal']) {
      expect(covered).toContain(op);
    }
  });

  for (const [opType, cases] of byOp) {
    describe(opType, () => {
      for (const c of cases) {
        it(c.name, () => {
          const op = opFor({ name: 'probe', opType, inputs: [], outputs: [], attrs: {} });
          const { ctx, values } = setUp(c);
          expect(kindOf(op, ctx)).toBe(c.kind);

          // As prepare() does: a 'shape' op folds from its constants alone; others see every value.
          const folds = c.kind === 'shape' || c.inputs.every((t) => !t || t.constant);
          if (!folds) expect(op.inferShapes(ctx)).toEqual(c.outputs.map((o) => o.shape));
          const outputs = op.forward(ctx, folds ? ctx.constants : values);
          expect(outputs.length).toBe(c.outputs.length);
          outputs.forEach((y, k) => {
            const want = c.outputs[k];
            expect(y.shape).toEqual(want.shape);
            expect(y.dtype).toBe(want.dtype);
            expect(y.data instanceof Float32Array).toBe(want.dtype === 'float32');
            expect(maxAbsError(y.data, want.data)).toBeLessThanOrEqual(want.dtype === 'float32' ? TOLERANCE : 0);
          });

          if (!c.grads || !c.seeds || !c.batch) return;
          expect(op.reverse).toBeDefined();
          const seeds = c.seeds.map((s) => (s ? Float32Array.from(s) : undefined));
          const untouched = seeds.map((s) => s && Float32Array.from(s));
          const rctx: ReverseContext = {
            ...ctx,
            outputShapes: c.outputs.map((o) => o.shape),
            batch: c.batch,
            mode: c.mode,
            reference: c.mode === 'exact' ? undefined : { inputs: values, outputs: c.outputs.map(toTensor) },
          };
          const grads = op.reverse!(rctx, seeds);
          seeds.forEach((s, k) => expect(s).toEqual(untouched[k]));
          c.grads.forEach((want, i) => {
            if (want === null) {
              expect(grads[i]).toBeUndefined();
              return;
            }
            // No gradient stands for a zero one (Floor, a cast to integers).
            const got = grads[i] ?? (want.every((v) => v === 0) ? new Float32Array(want.length) : undefined);
            expect(got).toBeInstanceOf(Float32Array);
            expect(maxAbsError(got!, want)).toBeLessThanOrEqual(TOLERANCE);
          });
        });
      }
    });
  }
});
