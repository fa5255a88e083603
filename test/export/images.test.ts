import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { colormapLut } from '../../workers/imaging/colormap';
import { encodePng } from '../../workers/imaging/png';
import { layerImageFiles, neuronFileName, resolveOptions } from '../../workers/export/layer-images';
import { CAPTION_CHARS, INK, layoutSheets, layerThumbnails, MARGIN, type LayerGallery, type SheetOptions } from '../../workers/export/sprite';
import { drawText, GLYPH_HEIGHT, textWidth } from '../../workers/export/font';
import { renderSheetSvg } from '../../workers/export/svg';
import { decodePng, pixel, type DecodedPng } from './decode-png';

/** The colour the colormap gives v under scale m, computed here from Lucid's mapping. */
function expectedColour(colormap: SheetOptions['colormap'], v: number, m: number): [number, number, number] {
  const lut = colormapLut(colormap);
  const i = Math.min(254, Math.max(0, Math.round((v / (2 * m) + 0.5) * 254)));
  return [lut[i * 3], lut[i * 3 + 1], lut[i * 3 + 2]];
}

function pseudoRandom(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  });
}

function rowMax(x: Float32Array, row: number, size: number): number {
  let m = 0;
  for (let i = 0; i < size; i++) m = Math.max(m, Math.abs(x[row * size + i]));
  return m;
}

/** Checks that the thumbnail of `neuron` at (x0, y0) of `img` shows x* through the colormap, upscaled by `factor`. */
function expectHeatmap(img: DecodedPng, x0: number, y0: number, g: LayerGallery, neuron: number, h: number, w: number, factor: number, options: SheetOptions): void {
  const size = h * w;
  const m = options.scale === 'layer' ? g.xstar.reduce((a, v) => Math.max(a, Math.abs(v)), 0) : rowMax(g.xstar, neuron, size);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const want = [...expectedColour(options.colormap, g.xstar[neuron * size + i * w + j], m), 255];
      for (let dy = 0; dy < factor; dy++) for (let dx = 0; dx < factor; dx++) expect(pixel(img, x0 + j * factor + dx, y0 + i * factor + dy)).toEqual(want);
    }
  }
}

const grey: LayerGallery = { title: 'conv1/Conv', xstar: pseudoRandom(10 * 5 * 4, 1), inputShape: [1, 5, 4], channelsLast: false, activations: pseudoRandom(10, 2) };

function filesOf(g: LayerGallery, options: SheetOptions, formats = { png: true, svg: true }) {
  return [...layerImageFiles(g, 'conv1_Conv', formats, options)];
}

describe('PNG encoder', () => {
  it('round-trips RGBA pixels through an independent decoder', () => {
    const data = Uint8Array.from({ length: 7 * 3 * 4 }, (_, i) => (i * 37 + 11) % 256);
    const img = decodePng(encodePng({ width: 7, height: 3, data }));
    expect([img.width, img.height]).toEqual([7, 3]);
    expect(Array.from(img.data)).toEqual(Array.from(data));
  });
  it('rejects data of the wrong size', () => {
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8Array(15) })).toThrow(/15 bytes/);
  });
});

