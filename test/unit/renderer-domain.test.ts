// What a settings change affects, stored settings, and the language the interface picks.
import { noticeParts } from '../../renderer/src/domain/notice-text';
import { describe, expect, it, vi } from 'vitest';
import type { LayerInfo } from '../../workers/engine/prepare';
import { layerKeys, linearPrefixLayers } from '../../renderer/src/domain/affects';
import type { ResolvedCompute } from '../../renderer/src/domain/settings-types';
import { localeFor } from '../../renderer/src/i18n/index';
import { parseShape, sanitize, useSettings } from '../../renderer/src/stores/settings';
import { boxCenter, stepZoom, zoomWindow } from '../../renderer/src/domain/zoom-window';
import { createPinia, setActivePinia } from 'pinia';
import { useGallery } from '../../renderer/src/stores/gallery';
import type { ModelSummary } from '../../workers/pool/api';
import { messageOf } from '../../renderer/src/stores/notices';
import { overBudget } from '../../workers/engine/budget';
import { ModelError } from '../../workers/engine/graph';

function layer(id: string, channelAxis: number | null): LayerInfo {
  return { id, name: id, op: 'x', node: id, outputShape: [1], featureShape: channelAxis === null ? [4] : [4, 5, 5], channelAxis, neurons: 4, reuses: [] };
}

const summary = {
  digest: 'd',
  source: { format: 'onnx' as const, fileName: 'm.onnx' },
  inputShape: [1, 8, 8],
  inputLayout: 'NCHW' as const,
  imageShape: null,
  layers: [layer('conv1', 0), layer('relu1', 0), layer('conv2', 0), layer('fc', null)],
  nonlinearNodes: ['relu1'],
  gateNodes: [] as string[],
  weightBytes: 0,
  layerFlops: [1, 1, 1, 1],
  sharedWeights: false,
};
const base: ResolvedCompute = { mode: 'surrogate', objective: 'neuron', position: [0, 0], radius: 1, valueRange: 'auto', ascentSteps: 200, preview: 0 };
const changedLayers = (a: Map<string, string>, b: Map<string, string>): string[] => [...a.keys()].filter((k) => a.get(k) !== b.get(k));

describe('what a settings change affects', () => {
  it('layers before the first nonlinearity are linear', () => {
    expect([...linearPrefixLayers(summary)]).toEqual(['conv1']);
    // A nonlinear node that is no layer cannot be placed: nothing counts as linear.
    expect(linearPrefixLayers({ ...summary, nonlinearNodes: ['hidden-relu'] }).size).toBe(0);
  });

  it('a mode change leaves the linear layers alone', () => {
    const a = layerKeys(summary, base, null);
    expect(changedLayers(a, layerKeys(summary, { ...base, mode: 'local' }, null))).toEqual(['relu1', 'conv2', 'fc']);
    expect(changedLayers(a, layerKeys(summary, { ...base, mode: 'ascent' }, null))).toEqual(['conv1', 'relu1', 'conv2', 'fc']);
  });

  it('the objective changes convolutional layers only, the radius every layer', () => {
    const a = layerKeys(summary, base, null);
    expect(changedLayers(a, layerKeys(summary, { ...base, objective: 'channel' }, null))).toEqual(['conv1', 'relu1', 'conv2']);
    expect(changedLayers(a, layerKeys(summary, { ...base, radius: 2 }, null))).toEqual(['conv1', 'relu1', 'conv2', 'fc']);
  });

  it('the reference input matters only to the rules that linearise at it, past the linear layers', () => {
    expect(changedLayers(layerKeys(summary, base, null), layerKeys(summary, base, 'x0#1'))).toEqual([]);
    const local = { ...base, mode: 'local' as const };
    expect(changedLayers(layerKeys(summary, local, null), layerKeys(summary, local, 'x0#1'))).toEqual(['relu1', 'conv2', 'fc']);
  });

  it('the exact mode on a nonlinear model is refused for every layer, the linear ones too', () => {
    const exact = layerKeys(summary, { ...base, mode: 'exact' }, null);
    expect(exact.get('conv1')).not.toBe(layerKeys(summary, base, null).get('conv1'));
    const linearModel = { ...summary, nonlinearNodes: [] };
    expect(changedLayers(layerKeys(linearModel, { ...base, mode: 'exact' }, null), layerKeys(linearModel, base, null))).toEqual([]);
  });
});

