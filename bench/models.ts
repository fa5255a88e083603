import type { AttrValue, Graph, GraphNode } from '../workers/engine/graph';
import { floatTensor, type Tensor } from '../workers/engine/tensor';
import { normalSampler } from '../workers/formats/neurovis/init';

/**
 * The benchmark models (issue 2): linear networks of growing size, built as engine graphs
 * with seeded random weights. bench/pytorch_bench.py builds the same architectures.
 */
export interface BenchModel {
  name: string;
  graph: Graph;
  /** Multiply–accumulates of one forward pass, per node name (a reversal costs the same per seed). */
  macs: Map<string, number>;
}

class Builder {
  readonly nodes: GraphNode[] = [];
  readonly initializers = new Map<string, Tensor>();
  readonly macs = new Map<string, number>();
  private readonly next = normalSampler(7);
  private count = 0;

  constructor(readonly inputShape: number[]) {}

  /** A fresh node name: every call advances the counter, so names never collide. */
  private nextId(prefix: string): string {
    return `${prefix}${++this.count}`;
  }

  private param(name: string, shape: number[], sd: number): string {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = sd * this.next();
    this.initializers.set(name, floatTensor(shape, data));
    return name;
  }

  private node(opType: string, inputs: string[], attrs: Record<string, AttrValue>, macs = 0, name?: string): string {
    const id = name ?? this.nextId(opType.toLowerCase());
    this.nodes.push({ name: id, opType, inputs, outputs: [id], attrs });
    if (macs > 0) this.macs.set(id, macs);
    return id;
  }

  conv(x: string, shape: number[], out: number, k: number, stride = 1, pad = Math.floor(k / 2)): [string, number[]] {
    const [c, h, w] = shape;
    const id = this.nextId('conv');
    const W = this.param(`${id}.W`, [out, c, k, k], Math.sqrt(1 / (c * k * k)));
    const B = this.param(`${id}.B`, [out], 0.01);
    const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
    const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
    const y = this.node('Conv', [x, W, B], { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad] }, out * oh * ow * c * k * k, id);
    return [y, [out, oh, ow]];
  }

  batchNorm(x: string, shape: number[]): string {
    const c = shape[0];
    const id = this.nextId('bn');
    const scale = this.param(`${id}.scale`, [c], 0.1);
    const bias = this.param(`${id}.bias`, [c], 0.1);
    const mean = this.param(`${id}.mean`, [c], 0.1);
    const v = floatTensor([c], Float32Array.from({ length: c }, (_, i) => 1 + 0.1 * Math.abs(Math.sin(i))));
    this.initializers.set(`${id}.var`, v);
    for (let i = 0; i < c; i++) (this.initializers.get(scale)!.data as Float32Array)[i] += 1;
    return this.node('BatchNormalization', [x, scale, bias, mean, `${id}.var`], { epsilon: 1e-5 }, 0, id);
  }

  avgPool(x: string, shape: number[], k: number, stride: number, pad = 0): [string, number[]] {
    const [c, h, w] = shape;
    const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
    const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
    return [this.node('AveragePool', [x], { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad], count_include_pad: 1 }), [c, oh, ow]];
  }

  globalAvgPool(x: string): string {
    return this.node('GlobalAveragePool', [x], {});
  }

  add(a: string, b: string): string {
    return this.node('Add', [a, b], {});
  }

  flatten(x: string): string {
    return this.node('Flatten', [x], { axis: 1 });
  }

  dense(x: string, inFeatures: number, out: number): string {
    const id = this.nextId('fc');
    const W = this.param(`${id}.W`, [out, inFeatures], Math.sqrt(1 / inFeatures));
    const B = this.param(`${id}.B`, [out], 0.01);
    return this.node('Gemm', [x, W, B], { transB: 1 }, out * inFeatures, id);
  }

  finish(name: string, output: string): BenchModel {
    return {
      name,
      macs: this.macs,
      graph: {
        inputs: [{ name: 'input', dims: [1, ...this.inputShape], dtype: 'float32' }],
        outputs: [output],
        initializers: this.initializers,
        nodes: this.nodes,
        source: { format: 'onnx', fileName: `${name} (generated)` },
        hasBatchDim: true,
        channelAxis: 'first',
      },
    };
  }
}

export function mlp(): BenchModel {
  const b = new Builder([784]);
  let x = b.dense('input', 784, 1024);
  x = b.dense(x, 1024, 1024);
  x = b.dense(x, 1024, 10);
  return b.finish('MLP 784-1024-1024-10', x);
}

export function lenet5(): BenchModel {
  const b = new Builder([1, 32, 32]);
  let s = [1, 32, 32];
  let x: string;
  [x, s] = b.conv('input', s, 6, 5, 1, 0);
  [x, s] = b.avgPool(x, s, 2, 2);
  [x, s] = b.conv(x, s, 16, 5, 1, 0);
  [x, s] = b.avgPool(x, s, 2, 2);
  x = b.flatten(x);
  x = b.dense(x, 16 * 5 * 5, 120);
  x = b.dense(x, 120, 84);
  x = b.dense(x, 84, 10);
  return b.finish('LeNet-5 1×32×32', x);
}

/** VGG-like on 3×32×32: 1,408 convolution channels and two dense layers (1,518 neurons). */
export function vggLike(): BenchModel {
  const b = new Builder([3, 32, 32]);
  let s = [3, 32, 32];
  let x = 'input';
  for (const [channels, pool] of [[64, false], [64, true], [128, false], [128, true], [256, false], [256, true], [512, true]] as const) {
    [x, s] = b.conv(x, s, channels, 3);
    if (pool) [x, s] = b.avgPool(x, s, 2, 2);
  }
  x = b.flatten(x);
  x = b.dense(x, s[0] * s[1] * s[2], 100);
  x = b.dense(x, 100, 10);
  return b.finish('VGG-like 3×32×32', x);
}

/** ResNet-18's shape at 3×112×112, ReLUs removed and max-pool replaced by average pool. */
export function resnet18Linear(): BenchModel {
  const b = new Builder([3, 112, 112]);
  let s = [3, 112, 112];
  let x: string;
  [x, s] = b.conv('input', s, 64, 7, 2, 3);
  x = b.batchNorm(x, s);
  [x, s] = b.avgPool(x, s, 3, 2, 1);
  for (const [channels, stride] of [[64, 1], [128, 2], [256, 2], [512, 2]]) {
    for (let block = 0; block < 2; block++) {
      const st = block === 0 ? stride : 1;
      let y: string;
      let ys: number[];
      [y, ys] = b.conv(x, s, channels, 3, st, 1);
      y = b.batchNorm(y, ys);
      [y, ys] = b.conv(y, ys, channels, 3, 1, 1);
      y = b.batchNorm(y, ys);
      let shortcut = x;
      if (st !== 1 || s[0] !== channels) {
        let ss: number[];
        [shortcut, ss] = b.conv(x, s, channels, 1, st, 0);
        shortcut = b.batchNorm(shortcut, ss);
      }
      x = b.add(y, shortcut);
      s = ys;
    }
  }
  x = b.globalAvgPool(x);
  x = b.flatten(x);
  x = b.dense(x, 512, 1000);
  return b.finish('ResNet-18 linear 3×112×112', x);
}

export const BENCH_MODELS: Record<string, () => BenchModel> = { mlp, lenet5, vgg: vggLike, resnet18: resnet18Linear };
