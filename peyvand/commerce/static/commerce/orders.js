// Order form: picking a customer from the lookup fills the hidden contact/company fields.
document.addEventListener("click", (event) => {
  const form = document.getElementById("order-form");
  if (!form) return;
  const pick = event.target.closest("[data-customer]");
  if (pick) {
    const kind = pick.dataset.customer;
    form.querySelector(`input[name="${kind}"]`).value = pick.dataset.id;
    const chosen = document.getElementById("customer-chosen");
    const line = document.createElement("span");
    line.textContent = `${pick.dataset.label} `;
    chosen.append(line);
    document.getElementById("customer-results").replaceChildren();
    return;
  }
  if (event.target.closest("[data-clear-customer]")) {
    form.querySelector('input[name="contact"]').value = "";
    form.querySelector('input[name="company"]').value = "";
    document.getElementById("customer-chosen").replaceChildren();
  }
});
