/* The home page's chart: the share of decided items overturned per decision month with its 95% interval, from
   /home.json, drawn with Chart.js (served from /vendor/). Months without a decision stay gaps; a click on a month
   opens its items in the finder. The table under the chart holds the same numbers. */
(function () {
  "use strict";

  var canvas = document.getElementById("home-chart");
  if (!canvas || !window.Chart) { return; }

  function percent(value) { return value === null ? null : Math.round(1000 * value) / 10; }

  function draw(data) {
    var months = data.months;
    var chart = new window.Chart(canvas, {
      type: "line",
      data: {
        labels: months.map(function (m) { return m.month; }),
        datasets: [
          {label: "95% interval, high", data: months.map(function (m) { return percent(m.high); }),
           borderWidth: 0, pointRadius: 0, backgroundColor: "rgba(0, 114, 178, 0.15)", fill: "+1", spanGaps: false},
          {label: "95% interval, low", data: months.map(function (m) { return percent(m.low); }),
           borderWidth: 0, pointRadius: 0, fill: false, spanGaps: false},
          {label: "overturned (%)", data: months.map(function (m) { return percent(m.share); }),
           borderColor: "#0072B2", backgroundColor: "#0072B2", pointRadius: 2, spanGaps: false}
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: {mode: "index", intersect: false},
        scales: {y: {beginAtZero: true, suggestedMax: 30, title: {display: true, text: "% of decided items overturned"}}},
        plugins: {
          legend: {labels: {filter: function (item) { return item.datasetIndex === 2; }}},
          tooltip: {callbacks: {afterBody: function (items) {
            var m = months[items[0].dataIndex];
            return m.items ? [m.overturned + " of " + m.items + " items overturned"] : ["no decision this month"];
          }}}
        },
        onClick: function (event, elements) {
          if (elements.length) { window.location.href = months[elements[0].index].url; }
        }
      }
    });
    canvas.setAttribute("data-drawn", "true");
    canvas.setAttribute("data-gaps", String(months.filter(function (m) { return !m.items; }).length));
    return chart;
  }

  fetch(canvas.getAttribute("data-json-url"), {headers: {Accept: "application/json"}})
    .then(function (response) {
      if (!response.ok) { throw new Error("the server answered " + response.status); }
      return response.json();
    })
    .then(draw)
    .catch(function (error) {
      var note = document.createElement("p");
      note.className = "muted";
      note.textContent = "The chart could not be drawn (" + error.message + "); the numbers are in the table.";
      canvas.parentNode.replaceWith(note);
    });
}());
