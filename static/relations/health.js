// Health score trend chart; data comes from the json_script element (CSP: no inline scripts).
(function () {
  const source = document.getElementById("health-chart-data");
  const canvas = document.getElementById("health-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [{ label: data.label, data: data.scores, tension: 0.2, spanGaps: true }],
    },
    options: { animation: false, scales: { y: { min: 0, max: 100 } }, plugins: { legend: { display: false } } },
  });
})();
