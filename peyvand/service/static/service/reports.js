// Service reports: tickets per month by channel (stacked bars) and SLA compliance (lines).
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("service-report-data");
  if (!source || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const rtl = document.documentElement.dir === "rtl";
  const locale = document.documentElement.lang === "fa" ? "fa-IR" : "en";
  const colours = ["#60a5fa", "#f59e0b", "#16a34a", "#a855f7", "#ef4444", "#94a3b8"];
  const volume = document.getElementById("service-volume-chart");
  if (volume) {
    new window.Chart(volume, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.channels.map((c, i) => ({ label: c.label, data: c.data, backgroundColor: colours[i % colours.length] })),
      },
      options: {
        responsive: true, locale,
        scales: { x: { stacked: true, reverse: rtl }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { rtl } },
      },
    });
  }
  const compliance = document.getElementById("service-compliance-chart");
  if (compliance) {
    new window.Chart(compliance, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: ["first_response", "resolution"].map((key, i) => ({
          label: data.names[key], data: data.compliance[key], borderColor: colours[i], backgroundColor: colours[i], spanGaps: true,
        })),
      },
      options: {
        responsive: true, locale,
        scales: { x: { reverse: rtl }, y: { min: 0, max: 100 } },
        plugins: { legend: { rtl } },
      },
    });
  }
});
