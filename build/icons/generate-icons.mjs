#!/usr/bin/env node
// Draws the Neurovis icons and writes them for every platform, with no native
// dependency: the drawing is a list of shapes, written out as SVG and
// rasterised here (signed distances give each pixel its anti-aliased coverage);
// PNGs are encoded with node:zlib, and .ico / .icns are containers of those PNGs.
//
//   node build/icons/generate-icons.mjs           writes the files next to this script
//   node build/icons/generate-icons.mjs --check   exits 1 if a written file differs from a fresh render
//
// The app icon: a small network on an indigo-to-teal tile. One output neuron
// (amber) is reversed back through the layers — the amber edges — to the input,
// whose nodes carry the diverging colours of an optimal input x*.
import { deflateSync } from 'node:zlib';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CANVAS = 1024;
export const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** icns element types holding PNG data, and the pixel size of each. */
export const ICNS_TYPES = [
  ['icp4', 16], ['icp5', 32], ['icp6', 64], ['ic07', 128], ['ic08', 256], ['ic09', 512], ['ic10', 1024],
  ['ic11', 32], ['ic12', 64], ['ic13', 256], ['ic14', 512],
];

const INDIGO = '#312e81';
const TEAL = '#0e7490';
const AMBER = '#f59e0b';
const WHITE = '#ffffff';
const RED = '#f87171';
const BLUE = '#60a5fa';
const PALE_RED = '#fecaca';
const PALE_BLUE = '#bfdbfe';

// ---------------------------------------------------------------- drawings

/** The network motif; `detail` false for 16–32 px, where fewer, bolder parts read better. */
function network(detail) {
  const inputs = detail
    ? [[300, 302, RED], [300, 442, PALE_BLUE], [300, 582, PALE_RED], [300, 722, BLUE]]
    : [[276, 332, RED], [276, 512, PALE_BLUE], [276, 692, BLUE]];
  const hidden = detail ? [[512, 352], [512, 512], [512, 672]] : [[498, 392], [498, 632]];
  const output = detail ? [734, 512] : [720, 512];
  const shapes = [];
  // Glow behind the output neuron.
  shapes.push({ type: 'circle', c: output, r: 200, fill: { radial: { c: output, r: 200, stops: [[0, AMBER, 0.55], [1, AMBER, 0]] } } });
  // Forward edges, faint.
  if (detail) {
    for (const [ix, iy] of inputs) for (const [hx, hy] of hidden) shapes.push({ type: 'line', a: [ix, iy], b: [hx, hy], width: 9, stroke: { color: WHITE, opacity: 0.28 } });
  }
  // Reversed edges, amber: output → every hidden node → the inputs.
  for (const h of hidden) shapes.push({ type: 'line', a: output, b: h, width: detail ? 16 : 30, stroke: { color: AMBER, opacity: 0.95 } });
  const strongHidden = hidden[Math.floor(hidden.length / 2)];
  if (detail) for (const [ix, iy] of inputs) shapes.push({ type: 'line', a: strongHidden, b: [ix, iy], width: 12, stroke: { color: AMBER, opacity: 0.8 } });
  else for (const [ix, iy] of inputs) for (const h of hidden) shapes.push({ type: 'line', a: h, b: [ix, iy], width: 22, stroke: { color: AMBER, opacity: 0.7 } });
  // Nodes.
  for (const [x, y, color] of inputs) shapes.push({ type: 'circle', c: [x, y], r: detail ? 38 : 60, fill: { color }, stroke: { color: WHITE, opacity: 1 }, strokeWidth: detail ? 10 : 16 });
  for (const h of hidden) shapes.push({ type: 'circle', c: h, r: detail ? 42 : 64, fill: { color: WHITE, opacity: 0.95 } });
  shapes.push({ type: 'circle', c: output, r: detail ? 66 : 96, fill: { color: AMBER }, stroke: { color: '#fff7ed', opacity: 1 }, strokeWidth: detail ? 12 : 18 });
  return shapes;
}

