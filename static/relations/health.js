// Health score trend chart; data comes from the json_script element (CSP: no inline scripts).
(function () {
  const source = document.getElementById("health-chart-data");
  const canvas = document.getElementById("health-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  // Ticks in the page's language: months by Intl ("nov. 2026" / "Nov 2026"), numbers by Chart.js `locale`.
  const lang = document.documentElement.lang || "en";
  const months = new Intl.DateTimeFormat(lang, { month: "short", year: "numeric" });
  const long = new Intl.DateTimeFormat(lang, { month: "long", year: "numeric" });
  const day = (iso) => new Date(iso + "T12:00:00");
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels.map((iso) => months.format(day(iso))),
      datasets: [{ label: data.label, data: data.scores, tension: 0.2, spanGaps: true }],
    },
    options: {
      locale: lang,
      animation: false,
      scales: { y: { min: 0, max: 100 } },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { title: (items) => (items.length ? long.format(day(data.labels[items[0].dataIndex])) : "") } },
      },
    },
  });
})();
