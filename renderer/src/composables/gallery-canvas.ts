/**
 * Drawing the gallery (GalleryPane's drawing seam): one ECharts canvas, one set of
 * elements per neuron cell on screen, reused as cells scroll in and out.
 */
import { ref, type Ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { echarts, type ECharts } from '../charts/echarts';
import { canvasColors } from './theme';
import { cellPosition, fitInCell, visibleRanges, type GalleryLayout } from '../render/gallery-layout';
import { cachedThumbnail, drawThumbnail, shownSize } from '../render/thumbnail-canvas';
import type { ThumbnailDrawing } from '../../../workers/imaging/input-layout';
import { useExplore } from '../stores/explore';
import { useGallery } from '../stores/gallery';
import { useSettings } from '../stores/settings';

/** Milliseconds of thumbnail drawing per frame; the rest waits for the next frame. */
const DRAW_BUDGET_MS = 6;

type ZRImage = InstanceType<typeof echarts.graphic.Image>;
type ZRRect = InstanceType<typeof echarts.graphic.Rect>;
type ZRText = InstanceType<typeof echarts.graphic.Text>;
type ZRGroup = InstanceType<typeof echarts.graphic.Group>;
/** The elements of one neuron's cell, kept while it stays on screen. */
interface Cell {
  back: ZRRect;
  image: ZRImage;
  label: ZRText;
  /** What the cell shows now: a canvas, or 'pending' / 'failed'. */
  shows: HTMLCanvasElement | string;
  labelText: string;
  seen: number;
}

export interface GalleryCanvasInputs {
  readonly host: Ref<HTMLDivElement | undefined>;
  readonly width: Ref<number>;
  readonly height: Ref<number>;
  readonly scrollTop: Ref<number>;
  readonly layout: Ref<GalleryLayout>;
  /** How a layer's x* are drawn (shape, receptive-field crop); null while no model is open. */
  readonly drawingOf: (layer: string) => ThumbnailDrawing | null;
  readonly dark: Ref<boolean>;
  /** Height of the label under each thumbnail (the focus ring goes around both). */
  readonly labelHeight: number;
}

/** A cell's label cut to the cell's width (11 px text: about 6 px a character). */
export function clipLabel(text: string, width: number): string {
  const max = Math.max(3, Math.floor(width / 6));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function useGalleryCanvas(inputs: GalleryCanvasInputs) {
  const gallery = useGallery();
  const explore = useExplore();
  const settings = useSettings();
  const { t } = useI18n();
  const { host, width, height, scrollTop, layout, drawingOf, dark } = inputs;

  const drawnPerLayer = ref<Record<string, number>>({});
  const drawnTotal = ref(0);

  let chart: ECharts | undefined;
  /** Holds every cell at its place in the content; scrolling moves the group, not the cells. */
  let content: ZRGroup | undefined;
  let focusRing: ZRRect | undefined;
  let cells = new Map<string, Cell>();
  const spare: Cell[] = [];
  let cellsLayout: GalleryLayout | undefined;
  let pass = 0;
  let frame = 0;

  function init(): void {
    chart?.dispose();
    cells = new Map();
    spare.length = 0;
    chart = echarts.init(host.value!, dark.value ? 'dark' : undefined, { renderer: 'canvas', width: width.value || undefined, height: height.value || undefined });
    content = new echarts.graphic.Group();
    focusRing = new echarts.graphic.Rect({ shape: { x: 0, y: 0, width: 0, height: 0 }, style: { fill: 'none', lineWidth: 2 }, silent: true, z: 10, ignore: true });
    content.add(focusRing);
    chart.getZr().add(content);
    requestDraw();
  }

  function resize(): void {
    chart?.resize({ width: width.value, height: height.value });
    requestDraw();
  }

  function dispose(): void {
    cancelAnimationFrame(frame);
    chart?.dispose();
    // A draw scheduled by a watcher that ran just before this must find no chart.
    chart = undefined;
    content = undefined;
  }

  function takeCell(): Cell {
    const reused = spare.pop();
    if (reused) {
      reused.back.attr({ ignore: false });
      reused.label.attr({ ignore: false });
      return reused;
    }
    const cell: Cell = {
      back: new echarts.graphic.Rect({ shape: { x: 0, y: 0, width: 0, height: 0 }, style: { lineWidth: 1 }, silent: true }),
      image: new echarts.graphic.Image({ style: { x: 0, y: 0, width: 0, height: 0, image: '' }, silent: true, z: 1, ignore: true }),
      label: new echarts.graphic.Text({ style: { text: '', x: 0, y: 0, align: 'center', verticalAlign: 'top', font: '11px system-ui, sans-serif' }, silent: true }),
      shows: '',
      labelText: '',
      seen: 0,
    };
    content!.add(cell.back);
    content!.add(cell.image);
    content!.add(cell.label);
    return cell;
  }

  function releaseCell(cell: Cell): void {
    cell.back.attr({ ignore: true });
    cell.image.attr({ ignore: true });
    cell.label.attr({ ignore: true });
    cell.shows = '';
    cell.labelText = '';
    spare.push(cell);
  }

  function requestDraw(): void {
    if (frame === 0) frame = requestAnimationFrame(draw);
  }

  /**
   * Draws the cells on screen. Cells keep their elements while visible, so a scroll only
   * moves the content group and adds the rows that come into view; thumbnails not drawn
   * yet are made within a per-frame budget.
   */
  function draw(): void {
    frame = 0;
    const model = gallery.summary;
    if (!chart || !content || !model || width.value === 0) return;
    const dpr = window.devicePixelRatio || 1;
    const L = layout.value;
    const m = L.metrics;
    if (cellsLayout !== L) {
      // New geometry (size, width, model): every cell moves.
      for (const cell of cells.values()) releaseCell(cell);
      cells.clear();
      cellsLayout = L;
    }
    const display = settings.display;
    const colors = canvasColors(dark.value);
    const thumbPx = Math.max(4, Math.round(m.thumb * dpr));
    const deadline = performance.now() + DRAW_BUDGET_MS;
    const focus = gallery.focus;
    const deadText = t('gallery.dead');
    pass++;
    let unfinished = false;
    let focusShown = false;
    const drawn: Record<string, number> = {};
    let total = 0;
    for (const range of visibleRanges(L, scrollTop.value, height.value)) {
      const layer = range.section.layer;
      const data = gallery.layerData(layer);
      const drawing = drawingOf(layer);
      let count = 0;
      for (let k = range.from; k < range.to; k++) {
        const n = explore.neuronAt(layer, k);
        const pos = cellPosition(L, range.section, k);
        const x = Math.round(pos.x);
        const y = Math.round(pos.y);
        const key = `${layer}\u0000${n}`;
        let cell = cells.get(key);
        if (!cell) {
          cell = takeCell();
          cells.set(key, cell);
        }
        cell.seen = pass;
        const ready = (data?.has(n) ?? false) && drawing !== null;
        let canvas = ready ? cachedThumbnail(data!, n, drawing, display, thumbPx) : undefined;
        if (ready && !canvas) {
          if (performance.now() < deadline) canvas = drawThumbnail(data!, n, drawing, display, thumbPx);
          else unfinished = true;
        }
        const shows: HTMLCanvasElement | string = canvas ?? (data?.state[n] === 2 ? 'failed' : 'pending');
        if (cell.shows !== shows) {
          cell.shows = shows;
          if (canvas) {
            // Inputs larger than the cell (a super-resolution model's) are drawn smaller, never over the neighbours.
            const shown = shownSize(canvas);
            const { width: w, height: h } = fitInCell(shown.width / dpr, shown.height / dpr, m.thumb);
            const ix = x + Math.round((m.thumb - w) / 2);
            const iy = y + Math.round((m.thumb - h) / 2);
            cell.image.attr({ ignore: false, style: { image: canvas, x: ix, y: iy, width: w, height: h } });
            // A hairline frame: a thumbnail's zero colour can be the page's own.
            cell.back.attr({ shape: { x: ix - 0.5, y: iy - 0.5, width: w + 1, height: h + 1 }, style: { fill: 'none', stroke: colors.frame } });
          } else {
            cell.image.attr({ ignore: true });
            cell.back.attr({ shape: { x, y, width: m.thumb, height: m.thumb }, style: { fill: shows === 'failed' ? colors.failed : colors.pending, stroke: colors.pendingStroke } });
          }
        }
        if (canvas) count++;
        const dead = ready && data!.dead[n] === 1;
        const className = explore.labelOf(layer, n);
        const labelText = clipLabel(dead ? `${n} · ${deadText}` : className ? `${n} · ${className}` : String(n), m.thumb);
        if (cell.labelText !== labelText) {
          cell.labelText = labelText;
          cell.label.attr({ style: { text: labelText, x: x + m.thumb / 2, y: y + m.thumb + 4, fill: dead ? colors.dead : colors.muted } });
        }
        if (focus && focus.layer === layer && focus.neuron === n) {
          focusRing!.attr({ ignore: false, shape: { x: x - 3, y: y - 3, width: m.thumb + 6, height: m.thumb + inputs.labelHeight + 2 }, style: { stroke: colors.focus } });
          focusShown = true;
        }
      }
      drawn[layer] = count;
      total += count;
    }
    for (const [key, cell] of cells) {
      if (cell.seen !== pass) {
        releaseCell(cell);
        cells.delete(key);
      }
    }
    if (!focusShown) focusRing!.attr({ ignore: true });
    content.attr({ y: -scrollTop.value });
    if (unfinished) requestDraw();
    if (total !== drawnTotal.value || Object.keys(drawn).some((k) => drawn[k] !== drawnPerLayer.value[k]) || Object.keys(drawn).length !== Object.keys(drawnPerLayer.value).length) {
      drawnPerLayer.value = drawn;
      drawnTotal.value = total;
    }
  }

  return { drawnPerLayer, drawnTotal, init, resize, dispose, requestDraw };
}
