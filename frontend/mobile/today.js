// The today page: the plan in order (dropped stops struck through), visits made, tasks due,
// a map and distances. Rendered from the day's snapshot (embedded by the server, or the
// phone's last copy when the page comes from the service worker) plus what is queued here.
import { L, clusterLayer, createMap, finish, stopMarker, toDisplay } from "../maps.js";
import { checkIn } from "./checkin.js";
import { capturePosition, distanceTo, positionAllowed } from "./geo.js";
import { allOps, allVisits, enqueue, getKV, setKV } from "./store.js";
import { bindTaskActions, fillTasks, withQueuedChanges } from "./tasks.js";
import { esc, hhmm, jsonScript, localDate, safeUrl, t, visitUrl } from "./util.js";

let snapshot = null;
let here = null; // the rep's position, only for distances on this screen; never uploaded
let map = null;
let markers = null;
let hereMarker = null;

async function loadSnapshot() {
  const embedded = jsonScript("today-data");
  const cached = await getKV("today");
  let chosen = embedded;
  if (!chosen || (cached && cached.generated_at > chosen.generated_at)) chosen = cached;
  if (chosen && (!cached || chosen.generated_at >= cached.generated_at)) {
    await setKV("today", chosen);
  }
  if (chosen?.catalogue) await setKV("catalogue", chosen.catalogue);
  return chosen;
}

async function refreshFromServer() {
  if (!navigator.onLine) return;
  try {
    const response = await fetch("/api/v1/me/today", { credentials: "same-origin" });
    if (!response.ok) return;
    const fresh = await response.json();
    snapshot = fresh;
    await setKV("today", fresh);
    await setKV("catalogue", fresh.catalogue);
    await render();
  } catch {
    /* offline: keep what we have */
  }
}

/** The snapshot with what this phone recorded but the server has not confirmed yet. */
async function overlay(snap) {
  const stops = snap.stops.map((s) => ({ ...s }));
  const visits = (await allVisits()).filter((v) => v.date === snap.date);
  const serverVisitIds = new Set(snap.visits.map((v) => v.client_id));
  const localVisits = visits.filter((v) => !serverVisitIds.has(v.client_id));
  const ops = (await allOps()).filter((o) => o.state !== "synced");
  for (const op of ops) {
    if (op.op === "drop_stop") {
      const stop = stops.find((s) => s.id === op.payload.stop);
      if (stop) Object.assign(stop, { dropped: true, drop_reason: op.payload.reason, local: true });
    }
    if (op.op === "add_stop" && op.customer && op.payload.date === snap.date
        && !stops.some((s) => s.customer.id === op.customer.id)) {
      stops.push({ id: null, origin: "rep", counts_as_planned: false, dropped: false,
                   customer: op.customer, visit: null, local: true });
    }
  }
  const byCustomer = new Map();
  for (const v of [...snap.visits, ...localVisits]) {
    if (v.status !== "rejected") byCustomer.set(v.customer.id, v);
  }
  for (const stop of stops) stop.visit = byCustomer.get(stop.customer.id) || stop.visit;
  const planned = new Set(stops.map((s) => s.customer.id));
  const unplanned = [...snap.visits, ...localVisits].filter((v) => !planned.has(v.customer.id));
  return { stops, unplanned };
}

function statusBadge(visit) {
  if (!visit) return `<span class="badge text-bg-light" data-status="todo">${esc(t("notYet"))}</span>`;
  if (visit.status === "open") {
    return `<span class="badge text-bg-warning" data-status="open">${esc(t("inProgress"))}</span>`;
  }
  return `<span class="badge text-bg-success" data-status="done">${esc(t("visited"))}</span>`;
}

function distanceText(customer) {
  const d = distanceTo(here, customer);
  if (d == null) return "";
  const shown = d >= 1000 ? t("km", { n: (d / 1000).toFixed(1) }) : t("metres", { n: d });
  return `<span class="m-distance"><i class="bi bi-signpost"></i> ${esc(t("away", { d: shown }))}</span>`;
}

