import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../cli/args';
import { ascendLayer } from '../../workers/engine/ascent';
import { fourierImage, imageGradientsToSpectra, parameterCount, renderImage, renderImages } from '../../workers/engine/ascent-fourier';
import { spectrumGradient, spectrumGradients } from '../../workers/engine/ascent-readable';
import { inputGrid, type Grid } from '../../workers/engine/ascent-regularisers';
import { affineResampling, resample, resampleAdjoint } from '../../workers/engine/ascent-transforms';
import { runForward } from '../../workers/engine/forward';
import type { Graph, GraphNode } from '../../workers/engine/graph';
import { prepare } from '../../workers/engine/prepare';
import { mulberry32 } from '../../workers/engine/random';
import { referenceValues, reverseLayer, reverseSeeds } from '../../workers/engine/reverse';
import { writeSeed } from '../../workers/engine/seeds';
import { floatTensor, type Tensor } from '../../workers/engine/tensor';
import { highFrequencyShare } from '../fixtures/ascent/spectrum';

/**
 * A CIFAR-shaped network (3×32×32, channels first): three 3×3 convolutions, the first two
 * with stride 2, each followed by the activation. Weights are random but smooth across
 * space and colour, as trained first layers are (a random network's x* is mostly noise).
 */
function cifarNet(seed: number, activation: string): Graph {
  const rand = mulberry32(seed);
  const initializers = new Map<string, Tensor>();
  const nodes: GraphNode[] = [];
  const channels = [3, 6, 8, 10];
  let current = 'x';
  for (let l = 1; l < channels.length; l++) {
    const [cin, cout] = [channels[l - 1], channels[l]];
    const w = Float32Array.from({ length: cout * cin * 9 }, () => (rand() - 0.5) * (2 / Math.sqrt(cin * 9)));
    initializers.set(`W${l}`, floatTensor([cout, cin, 3, 3], w));
    initializers.set(`b${l}`, floatTensor([cout], Float32Array.from({ length: cout }, () => (rand() - 0.5) * 0.2)));
    const stride = l < channels.length - 1 ? 2 : 1;
    nodes.push({ name: `conv${l}`, opType: 'Conv', inputs: [current, `W${l}`, `b${l}`], outputs: [`c${l}`], attrs: { kernel_shape: [3, 3], strides: [stride, stride], pads: [1, 1, 1, 1] } });
    nodes.push({ name: `act${l}`, opType: activation, inputs: [`c${l}`], outputs: [`a${l}`], attrs: {} });
    current = `a${l}`;
  }
  return {
    inputs: [{ name: 'x', dims: [1, 3, 32, 32], dtype: 'float32' }],
    outputs: [current],
    initializers,
    nodes,
    source: { format: 'onnx', fileName: `cifar-${seed}.onnx` },
    hasBatchDim: true,
    channelAxis: 'first',
  };
}

/**
 * Conv → Relu → MaxPool → Conv → Sigmoid → Softmax over channels (3×16×16): per-seed gates
 * (Relu, MaxPool), and an op reversed seed by seed (Softmax). Channel 1 of the first conv has
 * a bias of −100, so its Relu is off everywhere and the ascent falls back to the surrogate.
 */
