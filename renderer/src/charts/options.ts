/** ECharts options of the detail and overview charts (no DOM: the SVG export can reuse them). */
import { colormapStops, type ColormapName } from '../../../workers/imaging/colormap';
import { SERIES_PALETTE } from '../../../workers/imaging/thumbnail';
import { formatNumber } from '../domain/format';
import type { EChartsOption } from './echarts';

const STOPS = 33;

export interface Box {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** A grid of square cells as large as fits in the chart, centred, leaving room for axes and the legend. */
export function squareGrid(chartWidth: number, chartHeight: number, rows: number, cols: number): Box {
  const availW = Math.max(40, chartWidth - 56 - 100);
  const availH = Math.max(40, chartHeight - 24 - 36);
  // Whole pixels per cell, so neighbouring cells meet without anti-aliased seams.
  const fit = Math.min(availW / cols, availH / rows);
  const cell = fit >= 1 ? Math.floor(fit) : fit;
  const width = cell * cols;
  const height = cell * rows;
  return { left: Math.round(56 + (availW - width) / 2), top: Math.round(24 + (availH - height) / 2), width, height };
}

export interface HeatmapLabels {
  readonly row: string;
  readonly col: string;
  readonly value: string;
}

/**
 * One channel of x* as a heatmap: row 0 at the top, a colour legend centred at zero.
 * `origin`: the input's row and column of the first value (a zoomed window), which the axes and the tooltip name.
 */
export function heatmapOption(values: ArrayLike<number>, rows: number, cols: number, m: number, colormap: ColormapName, grid: Box, labels: HeatmapLabels, origin: readonly [number, number] = [0, 0]): EChartsOption {
  const data: [number, number, number][] = new Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] = [j, i, values[i * cols + j]];
  const [y0, x0] = origin;
  const scale = m > 0 ? m : 1;
  return {
    backgroundColor: 'transparent',
    animation: false,
    tooltip: {
      trigger: 'item',
      formatter: (p: { value: [number, number, number] }) => `${labels.row} ${y0 + p.value[1]}, ${labels.col} ${x0 + p.value[0]}<br/>${labels.value} = <b>${formatNumber(p.value[2], 6)}</b>`,
    },
    grid: { left: grid.left, top: grid.top, width: grid.width, height: grid.height },
    xAxis: { type: 'category', data: Array.from({ length: cols }, (_, j) => x0 + j), splitArea: { show: false }, axisTick: { show: false }, axisLine: { show: false } },
    yAxis: { type: 'category', data: Array.from({ length: rows }, (_, i) => y0 + i), inverse: true, splitArea: { show: false }, axisTick: { show: false }, axisLine: { show: false } },
    visualMap: {
      type: 'continuous',
      min: -scale,
      max: scale,
      calculable: true,
      precision: 3,
      orient: 'vertical',
      right: 8,
      top: 'middle',
      itemHeight: Math.max(80, Math.min(260, grid.height - 40)),
      inRange: { color: colormapStops(colormap, STOPS) },
      formatter: (v: number) => formatNumber(v, 3),
    },
    series: [
      {
        type: 'heatmap',
        data,
        progressive: 0,
        emphasis: { itemStyle: { borderColor: '#111', borderWidth: 1 } },
      },
    ],
  };
}

/** A vector x* as bars coloured by value. */
export function barsOption(values: ArrayLike<number>, m: number, colormap: ColormapName, labels: { index: string; value: string }): EChartsOption {
  const scale = m > 0 ? m : 1;
  return {
    backgroundColor: 'transparent',
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => formatNumber(Number(v), 6) },
    grid: { left: 56, right: 100, top: 24, bottom: 40 },
    xAxis: { type: 'category', name: labels.index, nameLocation: 'middle', nameGap: 26, data: Array.from({ length: values.length }, (_, i) => i) },
    yAxis: { type: 'value', name: labels.value, min: -scale, max: scale },
    visualMap: { type: 'continuous', min: -scale, max: scale, dimension: 1, orient: 'vertical', right: 8, top: 'middle', calculable: true, inRange: { color: colormapStops(colormap, STOPS) }, formatter: (v: number) => formatNumber(v, 3) },
    dataZoom: values.length > 200 ? [{ type: 'inside' }, { type: 'slider', height: 16, bottom: 4 }] : [],
    series: [{ type: 'bar', name: labels.value, data: Array.from(values), barCategoryGap: '15%', large: values.length > 500 }],
  };
}

/** A sequence x* (channels × length) as one line per channel. */
export function linesOption(channels: readonly ArrayLike<number>[], m: number, labels: { step: string; channel: string }): EChartsOption {
  const scale = m > 0 ? m : 1;
  const length = channels[0]?.length ?? 0;
  return {
    backgroundColor: 'transparent',
    animation: false,
    color: SERIES_PALETTE.map(([r, g, b]) => `rgb(${r}, ${g}, ${b})`),
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => formatNumber(Number(v), 6) },
    legend: channels.length > 1 ? { top: 0 } : undefined,
    grid: { left: 56, right: 24, top: 32, bottom: 40 },
    xAxis: { type: 'category', name: labels.step, nameLocation: 'middle', nameGap: 26, data: Array.from({ length }, (_, i) => i) },
    yAxis: { type: 'value', min: -scale, max: scale },
    dataZoom: length > 300 ? [{ type: 'inside' }] : [],
    series: channels.map((c, k) => ({ type: 'line', name: `${labels.channel} ${k}`, data: Array.from(c), showSymbol: length <= 64, sampling: 'lttb' })),
  };
}

