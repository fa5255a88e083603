import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { GallerySettings } from '../../../workers/engine/compute';
import { GALLERY_MODES, modeById, type GalleryMode } from '../../../workers/engine/modes/index';
import type { Objective } from '../../../workers/engine/seeds';
import { COLORMAPS } from '../../../workers/imaging/colormap';
import type { InputLayout } from '../../../workers/engine/graph';
import { DEFAULT_VALUE_RANGE, midGrey, parseValueRange } from '../../../workers/engine/value-range';
import { layerRadius } from '../../../workers/engine/layer-radius';
import { dataUnitsOf, type DataUnits } from '../../../workers/imaging/data-units';
import type { LayerInfo } from '../../../workers/engine/prepare';
import type { ComputeSettings, DisplaySettings, LocaleChoice, ObjectiveKind, ReferenceInput, ResolvedCompute, ThemeChoice } from '../domain/settings-types';
import { isValidRadius } from '../../../workers/settings/validate';
import { useGallery } from './gallery';

const STORAGE_KEY = 'neurovis.settings.v1';

export const THUMB_SIZES = { min: 32, max: 192, step: 8 } as const;
export const MAX_WORKERS = 16;

const DEFAULT_COMPUTE: ComputeSettings = { mode: 'exact', objective: 'neuron', position: [0, 0], radius: null, valueRange: 'auto', ascentSteps: 200, preview: 0 };
const DEFAULT_DISPLAY: DisplaySettings = { colormap: 'rdbu', scale: 'neuron', thumbSize: 72, stretch: false };

/**
 * 2: the radius may be null (relative to the value range). Settings stored before kept the
 * old default radius 1 whether or not the user chose it; they read as the new default.
 */
const VERSION = 2;

interface Persisted {
  version?: number;
  compute: ComputeSettings;
  display: DisplaySettings;
  /** Input shape for symbolic dimensions, as typed ('' = the model's own). */
  inputShape: string;
  /** 0 = automatic (cores − 1). */
  workers: number;
  theme: ThemeChoice;
  locale: LocaleChoice;
}

function defaults(): Persisted {
  return { compute: { ...DEFAULT_COMPUTE }, display: { ...DEFAULT_DISPLAY }, inputShape: '', workers: 0, theme: 'system', locale: 'system' };
}

const OBJECTIVES: readonly ObjectiveKind[] = ['neuron', 'channel', 'position'];

/** Reads what was stored, keeping only values that are still valid. */
export function sanitize(raw: unknown): Persisted {
  const out = defaults();
  if (typeof raw !== 'object' || raw === null) return out;
  const r = raw as Partial<Persisted>;
  const c = (r.compute ?? {}) as Partial<ComputeSettings>;
  const d = (r.display ?? {}) as Partial<DisplaySettings>;
  out.compute = {
    mode: GALLERY_MODES.includes(c.mode as never) ? c.mode! : DEFAULT_COMPUTE.mode,
    objective: OBJECTIVES.includes(c.objective as never) ? c.objective! : DEFAULT_COMPUTE.objective,
    position: Array.isArray(c.position) && c.position.every((p) => Number.isInteger(p) && p >= 0) ? [...c.position] : DEFAULT_COMPUTE.position,
    radius: c.radius !== null && isValidRadius(c.radius) && !(r.version === undefined && c.radius === 1) ? c.radius : DEFAULT_COMPUTE.radius,
    valueRange: typeof c.valueRange === 'string' && (c.valueRange === 'auto' || parseValueRange(c.valueRange)) ? c.valueRange : DEFAULT_COMPUTE.valueRange,
    ascentSteps: Number.isInteger(c.ascentSteps) && c.ascentSteps! > 0 && c.ascentSteps! <= 10_000 ? c.ascentSteps! : DEFAULT_COMPUTE.ascentSteps,
    preview: Number.isInteger(c.preview) && c.preview! >= 0 && c.preview! <= 1_000_000 ? c.preview! : DEFAULT_COMPUTE.preview,
  };
  out.display = {
    colormap: COLORMAPS.includes(d.colormap as never) ? d.colormap! : DEFAULT_DISPLAY.colormap,
    scale: d.scale === 'layer' || d.scale === 'neuron' ? d.scale : DEFAULT_DISPLAY.scale,
    thumbSize: typeof d.thumbSize === 'number' && d.thumbSize >= THUMB_SIZES.min && d.thumbSize <= THUMB_SIZES.max ? Math.round(d.thumbSize) : DEFAULT_DISPLAY.thumbSize,
    stretch: d.stretch === true,
  };
  if (typeof r.inputShape === 'string') out.inputShape = r.inputShape;
  if (Number.isInteger(r.workers) && r.workers! >= 0 && r.workers! <= MAX_WORKERS) out.workers = r.workers!;
  if (r.theme === 'light' || r.theme === 'dark' || r.theme === 'system') out.theme = r.theme;
  if (r.locale === 'en' || r.locale === 'zh-CN' || r.locale === 'system') out.locale = r.locale;
  return out;
}

