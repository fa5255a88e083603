import { ModelError, type Graph, type GraphNode } from '../../engine/graph';
import { floatTensor, type Tensor } from '../../engine/tensor';
import type { ReadOptions } from '../types';

/**
 * A list of weight arrays read as a chain of layers: 2-D arrays are dense layers, 4-D
 * arrays convolutions, a 1-D array after a matrix is its bias. Orientation is inferred
 * from how the shapes chain: rows are inputs (x·W, Keras/NumPy style, convolutions HWIO)
 * or rows are outputs (W·x, PyTorch style, convolutions OIHW).
 */
export type Orientation = NonNullable<ReadOptions['orientation']>;

/** Raised when both orientations chain: the app asks the user, the CLI takes --orientation. */
export class AmbiguousOrientationError extends ModelError {
  constructor(where: string) {
    super(`${where}: the arrays chain both as x·W (rows are inputs) and as W·x (rows are outputs); choose the orientation (--orientation rows-are-inputs or rows-are-outputs)`);
    this.name = 'AmbiguousOrientationError';
  }
}

interface ChainLayer {
  name: string;
  weight: Tensor;
  bias?: { name: string; tensor: Tensor };
}

/** Sorts names with their digit runs compared as numbers: arr_2 before arr_10. */
export function naturalCompare(a: string, b: string): number {
  const ta = a.match(/\d+|\D+/g) ?? [];
  const tb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) return Number(x) - Number(y) || x.length - y.length;
    return x < y ? -1 : 1;
  }
  return ta.length - tb.length;
}

/** The name of a bias with its role word removed, to pair fc1.bias with fc1.weight. */
function stem(name: string): string {
  return name.toLowerCase().replace(/(^|[._/-])(weights?|kernel|bias|w|b)(?=$|[._/-]|\d)/g, '$1');
}

function groupLayers(arrays: ReadonlyMap<string, Tensor>, where: string): ChainLayer[] {
  const names = [...arrays.keys()].sort(naturalCompare);
  const layers: ChainLayer[] = [];
  const biases: string[] = [];
  for (const name of names) {
    const t = arrays.get(name)!;
    if (t.dtype !== 'float32') throw new ModelError(`${where}: array "${name}" holds ${t.dtype} values, not weights`);
    if (t.shape.length === 2 || t.shape.length === 4) layers.push({ name, weight: t });
    else if (t.shape.length === 1) biases.push(name);
    else throw new ModelError(`${where}: array "${name}" has shape (${t.shape.join(', ')}); a chain takes 2-D (dense), 4-D (convolution) and 1-D (bias) arrays`);
  }
  if (layers.length === 0) throw new ModelError(`${where}: no 2-D or 4-D weight array to read as a layer`);
  for (const b of biases) {
    const byStem = layers.find((l) => !l.bias && stem(l.name) === stem(b) && stem(b) !== b.toLowerCase());
    const previous = [...layers].reverse().find((l) => naturalCompare(l.name, b) < 0 && !l.bias);
    const owner = byStem ?? previous;
    if (!owner) throw new ModelError(`${where}: 1-D array "${b}" comes before any matrix, so it is no layer's bias`);
    owner.bias = { name: b, tensor: arrays.get(b)! };
  }
  return layers;
}

/** Input and output sizes of a layer under an orientation (channels for convolutions). */
function ends(t: Tensor, o: Orientation): [number, number] {
  const s = t.shape;
  if (s.length === 2) return o === 'rows-are-inputs' ? [s[0], s[1]] : [s[1], s[0]];
  return o === 'rows-are-inputs' ? [s[2], s[3]] : [s[1], s[0]];
}

function chains(layers: readonly ChainLayer[], o: Orientation): boolean {
  for (let i = 0; i < layers.length; i++) {
    const [, out] = ends(layers[i].weight, o);
    const bias = layers[i].bias;
    if (bias && bias.tensor.shape[0] !== out) return false;
    if (i + 1 < layers.length) {
      const next = layers[i + 1].weight;
      const [inNext] = ends(next, o);
      // conv → dense flattens: the dense input must be a multiple of the channels.
      const convToDense = layers[i].weight.shape.length === 4 && next.shape.length === 2;
      if (convToDense ? inNext % out !== 0 : inNext !== out) return false;
    }
  }
  return true;
}

