// What the app keeps of each x* (issue 18): thumbnails drawn from the cut (and, when large,
// block-averaged) row the layer keeps, and full rows in a byte-bounded LRU that lets go of the
// least recently used.
import { describe, expect, it } from 'vitest';
import { RowCache } from '../../renderer/src/domain/row-cache';
import { LayerData, keptBytesPerNeuron } from '../../renderer/src/domain/layer-data';
import { cropRows, renderInputThumbnail, thumbnailDrawing } from '../../workers/imaging/input-layout';
import { inputLayout, renderThumbnail } from '../../workers/imaging/thumbnail';
import { keepRow, thumbGeometry } from '../../workers/imaging/thumb-source';
import type { LayerInfo } from '../../workers/engine/prepare';
import type { LayerResult } from '../../workers/engine/layer-result';

/** Deterministic values in [-1, 1). */
function values(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = s / 1073741824 - 1;
  }
  return out;
}

describe('the row cache', () => {
  it('keeps rows within its byte budget and lets go of the least recently used first', () => {
    const cache = new RowCache(3 * 40);
    for (const k of ['a', 'b', 'c']) cache.put(k, new Float32Array(10));
    expect(cache.bytes).toBe(120);
    // Reading 'a' makes 'b' the oldest.
    expect(cache.get('a')).toBeDefined();
    cache.put('d', new Float32Array(10));
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => cache.get(k) !== undefined)).toEqual([true, true, true]);
    expect(cache.bytes).toBe(120);
    // Replacing a row counts its bytes once; a row larger than the budget is not kept.
    cache.put('a', new Float32Array(20));
    expect(cache.bytes).toBeLessThanOrEqual(120);
    expect(cache.get('a')?.length).toBe(20);
    cache.put('huge', new Float32Array(100));
    expect(cache.get('huge')).toBeUndefined();
    cache.setBudget(40);
    expect(cache.size).toBe(0);
    cache.put('e', new Float32Array(10));
    expect(cache.size).toBe(1);
    cache.clear();
    expect([cache.size, cache.bytes]).toEqual([0, 0]);
  });
});

describe('the rows kept for thumbnails', () => {
  it('keeps a small cut exactly: the same values as the crop the CLI draws', () => {
    const shape = [3, 20, 16];
    const row = values(3 * 20 * 16);
    const g = thumbGeometry({ shape, channelsLast: false, crop: [2, 3, 7, 5] });
    expect(g).toMatchObject({ shape: [3, 7, 5], factor: 1 });
    expect(keepRow(row, g)).toEqual(cropRows(row, shape, false, [2, 3, 7, 5]).xstar);
    // No crop, no image: the row itself.
    const v = values(30);
    expect(keepRow(v, thumbGeometry({ shape: [30], channelsLast: false, crop: null }))).toEqual(v);
  });

  it('averages a large cut over f×f blocks, edge blocks over what they hold, in either channel order', () => {
    const [H, W] = [224, 224];
    const first = values(3 * H * W, 7);
    const g = thumbGeometry({ shape: [3, H, W], channelsLast: false, crop: [10, 0, 101, 222] });
    // 222 / 64 → blocks of 4: 101 rows → 26 (the last of one row), 222 columns → 56 (the last of two).
    expect(g).toMatchObject({ shape: [3, 26, 56], factor: 4 });
    const kept = keepRow(first, g);
    for (const [c, by, bx] of [[0, 0, 0], [1, 7, 13], [2, 25, 55], [2, 25, 0], [0, 3, 55]]) {
      let sum = 0;
      let count = 0;
      for (let y = 10 + by * 4; y < Math.min(111, 10 + by * 4 + 4); y++) {
        for (let x = bx * 4; x < Math.min(222, bx * 4 + 4); x++) {
          sum += first[c * H * W + y * W + x];
          count++;
        }
      }
      expect(kept[c * 26 * 56 + by * 56 + bx]).toBeCloseTo(sum / count, 5);
    }
    // The same picture channels-last keeps the same blocks, channels-last.
    const last = new Float32Array(first.length);
    for (let c = 0; c < 3; c++) for (let p = 0; p < H * W; p++) last[p * 3 + c] = first[c * H * W + p];
    const gl = thumbGeometry({ shape: [H, W, 3], channelsLast: true, crop: [10, 0, 101, 222] });
    expect(gl.shape).toEqual([26, 56, 3]);
    const keptLast = keepRow(last, gl);
    for (let c = 0; c < 3; c++) for (let p = 0; p < 26 * 56; p++) expect(keptLast[p * 3 + c]).toBeCloseTo(kept[c * 26 * 56 + p], 6);
    // A 64-pixel input is kept whole, and, being large, a byte a value; a 32-pixel one in floats.
    expect(thumbGeometry({ shape: [3, 64, 64], channelsLast: false, crop: null }).factor).toBe(1);
    expect(keptBytesPerNeuron(thumbGeometry({ shape: [3, 64, 64], channelsLast: false, crop: null }))).toBe(3 * 64 * 64 + 22);
    expect(keptBytesPerNeuron(thumbGeometry({ shape: [3, 32, 32], channelsLast: false, crop: null }))).toBe(4 * 3 * 32 * 32 + 22);
  });
});