function load(): Persisted {
  try {
    return sanitize(JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null'));
  } catch {
    return defaults();
  }
}

/** Parses "1, 28, 28" into [1, 28, 28]; null when it is not a shape; [] for an empty text. */
export function parseShape(text: string): number[] | null {
  const t = text.trim();
  if (t === '') return [];
  const parts = t.replace(/^\[|\]$/g, '').split(/[\s,×x]+/).filter((p) => p !== '');
  const dims = parts.map(Number);
  return dims.length > 0 && dims.every((d) => Number.isInteger(d) && d > 0) ? dims : null;
}

/** Every user setting, persisted in localStorage. The reference input is kept for the session only. */
export const useSettings = defineStore('settings', () => {
  const initial = load();
  const compute = ref<ComputeSettings>(initial.compute);
  const display = ref<DisplaySettings>(initial.display);
  const inputShape = ref(initial.inputShape);
  const workers = ref(initial.workers);
  const theme = ref<ThemeChoice>(initial.theme);
  const locale = ref<LocaleChoice>(initial.locale);
  const reference = shallowRef<ReferenceInput | null>(null);
  /** Overrides of the open model's input layout and drawing shape (session only: they belong to one model). */
  const inputLayout = ref<InputLayout | ''>('');
  /** "H, W" to draw the input as H×W image(s) ('' = the layout's own form). */
  const imageShape = ref('');
  const gallery = useGallery();
  /**
   * A mode chosen for the open model rather than by the user (the exact mode does not apply
   * to a nonlinear model): in effect until the user picks a mode, never stored.
   */
  const autoMode = ref<GalleryMode | null>(null);
  /** The value range in effect: the user's, or the model's own (TFLite input quantisation), or 0–1. */
  const valueRange = computed<readonly [number, number]>(() => {
    const chosen = compute.value.valueRange === 'auto' ? undefined : parseValueRange(compute.value.valueRange);
    return chosen ?? gallery.summary?.inputRange ?? DEFAULT_VALUE_RANGE;
  });
  /** Where the range in effect comes from. */
  const valueRangeSource = computed<'user' | 'model' | 'default'>(() =>
    compute.value.valueRange !== 'auto' ? 'user' : gallery.summary?.inputRange ? 'model' : 'default',
  );
  const inputValues = computed(() => (gallery.summary?.inputShape ?? []).reduce((a, b) => a * b, 1));
  /** The compute settings in effect: the mode chosen for the model, the radius the user's or each layer's own from the value range. */
  const effective = computed<ResolvedCompute>(() => {
    const c = compute.value;
    const [lo, hi] = valueRange.value;
    return { ...c, mode: autoMode.value ?? c.mode, radius: c.radius ?? { range: [lo, hi] } };
  });
  /** The radius a layer's x* get (the user's, or ¼·(hi − lo)·√n with n the values in its receptive field). */
  function radiusOf(layer: Pick<LayerInfo, 'crops'>): number {
    const s = gallery.summary;
    const input = { inputShape: s?.inputShape ?? [inputValues.value], inputLayout: s?.inputLayout ?? 'flat' };
    const objective = effective.value.objective;
    return layerRadius(effective.value.radius, input, layer.crops, objective);
  }
  /** The reference input a mode gets: the user's, or for modes that linearise at every nonlinearity a mid-grey image in the value range (as in the CLI). */
  function referenceFor(mode: GalleryMode): Float32Array | undefined {
    if (reference.value) return reference.value.values;
    return modeById(mode).reference === 'always' && gallery.summary ? midGrey(valueRange.value, inputValues.value) : undefined;
  }
  /** What identifies the reference input in effect (the staleness key of a layer): the user's, mid-grey of a range, or none. */
  const referenceId = computed(() => {
    if (reference.value) return reference.value.id;
    return modeById(effective.value.mode).reference === 'always' && gallery.summary ? `mid:${valueRange.value.join(',')}` : null;
  });

  watch(
    [compute, display, inputShape, workers, theme, locale],
    () => {
      const value: Persisted = { version: VERSION, compute: compute.value, display: display.value, inputShape: inputShape.value, workers: workers.value, theme: theme.value, locale: locale.value };
      try {
        localStorage.setItem(STORAGE_KEY, JSON.stringify(value));
      } catch {
        // Storage full or disabled: the settings still hold for this session.
      }
    },
    { deep: true },
  );

  const parsedInputShape = computed(() => parseShape(inputShape.value));
  /** [H, W], [] for none, null when the text is not two sizes. */
  const parsedImageShape = computed(() => {
    const shape = parseShape(imageShape.value);
    return shape && (shape.length === 0 || shape.length === 2) ? shape : null;
  });

  /** What the pool computes with. */
  const gallerySettings = computed<GallerySettings>(() => {
    const c = effective.value;
    const x0 = referenceFor(c.mode);
    const objective: Objective = c.objective === 'position' ? { kind: 'position', position: [...c.position] } : { kind: c.objective };
    return {
      mode: c.mode,
      objective,
      radius: c.radius,
      ...(x0 ? { reference: x0 } : {}),
      ...(modeById(c.mode).readsAscent ? { ascent: { steps: c.ascentSteps } } : {}),
    };
  });

  /** How thumbnails are drawn: reference + x* in the value range (imaging/data-units.ts), or null for the symmetric scale (stretch contrast, the exact mode). */
  const drawingUnits = computed<DataUnits | null>(() => (display.value.stretch ? null : dataUnitsOf(gallerySettings.value, valueRange.value, inputValues.value)));

  function setCompute(patch: Partial<ComputeSettings>): void {
    if (patch.mode !== undefined) autoMode.value = null;
    compute.value = sanitize({ compute: { ...compute.value, ...patch } }).compute;
  }
  function setDisplay(patch: Partial<DisplaySettings>): void {
    display.value = sanitize({ display: { ...display.value, ...patch } }).display;
  }
  function reset(): void {
    const d = defaults();
    compute.value = d.compute;
    display.value = d.display;
    inputShape.value = d.inputShape;
    workers.value = d.workers;
    theme.value = d.theme;
    locale.value = d.locale;
    reference.value = null;
    inputLayout.value = '';
    imageShape.value = '';
    autoMode.value = null;
  }

  return {
    compute, autoMode, effective, display, inputShape, parsedInputShape, inputLayout, imageShape, parsedImageShape, workers, theme, locale, reference, referenceId,
    valueRange, valueRangeSource, referenceFor, radiusOf, gallerySettings, drawingUnits, setCompute, setDisplay, reset,
  };
});
