/* KPI pages: sparklines on the scorecard, the chart page and sortable tables. Data via json_script. */
(function () {
  "use strict";

  // Charts speak the page's language: Chart.js formats numbers with `locale`, dates go through Intl.
  var LANG = document.documentElement.lang || "en";

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function sparklines() {
    var data = readJSON("kpi-spark-data");
    if (!data || typeof Chart === "undefined") return;
    document.querySelectorAll("canvas.kpi-spark").forEach(function (canvas) {
      var series = data[canvas.dataset.key] || [];
      new Chart(canvas, {
        type: "line",
        data: { labels: series.map(function (_, i) { return i; }), datasets: [{ data: series, borderWidth: 1.5, pointRadius: 0, spanGaps: true, borderColor: "#0d6efd" }] },
        options: { locale: LANG, responsive: false, animation: false, plugins: { legend: { display: false }, tooltip: { enabled: false } }, scales: { x: { display: false }, y: { display: false } } }
      });
    });
  }

  function chartPage() {
    var canvas = document.getElementById("kpi-chart");
    var data = readJSON("kpi-chart-data");
    if (!canvas || !data || typeof Chart === "undefined") return;
    var rows = data.rows;
    var months = new Intl.DateTimeFormat(LANG, { month: "short", year: "numeric" });
    // Months and years by Intl in the page's language ("nov. 2026", "Nov 2026"); Intl has no weeks or
    // quarters, so those ticks are the server's words ("uge 48 2026", "Q4 2026").
    function tick(r) {
      if (data.granularity === "month") return months.format(new Date(r.start + "T12:00:00"));
      if (data.granularity === "year") return r.start.slice(0, 4);
      return r.period;
    }
    function line(key, label, color, dash) {
      return { label: label, data: rows.map(function (r) { return r[key]; }), borderColor: color, backgroundColor: color, borderDash: dash || [], pointRadius: key === "actual" ? 3 : 0, stepped: key !== "actual", spanGaps: key !== "actual", borderWidth: key === "actual" ? 2 : 1.5 };
    }
    new Chart(canvas, {
      type: "line",
      data: {
        labels: rows.map(tick),
        datasets: [
          line("actual", canvas.dataset.labelActual, "#0d6efd"),
          line("target", canvas.dataset.labelTarget, "#198754", [6, 4]),
          line("warning", canvas.dataset.labelWarning, "#ffc107", [3, 3]),
          line("critical", canvas.dataset.labelCritical, "#dc3545", [3, 3])
        ]
      },
      options: {
        locale: LANG,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { tooltip: { callbacks: { title: function (items) { return items.length ? rows[items[0].dataIndex].period : ""; } } } },
        scales: { y: { title: { display: true, text: data.unit } } }
      }
    });
  }

  // Sorting by column: each header holds a real button (keyboard: Tab, then Enter or Space); the
  // sorted column's header carries aria-sort, and the live region says what happened.
  function sortableTables() {
    document.querySelectorAll("table.kpi-sortable").forEach(function (table) {
      var headers = Array.prototype.slice.call(table.querySelectorAll("thead th[data-sort]"));
      headers.forEach(function (th) {
        var button = th.querySelector("button") || th;
        var index = th.cellIndex;
        button.addEventListener("click", function () {
          var numeric = th.dataset.sort === "number";
          var asc = th.dataset.dir !== "asc";
          headers.forEach(function (other) {
            if (other !== th) { other.removeAttribute("aria-sort"); delete other.dataset.dir; }
          });
          th.dataset.dir = asc ? "asc" : "desc";
          th.setAttribute("aria-sort", asc ? "ascending" : "descending");
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (a, b) {
            var x = a.cells[index].dataset.value || "", y = b.cells[index].dataset.value || "";
            if (numeric) {
              if (x === "" && y === "") return 0;
              if (x === "") return 1;
              if (y === "") return -1;
              return asc ? parseFloat(x) - parseFloat(y) : parseFloat(y) - parseFloat(x);
            }
            return asc ? x.localeCompare(y) : y.localeCompare(x);
          });
          rows.forEach(function (r) { body.appendChild(r); });
          var template = asc ? table.dataset.sortedAscending : table.dataset.sortedDescending;
          if (template && window.portal && window.portal.announce) {
            window.portal.announce(template.replace("{column}", button.textContent.trim()));
          }
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    sparklines();
    chartPage();
    sortableTables();
  });
})();
