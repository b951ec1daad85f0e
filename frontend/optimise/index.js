// Route optimiser pages: the optimised day on a map (numbered stops with arrival times), one
// small map per day of a route design, and the territory split coloured by rep.
// The background, pins, clustering and the ready signal come from ../maps.js, like every map
// here; names reach the maps only as escaped text.
import "./optimise.css";

import { PALETTE, L, clusterLayer, createMap, finish, stopMarker, tipText, toDisplay } from "../maps.js";

export { PALETTE };
const STATUS_COLOURS = { planned: "#0b6e4f", visited: "#198754", unassigned: "#dc3545" };

function readJson(id) {
  const el = document.getElementById(id);
  return el ? JSON.parse(el.textContent) : null;
}

function placeMarker(map, place, text) {
  const p = toDisplay(place.lat, place.lng);
  stopMarker(p, { n: text, colour: "#212529", className: "optimise-marker oc-pin-home" }).addTo(map);
  return p;
}

// --- the optimised day ----------------------------------------------------------------------

function initDayMap(el) {
  const data = readJson("optimise-day-map");
  if (!data) return;
  const map = createMap(el);
  const pins = clusterLayer().addTo(map);
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
    const p = toDisplay(stop.lat, stop.lng);
    all.push(p);
    const colour = STATUS_COLOURS[stop.status] || "#6c757d";
    // The number and name on hover; the arrival time always shown beside the marker.
    const marker = stopMarker(p, {
      n: stop.status === "unassigned" ? "!" : stop.n, colour, className: "optimise-marker",
      title: `${stop.n}. ${stop.name}${stop.arrival ? ` · ${stop.arrival}` : ""}`,
    });
    if (stop.arrival) {
      marker.bindTooltip(tipText(stop.arrival), {
        permanent: true, direction: "right", offset: [12, 0], className: "arrival-label",
      });
    }
    marker.addTo(pins);
    if (stop.status !== "unassigned") line.push(p);
    drawn += 1;
  });
  if (data.end && line.length) line.push(toDisplay(data.end.lat, data.end.lng));
  if (line.length > 1) L.polyline(line, { color: "#0b6e4f", weight: 3, opacity: 0.8 }).addTo(map);
  el.dataset.markers = String(drawn);
  finish(el, map, all);
}

// --- route design: one small map per day ----------------------------------------------------

function initDesignMaps() {
  const data = readJson("optimise-design-map");
  if (!data) return;
  document.querySelectorAll("[data-design-day-map]").forEach((el) => {
    const day = data.days[Number(el.dataset.designDayMap)];
    if (!day) return;
    const map = createMap(el, { zoomControl: false });
    const colour = PALETTE[day.weekday % PALETTE.length];
    const pins = clusterLayer({ maxClusterRadius: 16 }).addTo(map);
    const all = [];
    const line = [];
    if (data.home) {
      const p = placeMarker(map, data.home, "⌂");
      all.push(p);
      line.push(p);
    }
    day.outlets.forEach((outlet, index) => {
      const p = toDisplay(outlet.lat, outlet.lng);
      all.push(p);
      line.push(p);
      stopMarker(p, { n: index + 1, colour, size: 18, className: "optimise-marker oc-pin-small",
                      tooltip: `${index + 1}. ${outlet.name}` }).addTo(pins);
    });
    if (data.home && line.length > 1) line.push(line[0]);
    if (line.length > 1) L.polyline(line, { color: colour, weight: 2, opacity: 0.7 }).addTo(map);
    el.dataset.markers = String(day.outlets.length);
    finish(el, map, all, { padding: 14 });
  });
}

// --- team territories -----------------------------------------------------------------------

// Not clustered: the point of this map is to see each outlet's colour (which rep) and how
// the colours form areas; small dots do not hide each other the way numbered pins do.
function initTerritoryMap(el) {
  const data = readJson("optimise-territory-map");
  if (!data) return;
  const map = createMap(el);
  const all = [];
  data.outlets.forEach((outlet) => {
    const p = toDisplay(outlet.lat, outlet.lng);
    all.push(p);
    const colour = outlet.rep >= 0 ? PALETTE[outlet.rep % PALETTE.length] : "#adb5bd";
    const moved = outlet.rep !== outlet.owner;
    L.circleMarker(p, {
      radius: moved ? 7 : 5, color: moved ? "#212529" : "#fff", weight: moved ? 2 : 1,
      fillColor: colour, fillOpacity: 0.95,
    }).bindTooltip(tipText(outlet.name)).addTo(map);
  });
  el.dataset.markers = String(all.length);
  finish(el, map, all);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-optimise-day-map]").forEach(initDayMap);
  initDesignMaps();
  document.querySelectorAll("[data-territory-map]").forEach(initTerritoryMap);
});
