// The pipeline board: drag a card onto another stage's column to move it (HTML5 drag and
// drop). The drop fills the card's own move form (the keyboard and no-drag path: buttons for
// the previous and the next stage) with the column's stage and submits it, so both paths are one htmx POST; the server
// applies the exit checks and answers with the board and a message saying why a move was
// refused. Listeners sit on the document, so they keep working after htmx swaps the board
// and on cards a column's "show more" loads later (an htmx GET that puts the next cards in
// place of the button; each card brings its own move form).
import "./pipeline.css";

let dragged = null;

function column(target) {
  return target.closest?.(".pipeline-column");
}

document.addEventListener("dragstart", (event) => {
  const card = event.target.closest?.(".pipeline-card[draggable='true']");
  if (!card) return;
  dragged = card;
  card.classList.add("is-dragging");
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", card.dataset.prospectId);
});

document.addEventListener("dragend", () => {
  if (dragged) dragged.classList.remove("is-dragging");
  dragged = null;
  document.querySelectorAll(".pipeline-column.is-drop-target").forEach((el) => el.classList.remove("is-drop-target"));
});

document.addEventListener("dragover", (event) => {
  const target = column(event.target);
  if (!dragged || !target) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "move";
  document.querySelectorAll(".pipeline-column.is-drop-target").forEach((el) => {
    if (el !== target) el.classList.remove("is-drop-target");
  });
  target.classList.add("is-drop-target");
});

document.addEventListener("drop", (event) => {
  const target = column(event.target);
  if (!dragged || !target) return;
  event.preventDefault();
  const form = dragged.querySelector("form.pipeline-move");
  const stageId = target.dataset.stageId;
  target.classList.remove("is-drop-target");
  if (!form || !stageId || column(dragged) === target) return;
  const drop = form.querySelector("[data-drop-stage]");
  drop.disabled = false;
  drop.value = stageId;
  form.requestSubmit();
});

// After "show more", the keyboard goes on from the first card that came in (the button it
// was on is gone); the server marks that card with data-page-start.
document.addEventListener("htmx:afterSettle", () => {
  document.querySelectorAll(".pipeline-card[data-page-start]").forEach((card, index) => {
    card.removeAttribute("data-page-start");
    if (index === 0) card.querySelector("a")?.focus();
  });
});
