// The upload loop: posts the queue in capture order when there is a connection (on load, on
// the 'online' event, after each new record, and on a timer with backoff while work waits).
// JSON operations go as batches to /api/v1/sync; each photo as multipart after its visit's
// check-in. The server answers per operation: applied, duplicate (already there) or error.
import { allOps, pendingOps, pruneSynced, updateOp } from "./store.js";
import { csrfToken, t } from "./util.js";

const SYNC_URL = "/api/v1/sync";
const BATCH = 50;
const RETRY_MS = [2000, 5000, 15000, 30000, 60000];

let running = null;
let again = false; // something was queued while a run was under way
let failures = 0;
// The last upload found no network. navigator.onLine says only whether there is a network
// interface (a phone on a dead signal, or a page its service worker served, may say "online"),
// so a failed request counts as offline too, until a request gets through. A page the service
// worker served from its cache because the network failed is marked so: offline from the start.
let unreachable = document.documentElement.hasAttribute("data-offline-copy");
let retryTimer = null;
let authProblem = false;
let busy = false;
let badgeTicket = 0; // only the latest count of the queue is shown

function emit(name, detail = {}) {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}

function photoUrl(visitClientId) {
  return `/api/v1/visits/${encodeURIComponent(visitClientId)}/photos`;
}

class NetworkError extends Error {}
class Unreachable extends NetworkError {}

/** With nothing to upload, a page that counts as offline asks the server whether it is there
 * again: the manifest is small, needs no database and is not answered by the service worker. */
async function probe() {
  const link = document.querySelector("link[rel=manifest]");
  if (!link) return;
  try {
    await fetch(link.href, { cache: "no-store", credentials: "same-origin" });
  } catch (error) {
    throw new Unreachable(error.message);
  }
}

function isOffline() {
  return !navigator.onLine || unreachable;
}
class AuthError extends Error {}

async function postBatch(ops) {
  let response;
  try {
    response = await fetch(SYNC_URL, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({
        ops: ops.map((o) => ({
          op: o.op, client_id: o.client_id, visit_client_id: o.visit_client_id || undefined,
          payload: o.payload,
        })),
      }),
    });
  } catch (error) {
    throw new Unreachable(error.message);
  }
  if (response.status === 401 || response.status === 403) throw new AuthError();
  if (!response.ok) throw new NetworkError(String(response.status));
  const body = await response.json();
  return body.results || [];
}

async function postPhoto(op) {
  const form = new FormData();
  const name = `${op.client_id}.jpg`;
  if (op.blob) form.append("image", op.blob, name);
  form.append("client_id", op.client_id);
  form.append("kind", op.payload.kind || "display");
  form.append("captured_live", op.payload.captured_live ? "true" : "false");
  if (op.payload.taken_at) form.append("taken_at", op.payload.taken_at);
  // A photo that belongs to something other than a visit (a sweep's storefront or a survey
  // answer, development app) names its own upload address and question.
  if (op.payload.question) form.append("question", op.payload.question);
  let response;
  try {
    response = await fetch(op.upload_url || photoUrl(op.visit_client_id), {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
      body: form,
    });
  } catch (error) {
    throw new Unreachable(error.message);
  }
  if (response.status === 401) throw new AuthError();
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  if (response.status === 403 && String(body.detail || "").includes("CSRF")) throw new AuthError();
  if (response.ok) return { client_id: op.client_id, status: body.status || "applied", result: body };
  if (response.status >= 400 && response.status < 500) {
    return { client_id: op.client_id, status: "error", error: body };
  }
  throw new NetworkError(String(response.status));
}

async function record(results) {
  for (const result of results) {
    if (!result.client_id) continue;
    if (result.status === "error") {
      await updateOp(result.client_id, { state: "error", error: result.error || {} });
    } else {
      await updateOp(result.client_id, {
        state: "synced", result: result.result || {}, synced_at: new Date().toISOString(),
        duplicate: result.status === "duplicate",
      });
    }
  }
  if (results.length) emit("field:synced", { results });
}

