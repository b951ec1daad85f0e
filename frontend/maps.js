// What every map in OutletCRM shares (customer page, route editor, supervisor's day, visit
// evidence, optimiser pages, the phone's today page):
// - the background: the configured tile server (MAP_TILE_URL, shifted to GCJ-02 when
//   MAP_TILE_CRS says so), or, without one, the company's own street layer (MAP_BASE_GEOJSON,
//   served at <body data-map-base-url>) drawn as vector paths, so a map offline or on an
//   intranet is not a blank grid;
// - pins built as DOM nodes (text set with textContent, colours through the CSSOM), so user
//   text never becomes markup and the Content Security Policy needs no inline styles;
// - clustering of overlapping pins (leaflet.markercluster);
// - a view fitted to the pins, and a ready signal: data-map-ready="1" on the map element once
//   the background is drawn and the view fitted (browser tests wait for it).
import L from "leaflet";
import "leaflet.markercluster";
import "leaflet.markercluster/dist/MarkerCluster.css";
import "./maps.css";

import { displayPoint } from "./coords.js";
import { escapeHtml } from "./escape.js";

export const BRAND = "#0b6e4f";
// One colour per rep (territories, the supervisor's day); the .territory-colour-N classes in
// optimise.css follow the same order.
export const PALETTE = ["#0b6e4f", "#d63384", "#0d6efd", "#fd7e14", "#6f42c1", "#20c997", "#dc3545", "#6c757d"];

const CHINA = [35, 105];

function settings() {
  return document.body.dataset;
}

/** Stored WGS-84 coordinates as the [lat, lng] to draw on this page's background. */
export function toDisplay(lat, lng) {
  const p = displayPoint(Number(lat), Number(lng), settings().tileCrs);
  return [p.lat, p.lng];
}

// --- the street layer (no tile server) ------------------------------------------------------

let baseData = null;

/** The street layer's GeoJSON, fetched once per page; null when there is none. */
export function loadBaseLayer() {
  const url = settings().mapBaseUrl;
  if (!url) return Promise.resolve(null);
  if (!baseData) {
    baseData = fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then((response) => (response.ok ? response.json() : null))
      .catch(() => null);
  }
  return baseData;
}

/** "street" (lines), "area" (polygons) or "label" (named points, e.g. districts). */
function featureKind(feature) {
  const type = feature.geometry?.type || "";
  if (type.endsWith("Polygon")) return "area";
  if (type.endsWith("Point")) return "label";
  return "street";
}

/** Where a feature's name is written: properties.labels, or a point of the geometry. */
function labelPoints(feature) {
  const { labels } = feature.properties || {};
  if (Array.isArray(labels) && labels.length) return labels;
  const { type, coordinates } = feature.geometry;
  if (type === "Point") return [coordinates];
  if (type === "MultiPoint") return coordinates;
  if (type === "LineString") return [coordinates[Math.floor(coordinates.length / 2)]];
  if (type === "MultiLineString") return coordinates.map((line) => line[Math.floor(line.length / 2)]);
  return [];
}

function labelIcon(text, className) {
  const span = document.createElement("span");
  span.textContent = String(text ?? "");
  return L.divIcon({ className: `oc-map-label ${className}`, html: span, iconSize: null });
}

