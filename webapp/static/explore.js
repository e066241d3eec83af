/* The guideline → category → outcome explorer: draws the Sankey-style diagram from /explore.json as SVG, makes
   the links table sortable and each filter list narrowable by typing. No inline scripts or styles (the
   Content-Security-Policy forbids them): SVG presentation attributes only, text set with textContent. */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  // overturn rate 0 → blue, 0.5 → grey, 1 → red (the legend bar in explore.css uses the same stops)
  var STOPS = [[0, [44, 123, 182]], [0.5, [160, 160, 160]], [1, [215, 25, 28]]];
  var NODE_WIDTH = 14;
  var GAP = 12;

  function colour(rate) {
    if (rate === null || rate === undefined) { return "rgb(160,160,160)"; }
    var i = rate <= 0.5 ? 0 : 1;
    var a = STOPS[i], b = STOPS[i + 1];
    var t = (rate - a[0]) / (b[0] - a[0]);
    var rgb = a[1].map(function (v, k) { return Math.round(v + (b[1][k] - v) * t); });
    return "rgb(" + rgb.join(",") + ")";
  }

  function pct(value) {
    return value === null || value === undefined ? "–" : (value * 100).toFixed(1) + "%";
  }

  function describe(name, counts) {
    return name + ": " + counts.items + " item" + (counts.items === 1 ? "" : "s") + ", " + counts.overturned +
      " overturned (" + pct(counts.overturn_rate) + ", 95% CI " + pct(counts.wilson_low) + "–" +
      pct(counts.wilson_high) + ")";
  }

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG_NS, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function addTitle(node, text) {
    el("title", {}, node).textContent = text;
  }

  function shorten(text, max) {
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }

  /* Places the nodes in three columns: each node is as tall as the larger of its bands in and out. */
  function layout(data, width) {
    var byId = {};
    var columns = {source: [], category: [], outcome: []};
    data.nodes.forEach(function (node) {
      var copy = Object.assign({inSum: 0, outSum: 0, inOffset: 0, outOffset: 0,
                                overturn_rate: node.items ? node.overturned / node.items : null}, node);
      byId[node.id] = copy;
      columns[node.column].push(copy);
    });
    var links = data.links.filter(function (link) { return link.kind !== "path"; });
    links.forEach(function (link) {
      byId[link.path[0]].outSum += link.items;
      byId[link.path[1]].inSum += link.items;
    });
    var labelLeft = Math.min(330, Math.round(width * 0.3));
    var labelRight = 120;
    var x = {source: labelLeft, category: Math.round((labelLeft + width - labelRight) / 2),
             outcome: width - labelRight - NODE_WIDTH};
    var most = Math.max(columns.source.length, columns.category.length, columns.outcome.length, 1);
    var height = Math.max(380, most * 30 + 20);
    var scale = Infinity;
    Object.keys(columns).forEach(function (key) {
      var list = columns[key];
      var sum = list.reduce(function (s, n) { return s + Math.max(n.inSum, n.outSum, n.items); }, 0);
      if (sum > 0) { scale = Math.min(scale, (height - 20 - GAP * (list.length - 1)) / sum); }
    });
    if (!isFinite(scale)) { scale = 1; }
    Object.keys(columns).forEach(function (key) {
      var list = columns[key];
      var total = list.reduce(function (s, n) {
        return s + Math.max(2, Math.max(n.inSum, n.outSum, n.items) * scale);
      }, 0) + GAP * (list.length - 1);
      var y = Math.max(10, (height - total) / 2);
      list.forEach(function (node) {
        node.x = x[key];
        node.y = y;
        node.h = Math.max(2, Math.max(node.inSum, node.outSum, node.items) * scale);
        y += node.h + GAP;
      });
    });
    // bands leave and enter each node in the order of the nodes at their other end, so they do not cross there
    links.sort(function (a, b) { return byId[a.path[1]].y - byId[b.path[1]].y; });
    links.forEach(function (link) {
      var from = byId[link.path[0]];
      link.y0 = from.y + from.outOffset + (link.items * scale) / 2;
      from.outOffset += link.items * scale;
    });
    links.sort(function (a, b) { return byId[a.path[0]].y - byId[b.path[0]].y; });
    links.forEach(function (link) {
      var to = byId[link.path[1]];
      link.y1 = to.y + to.inOffset + (link.items * scale) / 2;
      to.inOffset += link.items * scale;
      link.width = Math.max(1, link.items * scale);
    });
    return {byId: byId, columns: columns, links: links, height: height};
  }

  function draw(container, data) {
    var width = Math.max(640, container.clientWidth);
    var plan = layout(data, width);
    var svg = el("svg", {width: width, height: plan.height, viewBox: "0 0 " + width + " " + plan.height,
                         "class": "sankey-svg"});
    var bands = el("g", {"class": "bands"}, svg);
    plan.links.forEach(function (link) {
      var from = plan.byId[link.path[0]], to = plan.byId[link.path[1]];
      var x0 = from.x + NODE_WIDTH, x1 = to.x, mid = (x0 + x1) / 2;
      var path = el("path", {
        d: "M" + x0 + "," + link.y0 + " C" + mid + "," + link.y0 + " " + mid + "," + link.y1 + " " + x1 + "," + link.y1,
        fill: "none", stroke: colour(link.overturn_rate), "stroke-width": link.width, "class": "band",
        "data-from": link.path[0], "data-to": link.path[1], "data-kind": link.kind
      }, bands);
      addTitle(path, describe(from.label + " → " + to.label, link));
    });
    var boxes = el("g", {"class": "nodes"}, svg);
    Object.keys(plan.columns).forEach(function (key) {
      plan.columns[key].forEach(function (node) {
        var group = el("g", {"class": "node node-" + key, "data-id": node.id}, boxes);
        el("rect", {x: node.x, y: node.y, width: NODE_WIDTH, height: node.h, rx: 2,
                    fill: key === "outcome" ? colour(node.overturn_rate) : "#334155"}, group);
        var name = node.guideline ? node.guideline + ": " + node.label : node.label;
        var label = el("text", {x: key === "source" ? node.x - 6 : node.x + NODE_WIDTH + 6, y: node.y + node.h / 2,
                                "dominant-baseline": "middle", "text-anchor": key === "source" ? "end" : "start",
                                "class": "node-label"}, group);
        label.textContent = shorten(node.label, key === "source" ? 44 : 30) + " (" + node.items + ")";
        addTitle(group, describe(name, node));
        group.addEventListener("mouseenter", function () { highlight(svg, node.id); });
        group.addEventListener("mouseleave", function () { highlight(svg, null); });
      });
    });
    container.textContent = "";
    container.appendChild(svg);
    container.setAttribute("data-drawn", "true");
  }

  function highlight(svg, id) {
    svg.classList.toggle("focused", Boolean(id));
    svg.querySelectorAll("path.band").forEach(function (band) {
      band.classList.toggle("hot", Boolean(id) && (band.getAttribute("data-from") === id ||
                                                   band.getAttribute("data-to") === id));
    });
  }

  function loadDiagram(container) {
    var status = document.getElementById("sankey-status");
    if (status) { status.textContent = "Loading the diagram…"; }
    fetch(container.getAttribute("data-json-url"), {headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("the server answered " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (!data.links.length) {
          container.textContent = "No disputed item matches these filters.";
          container.setAttribute("data-drawn", "empty");
          return;
        }
        draw(container, data);
        var timer = null;
        window.addEventListener("resize", function () {
          clearTimeout(timer);
          timer = setTimeout(function () { draw(container, data); }, 150);
        });
      })
      .catch(function (error) {
        container.textContent = "The diagram could not be loaded (" + error.message + "); the table has the numbers.";
        container.setAttribute("data-drawn", "error");
      });
  }

  function cellValue(row, index, numeric) {
    var raw = row.cells[index].getAttribute("data-value");
    if (!numeric) { return raw.toLowerCase(); }
    return raw === "" ? null : parseFloat(raw);
  }

  /* Click a heading to sort by it; numbers start largest first, text A to Z; a second click reverses. */
  function makeSortable(table) {
    var headers = Array.prototype.slice.call(table.querySelectorAll("thead th[data-key]"));
    var body = table.tBodies[0];
    Array.prototype.forEach.call(body.rows, function (row, i) { row.setAttribute("data-order", String(i)); });
    headers.forEach(function (th, index) {
      th.querySelector("button").addEventListener("click", function () {
        var numeric = th.getAttribute("data-type") === "number";
        var current = th.getAttribute("aria-sort");
        var direction = current === "none" ? (numeric ? "descending" : "ascending")
          : (current === "ascending" ? "descending" : "ascending");
        headers.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", direction);
        var sign = direction === "ascending" ? 1 : -1;
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var va = cellValue(a, index, numeric), vb = cellValue(b, index, numeric);
          if (va === null || vb === null) {  // rows without a value stay at the bottom either way
            if (va !== vb) { return va === null ? 1 : -1; }
          } else if (va !== vb) {
            return (va < vb ? -1 : 1) * sign;
          }
          return Number(a.getAttribute("data-order")) - Number(b.getAttribute("data-order"));
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function fold(text) {
    return text.toLowerCase().replace(/\s+/g, " ").trim();
  }

  /* A filter list's type-to-filter box: shows the values whose label holds every word typed (in any case), hides
     the others (ticked values stay in the form either way). Enter in the box does not submit the form; Escape
     empties it. */
  function makeSearchable(group) {
    var box = group.querySelector("input.filter-search");
    var options = Array.prototype.slice.call(group.querySelectorAll(".filter-options label.filter-option"));
    var none = group.querySelector(".filter-none");
    if (!box || !options.length) { return; }
    var texts = options.map(function (label) { return fold(label.textContent); });
    box.hidden = false;
    function apply() {
      var words = fold(box.value).split(" ").filter(Boolean);
      var shown = 0;
      options.forEach(function (label, i) {
        var match = words.every(function (word) { return texts[i].indexOf(word) !== -1; });
        label.hidden = !match;
        if (match) { shown += 1; }
      });
      if (none) { none.hidden = shown > 0; }
      group.setAttribute("data-shown", String(shown));
    }
    box.addEventListener("input", apply);
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
      if (event.key === "Escape") { box.value = ""; apply(); }
    });
    apply();
  }

  Array.prototype.forEach.call(document.querySelectorAll("#filters .filter-list"), makeSearchable);
  var container = document.getElementById("sankey");
  if (container) { loadDiagram(container); }
  var table = document.getElementById("links-table");
  if (table) { makeSortable(table); }
}());
