// OutletCRM page behaviour: htmx for partial updates, Alpine.js for small widgets,
// Bootstrap for layout and dialogs, Leaflet for maps.
// Every page runs under a Content Security Policy without 'unsafe-inline'/'unsafe-eval'
// (outletcrm/settings.py SECURE_CSP): Alpine is its CSP build (expressions are parsed, not
// eval'd), htmx runs without eval and without injecting its own <style>, and no template has
// inline scripts or on*= handlers (tests/core/test_csp.py checks).
import "./app.css";

import Alpine from "@alpinejs/csp";
import { Collapse, Dropdown, Modal, Tab } from "bootstrap";
import htmx from "htmx.org";

import { initMaps } from "./map.js";

// Before htmx initialises (on DOMContentLoaded; this deferred bundle runs earlier).
htmx.config.allowEval = false;
htmx.config.allowScriptTags = false;
htmx.config.includeIndicatorStyles = false; // the indicator rules are in app.css

window.htmx = htmx;
window.Alpine = Alpine;
// Keep the tree-shaker from dropping the data-API plugins the templates rely on.
window.bootstrap = { Collapse, Dropdown, Modal, Tab };

// Fill the latitude/longitude inputs from the device's position (经纬度采集, brief §9).
Alpine.data("geoCapture", (latSelector, lngSelector) => ({
  busy: false,
  error: "",
  capture() {
    this.error = "";
    if (!navigator.geolocation) {
      this.error = this.$el.dataset.msgUnsupported;
      return;
    }
    this.busy = true;
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        this.busy = false;
        const lat = document.querySelector(latSelector);
        const lng = document.querySelector(lngSelector);
        lat.value = pos.coords.latitude.toFixed(6);
        lng.value = pos.coords.longitude.toFixed(6);
        lat.dispatchEvent(new Event("change", { bubbles: true }));
      },
      () => {
        this.busy = false;
        this.error = this.$el.dataset.msgFailed;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  },
}));

// A select marked data-autosubmit submits its form when changed (filters, rep pickers); one
// marked data-navigate="param" opens this page again with ?param=<value> (pickers inside a
// POST form). These replace inline onchange= handlers, which the CSP forbids.
document.addEventListener("change", (event) => {
  const select = event.target.closest?.("[data-autosubmit], [data-navigate]");
  if (!select) return;
  if (select.dataset.navigate) {
    window.location.assign(`?${new URLSearchParams({ [select.dataset.navigate]: select.value })}`);
  } else if (select.form) {
    select.form.requestSubmit();
  }
});

// A list marked data-exclude-value-of="<id>" does not offer the value chosen in that select:
// the handover's receivers leave out the departing rep (the server renders his option
// disabled and hidden; this follows a new choice without a round trip).
function excludeChosen(list) {
  const source = document.getElementById(list.dataset.excludeValueOf);
  if (!source) return;
  for (const option of list.options) {
    const out = option.value !== "" && option.value === source.value;
    option.hidden = out;
    option.disabled = out;
    if (out) option.selected = false;
  }
}

document.addEventListener("change", (event) => {
  if (!event.target.id) return;
  document.querySelectorAll("[data-exclude-value-of]").forEach((list) => {
    if (list.dataset.excludeValueOf === event.target.id) excludeChosen(list);
  });
});

// "Back" links (data-history-back) go back in the tab's history when there is one, else to
// their href (no javascript: URL, which the CSP blocks).
document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a[data-history-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});

// Forms marked data-confirm ask before they submit (archive, delete) when htmx is not used.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset?.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// Bars sized by data: data-width="<percent>" becomes the width (set through the CSSOM, which
// the CSP allows, unlike a style="" attribute).
function applyWidths(root) {
  const elements = root.matches?.("[data-width]") ? [root] : [];
  elements.push(...root.querySelectorAll("[data-width]"));
  elements.forEach((el) => {
    const percent = Math.max(0, Math.min(100, Number(el.dataset.width) || 0));
    el.style.width = `${percent}%`;
  });
}
document.addEventListener("htmx:load", (event) => applyWidths(event.detail.elt));

// Fragments loaded into the shared dialog open it; maps in new content are drawn.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target.id === "modal-content") {
    Modal.getOrCreateInstance(document.getElementById("modal")).show();
  }
  initMaps(event.detail.target);
});

document.addEventListener("DOMContentLoaded", () => {
  applyWidths(document.body);
  document.querySelectorAll("[data-exclude-value-of]").forEach(excludeChosen);
  initMaps();
});

Alpine.start();

// The printed customer card's "Print" button (access app): no inline script under the CSP.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print-page]")) window.print();
});
