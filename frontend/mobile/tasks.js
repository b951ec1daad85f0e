// The rep's tasks: complete, postpone (to a date, with a reason) and add, on the tasks page and
// in the today page's "tasks due" list. Every change is queued like a visit's records
// (task_add carries the new task's client id; task_done and task_postpone name the task by
// its client id), shown at once from the queue, and uploaded when there is a signal.
// Done asks what was done (call, visit, gift, message, other) and how it went; both are
// required for the kinds that say so (needs_outcome, visits.choices.register_task_kind).
import { allOps, enqueue, getKV, newId, setKV } from "./store.js";
import { esc, jsonScript, localDate, T, t } from "./util.js";

const TASK_OPS = new Set(["task_add", "task_done", "task_postpone"]);

function addDays(isoDate, days) {
  const d = new Date(`${isoDate}T12:00:00`);
  d.setDate(d.getDate() + days);
  return localDate(d);
}

/** The server's tasks with what this phone did since: queued, or uploaded after the copy. */
export async function withQueuedChanges(snapshot) {
  const tasks = (snapshot?.tasks || []).map((task) => ({ ...task }));
  const since = snapshot?.generated_at || "";
  const ops = (await allOps()).filter((o) => TASK_OPS.has(o.op)
    && (o.state === "pending" || (o.state === "synced" && (o.synced_at || "") > since)));
  for (const op of ops) {
    if (op.op === "task_add") {
      if (tasks.some((task) => task.client_id === op.client_id)) continue;
      tasks.push({
        client_id: op.client_id, kind: "todo", kind_label: t("taskTodo"), title: op.payload.title,
        due_date: op.payload.due_date || op.result?.due_date || null, customer: op.customer,
        postponed: 0, postpone_reason: "", done: false, local: op.state === "pending",
      });
      continue;
    }
    const task = tasks.find((item) => item.client_id === op.payload.task);
    if (!task) continue;
    if (op.op === "task_done") {
      Object.assign(task, { done: true, local: op.state === "pending",
                            action: op.payload.action || "", outcome: op.payload.outcome || "" });
    }
    if (op.op === "task_postpone") {
      Object.assign(task, {
        due_date: op.payload.due_date, postponed: (task.postponed || 0) + 1,
        postpone_reason: op.payload.reason, local: op.state === "pending",
      });
    }
  }
  const today = localDate();
  for (const task of tasks) task.overdue = !task.done && Boolean(task.due_date) && task.due_date < today;
  tasks.sort((a, b) => (a.done - b.done) || String(a.due_date || "9999").localeCompare(String(b.due_date || "9999")));
  return tasks;
}

function dueText(task) {
  if (!task.due_date) return t("taskDueFromText");
  const today = localDate();
  if (task.due_date < today) return `${t("overdue")} · ${task.due_date}`;
  if (task.due_date === today) return t("dueToday");
  if (task.due_date === addDays(today, 1)) return t("dueTomorrow");
  return t("dueOn", { date: task.due_date });
}

function doneActionOptions() {
  const labels = T.doneActions || {};
  return Object.keys(labels).map((value) => `<option value="${esc(value)}">${esc(labels[value])}</option>`).join("");
}

function doneText(task) {
  const labels = T.doneActions || {};
  const parts = [t("taskIsDone")];
  if (task.action) parts.push(labels[task.action] || task.action);
  if (task.outcome) parts.push(task.outcome);
  return parts.join(" · ");
}

export function taskHtml(task) {
  const state = task.done ? "done" : task.local ? "pending" : "open";
  const minDate = addDays(task.due_date && task.due_date > localDate() ? task.due_date : localDate(), 1);
  const required = task.needs_outcome ? " *" : "";
  const actions = task.done
    ? `<div class="small text-success" data-role="done"><i class="bi bi-check2-circle"></i> ${esc(doneText(task))}</div>`
    : `<div class="m-buttons">
        <button type="button" class="btn btn-success m-touch" data-action="task-done"><i class="bi bi-check2"></i> ${esc(t("taskDone"))}</button>
        <button type="button" class="btn btn-outline-secondary m-touch" data-action="task-postpone"><i class="bi bi-calendar-plus"></i> ${esc(t("taskPostpone"))}</button>
      </div>
      <div class="m-drop-form" data-role="done-form" hidden>
        <label class="small m-muted" for="da-${esc(task.client_id)}">${esc(t("taskDoneAction"))}${required}</label>
        <select class="form-select" id="da-${esc(task.client_id)}" data-role="done-action">
          <option value="">—</option>${doneActionOptions()}
        </select>
        <input class="form-control" data-role="done-outcome" maxlength="1000" placeholder="${esc(t("taskOutcome"))}${required}">
        <button type="button" class="btn btn-success m-touch" data-action="task-done-confirm">${esc(t("taskDoneConfirm"))}</button>
      </div>
      <div class="m-drop-form" data-role="postpone-form" hidden>
        <label class="small m-muted" for="pp-${esc(task.client_id)}">${esc(t("taskPostponeTo"))}</label>
        <input type="date" class="form-control" id="pp-${esc(task.client_id)}" data-role="postpone-date" min="${esc(minDate)}" value="${esc(minDate)}">
        <input class="form-control" data-role="postpone-reason" maxlength="200" placeholder="${esc(t("taskPostponeReason"))}">
        <button type="button" class="btn btn-primary m-touch" data-action="task-postpone-confirm">${esc(t("taskPostpone"))}</button>
      </div>`;
  const postponed = task.postponed
    ? `<div class="m-muted small" data-role="postponed">${esc(t("taskPostponed", { n: task.postponed, reason: task.postpone_reason }))}</div>` : "";
  return `<li class="m-card m-task${task.overdue ? " m-overdue" : ""}${task.done ? " m-task-done" : ""}" data-task="${esc(task.client_id)}" data-state="${state}">
    <div class="m-row"><span class="badge text-bg-light">${esc(task.kind_label || t("taskTodo"))}</span>
      <span class="small ${task.overdue ? "text-danger fw-semibold" : "m-muted"}" data-role="due" data-due="${esc(task.due_date || "")}">${esc(dueText(task))}</span></div>
    <div class="m-card-title">${esc(task.title)}</div>
    <div class="m-muted small">${esc(task.customer ? task.customer.name : t("taskGeneral"))}</div>
    ${postponed}
    ${state === "pending" ? `<span class="badge text-bg-secondary">${esc(t("pending"))}</span>` : ""}
    ${actions}
    <p class="m-note" data-role="note" hidden></p>
  </li>`;
}

