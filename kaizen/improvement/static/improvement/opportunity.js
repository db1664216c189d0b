/* The evidence chart: numbers from the json_script block above; Chart.js is vendored. */
(function () {
  "use strict";
  var source = document.getElementById("opportunity-chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var accent = "#4f46e5", adverse = "#dc2626", muted = "#9ca3af";
  var colours = { target: "#16a34a", warning: "#d97706", centre: "#6b7280", ucl: "#b91c1c", lcl: "#b91c1c" };
  var series = document.getElementById("opportunity-series");
  if (series) {
    var marked = {};
    (data.marked || []).forEach(function (index) { marked[index] = true; });
    var datasets = [{ label: "Value" + (data.unit ? " (" + data.unit + ")" : ""), data: data.values, borderColor: accent,
      backgroundColor: "rgba(79,70,229,.12)", tension: 0.2, spanGaps: true,
      pointRadius: data.values.map(function (_, i) { return marked[i] ? 5 : 2; }),
      pointBackgroundColor: data.values.map(function (_, i) { return marked[i] ? adverse : accent; }) }];
    (data.lines || []).forEach(function (line) {
      datasets.push({ label: line.label, data: data.labels.map(function () { return line.value; }),
        borderColor: colours[line.kind] || muted, borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, fill: false });
    });
    new Chart(series, { type: "line", data: { labels: data.labels, datasets: datasets },
      options: { responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false } } });
  }
  var breakdown = document.getElementById("opportunity-breakdown");
  if (breakdown && data.breakdown) {
    var own = {};
    (data.breakdown.marked || []).forEach(function (index) { own[index] = true; });
    new Chart(breakdown, { type: "bar",
      data: { labels: data.breakdown.labels, datasets: [{ label: data.breakdown.label, data: data.breakdown.values,
        backgroundColor: data.breakdown.values.map(function (_, i) { return own[i] ? adverse : accent; }) }] },
      options: { responsive: true, maintainAspectRatio: false, indexAxis: data.breakdown.labels.length > 8 ? "y" : "x",
        plugins: { legend: { display: false } } } });
  }
})();
