// The street sweep on the phone (/m/sweeps/<id>/, development app): record every outlet met
// (an existing customer or a new one, duplicate-checked against the archive), its storefront
// photo, and fill its survey form over one or more contacts. Every write is an operation of
// the field app's queue (store.js) with a client-generated id, so it works offline and a
// retried upload never records twice. Rendered from the embedded snapshot; after an upload
// the page fetches a fresh one.
import { allOps, enqueue, getKV, newId, setKV } from "./store.js";
import { capturePosition } from "./geo.js";
import { csrfToken, errorText, esc, jsonScript } from "./util.js";

const S = jsonScript("sweep-strings") || {};
function s(key, values = {}) {
  return String(S[key] ?? key).replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? "")).replace("%%", "%");
}
const $ = (id) => document.getElementById(id);

let data = null;
let root = null;
let current = null; // the outlet whose form is open

function questions() {
  return data.form.flatMap((section) => section.questions);
}

function answeredCount(outlet) {
  return questions().filter((q) => {
    const value = outlet.answers[String(q.id)];
    return value !== undefined && value !== null && value !== "";
  }).length;
}

function percent(outlet) {
  const total = questions().length;
  return total ? Math.floor((Math.min(answeredCount(outlet), total) * 100) / total) : 0;
}

/** Outlets and answers still in the queue, laid over the server's snapshot. */
async function withQueued(snapshot) {
  const outlets = new Map(snapshot.outlets.map((o) => [o.outlet, { ...o, answers: { ...o.answers } }]));
  // What waits in the queue, and what reached the server after this snapshot was taken
  // (the snapshot cannot hold it yet).
  const taken = Date.parse(snapshot.generated_at || "") || 0;
  const ops = (await allOps()).filter((o) => o.state !== "synced"
    || Date.parse(o.synced_at || "") > taken);
  for (const op of ops) {
    if (op.op === "sweep_outlet" && String(op.payload.campaign) === String(snapshot.campaign.id)) {
      if (!outlets.has(op.client_id)) {
        const customer = snapshot.customers.find((c) => c.id === op.payload.customer);
        outlets.set(op.client_id, {
          outlet: op.client_id, name: op.payload.new?.name || customer?.name || "", outcome: "",
          intention: op.payload.intention, answers: {}, candidates: [], pending: op.state !== "synced",
          error: op.state === "error" ? op.error : null,
        });
      }
    }
  }
  for (const op of ops) {
    const outlet = outlets.get(op.payload?.outlet) || (op.op === "photo" ? outlets.get(op.payload.outlet) : null);
    if (!outlet) continue;
    if (op.op === "sweep_answers") {
      Object.assign(outlet.answers, op.payload.answers);
      if (op.payload.intention) outlet.intention = op.payload.intention;
      outlet.pending = outlet.pending || op.state !== "synced";
    } else if (op.op === "photo" && op.payload.question) {
      outlet.answers[String(op.payload.question)] = { photo: true };
      outlet.pending = outlet.pending || op.state !== "synced";
    }
  }
  return { ...snapshot, outlets: [...outlets.values()] };
}

function renderList() {
  const list = $("sw-list");
  if (!data.outlets.length) {
    list.innerHTML = `<li class="m-item text-secondary">${esc(s("noOutlets"))}</li>`;
    return;
  }
  list.innerHTML = data.outlets.map((o) => {
    const candidates = o.outcome === data.flagged && o.candidates.length
      ? `<div class="small text-warning-emphasis">${esc(s("flagged"))}</div>${o.candidates.map((c) => `
          <button type="button" class="btn btn-sm btn-outline-warning mt-1" data-resolve="${esc(o.outlet)}" data-customer="${esc(c.id)}">
            ${esc(s("itsThis"))}: ${esc(c.code)} ${esc(c.name || s("hidden"))}</button>`).join("")}`
      : "";
    const error = o.error ? `<div class="small text-danger">${esc(errorText(o.error))}</div>` : "";
    return `<li class="m-item" data-outlet="${esc(o.outlet)}" data-testid="sweep-outlet">
      <div class="d-flex justify-content-between align-items-center gap-2">
        <div><strong>${esc(o.name)}</strong>
          <span class="small text-secondary d-block">${esc(o.code || "")} ${esc(o.outcome_label || (o.pending ? s("waiting") : ""))}</span></div>
        <span class="badge text-bg-${percent(o) === 100 ? "success" : "secondary"}" data-testid="sweep-percent">${percent(o)}%</span>
      </div>${candidates}${error}
      <button type="button" class="btn btn-sm btn-outline-primary mt-1" data-survey="${esc(o.outlet)}">${esc(s("survey"))}</button>
    </li>`;
  }).join("");
}

