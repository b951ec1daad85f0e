// Bundle the page assets into outletcrm/static/dist/ (gitignored): `npm run build`.
// Everything comes from node_modules, so pages work offline and on intranets (no CDN).
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "outletcrm/static/dist");
const watch = process.argv.includes("--watch");

const options = {
  absWorkingDir: root,
  entryPoints: {
    app: "frontend/app.js",
    // The field app for reps' phones (/m/): offline queue, check-in, visit flow.
    mobile: "frontend/mobile/mobile.js",
    // Supervision pages (routes, day, KPIs): maps and drag-reorder; ECharts only on the KPI page.
    supervision: "frontend/supervision/index.js",
    "kpi-charts": "frontend/supervision/kpi-charts.js",
    // Route optimiser pages (best day, route design, territories) and the phone's button.
    optimise: "frontend/optimise/index.js",
    "optimise-phone": "frontend/optimise/phone.js",
    // The order form's line amounts and total (no inline script: Content Security Policy).
    orders: "frontend/orders/order-form.js",
    // Customer development: campaign area editor and coverage map, report printing.
    development: "frontend/development/index.js",
    // The prospect pipeline's board (drag and drop) and its funnel chart (ECharts).
    pipeline: "frontend/pipeline/board.js",
    "pipeline-funnel": "frontend/pipeline/funnel-chart.js",
    // Evaluation pages: the Pareto curve and the recency-frequency-value segments (ECharts).
    "evaluation-charts": "frontend/evaluation/charts.js",
  },
  outdir,
  bundle: true,
  minify: !watch,
  sourcemap: true,
  format: "iife",
  target: "es2020",
  // Icon fonts and Leaflet's images are copied next to the bundle with a content hash.
  loader: { ".woff": "file", ".woff2": "file", ".png": "file", ".svg": "file" },
  assetNames: "assets/[name]-[hash]",
  legalComments: "linked",
  // Leaflet plugins that expect a global `L` get the bundle's own Leaflet (see the file).
  inject: ["frontend/leaflet-inject.js"],
  logLevel: "info",
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  rmSync(outdir, { recursive: true, force: true });
  await esbuild.build(options);
}