function describe(layers: readonly ChainLayer[]): string {
  return layers.map((l) => `${l.name} (${l.weight.shape.join('×')})${l.bias ? ` + ${l.bias.name} (${l.bias.tensor.shape[0]})` : ''}`).join(', ');
}

/** Converts a weight to the ONNX layout the graph uses: dense (in, out) for Gemm, conv OIHW. */
function onnxConvWeight(t: Tensor, o: Orientation): Tensor {
  if (o === 'rows-are-outputs') return t;
  const [kh, kw, ci, co] = t.shape;
  const out = new Float32Array(t.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let c = 0; c < co; c++) out[((c * ci + i) * kh + y) * kw + x] = t.data[((y * kw + x) * ci + i) * co + c];
  return floatTensor([co, ci, kh, kw], out);
}

export function chainGraph(arrays: ReadonlyMap<string, Tensor>, fileName: string, options: ReadOptions, producer: string): Graph {
  const layers = groupLayers(arrays, fileName);
  const asInputs = chains(layers, 'rows-are-inputs');
  const asOutputs = chains(layers, 'rows-are-outputs');
  let orientation: Orientation;
  let how: string;
  if (options.orientation) {
    orientation = options.orientation;
    if (!(orientation === 'rows-are-inputs' ? asInputs : asOutputs)) {
      throw new ModelError(`${fileName}: the arrays do not chain with ${orientation}: ${describe(layers)}`);
    }
    how = 'chosen';
  } else if (asInputs && asOutputs) {
    throw new AmbiguousOrientationError(fileName);
  } else if (asInputs || asOutputs) {
    orientation = asInputs ? 'rows-are-inputs' : 'rows-are-outputs';
    how = 'inferred: only this orientation chains';
  } else {
    throw new ModelError(`${fileName}: the arrays do not chain in either orientation: ${describe(layers)}`);
  }

  const initializers = new Map<string, Tensor>();
  const nodes: GraphNode[] = [];
  const layerTensors: { tensor: string; name: string; op: string }[] = [];
  let current = 'input';
  layers.forEach((layer, i) => {
    const isConv = layer.weight.shape.length === 4;
    if (!isConv && i > 0 && layers[i - 1].weight.shape.length === 4) {
      nodes.push({ name: `flatten_${i}`, opType: 'Flatten', inputs: [current], outputs: [`${current}_flat`], attrs: { axis: 1 } });
      current = `${current}_flat`;
    }
    const w = isConv ? onnxConvWeight(layer.weight, orientation) : layer.weight;
    // The layer's output tensor carries the array's name, its parameters a suffix.
    initializers.set(`${layer.name}:weight`, w);
    const inputs = [current, `${layer.name}:weight`];
    if (layer.bias) {
      initializers.set(`${layer.name}:bias`, layer.bias.tensor);
      inputs.push(`${layer.name}:bias`);
    }
    const output = layer.name;
    if (isConv) {
      nodes.push({ name: layer.name, opType: 'Conv', inputs, outputs: [output], attrs: {} });
    } else {
      nodes.push({ name: layer.name, opType: 'Gemm', inputs, outputs: [output], attrs: { transB: orientation === 'rows-are-outputs' ? 1 : 0 } });
    }
    layerTensors.push({ tensor: output, name: layer.name, op: isConv ? 'conv' : 'dense' });
    current = output;
  });
  const first = layers[0].weight;
  const [inFeatures] = ends(first, orientation);
  const dims: (number | string)[] = first.shape.length === 4 ? [1, inFeatures, 'height', 'width'] : [1, inFeatures];
  const label = orientation === 'rows-are-inputs' ? 'rows are inputs (x·W)' : 'rows are outputs (W·x)';
  return {
    inputs: [{ name: 'input', dims, dtype: 'float32' }],
    outputs: [current],
    initializers,
    nodes,
    source: {
      format: 'numpy',
      fileName,
      producer,
      notes: [`orientation: ${label}, ${how}`, `layers: ${describe(layers)}`],
    },
    hasBatchDim: true,
    channelAxis: 'first',
    layerTensors,
  };
}
