import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../../workers/engine/graph';
import { computeNeurons } from '../../workers/engine/compute';
import { runForward } from '../../workers/engine/forward';
import { prepare } from '../../workers/engine/prepare';
import { detect, readModel, type InputFile } from '../../workers/formats/index';
import { checkAgainstOracle, FIXTURES, inputFiles, loadOracle } from '../fixtures/keras/oracle';

const fixture = (name: string): string => join(FIXTURES, 'tfjs-graph', name);
/** The real models of ../shared/models (MANIFEST.md); NEUROVIS_SHARED points elsewhere (a worktree). */
const REAL = join(process.env.NEUROVIS_SHARED ?? join(__dirname, '..', '..', '..', 'shared'), 'models', 'tfjs', 'graph_human_emotion');

describe('TF.js graph-model fixtures reproduce their PyTorch oracle (test/fixtures/tfjs-graph/make_fixtures.py)', () => {
  it('convolutions (fused BiasAdd+Relu6, depthwise with dilation, explicit padding, fused depthwise LeakyRelu), batch norm, pools, Pad, ConcatV2, Mean, _FusedMatMul, clips; float16 weights; surrogate mode', () => {
    const model = checkAgainstOracle(inputFiles(fixture('convnet_fp16')), loadOracle(fixture('convnet_fp16.oracle.json')));
    expect(model.graph.quantization?.description).toContain('float16');
  });

  it('Transpose, Prelu, unfused batch norm (Rsqrt folded), Flatten as Shape/StridedSlice/Pack/Reshape, Cast', () => {
    checkAgainstOracle(inputFiles(fixture('ops_extra')), loadOracle(fixture('ops_extra.oracle.json')));
  });

  it('Conv2DBackpropInput (transposed convolution) with SAME and VALID padding, a leftover row at the end', () => {
    checkAgainstOracle(inputFiles(fixture('deconv')), loadOracle(fixture('deconv.oracle.json')));
  });

  it("Split, SplitV and Unpack, their outputs read as 'node:k'; exact mode", () => {
    checkAgainstOracle(inputFiles(fixture('ops_split')), loadOracle(fixture('ops_split.oracle.json')));
  });

  it('Neg, Abs, Square, Pow, AddN, Max and Sum over height and width, RealDiv, LogSoftmax (forward values)', () => {
    checkAgainstOracle(inputFiles(fixture('ops_math')), loadOracle(fixture('ops_math.oracle.json')));
  });

  it('MatMul with uint8-quantised weights, StridedSlice on a constant, BiasAdd, Mul/Sub by constants, Reshape and Squeeze, Softmax (forward only)', () => {
    const model = checkAgainstOracle(inputFiles(fixture('mlp_uint8')), loadOracle(fixture('mlp_uint8.oracle.json')));
    expect(model.graph.quantization).toMatchObject({ scheme: 'tfjs-weights' });
    expect(model.graph.quantization?.description).toContain('uint8');
  });
});

describe('what a TF.js graph model says about itself', () => {
  it('is channels-last NHWC, its layers are the TF ops named after their nodes, rearrangements are not layers', () => {
    const files = inputFiles(fixture('convnet_fp16'));
    expect(detect(files).main.name).toBe('model.json');
    const graph = readModel(files);
    expect(graph.source).toMatchObject({ format: 'tfjs', producer: 'TensorFlow.js Converter v4.17.0 from TensorFlow 2.15.0' });
    expect(graph.channelAxis).toBe('last');
    expect(graph.inputLayout).toBe('NHWC');
    expect(graph.inputs).toEqual([{ name: 'image', dims: [null, 8, 9, 3], dtype: 'float32' }]);
    const layers = graph.layerTensors ?? [];
    expect(layers.map((l) => l.op)).not.toContain('Pad');
    expect(layers.map((l) => l.op)).not.toContain('Identity');
    expect(layers.find((l) => l.tensor === 'conv1/Relu6')).toEqual({ tensor: 'conv1/Relu6', name: 'conv1/Relu6', op: '_FusedConv2D' });
    const produced = new Set(graph.nodes.flatMap((n) => n.outputs));
    for (const l of layers) expect(produced.has(l.tensor), l.tensor).toBe(true);
  });

  it('an unsupported op is refused naming the op and the node', () => {
    const files = inputFiles(fixture('mlp_uint8'));
    const main = files.find((f) => f.name === 'model.json')!;
    const text = new TextDecoder().decode(main.bytes).replace('"op": "Sub"', '"op": "Atan2"');
    const edited: InputFile = { name: 'model.json', bytes: new TextEncoder().encode(text) };
    expect(() => readModel([edited, ...files.filter((f) => f !== main)])).toThrow(/unsupported op Atan2 at node "shift\/sub"/);
  });

  it('a missing or truncated shard is named', () => {
    const files = inputFiles(fixture('mlp_uint8'));
    expect(() => readModel(files.filter((f) => f.name !== 'group1-shard2of2.bin'))).toThrow(/model\.json: weight file "group1-shard2of2\.bin" is missing/);
    const cut = files.map((f) => (f.name === 'group1-shard2of2.bin' ? { name: f.name, bytes: f.bytes.subarray(0, 10) } : f));
    expect(() => readModel(cut)).toThrow(/model\.json: weight files .* hold \d+ bytes; the manifest needs/);
  });
});

