/* Step 5 charts: each KPI's latest analysis (Analysis.result, the numbers behind every chart)
   comes from the page's json_script block (#analysis-chart-data), keyed by the initiative KPI's
   id; every <canvas data-analysis-chart="series|control|pareto|before_after" data-kpi="id">
   draws one part of it. Chart.js is vendored (static/vendor/chartjs): nothing from a CDN. */
(function () {
  "use strict";
  var source = document.getElementById("analysis-chart-data");
  if (!source || typeof Chart === "undefined") { return; }
  var analyses = JSON.parse(source.textContent);
  var colour = {
    value: "#4f46e5", fill: "rgba(79,70,229,.10)", target: "#047857", baseline: "#b45309",
    trend: "#6b7280", limit: "#b91c1c", centre: "#374151", adverse: "#dc2626",
    favourable: "#16a34a", neutral: "#d97706", before: "#9ca3af", after: "#4f46e5", vital: "#3730a3", trivial: "#a5b4fc"
  };
  // Periods are keyed by their first day ("2026-03-02"); axes and tooltips name it as every
  // page writes a date ("2 Mar 2026").
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function dayLabel(text) {
    var match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text));
    return match ? Number(match[3]) + " " + MONTHS[Number(match[2]) - 1] + " " + match[1] : text;
  }
  var common = { responsive: true, maintainAspectRatio: false, animation: false,
    interaction: { mode: "index", intersect: false },
    scales: { x: { ticks: { callback: function (value) { return dayLabel(this.getLabelForValue(value)); } } } },
    plugins: { legend: { labels: { boxWidth: 12, font: { size: 11 } } },
      tooltip: { callbacks: { title: function (items) { return items.length ? dayLabel(items[0].label) : ""; } } } } };

  function options(extra) { return Object.assign({}, common, extra || {}); }
  function isNumber(value) { return typeof value === "number" && isFinite(value); }
  function flat(labels, value) { return labels.map(function () { return value; }); }
  function dashed(label, data, lineColour, dash) {
    return { label: label, data: data, borderColor: lineColour, borderDash: dash || [6, 4], borderWidth: 1.5,
      pointRadius: 0, fill: false, spanGaps: true };
  }

  // A dashed vertical line at the first period on or after the change date.
  function changeLine(labels, changeOn) {
    return { id: "changeLine", afterDatasetsDraw: function (chart) {
      if (!changeOn) { return; }
      var index = labels.findIndex(function (label) { return String(label) >= changeOn; });
      if (index < 0) { return; }
      var x = chart.scales.x.getPixelForValue(index), area = chart.chartArea, ctx = chart.ctx;
      ctx.save(); ctx.strokeStyle = colour.neutral; ctx.setLineDash([3, 3]); ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.moveTo(x, area.top); ctx.lineTo(x, area.bottom); ctx.stroke();
      ctx.fillStyle = colour.neutral; ctx.font = "11px sans-serif"; ctx.fillText("change", x + 4, area.top + 12);
      ctx.restore();
    } };
  }

  function baselineLevel(baseline) {
    if (!baseline) { return null; }
    // The level a baseline records is the mean of the baseline periods (services.do_record_baseline).
    if (isNumber(baseline.mean)) { return baseline.mean; }
    return isNumber(baseline.median) ? baseline.median : null;
  }

  function series(canvas, result) {
    var points = result.series || [];
    var labels = points.map(function (p) { return p.period; });
    var unit = (result.kpi && result.kpi.unit) || "";
    var datasets = [{ label: "Value" + (unit ? " (" + unit + ")" : ""), data: points.map(function (p) { return p.value; }),
      borderColor: colour.value, backgroundColor: colour.fill, fill: true, tension: 0.2, spanGaps: true, pointRadius: 2 }];
    var target = result.kpi ? result.kpi.target : null;
    if (isNumber(target)) { datasets.push(dashed("Target", flat(labels, target), colour.target)); }
    var level = baselineLevel(result.baseline);
    if (isNumber(level)) {
      var start = result.baseline.start, end = result.baseline.end;
      datasets.push(dashed("Baseline", labels.map(function (label) {
        return (!start || label >= start) && (!end || label < end) ? level : null;
      }), colour.baseline, [2, 3]));
    }
    var trend = result.trend || {};
    if (isNumber(trend.slope) && isNumber(trend.intercept)) {
      datasets.push(dashed("Trend" + (trend.significant ? "" : " (not significant)"), labels.map(function (_, i) {
        return trend.intercept + trend.slope * i;
      }), colour.trend, [8, 3]));
    }
    new Chart(canvas, { type: "line", data: { labels: labels, datasets: datasets }, options: options(),
      plugins: [changeLine(labels, result.change_on)] });
  }

  function control(canvas, result) {
    var chart = result.control_chart || {};
    var points = chart.points || [];
    var labels = points.map(function (p, i) { return p.label || (result.series && result.series[p.index] ? result.series[p.index].period : String(i + 1)); });
    var signalled = {};
    (chart.signals || []).forEach(function (signal) {
      points.forEach(function (p, i) {
        if (p.index >= signal.first_index && p.index <= signal.last_index) {
          signalled[i] = signal.adverse === true ? colour.adverse : signal.adverse === false ? colour.favourable : colour.neutral;
        }
      });
    });
    var pointColours = points.map(function (_, i) { return signalled[i] || colour.value; });
    var datasets = [{ label: "Value", data: points.map(function (p) { return p.value; }), borderColor: colour.value,
      pointBackgroundColor: pointColours, pointBorderColor: pointColours,
      pointRadius: points.map(function (_, i) { return signalled[i] ? 4.5 : 2.5; }), borderWidth: 1.5, tension: 0 }];
    if (isNumber(chart.centre)) { datasets.push(dashed("Centre", flat(labels, chart.centre), colour.centre, [])); }
    if (isNumber(chart.ucl)) { datasets.push(dashed("UCL", flat(labels, chart.ucl), colour.limit)); }
    if (isNumber(chart.lcl)) { datasets.push(dashed("LCL", flat(labels, chart.lcl), colour.limit)); }
    new Chart(canvas, { type: "line", data: { labels: labels, datasets: datasets }, options: options() });
  }

  function pareto(canvas, result) {
    var items = (result.pareto || {}).items || [];
    var labels = items.map(function (item) { return item.label === null || item.label === "" ? "(not set)" : item.label; });
    new Chart(canvas, {
      data: { labels: labels, datasets: [
        { type: "bar", label: "Contribution", data: items.map(function (item) { return item.value; }), yAxisID: "y",
          backgroundColor: items.map(function (item) { return item.vital_few ? colour.vital : colour.trivial; }), order: 2 },
        { type: "line", label: "Cumulative share (%)", data: items.map(function (item) { return isNumber(item.cumulative_share) ? item.cumulative_share * (item.cumulative_share <= 1 ? 100 : 1) : null; }),
          yAxisID: "share", borderColor: colour.baseline, backgroundColor: colour.baseline, pointRadius: 3, tension: 0, order: 1,
          clip: false }
      ] },
      options: options({ scales: { y: { beginAtZero: true, position: "left" },
        share: { beginAtZero: true, max: 100, position: "right", grid: { drawOnChartArea: false }, ticks: { callback: function (v) { return v + " %"; } } } } })
    });
  }

  function beforeAfter(canvas, result) {
    var comparison = result.before_after || {};
    var points = result.series || [];
    var labels = points.map(function (p) { return p.period; });
    var changeOn = result.change_on || "";
    var before = points.map(function (p) { return p.period < changeOn ? p.value : null; });
    var after = points.map(function (p) { return p.period >= changeOn ? p.value : null; });
    var datasets = [
      { label: "Before", data: before, borderColor: colour.before, backgroundColor: colour.before, showLine: false, pointRadius: 3 },
      { label: "After", data: after, borderColor: colour.after, backgroundColor: colour.after, showLine: false, pointRadius: 3 }
    ];
    if (isNumber(comparison.median_before)) {
      datasets.push(dashed("Median before", points.map(function (p) { return p.period < changeOn ? comparison.median_before : null; }), colour.before, []));
    }
    if (isNumber(comparison.median_after)) {
      datasets.push(dashed("Median after", points.map(function (p) { return p.period >= changeOn ? comparison.median_after : null; }), colour.after, []));
    }
    new Chart(canvas, { type: "line", data: { labels: labels, datasets: datasets }, options: options(),
      plugins: [changeLine(labels, changeOn)] });
  }

  var draw = { series: series, control: control, pareto: pareto, before_after: beforeAfter };
  document.querySelectorAll("canvas[data-analysis-chart]").forEach(function (canvas) {
    var result = analyses[canvas.dataset.kpi];
    var kind = draw[canvas.dataset.analysisChart];
    if (result && kind) { kind(canvas, result); canvas.dataset.drawn = "true"; }
  });
})();
