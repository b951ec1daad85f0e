// The order form (templates/orders/order_form.html): preview of line amounts and the total,
// and "add a line" from the server-rendered empty form. The server computes the saved figures.
// A bundle of its own rather than an inline <script>: the Content Security Policy allows
// scripts from our own origin only.

function initOrderForm(form) {
  const body = form.querySelector("#order-lines tbody");
  const totalForms = form.querySelector('input[name="lines-TOTAL_FORMS"]');
  const maxForms = Number(form.querySelector('input[name="lines-MAX_NUM_FORMS"]').value);
  const formatter = new Intl.NumberFormat(document.documentElement.lang || "zh-Hans",
    { style: "currency", currency: "CNY", currencyDisplay: "narrowSymbol", minimumFractionDigits: 2 });
  const number = (value) => {
    const parsed = Number(String(value || "").replace(/[,，\s]/g, ""));
    return Number.isFinite(parsed) ? parsed : NaN;
  };
  const round2 = (value) => Math.round((value + Number.EPSILON) * 100) / 100;

  function refresh() {
    let total = 0;
    body.querySelectorAll("tr.order-line").forEach((row) => {
      const option = row.querySelector('[data-role="product"]').selectedOptions[0];
      const priceInput = row.querySelector('[data-role="unit-price"]');
      const defaultPrice = option ? option.dataset.price || "" : "";
      priceInput.placeholder = defaultPrice;
      const price = priceInput.value.trim() ? number(priceInput.value) : number(defaultPrice);
      const quantity = number(row.querySelector('[data-role="quantity"]').value);
      const discount = number(row.querySelector('[data-role="discount"]').value || 0);
      const cell = row.querySelector('[data-role="amount"]');
      if (option && option.value && quantity > 0 && price >= 0 && discount >= 0 && discount < 100) {
        const amount = round2(quantity * price * (1 - discount / 100));
        total += amount;
        cell.textContent = formatter.format(amount);
      } else {
        cell.textContent = "—";
      }
    });
    document.getElementById("order-total").textContent = total ? formatter.format(round2(total)) : "—";
  }

  document.getElementById("add-line").addEventListener("click", () => {
    const index = Number(totalForms.value);
    if (index >= maxForms) return;
    // A copy of the server's <template> (escaped by Django), with the form index filled in.
    const row = document.getElementById("line-template").content.cloneNode(true);
    row.querySelectorAll("[name], [id], label[for]").forEach((el) => {
      for (const attr of ["name", "id", "for"]) {
        const value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replaceAll("__prefix__", String(index)));
      }
    });
    body.appendChild(row);
    totalForms.value = index + 1;
    body.lastElementChild.querySelector("select").focus();
  });
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  // A second click while the first submit is on its way would only replay the same order
  // (the form carries a client id), but there is no need to send it twice.
  form.addEventListener("submit", () => {
    setTimeout(() => { document.getElementById("save-order").disabled = true; }, 0);
  });
  refresh();
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("order-form");
  if (form) initOrderForm(form);
});
