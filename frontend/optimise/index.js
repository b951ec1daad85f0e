// Route optimiser pages: the optimised day on a map (numbered stops with arrival times), one
// small map per day of a route design, and the territory split coloured by rep.
// Coordinates are WGS-84 and shifted for GCJ-02 tiles (../coords.js), like every map here.
import "./optimise.css";

import L from "leaflet";

import { displayPoint } from "../coords.js";

// Same order as the .territory-colour-N classes in optimise.css.
export const PALETTE = ["#0b6e4f", "#d63384", "#0d6efd", "#fd7e14", "#6f42c1", "#20c997", "#dc3545", "#6c757d"];
const STATUS_COLOURS = { planned: "#0b6e4f", visited: "#198754", unassigned: "#dc3545" };

function readJson(id) {
  const el = document.getElementById(id);
  return el ? JSON.parse(el.textContent) : null;
}

function baseMap(el, options = {}) {
  const body = document.body.dataset;
  const map = L.map(el, { scrollWheelZoom: false, attributionControl: Boolean(body.tileUrl), ...options });
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
  if (points.length === 1) map.setView(points[0], 15);
  else if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.12));
  else map.setView([35, 105], 4);
}

function icon(text, colour, extra = "") {
  return L.divIcon({
    className: `optimise-marker ${extra}`,
    html: `<span style="background:${colour}">${text}</span>`,
    iconSize: [26, 26],
    iconAnchor: [13, 13],
  });
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function placeMarker(map, place, text) {
  const p = point(place.lat, place.lng);
  L.marker(p, { icon: icon(text, "#212529", "optimise-home") }).addTo(map);
  return p;
}

// --- the optimised day ----------------------------------------------------------------------

function initDayMap(el) {
  const data = readJson("optimise-day-map");
  if (!data) return;
  const map = baseMap(el);
  const all = [];
  const line = [];
  const start = data.position || data.start;
  if (start) {
    const p = placeMarker(map, start, data.position ? "◎" : "⌂");
    all.push(p);
    line.push(p);
  }
  let drawn = 0;
  data.stops.forEach((stop) => {
    const p = point(stop.lat, stop.lng);
    all.push(p);
    const colour = STATUS_COLOURS[stop.status] || "#6c757d";
    // The number and name on hover (title); the arrival time always shown beside the marker.
    const marker = L.marker(p, {
      icon: icon(stop.status === "unassigned" ? "!" : stop.n, colour),
      title: `${stop.n}. ${stop.name}${stop.arrival ? ` · ${stop.arrival}` : ""}`,
    });
    if (stop.arrival) {
      marker.bindTooltip(escapeHtml(stop.arrival), {
        permanent: true, direction: "right", offset: [12, 0], className: "arrival-label",
      });
    }
    marker.addTo(map);
    if (stop.status !== "unassigned") line.push(p);
    drawn += 1;
  });
  if (data.end && line.length) line.push(point(data.end.lat, data.end.lng));
  if (line.length > 1) L.polyline(line, { color: "#0b6e4f", weight: 3, opacity: 0.8 }).addTo(map);
  fit(map, all);
  el.dataset.markers = String(drawn);
}

// --- route design: one small map per day ----------------------------------------------------

function initDesignMaps() {
  const data = readJson("optimise-design-map");
  if (!data) return;
  document.querySelectorAll("[data-design-day-map]").forEach((el) => {
    const day = data.days[Number(el.dataset.designDayMap)];
    if (!day) return;
    const map = baseMap(el, { zoomControl: false });
    const colour = PALETTE[day.weekday % PALETTE.length];
    const all = [];
    const line = [];
    if (data.home) {
      const p = placeMarker(map, data.home, "⌂");
      all.push(p);
      line.push(p);
    }
    day.outlets.forEach((outlet, index) => {
      const p = point(outlet.lat, outlet.lng);
      all.push(p);
      line.push(p);
      L.circleMarker(p, { radius: 5, color: "#fff", weight: 1, fillColor: colour, fillOpacity: 1 })
        .bindTooltip(`${index + 1}. ${escapeHtml(outlet.name)}`)
        .addTo(map);
    });
    if (data.home && line.length > 1) line.push(line[0]);
    if (line.length > 1) L.polyline(line, { color: colour, weight: 2, opacity: 0.7 }).addTo(map);
    fit(map, all);
    el.dataset.markers = String(day.outlets.length);
  });
}

// --- team territories -----------------------------------------------------------------------

function initTerritoryMap(el) {
  const data = readJson("optimise-territory-map");
  if (!data) return;
  const map = baseMap(el);
  const all = [];
  data.outlets.forEach((outlet) => {
    const p = point(outlet.lat, outlet.lng);
    all.push(p);
    const colour = outlet.rep >= 0 ? PALETTE[outlet.rep % PALETTE.length] : "#adb5bd";
    const moved = outlet.rep !== outlet.owner;
    L.circleMarker(p, {
      radius: moved ? 7 : 5, color: moved ? "#212529" : "#fff", weight: moved ? 2 : 1,
      fillColor: colour, fillOpacity: 0.95,
    }).bindTooltip(escapeHtml(outlet.name)).addTo(map);
  });
  fit(map, all);
  el.dataset.markers = String(all.length);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-optimise-day-map]").forEach(initDayMap);
  initDesignMaps();
  document.querySelectorAll("[data-territory-map]").forEach(initTerritoryMap);
});