interface Summary {
  readonly sum: number;
  readonly l2: number;
  readonly samples: [number, number][];
}
interface RealOracle {
  readonly layers: { name: string; op: string; shape: number[]; summary: Summary; output?: number[] }[];
  readonly surrogate: { layer: string; neurons: { index: number; norm: number; xstar_summary: Summary }[] };
}

function expectSummary(got: Float32Array, want: Summary, what: string): void {
  let sum = 0;
  let l2 = 0;
  for (const v of got) {
    sum += v;
    l2 += v * v;
  }
  const scale = Math.max(1, want.l2);
  expect(Math.abs(sum - want.sum), `${what}: sum`).toBeLessThan(1e-4 * scale * Math.sqrt(got.length));
  expect(Math.abs(Math.sqrt(l2) - want.l2), `${what}: l2`).toBeLessThan(1e-5 * scale);
  for (const [i, v] of want.samples) expect(Math.abs(got[i] - v), `${what}: value ${i}`).toBeLessThan(1e-5 * scale);
}

describe.skipIf(!existsSync(REAL))('the shared real TF.js graph model (vladmandic/human emotion, converter 2.7.0)', () => {
  if (!existsSync(REAL)) it.skip('skipped: ../shared/models is absent', () => undefined);
  const oracle = existsSync(REAL) ? (JSON.parse(readFileSync(fixture('real_emotion.oracle.json'), 'utf8')) as RealOracle) : undefined;

  it('opens, and every layer agrees with the PyTorch interpretation of its GraphDef at a fixed input', () => {
    const model = prepare(readModel(inputFiles(REAL)));
    expect(model.inputFeatureShape).toEqual([64, 64, 1]);
    expect(model.layers.map((l) => [l.name, l.op])).toEqual(oracle!.layers.map((l) => [l.name, l.op]));
    const x = Float32Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i));
    const values = runForward(model, x);
    model.layers.forEach((layer, i) => {
      const want = oracle!.layers[i];
      expect(layer.featureShape).toEqual(want.shape);
      const got = values.get(layer.id)!.data as Float32Array;
      expectSummary(got, want.summary, layer.name);
      if (want.output) want.output.forEach((v, k) => expect(Math.abs(got[k] - v), `${layer.name}[${k}]`).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
    });
    // Its output is a probability distribution over the 7 emotions.
    const probs = Array.from(values.get(model.layers[model.layers.length - 1].id)!.data);
    expect(probs).toHaveLength(7);
    expect(probs.every((p) => p >= 0)).toBe(true);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('reverses its logits in surrogate mode as autograd through the PyTorch interpretation does', () => {
    const model = prepare(readModel(inputFiles(REAL)));
    const layer = model.layers.find((l) => l.name === oracle!.surrogate.layer)!;
    const neurons = oracle!.surrogate.neurons;
    const result = computeNeurons(model, layer.id, neurons.map((n) => n.index), { mode: 'surrogate', objective: { kind: 'neuron' }, radius: 1 });
    neurons.forEach((n, k) => {
      expect(result.norms[k] / n.norm, `‖a‖ of neuron ${n.index}`).toBeCloseTo(1, 5);
      expectSummary(result.xstar.subarray(k * 4096, (k + 1) * 4096), n.xstar_summary, `x* of neuron ${n.index}`);
    });
  });
});

describe('damaged graph models', () => {
  /** Replaces one attribute, input list or manifest shape of the fixture by an odd value, 300 times. */
  it('every damaged GraphDef ends in a clear error (ModelError) or a model', () => {
    const files = inputFiles(fixture('convnet_fp16'));
    const main = files.find((f) => f.name === 'model.json')!;
    const shards = files.filter((f) => f !== main);
    const original = JSON.parse(new TextDecoder().decode(main.bytes)) as {
      modelTopology: { node: { attr: Record<string, unknown>; input?: unknown }[] };
      weightsManifest: { weights: { shape: unknown }[] }[];
    };
    const odd: unknown[] = [null, 7, 'x', [], {}, { list: {} }, { i: '-5' }, { i: '0' }, { i: '99999999999' }, { s: '!!' }, { list: { i: ['0', '0', '0', '0'] } }, { list: { i: ['1', '4096', '4096', '1'] } }, { f: -1 }, { type: 'DT_STRING' }, { list: { s: ['UmVsdQ==', 'QmlhcyBBZGQ='] } }];
    let s = 99;
    const rand = (n: number): number => Math.floor(((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * n);
    let errors = 0;
    let models = 0;
    for (let k = 0; k < 300; k++) {
      const json = JSON.parse(JSON.stringify(original)) as typeof original;
      const nodes = json.modelTopology.node;
      const node = nodes[rand(nodes.length)];
      const what = rand(10);
      if (what === 0) node.input = odd[rand(odd.length)];
      else if (what === 1) json.weightsManifest[0].weights[rand(json.weightsManifest[0].weights.length)].shape = [[3], [-1], [1e9, 1e9], ['a'], []][rand(5)];
      else {
        const keys = Object.keys(node.attr);
        if (keys.length === 0) {
          node.input = [];
        } else {
          node.attr[keys[rand(keys.length)]] = odd[rand(odd.length)];
        }
      }
      try {
        prepare(readModel([{ name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(json)) }, ...shards]));
        models++;
      } catch (e) {
        if (!(e instanceof ModelError)) throw new Error(`mutation ${k}: not a ModelError: ${e instanceof Error ? e.stack : String(e)}`);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(50);
    expect(errors + models).toBe(300);
  });
});