function fillSelect(select, rows, value, label) {
  select.innerHTML = rows.map((r) => `<option value="${esc(r[value])}">${esc(r[label])}</option>`).join("");
}

function showNew(show) {
  $("sw-new").hidden = !show;
  if (show) {
    $("sw-new").reset();
    $("sw-dupes").hidden = true;
    $("sw-dupes").innerHTML = "";
    $("sw-new-note").hidden = true;
    toggleMode();
    $("sw-form").hidden = true;
  }
}

function toggleMode() {
  const existing = $("sw-mode-existing").checked;
  $("sw-existing").hidden = !existing;
  $("sw-newfields").hidden = existing;
}

async function position() {
  try {
    return await capturePosition({ maximumAge: 30000 });
  } catch {
    return null;
  }
}

function newFields() {
  return {
    name: $("sw-name").value.trim(), outlet_type: Number($("sw-type").value) || null,
    phone: $("sw-phone").value.trim(), address: $("sw-address").value.trim(),
    contact_name: $("sw-contact").value.trim(),
  };
}

/** Ask the archive (when online) whether the new outlet is already on file. */
async function duplicates(fields, where) {
  if (!navigator.onLine) return [];
  try {
    const response = await fetch(root.dataset.dupesUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ name: fields.name, phone: fields.phone, address: fields.address, lat: where?.lat, lng: where?.lng }),
    });
    if (!response.ok) return [];
    return (await response.json()).candidates || [];
  } catch {
    return [];
  }
}

let pendingNew = null; // a new outlet waiting for the rep's answer about duplicates

async function queueOutlet({ customer = null, fields = null, where = null }) {
  const clientId = newId();
  const payload = {
    campaign: data.campaign.id, device_time: new Date().toISOString(),
    intention: $("sw-intention").value,
  };
  if (customer) payload.customer = customer;
  if (fields) payload.new = fields;
  if (where) Object.assign(payload, { lat: where.lat, lng: where.lng, accuracy_m: where.accuracy_m });
  await enqueue({ op: "sweep_outlet", client_id: clientId, payload, label: fields?.name || "" });
  const file = $("sw-photo").files[0];
  if (file && fields) {
    await enqueue({
      op: "photo", blob: file, upload_url: `${root.dataset.photoUrl}${clientId}/photos`,
      payload: { kind: "storefront", captured_live: true, taken_at: new Date().toISOString(), outlet: clientId },
    });
  }
  const name = fields?.name || data.customers.find((c) => c.id === customer)?.name || "";
  data.outlets.unshift({ outlet: clientId, name, outcome: "", intention: payload.intention, answers: {}, candidates: [], pending: true });
  pendingNew = null;
  showNew(false);
  renderList();
  openForm(clientId);
}

