// The renderer's pure drawing modules: colormaps, the x* → RGBA mapping the gallery, the
// export and the CLI share, and the gallery's virtualised geometry.
import { describe, expect, it } from 'vitest';
import { colormapLut, colormapStops, lucidByte, lutIndex, LUT_CENTRE, LUT_SIZE } from '../../workers/imaging/colormap';
import { cellAt, cellPosition, fitInCell, layoutGallery, scrollToReveal, visibleRanges } from '../../renderer/src/render/gallery-layout';
import { barsImage, imagePixels, inputLayout, renderThumbnail, upscaleNearest } from '../../workers/imaging/thumbnail';
import { dataUnitsOf } from '../../workers/imaging/data-units';
import { renderInputThumbnail } from '../../workers/imaging/input-layout';

const hex = (h: string): number[] => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));

describe('colormaps', () => {
  it('red–blue ends and middle are ColorBrewer RdBu’s colours, negative blue', () => {
    const lut = colormapLut('rdbu');
    expect(Array.from(lut.subarray(0, 3))).toEqual(hex('#053061'));
    expect(Array.from(lut.subarray(LUT_CENTRE * 3, LUT_CENTRE * 3 + 3))).toEqual(hex('#f7f7f7'));
    expect(Array.from(lut.subarray((LUT_SIZE - 1) * 3))).toEqual(hex('#67001f'));
  });

  it('zero is the exact middle, ±m the ends, and the mapping is symmetric', () => {
    expect(lutIndex(0, 3)).toBe(LUT_CENTRE);
    expect(lutIndex(-3, 3)).toBe(0);
    expect(lutIndex(3, 3)).toBe(LUT_SIZE - 1);
    expect(lutIndex(10, 3)).toBe(LUT_SIZE - 1);
    for (const v of [0.1, 0.7, 1.3, 2.9]) expect(lutIndex(v, 3) - LUT_CENTRE).toBe(LUT_CENTRE - lutIndex(-v, 3));
    // A dead neuron (m = 0) and non-finite values are drawn as zero.
    expect(lutIndex(1, 0)).toBe(LUT_CENTRE);
    expect(lutIndex(Number.NaN, 1)).toBe(LUT_CENTRE);
  });

  it('legend stops are the LUT’s own colours', () => {
    const lut = colormapLut('viridis');
    const stops = colormapStops('viridis', 3);
    expect(stops[0]).toBe(`rgb(${lut[0]}, ${lut[1]}, ${lut[2]})`);
    expect(stops[2]).toBe(`rgb(${lut[(LUT_SIZE - 1) * 3]}, ${lut[(LUT_SIZE - 1) * 3 + 1]}, ${lut[(LUT_SIZE - 1) * 3 + 2]})`);
  });

  it('Lucid’s RGB mapping is x / (2·m) + ½', () => {
    expect(lucidByte(-2, 2)).toBe(0);
    expect(lucidByte(2, 2)).toBe(255);
    expect(lucidByte(1, 2)).toBe(Math.round(0.75 * 255));
    expect(lucidByte(0, 0)).toBe(128);
  });
});