/** Draw the GeoJSON street layer under everything else; returns the layer's bounds. */
export function drawBaseLayer(map, data) {
  if (!map.getPane("ocBase")) {
    map.createPane("ocBase").classList.add("oc-base-pane");
    map.createPane("ocBaseLabels").classList.add("oc-base-labels");
  }
  const renderer = L.svg({ pane: "ocBase", padding: 0.5 });
  const coordsToLatLng = (c) => L.latLng(...toDisplay(c[1], c[0]));
  const features = (data?.features || []).filter((f) => f && f.geometry);
  const byKind = (kind) => ({ type: "FeatureCollection", features: features.filter((f) => featureKind(f) === kind) });
  const common = { coordsToLatLng, interactive: false, renderer, pane: "ocBase" };
  const areas = L.geoJSON(byKind("area"), {
    ...common, style: { className: "oc-base-area", color: "#9aa7b4", weight: 1, dashArray: "5 5", fillColor: "#e3e9ee", fillOpacity: 0.5 },
  });
  const casing = L.geoJSON(byKind("street"), { ...common, style: { className: "oc-base-casing", color: "#c5ced6", weight: 7, lineCap: "round", lineJoin: "round" } });
  const streets = L.geoJSON(byKind("street"), { ...common, style: { className: "oc-base-street", color: "#ffffff", weight: 4, lineCap: "round", lineJoin: "round" } });
  [areas, casing, streets].forEach((layer) => layer.addTo(map));

  // Place and area names always; street names once the map is close enough to read them.
  const areaLabels = L.layerGroup().addTo(map);
  const streetLabels = L.layerGroup();
  features.forEach((feature) => {
    const name = feature.properties?.name;
    if (!name) return;
    const kind = featureKind(feature);
    let points = labelPoints(feature);
    if (kind === "area" && !points.length) {
      const centre = L.geoJSON(feature, { coordsToLatLng }).getBounds().getCenter();
      points = [[centre.lng, centre.lat]];
    }
    points.forEach((at) => {
      if (!Array.isArray(at) || at.length < 2) return;
      L.marker(toDisplay(at[1], at[0]), {
        icon: labelIcon(name, kind === "street" ? "oc-street-label" : "oc-area-label"),
        interactive: false, keyboard: false, pane: "ocBaseLabels",
      }).addTo(kind === "street" ? streetLabels : areaLabels);
    });
  });
  const showStreetNames = () => {
    if (map.getZoom() >= 15) streetLabels.addTo(map);
    else streetLabels.remove();
  };
  map.on("zoomend", showStreetNames);
  map.whenReady(showStreetNames);

  const bounds = L.latLngBounds([]);
  [areas, streets].forEach((layer) => {
    const b = layer.getBounds();
    if (b.isValid()) bounds.extend(b);
  });
  return bounds;
}

// --- the map --------------------------------------------------------------------------------

/**
 * A Leaflet map on `el` with this installation's background. Draw the pins, then call
 * finish(el, map, points) to fit the view and signal that the map is ready.
 */
export function createMap(el, options = {}) {
  const body = settings();
  // maxZoom: without a tile layer the map has none, and clustering needs one.
  const map = L.map(el, {
    scrollWheelZoom: false, attributionControl: Boolean(body.tileUrl), maxZoom: 19,
    // Quarter steps let the view fit the pins closely (tiles are drawn scaled in between).
    zoomSnap: 0.25,
    ...options,
  });
  if (body.tileUrl) {
    L.tileLayer(body.tileUrl, {
      maxZoom: 19, attribution: body.tileAttribution || "", subdomains: body.tileSubdomains || "abc",
    }).addTo(map);
    el.dataset.mapBase = "tiles";
    map.ocBackground = Promise.resolve(null);
  } else {
    el.classList.add("map-offline");
    map.ocBackground = loadBaseLayer().then((data) => {
      if (!data) {
        el.dataset.mapBase = "none";
        return null;
      }
      el.dataset.mapBase = "streets";
      el.classList.add("map-streets");
      return drawBaseLayer(map, data);
    });
  }
  // Maps inside tabs, dialogs or collapsed cards get their size when shown: fit again then.
  let wasEmpty = el.clientWidth === 0 || el.clientHeight === 0;
  new ResizeObserver(() => {
    map.invalidateSize();
    const empty = el.clientWidth === 0 || el.clientHeight === 0;
    if (wasEmpty && !empty && map.ocRefit) map.ocRefit();
    wasEmpty = empty;
  }).observe(el);
  return map;
}

/** Fit the view to the pins (or, without pins, to the street layer or to China). */
export function fitView(map, points, { maxZoom = 16, padding = 28, fallback = null } = {}) {
  const valid = points.filter((p) => p && Number.isFinite(p[0]) && Number.isFinite(p[1]));
  if (valid.length === 1) map.setView(valid[0], Math.min(maxZoom, 16));
  else if (valid.length) map.fitBounds(L.latLngBounds(valid), { padding: [padding, padding], maxZoom });
  else if (fallback && fallback.isValid()) map.fitBounds(fallback);
  else map.setView(CHINA, 4);
}