function kindOptions(selected = "day") {
  const kinds = snapshot?.catalogue?.kinds || [];
  return kinds.map((k) => `<option value="${esc(k.value)}"${k.value === selected ? " selected" : ""}>${esc(k.label)}</option>`).join("");
}

function stopHtml(stop, index) {
  const c = stop.customer;
  const origin = stop.origin === "rep"
    ? `<span class="badge text-bg-info">${esc(t("repAdded"))}</span>` : "";
  const arrival = stop.planned_arrival ? `<span class="m-muted">${esc(stop.planned_arrival)}</span>` : "";
  let actions = "";
  if (stop.dropped) {
    actions = `<div class="m-drop-reason"><i class="bi bi-x-circle"></i> ${esc(t("dropped"))}: ${esc(stop.drop_reason)}</div>`;
  } else if (stop.visit) {
    actions = `<div class="m-buttons"><a class="btn btn-outline-primary m-touch" href="${esc(safeUrl(visitUrl(stop.visit.client_id)))}" data-action="open">
      <i class="bi bi-box-arrow-in-right"></i> ${esc(t("open"))}</a></div>`;
  } else {
    actions = `<div class="m-buttons">
      <select class="form-select m-kind" data-role="kind" aria-label="${esc(t("visitKind"))}">${kindOptions()}</select>
      <button type="button" class="btn btn-primary m-touch" data-action="check-in"><i class="bi bi-geo-alt"></i> ${esc(t("checkIn"))}</button>
      ${stop.id ? `<button type="button" class="btn btn-outline-secondary m-touch" data-action="drop">${esc(t("drop"))}</button>` : ""}
    </div>
    <div class="m-drop-form" data-role="drop-form" hidden>
      <input class="form-control" data-role="reason" maxlength="200" placeholder="${esc(t("dropReason"))}">
      <button type="button" class="btn btn-danger m-touch" data-action="confirm-drop">${esc(t("drop"))}</button>
    </div>`;
  }
  return `<li class="m-card m-stop${stop.dropped ? " m-dropped" : ""}" data-index="${esc(index)}" data-customer="${esc(c.id)}">
    <div class="m-row">
      <span class="m-pos">${esc(index + 1)}</span>
      <div class="m-grow"><div class="m-card-title">${esc(c.name)}</div>
        <div class="m-muted small">${esc(c.address || "")}</div></div>
      ${stop.dropped ? "" : statusBadge(stop.visit)}
    </div>
    <div class="m-meta small">${origin} ${arrival} ${distanceText(c)}</div>
    ${actions}
    <p class="m-note" data-role="note" hidden></p>
  </li>`;
}

function visitRowHtml(visit) {
  return `<li class="m-card"><div class="m-row"><div class="m-grow">
      <div class="m-card-title">${esc(visit.customer.name)}</div>
      <div class="m-muted small">${esc(t("unplanned"))} · ${esc(visit.kind_label || visit.kind)} · ${esc(hhmm(visit.checked_in_at))}</div></div>
      ${statusBadge(visit)}</div>
    <div class="m-buttons"><a class="btn btn-outline-primary m-touch" href="${esc(safeUrl(visitUrl(visit.client_id)))}">${esc(t("open"))}</a></div></li>`;
}

let dueTasks = []; // the tasks shown under "Tasks due", with this phone's changes

/** Tasks due by tomorrow (the snapshot's window), with what this phone did to them since. */
async function tasksDue() {
  const next = new Date(`${snapshot.date}T12:00:00`);
  next.setDate(next.getDate() + 1);
  const tomorrow = localDate(next);
  const tasks = await withQueuedChanges({ tasks: snapshot.tasks, generated_at: snapshot.generated_at });
  return tasks.filter((task) => task.due_date && task.due_date <= tomorrow);
}

function fill(listId, items, html) {
  const list = document.getElementById(listId);
  list.innerHTML = items.length ? items.map(html).join("")
    : `<li class="m-empty">${esc(list.dataset.empty || "")}</li>`;
}