/** The rounded tile with the indigo-to-teal gradient, `inset` from each edge of the canvas. */
const tile = (inset) => ({
  type: 'rrect', x: inset, y: inset, w: CANVAS - 2 * inset, h: CANVAS - 2 * inset, r: (CANVAS - 2 * inset) * 0.225,
  fill: { linear: { a: [inset, inset], b: [CANVAS - inset, CANVAS - inset], stops: [[0, INDIGO, 1], [1, TEAL, 1]] } },
});

/** Shapes moved and scaled: point p becomes origin + scale·p. */
function transform(shapes, origin, scale) {
  const p = ([x, y]) => [origin[0] + x * scale, origin[1] + y * scale];
  const paint = (pt) => {
    if (!pt) return pt;
    if (pt.linear) return { linear: { ...pt.linear, a: p(pt.linear.a), b: p(pt.linear.b) } };
    if (pt.radial) return { radial: { ...pt.radial, c: p(pt.radial.c), r: pt.radial.r * scale } };
    return pt;
  };
  return shapes.map((sh) => {
    const out = { ...sh, fill: paint(sh.fill), stroke: paint(sh.stroke) };
    if (sh.strokeWidth !== undefined) out.strokeWidth = sh.strokeWidth * scale;
    if (sh.width !== undefined && sh.type === 'line') out.width = sh.width * scale;
    if (sh.type === 'rrect') Object.assign(out, { x: origin[0] + sh.x * scale, y: origin[1] + sh.y * scale, w: sh.w * scale, h: sh.h * scale, r: sh.r * scale });
    if (sh.type === 'circle') Object.assign(out, { c: p(sh.c), r: sh.r * scale });
    if (sh.type === 'line') Object.assign(out, { a: p(sh.a), b: p(sh.b) });
    if (sh.type === 'polygon') out.points = sh.points.map(p);
    return out;
  });
}

/** The application icon (macOS icon grid: an 824 px tile centred on 1024). */
export function appIcon(detail = true) {
  // Small sizes use nearly the whole square: a 16 px tile with margins would be 13 px.
  return [tile(detail ? 100 : 24), ...network(detail)];
}

/** The document icon of associated model files: a page with a folded corner holding the app tile. */
export function documentIcon(detail = true) {
  const left = detail ? 196 : 128;
  const right = CANVAS - left;
  const top = detail ? 92 : 24;
  const bottom = CANVAS - top;
  const fold = detail ? 190 : 220;
  const line = detail ? 14 : 40;
  const page = [[left, top], [right - fold, top], [right, top + fold], [right, bottom], [left, bottom]];
  const corner = [[right - fold, top], [right - fold, top + fold], [right, top + fold]];
  // The app tile (824 px from 100 to 924) scaled into the lower part of the page.
  const margin = detail ? 64 : 40;
  const size = right - left - 2 * margin;
  const scale = size / (detail ? 824 : 976);
  const tileInset = detail ? 100 : 24;
  const origin = [left + margin - tileInset * scale, bottom - margin - size - tileInset * scale];
  return [
    { type: 'polygon', points: page, fill: { color: '#f8fafc' }, stroke: { color: '#94a3b8', opacity: 1 }, strokeWidth: line },
    { type: 'polygon', points: corner, fill: { color: '#cbd5e1' }, stroke: { color: '#94a3b8', opacity: 1 }, strokeWidth: line },
    ...transform(appIcon(detail), origin, scale),
  ];
}

// ---------------------------------------------------------------- SVG

const f = (v) => Number(v.toFixed(2)).toString();

