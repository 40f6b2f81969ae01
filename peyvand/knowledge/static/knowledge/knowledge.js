// Knowledge pages: confirm before deleting, insert a placeholder at the cursor.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset?.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

function insertAtCursor(textarea, text) {
  const start = textarea.selectionStart ?? textarea.value.length;
  const end = textarea.selectionEnd ?? start;
  textarea.value = textarea.value.slice(0, start) + text + textarea.value.slice(end);
  textarea.selectionStart = textarea.selectionEnd = start + text.length;
  textarea.focus();
  // Let htmx (live preview) and anyone else know the text changed.
  textarea.dispatchEvent(new Event("input", { bubbles: true }));
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-insert-placeholder]");
  if (!button) return;
  const textarea = document.getElementById(button.dataset.target);
  if (textarea) insertAtCursor(textarea, "{{" + button.dataset.insertPlaceholder + "}}");
});
