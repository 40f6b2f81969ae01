// Forecast page: won, weighted pipeline and best case per salesperson, with the target as a line.
document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("forecast-data");
  const canvas = document.getElementById("forecast-chart");
  if (!data || !canvas || !window.Chart) return;
  const chart = JSON.parse(data.textContent);
  const rtl = document.documentElement.dir === "rtl";
  const bars = [["won", "#16a34a"], ["weighted", "#60a5fa"], ["best_case", "#cbd5e1"]];
  new window.Chart(canvas, {
    data: {
      labels: chart.labels,
      datasets: [
        ...bars.map(([key, colour]) => ({ type: "bar", label: chart.names[key], data: chart[key], backgroundColor: colour })),
        { type: "line", label: chart.names.target, data: chart.target, borderColor: "#dc2626", backgroundColor: "#dc2626", showLine: false, pointStyle: "rectRot", pointRadius: 7 },
      ],
    },
    options: {
      responsive: true,
      locale: document.documentElement.lang === "fa" ? "fa-IR" : "en",
      scales: { x: { reverse: rtl }, y: { beginAtZero: true } },
      plugins: { legend: { rtl } },
    },
  });
});
