/* The data-quality page's chart: letters, letters with violations and letters with warnings per period, from
   /quality.json, drawn with Chart.js (served from /vendor/). The tables on the page hold the same numbers. */
(function () {
  "use strict";

  var canvas = document.getElementById("quality-chart");
  var choice = document.getElementById("timeline-choice");
  if (!canvas || !window.Chart) { return; }
  var chart = null;

  function draw(data, key) {
    var rows = data[key] || [];
    var config = {
      type: "bar",
      data: {
        labels: rows.map(function (row) { return row.period; }),
        datasets: [
          {label: "letters", data: rows.map(function (row) { return row.letters; }), backgroundColor: "#94a3b8"},
          {label: "with violations", data: rows.map(function (row) { return row.with_violations; }),
           backgroundColor: "#dc2626"},
          {label: "with warnings", data: rows.map(function (row) { return row.with_warnings; }),
           backgroundColor: "#f59e0b"}
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: {y: {beginAtZero: true, ticks: {precision: 0}}},
        plugins: {legend: {position: "bottom"}}
      }
    };
    if (chart) { chart.destroy(); }
    chart = new window.Chart(canvas, config);
    canvas.setAttribute("data-drawn", key);
  }

  fetch(canvas.getAttribute("data-json-url"), {headers: {Accept: "application/json"}})
    .then(function (response) {
      if (!response.ok) { throw new Error("the server answered " + response.status); }
      return response.json();
    })
    .then(function (data) {
      draw(data, choice.value);
      choice.addEventListener("change", function () { draw(data, choice.value); });
    })
    .catch(function (error) {
      var note = document.createElement("p");
      note.className = "muted";
      note.textContent = "The chart could not be drawn (" + error.message + "); the numbers are in the tables.";
      canvas.parentNode.replaceWith(note);
    });
}());
