// The visit flow: check-in evidence, steps, checklists, notes, photos, stock, competitor
// sightings, the order and payment, next appointment and commitments, check-out. Every action
// is saved on the phone and queued; the page shows this phone's copy of the visit, replaced by
// the server's once nothing for this visit waits in the queue.
import { capturePosition, distanceTo } from "./geo.js";
import { allOps, deleteOp, enqueue, getKV, getVisit, newId, putVisit } from "./store.js";
import { syncNow } from "./sync.js";
import { errorText, esc, hhmm, jsonScript, money, opLabel, qty, t } from "./util.js";

let visit = null;
let cat = null;
let visitId = "";

const $ = (id) => document.getElementById(id);

function visitIdFromPage() {
  const root = $("visit-root");
  if (root.dataset.clientId) return root.dataset.clientId;
  const parts = window.location.pathname.split("/").filter(Boolean);
  return parts[parts.length - 1];
}

async function opsOfVisit() {
  return (await allOps()).filter((o) => o.visit_client_id === visitId || o.client_id === visitId);
}

async function save() {
  await putVisit(visit);
}

async function queue(op, payload, extra = {}) {
  const record = await enqueue({ op, visit_client_id: visitId, payload, label: visit.customer.name, ...extra });
  await save();
  return record;
}

// --- rendering ------------------------------------------------------------------------------

function renderHead() {
  $("v-customer").textContent = visit.customer.name;
  $("v-address").textContent = visit.customer.address || "";
  const planned = $("v-planned");
  planned.textContent = visit.is_planned ? t("planned") : t("unplanned");
  planned.className = `badge ${visit.is_planned ? "text-bg-success" : "text-bg-warning"}`;
  planned.dataset.planned = visit.is_planned ? "1" : "0";
  $("v-meta").textContent = `${visit.kind_label || visit.kind} · ${t("checkedInAt", { t: hhmm(visit.checked_in_at) })}`;
  const distance = $("v-distance");
  const radius = Math.round(cat.checkin_radius_m || 300);
  if (visit.distance_m == null) {
    distance.textContent = visit.customer.lat == null ? t("noCoords") : "";
    distance.className = "m-note";
    distance.dataset.offSite = "";
  } else {
    const d = Math.round(visit.distance_m);
    distance.textContent = visit.off_site ? t("offSite", { d, r: radius }) : t("onSite", { d });
    distance.className = visit.off_site ? "m-note m-warning" : "m-note m-ok";
    distance.dataset.offSite = visit.off_site ? "1" : "0";
  }
  $("v-capture").hidden = visit.customer.lat != null;
}

function checkItem(name, key, label, checked) {
  const id = `${name}-${key}`;
  return `<li><input class="form-check-input" type="checkbox" id="${esc(id)}" data-key="${esc(key)}"${checked ? " checked" : ""}>
    <label class="form-check-label" for="${esc(id)}">${esc(label)}</label></li>`;
}

function renderRecord() {
  const steps = $("v-steps");
  steps.innerHTML = visit.steps.length
    ? visit.steps.map((s) => checkItem("step", s.position, `${s.position}. ${s.title}`, s.done)).join("")
    : `<li class="m-muted">${esc(steps.dataset.empty)}</li>`;
  $("v-hard").innerHTML = cat.hard_terminal.map((i) => checkItem("hard", i.key, i.label, visit.hard_terminal?.[i.key])).join("");
  $("v-soft").innerHTML = cat.soft_terminal.map((i) => checkItem("soft", i.key, i.label, visit.soft_terminal?.[i.key])).join("");
  if (document.activeElement !== $("v-notes")) $("v-notes").value = visit.notes || "";
  if (visit.next_appointment_at) {
    const d = new Date(visit.next_appointment_at);
    const local = new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    $("v-next").value = local;
  }
  $("v-commitment-list").innerHTML = (visit.commitments || []).map((c) => `<li>${esc(c.title)}${c.due_date ? ` · ${esc(c.due_date)}` : ""}</li>`).join("");
}

