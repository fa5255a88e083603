import { ModelError, type AttrValue, type Graph, type GraphNode } from '../../engine/graph';
import { floatTensor, sizeOf, type Tensor } from '../../engine/tensor';
import { initWeights, MAX_ORTHOGONAL_OPERATIONS, normalSampler, orthogonalOperations } from './init';
import { checkBytes } from '../../engine/budget';
import {
  inferSpecShapes,
  layerName,
  NEUROVIS_FORMAT,
  NEUROVIS_VERSION,
  spatialSizes,
  type LayerSpec,
  type NetworkSpec,
  type StoredArray,
} from './spec';

/** A network spec with every parameter array known. */
export interface Network {
  readonly spec: NetworkSpec;
  /** Per layer name, per parameter name. */
  readonly params: ReadonlyMap<string, ReadonlyMap<string, Tensor>>;
}

/** One parameter array may hold at most this many values (512 MiB of float32). */
const MAX_PARAM_VALUES = 1 << 27;

/** Parameters each layer kind has, with their shapes given the layer's input shape. */
function paramShapes(layer: LayerSpec, input: readonly number[]): Record<string, number[]> {
  switch (layer.kind) {
    case 'dense':
      return { W: [layer.units, input[0]], ...(layer.bias === false ? {} : { B: [layer.units] }) };
    case 'conv1d':
    case 'conv2d': {
      const rank = layer.kind === 'conv1d' ? 1 : 2;
      const k = spatialSizes(layer.kernel, rank, 1);
      return { W: [layer.filters, input[0] / (layer.groups ?? 1), ...k], ...(layer.bias === false ? {} : { B: [layer.filters] }) };
    }
    case 'batchnorm':
      return { scale: [input[0]], bias: [input[0]], mean: [input[0]], var: [input[0]] };
    default:
      return {};
  }
}

/** Fills in every parameter: stored arrays first (inline or from the sidecar), the layer's seeded init otherwise. */
export function materialize(spec: NetworkSpec, sidecar?: ReadonlyMap<string, Tensor>, where = `${spec.name}.neurovis.json`): Network {
  const inference = inferSpecShapes(spec);
  if (inference.error) {
    const at = inference.error.layer < 0 ? 'input' : `layer ${inference.error.layer + 1} (${layerName(spec.layers[inference.error.layer], inference.error.layer)})`;
    throw new ModelError(`${where}: ${at}: ${inference.error.message}`);
  }
  const params = new Map<string, Map<string, Tensor>>();
  let input = [...spec.input.shape];
  spec.layers.forEach((layer, index) => {
    const name = layerName(layer, index);
    const shapes = paramShapes(layer, input);
    const stored = spec.weights?.[name] ?? {};
    const values = new Map<string, Tensor>();
    for (const [param, shape] of Object.entries(shapes)) {
      if (sizeOf(shape) > MAX_PARAM_VALUES) {
        throw new ModelError(`${where}: layer ${name}, ${param}: [${shape.join(', ')}] is more weights than Neurovis holds (${MAX_PARAM_VALUES})`);
      }
      const s = stored[param];
      if (!s) checkInitialisable(layer, shape, `${where}: layer ${name}, ${param}`);
      values.set(param, s ? storedTensor(s, shape, sidecar, `${where}: layer ${name}, ${param}`) : initialParam(layer, param, shape, index));
    }
    params.set(name, values);
    input = inference.shapes[index];
  });
  return { spec, params };
}

function storedTensor(s: StoredArray, shape: readonly number[], sidecar: ReadonlyMap<string, Tensor> | undefined, where: string): Tensor {
  if (s.shape.length !== shape.length || s.shape.some((d, i) => d !== shape[i])) {
    throw new ModelError(`${where}: stored shape [${s.shape.join(', ')}] but the layer needs [${shape.join(', ')}]`);
  }
  if ('data' in s) {
    if (!Array.isArray(s.data) || s.data.length !== sizeOf(shape) || s.data.some((v) => typeof v !== 'number')) {
      throw new ModelError(`${where}: needs ${sizeOf(shape)} numbers`);
    }
    return floatTensor(shape, Float32Array.from(s.data));
  }
  const t = sidecar?.get(s.npz);
  if (!t) throw new ModelError(`${where}: array "${s.npz}" is not in the sidecar .npz (drop it together with the .neurovis.json)`);
  if (t.data.length !== sizeOf(shape)) throw new ModelError(`${where}: sidecar array "${s.npz}" has ${t.data.length} values, needs ${sizeOf(shape)}`);
  return floatTensor(shape, Float32Array.from(t.data));
}

/** Initial weights fit the memory budget, and an orthogonal initialisation ends in bounded time. */
function checkInitialisable(layer: LayerSpec, shape: readonly number[], where: string): void {
  checkBytes(where, `[${shape.join(', ')}] float32 and its initialisation (float64)`, sizeOf(shape), 12);
  const init = 'init' in layer ? layer.init : undefined;
  if (init?.kind !== 'orthogonal' || shape.length < 2) return;
  const operations = orthogonalOperations(shape[0], sizeOf(shape) / shape[0]);
  if (operations > MAX_ORTHOGONAL_OPERATIONS) {
    throw new ModelError(`${where}: an orthogonal initialisation of [${shape.join(', ')}] takes about ${operations.toExponential(1)} operations (Gram–Schmidt); use "init": {"kind": "normal"} for a layer this large, or store its weights`);
  }
}

