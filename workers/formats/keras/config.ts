import { ModelError } from '../../engine/graph';
import { isObject, shapeOf, type Json, type JsonObject } from './json';

/** A reference to one output of one call of a layer: [layer, node index, tensor index]. */
export interface TensorRef {
  readonly layer: string;
  readonly node: number;
  readonly tensor: number;
}

export interface KerasLayer {
  readonly className: string;
  readonly name: string;
  readonly config: JsonObject;
  /** One entry per call of the layer (its inbound nodes): the tensors it reads. */
  readonly calls: readonly (readonly TensorRef[])[];
  /** The layer's own serialization (nested models parse it again). */
  readonly raw: JsonObject;
}

export interface KerasModel {
  readonly className: string;
  readonly name: string;
  readonly layers: readonly KerasLayer[];
  readonly inputs: readonly TensorRef[];
  readonly outputs: readonly TensorRef[];
}

export const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

/**
 * Normalises every Keras config shape seen in real files into one description:
 * 2.0.x `Model` with list-style inbound nodes, 2.1 Sequential with a bare list of layers,
 * 2.2–2.15 `Functional`/`Sequential` dicts, and 3.x with `__keras_tensor__` arguments.
 */
export function parseModelConfig(json: Json, where: string): KerasModel {
  if (!isObject(json)) throw new ModelError(`${where}: the model config is not an object`);
  const className = typeof json.class_name === 'string' ? json.class_name : '';
  if (!MODEL_CLASSES.has(className)) {
    throw new ModelError(`${where}: the model is a "${className || 'unknown'}"; Neurovis reads Sequential and Functional Keras models (subclassed models have no config to rebuild)`);
  }
  const config = json.config;
  if (className === 'Sequential') return parseSequential(config, where);
  if (!isObject(config)) throw new ModelError(`${where}: the ${className} config is not an object`);
  return parseFunctional(config, className, where);
}

function layerList(v: Json | undefined, where: string): JsonObject[] {
  if (!Array.isArray(v)) throw new ModelError(`${where}: the model config has no list of layers`);
  return v.map((l, i) => {
    if (!isObject(l)) throw new ModelError(`${where}: layer ${i} of the config is not an object`);
    return l;
  });
}

function layerBasics(l: JsonObject, i: number, where: string): { className: string; name: string; config: JsonObject } {
  const className = l.class_name;
  const config = l.config;
  if (typeof className !== 'string' || !isObject(config)) throw new ModelError(`${where}: layer ${i} has no class_name or config`);
  const name = typeof l.name === 'string' ? l.name : typeof config.name === 'string' ? config.name : `${className.toLowerCase()}_${i}`;
  return { className, name, config };
}

/** The shape a Sequential model's first layer declares (batch_input_shape, batch_shape). */
export function declaredBatchShape(config: JsonObject, where: string): (number | null)[] | undefined {
  for (const key of ['batch_input_shape', 'batch_shape']) {
    if (config[key] !== undefined && config[key] !== null) return shapeOf(config[key], where);
  }
  if (config.input_shape !== undefined && config.input_shape !== null) return [null, ...shapeOf(config.input_shape, where)];
  return undefined;
}

function parseSequential(config: Json | undefined, where: string): KerasModel {
  // Keras 2.1 and earlier: the config is the list of layers itself.
  const rawLayers = Array.isArray(config) ? layerList(config, where) : layerList(isObject(config) ? config.layers : undefined, where);
  const name = isObject(config) && typeof config.name === 'string' ? config.name : 'sequential';
  const layers: KerasLayer[] = [];
  let previous: TensorRef | undefined;
  rawLayers.forEach((l, i) => {
    const { className, name: layerName, config: layerConfig } = layerBasics(l, i, where);
    if (i === 0 && className !== 'InputLayer') {
      const shape = declaredBatchShape(layerConfig, `${where}: layer "${layerName}"`) ?? nestedInputShape(className, layerConfig, where, 0) ?? sequentialBuildShape(config, where);
      const inputName = `${layerName}_input`;
      layers.push({ className: 'InputLayer', name: inputName, config: { batch_input_shape: shape, name: inputName }, calls: [], raw: {} });
      previous = { layer: inputName, node: 0, tensor: 0 };
    }
    const calls = className === 'InputLayer' ? [] : [[previous ?? fail(`${where}: layer "${layerName}" has no input`)]];
    layers.push({ className, name: layerName, config: layerConfig, calls, raw: l });
    previous = { layer: layerName, node: 0, tensor: 0 };
  });
  if (!previous) throw new ModelError(`${where}: the Sequential model has no layers`);
  const input = layers[0];
  return { className: 'Sequential', name, layers, inputs: [{ layer: input.name, node: 0, tensor: 0 }], outputs: [previous] };
}

/**
 * The input shape a nested model declares, when a Sequential starts with one (Teachable
 * Machine: a Sequential whose first layer is a Sequential wrapping a functional MobileNet).
 */
