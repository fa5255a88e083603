/**
 * Geometry of the gallery (pure): every layer a section with a header and a grid of
 * cells. Only the cells inside the viewport are drawn; everything here is arithmetic
 * on scroll offsets, so a 4,096-neuron layer costs what is on screen.
 */

export interface GalleryMetrics {
  /** Thumbnail side in CSS pixels. */
  readonly thumb: number;
  /** Height of the label under each thumbnail. */
  readonly label: number;
  /** Space between cells. */
  readonly gap: number;
  /** Height of a layer's header. */
  readonly header: number;
  /** Space around the grid and between sections. */
  readonly padding: number;
  /** Width available for the cells. */
  readonly width: number;
}

export interface Section {
  readonly layer: string;
  readonly index: number;
  readonly neurons: number;
  readonly top: number;
  /** Top of the first row of cells. */
  readonly gridTop: number;
  readonly cols: number;
  readonly rows: number;
  readonly height: number;
}

export interface GalleryLayout {
  readonly metrics: GalleryMetrics;
  readonly sections: readonly Section[];
  readonly total: number;
}

export function cellWidth(m: GalleryMetrics): number {
  return m.thumb + m.gap;
}

export function cellHeight(m: GalleryMetrics): number {
  return m.thumb + m.label + m.gap;
}

function columnsFor(m: GalleryMetrics): number {
  return Math.max(1, Math.floor((m.width - 2 * m.padding + m.gap) / cellWidth(m)));
}

export function layoutGallery(layers: readonly { readonly id: string; readonly neurons: number }[], m: GalleryMetrics): GalleryLayout {
  const cols = columnsFor(m);
  const sections: Section[] = [];
  let top = 0;
  layers.forEach((l, index) => {
    const rows = Math.ceil(l.neurons / cols);
    const gridTop = top + m.header;
    const height = m.header + rows * cellHeight(m) + m.padding;
    sections.push({ layer: l.id, index, neurons: l.neurons, top, gridTop, cols, rows, height });
    top += height;
  });
  return { metrics: m, sections, total: top + m.padding };
}

export interface VisibleRange {
  readonly section: Section;
  /** First and last+1 neuron on screen. */
  readonly from: number;
  readonly to: number;
}

/** The neurons of each section between scrollTop − overscan and scrollTop + height + overscan. */
export function visibleRanges(layout: GalleryLayout, scrollTop: number, height: number, overscan = 0): VisibleRange[] {
  const lo = scrollTop - overscan;
  const hi = scrollTop + height + overscan;
  const ch = cellHeight(layout.metrics);
  const out: VisibleRange[] = [];
  for (const s of layout.sections) {
    if (s.top + s.height < lo || s.top > hi) continue;
    const firstRow = Math.max(0, Math.floor((lo - s.gridTop) / ch));
    const lastRow = Math.min(s.rows - 1, Math.floor((hi - s.gridTop) / ch));
    if (lastRow < firstRow) continue;
    const from = firstRow * s.cols;
    const to = Math.min(s.neurons, (lastRow + 1) * s.cols);
    if (to > from) out.push({ section: s, from, to });
  }
  return out;
}

/** Top-left of a neuron's thumbnail, in content coordinates. */
export function cellPosition(layout: GalleryLayout, section: Section, neuron: number): { x: number; y: number } {
  const m = layout.metrics;
  return {
    x: m.padding + (neuron % section.cols) * cellWidth(m),
    y: section.gridTop + Math.floor(neuron / section.cols) * cellHeight(m),
  };
}

/** The neuron whose thumbnail is at (x, y) in content coordinates, if any. */
export function cellAt(layout: GalleryLayout, x: number, y: number): { layer: string; neuron: number } | null {
  const m = layout.metrics;
  const s = layout.sections.find((sec) => y >= sec.gridTop && y < sec.top + sec.height);
  if (!s) return null;
  const col = Math.floor((x - m.padding) / cellWidth(m));
  const row = Math.floor((y - s.gridTop) / cellHeight(m));
  if (col < 0 || col >= s.cols || row < 0) return null;
  const inCellX = x - m.padding - col * cellWidth(m);
  const inCellY = y - s.gridTop - row * cellHeight(m);
  if (inCellX > m.thumb || inCellY > m.thumb + m.label) return null;
  const neuron = row * s.cols + col;
  return neuron < s.neurons ? { layer: s.layer, neuron } : null;
}

/** The scrollTop that brings a neuron's cell into view, or null when it already is. */
export function scrollToReveal(layout: GalleryLayout, layer: string, neuron: number, scrollTop: number, height: number): number | null {
  const s = layout.sections.find((sec) => sec.layer === layer);
  if (!s) return null;
  const { y } = cellPosition(layout, s, neuron);
  const bottom = y + cellHeight(layout.metrics);
  const headerTop = Math.floor(neuron / s.cols) === 0 ? s.top : y;
  if (headerTop < scrollTop) return headerTop;
  if (bottom > scrollTop + height) return Math.max(0, bottom - height);
  return null;
}

/** The size to draw an image of w × h in a square cell of `side`: never larger than the cell, aspect kept. */
export function fitInCell(w: number, h: number, side: number): { width: number; height: number } {
  const k = Math.min(1, side / Math.max(w, h, 1e-9));
  return { width: w * k, height: h * k };
}
