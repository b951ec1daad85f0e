// The phone's own storage (IndexedDB via `idb`): the upload queue, the visits recorded here,
// and the last snapshot of the day. Everything the rep does lands here first.
import { openDB } from "idb";

const DB_NAME = "outletcrm-field";
let dbPromise = null;

export function db() {
  if (!dbPromise) {
    dbPromise = openDB(DB_NAME, 1, {
      upgrade(database) {
        const ops = database.createObjectStore("ops", { keyPath: "client_id" });
        ops.createIndex("seq", "seq");
        database.createObjectStore("visits", { keyPath: "client_id" });
        database.createObjectStore("kv");
      },
    });
  }
  return dbPromise;
}

let lastSeq = 0;
function nextSeq() {
  // Capture order, stable across reloads: time in ms, bumped when two ops share a millisecond.
  lastSeq = Math.max(Date.now() * 1000, lastSeq + 1);
  return lastSeq;
}

export function newId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Queue an operation: {op, payload, visit_client_id?, client_id?, blob?, position?}. */
export async function enqueue(operation) {
  const record = {
    client_id: operation.client_id || newId(),
    op: operation.op,
    visit_client_id: operation.visit_client_id || null,
    payload: operation.payload || {},
    blob: operation.blob || null,
    upload_url: operation.upload_url || null,
    label: operation.label || "",
    // Kept on the phone only, to show the change before the server confirms it.
    customer: operation.customer || null,
    device_time: new Date().toISOString(),
    seq: nextSeq(),
    state: "pending",
    error: null,
  };
  await (await db()).put("ops", record);
  document.dispatchEvent(new CustomEvent("field:queued", { detail: record }));
  return record;
}

export async function allOps() {
  return (await db()).getAllFromIndex("ops", "seq");
}

export async function pendingOps() {
  return (await allOps()).filter((o) => o.state === "pending");
}

export async function updateOp(clientId, changes) {
  const database = await db();
  const tx = database.transaction("ops", "readwrite");
  const record = await tx.store.get(clientId);
  if (record) await tx.store.put({ ...record, ...changes });
  await tx.done;
}

export async function deleteOp(clientId) {
  await (await db()).delete("ops", clientId);
}

/** Forget synced operations beyond the last few (photos' blobs are large). */
export async function pruneSynced(keep = 30) {
  const synced = (await allOps()).filter((o) => o.state === "synced");
  const database = await db();
  for (const op of synced.slice(0, Math.max(0, synced.length - keep))) {
    await database.delete("ops", op.client_id);
  }
  for (const op of synced.slice(-keep)) {
    if (op.blob) await updateOp(op.client_id, { blob: null });
  }
}

export async function getVisit(clientId) {
  return (await db()).get("visits", clientId);
}

export async function putVisit(visit) {
  await (await db()).put("visits", visit);
  return visit;
}

export async function allVisits() {
  return (await db()).getAll("visits");
}

export async function getKV(key) {
  return (await db()).get("kv", key);
}

export async function setKV(key, value) {
  await (await db()).put("kv", value, key);
}