async function renderPhotos() {
  const kindSelect = $("photo-kind");
  if (!kindSelect.options.length) {
    kindSelect.innerHTML = cat.photo_kinds.map((k) => `<option value="${esc(k.value)}">${esc(k.label)}</option>`).join("");
  }
  const kindInfo = cat.kinds.find((k) => k.value === visit.kind);
  $("photo-rule").textContent = kindInfo?.requires_live_photo ? t("kindNeedsLive") : t("kindAllowsAlbum");
  const ops = (await opsOfVisit()).filter((o) => o.op === "photo" && o.state !== "synced");
  const known = new Set((visit.photos || []).map((p) => p.client_id));
  const items = (visit.photos || []).map((p) => ({ ...p, state: "synced" }));
  for (const op of ops) {
    if (known.has(op.client_id)) continue;
    items.push({
      client_id: op.client_id, kind_label: (cat.photo_kinds.find((k) => k.value === op.payload.kind) || {}).label,
      captured_live: op.payload.captured_live, state: op.state, error: op.error,
      url: op.blob ? URL.createObjectURL(op.blob) : null, taken_at: op.payload.taken_at,
    });
  }
  $("v-photos").innerHTML = items.map((p) => `<li class="m-photo" data-state="${esc(p.state)}" data-client-id="${esc(p.client_id)}">
      ${p.url ? `<img src="${esc(p.url)}" alt="">` : `<div class="m-photo-missing"><i class="bi bi-image"></i></div>`}
      <span class="small">${esc(p.kind_label || "")} · ${esc(p.captured_live ? t("live") : t("album"))}</span>
      ${p.state === "pending" ? `<span class="badge text-bg-secondary">${esc(t("pending"))}</span>` : ""}
      ${p.state === "error" ? `<span class="badge text-bg-danger">${esc(t("refused"))}</span>` : ""}
    </li>`).join("");
}

function renderStock() {
  const current = new Map((visit.stock || []).map((s) => [s.product, s]));
  $("v-stock").innerHTML = cat.products.map((p) => {
    const row = current.get(p.id);
    return `<tr data-product="${esc(p.id)}"><td>${esc(p.name)}<div class="m-muted small">${esc(p.brand)} ${esc(p.spec || "")}</div></td>
      <td><input class="form-check-input m-check-lg" type="checkbox" data-field="in_stock" aria-label="${esc(p.name)}"${row?.in_stock ? " checked" : ""}></td>
      <td><input class="form-control form-control-sm" type="number" min="0" step="1" inputmode="numeric" data-field="quantity" value="${esc(qty(row?.quantity ?? ""))}"></td></tr>`;
  }).join("");
}

function renderSightings() {
  $("v-sightings").innerHTML = (visit.sightings || []).map((s) => `<li>${esc(s.brand)} ${esc(s.product_name || "")}
    ${s.price != null && s.price !== "" ? ` · ${money(s.price)}` : ""}${s.promotion ? ` · ${esc(s.promotion)}` : ""}</li>`).join("");
  const brands = [...new Set(cat.competitor_products.map((p) => p.brand))];
  $("competitor-brands").innerHTML = brands.map((b) => `<option value="${esc(b)}">`).join("");
}

function renderOrders() {
  $("v-orders").innerHTML = (visit.orders || []).map((o) => `<li data-order="${esc(o.client_id)}">
    <strong>${esc(o.code || t("pending"))}</strong> · ${money(o.total)}
    ${Number(o.paid) > 0 ? ` · ${esc(opLabel("payment"))} ${money(o.paid)}` : ""}
    <div class="m-muted small">${(o.lines || []).map((l) => esc(t("orderLine", { product: l.product_name, q: qty(l.quantity) }))).join(", ")}</div></li>`).join("");
  const paymentForm = $("payment-form");
  paymentForm.hidden = !(visit.orders || []).length;
  $("p-order").innerHTML = (visit.orders || []).map((o) => `<option value="${esc(o.client_id)}">${esc(o.code || hhmm(o.created_at))} · ${money(o.total)}</option>`).join("");
  if (!$("p-method").options.length) {
    $("p-method").innerHTML = cat.payment_methods.map((m) => `<option value="${esc(m.value)}">${esc(m.label)}</option>`).join("");
  }
  if (!$("order-lines").children.length) addLine();
}