/** Ascent: the activation at every step, with the closed form as a reference line. */
export function traceOption(trace: ArrayLike<number>, closedForm: number, labels: { step: string; activation: string; closedForm: string }): EChartsOption {
  return {
    backgroundColor: 'transparent',
    animation: false,
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => formatNumber(Number(v), 6) },
    grid: { left: 64, right: 120, top: 24, bottom: 40 },
    xAxis: { type: 'category', name: labels.step, nameLocation: 'middle', nameGap: 26, data: Array.from({ length: trace.length }, (_, i) => i) },
    yAxis: { type: 'value', name: labels.activation, scale: true },
    series: [
      {
        type: 'line',
        name: labels.activation,
        data: Array.from(trace),
        showSymbol: trace.length <= 40,
        markLine: {
          symbol: 'none',
          lineStyle: { type: 'dashed' },
          label: { formatter: `${labels.closedForm} ${formatNumber(closedForm)}`, position: 'end' },
          data: [{ yAxis: closedForm }],
        },
      },
    ],
  };
}

/** The activation reached by every neuron of a layer, in the given order; dead neurons greyed. */
export function activationsOption(
  order: readonly number[],
  activations: ArrayLike<number>,
  dead: ArrayLike<number>,
  have: (n: number) => boolean,
  labels: { neuron: string; activation: string },
  colors: { bar: string; dead: string },
): EChartsOption {
  const data = order.map((n) => ({
    value: have(n) ? activations[n] : null,
    itemStyle: dead[n] ? { color: colors.dead } : undefined,
  }));
  return {
    backgroundColor: 'transparent',
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => (v === null || v === undefined ? '—' : formatNumber(Number(v), 6)) },
    grid: { left: 64, right: 24, top: 24, bottom: order.length > 60 ? 56 : 40 },
    xAxis: { type: 'category', name: labels.neuron, nameLocation: 'middle', nameGap: 26, data: order.map(String) },
    yAxis: { type: 'value', name: labels.activation },
    dataZoom: order.length > 60 ? [{ type: 'inside' }, { type: 'slider', height: 16, bottom: 8 }] : [],
    series: [{ type: 'bar', name: labels.activation, data, itemStyle: { color: colors.bar }, large: order.length > 2000 }],
  };
}

/** A small matrix (rows × cols, row-major) as a labelled heatmap. */
export function matrixOption(values: ArrayLike<number>, rows: number, cols: number, colormap: ColormapName, labels: { rows: string; cols: string }, rowNames?: readonly string[]): EChartsOption {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  const data: [number, number, number][] = [];
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data.push([j, i, values[i * cols + j]]);
  return {
    backgroundColor: 'transparent',
    animation: false,
    tooltip: { formatter: (p: { value: [number, number, number] }) => `${labels.rows} ${rowNames?.[p.value[1]] ?? p.value[1]}, ${labels.cols} ${p.value[0]}: <b>${formatNumber(p.value[2], 6)}</b>` },
    grid: { left: 72, right: 90, top: 16, bottom: 40 },
    xAxis: { type: 'category', name: labels.cols, nameLocation: 'middle', nameGap: 26, data: Array.from({ length: cols }, (_, j) => j) },
    yAxis: { type: 'category', name: labels.rows, data: rowNames ? [...rowNames] : Array.from({ length: rows }, (_, i) => i), inverse: true },
    visualMap: { type: 'continuous', min: -(m || 1), max: m || 1, orient: 'vertical', right: 8, top: 'middle', calculable: true, inRange: { color: colormapStops(colormap, STOPS) }, formatter: (v: number) => formatNumber(v, 3) },
    series: [{ type: 'heatmap', data, label: { show: rows * cols <= 64, formatter: (p: { value: [number, number, number] }) => formatNumber(p.value[2], 3) } }],
  };
}

/** A histogram of weight values: bins of equal width from `min` to `max`. */
export function histogramOption(counts: readonly number[], min: number, max: number, labels: { value: string; count: string }, color: string): EChartsOption {
  const width = (max - min) / Math.max(1, counts.length);
  return {
    backgroundColor: 'transparent',
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 56, right: 24, top: 24, bottom: 44 },
    xAxis: { type: 'category', name: labels.value, nameLocation: 'middle', nameGap: 28, data: counts.map((_, i) => formatNumber(min + (i + 0.5) * width, 3)) },
    yAxis: { type: 'value', name: labels.count },
    series: [{ type: 'bar', name: labels.count, data: [...counts], barCategoryGap: '5%', itemStyle: { color } }],
  };
}
