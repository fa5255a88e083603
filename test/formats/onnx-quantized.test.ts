import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { computeNeurons, allNeurons } from '../../workers/engine/compute';
import { runForward } from '../../workers/engine/forward';
import { ModelError, type Graph } from '../../workers/engine/graph';
import { prepare } from '../../workers/engine/prepare';
import { sizeOf } from '../../workers/engine/tensor';
import { readModel } from '../../workers/formats/index';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(here, '..', 'fixtures', 'quantized-onnx');
const SHARED_MODEL = join(here, '..', '..', '..', 'shared', 'models', 'onnx', 'qlinear_int8_mobilenetv2_cifar10.onnx');

/** ONNX Runtime, the oracle (a devDependency; tests need no Python). */
interface OrtTensor { readonly data: Float32Array | Uint8Array }
interface OrtSession { run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>> }
const ort = createRequire(import.meta.url)('onnxruntime-node') as {
  InferenceSession: { create(path: string): Promise<OrtSession> };
  Tensor: new (type: string, data: Float32Array | Uint8Array, dims: readonly number[]) => unknown;
};

function read(path: string): Graph {
  return readModel([{ name: path.split('/').pop()!, bytes: new Uint8Array(readFileSync(path)) }]);
}

/** Deterministic inputs in [−1, 1). */
function inputs(count: number, size: number): Float32Array[] {
  let s = 16;
  const next = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return Array.from({ length: count }, () => Float32Array.from({ length: size }, next));
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += a[i] / n; mb += b[i] / n; }
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) { ab += (a[i] - ma) * (b[i] - mb); aa += (a[i] - ma) ** 2; bb += (b[i] - mb) ** 2; }
  return ab / Math.sqrt(aa * bb);
}

const CASES: readonly { file: string; scheme: string; description: string; layers: string }[] = [
  {
    file: 'qop_uint8_per_tensor', scheme: 'onnx-qoperator', description: 'uint8 activations, uint8 per-tensor weights',
    layers: 'c0:QLinearConv c1:QLinearConv cat:QLinearConcat pool:QLinearAveragePool leaky:QLinearLeakyRelu add:QLinearAdd mul:QLinearMul sig:QLinearSigmoid gap:QLinearGlobalAveragePool fc:QLinearMatMul',
  },
  {
    file: 'qop_int8_per_channel', scheme: 'onnx-qoperator', description: 'int8 activations, int8 per-channel weights',
    layers: 'c0:QLinearConv c1:QLinearConv cat:QLinearConcat pool:QLinearAveragePool leaky:QLinearLeakyRelu add:QLinearAdd mul:QLinearMul sig:QLinearSigmoid gap:QLinearGlobalAveragePool fc:QLinearMatMul',
  },
  {
    file: 'dynamic_conv_matmul', scheme: 'onnx-qoperator', description: 'dynamic uint8 activations, int8 per-tensor and uint8 per-tensor weights',
    layers: 'conv_i32:Conv conv:Mul relu:Relu mm_i32:MatMul y:Mul',
  },
  { file: 'qgemm_uint8_per_tensor', scheme: 'onnx-qoperator', description: 'uint8 activations, uint8 per-tensor weights', layers: 'g:QGemm' },
  { file: 'qgemm_int8_per_channel_float_output', scheme: 'onnx-qoperator', description: 'int8 activations, int8 per-channel weights', layers: 'y:Gemm' },
  { file: 'qdq_uint8_per_tensor', scheme: 'onnx-qdq', description: 'uint8 activations, uint8 per-tensor weights', layers: 'c1_q:Conv pool_q:MaxPool c2_q:Conv res_q:Add gap_q:GlobalAveragePool fc_q:Gemm' },
  { file: 'qdq_int8_per_channel', scheme: 'onnx-qdq', description: 'int8 activations, int8 per-channel weights', layers: 'c1_q:Conv pool_q:MaxPool c2_q:Conv res_q:Add gap_q:GlobalAveragePool fc_q:Gemm' },
];

