import { describe, expect, it } from 'vitest';
import { computeNeurons } from '../../workers/engine/compute';
import { prepare } from '../../workers/engine/prepare';
import { ExportCancelled, expectedFileCount, type ExportInput } from '../../workers/export/collect';
import { collectExport } from '../../workers/export/stream-export';
import { unionCrop } from '../../workers/engine/receptive-field';
import { drawnGallery, layerImageFiles } from '../../workers/export/layer-images';
import type { GalleryLayer } from '../../workers/export/manifest';
import type { SheetOptions } from '../../workers/export/sprite';
import { readModel } from '../../workers/formats/index';
import { decodeNpy } from '../../workers/formats/numpy/npy';
import { decodePng } from './decode-png';
import { DOMParser } from '@xmldom/xmldom';

const spec = JSON.stringify({
  format: 'neurovis',
  version: 1,
  name: 'tiny-conv',
  input: { shape: [1, 5, 5] },
  layers: [{ kind: 'conv2d', filters: 2, kernel: 2, name: 'conv' }, { kind: 'flatten' }, { kind: 'dense', units: 4, name: 'fc' }],
});

function engineInput(): ExportInput {
  const model = prepare(readModel([{ name: 'tiny.neurovis.json', bytes: new TextEncoder().encode(spec) }]));
  const settings = { mode: 'exact' as const, objective: { kind: 'neuron' as const }, radius: 1 };
  const layers: GalleryLayer[] = model.layers.map((info) => ({ ...computeNeurons(model, info.id, [...Array(info.neurons).keys()], settings), info }));
  return { source: model.graph.source, inputShape: model.inputFeatureShape, inputLayout: model.inputLayout, imageShape: null, settings, layers };
}

const options: SheetOptions = { colormap: 'rdbu', scale: 'neuron', factor: 3, showValues: true };
const all = { png: true, svg: true, npy: true, json: true };

describe('collectExport (the app export)', () => {
  it('makes every file: .npy equal to the engine, images equal to the CLI path, a manifest, with progress', async () => {
    const input = engineInput();
    const progress: [number, number][] = [];
    const files = await collectExport(input, all, options, { onProgress: (d, t) => progress.push([d, t]), pause: async () => {} });
    expect(files).toHaveLength(expectedFileCount(input, all));
    const neurons = input.layers.reduce((n, l) => n + l.neurons.length, 0);
    expect(progress.at(-1)).toEqual([neurons, neurons]);
    const byName = new Map(files.map((f) => [f.name, f.bytes]));
    for (const l of input.layers) {
      const npy = decodeNpy(byName.get(`${l.info.id}.npy`)!, l.info.id);
      expect(npy.shape).toEqual([l.norms.length, 1, 5, 5]);
      expect(Array.from(npy.data)).toEqual(Array.from(l.xstar));
      const g = drawnGallery(l.info.name, l.xstar, { shape: [1, 5, 5], channelsLast: false }, { activations: l.activations, crop: unionCrop(l.info.crops, 'neuron') });
      for (const f of layerImageFiles(g, l.info.id, all, options)) {
        const name = f.folder ? `${f.folder}.${f.name}` : f.name;
        const bytes = byName.get(name)!;
        expect(bytes, name).toBeDefined();
        if (name.endsWith('.png')) expect(Array.from(decodePng(bytes).data)).toEqual(Array.from(decodePng(f.bytes as Uint8Array).data));
        else expect(new TextDecoder().decode(bytes)).toBe(f.bytes);
      }
    }
    const manifest = JSON.parse(new TextDecoder().decode(byName.get('manifest.json')!));
    expect(manifest.layers.map((l: { file: string }) => l.file)).toEqual(input.layers.map((l) => `${l.info.id}.npy`));
  });

  it('stops when cancelled and returns no files', async () => {
    const input = engineInput();
    const controller = new AbortController();
    let made = 0;
    const result = collectExport(input, all, options, {
      signal: controller.signal,
      pause: async () => {},
      onProgress: (done) => {
        made = done;
        if (done > 0) controller.abort();
      },
    });
    await expect(result).rejects.toBeInstanceOf(ExportCancelled);
    // Stopped after the first layer.
    expect(made).toBe(input.layers[0].neurons.length);
  });

  it("puts the output layer's class names on its sheets and in the manifest, for a preview's rows too", async () => {
    const input = engineInput();
    const names = ['zero', 'one', 'two', 'three'];
    const layers = input.layers.map((l) => (l.info.id === 'fc' ? { ...l, info: { ...l.info, labels: names } } : l));
    const fc = layers.find((l) => l.info.id === 'fc')!;
    // A preview of neurons 3 and 1 of fc.
    const rows = [3, 1];
    const preview = { ...fc, neurons: rows, total: 4, xstar: fc.xstar.slice(0, 2 * 25), norms: fc.norms.slice(0, 2), activations: fc.activations.slice(0, 2), baselines: fc.baselines.slice(0, 2), dead: fc.dead.slice(0, 2) };
    const files = await collectExport({ ...input, layers: [preview] }, all, options, { pause: async () => {} });
    const byName = new Map(files.map((f) => [f.name, new TextDecoder().decode(f.bytes)]));
    const svgText = Array.from(new DOMParser().parseFromString(byName.get('fc.svg')!, 'image/svg+xml').getElementsByTagName('text'), (t) => t.textContent);
    expect(svgText).toEqual(expect.arrayContaining(['three', 'one']));
    expect(svgText).not.toContain('zero');
    expect(JSON.parse(byName.get('manifest.json')!).layers[0].labels).toEqual(names);
  });
});
