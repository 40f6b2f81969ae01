// Ticket page: a canned response chosen in the knowledge panel goes into the reply box at the
// cursor (the server sends it in an HX-Trigger event after recording the use).
document.body.addEventListener("peyvand:insert-reply", (event) => {
  const detail = event.detail || {};
  const box = document.querySelector('#reply textarea[name="body"]');
  if (!box || typeof detail.text !== "string") return;
  const start = box.selectionStart ?? box.value.length;
  const end = box.selectionEnd ?? start;
  const before = box.value.slice(0, start);
  const gap = before && !before.endsWith("\n") ? "\n" : "";
  box.value = before + gap + detail.text + box.value.slice(end);
  box.selectionStart = box.selectionEnd = start + gap.length + detail.text.length;
  box.focus();
  box.dispatchEvent(new Event("input", { bubbles: true }));
});