async function submitNew(event) {
  event.preventDefault();
  const note = $("sw-new-note");
  if ($("sw-mode-existing").checked) {
    const customer = Number($("sw-customer").value);
    if (!customer) {
      note.textContent = s("needCustomer");
      note.hidden = false;
      return;
    }
    await queueOutlet({ customer, where: await position() });
    return;
  }
  const fields = newFields();
  if (!fields.name) {
    note.textContent = s("needName");
    note.hidden = false;
    return;
  }
  note.textContent = s("checking");
  note.hidden = false;
  const where = await position();
  const candidates = await duplicates(fields, where);
  note.hidden = true;
  if (!candidates.length) {
    await queueOutlet({ fields, where });
    return;
  }
  pendingNew = { fields, where };
  const box = $("sw-dupes");
  box.innerHTML = `<p class="mb-1">${esc(s("dupesFound"))}</p>${candidates.map((c) => `
    <button type="button" class="btn btn-sm btn-warning d-block mb-1" data-pick="${esc(c.id)}" data-testid="sweep-its-this">
      ${esc(s("itsThis"))}: ${esc(c.code)} ${esc(c.name || s("hidden"))} · ${esc(S.reasons?.[c.reason] || c.reason)}</button>`).join("")}
    <button type="button" class="btn btn-sm btn-outline-secondary" data-pick="none">${esc(s("notThese"))}</button>`;
  box.hidden = false;
}

async function pick(event) {
  const button = event.target.closest("[data-pick]");
  if (!button || !pendingNew) return;
  const { fields, where } = pendingNew;
  if (button.dataset.pick === "none") await queueOutlet({ fields, where });
  else await queueOutlet({ customer: Number(button.dataset.pick), fields, where });
}

function questionHtml(q, value) {
  const id = `sw-q-${q.id}`;
  const label = `<label class="form-label small mb-0" for="${id}">${esc(q.text)}</label>`;
  const current = value === undefined || value === null ? "" : value;
  if (q.kind === "choice") {
    return `${label}<select class="form-select mb-2" id="${id}" data-q="${q.id}"><option value=""></option>${q.options.map((o) =>
      `<option${o === current ? " selected" : ""}>${esc(o)}</option>`).join("")}</select>`;
  }
  if (q.kind === "number") {
    return `${label}<input class="form-control mb-2" type="number" min="0" step="any" inputmode="decimal" id="${id}" data-q="${q.id}" value="${esc(current)}">`;
  }
  if (q.kind === "photo") {
    const taken = current && current.photo ? `<span class="small text-success">${esc(s("photoTaken"))}</span>` : "";
    return `${label} ${taken}<input class="form-control mb-2" type="file" accept="image/*" capture="environment" id="${id}" data-q="${q.id}" data-photo="1">`;
  }
  return `${label}<textarea class="form-control mb-2" rows="2" maxlength="1000" id="${id}" data-q="${q.id}">${esc(current)}</textarea>`;
}

function renderProgress() {
  const total = questions().length;
  const n = answeredCount(current);
  $("sw-progress").textContent = `${s("answered", { n, m: total })} · ${s("complete", { p: percent(current) })}`;
  const bar = $("sw-progress-bar");
  bar.style.width = `${percent(current)}%`; // CSSOM, not a style attribute (CSP)
}

function openForm(clientId) {
  current = data.outlets.find((o) => o.outlet === clientId);
  if (!current) return;
  $("sw-form-title").textContent = current.name;
  $("sw-questions").innerHTML = data.form.map((section) => `<fieldset class="mb-2"><legend class="h6">${esc(section.title)}</legend>
    ${section.questions.map((q) => questionHtml(q, current.answers[String(q.id)])).join("")}</fieldset>`).join("");
  fillSelect($("sw-form-intention"), data.intentions, "value", "label");
  $("sw-form-intention").value = current.intention || "unknown";
  renderProgress();
  $("sw-form").hidden = false;
  $("sw-form").scrollIntoView({ block: "start" });
}

