// Leads pages: select-all checkboxes, copy buttons for the web-form code, the funnel chart.
document.addEventListener("change", (event) => {
  if (!event.target.matches("[data-check-all]")) return;
  const table = event.target.closest("table");
  table.querySelectorAll('input[name="ids"]').forEach((box) => { box.checked = event.target.checked; });
});
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  navigator.clipboard.writeText(source.value || source.textContent).then(() => {
    const original = button.textContent;
    button.textContent = button.dataset.copied || "✓";
    setTimeout(() => { button.textContent = original; }, 1500);
  });
});
document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("funnel-data");
  const canvas = document.getElementById("funnel-chart");
  if (!data || !canvas || !window.Chart) return;
  const chart = JSON.parse(data.textContent);
  const keys = ["leads", "contacted", "qualified", "converted"];
  const colours = ["#94a3b8", "#60a5fa", "#f59e0b", "#16a34a"];
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: chart.labels,
      datasets: keys.map((key, i) => ({ label: chart.names[key], data: chart[key], backgroundColor: colours[i] })),
    },
    options: {
      responsive: true,
      locale: document.documentElement.lang === "fa" ? "fa-IR" : "en",
      scales: { x: { reverse: document.documentElement.dir === "rtl" }, y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { rtl: document.documentElement.dir === "rtl" } },
    },
  });
});