async function run() {
  if (!navigator.onLine) {
    await refreshBadge();
    return;
  }
  busy = true;
  setBadge("syncing", t("syncing"));
  try {
    let queue = await pendingOps();
    if (!queue.length && unreachable) await probe();
    while (queue.length) {
      const first = queue[0];
      if (first.op === "photo") {
        await record([await postPhoto(first)]);
      } else {
        const batch = [];
        for (const op of queue) {
          if (op.op === "photo" || batch.length >= BATCH) break;
          batch.push(op);
        }
        await record(await postBatch(batch));
      }
      queue = await pendingOps();
    }
    failures = 0;
    unreachable = false;
    authProblem = false;
    await pruneSynced();
  } catch (error) {
    if (error instanceof AuthError) {
      authProblem = true;
    } else {
      unreachable = error instanceof Unreachable;
      failures += 1;
      scheduleRetry();
    }
  }
  busy = false;
  await refreshBadge();
}

function scheduleRetry() {
  clearTimeout(retryTimer);
  const delay = RETRY_MS[Math.min(failures - 1, RETRY_MS.length - 1)];
  retryTimer = setTimeout(() => syncNow(), delay);
}

/** Upload what waits; concurrent calls share one run, and a call during a run that may
 * already have read the queue makes it go round once more (else a record queued just then
 * would wait for the 30-second timer). */
export function syncNow() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    do {
      again = false;
      await run();
    } while (again && failures === 0 && !authProblem && navigator.onLine);
  })().finally(() => {
    running = null;
  });
  return running;
}

function setBadge(state, text) {
  const badge = document.getElementById("sync-badge");
  if (!badge) return;
  badge.dataset.state = state;
  const icon = badge.querySelector("i");
  const label = badge.querySelector(".m-sync-text");
  const icons = {
    synced: "bi-cloud-check", pending: "bi-cloud-arrow-up", syncing: "bi-arrow-repeat",
    error: "bi-exclamation-triangle", offline: "bi-wifi-off", auth: "bi-person-lock",
  };
  if (icon) icon.className = `bi ${icons[state] || "bi-cloud"}`;
  if (label && text) label.textContent = text;
}

export async function queueCounts() {
  const ops = await allOps();
  return {
    pending: ops.filter((o) => o.state === "pending").length,
    failed: ops.filter((o) => o.state === "error").length,
  };
}

/** Say at once that something waits: the badge must never read "all synced" between the
 * moment a record is queued and the moment the queue is counted again (pages and tests wait
 * on the badge). */
function markQueued() {
  badgeTicket += 1; // a count started before this record was stored is out of date
  const badge = document.getElementById("sync-badge");
  if (!badge) return;
  const pending = Number(badge.dataset.pending || 0) + 1;
  badge.dataset.pending = String(pending);
  setBadge(isOffline() ? "offline" : "pending", t("nPending", { n: pending }));
}

export async function refreshBadge() {
  const ticket = ++badgeTicket;
  const { pending, failed } = await queueCounts();
  if (ticket !== badgeTicket) return; // a newer count is on its way
  const badge = document.getElementById("sync-badge");
  if (badge) badge.dataset.pending = String(pending);
  const navCount = document.getElementById("nav-pending");
  if (navCount) {
    navCount.textContent = String(pending + failed);
    navCount.hidden = pending + failed === 0;
  }
  const banner = document.getElementById("net-banner");
  if (banner) banner.hidden = !isOffline();
  if (authProblem && pending) setBadge("auth", t("loginAgain"));
  else if (isOffline() && pending) setBadge("offline", t("nPending", { n: pending }));
  else if (isOffline()) setBadge("offline", t("offline"));
  else if (busy && pending) setBadge("syncing", t("syncing"));
  else if (pending) setBadge("pending", t("nPending", { n: pending }));
  else if (failed) setBadge("error", t("nFailed", { n: failed }));
  else setBadge("synced", t("allSynced"));
  emit("field:queue", { pending, failed });
}

export function initSync() {
  window.addEventListener("online", () => {
    failures = 0;
    syncNow();
  });
  window.addEventListener("offline", () => refreshBadge());
  document.addEventListener("field:queued", () => {
    markQueued();
    refreshBadge();
    syncNow();
  });
  // While work waits, try again now and then (the retry timer handles failures faster).
  setInterval(async () => {
    const { pending } = await queueCounts();
    if (pending && navigator.onLine && !running) syncNow();
  }, 30000);
  syncNow();
}
