// The evaluation pages' charts: the Pareto curve (share of customers → share of order value)
// and the recency-frequency-value segments. Apache ECharts, tree-shaken. The data comes from a
// json_script block; labels from data- attributes; names are drawn on the canvas (richText),
// never as HTML.
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);

function pareto(el, data) {
  return {
    tooltip: { trigger: "axis", renderMode: "richText" },
    grid: { left: 56, right: 24, top: 24, bottom: 48 },
    xAxis: { type: "value", name: el.dataset.labelX, nameLocation: "middle", nameGap: 28, min: 0, max: 100 },
    yAxis: { type: "value", name: el.dataset.labelY, min: 0, max: 100 },
    series: [{
      type: "line", showSymbol: false, data: data.curve, itemStyle: { color: "#0b6e4f" }, areaStyle: { opacity: 0.15 },
      markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#d63384" },
        data: [{ xAxis: 20 }, { yAxis: 80 }] },
    }],
  };
}

function rfv(el, data) {
  return {
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: { left: 56, right: 56, top: 36, bottom: 72 },
    xAxis: { type: "category", data: data.segments.map((s) => s.label), axisLabel: { rotate: 30 } },
    yAxis: [{ type: "value", name: el.dataset.labelCustomers, minInterval: 1 }, { type: "value", name: "¥" }],
    series: [
      { name: el.dataset.labelCustomers, type: "bar", data: data.segments.map((s) => s.customers), itemStyle: { color: "#8fc1a9" } },
      { name: el.dataset.labelValue, type: "bar", yAxisIndex: 1, data: data.segments.map((s) => s.value), itemStyle: { color: "#0b6e4f" } },
    ],
  };
}

document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("evaluation-chart-data");
  if (!source) return;
  const data = JSON.parse(source.textContent);
  document.querySelectorAll("[data-evaluation-chart]").forEach((el) => {
    const chart = echarts.init(el);
    chart.setOption(el.dataset.evaluationChart === "pareto" ? pareto(el, data) : rfv(el, data));
    new ResizeObserver(() => chart.resize()).observe(el);
    el.dataset.ready = "1";
  });
});