describe('x* → pixels', () => {
  it('lays out inputs: vectors, sequences, channels-first and channels-last images', () => {
    expect(inputLayout([784], false)).toEqual({ kind: 'vector', length: 784 });
    expect(inputLayout([3, 64], false)).toMatchObject({ kind: 'sequence', channels: 3, length: 64 });
    expect(inputLayout([64, 3], true)).toMatchObject({ kind: 'sequence', channels: 3, length: 64, channelsLast: true });
    expect(inputLayout([28, 28], false)).toMatchObject({ kind: 'image', channels: 1, height: 28, width: 28 });
    expect(inputLayout([3, 32, 32], false)).toMatchObject({ kind: 'image', channels: 3, height: 32, width: 32, channelsLast: false });
    expect(inputLayout([32, 32, 3], true)).toMatchObject({ kind: 'image', channels: 3, height: 32, width: 32, channelsLast: true });
  });

  it('a single channel is the colormap of each value, pixel by pixel', () => {
    const x = Float32Array.from([-1, 0, 0.5, 1]);
    const img = imagePixels(x, 0, { kind: 'image', channels: 1, height: 2, width: 2, channelsLast: false }, 'gray', 1);
    // Grey goes from black to white: value v ↦ 255·index/(LUT_SIZE−1) with index = round((v/2+½)(LUT_SIZE−1)).
    const grey = (v: number): number => Math.round((255 * Math.round((v / 2 + 0.5) * (LUT_SIZE - 1))) / (LUT_SIZE - 1));
    expect(Array.from(img.data)).toEqual([-1, 0, 0.5, 1].flatMap((v) => [grey(v), grey(v), grey(v), 255]));
  });

  it('channels-last RGB shows the same picture as its channels-first transpose', () => {
    const h = 2;
    const w = 3;
    const first = new Float32Array(3 * h * w);
    const last = new Float32Array(3 * h * w);
    for (let c = 0; c < 3; c++) for (let p = 0; p < h * w; p++) {
      const v = Math.sin(c * 7 + p);
      first[c * h * w + p] = v;
      last[p * 3 + c] = v;
    }
    const a = imagePixels(first, 0, { kind: 'image', channels: 3, height: h, width: w, channelsLast: false }, 'rdbu', 1);
    const b = imagePixels(last, 0, { kind: 'image', channels: 3, height: h, width: w, channelsLast: true }, 'rdbu', 1);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(a.data[0]).toBe(lucidByte(first[0], 1));
    expect(a.data[1]).toBe(lucidByte(first[h * w], 1));
  });

  it('upscales by an integer factor with nearest neighbours (crisp pixels)', () => {
    const img = { width: 2, height: 1, data: Uint8ClampedArray.from([1, 2, 3, 4, 5, 6, 7, 8]) };
    const up = upscaleNearest(img, 2);
    expect(up.width).toBe(4);
    expect(up.height).toBe(2);
    expect(Array.from(up.data)).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8, 1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8]);
    const thumb = renderThumbnail(new Float32Array(2 * 28 * 28), 1, inputLayout([1, 28, 28], false), { colormap: 'rdbu', scale: 1, size: 72 });
    expect([thumb.width, thumb.height]).toEqual([56, 56]);
  });

  it('draws a vector’s bars up for positive values and down for negative ones', () => {
    const img = barsImage(Float32Array.from([1, -1]), 0, 2, 'rdbu', 1, 8, 9);
    const alpha = (x: number, y: number): number => img.data[(y * 8 + x) * 4 + 3];
    expect(alpha(1, 0)).toBe(255); // bar 0 reaches the top
    expect(alpha(1, 8)).toBe(0);
    expect(alpha(5, 8)).toBe(255); // bar 1 reaches the bottom
    expect(alpha(5, 0)).toBe(0);
  });
});

