// Quote editor: remove a line row, then let the live totals recalculate.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-remove-line]");
  if (!button) return;
  const row = button.closest("tr");
  const body = row && row.parentElement;
  if (!row || !body) return;
  row.remove();
  document.body.dispatchEvent(new Event("lines-changed"));
});
