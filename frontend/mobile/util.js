// Small helpers shared by the field app's pages.
import { escapeHtml, safeUrl } from "../escape.js";

const stringsEl = document.getElementById("m-strings");
export const T = stringsEl ? JSON.parse(stringsEl.textContent) : {};

/** A translated string with %(name)s placeholders filled. */
export function t(key, values = {}) {
  const text = T[key] ?? key;
  return text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
}

/** The name of a queued operation, for lists and errors. */
export function opLabel(op) {
  return T.ops?.[op] || op;
}

/** Escape text for the pages' HTML templates: the shared helper (../escape.js). */
export const esc = escapeHtml;
export { safeUrl };

export function jsonScript(id) {
  const el = document.getElementById(id);
  if (!el) return null;
  try {
    return JSON.parse(el.textContent);
  } catch {
    return null;
  }
}

export function hhmm(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** A quantity as people write it: 10 for "10.00", 2.5 for "2.50" (decimals only when present). */
export function qty(value) {
  const number = Number(value);
  if (value === null || value === undefined || value === "" || !Number.isFinite(number)) return String(value ?? "");
  return String(Math.round(number * 1000) / 1000);
}

export function money(value) {
  return `¥${(Math.round(Number(value || 0) * 100) / 100).toFixed(2)}`;
}

export function localDate(date = new Date()) {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, "0");
  const d = String(date.getDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

/** All messages of a field-error body {field: [messages]} as one readable text. */
export function errorText(errors) {
  if (!errors) return "";
  if (typeof errors === "string") return errors;
  return Object.values(errors).flat().map((m) => String(m)).join(" ");
}

export function visitUrl(clientId) {
  return `${document.body.dataset.visitUrl}${encodeURIComponent(clientId)}/`;
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}
