// Issue 18: the app's export written as it is made. The files are the very bytes, whatever the
// blocks of rows, of the in-memory export (collectExport: all of a layer's rows at once, which
// collect.test holds equal to the whole-layer drawing and the e2e tests to the CLI's), and what it holds
// stays under its budget while the files are many times larger.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { computeNeurons } from '../../workers/engine/compute';
import { prepare } from '../../workers/engine/prepare';
import { ExportCancelled, type ExportFormats, type ExportInput } from '../../workers/export/collect';
import type { GalleryLayer } from '../../workers/export/manifest';
import type { SheetOptions } from '../../workers/export/sprite';
import { blockRows, collectExport, streamExport, type FileSink, type RowSource } from '../../workers/export/stream-export';
import { readModel } from '../../workers/formats/index';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function modelOf(spec: object) {
  return prepare(readModel([{ name: 'm.neurovis.json', bytes: new TextEncoder().encode(JSON.stringify({ format: 'neurovis', version: 1, name: 'm', ...spec })) }]));
}

function engineInput(): ExportInput {
  const model = modelOf({ input: { shape: [2, 6, 6] }, layers: [{ kind: 'conv2d', filters: 12, kernel: 3, name: 'conv' }, { kind: 'flatten' }, { kind: 'dense', units: 120, name: 'fc' }] });
  const settings = { mode: 'exact' as const, objective: { kind: 'neuron' as const }, radius: 1 };
  const layers: GalleryLayer[] = model.layers.map((info) => ({ ...computeNeurons(model, info.id, [...Array(info.neurons).keys()], settings), info }));
  return { source: model.graph.source, inputShape: model.inputFeatureShape, inputLayout: model.inputLayout, imageShape: null, settings, layers };
}

/** The rows of the engine's result, handed out a block at a time (copies: the export may not keep them). */
function rowsOf(input: ExportInput): RowSource {
  const size = input.inputShape.reduce((a, b) => a * b, 1);
  return { rows: async (layer, first, count) => input.layers.find((l) => l.layer === layer)!.xstar.slice(first * size, (first + count) * size) };
}

/** A folder in memory. */
function memorySink(): { sink: FileSink; files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  const sink: FileSink = {
    create: async (name) => {
      expect(files.has(name), name).toBe(false);
      const parts: Uint8Array[] = [];
      return {
        write: async (bytes) => void parts.push(bytes.slice()),
        close: async () => void files.set(name, Buffer.concat(parts)),
      };
    },
  };
  return { sink, files };
}

const all: ExportFormats = { png: true, svg: true, npy: true, json: true };

describe('streamExport', () => {
  const cases: [string, SheetOptions, number][] = [
    ['one row a block, per-neuron scale', { colormap: 'rdbu', scale: 'neuron', factor: 3, showValues: true }, 1],
    ['blocks of 7 rows, layer scale, several sheets a layer', { colormap: 'viridis', scale: 'layer', factor: 2, showValues: false, maxSide: 300 }, 7 * 3 * 4 * 72],
    ['all rows at once, automatic factor', { colormap: 'rdbu', scale: 'neuron', factor: 0, showValues: true }, 1024 ** 2],
  ];
  for (const [what, options, holdBytes] of cases) {
    it(`writes the same files, byte for byte, as the in-memory export: ${what}`, async () => {
      const input = engineInput();
      const expected = new Map((await collectExport(input, all, options, { pause: async () => {} })).map((f) => [f.name, f.bytes]));
      const { sink, files } = memorySink();
      const progress: number[] = [];
      await streamExport({ ...input, layers: input.layers.map((l) => ({ ...l, xstar: new Float32Array(0) })) }, all, options, rowsOf(input), sink, holdBytes, { pause: async () => {}, onProgress: (d) => progress.push(d) });
      expect([...files.keys()].sort()).toEqual([...expected.keys()].sort());
      if (options.maxSide) expect([...files.keys()].filter((n) => n.startsWith('fc.sheet')).length).toBeGreaterThan(2);
      for (const [name, bytes] of expected) expect(Buffer.compare(Buffer.from(files.get(name)!), Buffer.from(bytes)), name).toBe(0);
      expect(progress.at(-1)).toBe(input.layers.reduce((n, l) => n + l.neurons.length, 0));
    });
  }

  it('stops when cancelled', async () => {
    const input = engineInput();
    const controller = new AbortController();
    const { sink, files } = memorySink();
    const run = streamExport(input, all, { colormap: 'rdbu', scale: 'neuron', factor: 1, showValues: true }, rowsOf(input), sink, 1, {
      signal: controller.signal,
      pause: async () => {},
      onProgress: (done) => {
        if (done >= 10) controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(ExportCancelled);
    expect(files.has('manifest.json')).toBe(false);
  });

  it('holds at most its budget while it writes a .npy many times larger (1,200 rows of 3×64×64: 59 MB, budget 8 MB)', async () => {
    const model = modelOf({ input: { shape: [3, 64, 64] }, layers: [{ kind: 'flatten' }, { kind: 'dense', units: 1200, name: 'wide' }] });
    const info = model.layers.find((l) => l.id === 'wide')!;
    const n = info.neurons;
    const size = 3 * 64 * 64;
    const zeros = new Float32Array(n);
    const layer: GalleryLayer = { info, layer: info.id, neurons: [...Array(n).keys()], inputShape: [3, 64, 64], xstar: new Float32Array(0), norms: new Float32Array(n).fill(1), activations: zeros, baselines: zeros, dead: new Uint8Array(n), linearisedAt: [] };
    const input: ExportInput = { source: model.graph.source, inputShape: [3, 64, 64], inputLayout: model.inputLayout, imageShape: null, settings: { mode: 'exact', objective: { kind: 'neuron' }, radius: 1 }, layers: [layer] };
    const value = (row: number, i: number): number => Math.fround(Math.sin(row * 7919 + i));
    const source: RowSource = {
      rows: async (_layer, first, count) => {
        const out = new Float32Array(count * size);
        for (let r = 0; r < count; r++) for (let i = 0; i < size; i++) out[r * size + i] = value(first + r, i);
        return out;
      },
    };
    const budget = 8 * 1024 ** 2;
    gc();
    const base = process.memoryUsage().arrayBuffers;
    let peak = 0;
    let heldPeak = 0;
    let written = 0;
    let checked = 0;
    let header = -1;
    const sink: FileSink = {
      create: async (name) => ({
        write: async (bytes) => {
          peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
          if (name.endsWith('.npy')) {
            // Checks every value as it passes, keeping nothing: the file is never whole here.
            if (header < 0) header = bytes.length;
            else {
              const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
              for (let k = 0; k < bytes.length / 4; k++, checked++) if (view.getFloat32(k * 4, true) !== value(Math.floor(checked / size), checked % size)) throw new Error(`value ${checked} differs`);
            }
            written += bytes.length;
          }
          gc();
        },
        close: async () => {},
      }),
    };
    await streamExport(input, { png: false, svg: false, npy: true, json: true }, { colormap: 'rdbu', scale: 'neuron', factor: 0, showValues: true }, source, sink, budget, { pause: async () => {}, onHeld: (b) => (heldPeak = Math.max(heldPeak, b)) });
    expect(checked).toBe(n * size);
    expect(written - header).toBe(n * size * 4);
    expect(blockRows(size, budget)).toBeGreaterThan(1);
    expect(heldPeak).toBeLessThanOrEqual(budget);
    // Measured by the runtime, not by the export's own count: the live array buffers.
    expect(peak).toBeLessThan(budget + 4 * 1024 ** 2);
    expect(n * size * 4).toBeGreaterThan(7 * budget);
  });
});
