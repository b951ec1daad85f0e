// Customer development pages: the campaign area editor (click to add the polygon's corners),
// the campaign coverage map (area, grid cells swept or not, outlets by rep, customers not yet
// surveyed) and the report's print button. User text reaches Leaflet only through tipText.
import "./development.css";

import { PALETTE, addLegend, createMap, finish, L, stopMarker, toDisplay } from "../maps.js";

function readJson(id) {
  const el = document.getElementById(id);
  return el ? JSON.parse(el.textContent) : null;
}

/** GeoJSON [lng, lat] rings → Leaflet [lat, lng] display points. */
function ringToLatLngs(ring) {
  return ring.map(([lng, lat]) => toDisplay(lat, lng));
}

function areaRings(area) {
  if (!area) return [];
  if (area.type === "Polygon") return [area.coordinates[0]];
  if (area.type === "MultiPolygon") return area.coordinates.map((p) => p[0]);
  return [];
}

function initAreaEditor(el) {
  const field = document.querySelector("[data-area-field]");
  const map = createMap(el, { scrollWheelZoom: true });
  let points = [];
  try {
    const area = field.value ? JSON.parse(field.value) : null;
    points = (areaRings(area)[0] || []).slice(0, -1).map(([lng, lat]) => [lat, lng]);
  } catch {
    points = [];
  }
  const shape = L.polygon([], { color: "#0b6e4f", weight: 2 }).addTo(map);
  const corners = L.layerGroup().addTo(map);
  function draw() {
    shape.setLatLngs(points.map(([lat, lng]) => toDisplay(lat, lng)));
    corners.clearLayers();
    points.forEach(([lat, lng], i) => corners.addLayer(stopMarker(toDisplay(lat, lng), { n: i + 1, size: 18 })));
    field.value = points.length >= 3
      ? JSON.stringify({ type: "Polygon", coordinates: [[...points, points[0]].map(([lat, lng]) => [lng, lat])] })
      : "";
    el.dataset.corners = String(points.length);
  }
  map.on("click", (event) => {
    // The display may be shifted (GCJ-02 tiles); stored coordinates stay WGS-84 (close enough
    // for an area drawn by hand).
    points.push([Number(event.latlng.lat.toFixed(6)), Number(event.latlng.lng.toFixed(6))]);
    draw();
  });
  document.querySelector("[data-area-clear]")?.addEventListener("click", () => {
    points = [];
    draw();
  });
  draw();
  finish(el, map, points);
}

function initCampaignMap(el) {
  const data = readJson("campaign-map-data");
  if (!data) return;
  const map = createMap(el);
  const bounds = [];
  for (const cell of data.cells) {
    const [[a, b], [c, d]] = cell.bounds;
    L.rectangle([toDisplay(a, b), toDisplay(c, d)], {
      weight: 0.5, color: cell.swept ? "#0b6e4f" : "#adb5bd",
      fillColor: cell.swept ? "#0b6e4f" : "#dc3545", fillOpacity: cell.swept ? 0.25 : 0.08,
      className: cell.swept ? "sweep-cell-swept" : "sweep-cell-unswept", interactive: false,
    }).addTo(map);
  }
  for (const ring of areaRings(data.area)) {
    const latlngs = ringToLatLngs(ring);
    L.polygon(latlngs, { color: "#0b6e4f", weight: 2, fill: false, interactive: false }).addTo(map);
    bounds.push(...latlngs);
  }
  for (const t of data.not_surveyed) {
    const p = toDisplay(t.lat, t.lng);
    stopMarker(p, { colour: "#adb5bd", size: 14, tooltip: `${data.labels.not_surveyed}: ${t.code} ${t.name}` }).addTo(map);
    bounds.push(p);
  }
  for (const o of data.outlets) {
    const p = toDisplay(o.lat, o.lng);
    stopMarker(p, {
      n: `${o.completeness}`, colour: PALETTE[o.colour % PALETTE.length], size: 28,
      className: "sweep-outlet-pin", tooltip: `${o.name} · ${o.rep} · ${o.completeness}%`,
    }).addTo(map);
    bounds.push(p);
  }
  if (data.legend.length) {
    addLegend(map, [
      ...data.legend.map((label, i) => ({ label, colour: PALETTE[i % PALETTE.length] })),
      ...(data.cells.length ? [{ label: data.labels.swept, colour: "#0b6e4f" }, { label: data.labels.unswept, colour: "#f1aeb5" }] : []),
    ]);
  }
  finish(el, map, bounds);
}

document.querySelectorAll("[data-area-editor]").forEach(initAreaEditor);
document.querySelectorAll("[data-campaign-map]").forEach(initCampaignMap);
document.querySelectorAll("[data-print]").forEach((button) => button.addEventListener("click", () => window.print()));
