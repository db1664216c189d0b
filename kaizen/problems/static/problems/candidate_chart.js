/* The evidence chart: counts per period from the json_script block above (null: not measured,
   no line drawn across it); Chart.js is vendored. */
(function () {
  "use strict";
  var source = document.getElementById("candidate-chart-data");
  var canvas = document.getElementById("candidate-series");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colours = { centre: "#6b7280", ucl: "#b91c1c" };
  var last = data.values.length - 1;
  var datasets = [{ label: "Incidents", data: data.values, borderColor: "#4f46e5",
    backgroundColor: "rgba(79,70,229,.12)", tension: 0, spanGaps: false,
    pointRadius: data.values.map(function (_, i) { return i === last ? 5 : 2; }),
    pointBackgroundColor: data.values.map(function (_, i) { return i === last ? "#dc2626" : "#4f46e5"; }) }];
  (data.lines || []).forEach(function (line) {
    datasets.push({ label: line.label, data: data.labels.map(function () { return line.value; }),
      borderColor: colours[line.kind] || "#9ca3af", borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, fill: false });
  });
  new Chart(canvas, { type: "line", data: { labels: data.labels, datasets: datasets },
    options: { responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
})();
