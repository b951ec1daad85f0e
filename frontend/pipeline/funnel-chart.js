// The funnel page's chart: prospects reaching each stage (funnel) and lost reasons (bars).
// Apache ECharts, tree-shaken; labels drawn on the canvas (stage names are configurable text).
import { BarChart, FunnelChart } from "echarts/charts";
import { GridComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, FunnelChart, GridComponent, TooltipComponent, CanvasRenderer]);

function initChart(el) {
  const data = JSON.parse(document.getElementById("funnel-chart-data").textContent);
  const chart = echarts.init(el);
  const top = Math.max(1, ...data.reached);
  chart.setOption({
    tooltip: { trigger: "item", renderMode: "richText" },
    grid: { left: "62%", right: 16, top: 16, bottom: 24, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.reasons, axisLabel: { width: 110, overflow: "truncate" } },
    series: [
      {
        name: el.dataset.labelReached,
        type: "funnel",
        left: 0,
        width: "56%",
        top: 8,
        bottom: 8,
        sort: "none",
        min: 0,
        max: top,
        label: { position: "inside", formatter: "{b}: {c}" },
        data: data.stages.map((name, i) => ({ name, value: data.reached[i] })),
      },
      { name: el.dataset.labelLost, type: "bar", data: data.lost, itemStyle: { color: "#d63384" } },
    ],
  });
  new ResizeObserver(() => chart.resize()).observe(el);
  el.dataset.ready = "1";
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-funnel-chart]").forEach(initChart);
});
