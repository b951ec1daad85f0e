// Supervision pages: the route editor (numbered outlets on a map, drag to reorder), the day
// plan's drag-reorder, the supervisor's day map and a visit's evidence map.
// Every action also works without JavaScript (buttons post to the server); this file adds
// dragging and the maps. Coordinates are WGS-84 and shifted for GCJ-02 tiles (../coords.js).
import "./supervision.css";

import {
  PALETTE, addLegend, clusterLayer, createMap, finish, L, stopMarker, tipText, toDisplay,
} from "../maps.js";

function readJson(id) {
  const el = document.getElementById(id);
  return el ? JSON.parse(el.textContent) : null;
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
  let pins = null;
  let line = null;
  if (mapEl) {
    map = createMap(mapEl);
    pins = clusterLayer().addTo(map);
  }

  // Numbered pins in the list's order, joined by a dashed line; redrawn after a drag.
  function draw() {
    pins.clearLayers();
    if (line) line.remove();
    const points = [];
    [...list.querySelectorAll("[data-stop]")].forEach((row, index) => {
      const stop = byId.get(row.dataset.id);
      if (!stop || stop.lat === null || stop.lng === null) return;
      const p = toDisplay(stop.lat, stop.lng);
      points.push(p);
      stopMarker(p, { n: index + 1, className: "route-marker", title: stop.name,
                      tooltip: `${index + 1}. ${stop.name}` }).addTo(pins);
    });
    line = points.length > 1
      ? L.polyline(points, { color: "#0b6e4f", weight: 2, dashArray: "4 6" }).addTo(map) : null;
    mapEl.dataset.markers = String(points.length);
    return points;
  }

  if (map) finish(mapEl, map, draw());
  if (list.querySelector("[draggable=true]")) {
    sortable(list, () => {
      markDirty(form);
      if (map) draw();
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

/**
 * Each rep's outlets in the rep's own colour, numbered in plan order; the visit status is a
 * mark on the pin (✓ visited, ✕ missed or rejected, none yet, faded when dropped).
 * Check-in positions are rings in the rep's colour (red when off site, with a dashed line to
 * the outlet). A legend in the map's corner names the reps.
 */
function initDayMap(el) {
  const data = readJson("day-map-data") || { outlets: [], checkins: [], reps: [] };
  const map = createMap(el);
  const reps = data.reps || [];
  const colourOf = new Map(reps.map((rep, index) => [rep.id, PALETTE[index % PALETTE.length]]));
  const statusNames = data.statuses || {};
  const pins = clusterLayer().addTo(map);
  const all = [];
  data.outlets.forEach((o) => {
    const p = toDisplay(o.lat, o.lng);
    all.push(p);
    stopMarker(p, {
      n: o.position, colour: colourOf.get(o.rep_id) || "#6c757d",
      className: `route-marker is-${o.status}`,
      tooltip: [o.rep, `${o.position}. ${o.name}`, statusNames[o.status]].filter(Boolean).join(" · "),
    }).addTo(pins);
  });
  data.checkins.forEach((c) => {
    const p = toDisplay(c.lat, c.lng);
    all.push(p);
    const colour = c.off_site ? "#dc3545" : colourOf.get(c.rep_id) || "#0d6efd";
    L.circleMarker(p, { radius: 7, color: colour, weight: 3, fillOpacity: 0.1 })
      .bindTooltip(tipText(c.rep, c.name, c.distance_m !== null ? `${Math.round(c.distance_m)} m` : ""))
      .addTo(map);
    if (c.off_site && c.outlet) {
      L.polyline([p, toDisplay(c.outlet.lat, c.outlet.lng)], { color: colour, weight: 2, dashArray: "3 5" }).addTo(map);
    }
  });
  const shown = new Set([...data.outlets, ...data.checkins].map((item) => item.rep_id));
  const legend = reps.filter((rep) => shown.has(rep.id));
  if (legend.length) {
    addLegend(map, legend.map((rep) => ({ label: rep.name, colour: colourOf.get(rep.id) })),
              { title: el.dataset.legendTitle || "", testId: "day-map-legend" });
  }
  el.dataset.markers = String(all.length);
  finish(el, map, all);
}

function initVisitMap(el) {
  const data = readJson("visit-map-data");
  if (!data || (!data.outlet && !data.checkin)) {
    el.remove();
    return;
  }
  const map = createMap(el);
  const all = [];
  if (data.outlet) {
    const p = toDisplay(data.outlet.lat, data.outlet.lng);
    all.push(p);
    stopMarker(p, { n: "★", className: "route-marker" }).addTo(map);
  }
  if (data.checkin) {
    const p = toDisplay(data.checkin.lat, data.checkin.lng);
    all.push(p);
    L.circleMarker(p, { radius: 8, color: "#0d6efd", weight: 3, fillOpacity: 0.1 }).addTo(map);
  }
  if (all.length === 2) L.polyline(all, { color: "#dc3545", weight: 2, dashArray: "3 5" }).addTo(map);
  el.dataset.markers = String(all.length);
  finish(el, map, all);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-route-editor]").forEach(initRouteEditor);
  initPlanEditor();
  document.querySelectorAll("[data-day-map]").forEach(initDayMap);
  document.querySelectorAll("[data-visit-map]").forEach(initVisitMap);
});
