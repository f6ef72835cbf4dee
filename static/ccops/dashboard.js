/* Dashboard charts and small behaviours. No inline scripts: data comes from data- attributes.
 *
 * <canvas data-chart='{"labels": [...], "kpis": {key: {name, unit, series: {scope: [...]}}},
 *                      "scopes": {scope: label}}' data-default-kpi="productivity">
 * <select data-chart-select="<canvas id>"> is filled with the KPIs and switches the chart.
 * <select data-autosubmit> submits its form on change.
 */
(function () {
  "use strict";

  var COLOURS = ["#0d6efd", "#b58100", "#198754", "#dc3545", "#6f42c1", "#20c997"];

  function datasets(payload, key) {
    var kpi = payload.kpis[key] || { series: {} };
    return Object.keys(payload.scopes).map(function (scope, i) {
      return {
        label: payload.scopes[scope],
        data: kpi.series[scope] || payload.labels.map(function () { return null; }),
        borderColor: COLOURS[i % COLOURS.length],
        backgroundColor: COLOURS[i % COLOURS.length],
        spanGaps: true,
        tension: 0.2,
        pointRadius: payload.labels.length > 40 ? 0 : 2
      };
    });
  }

  function draw(canvas) {
    var payload = JSON.parse(canvas.dataset.chart);
    var select = document.querySelector('[data-chart-select="' + canvas.id + '"]');
    var keys = Object.keys(payload.kpis);
    var current = keys.indexOf(canvas.dataset.defaultKpi) >= 0 ? canvas.dataset.defaultKpi : keys[0];
    if (select) {
      keys.forEach(function (key) {
        var option = document.createElement("option");
        option.value = key;
        option.textContent = payload.kpis[key].name + " (" + payload.kpis[key].unit + ")";
        option.selected = key === current;
        select.appendChild(option);
      });
    }
    if (typeof Chart === "undefined") { return; }
    var chart = new Chart(canvas, {
      type: "line",
      data: { labels: payload.labels, datasets: datasets(payload, current) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { title: { display: true, text: payload.kpis[current].unit } } }
      }
    });
    canvas.dataset.ready = "1";
    canvas.dataset.kpi = current;
    if (select) {
      select.addEventListener("change", function () {
        chart.data.datasets = datasets(payload, select.value);
        chart.options.scales.y.title.text = payload.kpis[select.value].unit;
        chart.update();
        canvas.dataset.kpi = select.value;
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  });
})();
