// OutletCRM page behaviour: htmx for partial updates, Alpine.js for small widgets,
// Bootstrap for layout and dialogs, Leaflet for maps.
import "./app.css";

import Alpine from "alpinejs";
import { Collapse, Dropdown, Modal, Tab } from "bootstrap";
import htmx from "htmx.org";

import { initMaps } from "./map.js";

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

// Forms marked data-confirm ask before they submit (archive, delete) when htmx is not used.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset?.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// Fragments loaded into the shared dialog open it; maps in new content are drawn.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target.id === "modal-content") {
    Modal.getOrCreateInstance(document.getElementById("modal")).show();
  }
  initMaps(event.detail.target);
});

document.addEventListener("DOMContentLoaded", () => initMaps());

Alpine.start();
