// The small map on a customer's page: one pin on the configured tiles or, without a tile
// server, on the street layer (frontend/maps.js). The name is shown as text, never as markup.
import { L, createMap, finish, tipText, toDisplay } from "./maps.js";

function initMap(el) {
  if (el.dataset.mapInit) return;
  const lat = parseFloat(el.dataset.lat);
  const lng = parseFloat(el.dataset.lng);
  if (!Number.isFinite(lat) || !Number.isFinite(lng)) return;
  el.dataset.mapInit = "1";
  const point = toDisplay(lat, lng);
  const map = createMap(el);
  // A vector marker needs no image files.
  L.circleMarker(point, { radius: 9, color: "#fff", weight: 3, fillColor: "#d63384", fillOpacity: 1 })
    .addTo(map)
    .bindTooltip(tipText(el.dataset.label), { direction: "top", offset: [0, -8] });
  el.dataset.markers = "1";
  finish(el, map, [point]);
}

export function initMaps(root = document) {
  root.querySelectorAll("[data-map]").forEach(initMap);
}