function renderCheckout() {
  const button = $("check-out");
  const text = $("v-duration");
  if (visit.status === "done" || visit.checked_out_at) {
    button.hidden = true;
    const minutes = Math.round((visit.duration_s || 0) / 60);
    text.textContent = t("duration", { m: minutes });
    text.dataset.done = "1";
  } else {
    button.hidden = false;
    const minutes = Math.max(0, Math.round((Date.now() - new Date(visit.checked_in_at)) / 60000));
    text.textContent = t("elapsed", { m: minutes });
    text.dataset.done = "";
  }
}

async function renderErrors() {
  const failed = (await opsOfVisit()).filter((o) => o.state === "error");
  const box = $("v-errors");
  box.hidden = !failed.length;
  box.innerHTML = failed.map((o) => `<div class="m-error" data-op="${esc(o.op)}">
      <strong>${esc(opLabel(o.op))}:</strong> ${esc(errorText(o.error))}
      <button type="button" class="btn btn-sm btn-outline-danger" data-discard="${esc(o.client_id)}">${esc(t("discard"))}</button>
    </div>`).join("");
}

async function render() {
  $("visit-missing").hidden = true;
  $("visit-body").hidden = false;
  document.title = `${visit.customer.name} · OutletCRM`;
  renderHead();
  renderRecord();
  await renderPhotos();
  renderStock();
  renderSightings();
  renderOrders();
  renderCheckout();
  await renderErrors();
}

// --- order lines --------------------------------------------------------------------------

function addLine() {
  const node = $("order-line-template").content.firstElementChild.cloneNode(true);
  const select = node.querySelector("[data-field=product]");
  select.innerHTML = `<option value="">${esc(t("choose"))}</option>`
    + cat.products.map((p) => `<option value="${esc(p.id)}" data-price="${esc(p.price ?? "")}">${esc(p.name)} ${esc(p.spec || "")}</option>`).join("");
  $("order-lines").appendChild(node);
}

function lineValues(node) {
  const get = (f) => node.querySelector(`[data-field=${f}]`).value;
  const select = node.querySelector("[data-field=product]");
  const defaultPrice = select.selectedOptions[0]?.dataset.price || "";
  const quantity = Number(get("quantity") || 0);
  const price = get("unit_price") !== "" ? Number(get("unit_price")) : Number(defaultPrice || 0);
  const discountPct = Number(get("discount") || 0);
  return { product: select.value, quantity, price, priceGiven: get("unit_price") !== "", discountPct,
           amount: quantity * price * (1 - discountPct / 100), name: select.selectedOptions[0]?.textContent.trim() };
}

function updateTotals() {
  let total = 0;
  for (const node of $("order-lines").children) {
    const line = lineValues(node);
    const select = node.querySelector("[data-field=product]");
    node.querySelector("[data-field=unit_price]").placeholder = select.selectedOptions[0]?.dataset.price || "";
    node.querySelector("[data-field=amount]").textContent = money(line.amount);
    total += line.amount;
  }
  $("order-total").textContent = money(total);
}

// --- actions ------------------------------------------------------------------------------

function checkedMap(listId) {
  const out = {};
  $(listId).querySelectorAll("input[type=checkbox]").forEach((box) => {
    out[box.dataset.key] = box.checked;
  });
  return out;
}