async function saveAnswers(event) {
  event.preventDefault();
  if (!current) return;
  const answers = {};
  const photos = [];
  for (const input of $("sw-questions").querySelectorAll("[data-q]")) {
    const key = input.dataset.q;
    if (input.dataset.photo) {
      if (input.files[0]) photos.push([key, input.files[0]]);
      continue;
    }
    const value = input.value.trim();
    const before = current.answers[key];
    if (value !== String(before ?? "")) answers[key] = value === "" ? null : value;
  }
  const where = null; // answers carry no position: the outlet's was taken when it was met
  const intention = $("sw-form-intention").value;
  if (Object.keys(answers).length || intention !== current.intention) {
    await enqueue({
      op: "sweep_answers", label: current.name,
      payload: { outlet: current.outlet, answers, intention, device_time: new Date().toISOString(), ...(where || {}) },
    });
  }
  for (const [question, file] of photos) {
    await enqueue({
      op: "photo", blob: file, upload_url: `${root.dataset.photoUrl}${current.outlet}/photos`,
      payload: { kind: "survey", question, captured_live: true, taken_at: new Date().toISOString(), outlet: current.outlet },
    });
    current.answers[question] = { photo: true };
  }
  for (const [key, value] of Object.entries(answers)) {
    if (value === null) delete current.answers[key];
    else current.answers[key] = value;
  }
  current.intention = intention;
  current.pending = true;
  renderProgress();
  renderList();
  $("sw-new-note").hidden = true;
  $("sw-form").dataset.saved = String(Number($("sw-form").dataset.saved || 0) + 1);
}

async function resolve(event) {
  const button = event.target.closest("[data-resolve]");
  if (!button) return;
  await enqueue({ op: "sweep_resolve", payload: { outlet: button.dataset.resolve, customer: Number(button.dataset.customer) } });
  button.disabled = true;
}

function kvKey(campaignId) {
  return `sweep:${campaignId}`;
}

/** The newest snapshot this phone has: the page's own, or the last one fetched after an
 * upload. A page the service worker serves offline is the copy of its last load, possibly
 * older than what the phone fetched since; the records synced in between are no longer in
 * the queue, so the older copy would show them missing. */
async function newestSnapshot(embedded) {
  let cached = null;
  try {
    cached = await getKV(kvKey(embedded.campaign.id));
  } catch {
    cached = null;
  }
  const age = (snapshot) => Date.parse(snapshot?.generated_at || "") || 0;
  if (cached && age(cached) > age(embedded)) return cached;
  await keep(embedded);
  return embedded;
}

async function keep(snapshot) {
  try {
    await setKV(kvKey(snapshot.campaign.id), snapshot);
  } catch {
    /* storage full or unavailable: the page still works from what it has */
  }
}

async function refreshFromServer() {
  try {
    const response = await fetch(root.dataset.snapshotUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const fresh = await response.json();
    await keep(fresh);
    data = await withQueued(fresh);
    renderList();
    if (current) {
      const fresh = data.outlets.find((o) => o.outlet === current.outlet);
      if (fresh) {
        current = fresh;
        renderProgress();
      }
    }
    root.dataset.refreshed = String(Number(root.dataset.refreshed || 0) + 1);
  } catch {
    /* offline: the page keeps what it has */
  }
}

export async function initSweep() {
  root = $("sweep");
  const embedded = jsonScript("sweep-data");
  if (!root || !embedded) return;
  const snapshot = await newestSnapshot(embedded);
  data = await withQueued(snapshot);
  fillSelect($("sw-customer"), [{ id: "", name: "" }, ...snapshot.customers.map((c) => ({ id: c.id, name: `${c.code} ${c.name}` }))], "id", "name");
  fillSelect($("sw-type"), snapshot.outlet_types, "id", "name");
  fillSelect($("sw-intention"), snapshot.intentions, "value", "label");
  $("sw-new-btn").addEventListener("click", () => showNew(true));
  $("sw-cancel").addEventListener("click", () => showNew(false));
  $("sw-mode-new").addEventListener("change", toggleMode);
  $("sw-mode-existing").addEventListener("change", toggleMode);
  $("sw-new").addEventListener("submit", submitNew);
  $("sw-dupes").addEventListener("click", pick);
  $("sw-form").addEventListener("submit", saveAnswers);
  $("sw-form-close").addEventListener("click", () => {
    $("sw-form").hidden = true;
    current = null;
  });
  $("sw-list").addEventListener("click", (event) => {
    const survey = event.target.closest("[data-survey]");
    if (survey) openForm(survey.dataset.survey);
    else resolve(event);
  });
  document.addEventListener("field:synced", () => refreshFromServer());
  renderList();
  root.dataset.ready = "1";
}
