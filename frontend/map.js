// Small Leaflet maps on customer pages. The tile URL comes from settings.MAP_TILE_URL (via
// data attributes on <body>); without one the map still shows the marker on a plain canvas,
// so it works offline. Coordinates in the archive are WGS-84; on GCJ-02 tiles they are shifted.
import L from "leaflet";

import { displayPoint } from "./coords.js";

function initMap(el) {
  if (el.dataset.mapReady) return;
  const lat = parseFloat(el.dataset.lat);
  const lng = parseFloat(el.dataset.lng);
  if (!Number.isFinite(lat) || !Number.isFinite(lng)) return;
  el.dataset.mapReady = "1";
  const body = document.body.dataset;
  const point = displayPoint(lat, lng, body.tileCrs);
  const map = L.map(el, { scrollWheelZoom: false, attributionControl: Boolean(body.tileUrl) });
  if (body.tileUrl) {
    L.tileLayer(body.tileUrl, { maxZoom: 19, attribution: body.tileAttribution || "" }).addTo(map);
  } else {
    el.classList.add("map-offline");
  }
  // A vector marker needs no image files.
  L.circleMarker([point.lat, point.lng], {
    radius: 9, color: "#fff", weight: 3, fillColor: "#d63384", fillOpacity: 1,
  }).addTo(map).bindTooltip(el.dataset.label || "", { direction: "top", offset: [0, -8] });
  map.setView([point.lat, point.lng], 16);
  // Maps inside tabs or modals are laid out when shown.
  new ResizeObserver(() => map.invalidateSize()).observe(el);
}

export function initMaps(root = document) {
  root.querySelectorAll("[data-map]").forEach(initMap);
}
