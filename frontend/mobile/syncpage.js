// The sync page: what waits on this phone, what the server refused and why.
import { allOps, deleteOp } from "./store.js";
import { queueCounts, syncNow } from "./sync.js";
import { errorText, esc, hhmm, opLabel, t } from "./util.js";

async function render() {
  const ops = (await allOps()).reverse();
  const list = document.getElementById("queue");
  list.innerHTML = ops.length ? ops.map((o) => {
    const badge = o.state === "synced"
      ? `<span class="badge text-bg-success">${esc(t("synced"))}</span>`
      : o.state === "error" ? `<span class="badge text-bg-danger">${esc(t("refused"))}</span>`
        : `<span class="badge text-bg-secondary">${esc(t("pending"))}</span>`;
    return `<li class="m-card" data-op="${esc(o.op)}" data-state="${esc(o.state)}" data-client-id="${esc(o.client_id)}">
      <div class="m-row"><strong>${esc(opLabel(o.op))}</strong>${badge}</div>
      <div class="m-muted small">${esc(o.label)} · ${esc(hhmm(o.device_time))}</div>
      ${o.state === "error" ? `<div class="text-danger small">${esc(errorText(o.error))}</div>
        <button type="button" class="btn btn-sm btn-outline-danger mt-1" data-discard="${esc(o.client_id)}">${esc(t("discard"))}</button>` : ""}
    </li>`;
  }).join("") : `<li class="m-empty">${esc(list.dataset.empty)}</li>`;
  const { pending, failed } = await queueCounts();
  const summary = document.getElementById("sync-summary");
  summary.textContent = pending ? t("nPending", { n: pending })
    : failed ? t("nFailed", { n: failed }) : t("allSynced");
  summary.dataset.state = pending ? "pending" : failed ? "error" : "synced";
}

export function initSyncPage() {
  render();
  document.getElementById("sync-now").addEventListener("click", () => syncNow());
  document.getElementById("queue").addEventListener("click", async (event) => {
    const button = event.target.closest("[data-discard]");
    if (!button || !window.confirm(t("discardConfirm"))) return;
    await deleteOp(button.dataset.discard);
    render();
  });
  document.addEventListener("field:queue", render);
}
