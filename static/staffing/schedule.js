/* Schedule run page: required against scheduled agents per front-office interval, for the
   office as a whole or (the select above the chart) one work type. */
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("schedule-chart-data");
    var canvas = document.getElementById("schedule-chart");
    if (!el || !canvas || typeof Chart === "undefined") return;
    var data;
    try { data = JSON.parse(el.textContent); } catch (e) { return; }
    if (!data || !data.labels || !data.labels.length) return;
    var chart = new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: "Required", data: data.required, borderColor: "#dc3545", stepped: true, pointRadius: 0, borderWidth: 1.5 },
          { label: "Scheduled", data: data.scheduled, borderColor: "#0d6efd", backgroundColor: "rgba(13,110,253,0.15)", fill: true, stepped: true, pointRadius: 0, borderWidth: 1.5 }
        ]
      },
      options: { animation: false, maintainAspectRatio: false,
        scales: { x: { ticks: { maxTicksLimit: 14 } }, y: { beginAtZero: true, title: { display: true, text: "Agents" } } } }
    });
    var select = document.getElementById("schedule-chart-type");
    if (!select) return;
    select.addEventListener("change", function () {
      var series = data;
      (data.types || []).forEach(function (t) { if (String(t.id) === select.value) series = t; });
      chart.data.datasets[0].data = series.required;
      chart.data.datasets[1].data = series.scheduled;
      chart.update();
      canvas.setAttribute("data-series", select.value || "total");
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