describe('PNG sprite sheet', () => {
  for (const scale of ['neuron', 'layer'] as const) {
    it(`shows every neuron's x* through the colormap, upscaled ×3 nearest-neighbour (scale per ${scale})`, () => {
      const options: SheetOptions = { colormap: 'viridis', scale, factor: 3, showValues: true };
      const files = filesOf(grey, options);
      const sheet = files.find((f) => f.name === 'conv1_Conv.png')!;
      const img = decodePng(sheet.bytes as Uint8Array);
      const [layout] = layoutSheets(grey, 12, 15, options);
      expect([img.width, img.height]).toEqual([layout.width, layout.height]);
      expect(layout.cells.map((c) => c.neuron)).toEqual([...Array(10).keys()]);
      for (const cell of layout.cells) expectHeatmap(img, cell.x, cell.y, grey, cell.neuron, 5, 4, 3, options);
      // The title is drawn in ink on the white background.
      const titleRow = Array.from({ length: 60 }, (_, x) => pixel(img, MARGIN + x, MARGIN + 6)[0]);
      expect(titleRow.some((v) => v < 100)).toBe(true);
      expect(pixel(img, 0, 0)).toEqual([255, 255, 255, 255]);
      // The legend runs from the colormap's negative end to its positive end.
      expect(pixel(img, layout.legend!.x, layout.legend!.y)).toEqual([...expectedColour('viridis', -1, 1), 255]);
      expect(pixel(img, layout.legend!.x + layout.legend!.width - 1, layout.legend!.y)).toEqual([...expectedColour('viridis', 1, 1), 255]);
    });
  }

  it('maps three channels to RGB as x/(2·max|x|) + ½', () => {
    const g: LayerGallery = { title: 'rgb', xstar: pseudoRandom(4 * 3 * 2 * 2, 3), inputShape: [3, 2, 2], channelsLast: false };
    const options: SheetOptions = { colormap: 'rdbu', scale: 'neuron', factor: 2, showValues: false };
    const img = decodePng(filesOf(g, options)[0].bytes as Uint8Array);
    const [layout] = layoutSheets(g, 4, 4, options);
    expect(layout.legend).toBeNull();
    for (const cell of layout.cells) {
      const m = rowMax(g.xstar, cell.neuron, 12);
      for (let p = 0; p < 4; p++) {
        const want = [0, 1, 2].map((c) => Math.round((g.xstar[cell.neuron * 12 + c * 4 + p] / (2 * m) + 0.5) * 255));
        expect(pixel(img, cell.x + (p % 2) * 2 + 1, cell.y + Math.floor(p / 2) * 2 + 1).slice(0, 3)).toEqual(want);
      }
    }
  });

  it('splits a gallery beyond the size limit into complete sheets no larger than the limit', () => {
    const big: LayerGallery = { ...grey, xstar: pseudoRandom(150 * 20, 5), activations: undefined, inputShape: [1, 5, 4] };
    const options: SheetOptions = { colormap: 'gray', scale: 'layer', factor: 2, showValues: false, maxSide: 300 };
    const pngs = filesOf(big, options, { png: true, svg: false }).filter((f) => f.folder === null);
    expect(pngs.length).toBeGreaterThan(1);
    expect(pngs.map((f) => f.name)).toEqual(pngs.map((_, i) => `conv1_Conv.sheet${i + 1}.png`));
    const layouts = layoutSheets(big, 8, 10, options);
    expect(layouts).toHaveLength(pngs.length);
    const seen: number[] = [];
    layouts.forEach((layout, s) => {
      const img = decodePng(pngs[s].bytes as Uint8Array);
      expect(img.width).toBeLessThanOrEqual(300);
      expect(img.height).toBeLessThanOrEqual(300);
      expect(layout.legend).not.toBeNull();
      expect(layout.texts.some((t) => t.text.includes(`sheet ${s + 1}/${layouts.length}`))).toBe(true);
      for (const cell of layout.cells) {
        expectHeatmap(img, cell.x, cell.y, big, cell.neuron, 5, 4, 2, options);
        seen.push(cell.neuron);
      }
    });
    expect(seen).toEqual([...Array(150).keys()]);
  });

  it('keeps sheets of a large layer within 8,192 pixels a side at the default limit, every neuron once', () => {
    const wide: LayerGallery = { title: 'wide', xstar: new Float32Array(4096 * 1024), inputShape: [1, 32, 32], channelsLast: false };
    const layouts = layoutSheets(wide, 128, 128, { colormap: 'rdbu', scale: 'neuron', factor: 4, showValues: true });
    expect(layouts.length).toBeGreaterThan(1);
    for (const l of layouts) {
      expect(Math.max(l.width, l.height)).toBeLessThanOrEqual(8192);
      for (const c of l.cells) expect(c.x + 128 <= l.width && c.y + 128 <= l.height).toBe(true);
    }
    expect(layouts.flatMap((l) => l.cells.map((c) => c.neuron))).toEqual([...Array(4096).keys()]);
  });

  it('writes one PNG per neuron with exactly its thumbnail', () => {
    const options: SheetOptions = { colormap: 'coolwarm', scale: 'neuron', factor: 1, showValues: false };
    const perNeuron = filesOf(grey, options, { png: true, svg: false }).filter((f) => f.folder === 'conv1_Conv');
    expect(perNeuron.map((f) => f.name)).toEqual([...Array(10).keys()].map((i) => neuronFileName(i, 10)));
    expect(perNeuron[7].name).toBe('neuron_7.png');
    perNeuron.forEach((f, n) => {
      const img = decodePng(f.bytes as Uint8Array);
      expect([img.width, img.height]).toEqual([4, 5]);
      expectHeatmap(img, 0, 0, grey, n, 5, 4, 1, options);
    });
  });

  it('draws bar thumbnails for vector inputs, coloured through the colormap', () => {
    const g: LayerGallery = { title: 'fc', xstar: Float32Array.from([1, -0.5, 0.25, 0, -1, 0.5]), inputShape: [3], channelsLast: false };
    const options = resolveOptions(g, { colormap: 'rdbu', scale: 'neuron', factor: 0, showValues: false });
    expect(options.factor).toBe(2);
    const perNeuron = filesOf(g, options, { png: true, svg: false }).filter((f) => f.folder);
    const img = decodePng(perNeuron[0].bytes as Uint8Array);
    expect([img.width, img.height]).toEqual([64, 64]);
    // The first bar (value +1 = the scale) is the colormap's positive end, just above the zero line.
    expect(pixel(img, 2, 31).slice(0, 3)).toEqual(expectedColour('rdbu', 1, 1));
  });
});

/** The pixels `text` leaves on a white w × h strip, drawn alone. */
function inkOf(text: string, w: number, h: number): number[] {
  const data = new Uint8Array(w * h * 4).fill(255);
  drawText(data, w, h, text, 0, 0, INK);
  return Array.from(data);
}