export function toSvg(shapes, title) {
  const defs = [];
  const paintRef = (paint) => {
    if (paint.linear) {
      const id = `g${defs.length}`;
      const { a, b, stops } = paint.linear;
      defs.push(`<linearGradient id="${id}" gradientUnits="userSpaceOnUse" x1="${f(a[0])}" y1="${f(a[1])}" x2="${f(b[0])}" y2="${f(b[1])}">${stops.map(([o, c, op]) => `<stop offset="${o}" stop-color="${c}" stop-opacity="${op}"/>`).join('')}</linearGradient>`);
      return `url(#${id})`;
    }
    if (paint.radial) {
      const id = `g${defs.length}`;
      const { c, r, stops } = paint.radial;
      defs.push(`<radialGradient id="${id}" gradientUnits="userSpaceOnUse" cx="${f(c[0])}" cy="${f(c[1])}" r="${f(r)}">${stops.map(([o, col, op]) => `<stop offset="${o}" stop-color="${col}" stop-opacity="${op}"/>`).join('')}</radialGradient>`);
      return `url(#${id})`;
    }
    return paint.color;
  };
  const attrs = (sh) => {
    const out = [];
    if (sh.fill) {
      out.push(`fill="${paintRef(sh.fill)}"`);
      if (sh.fill.opacity !== undefined && sh.fill.opacity !== 1) out.push(`fill-opacity="${sh.fill.opacity}"`);
    } else out.push('fill="none"');
    const stroke = sh.type === 'line' ? sh.stroke : sh.stroke;
    if (stroke) {
      out.push(`stroke="${stroke.color}"`, `stroke-width="${f(sh.type === 'line' ? sh.width : sh.strokeWidth)}"`);
      if (stroke.opacity !== undefined && stroke.opacity !== 1) out.push(`stroke-opacity="${stroke.opacity}"`);
      if (sh.type === 'line') out.push('stroke-linecap="round"');
      if (sh.type === 'polygon') out.push('stroke-linejoin="round"');
    }
    return out.join(' ');
  };
  const body = shapes.map((sh) => {
    switch (sh.type) {
      case 'rrect': return `<rect x="${f(sh.x)}" y="${f(sh.y)}" width="${f(sh.w)}" height="${f(sh.h)}" rx="${f(sh.r)}" ${attrs(sh)}/>`;
      case 'circle': return `<circle cx="${f(sh.c[0])}" cy="${f(sh.c[1])}" r="${f(sh.r)}" ${attrs(sh)}/>`;
      case 'line': return `<line x1="${f(sh.a[0])}" y1="${f(sh.a[1])}" x2="${f(sh.b[0])}" y2="${f(sh.b[1])}" ${attrs({ ...sh, fill: undefined })}/>`;
      case 'polygon': return `<polygon points="${sh.points.map(([x, y]) => `${f(x)},${f(y)}`).join(' ')}" ${attrs(sh)}/>`;
      default: throw new Error(`unknown shape ${sh.type}`);
    }
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${CANVAS} ${CANVAS}" width="${CANVAS}" height="${CANVAS}">`,
    `<title>${title}</title>`,
    `<defs>${defs.join('')}</defs>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------- raster

function hexRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function lerpStops(stops, t) {
  const x = Math.min(1, Math.max(0, t));
  let i = 0;
  while (i < stops.length - 2 && x > stops[i + 1][0]) i++;
  const [o0, c0, a0] = stops[i];
  const [o1, c1, a1] = stops[Math.min(i + 1, stops.length - 1)];
  const u = o1 === o0 ? 0 : (x - o0) / (o1 - o0);
  const k0 = hexRgb(c0);
  const k1 = hexRgb(c1);
  return [k0[0] + (k1[0] - k0[0]) * u, k0[1] + (k1[1] - k0[1]) * u, k0[2] + (k1[2] - k0[2]) * u, a0 + (a1 - a0) * u];
}

/** The colour [r, g, b, a] (0–255, alpha 0–1) a paint has at canvas point (x, y). */
function paintAt(paint, x, y) {
  if (paint.linear) {
    const { a, b, stops } = paint.linear;
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    return lerpStops(stops, ((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy));
  }
  if (paint.radial) {
    const { c, r, stops } = paint.radial;
    return lerpStops(stops, Math.hypot(x - c[0], y - c[1]) / r);
  }
  return [...hexRgb(paint.color), paint.opacity ?? 1];
}

// Signed distances (negative inside), after Inigo Quilez.
function sdRoundRect(x, y, sh) {
  const hw = sh.w / 2;
  const hh = sh.h / 2;
  const qx = Math.abs(x - (sh.x + hw)) - hw + sh.r;
  const qy = Math.abs(y - (sh.y + hh)) - hh + sh.r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - sh.r;
}
function sdSegment(x, y, a, b) {
  const px = x - a[0];
  const py = y - a[1];
  const bx = b[0] - a[0];
  const by = b[1] - a[1];
  const h = Math.min(1, Math.max(0, (px * bx + py * by) / (bx * bx + by * by)));
  return Math.hypot(px - bx * h, py - by * h);
}
function sdPolygon(x, y, pts) {
  let d = Infinity;
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    d = Math.min(d, sdSegment(x, y, pts[j], pts[i]));
    const [xi, yi] = pts[i];
    const [xj, yj] = pts[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside ? -d : d;
}

function fillDistance(sh, x, y) {
  switch (sh.type) {
    case 'rrect': return sdRoundRect(x, y, sh);
    case 'circle': return Math.hypot(x - sh.c[0], y - sh.c[1]) - sh.r;
    case 'polygon': return sdPolygon(x, y, sh.points);
    default: return Infinity;
  }
}

function bounds(sh) {
  const pad = (sh.strokeWidth ?? sh.width ?? 0) / 2 + 4;
  let xs;
  let ys;
  if (sh.type === 'rrect') { xs = [sh.x, sh.x + sh.w]; ys = [sh.y, sh.y + sh.h]; }
  else if (sh.type === 'circle') { xs = [sh.c[0] - sh.r, sh.c[0] + sh.r]; ys = [sh.c[1] - sh.r, sh.c[1] + sh.r]; }
  else if (sh.type === 'line') { xs = [sh.a[0], sh.b[0]]; ys = [sh.a[1], sh.b[1]]; }
  else { xs = sh.points.map((q) => q[0]); ys = sh.points.map((q) => q[1]); }
  return [Math.min(...xs) - pad, Math.min(...ys) - pad, Math.max(...xs) + pad, Math.max(...ys) + pad];
}

/** Renders shapes to straight-alpha RGBA bytes of size × size. */
export function rasterize(shapes, size) {
  const px = CANVAS / size; // canvas units per pixel
  const rgb = new Float64Array(size * size * 3);
  const alpha = new Float64Array(size * size);
  const blend = (i, color, coverage) => {
    const a = (color[3] ?? 1) * coverage;
    if (a <= 0) return;
    const dstA = alpha[i];
    const outA = a + dstA * (1 - a);
    for (let k = 0; k < 3; k++) rgb[i * 3 + k] = (color[k] * a + rgb[i * 3 + k] * dstA * (1 - a)) / outA;
    alpha[i] = outA;
  };
  // Coverage of a pixel by a shape whose edge is at signed distance d (canvas units).
  const coverage = (d) => Math.min(1, Math.max(0, 0.5 - d / px));
  for (const sh of shapes) {
    const [x0, y0, x1, y1] = bounds(sh);
    const i0 = Math.max(0, Math.floor(x0 / px));
    const j0 = Math.max(0, Math.floor(y0 / px));
    const i1 = Math.min(size - 1, Math.ceil(x1 / px));
    const j1 = Math.min(size - 1, Math.ceil(y1 / px));
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        const x = (i + 0.5) * px;
        const y = (j + 0.5) * px;
        const index = j * size + i;
        if (sh.type === 'line') {
          const d = sdSegment(x, y, sh.a, sh.b) - sh.width / 2;
          blend(index, paintAt(sh.stroke, x, y), coverage(d));
          continue;
        }
        const d = fillDistance(sh, x, y);
        if (sh.fill) blend(index, paintAt(sh.fill, x, y), coverage(d));
        if (sh.stroke) blend(index, paintAt(sh.stroke, x, y), coverage(Math.abs(d) - sh.strokeWidth / 2));
      }
    }
  }
  const out = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    for (let k = 0; k < 3; k++) out[i * 4 + k] = Math.round(Math.min(255, Math.max(0, rgb[i * 3 + k])));
    out[i * 4 + 3] = Math.round(alpha[i] * 255);
  }
  return out;
}

// ---------------------------------------------------------------- containers

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An 8-bit RGBA PNG (colour type 6), every row with filter 0. */
export function encodePng(rgba, size) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) Buffer.from(rgba.buffer, rgba.byteOffset + y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A Windows .ico whose images are PNGs (Windows Vista and later). */
export function encodeIco(pngsBySize) {
  const sizes = [...pngsBySize.keys()].sort((a, b) => a - b);
  const header = Buffer.alloc(6 + 16 * sizes.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // icon
  header.writeUInt16LE(sizes.length, 4);
  let offset = header.length;
  sizes.forEach((size, k) => {
    const png = pngsBySize.get(size);
    const e = 6 + 16 * k;
    header[e] = size >= 256 ? 0 : size;
    header[e + 1] = size >= 256 ? 0 : size;
    header.writeUInt16LE(1, e + 4); // planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...sizes.map((s) => pngsBySize.get(s))]);
}

/** A macOS .icns of PNG elements. */
export function encodeIcns(pngsBySize) {
  const elements = ICNS_TYPES.map(([type, size]) => {
    const png = pngsBySize.get(size);
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(8 + png.length, 4);
    return Buffer.concat([head, png]);
  });
  const body = Buffer.concat(elements);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(8 + body.length, 4);
  return Buffer.concat([head, body]);
}

// ---------------------------------------------------------------- outputs

/** Every file this script writes, relative to build/icons, with its bytes. */
export function renderAll() {
  const files = new Map();
  for (const [name, draw] of [['icon', appIcon], ['document', documentIcon]]) {
    files.set(`${name}.svg`, Buffer.from(toSvg(draw(true), name === 'icon' ? 'Neurovis' : 'Neurovis model file')));
    files.set(`${name}-small.svg`, Buffer.from(toSvg(draw(false), name === 'icon' ? 'Neurovis (small sizes)' : 'Neurovis model file (small sizes)')));
    const pngs = new Map();
    for (const size of PNG_SIZES) pngs.set(size, encodePng(rasterize(draw(size > 32), size), size));
    if (name === 'icon') {
      for (const size of PNG_SIZES) files.set(`png/${size}x${size}.png`, pngs.get(size));
      files.set('icon.png', pngs.get(1024));
    } else {
      files.set('document.png', pngs.get(512));
    }
    files.set(`${name}.ico`, encodeIco(new Map(ICO_SIZES.map((s) => [s, pngs.get(s)]))));
    files.set(`${name}.icns`, encodeIcns(pngs));
  }
  return files;
}

const here = dirname(fileURLToPath(import.meta.url));
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  const files = renderAll();
  let stale = 0;
  for (const [name, bytes] of files) {
    const target = join(here, name);
    if (check) {
      let current;
      try {
        current = readFileSync(target);
      } catch {
        current = undefined;
      }
      if (!current || !current.equals(bytes)) {
        stale++;
        console.error(`stale: build/icons/${name}`);
      }
    } else {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, bytes);
    }
  }
  if (check) {
    console.log(stale === 0 ? `${files.size} icon files up to date` : `${stale} of ${files.size} icon files differ; run node build/icons/generate-icons.mjs`);
    process.exit(stale === 0 ? 0 : 1);
  }
  console.log(`wrote ${files.size} files to build/icons`);
}
