// The parts of Apache ECharts that Murmur's charts use (web/static/js/charts.js), and nothing else.
// Built by scripts/build_echarts.sh into web/static/vendor/echarts.min.js; exposes window.echarts
// as the full build does, so the vendored locale files (echarts.langZH.js, langTH) register on it.
import * as echarts from "echarts/core";
import { BarChart, FunnelChart, HeatmapChart, LineChart, PieChart } from "echarts/charts";
import {
  AriaComponent,
  GridComponent,
  LegendComponent,
  LegendScrollComponent,
  TooltipComponent,
  VisualMapContinuousComponent,
} from "echarts/components";
import { LabelLayout } from "echarts/features";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([
  LineChart, BarChart, PieChart, HeatmapChart, FunnelChart,
  GridComponent, TooltipComponent, LegendComponent, LegendScrollComponent, VisualMapContinuousComponent,
  AriaComponent, LabelLayout, CanvasRenderer,
]);
window.echarts = echarts;
