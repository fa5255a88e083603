/** The ECharts build of the renderer: only the charts and components it draws with. */
import * as echarts from 'echarts/core';
import { BarChart, GraphChart, HeatmapChart, LineChart } from 'echarts/charts';
import { DataZoomComponent, GraphicComponent, GridComponent, MarkLineComponent, TooltipComponent, VisualMapComponent, LegendComponent, TitleComponent } from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, GraphChart, HeatmapChart, LineChart, DataZoomComponent, GraphicComponent, GridComponent, MarkLineComponent, TooltipComponent, VisualMapComponent, LegendComponent, TitleComponent, CanvasRenderer, SVGRenderer]);

export { echarts };
export type EChartsOption = echarts.EChartsCoreOption;
export type ECharts = echarts.ECharts;
