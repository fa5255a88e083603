/**
 * The labelled grid of a layer's x* (a sprite sheet): the layer name as a title, a thumbnail
 * per neuron with its index (its class name, and optionally its activation) below, a colour legend at the
 * bottom. The layout is computed once and drawn both as PNG pixels (here) and as SVG
 * (svg.ts). Sheets are at most `maxSide` pixels a side; a larger gallery is split by rows
 * into several complete sheets. Pure: no DOM, no Node.
 */
import { colormapLut, LUT_SIZE, type ColormapName } from '../imaging/colormap';
import type { DataUnits } from '../imaging/data-units';
import { inputLayout, maxAbs, renderThumbnail, layoutSize, type InputLayout, type RGBAImage } from '../imaging/thumbnail';
import { drawText, fitText, textWidth, GLYPH_HEIGHT } from './font';

export type ScaleMode = 'neuron' | 'layer';

export interface SheetOptions {
  readonly colormap: ColormapName;
  /** m of each thumbnail: max|x| of the neuron, or of the whole layer. */
  readonly scale: ScaleMode;
  /** Integer upscaling of image thumbnails (nearest-neighbour); charts are drawn CHART_SIZE × factor pixels. */
  readonly factor: number;
  /** Prints each neuron's activation under its index. */
  readonly showValues: boolean;
  /** Stretch contrast: x* on the symmetric scale x/(2·m) + ½ even where the gallery has data units. */
  readonly stretch?: boolean;
  /** Largest sheet side in pixels (default MAX_SHEET_SIDE). */
  readonly maxSide?: number;
}

/** One layer's gallery, as the engine computed it. */
export interface LayerGallery {
  /** Shown as the title. */
  readonly title: string;
  /** N rows of the input's size, row i being x* of neuron i. */
  readonly xstar: Float32Array;
  /** The input's feature shape (no batch dimension). */
  readonly inputShape: readonly number[];
  readonly channelsLast: boolean;
  readonly activations?: Float32Array;
  /** Class names, one per row (the output layer of a model that comes with them): a caption under each index. */
  readonly labels?: readonly string[];
  /** Images drawn as base + x* in the value range (base in the drawn shape, one row); absent: the symmetric scale. */
  readonly units?: DataUnits | null;
  /** A streamed export (stream-export.ts) lays out sheets without the rows: their count and max|x| instead. */
  readonly count?: number;
  readonly layerMax?: number;
}

export const MAX_SHEET_SIDE = 8192;
/** Side of bar and line thumbnails at factor 1. */
export const CHART_SIZE = 32;
export const MARGIN = 8;
export const GAP = 6;
export const TITLE_SCALE = 2;
const LINE = GLYPH_HEIGHT + 3;
/** A class name caption may widen a cell up to this many characters; longer names are cut. */
export const CAPTION_CHARS = 16;
export const LEGEND_WIDTH = 128;
export const LEGEND_HEIGHT = 10;
export const BACKGROUND: readonly number[] = [255, 255, 255];
export const INK: readonly number[] = [34, 34, 34];

export interface TextItem {
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly scale: number;
}

export interface SheetCell {
  readonly neuron: number;
  /** Top-left of the thumbnail. */
  readonly x: number;
  readonly y: number;
}

export interface SheetLayout {
  readonly width: number;
  readonly height: number;
  readonly thumbWidth: number;
  readonly thumbHeight: number;
  readonly cells: readonly SheetCell[];
  /** Title, subtitle, neuron labels, legend labels: top-left positions, bitmap-font metrics. */
  readonly texts: readonly TextItem[];
  /** The colour bar; null for RGB inputs (Lucid's mapping has no single colour scale). */
  readonly legend: { readonly x: number; readonly y: number; readonly width: number; readonly height: number } | null;
}

export function galleryLayout(g: LayerGallery): InputLayout {
  return inputLayout(g.inputShape, g.channelsLast);
}

export function neuronCount(g: LayerGallery): number {
  if (g.count !== undefined) return g.count;
  const n = layoutSize(galleryLayout(g));
  return n > 0 ? Math.floor(g.xstar.length / n) : 0;
}