async function onRecord(event) {
  event.preventDefault();
  const steps = checkedMap("v-steps");
  const hard = checkedMap("v-hard");
  const soft = checkedMap("v-soft");
  const notes = $("v-notes").value;
  const next = $("v-next").value ? new Date($("v-next").value).toISOString() : null;
  const commitments = $("v-commitments").value.split("\n").map((s) => s.trim()).filter(Boolean);
  visit.steps = visit.steps.map((s) => ({ ...s, done: Boolean(steps[s.position]) }));
  Object.assign(visit, { hard_terminal: hard, soft_terminal: soft, notes });
  if (next) visit.next_appointment_at = next;
  visit.commitments = [...(visit.commitments || []), ...commitments.map((title) => ({ title, kind: "commitment" }))];
  const payload = { notes, steps, hard_terminal: hard, soft_terminal: soft, commitments };
  if (next) payload.next_appointment_at = next;
  await queue("record", payload);
  $("v-commitments").value = "";
  flash($("save-record"));
  await render();
}

function flash(button) {
  button.classList.add("m-saved");
  button.dataset.saved = "1";
  setTimeout(() => button.classList.remove("m-saved"), 1500);
}

async function onPhoto(event) {
  const input = event.target;
  const file = input.files?.[0];
  if (!file) return;
  const live = input.id === "photo-camera";
  const clientId = newId();
  await queue("photo", { kind: $("photo-kind").value, captured_live: live, taken_at: new Date().toISOString() },
              { client_id: clientId, blob: file });
  input.value = "";
  await renderPhotos();
}

async function onStock(event) {
  event.preventDefault();
  const rows = [];
  $("v-stock").querySelectorAll("tr[data-product]").forEach((tr) => {
    const inStock = tr.querySelector("[data-field=in_stock]").checked;
    const quantity = tr.querySelector("[data-field=quantity]").value;
    const row = { product: Number(tr.dataset.product), in_stock: inStock };
    if (quantity !== "") row.quantity = quantity;
    rows.push(row);
  });
  if (!rows.length) return;
  visit.stock = rows.map((r) => ({ ...r, quantity: r.quantity ?? null }));
  await queue("stock", { rows });
  flash(event.submitter || $("stock-form").querySelector("button"));
}

async function onSighting(event) {
  event.preventDefault();
  const brand = $("s-brand").value.trim();
  if (!brand) {
    $("s-brand").focus();
    return;
  }
  const sighting = { brand, product_name: $("s-product").value.trim(), promotion: $("s-promotion").value.trim() };
  if ($("s-price").value !== "") sighting.price = $("s-price").value;
  visit.sightings = [...(visit.sightings || []), sighting];
  await queue("sighting", sighting);
  ["s-brand", "s-product", "s-price", "s-promotion"].forEach((id) => { $(id).value = ""; });
  renderSightings();
}

async function onOrder(event) {
  event.preventDefault();
  const lines = [...$("order-lines").children].map(lineValues).filter((l) => l.product && l.quantity > 0);
  if (!lines.length) {
    $("v-errors").hidden = false;
    $("v-errors").innerHTML = `<div class="m-error">${esc(t("noLines"))}</div>`;
    return;
  }
  const clientId = newId();
  const payloadLines = lines.map((l) => {
    const row = { product: Number(l.product), quantity: String(l.quantity) };
    if (l.priceGiven) row.unit_price = String(l.price);
    if (l.discountPct) row.discount = String(l.discountPct / 100);
    return row;
  });
  const total = lines.reduce((sum, l) => sum + l.amount, 0);
  visit.orders = [...(visit.orders || []), {
    client_id: clientId, code: "", total: total.toFixed(2), paid: "0", created_at: new Date().toISOString(),
    lines: lines.map((l) => ({ product: l.product, product_name: l.name, quantity: l.quantity })),
  }];
  await queue("order", { lines: payloadLines }, { client_id: clientId });
  $("order-lines").innerHTML = "";
  addLine();
  updateTotals();
  renderOrders();
}

async function onPayment(event) {
  event.preventDefault();
  const amount = $("p-amount").value;
  if (!amount || Number(amount) <= 0) {
    $("p-amount").focus();
    return;
  }
  const order = $("p-order").value;
  const target = (visit.orders || []).find((o) => o.client_id === order);
  if (target) target.paid = (Number(target.paid || 0) + Number(amount)).toFixed(2);
  await queue("payment", { order, amount, method: $("p-method").value, paid_at: new Date().toISOString() });
  $("p-amount").value = "";
  renderOrders();
}

