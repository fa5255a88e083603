import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OpContext } from '../../workers/engine/op';
import { opFor } from '../../workers/engine/ops/index';
import type { Tensor } from '../../workers/engine/tensor';
import { readModel } from '../../workers/formats/index';
import { decodeTensorProto } from '../../workers/formats/onnx/index';

/**
 * ONNX backend conformance (Debian's libonnx-testdata): every node test of the nonlinear
 * ops, forward outputs against the expected outputs. The *_expanded variants test the
 * function bodies (other ops) and are left to those ops.
 */
const ROOT = '/usr/share/libonnx-testdata/data/node';
const OPS = ['Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Sigmoid', 'HardSigmoid', 'Tanh', 'Softplus', 'Gelu', 'HardSwish', 'Clip', 'Softmax', 'LogSoftmax', 'Erf', 'Pow', 'Sqrt'];

function casesOf(): { dir: string; op: string }[] {
  if (!existsSync(ROOT)) return [];
  const out: { dir: string; op: string }[] = [];
  for (const dir of readdirSync(ROOT).sort()) {
    if (dir.endsWith('_expanded')) continue;
    const file = join(ROOT, dir, 'model.onnx');
    if (!existsSync(file)) continue;
    let op: string;
    try {
      const graph = readModel([{ name: `${dir}.onnx`, bytes: new Uint8Array(readFileSync(file)) }]);
      if (graph.nodes.length !== 1) continue;
      op = graph.nodes[0].opType;
    } catch {
      continue; // a model the reader refuses is not one of these ops' tests
    }
    if (OPS.includes(op)) out.push({ dir, op });
  }
  return out;
}

const cases = casesOf();

describe.skipIf(cases.length === 0)('ONNX backend node tests of the nonlinear ops (libonnx-testdata)', () => {
  it('covers every op that has conformance data', () => {
    const covered = new Set(cases.map((c) => c.op));
    // Gelu arrived in opset 20, after this test data was made.
    for (const op of OPS.filter((o) => o !== 'Gelu')) expect(covered, op).toContain(op);
  });

  for (const { dir, op } of cases) {
    it(`${dir} (${op})`, () => {
      const graph = readModel([{ name: `${dir}.onnx`, bytes: new Uint8Array(readFileSync(join(ROOT, dir, 'model.onnx'))) }]);
      const node = graph.nodes[0];
      const dataDir = join(ROOT, dir, 'test_data_set_0');
      const values = new Map<string, Tensor>(graph.initializers);
      const inputNames = graph.inputs.filter((i) => !graph.initializers.has(i.name)).map((i) => i.name);
      inputNames.forEach((name, k) => values.set(name, decodeTensorProto(new Uint8Array(readFileSync(join(dataDir, `input_${k}.pb`))))));
      const inputs = node.inputs.map((n) => (n === '' ? undefined : values.get(n)));
      const ctx: OpContext = { node, inputShapes: inputs.map((t) => t?.shape), constants: inputs, opset: graph.source.opset ?? 13 };
      const impl = opFor(node);
      const [y] = impl.forward(ctx, inputs);
      const expected = decodeTensorProto(new Uint8Array(readFileSync(join(dataDir, 'output_0.pb'))));
      expect(impl.inferShapes(ctx)[0]).toEqual(expected.shape);
      expect(y.shape).toEqual(expected.shape);
      for (let i = 0; i < expected.data.length; i++) {
        const want = expected.data[i];
        const tol = 1e-6 + 1e-5 * Math.abs(want);
        if (!(Math.abs(y.data[i] - want) <= tol)) expect(y.data[i], `element ${i}`).toBe(want);
      }
    });
  }
});