/** The scale m of neuron i: its own max|x| or the layer's. */
export function scaleOf(g: LayerGallery, neuron: number, mode: ScaleMode, layerMax = maxAbs(g.xstar)): number {
  if (mode === 'layer') return layerMax;
  const n = layoutSize(galleryLayout(g));
  return maxAbs(g.xstar, neuron * n, n);
}

/** The thumbnail of one neuron exactly as it appears on the sheet (and as a per-neuron PNG). */
export function neuronThumbnail(g: LayerGallery, neuron: number, options: SheetOptions, layerMax?: number): RGBAImage {
  const layout = galleryLayout(g);
  const factor = Math.max(1, Math.floor(options.factor));
  const native = layout.kind === 'image' ? nativeImageSide(layout) : CHART_SIZE;
  return renderThumbnail(g.xstar, neuron, layout, { colormap: options.colormap, scale: scaleOf(g, neuron, options.scale, layerMax), size: native * factor, units: drawnUnits(g, options) });
}

/** The data units a sheet's images are drawn in, or null for the symmetric scale (charts, stretch contrast, no units). */
export function drawnUnits(g: LayerGallery, options: Pick<SheetOptions, 'stretch'>): DataUnits | null {
  return g.units && !options.stretch && galleryLayout(g).kind === 'image' ? g.units : null;
}

/** The longer side of an image thumbnail at factor 1. */
export function nativeImageSide(layout: Extract<InputLayout, { kind: 'image' }>): number {
  if (layout.channels === 1 || layout.channels === 3) return Math.max(layout.width, layout.height);
  const cols = Math.ceil(Math.sqrt(layout.channels));
  const rows = Math.ceil(layout.channels / cols);
  return Math.max(cols * layout.width + cols - 1, rows * layout.height + rows - 1);
}

export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(2) : Number(v.toPrecision(3)).toString();
}