describe('quantised ONNX read as its dequantised float network, against ONNX Runtime', () => {
  it.each(CASES)('$file: forward pass within quantisation error, layers named after the quantised ops', async ({ file, scheme, description, layers }) => {
    const path = join(FIXTURES, `${file}.onnx`);
    const g = read(path);
    expect(g.quantization).toEqual({ scheme, description });
    expect(g.source.notes?.some((n) => n.startsWith('quantised model: read as its float network'))).toBe(true);
    const model = prepare(g);
    // One layer per quantised op: the float value before its saturation is no layer of its own.
    expect(model.layers.map((l) => `${l.id}:${l.op}`).join(' ')).toBe(layers);
    const session = await ort.InferenceSession.create(path);
    for (const x of inputs(8, sizeOf(model.inputShape))) {
      const ours = runForward(model, x, ['y']).get('y')!.data;
      const theirs = (await session.run({ x: new ort.Tensor('float32', x, model.inputShape) })).y.data as Float32Array;
      const range = Math.max(...Array.from(theirs, Math.abs));
      // Rounding between layers is not modelled: the outputs differ by a few quantisation steps.
      for (let i = 0; i < theirs.length; i++) expect(Math.abs(ours[i] - theirs[i]), `output ${i}`).toBeLessThanOrEqual(0.03 * range);
    }
  });

  it('a uint8 graph input is read in real units, scale·(q − zero_point); a uint8 output too', async () => {
    const path = join(FIXTURES, 'qop_uint8_input.onnx');
    const g = read(path);
    expect(g.inputs[0].dtype).toBe('float32');
    expect(g.source.notes?.some((n) => n.includes('input "x" is uint8 in the file; x* is in real units'))).toBe(true);
    const model = prepare(g);
    const session = await ort.InferenceSession.create(path);
    for (const x of inputs(4, 36)) {
      const q = Uint8Array.from(x, (v) => Math.round((v + 1) * 127.5));
      const real = Float32Array.from(q, (v) => v / 255); // x_scale 1/255, zero point 0
      const ours = runForward(model, real, ['y']).get('y')!.data;
      const theirs = (await session.run({ x: new ort.Tensor('uint8', q, [1, 1, 6, 6]) })).y.data as Uint8Array;
      theirs.forEach((v, i) => expect(Math.abs(ours[i] - (2 / 255) * (v - 128)), `output ${i}`).toBeLessThanOrEqual(1.01 / 255));
    }
  });

  it('refuses what it cannot read, naming the file, the node and the op', () => {
    expect(() => read(join(FIXTURES, 'bad_channels_last_pool.onnx'))).toThrow(ModelError);
    expect(() => read(join(FIXTURES, 'bad_channels_last_pool.onnx'))).toThrow(/unsupported op com\.microsoft\.QLinearAveragePool at node "pool_node": channels_last=1/);
    expect(() => read(join(FIXTURES, 'bad_static_conv_integer.onnx'))).toThrow(/ConvInteger at node "y_node": "x" does not come from a DynamicQuantizeLinear/);
  });
});

describe.skipIf(!existsSync(SHARED_MODEL))('shared operator-oriented int8 MobileNetV2 (skipped when ../shared/models is missing)', () => {
  it('opens, and the output layer’s surrogate x* reach activations that ONNX Runtime confirms (correlation ≥ 0.9)', async () => {
    const g = read(SHARED_MODEL);
    expect(g.quantization).toEqual({ scheme: 'onnx-qoperator', description: 'uint8 activations, int8 per-channel weights' });
    const model = prepare(g);
    const output = model.layers[model.layers.length - 1];
    expect(output).toMatchObject({ id: '538_quantized', op: 'QLinearAdd', neurons: 10 });
    const result = computeNeurons(model, output.id, allNeurons(model, output.id, { kind: 'neuron' }), { mode: 'surrogate', objective: { kind: 'neuron' }, radius: 10 });
    const session = await ort.InferenceSession.create(SHARED_MODEL);
    const size = sizeOf(result.inputShape);
    const theirs = new Float32Array(output.neurons);
    for (let i = 0; i < output.neurons; i++) {
      const x = result.xstar.subarray(i * size, (i + 1) * size);
      theirs[i] = ((await session.run({ [model.inputName]: new ort.Tensor('float32', x, model.inputShape) }))['538'].data as Float32Array)[i];
    }
    const r = correlation(result.activations, theirs);
    console.log(`shared int8 MobileNetV2, output layer: correlation ${r.toFixed(4)} between reported activations and ONNX Runtime on x*`);
    expect(r).toBeGreaterThanOrEqual(0.9);
  });
});

const SHARED_FLOAT = ['pytorch_mobilenetv2_slim_mnist.onnx', 'modelzoo_mnist-8_cntk.onnx'].map((f) => join(dirname(SHARED_MODEL), f));

describe.skipIf(!SHARED_FLOAT.every(existsSync))('shared float ONNX models against ONNX Runtime (skipped when ../shared/models is missing)', () => {
  it.each(SHARED_FLOAT)('%s: the output layer’s reported activations are ONNX Runtime’s on x* (1e-4 relative)', async (path) => {
    const g = read(path);
    expect(g.quantization).toBeUndefined();
    const model = prepare(g);
    const output = model.layers[model.layers.length - 1];
    // The last layer is the graph's output, or reshaped into it (a Reshape keeps the order of values).
    const name = g.outputs[0];
    expect(sizeOf(model.shapes.get(name)!)).toBe(output.neurons);
    const result = computeNeurons(model, output.id, allNeurons(model, output.id, { kind: 'neuron' }), { mode: 'surrogate', objective: { kind: 'neuron' }, radius: 10 });
    const session = await ort.InferenceSession.create(path);
    const size = sizeOf(result.inputShape);
    for (let i = 0; i < output.neurons; i++) {
      const x = result.xstar.subarray(i * size, (i + 1) * size);
      const theirs = ((await session.run({ [model.inputName]: new ort.Tensor('float32', x, model.inputShape) }))[name].data as Float32Array)[i];
      expect(Math.abs(result.activations[i] - theirs), `neuron ${i}: ${result.activations[i]} vs ${theirs}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(theirs)));
    }
  });
});
