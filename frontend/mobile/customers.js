// The customer search: visit a customer off the plan (计划外) or add it to today's plan.
import { checkIn } from "./checkin.js";
import { enqueue } from "./store.js";
import { jsonScript, localDate, t } from "./util.js";

export function initCustomers() {
  const results = jsonScript("customer-data") || [];
  const list = document.getElementById("customer-results");
  if (!list) return;
  list.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    const li = button.closest("li[data-index]");
    const customer = results[Number(li.dataset.index)];
    const note = li.querySelector("[data-role=note]");
    const show = (text, isError = false) => {
      note.hidden = !text;
      note.textContent = text || "";
      note.classList.toggle("text-danger", isError);
    };
    if (button.dataset.action === "visit") {
      button.disabled = true;
      const kind = document.getElementById("visit-kind").value;
      const visit = await checkIn({ customer, kind, note: show });
      if (!visit) button.disabled = false;
    } else if (button.dataset.action === "add-stop") {
      button.disabled = true;
      await enqueue({ op: "add_stop", label: customer.name, customer,
                      payload: { customer: customer.id, date: localDate() } });
      show(t("addedStop"));
    }
  });
}