describe('x* in data units (what the model sees)', () => {
  it('RGB pixels are reference + x* mapped lo → 0, hi → 255 and clipped, in either channel order', () => {
    // Range [-1, 3]: a byte is round((v + 1)/4 · 255), 0 below −1, 255 above 3.
    const x = Float32Array.from([0.5, -3, 1, 2.5, /* G */ 0, 0, -0.5, 1, /* B */ 4, -1, 0.25, 0]);
    const base = Float32Array.from([0, 1, 1, 1, /* G */ -1, 3, 1, 0, /* B */ 0, 0, 0, 1]);
    const units = { range: [-1, 3] as const, base };
    const first = imagePixels(x, 0, { kind: 'image', channels: 3, height: 2, width: 2, channelsLast: false }, 'rdbu', 1, units);
    // Pixel by pixel, by hand: R = 0.5, −2 (clipped), 2, 3.5 (clipped); G = −1, 3, 0.5, 1; B = 4 (clipped), −1, 0.25, 1.
    expect(Array.from(first.data)).toEqual([96, 0, 255, 255, 0, 255, 0, 255, 191, 96, 80, 255, 255, 128, 128, 255]);
    const last = new Float32Array(12);
    const lastBase = new Float32Array(12);
    for (let c = 0; c < 3; c++) for (let p = 0; p < 4; p++) [last[p * 3 + c], lastBase[p * 3 + c]] = [x[c * 4 + p], base[c * 4 + p]];
    const b = imagePixels(last, 0, { kind: 'image', channels: 3, height: 2, width: 2, channelsLast: true }, 'rdbu', 1, { range: [-1, 3], base: lastBase });
    expect(Array.from(b.data)).toEqual(Array.from(first.data));
  });

  it('one channel is grey; readable ascent’s x* (no base) is drawn as the image it is; a crop cuts the base with x*', () => {
    const x = Float32Array.from([0, 0.25, 0.5, 1.5]);
    const grey = imagePixels(x, 0, { kind: 'image', channels: 1, height: 2, width: 2, channelsLast: false }, 'rdbu', 1, { range: [0, 1], base: null });
    expect(Array.from(grey.data)).toEqual([0, 64, 128, 255].flatMap((g) => [g, g, g, 255]));
    // A 1×3×3 input, the box [1, 1, 2, 2]: pixels (1,1) (1,2) (2,1) (2,2) with their own base values.
    const full = Float32Array.from([9, 9, 9, 9, 0.125, 0.25, 9, 0.375, -0.375]);
    const base = Float32Array.from([9, 9, 9, 9, 0.5, 0.5, 9, 0.5, 0.5]);
    const cut = renderInputThumbnail(full, 0, { shape: [1, 3, 3], channelsLast: false, crop: [1, 1, 2, 2] }, { colormap: 'rdbu', scale: 9, size: 2, units: { range: [0, 1], base } });
    // Thumbnails are at least 4 pixels a side: the 2×2 crop is upscaled twice.
    const want = { width: 2, height: 2, data: Uint8ClampedArray.from([0.625, 0.75, 0.875, 0.125].flatMap((v) => [Math.round(v * 255), Math.round(v * 255), Math.round(v * 255), 255])) };
    expect(Array.from(cut.data)).toEqual(Array.from(upscaleNearest(want, 2).data));
  });

  it('which modes draw in data units, and on what base', () => {
    const reference = Float32Array.from([0.2, 0.4]);
    expect(dataUnitsOf({ mode: 'exact' }, [0, 1], 2)).toBeNull();
    expect(dataUnitsOf({ mode: 'local', reference }, [0, 1], 2)).toEqual({ range: [0, 1], base: reference });
    expect(dataUnitsOf({ mode: 'surrogate' }, [-1, 3], 2)).toEqual({ range: [-1, 3], base: Float32Array.from([1, 1]) });
    expect(dataUnitsOf({ mode: 'ascent', ascent: { style: 'readable' } }, [0, 1], 2)).toEqual({ range: [0, 1], base: null });
    expect(dataUnitsOf({ mode: 'ascent' }, [0, 1], 2)?.base).toEqual(Float32Array.from([0.5, 0.5]));
  });
});

describe('gallery geometry', () => {
  const metrics = { thumb: 60, label: 18, gap: 10, header: 50, padding: 16, width: 16 + 16 + 70 * 10 - 10 };
  const layout = layoutGallery([{ id: 'a', neurons: 25 }, { id: 'b', neurons: 4096 }], metrics);

  it('puts ten cells per row here and stacks the layers', () => {
    expect(layout.sections.map((s) => [s.cols, s.rows])).toEqual([[10, 3], [10, 410]]);
    expect(layout.sections[1].top).toBe(layout.sections[0].height);
  });

  it('finds each neuron back at its own position', () => {
    for (const [si, n] of [[0, 0], [0, 24], [1, 0], [1, 1234], [1, 4095]] as const) {
      const s = layout.sections[si];
      const p = cellPosition(layout, s, n);
      expect(cellAt(layout, p.x + 5, p.y + 5)).toEqual({ layer: s.layer, neuron: n });
    }
    expect(cellAt(layout, 5, layout.sections[0].gridTop + 5)).toBeNull();
  });

  it('lists only the rows on screen of a 4,096-neuron layer', () => {
    const s = layout.sections[1];
    const top = s.gridTop + 100 * 88;
    const ranges = visibleRanges(layout, top, 600);
    expect(ranges).toHaveLength(1);
    expect(ranges[0].from).toBe(1000);
    expect(ranges[0].to - ranges[0].from).toBeLessThanOrEqual(80);
  });

  it('scrolls just enough to reveal a neuron', () => {
    expect(scrollToReveal(layout, 'a', 0, 0, 600)).toBeNull();
    const to = scrollToReveal(layout, 'b', 4095, 0, 600)!;
    const p = cellPosition(layout, layout.sections[1], 4095);
    expect(to).toBe(p.y + 88 - 600);
  });
});

describe('thumbnails in their cells', () => {
  it('shrinks an image larger than the cell to fit, keeping its aspect, and leaves smaller ones alone', () => {
    expect(fitInCell(240, 120, 64)).toEqual({ width: 64, height: 32 });
    expect(fitInCell(96, 192, 64)).toEqual({ width: 32, height: 64 });
    expect(fitInCell(28, 28, 64)).toEqual({ width: 28, height: 28 });
  });
});
