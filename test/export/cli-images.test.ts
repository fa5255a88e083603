import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { FIXTURES } from '../fixtures/keras/oracle';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colormapLut } from '../../workers/imaging/colormap';
import { computeNeurons } from '../../workers/engine/compute';
import { prepare } from '../../workers/engine/prepare';
import { readModel } from '../../workers/formats/index';
import { decodeNpy, encodeNpy } from '../../workers/formats/numpy/npy';
import { unionCrop } from '../../workers/engine/receptive-field';
import { DEFAULT_SHEET_OPTIONS, drawnGallery, resolveOptions } from '../../workers/export/layer-images';
import { layoutSheets } from '../../workers/export/sprite';
import { buildTestCli } from './build-cli';
import { decodePng, pixel } from './decode-png';

let cli: string;

/** A small convolutional net: 1×6×6 input, 2 filters of 3×3 (32 neurons), then 3 dense units. */
export const CONV_NET = JSON.stringify({
  format: 'neurovis',
  version: 1,
  name: 'tiny-conv',
  input: { shape: [1, 6, 6] },
  layers: [{ kind: 'conv2d', filters: 2, kernel: 3, name: 'conv' }, { kind: 'flatten', name: 'flat' }, { kind: 'dense', units: 3, name: 'fc' }],
});

let work: string;
beforeAll(async () => {
  cli = await buildTestCli();
  work = mkdtempSync(join(tmpdir(), 'neurovis-export-'));
  writeFileSync(join(work, 'tiny.neurovis.json'), CONV_NET);
});