function initialParam(layer: LayerSpec, param: string, shape: readonly number[], index: number): Tensor {
  const n = sizeOf(shape);
  if (param === 'B' || param === 'bias') return floatTensor(shape);
  if (layer.kind === 'batchnorm') {
    // Trained-looking statistics from the seed, so batch-norm visibly does something.
    const next = normalSampler((layer.init?.seed ?? index) + (param === 'mean' ? 1 : param === 'var' ? 2 : 3));
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const z = next();
      data[i] = param === 'mean' ? 0.1 * z : param === 'var' ? 1 + 0.2 * Math.abs(z) : 1 + 0.1 * z;
    }
    return floatTensor(shape, data);
  }
  const init = 'init' in layer && layer.init ? layer.init : { kind: 'normal' as const, seed: index };
  return floatTensor(shape, initWeights(init, shape[0], shape[1], shape.slice(2)));
}

const ACTIVATION_OPS: Record<string, string> = { relu: 'Relu', leakyrelu: 'LeakyRelu', sigmoid: 'Sigmoid', tanh: 'Tanh', gelu: 'Gelu' };

/** The engine graph of a network: one ONNX-style node per layer, NCHW, with a batch dimension of 1. */
export function buildGraph(network: Network, fileName: string): Graph {
  const { spec } = network;
  const nodes: GraphNode[] = [];
  const initializers = new Map<string, Tensor>();
  const layerTensors: { tensor: string; name: string; op: string }[] = [];
  let current = 'input';
  spec.layers.forEach((layer, index) => {
    const name = layerName(layer, index);
    const params = network.params.get(name)!;
    const inputs = [current];
    for (const [param, t] of params) {
      const id = `${name}.${param}`;
      initializers.set(id, t);
      inputs.push(id);
    }
    const rank = layer.kind === 'conv1d' ? 1 : 2;
    let opType: string;
    let attrs: Record<string, AttrValue> = {};
    switch (layer.kind) {
      case 'dense':
        opType = 'Gemm';
        attrs = { transB: 1 };
        break;
      case 'conv1d':
      case 'conv2d': {
        opType = 'Conv';
        const pad = spatialSizes(layer.padding, rank, 0);
        attrs = {
          kernel_shape: spatialSizes(layer.kernel, rank, 1),
          strides: spatialSizes(layer.stride, rank, 1),
          pads: [...pad, ...pad],
          dilations: spatialSizes(layer.dilation, rank, 1),
          group: layer.groups ?? 1,
        };
        break;
      }
      case 'avgpool':
      case 'maxpool': {
        opType = layer.kind === 'avgpool' ? 'AveragePool' : 'MaxPool';
        const size = Array.isArray(layer.size) ? layer.size : undefined;
        const spatialRank = size ? size.length : poolRank(network, index);
        const k = spatialSizes(layer.size, spatialRank, 2);
        const pad = spatialSizes(layer.padding, spatialRank, 0);
        attrs = { kernel_shape: k, strides: spatialSizes(layer.stride ?? k, spatialRank, 1), pads: [...pad, ...pad] };
        break;
      }
      case 'flatten':
        opType = 'Flatten';
        attrs = { axis: 1 };
        break;
      case 'batchnorm':
        opType = 'BatchNormalization';
        attrs = { epsilon: layer.epsilon ?? 1e-5 };
        break;
      case 'activation':
        opType = ACTIVATION_OPS[layer.fn];
        if (!opType) throw new ModelError(`${fileName}: layer ${name}: unknown activation "${layer.fn}"`);
        if (layer.fn === 'leakyrelu') attrs = { alpha: 0.01 };
        break;
    }
    nodes.push({ name, opType, inputs, outputs: [name], attrs });
    if (layer.kind !== 'flatten') layerTensors.push({ tensor: name, name, op: layer.kind });
    current = name;
  });
  return {
    inputs: [{ name: 'input', dims: [1, ...spec.input.shape], dtype: 'float32' }],
    outputs: [current],
    initializers,
    nodes,
    source: { format: 'neurovis', fileName, producer: `neurovis.json v${spec.version}` },
    hasBatchDim: true,
    channelAxis: 'first',
    layerTensors,
  };
}

function poolRank(network: Network, index: number): number {
  const shapes = inferSpecShapes({ input: network.spec.input, layers: network.spec.layers.slice(0, index) }).shapes;
  const input = index === 0 ? network.spec.input.shape : shapes[index - 1];
  return input.length - 1;
}

/** Arrays up to this many values are stored inline in the JSON; bigger networks use a sidecar .npz. */
const INLINE_LIMIT = 100_000;

/**
 * The .neurovis.json text of a network, with every weight stored; `sidecar` lists the arrays
 * to write to the sidecar .npz (empty when everything fits inline).
 */
export function serializeNetwork(network: Network, sidecarName?: string): { json: string; sidecar: Map<string, Tensor> } {
  let total = 0;
  for (const p of network.params.values()) for (const t of p.values()) total += t.data.length;
  const inline = total <= INLINE_LIMIT || !sidecarName;
  const sidecar = new Map<string, Tensor>();
  const weights: Record<string, Record<string, StoredArray>> = {};
  for (const [layer, p] of network.params) {
    if (p.size === 0) continue;
    weights[layer] = {};
    for (const [param, t] of p) {
      const key = `${layer}/${param}`;
      if (inline) {
        weights[layer][param] = { shape: [...t.shape], data: Array.from(t.data, (v) => Number(v.toPrecision(9))) };
      } else {
        weights[layer][param] = { shape: [...t.shape], npz: key };
        sidecar.set(key, t);
      }
    }
  }
  const spec: NetworkSpec = {
    ...network.spec,
    format: NEUROVIS_FORMAT,
    version: NEUROVIS_VERSION,
    weights,
    ...(inline ? {} : { sidecar: sidecarName }),
  };
  if (inline) delete (spec as { sidecar?: string }).sidecar;
  return { json: JSON.stringify(spec, null, 1) + '\n', sidecar };
}
