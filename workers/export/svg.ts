/**
 * The SVG of a sprite sheet: the same layout as the PNG (sprite.ts), rendered by ECharts'
 * SVG server-side renderer, which runs unchanged in Node (the CLI) and in the browser (the
 * app), so both write the same document. Thumbnails and the colour bar are embedded as
 * PNG data URLs of exactly the pixels the PNG sheet holds (already upscaled, so viewers
 * need not interpolate); labels are SVG text in a monospace font at the bitmap font's
 * positions.
 */
import * as echarts from 'echarts/core';
import { GraphicComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { RGBAImage } from '../imaging/thumbnail';
import type { ColormapName } from '../imaging/colormap';
import { GLYPH_HEIGHT } from './font';
import { encodePng } from '../imaging/png';
import { BACKGROUND, INK, legendPixels, type SheetLayout } from './sprite';

echarts.use([GraphicComponent, SVGRenderer]);

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_CODES = Uint8Array.from(B64, (c) => c.charCodeAt(0));
const PAD = '='.charCodeAt(0);

/**
 * Written into bytes and decoded once: a string built a character at a time is a rope of
 * small pieces, which for a sheet of 224-pixel thumbnails outgrew V8's heap.
 */
export function base64(bytes: Uint8Array): string {
  return new TextDecoder('latin1').decode(base64Bytes(bytes));
}

/** The base64 text of `bytes` as ASCII bytes. */
export function base64Bytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  let o = 0;
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i];
    const b = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2] : 0;
    out[o++] = B64_CODES[a >> 2];
    out[o++] = B64_CODES[((a & 3) << 4) | (b >> 4)];
    out[o++] = i + 1 < bytes.length ? B64_CODES[((b & 15) << 2) | (c >> 6)] : PAD;
    out[o++] = i + 2 < bytes.length ? B64_CODES[c & 63] : PAD;
  }
  return out;
}

function pngDataUrl(image: RGBAImage): string {
  return `data:image/png;base64,${base64(encodePng(image))}`;
}

const rgb = (c: readonly number[]): string => `rgb(${c[0]},${c[1]},${c[2]})`;

/**
 * Stands in for a thumbnail's base64 PNG while ECharts renders (a real one starts "iVBOR"): the
 * thumbnails go in afterwards, one at a time (a sheet of 224-pixel thumbnails holds hundreds of
 * MB of base64).
 */
const TOKEN = /(?<=data:image\/png;base64,)NVCELL(\d+)X/g;

/** The ECharts option (graphic elements only) of one sheet, a token in place of each thumbnail. */
function sheetOption(sheet: SheetLayout, colormap: ColormapName): echarts.EChartsCoreOption {
  const elements: object[] = [{ type: 'rect', shape: { x: 0, y: 0, width: sheet.width, height: sheet.height }, style: { fill: rgb(BACKGROUND) }, silent: true }];
  for (const cell of sheet.cells) {
    elements.push({ type: 'image', style: { image: `data:image/png;base64,NVCELL${cell.neuron}X`, x: cell.x, y: cell.y, width: sheet.thumbWidth, height: sheet.thumbHeight }, silent: true });
  }
  if (sheet.legend) {
    const l = sheet.legend;
    elements.push({ type: 'image', style: { image: pngDataUrl(legendPixels(colormap, l.width, l.height)), x: l.x, y: l.y, width: l.width, height: l.height }, silent: true });
  }
  for (const t of sheet.texts) {
    elements.push({
      type: 'text',
      x: t.x,
      y: t.y,
      style: { text: t.text, fill: rgb(INK), font: `${(GLYPH_HEIGHT + 2) * t.scale}px monospace`, textVerticalAlign: 'top', verticalAlign: 'top' },
      silent: true,
    });
  }
  return { animation: false, graphic: { elements } };
}

/**
 * ZRender names CSS classes after a global instance counter (zr3-cls-0), which would make
 * two renders of the same sheet differ; they are renamed in order of appearance.
 */
function stableClassNames(svg: string): string {
  const names = new Map<string, string>();
  return svg.replace(/zr\d+-cls-\d+/g, (m) => {
    let name = names.get(m);
    if (!name) names.set(m, (name = `nv-cls-${names.size}`));
    return name;
  });
}

/**
 * One sheet as a standalone SVG document in pieces: `text[0]`, the base64 PNG of thumbnail
 * `neurons[0]`, `text[1]`, … and the last text.
 */
export function sheetSvgTemplate(sheet: SheetLayout, colormap: ColormapName): { text: string[]; neurons: number[] } {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: sheet.width, height: sheet.height });
  let svg: string;
  try {
    chart.setOption(sheetOption(sheet, colormap));
    svg = `<?xml version="1.0" encoding="UTF-8"?>\n${stableClassNames(chart.renderToSVGString())}\n`;
  } finally {
    chart.dispose();
  }
  const text: string[] = [];
  const neurons: number[] = [];
  let from = 0;
  for (const m of svg.matchAll(TOKEN)) {
    text.push(svg.slice(from, m.index));
    neurons.push(Number(m[1]));
    from = m.index + m[0].length;
  }
  text.push(svg.slice(from));
  return { text, neurons };
}

/** One sheet as a standalone SVG document. */
export function renderSheetSvg(sheet: SheetLayout, thumbnails: readonly RGBAImage[], colormap: ColormapName): string {
  const { text, neurons } = sheetSvgTemplate(sheet, colormap);
  return text.map((t, i) => (i < neurons.length ? t + base64(encodePng(thumbnails[neurons[i]])) : t)).join('');
}