function gatedNet(): Graph {
  const rand = mulberry32(11);
  const initializers = new Map<string, Tensor>();
  const weights = (name: string, shape: number[]): void => {
    const n = shape.reduce((a, b) => a * b, 1);
    initializers.set(name, floatTensor(shape, Float32Array.from({ length: n }, () => (rand() - 0.5) * 0.6)));
  };
  weights('W1', [4, 3, 3, 3]);
  initializers.set('b1', floatTensor([4], Float32Array.of(0.1, -100, 0, -0.1)));
  weights('W2', [5, 4, 3, 3]);
  weights('b2', [5]);
  const conv = { kernel_shape: [3, 3], pads: [1, 1, 1, 1] };
  return {
    inputs: [{ name: 'x', dims: [1, 3, 16, 16], dtype: 'float32' }],
    outputs: ['s'],
    initializers,
    nodes: [
      { name: 'conv1', opType: 'Conv', inputs: ['x', 'W1', 'b1'], outputs: ['c1'], attrs: conv },
      { name: 'relu1', opType: 'Relu', inputs: ['c1'], outputs: ['r1'], attrs: {} },
      { name: 'pool1', opType: 'MaxPool', inputs: ['r1'], outputs: ['p1'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { name: 'conv2', opType: 'Conv', inputs: ['p1', 'W2', 'b2'], outputs: ['c2'], attrs: conv },
      { name: 'sig2', opType: 'Sigmoid', inputs: ['c2'], outputs: ['g2'], attrs: {} },
      { name: 'soft', opType: 'Softmax', inputs: ['g2'], outputs: ['s'], attrs: { axis: 1 } },
    ],
    source: { format: 'onnx', fileName: 'gated.onnx' },
    hasBatchDim: true,
    channelAxis: 'first',
    opset: 13,
  } as Graph;
}

const options = { mode: 'surrogate' as const, objective: { kind: 'neuron' as const }, radius: 1 };

describe('readable ascent (Lucid-style parameterisation)', () => {
  it('renders a batch of spectra as the definition says, and sends gradients back by its transpose', () => {
    // Channels last, H ≠ W, odd sizes: the layout and both DFT lengths are exercised.
    const [h, w, cs] = [5, 6, 3];
    const grid: Grid = { channels: cs, height: h, width: w, channelStride: 1, rowStride: w * cs, colStride: cs, spatial: [h, w] };
    const range: [number, number] = [-1, 2];
    const image = fourierImage(grid, range);
    const rand = mulberry32(11);
    const ps = [0, 1, 2].map(() => Float64Array.from({ length: parameterCount(image) }, () => 3 * (rand() - 0.5)));
    const n = h * w;
    // u_c(y, x) = Re Σ_k s_k (a + i b) e^{2πi (ky·y/H + kx·x/W)} / (4√N), in float64.
    const spatial = (p: Float64Array): Float64Array => {
      const u = new Float64Array(cs * n);
      for (let c = 0; c < cs; c++) {
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            let sum = 0;
            for (let ky = 0; ky < h; ky++) {
              for (let kx = 0; kx < w; kx++) {
                const k = ky * w + kx;
                const [fy, fx] = [Math.min(ky, h - ky) / h, Math.min(kx, w - kx) / w];
                const s = 1 / Math.max(Math.hypot(fy, fx), 1 / Math.max(h, w)) / (4 * Math.sqrt(n));
                const t = 2 * Math.PI * (ky * y / h + kx * x / w);
                sum += s * (p[2 * c * n + 2 * k] * Math.cos(t) - p[2 * c * n + 2 * k + 1] * Math.sin(t));
              }
            }
            u[c * n + y * w + x] = sum;
          }
        }
      }
      return u;
    };
    const colour = image.colour!.m;
    const { xs, slopes } = renderImages(image, ps);
    ps.forEach((p, i) => {
      const u = spatial(p);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let c = 0; c < cs; c++) {
            const v = colour[3 * c] * u[y * w + x] + colour[3 * c + 1] * u[n + y * w + x] + colour[3 * c + 2] * u[2 * n + y * w + x];
            const sig = 1 / (1 + Math.exp(-v));
            const at = y * w * cs + x * cs + c;
            expect(xs[i * cs * n + at]).toBeCloseTo(range[0] + 3 * sig, 5);
            expect(slopes[i][at]).toBeCloseTo(3 * sig * (1 - sig), 5);
          }
        }
      }
    });
    // <∂L/∂p, δp> = <∂L/∂x, slope ⊙ M·(U δp)> for each image of the batch (U linear: the definition above).
    const gxs = ps.map(() => Float64Array.from({ length: cs * n }, () => rand() - 0.5));
    const gps = imageGradientsToSpectra(image, gxs, slopes);
    ps.forEach((_, i) => {
      const dp = Float64Array.from({ length: parameterCount(image) }, () => rand() - 0.5);
      const du = spatial(dp);
      let right = 0;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let c = 0; c < cs; c++) {
            const dv = colour[3 * c] * du[y * w + x] + colour[3 * c + 1] * du[n + y * w + x] + colour[3 * c + 2] * du[2 * n + y * w + x];
            const at = y * w * cs + x * cs + c;
            right += gxs[i][at] * slopes[i][at] * dv;
          }
        }
      }
      let left = 0;
      for (let k = 0; k < dp.length; k++) left += gps[i][k] * dp[k];
      expect(left).toBeCloseTo(right, 4);
    });
  });

  it('resampling and its adjoint agree: <T a, b> = <a, Tᵀ b>', () => {
    const model = prepare(cifarNet(1, 'Relu'));
    const grid = inputGrid(model);
    const rand = mulberry32(5);
    const a = Float32Array.from({ length: 3 * 32 * 32 }, () => rand() - 0.5);
    const b = Float32Array.from({ length: 3 * 32 * 32 }, () => rand() - 0.5);
    const t = affineResampling(grid, 1.07, 0.13, 2, -1);
    const ta = resample(grid, t, a);
    const tb = resampleAdjoint(grid, t, b);
    let left = 0;
    let right = 0;
    for (let i = 0; i < a.length; i++) {
      left += ta[i] * b[i];
      right += a[i] * tb[i];
    }
    expect(left).toBeCloseTo(right, 3);
    // A pure shift moves pixels: (y, x) of the shifted image is (y − 2, x + 1) of the original.
    const shifted = resample(grid, affineResampling(grid, 1, 0, 2, -1), a);
    expect(shifted[10 * 32 + 10]).toBeCloseTo(a[8 * 32 + 11], 6);
  });

  it('the gradient through the transforms, colour, range and Fourier basis matches finite differences', () => {
    const model = prepare(cifarNet(2, 'Tanh'));
    const layer = model.layers[model.layers.length - 1];
    const grid = inputGrid(model);
    const image = fourierImage(grid, [0, 1]);
    const rand = mulberry32(9);
    const p = Float64Array.from({ length: parameterCount(image) }, () => (rand() - 0.5) * 0.5);
    const seed = new Float32Array(layer.featureShape.reduce((s, d) => s * d, 1));
    seed[3 * 8 * 8 + 4 * 8 + 3] = 1;
    const transform = affineResampling(grid, 1.05, 0.1, 1, -1);
    const activation = (q: Float64Array): number => {
      const y = runForward(model, resample(grid, transform, renderImage(image, q).x), [layer.id]).get(layer.id)!.data;
      let s = 0;
      for (let i = 0; i < y.length; i++) s += seed[i] * y[i];
      return s;
    };
    const g = spectrumGradient(model, layer.id, image, p, seed, transform);
    for (let trial = 0; trial < 3; trial++) {
      const d = Float64Array.from(p, () => rand() - 0.5);
      const eps = 1e-2;
      const plus = Float64Array.from(p, (v, i) => v + eps * d[i]);
      const minus = Float64Array.from(p, (v, i) => v - eps * d[i]);
      const numeric = (activation(plus) - activation(minus)) / (2 * eps);
      let analytic = 0;
      for (let i = 0; i < d.length; i++) analytic += g[i] * d[i];
      expect(Math.abs(analytic - numeric)).toBeLessThan(2e-2 * Math.abs(numeric) + 1e-4);
    }
  });

  it('batched: each image’s spectrum gradient in a batch is its gradient alone (per-seed gates, a seed-by-seed op, the surrogate fallback)', () => {
    const model = prepare(gatedNet());
    const grid = inputGrid(model);
    const image = fourierImage(grid, [0, 1]);
    for (const layerId of ['r1', 's']) {
      const layer = model.layers.find((l) => l.id === layerId)!;
      const outSize = layer.featureShape.reduce((a, b) => a * b, 1);
      const rows = layer.neurons;
      const rand = mulberry32(21);
      const params = Array.from({ length: rows }, () => Float64Array.from({ length: parameterCount(image) }, () => (rand() - 0.5) * 2));
      const seeds = new Float32Array(rows * outSize);
      for (let b = 0; b < rows; b++) writeSeed(layer, b, { kind: 'neuron' }, seeds, b * outSize);
      const transforms = params.map((_, b) => (b % 2 === 0 ? affineResampling(grid, 1 + 0.02 * b, 0.05 * b, b % 3, -1) : undefined));
      const batched = spectrumGradients(model, layerId, image, params, seeds, transforms);
      for (let b = 0; b < rows; b++) {
        const alone = spectrumGradient(model, layerId, image, params[b], seeds.slice(b * outSize, (b + 1) * outSize), transforms[b]);
        const scale = Math.max(...alone.map(Math.abs));
        expect(scale).toBeGreaterThan(0);
        for (let i = 0; i < alone.length; i++) expect(Math.abs(batched[b][i] - alone[i])).toBeLessThanOrEqual(1e-5 * scale);
      }
    }
  });

  it('batched with the surrogate gradients held (no gate behind the layer): rows switched off everywhere still get the surrogate’s gradient at their image', () => {
    const model = prepare(gatedNet());
    const grid = inputGrid(model);
    const image = fourierImage(grid, [0, 1]);
    const layer = model.layers.find((l) => l.id === 'r1')!;
    const outSize = layer.featureShape.reduce((a, b) => a * b, 1);
    // Each channel's centre at its own image; channel 1 (bias −100) is off at every image.
    const neurons = [0, 1, 2, 3, 1, 1];
    const rows = neurons.length;
    const rand = mulberry32(5);
    const params = neurons.map(() => Float64Array.from({ length: parameterCount(image) }, () => (rand() - 0.5) * 2));
    const seeds = new Float32Array(rows * outSize);
    neurons.forEach((n, b) => writeSeed(layer, n, { kind: 'neuron' }, seeds, b * outSize));
    const transforms = params.map((_, b) => (b % 2 === 0 ? affineResampling(grid, 1.03, 0.1 * b, 1, -b) : undefined));
    const surrogate = reverseSeeds(model, 'r1', seeds, rows, 'surrogate', referenceValues(model, undefined));
    const held = spectrumGradients(model, 'r1', image, params, seeds, transforms, undefined, undefined, surrogate);
    let off = 0;
    for (let b = 0; b < rows; b++) {
      const seed = seeds.slice(b * outSize, (b + 1) * outSize);
      const seen = transforms[b] ? resample(grid, transforms[b]!, renderImage(image, params[b]).x) : renderImage(image, params[b]).x;
      if (reverseSeeds(model, 'r1', seed, 1, 'local', runForward(model, seen, ['r1'])).every((v) => v === 0)) off++;
      const alone = spectrumGradient(model, 'r1', image, params[b], seed, transforms[b]);
      const scale = Math.max(...alone.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      for (let i = 0; i < alone.length; i++) expect(Math.abs(held[b][i] - alone[i])).toBeLessThanOrEqual(1e-5 * scale);
    }
    expect(off).toBeGreaterThanOrEqual(3);
    expect(off).toBeLessThan(rows);
  });

  it('batched ascent gives each neuron the x* it gets alone (same seed, same random draws)', () => {
    const model = prepare(gatedNet());
    for (const layerId of ['r1', 's']) {
      const neurons = model.layers.find((l) => l.id === layerId)!.neurons;
      const all = Array.from({ length: neurons }, (_, i) => i);
      const run = (ns: number[]) => ascendLayer(model, layerId, ns, { ...options, ascent: { style: 'readable', steps: 10, seed: 4 } });
      const together = run(all);
      const size = 3 * 16 * 16;
      for (const n of all) {
        const alone = run([n]);
        for (let i = 0; i < size; i++) expect(Math.abs(together.xstar[n * size + i] - alone.xstar[i])).toBeLessThanOrEqual(1e-5);
        expect(together.activations[n]).toBeCloseTo(alone.activations[0], 5);
      }
    }
  });

  it('is deterministic with a seed, and a different seed gives different images', () => {
    const model = prepare(cifarNet(3, 'Relu'));
    const layer = model.layers[model.layers.length - 1].id;
    const run = (seed: number) => ascendLayer(model, layer, [0, 1], { ...options, ascent: { style: 'readable', steps: 6, seed } });
    const [a, b, c] = [run(7), run(7), run(8)];
    expect(Array.from(a.xstar)).toEqual(Array.from(b.xstar));
    expect(Array.from(a.activations)).toEqual(Array.from(b.activations));
    expect(Array.from(c.xstar)).not.toEqual(Array.from(a.xstar));
  });

  it('stays in the value range, reports the true model’s activation at the untransformed x* (the best of the recorded steps)', () => {
    const model = prepare(cifarNet(4, 'Relu'));
    const layer = model.layers[model.layers.length - 1].id;
    const r = ascendLayer(model, layer, [2], { ...options, ascent: { style: 'readable', steps: 8 } });
    expect(Math.min(...r.xstar)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...r.xstar)).toBeLessThanOrEqual(1);
    const y = runForward(model, r.xstar, [layer]).get(layer)!.data;
    expect(r.activations[0]).toBeCloseTo(y[2 * 8 * 8 + 3 * 8 + 3], 4);
    expect(Math.max(...r.traces[0])).toBe(r.activations[0]);
  });

  it('on a CIFAR-shaped network: reaches at least the surrogate x*’s activation for most neurons, with less high-frequency energy', () => {
    const model = prepare(cifarNet(5, 'Relu'));
    const grid = inputGrid(model);
    const layer = model.layers[model.layers.length - 1].id;
    const neurons = Array.from({ length: 10 }, (_, i) => i);
    const surrogate = reverseLayer(model, layer, neurons, options);
    const readable = ascendLayer(model, layer, neurons, { ...options, ascent: { style: 'readable', steps: 48, seed: 1 } });
    const size = 3 * 32 * 32;
    let higher = 0;
    let smoother = 0;
    for (let row = 0; row < neurons.length; row++) {
      if (readable.activations[row] >= surrogate.activations[row]) higher++;
      const hfReadable = highFrequencyShare(readable.xstar.subarray(row * size, (row + 1) * size), grid);
      const hfSurrogate = highFrequencyShare(surrogate.xstar.subarray(row * size, (row + 1) * size), grid);
      if (hfReadable < hfSurrogate) smoother++;
    }
    expect(higher).toBeGreaterThanOrEqual(8);
    expect(smoother).toBeGreaterThanOrEqual(8);
  });

  it('needs an image or signal input, and says so', () => {
    const graph: Graph = {
      inputs: [{ name: 'x', dims: [1, 2, 3, 4, 5], dtype: 'float32' }],
      outputs: ['y'],
      initializers: new Map(),
      nodes: [{ name: 'relu', opType: 'Relu', inputs: ['x'], outputs: ['y'], attrs: {} }],
      source: { format: 'onnx', fileName: 'volume.onnx' },
      hasBatchDim: true,
      channelAxis: 'first',
    };
    const model = prepare(graph);
    expect(() => ascendLayer(model, 'y', [0], { ...options, ascent: { style: 'readable', steps: 1 } })).toThrow(/image or signal input/);
  });

  it('is what --ascent-style readable picks in the CLI, with --steps and --seed', () => {
    const args = parseArgs(['gallery', 'm.onnx', '--out', 'o', '--mode', 'ascent', '--ascent-style', 'readable', '--steps', '64', '--seed', '3']);
    expect(args).toMatchObject({ ascentStyle: 'readable', steps: 64, seed: 3 });
    expect(() => parseArgs(['gallery', 'm.onnx', '--out', 'o', '--ascent-style', 'lucid'])).toThrow(UsageError);
    expect(() => parseArgs(['gallery', 'm.onnx', '--out', 'o', '--steps', '1.5'])).toThrow();
  });
});
