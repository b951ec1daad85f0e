// Supervision pages: the route editor (numbered outlets on a map, drag to reorder), the day
// plan's drag-reorder, the supervisor's day map and a visit's evidence map.
// Every action also works without JavaScript (buttons post to the server); this file adds
// dragging and the maps. Coordinates are WGS-84 and shifted for GCJ-02 tiles (../coords.js).
import "./supervision.css";

import L from "leaflet";

import { displayPoint } from "../coords.js";

const STATUS_COLOURS = {
  visited: "#198754",
  not_yet: "#ffc107",
  missed: "#dc3545",
  rejected: "#dc3545",
  dropped: "#6c757d",
};

function readJson(id) {
  const el = document.getElementById(id);
  return el ? JSON.parse(el.textContent) : null;
}

/** A Leaflet map on `el` with the configured tiles, or a blank canvas when there are none. */
export function baseMap(el) {
  const body = document.body.dataset;
  const map = L.map(el, { scrollWheelZoom: false, attributionControl: Boolean(body.tileUrl) });
  if (body.tileUrl) {
    L.tileLayer(body.tileUrl, { maxZoom: 19, attribution: body.tileAttribution || "" }).addTo(map);
  } else {
    el.classList.add("map-offline");
  }
  new ResizeObserver(() => map.invalidateSize()).observe(el);
  return map;
}

function point(lat, lng) {
  const p = displayPoint(lat, lng, document.body.dataset.tileCrs);
  return [p.lat, p.lng];
}

function fit(map, points) {
  if (points.length === 1) map.setView(points[0], 16);
  else if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.15));
  else map.setView([35, 105], 4);
}

export function numberedIcon(n, colour = "#0b6e4f") {
  return L.divIcon({
    className: "route-marker",
    html: `<span style="background:${colour}">${n}</span>`,
    iconSize: [26, 26],
    iconAnchor: [13, 13],
  });
}

// --- drag to reorder (route outlets, plan stops) -------------------------------------------

/** Native drag and drop on the [data-stop] children of `list`; calls onChange after a drop. */
export function sortable(list, onChange) {
  let dragged = null;
  list.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("[data-stop]");
    if (!dragged) return;
    dragged.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.dataset.id || "");
  });
  list.addEventListener("dragover", (event) => {
    if (!dragged) return;
    event.preventDefault();
    const over = event.target.closest("[data-stop]");
    if (!over || over === dragged) return;
    const box = over.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    over.parentNode.insertBefore(dragged, after ? over.nextSibling : over);
  });
  list.addEventListener("drop", (event) => event.preventDefault());
  list.addEventListener("dragend", () => {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    dragged = null;
    onChange();
  });
}

function markDirty(form) {
  const button = form.querySelector("[data-save-order]") ||
    document.querySelector(`[data-save-order][form="${form.id}"]`);
  if (button) {
    button.classList.add("btn-warning");
    button.classList.remove("btn-primary");
  }
}

// --- route editor ---------------------------------------------------------------------------

function initRouteEditor(form) {
  const list = form.querySelector("[data-stop-list]");
  const mapEl = document.querySelector("[data-route-map]");
  const stops = readJson("route-map-data") || [];
  const byId = new Map(stops.map((s) => [String(s.id), s]));
  let map = null;
  let layer = null;
  if (mapEl) {
    map = baseMap(mapEl);
    layer = L.layerGroup().addTo(map);
  }

  function draw(refit) {
    if (!map) return;
    layer.clearLayers();
    const line = [];
    [...list.querySelectorAll("[data-stop]")].forEach((row, index) => {
      const stop = byId.get(row.dataset.id);
      if (!stop || stop.lat === null || stop.lng === null) return;
      const p = point(stop.lat, stop.lng);
      line.push(p);
      L.marker(p, { icon: numberedIcon(index + 1), title: stop.name })
        .bindTooltip(`${index + 1}. ${stop.name}`)
        .addTo(layer);
    });
    if (line.length > 1) L.polyline(line, { color: "#0b6e4f", weight: 2, dashArray: "4 6" }).addTo(layer);
    if (refit) fit(map, line);
    mapEl.dataset.markers = String(line.length);
  }

  draw(true);
  if (list.querySelector("[draggable=true]")) {
    sortable(list, () => {
      markDirty(form);
      draw(false);
    });
  }
}

// --- day plan -------------------------------------------------------------------------------

function initPlanEditor() {
  const list = document.querySelector("[data-testid=plan-table] [data-stop-list]");
  const form = document.querySelector("[data-plan-editor]");
  if (!list || !form || !list.querySelector("[draggable=true]")) return;
  sortable(list, () => {
    list.querySelectorAll("[data-stop]").forEach((row, index) => {
      const cell = row.querySelector("[data-position]");
      if (cell) cell.textContent = String(index + 1);
    });
    markDirty(form);
  });
}

// --- the supervisor's day -------------------------------------------------------------------

function initDayMap(el) {
  const data = readJson("day-map-data") || { outlets: [], checkins: [] };
  const map = baseMap(el);
  const all = [];
  data.outlets.forEach((o) => {
    const p = point(o.lat, o.lng);
    all.push(p);
    L.marker(p, { icon: numberedIcon(o.position, STATUS_COLOURS[o.status] || "#6c757d") })
      .bindTooltip(`${o.rep} · ${o.position}. ${o.name}`)
      .addTo(map);
  });
  data.checkins.forEach((c) => {
    const p = point(c.lat, c.lng);
    all.push(p);
    const colour = c.off_site ? "#dc3545" : "#0d6efd";
    L.circleMarker(p, { radius: 7, color: colour, weight: 3, fillOpacity: 0.1 })
      .bindTooltip(`${c.rep} · ${c.name}${c.distance_m !== null ? ` · ${Math.round(c.distance_m)} m` : ""}`)
      .addTo(map);
    if (c.off_site && c.outlet) {
      L.polyline([p, point(c.outlet.lat, c.outlet.lng)], { color: colour, weight: 2, dashArray: "3 5" }).addTo(map);
    }
  });
  fit(map, all);
  el.dataset.markers = String(all.length);
}

function initVisitMap(el) {
  const data = readJson("visit-map-data");
  if (!data || (!data.outlet && !data.checkin)) {
    el.remove();
    return;
  }
  const map = baseMap(el);
  const all = [];
  if (data.outlet) {
    const p = point(data.outlet.lat, data.outlet.lng);
    all.push(p);
    L.marker(p, { icon: numberedIcon("★") }).addTo(map);
  }
  if (data.checkin) {
    const p = point(data.checkin.lat, data.checkin.lng);
    all.push(p);
    L.circleMarker(p, { radius: 8, color: "#0d6efd", weight: 3, fillOpacity: 0.1 }).addTo(map);
  }
  if (all.length === 2) L.polyline(all, { color: "#dc3545", weight: 2, dashArray: "3 5" }).addTo(map);
  fit(map, all);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-route-editor]").forEach(initRouteEditor);
  initPlanEditor();
  document.querySelectorAll("[data-day-map]").forEach(initDayMap);
  document.querySelectorAll("[data-visit-map]").forEach(initVisitMap);
});
