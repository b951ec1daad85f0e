// The KPI page's trend: completion and success rates (lines, %) over planned and visited
// stops (bars), per day/week/month or per rep/team/region. Apache ECharts, tree-shaken.
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

function numbers(values) {
  return values.map((v) => (v === null || v === undefined ? null : Number(v)));
}

function initChart(el) {
  const data = JSON.parse(document.getElementById("kpi-chart-data").textContent);
  const labels = el.dataset;
  const chart = echarts.init(el);
  chart.setOption({
    // Drawn on the canvas (richText), not as HTML: rep and team names are user text, and the
    // HTML tooltip's inline styles would need 'unsafe-inline' in the CSP.
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: { left: 48, right: 48, top: 40, bottom: 40 },
    xAxis: { type: "category", data: data.labels },
    yAxis: [
      { type: "value", name: "%", min: 0, max: 100 },
      { type: "value", name: "#", minInterval: 1 },
    ],
    series: [
      { name: labels.labelPlanned, type: "bar", yAxisIndex: 1, data: data.planned, itemStyle: { color: "#cfe2d9" } },
      { name: labels.labelVisited, type: "bar", yAxisIndex: 1, data: data.visited, itemStyle: { color: "#8fc1a9" } },
      { name: labels.labelCompletion, type: "line", data: numbers(data.completion), connectNulls: false, itemStyle: { color: "#0b6e4f" } },
      { name: labels.labelSuccess, type: "line", data: numbers(data.success), connectNulls: false, itemStyle: { color: "#d63384" } },
    ],
  });
  new ResizeObserver(() => chart.resize()).observe(el);
  el.dataset.ready = "1";
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-kpi-chart]").forEach(initChart);
});
