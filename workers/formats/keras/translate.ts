import { ModelError, type Graph, type ModelFormat, type ValueInfo, errorMessage } from '../../engine/graph';
import { GraphBuilder, kt, toLastPerm, type KTensor } from './builder';
import { declaredBatchShape, MODEL_CLASSES, parseModelConfig, type KerasLayer, type KerasModel, type TensorRef } from './config';
import { ConfigReader, isObject } from './json';
import type { LayerContext } from './layer-context';
import { isSpatialLayer, LAYER_TRANSLATORS, PASS_THROUGH_LAYERS } from './layers';
import { assignRoles, type WeightArray, type WeightStore } from './weights';

export interface TranslateOptions {
  readonly fileName: string;
  readonly format: ModelFormat;
  readonly producer: string;
  /** Major Keras version that wrote the config (2 or 3). */
  readonly kerasMajor: number;
  readonly notes?: readonly string[];
}

interface Scope {
  readonly model: KerasModel;
  /** Prefix of tensor and display names ('' at the top, 'outer/' inside a nested model). */
  readonly prefix: string;
  readonly weights: WeightStore;
  /** For nested models: the tensors bound to the model's inputs. */
  readonly bound?: readonly KTensor[];
}

const refKey = (r: TensorRef): string => `${r.layer}\u0000${r.node}\u0000${r.tensor}`;

/** The major version in "2.4.0", "3.13.2", "keras v2.12.0" …; 2 when unknown. */
export function kerasMajorOf(version: string | undefined): number {
  const m = /(\d+)\.\d+/.exec(version ?? '');
  return m ? Number(m[1]) : 2;
}

class Translator {
  readonly b = new GraphBuilder();
  readonly inputs: ValueInfo[] = [];
  readonly layerTensors: { tensor: string; name: string; op: string }[] = [];
  readonly notes: string[];
  private readonly arrays = new Map<KerasLayer, WeightArray[]>();

  constructor(private readonly options: TranslateOptions) {
    this.notes = [...(options.notes ?? [])];
  }

  /** Translates the layer calls of one (possibly nested) model; returns its output tensors. */
  translate(scope: Scope): KTensor[] {
    const { model, prefix } = scope;
    const where = this.options.fileName;
    const byName = new Map<string, KerasLayer>();
    for (const l of model.layers) {
      if (byName.has(l.name)) throw new ModelError(`${where}: two layers are named "${l.name}"`);
      byName.set(l.name, l);
    }
    this.b.reserve(model.layers.map((l) => prefix + l.name));
    const tensors = new Map<string, KTensor>();
    model.inputs.forEach((ref, i) => {
      const layer = byName.get(ref.layer);
      if (!layer || layer.className !== 'InputLayer') throw new ModelError(`${where}: model input "${ref.layer}" is not an InputLayer`);
      tensors.set(refKey(ref), scope.bound ? this.bindInput(scope.bound[i], layer, prefix) : this.graphInput(layer, prefix));
    });
    type Pending = { layer: KerasLayer; call: number; refs: readonly TensorRef[] };
    let pending: Pending[] = model.layers.flatMap((layer) => (layer.className === 'InputLayer' ? [] : layer.calls.map((refs, call) => ({ layer, call, refs }))));
    while (pending.length > 0) {
      const waiting: Pending[] = [];
      for (const p of pending) {
        const inputs = p.refs.map((r) => tensors.get(refKey(r)));
        if (inputs.some((t) => t === undefined)) {
          waiting.push(p);
          continue;
        }
        const outputs = this.call(scope, p.layer, p.call, inputs as KTensor[]);
        outputs.forEach((t, i) => tensors.set(refKey({ layer: p.layer.name, node: p.call, tensor: i }), t));
      }
      if (waiting.length === pending.length) {
        const p = waiting[0];
        const missing = p.refs.find((r) => !tensors.has(refKey(r)))!;
        const source = model.layers.find((l) => l.name === missing.layer);
        const why = source && source.className !== 'InputLayer' && source.calls.length === 0 ? 'a layer with no inbound nodes (never called)' : 'which no layer produces';
        throw new ModelError(`${where}: layer "${prefix}${p.layer.name}" reads output ${missing.node} of "${missing.layer}", ${why}`);
      }
      pending = waiting;
    }
    return model.outputs.map((r) => {
      const t = tensors.get(refKey(r));
      if (!t) throw new ModelError(`${where}: model output "${r.layer}" is not produced by any layer`);
      return t;
    });
  }

  private graphInput(layer: KerasLayer, prefix: string): KTensor {
    const shape = declaredBatchShape(layer.config, `${this.options.fileName}: input "${layer.name}"`);
    if (!shape || shape.length === 0) throw new ModelError(`${this.options.fileName}: input "${layer.name}" declares no shape`);
    const name = prefix + layer.name;
    this.inputs.push({ name, dims: shape.map((d, i) => (i === 0 ? null : d)), dtype: 'float32' });
    this.b.markUsed(name);
    return kt(shape, { keras: name });
  }

