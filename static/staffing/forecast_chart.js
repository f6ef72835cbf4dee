/* Forecast page: history, forecast, its prediction interval (a filled band) and overrides.
   Data comes from the json_script block "forecast-chart-data"; no inline scripts. */
(function () {
  "use strict";

  function draw() {
    var el = document.getElementById("forecast-chart-data");
    var canvas = document.getElementById("forecast-chart");
    if (!el || !canvas || typeof Chart === "undefined") return;
    var data;
    try { data = JSON.parse(el.textContent); } catch (e) { return; }
    if (!data.labels || !data.labels.length) return;
    var chart = new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: "Arrivals", data: data.history, borderColor: "#6c757d", pointRadius: 0, borderWidth: 1 },
          { label: "Interval low", data: data.lower, borderColor: "rgba(13,110,253,0)", pointRadius: 0, fill: false },
          { label: "Interval", data: data.upper, borderColor: "rgba(13,110,253,0)", backgroundColor: "rgba(13,110,253,0.15)",
            pointRadius: 0, fill: "-1" },
          { label: "Forecast", data: data.forecast, borderColor: "#0d6efd", pointRadius: 0, borderWidth: 1.5 },
          { label: "Override", data: data.override, borderColor: "#fd7e14", backgroundColor: "#fd7e14",
            showLine: false, pointRadius: 3 }
        ]
      },
      options: {
        animation: false, maintainAspectRatio: false, spanGaps: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { labels: { filter: function (item) { return item.text !== "Interval low"; } } } },
        scales: { x: { ticks: { maxTicksLimit: 14, autoSkip: true } }, y: { beginAtZero: true } }
      }
    });
    canvas.dataset.points = String(data.labels.length);
    canvas.dataset.forecastPoints = String(data.forecast.filter(function (v) { return v !== null; }).length);
    window.ccopsForecastChart = chart;
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