function drawMap(stops) {
  const el = document.getElementById("today-map");
  const points = stops.filter((s) => s.customer.lat != null);
  if (!points.length && !here) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  if (!map) {
    map = createMap(el, { zoomControl: false });
    markers = clusterLayer().addTo(map);
  }
  markers.clearLayers();
  if (hereMarker) hereMarker.remove();
  const bounds = [];
  stops.forEach((stop, i) => {
    if (stop.customer.lat == null) return;
    const p = toDisplay(stop.customer.lat, stop.customer.lng);
    const colour = stop.dropped ? "#adb5bd" : stop.visit ? "#198754" : "#0b6e4f";
    stopMarker(p, { n: i + 1, colour, className: "m-pin", tooltip: stop.customer.name }).addTo(markers);
    bounds.push(p);
  });
  if (here) {
    const p = toDisplay(here.lat, here.lng);
    hereMarker = L.circleMarker(p, { radius: 7, color: "#fff", weight: 3, fillColor: "#0d6efd", fillOpacity: 1 }).addTo(map);
    bounds.push(p);
  }
  el.dataset.markers = String(bounds.length);
  finish(el, map, bounds, { padding: 24 });
}

let rendered = { stops: [], unplanned: [] };

async function render() {
  if (!snapshot) return;
  rendered = await overlay(snapshot);
  const { stops, unplanned } = rendered;
  fill("stops", stops, stopHtml);
  fill("unplanned", unplanned, visitRowHtml);
  dueTasks = await tasksDue();
  fillTasks(document.getElementById("tasks-due"), dueTasks);
  const counted = stops.filter((s) => !s.dropped);
  const done = counted.filter((s) => s.visit).length;
  document.getElementById("today-summary").textContent = `${done} / ${counted.length} · ${t("visited")}`;
  drawMap(stops);
}

async function locate(auto = false) {
  const note = document.getElementById("geo-note");
  if (!auto) {
    note.hidden = false;
    note.textContent = t("locating");
  }
  try {
    here = await capturePosition({ maximumAge: 60000 });
    note.hidden = true;
    await render();
  } catch {
    if (!auto) note.textContent = t("geoFailed");
  }
}

function showNote(li, text, isError = false) {
  const note = li.querySelector("[data-role=note]");
  note.hidden = !text;
  note.textContent = text || "";
  note.classList.toggle("text-danger", isError);
}

async function onClick(event) {
  const button = event.target.closest("[data-action]");
  if (!button) return;
  const li = button.closest("li[data-index]");
  if (!li) return;
  const stop = rendered.stops[Number(li.dataset.index)];
  const action = button.dataset.action;
  if (action === "check-in") {
    button.disabled = true;
    const kind = li.querySelector("[data-role=kind]")?.value || "day";
    const visit = await checkIn({ customer: stop.customer, kind, stop,
                                  note: (text, isError) => showNote(li, text, isError) });
    if (!visit) button.disabled = false;
  } else if (action === "drop") {
    li.querySelector("[data-role=drop-form]").hidden = false;
    li.querySelector("[data-role=reason]").focus();
  } else if (action === "confirm-drop") {
    const reason = li.querySelector("[data-role=reason]").value.trim();
    if (!reason) {
      showNote(li, t("dropReason"), true);
      return;
    }
    await enqueue({ op: "drop_stop", label: stop.customer.name,
                    payload: { stop: stop.id, reason } });
    await render();
  }
}

export async function initToday() {
  snapshot = await loadSnapshot();
  if (!snapshot) return;
  await render();
  document.getElementById("stops").addEventListener("click", onClick);
  bindTaskActions(document.getElementById("tasks-due"), () => dueTasks);
  document.getElementById("locate").addEventListener("click", () => locate(false));
  document.addEventListener("field:synced", () => refreshFromServer());
  document.addEventListener("field:queued", () => render());
  if (await positionAllowed()) locate(true);
}
