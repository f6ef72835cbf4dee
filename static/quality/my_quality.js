/* "My quality" chart: average score per week, from the JSON the page embeds. */
(function () {
  "use strict";
  var data = document.getElementById("weekly-scores");
  var canvas = document.getElementById("quality-chart");
  if (!data || !canvas || typeof Chart === "undefined") { return; }
  var rows = JSON.parse(data.textContent);
  new Chart(canvas, {
    type: "line",
    data: {
      labels: rows.map(function (r) { return r.week; }),
      datasets: [{
        label: "Average QA score (%)",
        data: rows.map(function (r) { return r.mean; }),
        tension: 0.2
      }]
    },
    options: {
      maintainAspectRatio: false,
      scales: { y: { suggestedMin: 0, suggestedMax: 100 } },
      plugins: {
        tooltip: {
          callbacks: {
            afterLabel: function (ctx) { return rows[ctx.dataIndex].count + " evaluation(s)"; }
          }
        }
      }
    }
  });
})();
