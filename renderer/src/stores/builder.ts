import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { parseNetworkSpec } from '../../../workers/formats/neurovis/index';
import { inferSpecShapes, layerName, NEUROVIS_FORMAT, NEUROVIS_VERSION, type LayerKind, type LayerSpec, type NetworkSpec, type StoredArray } from '../../../workers/formats/neurovis/spec';
import { specFile } from '../examples/index';
import { getHost, type OpenedModel } from '../host/index';
import { useModel } from './model';
import { messageOf, useNotices } from './notices';
import { parseShape } from './settings';

export const LAYER_KINDS: readonly LayerKind[] = ['dense', 'conv1d', 'conv2d', 'avgpool', 'maxpool', 'flatten', 'batchnorm', 'activation'];

/** A layer being edited: its spec, plus weights read from a file (kept while the layer's shapes stay the same). */
export interface BuilderLayer {
  readonly uid: number;
  spec: LayerSpec;
  weights?: Readonly<Record<string, StoredArray>>;
  /** The layer's kind/size/input signature the weights were stored for. */
  weightsFor?: string;
}

let nextUid = 1;

function defaultLayer(kind: LayerKind, seed: number): LayerSpec {
  switch (kind) {
    case 'dense':
      return { kind, units: 16, bias: true, init: { kind: 'normal', seed } };
    case 'conv1d':
      return { kind, filters: 8, kernel: 3, stride: 1, padding: 0, dilation: 1, groups: 1, bias: true, init: { kind: 'normal', seed } };
    case 'conv2d':
      return { kind, filters: 8, kernel: 3, stride: 1, padding: 0, dilation: 1, groups: 1, bias: true, init: { kind: 'gabor', seed } };
    case 'avgpool':
    case 'maxpool':
      return { kind, size: 2, stride: 2, padding: 0 };
    case 'flatten':
      return { kind };
    case 'batchnorm':
      return { kind, epsilon: 1e-5, init: { kind: 'normal', seed } };
    case 'activation':
      return { kind, fn: 'relu' };
  }
}

/** What a layer's parameter shapes depend on: stored weights stay valid while it does not change. */
function signature(spec: LayerSpec, input: readonly number[] | undefined): string {
  const { name: _name, init: _init, ...shapeFields } = spec as LayerSpec & { init?: unknown };
  return JSON.stringify([shapeFields, input ?? null]);
}

/** The network builder: layers, input shape, live shape inference, save and open as .neurovis.json. */
export const useBuilder = defineStore('builder', () => {
  const notices = useNotices();
  const open = ref(false);
  const name = ref('my-network');
  const inputText = ref('1, 28, 28');
  const layers = ref<BuilderLayer[]>([]);

  const inputShape = computed(() => parseShape(inputText.value) ?? []);

  const spec = computed<NetworkSpec>(() => {
    const weights: Record<string, Record<string, StoredArray>> = {};
    const shapes = inferSpecShapes({ input: { shape: inputShape.value }, layers: layers.value.map((l) => l.spec) }).shapes;
    layers.value.forEach((l, i) => {
      const input = i === 0 ? inputShape.value : shapes[i - 1];
      if (l.weights && l.weightsFor === signature(l.spec, input)) weights[layerName(l.spec, i)] = { ...l.weights };
    });
    return {
      format: NEUROVIS_FORMAT,
      version: NEUROVIS_VERSION,
      name: name.value.trim() || 'network',
      input: { shape: inputShape.value },
      layers: layers.value.map((l) => l.spec),
      ...(Object.keys(weights).length > 0 ? { weights } : {}),
    };
  });

  /** Each layer's output shape, and the first layer that cannot work (index −1: the input). */
  const inference = computed(() => {
    if (parseShape(inputText.value) === null || inputShape.value.length === 0) {
      return { shapes: [] as number[][], error: { layer: -1, message: 'builder.badInput' } };
    }
    return inferSpecShapes(spec.value);
  });

  const valid = computed(() => !inference.value.error && layers.value.length > 0);

  function start(from?: NetworkSpec): void {
    if (from) load(from);
    else if (layers.value.length === 0) {
      name.value = 'my-network';
      inputText.value = '1, 28, 28';
      layers.value = [
        { uid: nextUid++, spec: defaultLayer('conv2d', 1) },
        { uid: nextUid++, spec: defaultLayer('activation', 0) },
        { uid: nextUid++, spec: defaultLayer('maxpool', 0) },
        { uid: nextUid++, spec: defaultLayer('flatten', 0) },
        { uid: nextUid++, spec: { ...defaultLayer('dense', 2), units: 10 } as LayerSpec },
      ];
    }
    open.value = true;
  }

  function load(from: NetworkSpec): void {
    name.value = from.name;
    inputText.value = from.input.shape.join(', ');
    const shapes = inferSpecShapes(from).shapes;
    layers.value = from.layers.map((spec, i) => {
      const stored = from.weights?.[layerName(spec, i)];
      const input = i === 0 ? from.input.shape : shapes[i - 1];
      return { uid: nextUid++, spec: { ...spec }, ...(stored ? { weights: stored, weightsFor: signature(spec, input) } : {}) };
    });
  }

  function addLayer(kind: LayerKind, at = layers.value.length): void {
    const seed = layers.value.length + 1;
    layers.value.splice(at, 0, { uid: nextUid++, spec: defaultLayer(kind, seed) });
  }

  function removeLayer(index: number): void {
    layers.value.splice(index, 1);
  }

  function moveLayer(index: number, delta: number): void {
    const to = index + delta;
    if (to < 0 || to >= layers.value.length) return;
    const [l] = layers.value.splice(index, 1);
    layers.value.splice(to, 0, l);
  }

  function updateLayer(index: number, patch: Partial<Record<string, unknown>>): void {
    const l = layers.value[index];
    l.spec = { ...l.spec, ...patch } as LayerSpec;
  }

  function changeKind(index: number, kind: LayerKind): void {
    const l = layers.value[index];
    layers.value.splice(index, 1, { uid: l.uid, spec: { ...defaultLayer(kind, index + 1), ...(l.spec.name ? { name: l.spec.name } : {}) } });
  }

  function file() {
    return specFile(spec.value);
  }

  async function save(): Promise<void> {
    const f = file();
    try {
      await getHost().save({ kind: 'file', suggestedName: f.name, bytes: f.bytes, filters: [{ name: 'Neurovis network', extensions: ['json'] }] });
    } catch (e) {
      notices.error(messageOf(e), f.name);
    }
  }

  /** Opens a .neurovis.json into the builder. */
  async function openFile(opened: OpenedModel | null): Promise<void> {
    if (!opened) return;
    for (const e of opened.errors) notices.error(e.message, e.name);
    const main = opened.files[0];
    if (!main) return;
    try {
      load(parseNetworkSpec(main.bytes, main.name));
      open.value = true;
    } catch (e) {
      notices.error(messageOf(e), main.name);
    }
  }

  /** Opens the network in the gallery. */
  async function build(): Promise<boolean> {
    if (!valid.value) return false;
    const ok = await useModel().open({ files: [file()], errors: [] }, 'builder');
    if (ok) open.value = false;
    return ok;
  }

  return { open, name, inputText, inputShape, layers, spec, inference, valid, start, load, addLayer, removeLayer, moveLayer, updateLayer, changeKind, save, openFile, build, close: () => (open.value = false) };
});
