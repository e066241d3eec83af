/* Drawing SPARQL results on the workbench page: the table (paged), the chart, graph text and errors.
 *
 * Plain ES2017, no build step. Everything from the server is put in the page with textContent or as
 * attribute values, never as HTML. Used by workbench.js through window.KGResults.
 */
'use strict';

window.KGResults = (function () {
  const XSD = 'http://www.w3.org/2001/XMLSchema#';
  const NUMERIC_TYPES = new Set(['integer', 'decimal', 'double', 'float', 'int', 'long', 'short', 'byte',
    'nonNegativeInteger', 'nonPositiveInteger', 'positiveInteger', 'negativeInteger',
    'unsignedLong', 'unsignedInt', 'unsignedShort', 'unsignedByte'].map((t) => XSD + t));
  const DATE_TYPES = new Set(['date', 'dateTime', 'gYear', 'gYearMonth'].map((t) => XSD + t));
  const DATE_TEXT = /^\d{4}(-\d{2}(-\d{2})?)?([T ].*)?$/;
  const CHART_MAX_ROWS = 200; // more bars than this are unreadable
  const COLOURS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

  const $ = (id) => document.getElementById(id);
  const state = { vars: [], rows: [], page: 0, pageSize: 100, prefixes: {}, resourceUrl: '/resource' };
  let chart = null;

  /* The IRI written short with the longest matching prefix (case:CM14-0166055), else in full. */
  function compactIri(iri, prefixes) {
    let best = null;
    for (const [prefix, ns] of Object.entries(prefixes)) {
      if (ns && iri.startsWith(ns) && iri.length > ns.length && (!best || ns.length > best[1].length)) {
        best = [prefix, ns];
      }
    }
    return best ? best[0] + ':' + iri.slice(best[1].length) : iri;
  }

  /* The text a term shows as (in the table and as a chart label). */
  function termText(term) {
    if (!term) return '';
    if (term.type === 'uri') return compactIri(term.value, state.prefixes);
    if (term.type === 'bnode') return '_:' + term.value;
    return term.value;
  }

  function resourceHref(iri) {
    return state.resourceUrl + '?' + new URLSearchParams({ iri: iri }).toString();
  }

  function termCell(term) {
    const td = document.createElement('td');
    if (!term) return td;
    if (term.type === 'uri') {
      const a = document.createElement('a');
      a.href = resourceHref(term.value);
      a.textContent = termText(term);
      a.title = term.value;
      td.appendChild(a);
    } else {
      td.textContent = termText(term);
      if (term['xml:lang']) td.title = '@' + term['xml:lang'];
      else if (term.datatype) td.title = compactIri(term.datatype, state.prefixes);
      if (term.datatype && NUMERIC_TYPES.has(term.datatype)) td.className = 'number';
    }
    return td;
  }

  function show(id, visible) { $(id).hidden = !visible; }

  /* Empty every result container (before a run, and when a run fails). */
  function clear() {
    if (chart) { chart.destroy(); chart = null; }
    ['error-box', 'result-summary', 'truncated-notice', 'boolean-result', 'chart-box', 'pager', 'graph-text']
      .forEach((id) => show(id, false));
    show('result-placeholder', false);
    $('result-table').tHead.textContent = '';
    $('result-table').tBodies[0].textContent = '';
    $('graph-text').textContent = '';
    $('graph-view').textContent = '';
    if (window.ImrGraph) window.ImrGraph.clear($('graph-view'));
    state.vars = []; state.rows = []; state.page = 0;
  }

  function showError(message) {
    clear();
    $('error-box').textContent = message;
    show('error-box', true);
  }

  function plural(n, word) { return n.toLocaleString() + ' ' + word + (n === 1 ? '' : 's'); }

  /* Row count, time, truncation notice and the two download links. */
  function summary(countText, elapsedMs, truncatedText, downloads) {
    $('row-count').textContent = countText;
    $('elapsed').textContent = 'in ' + Math.round(elapsedMs).toLocaleString() + ' ms';
    $('truncated-notice').textContent = truncatedText || '';
    show('truncated-notice', Boolean(truncatedText));
    [['download-csv', downloads[0]], ['download-json', downloads[1]]].forEach(([id, d]) => {
      const a = $(id);
      a.href = d.href; a.textContent = d.label;
      a.setAttribute('download', d.filename);
    });
    show('result-summary', true);
  }

  function drawPage() {
    const table = $('result-table');
    const body = document.createElement('tbody');
    const start = state.page * state.pageSize;
    for (const row of state.rows.slice(start, start + state.pageSize)) {
      const tr = document.createElement('tr');
      for (const v of state.vars) tr.appendChild(termCell(row[v]));
      body.appendChild(tr);
    }
    table.replaceChild(body, table.tBodies[0]);
    const pages = Math.max(1, Math.ceil(state.rows.length / state.pageSize));
    const last = Math.min(start + state.pageSize, state.rows.length);
    $('page-info').textContent = 'Rows ' + (start + 1).toLocaleString() + '–' + last.toLocaleString() +
      ' of ' + state.rows.length.toLocaleString() + ' (page ' + (state.page + 1) + ' of ' + pages + ')';
    $('page-prev').disabled = state.page === 0;
    $('page-next').disabled = state.page >= pages - 1;
    show('pager', pages > 1);
  }

  function turnPage(step) {
    const pages = Math.ceil(state.rows.length / state.pageSize);
    state.page = Math.min(Math.max(0, state.page + step), pages - 1);
    drawPage();
  }

  const isLiteral = (t) => t.type === 'literal' || t.type === 'typed-literal';
  const isNumeric = (t) => isLiteral(t) && NUMERIC_TYPES.has(t.datatype) && !isNaN(Number(t.value));
  const isDateLike = (t) => isLiteral(t) && (DATE_TYPES.has(t.datatype) || DATE_TEXT.test(t.value));
  // An integer column called "year" (from YEAR(?date)) labels the chart instead of being plotted.
  const isYearColumn = (v, terms) => /year/i.test(v) && terms.every((t) => /^[12]\d{3}$/.test(t.value));

  /* A bar chart (a line chart over dates or years) when the SELECT result has a numeric column. */
  function drawChart() {
    if (!window.Chart || !state.rows.length) return;
    const rows = state.rows.slice(0, CHART_MAX_ROWS);
    const bound = (v) => rows.map((r) => r[v]).filter(Boolean);
    const numeric = state.vars.filter((v) => bound(v).length && bound(v).every(isNumeric));
    const labelVar = state.vars.find((v) => !numeric.includes(v)) ||
      numeric.find((v) => isYearColumn(v, bound(v)));
    const plotted = numeric.filter((v) => v !== labelVar);
    if (!plotted.length) return;
    const byDate = Boolean(labelVar) && bound(labelVar).length > 0 &&
      (bound(labelVar).every(isDateLike) || isYearColumn(labelVar, bound(labelVar)));
    // Rates and percentages get their own right-hand axis, so they do not dwarf the counts.
    const isShare = (v) => /percent|rate|ratio|share|proportion/i.test(v);
    const twoAxes = plotted.some(isShare) && plotted.some((v) => !isShare(v));
    show('chart-box', true); // visible before drawing, so Chart.js can measure its frame
    chart = new window.Chart($('result-chart'), {
      type: byDate ? 'line' : 'bar',
      data: {
        labels: rows.map((r, i) => (labelVar ? termText(r[labelVar]) : String(i + 1))),
        datasets: plotted.map((v, i) => ({
          label: v,
          data: rows.map((r) => (r[v] ? Number(r[v].value) : null)),
          backgroundColor: COLOURS[i % COLOURS.length],
          borderColor: COLOURS[i % COLOURS.length],
          yAxisID: twoAxes && isShare(v) ? 'y1' : 'y',
        })),
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: twoAxes
          ? { y: { beginAtZero: true, title: { display: true, text: 'count' } },
              y1: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false },
                    title: { display: true, text: plotted.filter(isShare).join(', ') } } }
          : { y: { beginAtZero: true } },
        plugins: { legend: { position: 'top' } },
      },
    });
    $('chart-caption').textContent = (plotted.join(', ') + (labelVar ? ' by ' + labelVar : '')) +
      (state.rows.length > rows.length ? ' — the first ' + rows.length + ' of ' + state.rows.length + ' rows' : '');
  }

  /* A SPARQL JSON result: a SELECT table (and maybe a chart) or an ASK answer. */
  function renderJson(data, elapsedMs, truncated, downloads) {
    clear();
    if (typeof data.boolean === 'boolean') {
      summary('ASK result', elapsedMs, '', downloads);
      $('boolean-result').textContent = 'The answer is ' + (data.boolean ? 'yes (true).' : 'no (false).');
      show('boolean-result', true);
      return;
    }
    state.vars = (data.head && data.head.vars) || [];
    state.rows = (data.results && data.results.bindings) || [];
    const head = document.createElement('tr');
    for (const v of state.vars) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = v;
      head.appendChild(th);
    }
    $('result-table').tHead.appendChild(head);
    const count = state.rows.length ? plural(state.rows.length, 'row') : 'No rows';
    summary(count, elapsedMs, truncated ? 'Truncated at ' + plural(state.rows.length, 'row') +
      ' (the server’s limit): download or add LIMIT/OFFSET for the rest.' : '', downloads);
    drawPage();
    drawChart();
  }

  /* A CONSTRUCT/DESCRIBE result as Turtle text (#graph-view is left for the graph drawing). */
  function renderGraph(text, elapsedMs, truncated, maxRows, downloads) {
    clear();
    summary(text.trim() ? 'Graph result (Turtle)' : 'Empty graph', elapsedMs,
      truncated ? 'Truncated at ' + plural(maxRows, 'triple') + ' (the server’s limit).' : '', downloads);
    $('graph-text').textContent = text;
    show('graph-text', true);
    // The drawing (static/graphview.js) goes above the text; it fetches the result again as JSON-LD.
    const jsonld = downloads.find((d) => /format=jsonld/.test(d.href));
    if (window.ImrGraph && jsonld && text.trim()) {
      $('graph-text').before($('graph-view'));
      window.ImrGraph.drawResult($('graph-view'), jsonld.href, { prefixes: state.prefixes });
    }
  }

  function init(options) {
    state.pageSize = options.pageSize;
    state.resourceUrl = options.resourceUrl;
    $('page-prev').addEventListener('click', () => turnPage(-1));
    $('page-next').addEventListener('click', () => turnPage(1));
  }

  function setPrefixes(prefixes) { state.prefixes = prefixes; }

  return { init, setPrefixes, clear, showError, renderJson, renderGraph, compactIri };
})();