describe('stored settings', () => {
  it('keeps valid values and replaces the rest with defaults', () => {
    const s = sanitize({ compute: { mode: 'guided', radius: -1, objective: 'nope' }, display: { colormap: 'viridis', thumbSize: 10 }, workers: 3, theme: 'dark', locale: 'fr' });
    // An invalid radius falls back to the default: relative to the value range (null), as in the CLI.
    expect(s.compute).toMatchObject({ mode: 'guided', radius: null, objective: 'neuron', valueRange: 'auto' });
    expect(sanitize({ compute: { radius: 2.5, valueRange: '0-255' } }).compute).toMatchObject({ radius: 2.5, valueRange: '0-255' });
    expect(sanitize({ compute: { valueRange: '3,1' } }).compute.valueRange).toBe('auto');
    // Settings stored before the radius followed the value range hold the old default 1: it reads as the new default.
    expect(sanitize({ compute: { radius: 1 } }).compute.radius).toBeNull();
    expect(sanitize({ version: 2, compute: { radius: 1 } }).compute.radius).toBe(1);
    expect(s.display).toMatchObject({ colormap: 'viridis', thumbSize: 72 });
    expect(s.workers).toBe(3);
    expect(s.theme).toBe('dark');
    expect(s.locale).toBe('system');
    expect(sanitize('garbage').compute.mode).toBe('exact');
  });

  it('reads input shapes as a user types them', () => {
    expect(parseShape('1, 28, 28')).toEqual([1, 28, 28]);
    expect(parseShape('[3 × 64]')).toEqual([3, 64]);
    expect(parseShape('')).toEqual([]);
    expect(parseShape('1, -2')).toBeNull();
    expect(parseShape('a')).toBeNull();
  });
});

describe('interface language', () => {
  it('follows the OS’s first supported language, or the user’s choice', () => {
    expect(localeFor('system', ['zh-TW', 'en-US'])).toBe('zh-CN');
    expect(localeFor('system', ['de-DE', 'en-GB'])).toBe('en');
    expect(localeFor('system', ['fr-FR'])).toBe('en');
    expect(localeFor('en', ['zh-CN'])).toBe('en');
  });
});

describe('notice text', () => {
  it('names the file once: a reader message that starts with it gives it as the heading', () => {
    expect(noticeParts('broken.onnx: not a model file Neurovis can read', 'broken.onnx')).toEqual({ where: 'broken.onnx', what: 'Not a model file Neurovis can read' });
    expect(noticeParts('no layer "x" in broken.onnx', 'broken.onnx')).toEqual({ where: null, what: 'No layer "x" in broken.onnx' });
    expect(noticeParts('unsupported op Foo at node "n"', 'conv1')).toEqual({ where: 'conv1', what: 'Unsupported op Foo at node "n"' });
    expect(noticeParts('the worker stopped', undefined)).toEqual({ where: null, what: 'The worker stopped' });
  });
});

describe('the zoom window of the neuron detail', () => {
  it('shows the whole input at zoom 1, and 1/zoom of it centred on the point, inside the edges', () => {
    expect(zoomWindow(28, 28, 1, [13.5, 13.5])).toEqual([0, 0, 28, 28]);
    expect(zoomWindow(28, 28, 2, [13.5, 13.5])).toEqual([7, 7, 14, 14]);
    expect(zoomWindow(28, 28, 4, [13.5, 13.5])).toEqual([10, 10, 7, 7]);
    // Near a corner the window stays inside the input and keeps its size.
    expect(zoomWindow(28, 28, 4, [0.5, 27.5])).toEqual([0, 21, 7, 7]);
    expect(zoomWindow(32, 16, 4, [16, 8])).toEqual([12, 6, 8, 4]);
  });
  it('steps through the zoom levels, never past half the input\'s longer side', () => {
    expect(stepZoom(1, 1, 28, 28)).toBe(2);
    expect(stepZoom(2, -1, 28, 28)).toBe(1);
    expect(stepZoom(1, -1, 28, 28)).toBe(1);
    expect(stepZoom(8, 1, 28, 28)).toBe(8);
    expect(stepZoom(1, 1, 2, 2)).toBe(1);
    expect(boxCenter([11, 11, 5, 5])).toEqual([13.5, 13.5]);
  });
});

