/* Feedback report charts (Chart.js, vendored in static/vendor/chartjs) and the print button.
 *
 * The chart data is a JSON block rendered by the server with json_script
 * (<script type="application/json" id="report-chart-data">); suppressed figures are null there,
 * so the charts show exactly what the tables show. The tables stay the accessible source: each
 * canvas has an aria-label and the same numbers are in the table beside it.
 * Re-rendered after an HTMX swap (the filter form replaces #report).
 */
(function () {
  "use strict";

  var PALETTE = ["#2f5d8a", "#c2703d", "#3f8f5b", "#8a4f9e", "#a3a3a3"];
  var charts = [];

  function readData() {
    var block = document.getElementById("report-chart-data");
    if (!block) {
      return null;
    }
    try {
      return JSON.parse(block.textContent);
    } catch (error) {
      return null;
    }
  }

  function destroyCharts() {
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
  }

  function make(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) {
      return;
    }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options);
    charts.push(new window.Chart(canvas, config));
  }

  function trendChart(trend) {
    var datasets = trend.means.map(function (series, index) {
      return {
        type: "line", label: series.label, data: series.data, yAxisID: "mean",
        borderColor: PALETTE[index], backgroundColor: PALETTE[index], spanGaps: false, tension: 0.2,
      };
    });
    datasets.push({
      type: "bar", label: trend.responses.label, data: trend.responses.data, yAxisID: "responses",
      backgroundColor: "rgba(163, 163, 163, 0.35)", order: 10,
    });
    make("chart-trend", {
      data: { labels: trend.labels, datasets: datasets },
      options: {
        interaction: { mode: "index", intersect: false },
        scales: {
          mean: { position: "left", min: 1, max: 5, title: { display: true, text: trend.meanAxis } },
          responses: {
            position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
            title: { display: true, text: trend.responsesAxis },
          },
        },
      },
    });
  }

  function distributionChart(distribution) {
    if (!distribution.series.length) {
      return;
    }
    make("chart-distribution", {
      type: "bar",
      data: {
        labels: distribution.labels,
        datasets: distribution.series.map(function (series, index) {
          return { label: series.label, data: series.data, backgroundColor: PALETTE[index] };
        }),
      },
      options: { scales: { y: { beginAtZero: true, max: 100, title: { display: true, text: distribution.axis } } } },
    });
  }

  function loopChart(loop) {
    make("chart-loop", {
      type: "bar",
      data: { labels: loop.labels, datasets: [{ label: loop.label, data: loop.data, backgroundColor: PALETTE[0] }] },
      options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } },
    });
  }

  function render() {
    destroyCharts();
    var data = readData();
    if (!data || !window.Chart) {
      return;
    }
    trendChart(data.trend);
    distributionChart(data.distribution);
    loopChart(data.loop);
  }

  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "report") {
      render();
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-report-print]")) {
      window.print();
    }
  });
  // Printed reports show every table: open the collapsed ones and fit the charts to the page.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.report-details").forEach(function (details) { details.open = true; });
    charts.forEach(function (chart) { chart.resize(); });
  });
  window.addEventListener("afterprint", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
