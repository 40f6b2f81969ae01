// Small page behaviours shared by every page; htmx does the rest.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-toggle-nav]");
  if (toggle) document.getElementById("mainnav")?.classList.toggle("open");
});
// htmx 2 does not swap 4xx/5xx bodies by default; form partials answer 422 with their errors.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
// Behaviours declared with data attributes, so pages need no inline script (Content-Security-Policy).
// <form data-confirm="Delete?">: ask before submitting.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset?.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
}, true);
// <select data-autosubmit>: submit its form on change.
document.addEventListener("change", (event) => {
  if (event.target.matches?.("[data-autosubmit]")) event.target.form?.requestSubmit();
});
document.addEventListener("click", (event) => {
  // <button data-print>: print the page.
  if (event.target.closest("[data-print]")) window.print();
  // <button data-copy="#selector" data-copied="Copied">: copy that element's text.
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    const text = document.querySelector(copy.dataset.copy)?.textContent || "";
    navigator.clipboard?.writeText(text).then(() => { copy.textContent = copy.dataset.copied; });
  }
  // "Add row" of a formset: copy its empty form and count it in TOTAL_FORMS.
  const add = event.target.closest("[data-add-row]");
  if (add) {
    const set = add.closest("[data-formset]");
    const total = set.querySelector('input[name$="-TOTAL_FORMS"]');
    const index = parseInt(total.value, 10);
    const html = set.querySelector("template").innerHTML.replaceAll("__prefix__", String(index));
    set.querySelector(".formset-rows").insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
  }
});
