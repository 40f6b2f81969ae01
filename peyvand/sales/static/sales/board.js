// The deals board: drag a card to another column (mouse or touch) and the move is saved.
// A drop on the lost column asks for the reason first; a refused move puts the card back.
(() => {
  const csrf = () => {
    const headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  };

  const showMessage = (board, text, isError) => {
    const box = document.querySelector(".board-message");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
    box.classList.toggle("error", Boolean(isError));
  };

  const askLostReason = () => new Promise((resolve) => {
    const dialog = document.getElementById("lost-dialog");
    if (!dialog || !dialog.showModal) { resolve({ lost_reason: "", lost_note: "" }); return; }
    const form = dialog.querySelector("form");
    form.reset();
    dialog.addEventListener("close", () => {
      if (dialog.returnValue !== "confirm") { resolve(null); return; }
      resolve({ lost_reason: form.lost_reason.value, lost_note: form.lost_note.value });
    }, { once: true });
    dialog.showModal();
  });

  const putBack = (evt) => {
    const item = evt.item;
    const reference = evt.from.children[evt.oldIndex] || null;
    evt.from.insertBefore(item, reference === item ? item.nextSibling : reference);
  };

  const updateColumns = (columns) => {
    (columns || []).forEach((column) => {
      const section = document.querySelector(`.board-column[data-stage="${column.stage}"]`);
      if (!section) return;
      const count = section.querySelector("[data-count]");
      if (count) count.textContent = new Intl.NumberFormat(document.documentElement.lang).format(column.count);
      const totals = section.querySelector("[data-totals]");
      if (totals) {
        totals.replaceChildren(...(column.totals.length ? column.totals : [null]).map((t) => {
          const line = document.createElement("div");
          line.textContent = t ? `${t.amount} (${totals.dataset.weightedLabel || "≈"} ${t.weighted})` : "—";
          return line;
        }));
      }
    });
  };

  const move = async (board, evt) => {
    const card = evt.item;
    const target = evt.to;
    if (evt.from === target && evt.oldIndex === evt.newIndex) return;
    const data = new FormData();
    data.append("stage", target.dataset.stage);
    let next = card.nextElementSibling;
    while (next && !next.classList.contains("deal-card")) next = next.nextElementSibling;
    if (next) data.append("before_id", next.dataset.id);
    else data.append("position", String(target.querySelectorAll(".deal-card").length - 1));
    if (target.dataset.kind === "lost") {
      const answer = await askLostReason();
      if (!answer) { putBack(evt); return; }
      data.append("lost_reason", answer.lost_reason);
      data.append("lost_note", answer.lost_note);
    }
    card.classList.add("saving");
    const filters = board.dataset.filters ? `?${board.dataset.filters}` : "";
    let response;
    try {
      response = await fetch(card.dataset.moveUrl + filters, {
        method: "POST",
        body: data,
        headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch (error) {
      response = null;
    }
    card.classList.remove("saving");
    const body = response ? await response.json().catch(() => ({})) : {};
    if (!response || !response.ok) {
      putBack(evt);
      showMessage(board, body.detail || board.dataset.errorText || "Error", true);
      return;
    }
    showMessage(board, "", false);
    if (target.dataset.kind !== "open") card.remove();
    card.dataset.stage = target.dataset.stage;
    updateColumns(body.columns);
    board.dispatchEvent(new CustomEvent("deal-moved", { detail: body.deal }));
  };

  const init = () => {
    const board = document.querySelector("[data-board]");
    const switcher = document.querySelector("[data-pipeline-switch]");
    if (switcher) switcher.addEventListener("change", () => { window.location = switcher.value; });
    if (!board || !window.Sortable || board.dataset.canChange !== "1") return;
    board.querySelectorAll(".board-cards").forEach((list) => {
      window.Sortable.create(list, {
        group: "deals",
        draggable: ".deal-card",
        animation: 150,
        // Pointer events instead of native HTML drag and drop: the same on mouse, touch, pen.
        forceFallback: true,
        fallbackTolerance: 4,
        // Touch: a short press starts the drag so the board still scrolls with a swipe.
        delay: 150,
        delayOnTouchOnly: true,
        ghostClass: "drag-ghost",
        onEnd: (evt) => { move(board, evt); },
      });
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