describe('the value range in the settings store (as the CLI resolves it)', () => {
  it('sets the default radius and the mid-grey reference, which the staleness keys follow; a fixed radius in the surrogate only redraws', () => {
    setActivePinia(createPinia());
    const gallery = useGallery();
    gallery.reset({ ...summary, inputShape: [1, 28, 28] } as unknown as ModelSummary);
    const settings = useSettings();
    settings.setCompute({ mode: 'local' });
    // ¼ · (hi − lo) · √n, n = 784 (layers without crops see the whole input).
    const conv1 = gallery.summary!.layers[0];
    expect(settings.effective.radius).toEqual({ range: [0, 1] });
    expect(settings.radiusOf(conv1)).toBe(7);
    expect(settings.referenceId).toBe('mid:0,1');
    expect(settings.gallerySettings.reference?.every((v) => v === 0.5)).toBe(true);
    const before = layerKeys(gallery.summary!, settings.effective, settings.referenceId);
    settings.setCompute({ valueRange: '0-255' });
    expect(settings.radiusOf(conv1)).toBe(0.25 * 255 * 28);
    expect(settings.referenceId).toBe('mid:0,255');
    expect(settings.gallerySettings.reference?.every((v) => v === 127.5)).toBe(true);
    expect(changedLayers(before, layerKeys(gallery.summary!, settings.effective, settings.referenceId))).toEqual(['conv1', 'relu1', 'conv2', 'fc']);
    // The surrogate reads no reference here and the radius is the user's: the range changes no result.
    settings.setCompute({ mode: 'surrogate', radius: 3 });
    expect(settings.referenceId).toBeNull();
    const fixed = layerKeys(gallery.summary!, settings.effective, settings.referenceId);
    settings.setCompute({ valueRange: 'imagenet' });
    expect(settings.radiusOf(conv1)).toBe(3);
    expect(changedLayers(fixed, layerKeys(gallery.summary!, settings.effective, settings.referenceId))).toEqual([]);
    // The model's own range (TFLite input quantisation) is the default when the user names none.
    settings.setCompute({ valueRange: 'auto', radius: null });
    gallery.reset({ ...summary, inputShape: [1, 28, 28], inputRange: [-1, 1] } as unknown as ModelSummary);
    expect(settings.valueRangeSource).toBe('model');
    expect(settings.radiusOf(gallery.summary!.layers[0])).toBe(14);
  });
});

describe('a partial gallery (issue 19)', () => {
  it('keeps the reason a layer failed for its section while other layers complete, and forgets it when a retry succeeds', () => {
    vi.stubGlobal('requestAnimationFrame', (f: () => void) => (f(), 0));
    try {
      setActivePinia(createPinia());
      const gallery = useGallery();
      gallery.reset(summary as unknown as ModelSummary);
      gallery.prepare(layerKeys(summary, base, null), { mode: 'surrogate', objective: { kind: 'neuron' }, radius: 1 });
      const rows = (layer: string, neurons: number[]) => ({
        layer, neurons, inputShape: [1, 8, 8], xstar: new Float32Array(neurons.length * 64).fill(1), norms: new Float32Array(neurons.length).fill(1),
        activations: new Float32Array(neurons.length), baselines: new Float32Array(neurons.length), dead: new Uint8Array(neurons.length), linearisedAt: [],
      });
      gallery.fail({ layer: 'conv2', neurons: [0, 1], message: 'conv2: out of memory', generation: 1 });
      gallery.accept(rows('fc', [0, 1, 2, 3]));
      expect(gallery.counts.conv2).toMatchObject({ received: 0, failed: 2, failure: 'conv2: out of memory' });
      expect(gallery.counts.fc).toMatchObject({ received: 4, failed: 0, total: 4, failure: null });
      // A retry (resume) forgets the failures; results for them clear the reason too.
      gallery.accept(rows('conv2', [0, 1]));
      expect(gallery.counts.conv2).toMatchObject({ received: 2, failed: 0, failure: null });
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('a refusal past the memory budget in the app', () => {
  it('says what the app may use instead of naming the CLI’s --memory-budget', () => {
    const refusal = overBudget('model.onnx: tensor "w"', 2 ** 30, 4)!;
    expect(refusal).toContain('--memory-budget');
    const shown = messageOf(new ModelError(refusal));
    expect(shown).not.toContain('--memory-budget');
    expect(shown).toContain('tensor "w" would take 4.0 GB');
    expect(shown).toContain('a quarter of this computer’s memory');
    // Other errors are shown as they are.
    expect(messageOf(new ModelError('m.onnx: not a model file'))).toBe('m.onnx: not a model file');
  });
});
