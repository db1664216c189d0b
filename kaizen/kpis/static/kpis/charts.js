/* KPI charts: the numbers come from the page's json_script block (#kpi-chart-data); Chart.js and
   its zoom plugin are vendored (static/vendor/), nothing loads from a CDN.

   The server sends every period of the range with its readable name ("Mar 2014") and null
   where a period has no value: Chart.js leaves a gap there (spanGaps: false), so no line is
   ever drawn across empty years. An unfinished period ("so far") carries a note and is drawn
   dashed. Zoom is chartjs-plugin-zoom's: drag across the chart, or Ctrl + wheel. */
(function () {
  "use strict";
  var source = document.getElementById("kpi-chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var colours = { green: "#16a34a", amber: "#d97706", red: "#dc2626", none: "#6b7280", so_far: "#6b7280" };
  var accent = "#4f46e5";

  function shown(value, suffix) {
    if (value === null || value === undefined) { return "no data"; }
    var digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : 2;
    return value.toLocaleString(undefined, { maximumFractionDigits: digits }) + (suffix || "");
  }

  // A value with no neighbour is a dot, not a line: draw its point so it is seen.
  function isolated(values, index) {
    return values[index] !== null &&
      (index === 0 || values[index - 1] === null) &&
      (index === values.length - 1 || values[index + 1] === null);
  }

  function unfinished(notes) {
    for (var index = (notes || []).length - 1; index >= 0; index--) { if (notes[index]) { return index; } }
    return -1;
  }

  function lineOf(serie, colour, options) {
    var partial = unfinished(serie.notes);
    return Object.assign({
      data: serie.values, borderColor: colour, spanGaps: false, tension: 0.2,
      segment: { borderDash: function (ctx) { return ctx.p1DataIndex === partial ? [4, 4] : undefined; } }
    }, options || {});
  }

  function tooltip(serie, suffix) {
    return { callbacks: {
      label: function (ctx) { return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + shown(ctx.parsed.y, suffix); },
      footer: function (items) { return items.length ? (serie.notes || [])[items[0].dataIndex] || "" : ""; }
    } };
  }

  function sparkline(canvas) {
    var serie = (data.series || {})[canvas.dataset.sparkline];
    if (!serie) { return; }
    new Chart(canvas, {
      type: "line",
      data: { labels: serie.labels, datasets: [lineOf(serie, colours[canvas.dataset.status] || accent, {
        borderWidth: 2,
        pointRadius: function (ctx) { return isolated(serie.values, ctx.dataIndex) ? 2 : 0; }
      })] },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: false }, tooltip: Object.assign({ intersect: false, mode: "index" }, tooltip(serie, serie.suffix)), zoom: false },
        scales: { x: { display: false }, y: { display: false } } }
    });
  }

  function level(value, label, colour) {
    return { label: label, data: (data.labels || []).map(function () { return value; }), borderColor: colour,
      borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, pointHitRadius: 0, fill: false };
  }

  function trend(canvas) {
    var datasets = [lineOf(data, accent, {
      label: "Value", backgroundColor: "rgba(79,70,229,.12)", fill: "origin",
      pointRadius: function (ctx) { return isolated(data.values, ctx.dataIndex) ? 3.5 : 2; }
    })];
    if (data.target !== null && data.target !== undefined) { datasets.push(level(data.target, "Target", colours.green)); }
    if (data.warning !== null && data.warning !== undefined) { datasets.push(level(data.warning, "Warning", colours.amber)); }
    var reset = document.getElementById("zoom-reset");
    var chart = new Chart(canvas, { type: "line", data: { labels: data.labels, datasets: datasets },
      options: { responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { autoSkip: true, maxRotation: 0, autoSkipPadding: 12 } },
          y: { ticks: { callback: function (value) { return shown(value, data.suffix); } } }
        },
        plugins: {
          tooltip: tooltip(data, data.suffix),
          zoom: {
            limits: { x: { minRange: 2 } },
            zoom: { mode: "x", drag: { enabled: true, backgroundColor: "rgba(79,70,229,.15)" },
              wheel: { enabled: true, modifierKey: "ctrl" },
              onZoomComplete: function () { if (reset) { reset.hidden = false; } } }
          }
        } } });
    if (reset) {
      reset.addEventListener("click", function () { chart.resetZoom(); reset.hidden = true; });
    }
  }

  function breakdown(canvas) {
    new Chart(canvas, { type: "bar",
      data: { labels: data.breakdown.labels, datasets: [{ label: "Value", data: data.breakdown.values, backgroundColor: accent }] },
      options: { responsive: true, maintainAspectRatio: false, indexAxis: data.breakdown.labels.length > 8 ? "y" : "x",
        plugins: { legend: { display: false }, zoom: false,
          tooltip: { callbacks: { label: function (ctx) { return shown(ctx.parsed[data.breakdown.labels.length > 8 ? "x" : "y"], data.suffix); } } } } } });
  }

  document.querySelectorAll("canvas[data-sparkline]").forEach(sparkline);
  var trendCanvas = document.getElementById("kpi-trend");
  if (trendCanvas) { trend(trendCanvas); }
  var breakdownCanvas = document.getElementById("kpi-breakdown");
  if (breakdownCanvas && data.breakdown) { breakdown(breakdownCanvas); }
})();