async function onCheckOut() {
  const button = $("check-out");
  button.disabled = true;
  let position = null;
  try {
    position = await capturePosition({ maximumAge: 0 });
  } catch {
    position = null; // checking out without a position is allowed
  }
  const deviceTime = position?.device_time || new Date().toISOString();
  visit.status = "done";
  visit.checked_out_at = deviceTime;
  visit.duration_s = Math.max(0, Math.round((new Date(deviceTime) - new Date(visit.checked_in_at)) / 1000));
  const payload = { device_time: deviceTime };
  if (position) Object.assign(payload, { lat: position.lat, lng: position.lng, accuracy_m: position.accuracy_m });
  await queue("check_out", payload);
  button.disabled = false;
  renderCheckout();
}

async function onCapture() {
  const button = $("capture-coords");
  button.disabled = true;
  try {
    const position = await capturePosition({ maximumAge: 0 });
    visit.customer = { ...visit.customer, lat: position.lat, lng: position.lng };
    await queue("capture_coordinates", { customer: visit.customer.id, lat: position.lat, lng: position.lng,
                                          accuracy_m: position.accuracy_m });
    if (visit.distance_m == null && visit.lat != null) {
      visit.distance_m = distanceTo({ lat: visit.lat, lng: visit.lng }, visit.customer);
      await save();
    }
    renderHead();
    $("v-distance").textContent = t("capturedCoords", { lat: position.lat.toFixed(6), lng: position.lng.toFixed(6) });
  } catch {
    $("v-distance").textContent = t("geoFailed");
  }
  button.disabled = false;
}

async function onDiscard(event) {
  const button = event.target.closest("[data-discard]");
  if (!button || !window.confirm(t("discardConfirm"))) return;
  await deleteOp(button.dataset.discard);
  await render();
}

// --- loading ------------------------------------------------------------------------------

async function fromServer() {
  if (!navigator.onLine) return;
  const waiting = (await opsOfVisit()).some((o) => o.state === "pending");
  if (waiting) return;
  try {
    const response = await fetch(`/api/v1/visits/${encodeURIComponent(visitId)}`, { credentials: "same-origin" });
    if (!response.ok) return;
    visit = await response.json();
    await save();
    await render();
  } catch {
    /* keep the phone's copy */
  }
}

export async function initVisit() {
  visitId = visitIdFromPage();
  cat = jsonScript("catalogue-data") || (await getKV("catalogue"));
  const server = jsonScript("visit-data");
  visit = await getVisit(visitId);
  const waiting = (await opsOfVisit()).some((o) => o.state === "pending");
  if (server && (!visit || !waiting)) {
    visit = server;
    await save();
  }
  if (!visit || !cat) {
    $("visit-missing").hidden = false;
    return;
  }
  await render();
  $("record-form").addEventListener("submit", onRecord);
  $("photo-camera").addEventListener("change", onPhoto);
  $("photo-album").addEventListener("change", onPhoto);
  $("stock-form").addEventListener("submit", onStock);
  $("sighting-form").addEventListener("submit", onSighting);
  $("order-form").addEventListener("submit", onOrder);
  $("order-form").addEventListener("input", updateTotals);
  $("order-form").addEventListener("change", updateTotals);
  $("order-lines").addEventListener("click", (event) => {
    if (event.target.closest("[data-action=remove-line]")) {
      event.target.closest(".m-line").remove();
      updateTotals();
    }
  });
  $("add-line").addEventListener("click", addLine);
  $("payment-form").addEventListener("submit", onPayment);
  $("check-out").addEventListener("click", onCheckOut);
  $("capture-coords").addEventListener("click", onCapture);
  $("v-errors").addEventListener("click", onDiscard);
  document.addEventListener("field:synced", async () => {
    await renderErrors();
    await renderPhotos();
    await fromServer();
  });
  syncNow();
}