afterAll(() => {
  rmSync(dirname(cli), { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('neurovis gallery --format png,svg', () => {
  it('writes, by default, .npy, manifest, PNG and SVG sheets and per-neuron PNGs that match the engine', () => {
    const out = join(work, 'out');
    const r = spawnSync(process.execPath, [cli, 'gallery', join(work, 'tiny.neurovis.json'), '--out', out, '--radius', '1', '--workers', '0', '--quiet'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const model = prepare(readModel([{ name: 'tiny.neurovis.json', bytes: new TextEncoder().encode(CONV_NET) }]));
    const lut = colormapLut(DEFAULT_SHEET_OPTIONS.colormap);
    for (const entry of manifest.layers) {
      const layer = model.layers.find((l) => l.id === entry.id)!;
      const computed = computeNeurons(model, layer.id, [...Array(layer.neurons).keys()], { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 });
      const npy = decodeNpy(new Uint8Array(readFileSync(join(out, entry.file))), entry.file);
      expect(npy.shape).toEqual([layer.neurons, 1, 6, 6]);
      expect(Array.from(npy.data)).toEqual(Array.from(computed.xstar));

      const base = entry.file.replace(/\.npy$/, '');
      // Thumbnails show the receptive field (the valid conv's centre (1, 1) sees 3×3 pixels; the dense layer all 6×6).
      expect(entry.crop).toEqual(layer.id === 'conv' ? [1, 1, 3, 3] : null);
      expect(entry.crop).toEqual(unionCrop(layer.crops, 'neuron'));
      const [y0, x0, h, w] = (entry.crop as number[] | null) ?? [0, 0, 6, 6];
      const gallery = drawnGallery(layer.name, computed.xstar, { shape: [1, 6, 6], channelsLast: false }, { activations: computed.activations, crop: entry.crop });
      const options = resolveOptions(gallery, DEFAULT_SHEET_OPTIONS);
      const f = options.factor;
      expect(f).toBe(Math.floor(64 / Math.max(h, w)));
      const [layout] = layoutSheets(gallery, w * f, h * f, options);
      const sheet = decodePng(new Uint8Array(readFileSync(join(out, `${base}.png`))));
      expect([sheet.width, sheet.height]).toEqual([layout.width, layout.height]);
      const neuronFiles = readdirSync(join(out, base)).sort();
      expect(neuronFiles).toHaveLength(layer.neurons);
      for (const cell of layout.cells) {
        const row = computed.xstar.subarray(cell.neuron * 36, (cell.neuron + 1) * 36);
        const m = row.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
        const own = decodePng(new Uint8Array(readFileSync(join(out, base, neuronFiles[cell.neuron]))));
        expect([own.width, own.height]).toEqual([w * f, h * f]);
        for (let p = 0; p < 36; p++) {
          const [i, j] = [Math.floor(p / 6) - y0, (p % 6) - x0];
          if (i < 0 || j < 0 || i >= h || j >= w) {
            expect(row[p]).toBe(0);
            continue;
          }
          const k = Math.round((row[p] / (2 * m) + 0.5) * 254) * 3;
          const want = [lut[k], lut[k + 1], lut[k + 2], 255];
          const [x, y] = [j * f + (f >> 1), i * f + (f >> 1)];
          expect(pixel(sheet, cell.x + x, cell.y + y)).toEqual(want);
          expect(pixel(own, x, y)).toEqual(want);
        }
      }
      const svg = readFileSync(join(out, `${base}.svg`), 'utf8');
      const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
      expect(doc.getElementsByTagName('image')).toHaveLength(layer.neurons + 1);
    }
  });

  it('draws x* in data units: each per-neuron PNG pixel is reference + x* through the value range, clipped; --stretch-contrast draws x* alone', () => {
    const [lo, hi] = [-1, 3];
    // A reference spread over the range, so that reference + x* leaves it (and clips) at some pixels.
    const x0 = Float32Array.from({ length: 36 }, (_, i) => lo + ((i * 7) % 36) * ((hi - lo) / 35));
    writeFileSync(join(work, 'x0.npy'), encodeNpy([1, 6, 6], x0));
    const run = (name: string, ...extra: string[]) => {
      const out = join(work, name);
      const r = spawnSync(process.execPath, [cli, 'gallery', join(work, 'tiny.neurovis.json'), '--out', out, '--mode', 'local', '--reference', join(work, 'x0.npy'), '--value-range', `${lo},${hi}`, '--layers', 'conv', '--format', 'png,npy,json', '--workers', '0', '--quiet', ...extra], { encoding: 'utf8', timeout: 60_000 });
      expect(r.stderr).toBe('');
      return out;
    };
    const out = run('units');
    const stretched = run('stretched', '--stretch-contrast');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const entry = manifest.layers[0];
    const x = decodeNpy(new Uint8Array(readFileSync(join(out, entry.file))), entry.file).data;
    const [y0, c0, h, w] = entry.crop as number[];
    const base = entry.file.replace(/\.npy$/, '');
    const files = readdirSync(join(out, base)).sort();
    const lut = colormapLut(DEFAULT_SHEET_OPTIONS.colormap);
    let clipped = 0;
    for (let n = 0; n < files.length; n++) {
      const own = decodePng(new Uint8Array(readFileSync(join(out, base, files[n]))));
      const plain = decodePng(new Uint8Array(readFileSync(join(stretched, base, files[n]))));
      const f = own.width / w;
      const row = x.subarray(n * 36, (n + 1) * 36);
      let m = 0;
      for (const v of row) m = Math.max(m, Math.abs(v));
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const p = (y0 + i) * 6 + c0 + j;
          const seen = x0[p] + row[p];
          const t = Math.min(1, Math.max(0, (seen - lo) / (hi - lo)));
          if (seen < lo || seen > hi) clipped++;
          const g = Math.round(t * 255);
          const [px, py] = [j * f + (f >> 1), i * f + (f >> 1)];
          expect(pixel(own, px, py), `neuron ${n} (${i}, ${j})`).toEqual([g, g, g, 255]);
          const k = Math.round((row[p] / (2 * m) + 0.5) * 254) * 3;
          expect(pixel(plain, px, py)).toEqual([lut[k], lut[k + 1], lut[k + 2], 255]);
        }
      }
    }
    expect(clipped).toBeGreaterThan(0);
  });

  it("writes, a row at a time, the very sheet files the CLI wrote when it held a layer's rows (fixtures/cli-sheets, made by 0459972)", () => {
    // The oracle: the sheets of the build before thumbnails were drawn as rows came (issue 18), kept as files.
    const oracle = join(FIXTURES, 'cli-sheets');
    const tiny = join(work, 'same-tiny');
    const tm = join(work, 'same-tm');
    const runs = [
      [join(work, 'tiny.neurovis.json'), '--out', tiny, '--radius', '1'],
      [join(FIXTURES, 'tfjs', 'teachable_machine', 'model.json'), '--out', tm, '--mode', 'surrogate', '--layers', 'sequential_3/dense_Dense2,sequential_1/model1/expanded_conv_depthwise', '--format', 'png,svg'],
    ];
    for (const args of runs) {
      const r = spawnSync(process.execPath, [cli, 'gallery', ...args, '--workers', '0', '--quiet'], { encoding: 'utf8', timeout: 120_000 });
      expect(r.stderr).toBe('');
    }
    const names = readdirSync(oracle).filter((n) => /\.(png|svg)$/.test(n)).sort();
    expect(names).toHaveLength(8);
    for (const name of names) {
      const made = readFileSync(join(name.startsWith('sequential') ? tm : tiny, name));
      expect(made.equals(readFileSync(join(oracle, name))), name).toBe(true);
    }
  });

  it('writes only the formats asked for, with no temporary files left', () => {
    const out = join(work, 'only-svg');
    const r = spawnSync(process.execPath, [cli, 'gallery', join(work, 'tiny.neurovis.json'), '--out', out, '--format', 'svg', '--workers', '0', '--quiet'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['conv.svg', 'fc.svg']);
  });
});

describe('class names on the CLI sheets (a Teachable Machine folder)', () => {
  it("the output layer's PNG sheet has a caption band and its SVG names every class; the manifest lists them", () => {
    const tm = join(work, 'tm');
    cpSync(join(FIXTURES, 'tfjs', 'teachable_machine'), tm, { recursive: true });
    const out = join(work, 'tm-out');
    const output = 'sequential_3/dense_Dense2';
    const r = spawnSync(process.execPath, [cli, 'gallery', join(tm, 'model.json'), '--out', out, '--format', 'png,svg,json', '--layers', output, '--mode', 'surrogate', '--workers', '0', '--quiet'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { imageShape: number[]; layers: { id: string; file: string; labels?: string[] }[] };
    const entry = manifest.layers.find((l) => l.id === output)!;
    expect(entry.labels).toEqual(['Cat', 'Dog', 'Neither']);
    const base = entry.file.replace(/\.npy$/, '');
    const svg = readFileSync(join(out, `${base}.svg`), 'utf8');
    const texts = Array.from(new DOMParser().parseFromString(svg, 'image/svg+xml').getElementsByTagName('text')).map((t) => t.textContent);
    expect(texts).toEqual(expect.arrayContaining(['Cat', 'Dog', 'Neither']));
    // The same sheet without names is one text line shorter per row of cells; the drawn sheet has the named layout's size.
    const sheet = decodePng(new Uint8Array(readFileSync(join(out, `${base}.png`))));
    const thumb = decodePng(new Uint8Array(readFileSync(join(out, base, 'neuron_0.png'))));
    const xstar = new Float32Array(3 * thumb.width * thumb.height);
    const gallery = { title: output, xstar, inputShape: [1, thumb.height, thumb.width], channelsLast: false, activations: new Float32Array(3) };
    const options = { ...DEFAULT_SHEET_OPTIONS, factor: 1 };
    const [named] = layoutSheets({ ...gallery, labels: entry.labels }, thumb.width, thumb.height, options);
    const [plain] = layoutSheets(gallery, thumb.width, thumb.height, options);
    expect([sheet.width, sheet.height]).toEqual([named.width, named.height]);
    expect(named.height).toBeGreaterThan(plain.height);
    // Ink in each caption line, under each thumbnail.
    for (const cell of named.cells) {
      const captionY = cell.y + thumb.height + 2 + 10;
      const ink = Array.from({ length: 7 * 30 }, (_, p) => pixel(sheet, cell.x + (p % 30), captionY + Math.floor(p / 30))[0]).filter((v) => v < 100);
      expect(ink.length, `caption of neuron ${cell.neuron}`).toBeGreaterThan(10);
    }
  });
});
