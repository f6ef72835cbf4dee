/* Staffing charts. Data comes from json_script blocks; no inline scripts anywhere. */
(function () {
  "use strict";
  var charts = {};

  function readJson(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function draw(canvasId, config) {
    var canvas = document.getElementById(canvasId);
    if (!canvas || typeof Chart === "undefined") return;
    if (charts[canvasId]) { charts[canvasId].destroy(); }
    charts[canvasId] = new Chart(canvas, config);
  }

  function erlang() {
    var data = readJson("erlang-chart-data");
    if (!data || !data.curve || !data.curve.length) return;
    var labels = data.curve.map(function (r) { return r.agents; });
    var sl = data.curve.map(function (r) { return Math.round(r.service_level * 1000) / 10; });
    var occ = data.curve.map(function (r) { return Math.round(r.occupancy * 1000) / 10; });
    var datasets = [
      { label: "Service level %", data: sl, borderColor: "#0d6efd", tension: 0.2,
        pointRadius: labels.map(function (n) { return n === data.agents ? 6 : 2; }) },
      { label: "Occupancy %", data: occ, borderColor: "#6c757d", borderDash: [4, 4], tension: 0.2, pointRadius: 0 }
    ];
    if (data.target !== null && data.target !== undefined) {
      datasets.push({ label: "Target %", data: labels.map(function () { return data.target * 100; }),
        borderColor: "#dc3545", pointRadius: 0, borderWidth: 1 });
    }
    draw("erlang-chart", {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: { animation: false, maintainAspectRatio: false,
        scales: { x: { title: { display: true, text: "Agents" } },
                  y: { min: 0, max: 100, title: { display: true, text: "%" } } } }
    });
  }

  function backlog() {
    var data = readJson("backlog-chart-data");
    if (!data) return;
    draw("backlog-chart", {
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: "Arrivals", data: data.arrivals, backgroundColor: "rgba(13,110,253,0.25)", yAxisID: "y" },
          { type: "line", label: "Backlog at end of day", data: data.backlog, borderColor: "#0d6efd", yAxisID: "y" },
          { type: "line", label: "Past due", data: data.past_due, borderColor: "#dc3545", yAxisID: "y" },
          { type: "line", label: "Required agents", data: data.required, borderColor: "#198754", borderDash: [4, 4], yAxisID: "y2" },
          { type: "line", label: "Agents", data: data.agents, borderColor: "#6c757d", yAxisID: "y2" }
        ]
      },
      options: { animation: false, maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: "Items" } },
                  y2: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false },
                        title: { display: true, text: "Agents" } } } }
    });
  }

  function series(canvasId, dataId) {
    var data = readJson(dataId);
    if (!data || !data.labels || !data.labels.length) return;
    var palette = ["#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#6c757d"];
    draw(canvasId, {
      type: "line",
      data: { labels: data.labels, datasets: data.datasets.map(function (d, i) {
        return { label: d.label, data: d.data, borderColor: palette[i % palette.length],
                 borderDash: d.dashed ? [4, 4] : [], pointRadius: 0, tension: 0.2,
                 stepped: d.stepped || false };
      }) },
      options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } }
    });
  }

  function all() {
    erlang();
    backlog();
    series("plan-chart", "plan-chart-data");
    series("intraday-chart", "intraday-chart-data");
  }

  document.addEventListener("DOMContentLoaded", all);
  document.body.addEventListener("htmx:afterSwap", all);
})();
