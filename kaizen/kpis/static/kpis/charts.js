/* KPI charts: the numbers come from the page's json_script block (#kpi-chart-data); Chart.js is
   vendored (static/vendor/chartjs), nothing loads from a CDN. */
(function () {
  "use strict";
  var source = document.getElementById("kpi-chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colours = { green: "#16a34a", amber: "#d97706", red: "#dc2626", none: "#6b7280" };
  var accent = "#4f46e5";

  function sparkline(canvas) {
    var values = (data.series || {})[canvas.dataset.sparkline] || [];
    new Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: [{ data: values, borderColor: colours[canvas.dataset.status] || accent,
        borderWidth: 2, pointRadius: 0, spanGaps: true, tension: 0.3 }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: false }, tooltip: { enabled: true, intersect: false } },
        scales: { x: { display: false }, y: { display: false } } }
    });
  }

  function line(value, label, colour) {
    return { label: label, data: (data.labels || []).map(function () { return value; }), borderColor: colour,
      borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, fill: false };
  }

  function trend(canvas) {
    var datasets = [{ label: "Value (" + data.unit + ")", data: data.values, borderColor: accent,
      backgroundColor: "rgba(79,70,229,.12)", fill: true, tension: 0.25, spanGaps: true }];
    if (data.target !== null && data.target !== undefined) { datasets.push(line(data.target, "Target", colours.green)); }
    if (data.warning !== null && data.warning !== undefined) { datasets.push(line(data.warning, "Warning", colours.amber)); }
    new Chart(canvas, { type: "line", data: { labels: data.labels, datasets: datasets },
      options: { responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false } } });
  }

  function breakdown(canvas) {
    new Chart(canvas, { type: "bar",
      data: { labels: data.breakdown.labels, datasets: [{ label: data.unit, data: data.breakdown.values, backgroundColor: accent }] },
      options: { responsive: true, maintainAspectRatio: false, indexAxis: data.breakdown.labels.length > 8 ? "y" : "x",
        plugins: { legend: { display: false } } } });
  }

  document.querySelectorAll("canvas[data-sparkline]").forEach(sparkline);
  var trendCanvas = document.getElementById("kpi-trend");
  if (trendCanvas) { trend(trendCanvas); }
  var breakdownCanvas = document.getElementById("kpi-breakdown");
  if (breakdownCanvas && data.breakdown) { breakdown(breakdownCanvas); }
})();