/** Lays out a layer's neurons over one or more sheets no larger than maxSide a side. */
export function layoutSheets(g: LayerGallery, thumbWidth: number, thumbHeight: number, options: SheetOptions): SheetLayout[] {
  const count = neuronCount(g);
  const maxSide = options.maxSide ?? MAX_SHEET_SIDE;
  const values = options.showValues && g.activations ? Array.from(g.activations.subarray(0, count), formatValue) : null;
  const captions = g.labels && g.labels.length >= count ? g.labels.slice(0, count) : null;
  const captionWidth = captions ? Math.min(textWidth('x'.repeat(CAPTION_CHARS)), Math.max(0, ...captions.map((c) => textWidth(c)))) : 0;
  const labelWidth = Math.max(textWidth(String(Math.max(0, count - 1))), values ? Math.max(0, ...values.map((v) => textWidth(v))) : 0, captionWidth);
  const cellWidth = Math.max(thumbWidth, labelWidth);
  const textLines = 1 + (captions ? 1 : 0) + (values ? 1 : 0);
  const cellHeight = thumbHeight + 2 + LINE * textLines;
  const headerHeight = MARGIN + GLYPH_HEIGHT * TITLE_SCALE + 4 + LINE + GAP;
  const layout = galleryLayout(g);
  const units = drawnUnits(g, options);
  const legendShown = !(layout.kind === 'image' && layout.channels === 3);
  const footerHeight = GAP + LEGEND_HEIGHT + 2 + LINE + MARGIN;
  const minWidth = 2 * MARGIN + LEGEND_WIDTH + 2 * textWidth('-0.000e+00');

  const maxCols = Math.floor((maxSide - 2 * MARGIN + GAP) / (cellWidth + GAP));
  const maxRows = Math.floor((maxSide - headerHeight - footerHeight + GAP) / (cellHeight + GAP));
  if (maxCols < 1 || maxRows < 1 || minWidth > maxSide) throw new Error(`a ${thumbWidth} × ${thumbHeight} thumbnail does not fit a ${maxSide}-pixel sheet`);
  const cols = Math.max(1, Math.min(maxCols, Math.ceil(Math.sqrt(Math.max(1, count)))));
  const totalRows = Math.max(1, Math.ceil(count / cols));
  const sheetCount = Math.ceil(totalRows / maxRows);
  const width = Math.max(minWidth, 2 * MARGIN + cols * cellWidth + (cols - 1) * GAP);
  const layerMax = g.layerMax ?? maxAbs(g.xstar);

  const sheets: SheetLayout[] = [];
  for (let s = 0; s < sheetCount; s++) {
    const firstRow = s * maxRows;
    const rows = Math.min(maxRows, totalRows - firstRow);
    const first = firstRow * cols;
    const last = Math.min(count, (firstRow + rows) * cols) - 1;
    const height = headerHeight + rows * cellHeight + (rows - 1) * GAP + footerHeight;
    const texts: TextItem[] = [];
    texts.push({ text: fitText(g.title, width - 2 * MARGIN, TITLE_SCALE), x: MARGIN, y: MARGIN, scale: TITLE_SCALE });
    const range = count === 0 ? 'no neurons' : `neurons ${first}-${last} of ${count}`;
    const sheetNote = sheetCount > 1 ? `, sheet ${s + 1}/${sheetCount}` : '';
    const scaleNote = units ? `${units.base ? 'x0 + x*' : 'x*'} in data units` : options.scale === 'layer' ? 'scale: layer' : 'scale: per neuron';
    texts.push({ text: fitText(`${range}${sheetNote}, ${scaleNote}`, width - 2 * MARGIN), x: MARGIN, y: MARGIN + GLYPH_HEIGHT * TITLE_SCALE + 4, scale: 1 });
    const cells: SheetCell[] = [];
    for (let i = first; i <= last; i++) {
      const r = Math.floor(i / cols) - firstRow;
      const c = i % cols;
      const x = MARGIN + c * (cellWidth + GAP);
      const y = headerHeight + r * (cellHeight + GAP);
      cells.push({ neuron: i, x, y });
      let lineY = y + thumbHeight + 2;
      texts.push({ text: String(i), x, y: lineY, scale: 1 });
      if (captions) texts.push({ text: fitText(captions[i], cellWidth), x, y: (lineY += LINE), scale: 1 });
      if (values) texts.push({ text: values[i], x, y: (lineY += LINE), scale: 1 });
    }
    const legendY = height - footerHeight + GAP;
    let legend: SheetLayout['legend'] = null;
    if (legendShown) {
      legend = { x: MARGIN, y: legendY, width: LEGEND_WIDTH, height: LEGEND_HEIGHT };
      const labelY = legendY + LEGEND_HEIGHT + 2;
      const [low, high] = units ? units.range.map(formatValue) : options.scale === 'layer' ? [formatValue(-layerMax), formatValue(layerMax)] : ['-max|x|', '+max|x|'];
      const middle = units ? formatValue((units.range[0] + units.range[1]) / 2) : '0';
      texts.push({ text: low, x: MARGIN, y: labelY, scale: 1 });
      texts.push({ text: middle, x: MARGIN + Math.floor((LEGEND_WIDTH - textWidth(middle)) / 2), y: labelY, scale: 1 });
      texts.push({ text: high, x: MARGIN + LEGEND_WIDTH - textWidth(high), y: labelY, scale: 1 });
    } else if (units) {
      texts.push({ text: fitText(`RGB = ${units.base ? 'x0 + x*' : 'x*'} from ${formatValue(units.range[0])} (0) to ${formatValue(units.range[1])} (255)`, width - 2 * MARGIN), x: MARGIN, y: legendY, scale: 1 });
    } else {
      texts.push({ text: 'RGB = x/(2 max|x|) + 1/2', x: MARGIN, y: legendY, scale: 1 });
    }
    sheets.push({ width, height, thumbWidth, thumbHeight, cells, texts, legend });
  }
  return sheets;
}