/** The w × h strip of `img` at (x, y), RGBA. */
function strip(img: DecodedPng, x: number, y: number, w: number, h: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) out.push(...pixel(img, x + i, y + j));
  return out;
}

describe('class names on the sheets (the output layer of a labelled model)', () => {
  const names = ['cat', 'dog', 'a very long class name indeed', 'bird', 'fish', 'frog', 'horse', 'ship', 'truck', 'deer'];
  const labelled: LayerGallery = { ...grey, labels: names };
  const options: SheetOptions = { colormap: 'viridis', scale: 'neuron', factor: 3, showValues: true };

  it('the PNG sheet grows a caption band with each class name under its index, long names cut', () => {
    const [plain] = layoutSheets(grey, 12, 15, options);
    const [layout] = layoutSheets(labelled, 12, 15, options);
    const rows = new Set(layout.cells.map((c) => c.y)).size;
    expect(layout.height - plain.height).toBe(rows * (GLYPH_HEIGHT + 3));
    const cellWidth = textWidth('x'.repeat(CAPTION_CHARS));
    expect(layout.cells[1].x - layout.cells[0].x).toBe(cellWidth + 6);
    const img = decodePng(filesOf(labelled, options).find((f) => f.name === 'conv1_Conv.png')!.bytes as Uint8Array);
    expect([img.width, img.height]).toEqual([layout.width, layout.height]);
    for (const cell of layout.cells) {
      const captionY = cell.y + 15 + 2 + GLYPH_HEIGHT + 3;
      const shown = cell.neuron === 2 ? 'a very long cl..' : names[cell.neuron];
      expect(strip(img, cell.x, captionY, cellWidth, GLYPH_HEIGHT), `caption of ${cell.neuron}`).toEqual(inkOf(shown, cellWidth, GLYPH_HEIGHT));
      // The index is still above it and the thumbnail still holds x*.
      expect(strip(img, cell.x, captionY - GLYPH_HEIGHT - 3, cellWidth, GLYPH_HEIGHT)).toEqual(inkOf(String(cell.neuron), cellWidth, GLYPH_HEIGHT));
      expectHeatmap(img, cell.x, cell.y, labelled, cell.neuron, 5, 4, 3, options);
    }
  });

  it('the SVG sheet holds every class name as text', () => {
    const svg = filesOf(labelled, options).find((f) => f.name === 'conv1_Conv.svg')!.bytes as string;
    const texts = Array.from(new DOMParser().parseFromString(svg, 'image/svg+xml').getElementsByTagName('text')).map((t) => t.textContent);
    for (const name of names.filter((n) => n.length <= CAPTION_CHARS)) expect(texts).toContain(name);
    expect(texts).toContain('a very long cl..');
  });
});

describe('SVG sprite sheet', () => {
  it('is well-formed XML with one image per thumbnail plus the legend, and every label', () => {
    const options: SheetOptions = { colormap: 'puor', scale: 'layer', factor: 2, showValues: true };
    const svgFile = filesOf(grey, options).find((f) => f.name === 'conv1_Conv.svg')!;
    const errors: string[] = [];
    const doc = new DOMParser({ errorHandler: { error: (msg: string) => void errors.push(msg), fatalError: (msg: string) => void errors.push(msg) } }).parseFromString(svgFile.bytes as string, 'image/svg+xml');
    expect(errors).toEqual([]);
    const [layout] = layoutSheets(grey, 8, 10, options);
    const root = doc.documentElement!;
    expect(root.nodeName).toBe('svg');
    expect(Number(root.getAttribute('width'))).toBe(layout.width);
    const images = Array.from(doc.getElementsByTagName('image'));
    expect(images).toHaveLength(10 + 1);
    const texts = Array.from(doc.getElementsByTagName('text')).map((t) => t.textContent);
    expect(texts).toEqual(layout.texts.map((t) => t.text));
    expect(texts).toContain('conv1/Conv');
    // Each embedded thumbnail holds the same pixels as the PNG sheet.
    const thumbs = layerThumbnails(grey, options);
    images.slice(0, 10).forEach((el, n) => {
      const href = el.getAttribute('href') ?? el.getAttribute('xlink:href')!;
      const img = decodePng(new Uint8Array(Buffer.from(href.replace(/^data:image\/png;base64,/, ''), 'base64')));
      expect(Array.from(img.data)).toEqual(Array.from(thumbs[n].data));
      expect([Number(el.getAttribute('x')), Number(el.getAttribute('y'))]).toEqual([layout.cells[n].x, layout.cells[n].y]);
    });
  });

  it('escapes layer names', () => {
    const g = { ...grey, title: 'a<b>&"c"' };
    const options: SheetOptions = { colormap: 'rdbu', scale: 'neuron', factor: 1, showValues: false };
    const [layout] = layoutSheets(g, 4, 5, options);
    const svg = renderSheetSvg(layout, layerThumbnails(g, options), 'rdbu');
    const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
    expect(doc.getElementsByTagName('text')[0].textContent).toBe('a<b>&"c"');
  });
});