function layerInfo(neurons: number): LayerInfo {
  return { id: 'conv', name: 'conv', op: 'Conv', node: 'conv', outputShape: [1, neurons, 1, 1], featureShape: [neurons, 1, 1], channelAxis: 0, neurons, reuses: [] };
}

function result(neurons: number[], size: number, seed: number): LayerResult {
  const n = neurons.length;
  return { layer: 'conv', neurons, inputShape: [], xstar: values(n * size, seed), norms: new Float32Array(n).fill(2), activations: new Float32Array(n), baselines: new Float32Array(n), dead: new Uint8Array(n), linearisedAt: [] };
}

describe('a layer’s results in the app', () => {
  const settings = { mode: 'exact' as const, objective: { kind: 'neuron' as const }, radius: 1 };

  it('draws thumbnails of a small input from its kept rows pixel for pixel as from the full rows, and lets full rows go to the cache', () => {
    const drawing = thumbnailDrawing({ inputShape: [1, 12, 12], inputLayout: 'NCHW', imageShape: null }, [1, 2, 8, 9]);
    const geometry = thumbGeometry(drawing);
    const size = 144;
    // Room for two full rows.
    const cache = new RowCache(2 * size * 4);
    const data = new LayerData(layerInfo(4), 'k', size, 4, geometry, cache, settings);
    const r = { ...result([0, 1, 2, 3], size, 3), inputShape: [1, 12, 12] };
    data.accept(r);
    expect(data.received).toBe(4);
    for (let n = 0; n < 4; n++) {
      const full = r.xstar.subarray(n * size, (n + 1) * size);
      const options = { colormap: 'rdbu' as const, scale: data.neuronMax[n], size: 40 };
      const fromFull = renderInputThumbnail(full, 0, drawing, options);
      const fromKept = renderThumbnail(data.keptRow(n)!, 0, inputLayout(geometry.shape, false), options);
      expect(Buffer.from(fromKept.data).equals(Buffer.from(fromFull.data))).toBe(true);
      expect(data.neuronMax[n]).toBe(Math.max(...Array.from(full, Math.abs)));
    }
    // The two most recent full rows are held; the others come back only when given again.
    expect([0, 1, 2, 3].map((n) => data.row(n) !== null)).toEqual([false, false, true, true]);
    const again = r.xstar.slice(0, size);
    data.restore(0, again);
    expect(data.row(0)).toEqual(again);
    expect(data.row(2)).toBeNull();
    // A layer whose failures are forgotten keeps what arrived.
    const fresh = data.withoutFailures();
    expect(fresh.received).toBe(4);
    expect(fresh.keptRow(3)).toEqual(data.keptRow(3));
    expect(fresh.row(0)).toEqual(again);
  });

  it('keeps a 224-pixel input reduced to a byte a value, within half a step of the block averages', () => {
    const drawing = thumbnailDrawing({ inputShape: [3, 224, 224], inputLayout: 'NCHW', imageShape: null }, null);
    const geometry = thumbGeometry(drawing);
    const size = 3 * 224 * 224;
    expect(keptBytesPerNeuron(geometry)).toBe(3 * 56 * 56 + 22);
    const data = new LayerData(layerInfo(2), 'k', size, 2, geometry, new RowCache(0), settings);
    const r = { ...result([1, 0], size, 5), inputShape: [3, 224, 224] };
    data.accept(r);
    for (const [row, n] of [[0, 1], [1, 0]]) {
      const exact = keepRow(r.xstar.subarray(row * size, (row + 1) * size), geometry);
      const kept = data.keptRow(n)!;
      const m = Math.max(...Array.from(exact, Math.abs));
      for (let i = 0; i < exact.length; i++) expect(Math.abs(kept[i] - exact[i])).toBeLessThanOrEqual(m / 254 + 1e-7);
      expect(data.row(n)).toBeNull();
    }
  });
});
