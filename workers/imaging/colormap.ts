/**
 * Colormaps as 255-entry lookup tables, built by integer-rounded linear interpolation
 * between published control points. Pure (no DOM): the gallery, the exports and the CLI
 * all map values to colours through this module, so they produce identical pixels.
 *
 * A value v is shown at t = v / (2·m) + ½ with m = max|x| (Lucid's mapping), so zero is
 * always the middle entry (index 127) and ±m the ends.
 */

export type ColormapName = 'rdbu' | 'coolwarm' | 'puor' | 'gray' | 'viridis';

export const COLORMAPS: readonly ColormapName[] = ['rdbu', 'coolwarm', 'puor', 'gray', 'viridis'];

/** Odd, so zero has an exact middle entry. */
export const LUT_SIZE = 255;
export const LUT_CENTRE = (LUT_SIZE - 1) / 2;

type RGB = readonly [number, number, number];

function hex(h: string): RGB {
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
}

// Control points from negative (index 0) to positive (last).
const CONTROL_POINTS: Record<ColormapName, readonly RGB[]> = {
  // ColorBrewer RdBu, reversed: negative blue, positive red.
  rdbu: ['#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f'].map(hex),
  // Moreland's cool–warm as matplotlib samples it at 0, ¼, ½, ¾, 1.
  coolwarm: [
    [59, 76, 192],
    [141, 176, 254],
    [221, 221, 221],
    [244, 152, 122],
    [180, 4, 38],
  ],
  // ColorBrewer PuOr, reversed: negative purple, positive orange.
  puor: ['#2d004b', '#542788', '#8073ac', '#b2abd2', '#d8daeb', '#f7f7f7', '#fee0b6', '#fdb863', '#e08214', '#b35806', '#7f3b08'].map(hex),
  gray: [
    [0, 0, 0],
    [255, 255, 255],
  ],
  viridis: ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'].map(hex),
};

const lutCache = new Map<ColormapName, Uint8Array>();

/** LUT_SIZE × RGB bytes of a colormap. */
export function colormapLut(name: ColormapName): Uint8Array {
  const cached = lutCache.get(name);
  if (cached) return cached;
  const points = CONTROL_POINTS[name];
  if (!points) throw new Error(`unknown colormap "${name}"`);
  const lut = new Uint8Array(LUT_SIZE * 3);
  const segments = points.length - 1;
  for (let i = 0; i < LUT_SIZE; i++) {
    const pos = (i * segments) / (LUT_SIZE - 1);
    const k = Math.min(segments - 1, Math.floor(pos));
    const f = pos - k;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(points[k][c] + (points[k + 1][c] - points[k][c]) * f);
  }
  lutCache.set(name, lut);
  return lut;
}

/** The LUT index of value v under scale m (max|x|): zero → LUT_CENTRE, ±m → the ends. */
export function lutIndex(v: number, m: number): number {
  if (!(m > 0) || !Number.isFinite(v)) return LUT_CENTRE;
  const i = Math.round((v / (2 * m) + 0.5) * (LUT_SIZE - 1));
  return i < 0 ? 0 : i > LUT_SIZE - 1 ? LUT_SIZE - 1 : i;
}

/** Evenly spaced CSS colours from negative to positive, for chart legends (ECharts visualMap). */
export function colormapStops(name: ColormapName, count = 11): string[] {
  const lut = colormapLut(name);
  return Array.from({ length: count }, (_, k) => {
    const i = Math.round((k * (LUT_SIZE - 1)) / (count - 1)) * 3;
    return `rgb(${lut[i]}, ${lut[i + 1]}, ${lut[i + 2]})`;
  });
}

/** Lucid's RGB mapping of one channel value: x / (2·m) + ½, as a byte. */
export function lucidByte(v: number, m: number): number {
  if (!(m > 0) || !Number.isFinite(v)) return 128;
  const b = Math.round((v / (2 * m) + 0.5) * 255);
  return b < 0 ? 0 : b > 255 ? 255 : b;
}
