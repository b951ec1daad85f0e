// The one way user text reaches HTML in the page bundles (issue 7, §2).
//
// Anything a user typed (customer names, addresses, notes, rep names…) is either set with
// textContent / as a DOM text node, or, where a library takes an HTML string (Leaflet's
// bindTooltip/bindPopup/divIcon, innerHTML templates in the phone app), passed through
// escapeHtml first. No other file defines its own escaping.

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };

/** Text made safe for HTML element content and quoted attribute values. null/undefined → "". */
export function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"'`]/g, (c) => ENTITIES[c]);
}

/** A URL safe for href/src: same-origin paths and http(s) only; anything else becomes "#". */
export function safeUrl(value) {
  const text = String(value ?? "").trim();
  if (!text) return "#";
  // Relative paths ("/m/visit/…", "?q=…", "#x"), but not protocol-relative ("//evil").
  if (/^[/?#]/.test(text) && !text.startsWith("//")) return text;
  // Browsers ignore tabs/newlines inside a scheme ("java\nscript:"), so strip them first.
  const scheme = text.replace(/[\t\n\r]/g, "").match(/^([a-z][a-z0-9+.-]*):/i);
  if (scheme && /^https?$/i.test(scheme[1])) return text;
  return "#";
}

/** An element holding `text` as a text node (never parsed as HTML). */
export function textElement(tag, text, className = "") {
  const el = document.createElement(tag);
  if (className) el.className = className;
  el.textContent = String(text ?? "");
  return el;
}