/** The colour bar's pixels: column i shows LUT entry round(i·(LUT_SIZE−1)/(width−1)). */
export function legendPixels(colormap: ColormapName, width = LEGEND_WIDTH, height = LEGEND_HEIGHT): RGBAImage {
  const lut = colormapLut(colormap);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let x = 0; x < width; x++) {
    const k = Math.round((x * (LUT_SIZE - 1)) / Math.max(1, width - 1)) * 3;
    for (let y = 0; y < height; y++) {
      const o = (y * width + x) * 4;
      data[o] = lut[k];
      data[o + 1] = lut[k + 1];
      data[o + 2] = lut[k + 2];
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}

/** Draws `src` over `dst` at (x, y), blending by the source alpha over the opaque sheet; rows outside `dst` are left out. */
export function blit(dst: RGBAImage, src: RGBAImage, x: number, y: number): void {
  for (let j = Math.max(0, -y); j < Math.min(src.height, dst.height - y); j++) {
    for (let i = 0; i < src.width; i++) {
      const s = (j * src.width + i) * 4;
      const a = src.data[s + 3];
      if (a === 0) continue;
      const d = ((y + j) * dst.width + x + i) * 4;
      for (let c = 0; c < 3; c++) dst.data[d + c] = a === 255 ? src.data[s + c] : Math.round((src.data[s + c] * a + dst.data[d + c] * (255 - a)) / 255);
      dst.data[d + 3] = 255;
    }
  }
}

/** Thumbnails of a whole layer (one per neuron), all the same size. */
export function layerThumbnails(g: LayerGallery, options: SheetOptions): RGBAImage[] {
  const layerMax = g.layerMax ?? maxAbs(g.xstar);
  return Array.from({ length: neuronCount(g) }, (_, i) => neuronThumbnail(g, i, options, layerMax));
}

/** Draws one sheet: an opaque RGBA image. */
export function drawSheet(sheet: SheetLayout, thumbnails: readonly RGBAImage[], colormap: ColormapName): RGBAImage {
  return drawSheetBand(sheet, 0, sheet.height, thumbnails, colormap);
}

/**
 * Rows y0 ≤ y < y1 of a sheet, exactly as drawSheet draws them (each pixel gets the same
 * background, thumbnail, legend and text in the same order): a large sheet drawn a band at a
 * time. `thumbnails` needs only the cells that reach into the band (sheetBands).
 */
export function drawSheetBand(sheet: SheetLayout, y0: number, y1: number, thumbnails: readonly RGBAImage[], colormap: ColormapName): RGBAImage {
  const height = y1 - y0;
  const data = new Uint8ClampedArray(sheet.width * height * 4);
  for (let p = 0; p < sheet.width * height; p++) {
    data[p * 4] = BACKGROUND[0];
    data[p * 4 + 1] = BACKGROUND[1];
    data[p * 4 + 2] = BACKGROUND[2];
    data[p * 4 + 3] = 255;
  }
  const image: RGBAImage = { width: sheet.width, height, data };
  for (const cell of sheet.cells) if (cell.y < y1 && cell.y + sheet.thumbHeight > y0) blit(image, thumbnails[cell.neuron], cell.x, cell.y - y0);
  if (sheet.legend) blit(image, legendPixels(colormap, sheet.legend.width, sheet.legend.height), sheet.legend.x, sheet.legend.y - y0);
  for (const t of sheet.texts) drawText(data, sheet.width, height, t.text, t.x, t.y - y0, INK, t.scale);
  return image;
}

/** A sheet cut into bands at its rows of cells, each with the cells whose thumbnails lie in it (each cell in one band). */
export function sheetBands(sheet: SheetLayout): { y0: number; y1: number; cells: SheetCell[] }[] {
  const starts = [...new Set([0, ...sheet.cells.map((c) => c.y)])].sort((a, b) => a - b);
  return starts.map((y0, i) => {
    const y1 = i + 1 < starts.length ? starts[i + 1] : sheet.height;
    return { y0, y1, cells: sheet.cells.filter((c) => c.y >= y0 && c.y < y1) };
  });
}