export function fillTasks(list, tasks) {
  list.innerHTML = tasks.length ? tasks.map(taskHtml).join("")
    : `<li class="m-empty">${esc(list.dataset.empty || "")}</li>`;
}

function note(li, text) {
  const el = li.querySelector("[data-role=note]");
  el.hidden = !text;
  el.textContent = text || "";
  el.classList.toggle("text-danger", Boolean(text));
}

/** Done and postpone buttons of a task list; `tasks()` gives the tasks shown. */
export function bindTaskActions(list, tasks) {
  list.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-action]");
    const li = button?.closest("li[data-task]");
    if (!li) return;
    const task = tasks().find((item) => item.client_id === li.dataset.task);
    if (!task) return;
    const action = button.dataset.action;
    if (action === "task-done") {
      const form = li.querySelector("[data-role=done-form]");
      form.hidden = !form.hidden;
      if (!form.hidden) li.querySelector("[data-role=done-action]").focus();
    } else if (action === "task-done-confirm") {
      const done = li.querySelector("[data-role=done-action]").value;
      const outcome = li.querySelector("[data-role=done-outcome]").value.trim();
      if (task.needs_outcome && (!done || !outcome)) {
        note(li, t("taskNeedsOutcome"));
        return;
      }
      button.disabled = true;
      const payload = { task: task.client_id };
      if (done) payload.action = done;
      if (outcome) payload.outcome = outcome;
      await enqueue({ op: "task_done", label: task.title, payload });
    } else if (action === "task-postpone") {
      const form = li.querySelector("[data-role=postpone-form]");
      form.hidden = !form.hidden;
      if (!form.hidden) li.querySelector("[data-role=postpone-reason]").focus();
    } else if (action === "task-postpone-confirm") {
      const date = li.querySelector("[data-role=postpone-date]").value;
      const reason = li.querySelector("[data-role=postpone-reason]").value.trim();
      if (!reason) {
        note(li, t("taskPostponeReason"));
        return;
      }
      if (!date || (task.due_date && date <= task.due_date) || date < localDate()) {
        note(li, t("taskPostponeLater", { date: task.due_date || localDate() }));
        return;
      }
      await enqueue({ op: "task_postpone", label: task.title,
                      payload: { task: task.client_id, due_date: date, reason } });
    }
  });
}

// --- the tasks page -------------------------------------------------------------------------

let snapshot = null;
let shown = [];

async function loadSnapshot() {
  const embedded = jsonScript("tasks-data");
  const cached = await getKV("tasks");
  const chosen = !embedded || (cached && cached.generated_at > embedded.generated_at) ? cached : embedded;
  if (chosen && chosen !== cached) await setKV("tasks", chosen);
  return chosen;
}

async function render() {
  shown = await withQueuedChanges(snapshot);
  fillTasks(document.getElementById("task-list"), shown);
}

async function refreshFromServer() {
  if (!navigator.onLine) return;
  try {
    const mine = encodeURIComponent(document.body.dataset.user || "");
    const response = await fetch(`/api/v1/tasks?rep=${mine}&page_size=200`, { credentials: "same-origin" });
    if (!response.ok) return;
    const body = await response.json();
    snapshot = { ...snapshot, tasks: body.results, generated_at: new Date().toISOString() };
    await setKV("tasks", snapshot);
    await render();
  } catch {
    /* offline: keep what we have */
  }
}

function fillCustomers(select, customers) {
  for (const customer of customers || []) {
    const option = document.createElement("option");
    option.value = String(customer.id);
    option.textContent = customer.name;
    select.appendChild(option);
  }
}

async function onAdd(event) {
  event.preventDefault();
  const title = document.getElementById("task-title");
  const select = document.getElementById("task-customer");
  const due = document.getElementById("task-due");
  const message = document.getElementById("task-add-note");
  const text = title.value.trim();
  if (!text) {
    message.hidden = false;
    message.textContent = t("taskNeedsTitle");
    message.classList.add("text-danger");
    title.focus();
    return;
  }
  const customerId = select.value ? Number(select.value) : null;
  const customer = customerId ? (snapshot.customers || []).find((c) => c.id === customerId) : null;
  await enqueue({
    op: "task_add", client_id: newId(), label: text,
    customer: customer ? { id: customer.id, name: customer.name } : null,
    payload: { title: text, customer: customerId, due_date: due.value || null },
  });
  title.value = "";
  due.value = "";
  select.value = "";
  message.hidden = false;
  message.classList.remove("text-danger");
  message.textContent = t("taskAdded");
}

export async function initTasks() {
  snapshot = await loadSnapshot();
  if (!snapshot) return;
  fillCustomers(document.getElementById("task-customer"), snapshot.customers);
  await render();
  bindTaskActions(document.getElementById("task-list"), () => shown);
  document.getElementById("task-add").addEventListener("submit", onAdd);
  document.addEventListener("field:queued", () => render());
  document.addEventListener("field:synced", () => refreshFromServer());
}