function nestedInputShape(className: string, config: JsonObject, where: string, depth: number): (number | null)[] | undefined {
  if (!MODEL_CLASSES.has(className) || depth > 8) return undefined;
  if (Array.isArray(config.build_input_shape)) return shapeOf(config.build_input_shape, where);
  const layers = config.layers;
  if (!Array.isArray(layers)) return undefined;
  let first: Json | undefined = layers[0];
  if (className !== 'Sequential') {
    // A functional model: the InputLayer its first input names.
    const inputs = config.input_layers;
    const ref = Array.isArray(inputs) ? (typeof inputs[0] === 'string' ? inputs[0] : Array.isArray(inputs[0]) ? inputs[0][0] : undefined) : undefined;
    first = layers.find((l) => isObject(l) && (l.name === ref || (isObject(l.config) && l.config.name === ref)));
  }
  if (!isObject(first) || typeof first.class_name !== 'string' || !isObject(first.config)) return undefined;
  return declaredBatchShape(first.config, where) ?? nestedInputShape(first.class_name, first.config, where, depth + 1);
}

function sequentialBuildShape(config: Json | undefined, where: string): (number | null)[] {
  if (isObject(config)) {
    if (config.build_input_shape !== undefined && config.build_input_shape !== null) return shapeOf(config.build_input_shape, where);
  }
  throw new ModelError(`${where}: the Sequential model declares no input shape`);
}

function fail(message: string): never {
  throw new ModelError(message);
}

function parseFunctional(config: JsonObject, className: string, where: string): KerasModel {
  const name = typeof config.name === 'string' ? config.name : 'model';
  const layers = layerList(config.layers, where).map((l, i): KerasLayer => {
    const basics = layerBasics(l, i, where);
    return { ...basics, calls: parseInboundNodes(l.inbound_nodes, `${where}: layer "${basics.name}"`), raw: l };
  });
  const fix = nestedCallIndex(layers);
  return {
    className,
    name,
    layers: layers.map((l) => ({ ...l, calls: l.calls.map((refs) => refs.map(fix)) })),
    inputs: refList(config.input_layers, `${where}: input_layers`),
    outputs: refList(config.output_layers, `${where}: output_layers`).map(fix),
  };
}

/**
 * tfjs-layers (Teachable Machine exports) counts a nested model's own input node, so its
 * first call is node 1 where Keras writes 0: a reference one past a nested model's calls
 * means the call before it.
 */
function nestedCallIndex(layers: readonly KerasLayer[]): (ref: TensorRef) => TensorRef {
  const calls = new Map(layers.filter((l) => MODEL_CLASSES.has(l.className)).map((l) => [l.name, l.calls.length]));
  return (ref) => {
    const n = calls.get(ref.layer);
    return n !== undefined && ref.node === n && n > 0 ? { ...ref, node: n - 1 } : ref;
  };
}

function ref(v: Json, where: string): TensorRef {
  if (!Array.isArray(v) || typeof v[0] !== 'string') throw new ModelError(`${where}: ${JSON.stringify(v).slice(0, 80)} is not a [layer, node, tensor] reference`);
  const node = typeof v[1] === 'number' ? v[1] : 0;
  const tensor = typeof v[2] === 'number' ? v[2] : 0;
  return { layer: v[0], node, tensor };
}

/** input_layers / output_layers: a list of references, or (Keras 3, one tensor) a single one. */
function refList(v: Json | undefined, where: string): TensorRef[] {
  if (!Array.isArray(v)) throw new ModelError(`${where} is missing`);
  if (typeof v[0] === 'string') return [ref(v, where)];
  return v.map((r) => ref(r, where));
}

function parseInboundNodes(v: Json | undefined, where: string): TensorRef[][] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ModelError(`${where}: inbound_nodes is not a list`);
  return v.map((node) => {
    if (isObject(node)) {
      // Keras 3: {"args": [...], "kwargs": {...}} holding __keras_tensor__ objects.
      const refs: TensorRef[] = [];
      collectKerasTensors(node.args ?? null, refs, where, 0);
      return refs;
    }
    if (!Array.isArray(node)) throw new ModelError(`${where}: an inbound node is not a list`);
    // Keras 2: [[layer, node, tensor, kwargs], ...]; some writers give one reference unwrapped.
    if (typeof node[0] === 'string') return [ref(node, where)];
    return node.map((r) => ref(r, where));
  });
}

function collectKerasTensors(v: Json, out: TensorRef[], where: string, depth: number): void {
  if (depth > 16) throw new ModelError(`${where}: inbound node arguments nest too deeply`);
  if (Array.isArray(v)) {
    for (const x of v) collectKerasTensors(x, out, where, depth + 1);
  } else if (isObject(v)) {
    if (v.class_name === '__keras_tensor__' && isObject(v.config)) {
      out.push(ref(v.config.keras_history ?? null, where));
    } else {
      for (const x of Object.values(v)) collectKerasTensors(x, out, where, depth + 1);
    }
  }
}