/** Fit the view to `points`, then mark the map ready once the background is drawn. */
export function finish(el, map, points, options = {}) {
  map.ocRefit = () => fitView(map, points, options);
  fitView(map, points, options);
  return map.ocBackground.then((baseBounds) => {
    if (!points.length && baseBounds) fitView(map, points, { ...options, fallback: baseBounds });
    el.dataset.mapReady = "1";
    el.dispatchEvent(new CustomEvent("map:ready", { bubbles: true }));
    return map;
  });
}

// --- pins -----------------------------------------------------------------------------------

/**
 * A round pin with a short text (the stop number), in `colour`. `className` adds the page's
 * own class (route-marker, optimise-marker, m-pin) and state classes (is-visited…).
 */
export function pinIcon({ text = "", colour = BRAND, className = "", size = 26 } = {}) {
  const span = document.createElement("span");
  span.className = "oc-pin-body";
  span.textContent = String(text ?? "");
  span.style.backgroundColor = colour;
  return L.divIcon({
    className: `oc-pin ${className}`.trim(),
    html: span,
    iconSize: [size, size],
    iconAnchor: [size / 2, size / 2],
    tooltipAnchor: [0, -size / 2],
    popupAnchor: [0, -size / 2],
  });
}

/** Text for a tooltip or popup (Leaflet sets these with innerHTML): always escaped. */
export function tipText(...parts) {
  return escapeHtml(parts.filter((p) => p !== null && p !== undefined && p !== "").join(" · "));
}

/**
 * A layer that clusters pins closer than a few pixels. A cluster shows the stop numbers it
 * holds (up to three) or how many pins it holds, in their colour when they share one.
 */
export function clusterLayer(options = {}) {
  return L.markerClusterGroup({
    maxClusterRadius: 24,
    showCoverageOnHover: false,
    spiderfyOnMaxZoom: true,
    disableClusteringAtZoom: 18,
    iconCreateFunction(cluster) {
      const children = cluster.getAllChildMarkers();
      const numbers = children.map((m) => m.options.stopNumber).filter((n) => n !== undefined && n !== null && n !== "");
      const colours = new Set(children.map((m) => m.options.pinColour || BRAND));
      const span = document.createElement("span");
      span.className = "oc-cluster-body";
      span.textContent = numbers.length === children.length && numbers.length <= 3
        ? numbers.sort((a, b) => Number(a) - Number(b)).join(",")
        : String(children.length);
      span.style.backgroundColor = colours.size === 1 ? [...colours][0] : "#495057";
      return L.divIcon({ className: "oc-cluster", html: span, iconSize: [34, 34], iconAnchor: [17, 17] });
    },
    ...options,
  });
}

/** A numbered pin marker; `tooltip` is plain text (escaped here). */
export function stopMarker(latlng, { n = "", colour = BRAND, className = "", tooltip = "", title = "", size = 26 } = {}) {
  const marker = L.marker(latlng, {
    icon: pinIcon({ text: n, colour, className, size }),
    title: title || "",
    stopNumber: n,
    pinColour: colour,
    riseOnHover: true,
  });
  if (tooltip) marker.bindTooltip(escapeHtml(tooltip), { direction: "top" });
  return marker;
}

// --- legend ---------------------------------------------------------------------------------

/**
 * A legend in the map's corner: entries {label, colour, className}. Labels are user text
 * (rep names) and are set as text nodes.
 */
export function addLegend(map, entries, { title = "", position = "bottomleft", testId = "map-legend" } = {}) {
  const control = L.control({ position });
  control.onAdd = () => {
    const box = L.DomUtil.create("div", "oc-map-legend");
    box.dataset.testid = testId;
    if (title) {
      const heading = L.DomUtil.create("div", "oc-map-legend-title", box);
      heading.textContent = title;
    }
    entries.forEach((entry) => {
      const row = L.DomUtil.create("div", "oc-map-legend-row", box);
      const swatch = L.DomUtil.create("span", `oc-map-legend-swatch ${entry.className || ""}`, row);
      if (entry.colour) swatch.style.backgroundColor = entry.colour;
      const label = L.DomUtil.create("span", "", row);
      label.textContent = String(entry.label ?? "");
    });
    L.DomEvent.disableClickPropagation(box);
    return box;
  };
  control.addTo(map);
  return control;
}

export { L };