  private bindInput(t: KTensor | undefined, layer: KerasLayer, prefix: string): KTensor {
    if (!t) throw new ModelError(`${this.options.fileName}: nested model input "${prefix}${layer.name}" has no tensor`);
    return t;
  }

  private call(scope: Scope, layer: KerasLayer, call: number, inputs: KTensor[]): KTensor[] {
    const name = scope.prefix + layer.name + (call > 0 ? `:${call}` : '');
    const where = `${this.options.fileName}: layer "${scope.prefix}${layer.name}" (${layer.className})`;
    if (MODEL_CLASSES.has(layer.className)) return this.nested(scope, layer, name, inputs, where);
    const translator = LAYER_TRANSLATORS[layer.className];
    if (!translator) throw new ModelError(`${where}: this Keras layer is not supported`);
    const mark = this.b.mark;
    const ctx: LayerContext = {
      b: this.b,
      layer,
      cfg: new ConfigReader(layer.config, where),
      name,
      inputs,
      kerasMajor: this.options.kerasMajor,
      weights: (roles) => assignRoles(where, this.layerArrays(scope, layer), roles),
      note: (message) => this.notes.push(message),
    };
    const out = translator(ctx);
    const result = this.expose(out, name, mark);
    if (!PASS_THROUGH_LAYERS.has(layer.className)) {
      this.layerTensors.push({ tensor: result.keras!, name: call > 0 ? `${scope.prefix}${layer.name} (call ${call + 1})` : scope.prefix + layer.name, op: layer.className });
    }
    return [result];
  }

  /** The layer's output in Keras layout under the layer's own name (DESIGN.md §2). */
  private expose(out: KTensor, name: string, mark: number): KTensor {
    if (out.keras) {
      const keras = this.b.nameTensor(out.keras, name, mark);
      return out.channelsFirst ? { ...out, keras, nchw: keras } : { ...out, keras };
    }
    const keras = this.b.namedNode('Transpose', [out.nchw!], { perm: toLastPerm(out.shape.length) }, name);
    return { ...out, keras };
  }

  private layerArrays(scope: Scope, layer: KerasLayer): WeightArray[] {
    let a = this.arrays.get(layer);
    if (!a) {
      a = scope.weights.layer(layer);
      this.arrays.set(layer, a);
    }
    return a;
  }

  private nested(scope: Scope, layer: KerasLayer, name: string, inputs: KTensor[], where: string): KTensor[] {
    if (scope.prefix.split('/').length > 8) throw new ModelError(`${where}: models nest too deeply`);
    const inner = parseModelConfig({ class_name: layer.className, config: layer.raw.config ?? null }, where);
    if (inner.inputs.length !== inputs.length) throw new ModelError(`${where}: the nested model takes ${inner.inputs.length} inputs, it is given ${inputs.length}`);
    const outputs = this.translate({ model: inner, prefix: `${name}/`, weights: scope.weights.nested(layer, inner.layers), bound: inputs });
    if (outputs.length !== 1) throw new ModelError(`${where}: nested models with ${outputs.length} outputs are not supported`);
    // The inner output keeps its own layer name; the nested model's name is an alias of it.
    return [this.expose({ ...outputs[0] }, name, this.b.mark)];
  }
}

function channelAxisOf(model: KerasModel): 'first' | 'last' {
  let first = 0;
  let last = 0;
  const visit = (layers: readonly KerasLayer[], depth: number): void => {
    for (const l of layers) {
      if (isSpatialLayer(l.className)) {
        if (l.config.data_format === 'channels_first') first++;
        else last++;
      }
      if (MODEL_CLASSES.has(l.className) && depth < 8 && isObject(l.raw.config ?? null)) {
        try {
          visit(parseModelConfig({ class_name: l.className, config: l.raw.config ?? null }, '').layers, depth + 1);
        } catch {
          // The translation reports a broken nested config with its own message.
        }
      }
    }
  };
  visit(model.layers, 0);
  return first > last ? 'first' : 'last';
}

/** A Keras model config and its weights as an engine graph. */
export function translateKeras(model: KerasModel, weights: WeightStore, options: TranslateOptions): Graph {
  const t = new Translator(options);
  let outputs: KTensor[];
  try {
    outputs = t.translate({ model, prefix: '', weights });
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`${options.fileName}: ${errorMessage(e)}`);
  }
  return {
    inputs: t.inputs,
    outputs: outputs.map((o) => o.keras!),
    initializers: t.b.initializers,
    nodes: t.b.nodes,
    source: { format: options.format, fileName: options.fileName, producer: options.producer, opset: 13, notes: t.notes },
    hasBatchDim: true,
    channelAxis: channelAxisOf(model),
    layerTensors: t.layerTensors,
  };
}
