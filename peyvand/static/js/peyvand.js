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
