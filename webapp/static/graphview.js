/* Graph drawings with Cytoscape.js (served from /vendor/): the neighbourhood explorer (/graph), the
 * co-request and co-citation networks (/network) and CONSTRUCT/DESCRIBE results on the workbench.
 *
 * Plain ES2017, no build step. Text from the server goes into the page with textContent only. Exposes
 * window.ImrGraph: drawTriples(container, triples), drawResult(container, href), clear(container), and
 * `cy` / `instances` (the Cytoscape objects, for tests and the console).
 */
'use strict';

window.ImrGraph = (function () {
  const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
  const LABEL_PROPERTIES = new Set(['http://www.w3.org/2000/01/rdf-schema#label',
    'http://www.w3.org/2004/02/skos/core#prefLabel', 'https://w3id.org/imr-kg/ontology#caseNumber']);
  const CLASS_OF_TYPE = {
    Case: 'case', DisputedItem: 'item', GuidelineCitation: 'citation', Diagnosis: 'diagnosis',
    PriorTreatment: 'prior', Treatment: 'treatment', TreatmentCategory: 'category', BodyRegion: 'region',
    Guideline: 'guideline', GuidelineChapter: 'guideline', Outcome: 'outcome', Specialty: 'specialty',
    Letter: 'letter', TextSpan: 'span', Injury: 'fact', UtilizationReview: 'fact',
  };
  const COLOURS = {
    case: '#1d4ed8', item: '#0891b2', citation: '#7c3aed', diagnosis: '#dc2626', code: '#f08a8a',
    treatment: '#059669', prior: '#86c5a4', category: '#65a30d', region: '#d97706', guideline: '#a21caf',
    outcome: '#db2777', specialty: '#0d9488', letter: '#475569', fact: '#b45309', concept: '#8b9bb0',
    report: '#f59e0b', span: '#cbd5e1', literal: '#e5e9ef', other: '#94a3b8',
  };
  const IRI_CLASSES = [[/\/span(\/[^/]+)?$/, 'span'], [/\/item\/\d+$/, 'item'], [/\/citation\/[^/]+$/, 'citation'],
    [/\/diagnosis\/\d+$/, 'diagnosis'], [/\/prior-treatment\/\d+$/, 'prior'], [/\/case\/[^/]+$/, 'case'],
    [/\/letter\/[^/]+$/, 'letter'], [/\/vocab\/treatment\/./, 'treatment'], [/\/vocab\/category\/./, 'category'],
    [/\/vocab\/body-region\/./, 'region'], [/\/vocab\/guideline\/./, 'guideline'],
    [/\/vocab\/outcome\/./, 'outcome'], [/\/vocab\/specialty\/./, 'specialty'], [/\/vocab\/icd10cm\/./, 'code'],
    [/\/(injury|utilization-review)$/, 'fact']];
  const COMMUNITY_COLOURS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777',
    '#65a30d', '#9a3412', '#475569', '#0f766e', '#a21caf'];
  const MAX_DRAWN_TRIPLES = 500; // more than this makes an unreadable hairball and a slow layout
  const MAX_FIT_ZOOM = 1.2;
  const instances = {};
  const generations = new WeakMap(); // container -> run number, so a late answer never draws over a newer one
  const api = { instances, cy: null, drawTriples, drawResult, clear, COLOURS };

  const $ = (id) => document.getElementById(id);
  const short = (text, n) => (text.length > n ? text.slice(0, n - 1) + '…' : text);
  const localName = (iri) => iri.replace(/\/$/, '').split(/[#/]/).pop() || iri;
  const communityColour = (n) => COMMUNITY_COLOURS[Number(n) % COMMUNITY_COLOURS.length];

  function style(extra) {
    return [
      { selector: 'node', style: {
        'background-color': 'data(colour)', label: 'data(short)', 'font-size': 10, color: '#1f2933',
        'text-valign': 'bottom', 'text-margin-y': 3, 'text-wrap': 'wrap', 'text-max-width': 120,
        'min-zoomed-font-size': 5, width: 22, height: 22, 'border-width': 1, 'border-color': '#ffffff' } },
      { selector: 'node.literal', style: { shape: 'round-rectangle', width: 12, height: 9, 'font-size': 8,
        color: '#5f6b7a', 'border-color': '#b8c2cf' } },
      { selector: 'node.span', style: { shape: 'rectangle', width: 12, height: 12 } },
      { selector: 'node.centre', style: { width: 34, height: 34, 'border-width': 3, 'border-color': '#17212e',
        'font-weight': 'bold' } },
      { selector: 'node.expanded', style: { 'border-width': 2, 'border-color': '#17212e' } },
      { selector: 'node:selected', style: { 'border-width': 4, 'border-color': '#f59e0b' } },
      { selector: 'edge', style: { width: 1.2, 'line-color': '#b8c2cf', 'target-arrow-color': '#b8c2cf',
        'target-arrow-shape': 'triangle', 'arrow-scale': 0.8, 'curve-style': 'bezier', label: 'data(label)',
        'font-size': 8, color: '#5f6b7a', 'text-rotation': 'autorotate', 'min-zoomed-font-size': 9 } },
      { selector: 'edge.near', style: { 'line-color': '#5f6b7a', 'target-arrow-color': '#5f6b7a',
        'min-zoomed-font-size': 0, color: '#1f2933', 'z-index': 10 } },
      { selector: '.kind-hidden', style: { display: 'none' } },
    ].concat(extra || []);
  }

  function create(container, extraStyle) {
    // Cytoscape adds an inline <style> (refused by our Content-Security-Policy) unless an element with this id
    // exists; graph.css has the one rule it holds.
    if (!document.getElementById('__________cytoscape_stylesheet')) {
      const marker = document.createElement('meta');
      marker.id = '__________cytoscape_stylesheet';
      document.head.appendChild(marker);
    }
    const cy = window.cytoscape({ container, style: style(extraStyle), minZoom: 0.05, maxZoom: 5 });
    cy.on('layoutstop', () => fitView(cy));
    if (container.id) instances[container.id] = cy;
    api.cy = cy;
    return cy;
  }

  /* Fit the shown nodes, but never blow a small graph up past a readable size. */
  function fitView(cy) {
    const shown = cy.nodes().not('.kind-hidden');
    cy.fit(shown, 30);
    if (cy.zoom() > MAX_FIT_ZOOM) { cy.zoom(MAX_FIT_ZOOM); cy.center(shown); }
  }

  function nodeData(n) {
    const cls = n.cls === 'other' && n.iri ? clsFromIri(n.iri) : n.cls;
    return Object.assign({}, n, { cls, short: short(n.label || n.id, 48), colour: COLOURS[cls] || COLOURS.other });
  }

  /* The class of a resource without rdf:type in view (a CONSTRUCT result), from its IRI's pattern. */
  function clsFromIri(iri) {
    const found = IRI_CLASSES.find(([pattern]) => pattern.test(iri));
    return found ? found[1] : 'other';
  }

  /* cose: force-directed; rings: breadthfirst in circles around the centre; tree: breadthfirst downwards. */
  function layoutOptions(name, cy, randomize, edgeLength) {
    const centre = cy.nodes('.centre');
    if (name === 'rings' || name === 'tree') return { name: 'breadthfirst', circle: name === 'rings',
      roots: centre.length ? centre : undefined, directed: false, spacingFactor: name === 'rings' ? 1.3 : 1.1,
      fit: true, padding: 30, animate: false };
    return { name: 'cose', animate: false, randomize, fit: true, padding: 30, nodeRepulsion: () => 9000,
      idealEdgeLength: () => edgeLength || 70, componentSpacing: 50, numIter: 1500 };
  }

  /* ---- The neighbourhood explorer (/graph?iri=...) ---- */
  function explorer(root) {
    const cy = create($('graph-canvas'));
    const expanded = new Set();
    const more = new Set();
    const url = (base, iri) => base + '?' + new URLSearchParams({ iri }).toString();
    const status = (text) => { $('graph-status').textContent = text; };

    function applyVisibility() {
      cy.nodes('.span').toggleClass('kind-hidden', !$('graph-show-spans').checked);
      cy.nodes('.literal').toggleClass('kind-hidden', !$('graph-show-values').checked);
    }

    function layout(randomize) {
      const shown = cy.nodes().not('.kind-hidden');
      shown.union(shown.edgesWith(shown)).layout(layoutOptions($('graph-layout').value, cy, randomize)).run();
    }

    function describeCounts() {
      const shown = cy.nodes().not('.kind-hidden').length;
      const hidden = cy.nodes().length - shown;
      status(shown + ' nodes shown' + (hidden ? ', ' + hidden + ' hidden (spans, values)' : '') +
        (more.size ? '; some nodes have more links than are drawn' : ''));
    }

    async function expand(iri, around) {
      if (expanded.has(iri)) return;
      expanded.add(iri);
      status('Loading…');
      let data;
      try {
        const response = await fetch(url(root.dataset.api, iri), { headers: { Accept: 'application/json' } });
        data = await response.json();
        if (!response.ok) throw new Error(data.error || response.statusText);
      } catch (error) {
        expanded.delete(iri);
        status('Could not load the links of this node: ' + error.message);
        return;
      }
      const at = around ? around.position() : { x: 0, y: 0 };
      cy.batch(() => {
        for (const n of data.nodes) {
          if (cy.getElementById(n.id).length) continue;
          const position = { x: at.x + (Math.random() - 0.5) * 160, y: at.y + (Math.random() - 0.5) * 160 };
          const node = nodeData(n);
          cy.add({ group: 'nodes', data: node, classes: node.cls, position });
        }
        for (const e of data.edges) {
          if (!cy.getElementById(e.id).length) cy.add({ group: 'edges', data: e });
        }
        cy.getElementById(iri).addClass(around ? 'expanded' : 'centre');
      });
      if (data.more) more.add(iri);
      applyVisibility();
      layout(!around);
      describeCounts();
      const selected = cy.nodes(':selected');
      if (selected.length) showPanel(selected[0]);
    }

    function showPanel(node) {
      const d = node.data();
      $('panel-title').textContent = d.label;
      $('panel-class').textContent = d.cls === 'literal' ? 'Value' + (d.datatype ? ' (' + d.datatype + ')' : '')
        : (d.types && d.types.length ? d.types.join(', ') : d.cls);
      $('panel-iri').textContent = d.iri || '';
      [['panel-open', root.dataset.resourceUrl], ['panel-centre', root.dataset.graphUrl]].forEach(([id, base]) => {
        $(id).hidden = !d.iri;
        if (d.iri) $(id).href = url(base, d.iri);
      });
      const list = $('panel-values');
      list.textContent = '';
      const values = d.cls === 'literal' ? [['value', d.value]]
        : node.outgoers('edge').filter((e) => e.target().hasClass('literal'))
          .map((e) => [e.data('label'), e.target().data('value')]);
      for (const [key, value] of values) {
        const dt = document.createElement('dt');
        dt.textContent = key;
        const dd = document.createElement('dd');
        dd.textContent = value;
        list.append(dt, dd);
      }
      if (!values.length && d.iri && !expanded.has(d.iri)) {
        const dd = document.createElement('dd');
        dd.textContent = 'Its values appear once its links are loaded.';
        list.append(dd);
      }
      if (more.has(d.iri)) {
        const dd = document.createElement('dd');
        dd.textContent = 'It has more links than are drawn; its page lists them all.';
        list.append(dd);
      }
    }

    cy.on('tap', 'node', (event) => {
      const node = event.target;
      cy.nodes().unselect();
      node.select();
      cy.edges().removeClass('near');
      node.connectedEdges().addClass('near');
      showPanel(node);
      if (node.data('iri')) expand(node.data('iri'), node);
    });
    cy.on('dbltap', 'node', (event) => {
      const iri = event.target.data('iri');
      if (iri) window.location.assign(url(root.dataset.resourceUrl, iri));
    });
    $('graph-fit').addEventListener('click', () => fitView(cy));
    $('graph-reset').addEventListener('click', () => {
      cy.elements().remove();
      expanded.clear();
      more.clear();
      start();
    });
    $('graph-layout').addEventListener('change', () => layout(true));
    ['graph-show-spans', 'graph-show-values'].forEach((id) => $(id).addEventListener('change', () => {
      applyVisibility();
      layout(false);
      describeCounts();
    }));

    const start = () => expand(root.dataset.iri, null);
    start();
  }

  /* ---- Triples (CONSTRUCT/DESCRIBE results) as a graph ---- */
  function termId(t) { return t.type === 'bnode' ? '_:' + t.value : t.value; }

  /* Turn triples ({s, p, o}, each {type, value, datatype?, lang?}) into Cytoscape elements: labels and
   * rdf:type are folded into their node (label, colour); other literals become small value nodes. */
  function elementsOf(triples, compact) {
    const nodes = new Map();
    const edges = new Map();
    const resource = (t) => {
      const id = termId(t);
      if (!nodes.has(id)) nodes.set(id, { id, iri: t.type === 'uri' ? t.value : null, label: null, cls: 'other' });
      return nodes.get(id);
    };
    triples.forEach((t, index) => {
      const subject = resource(t.s);
      if (t.p.value === RDF_TYPE && t.o.type === 'uri') {
        const cls = CLASS_OF_TYPE[localName(t.o.value)];
        if (cls && subject.cls === 'other') subject.cls = cls;
        return;
      }
      if (LABEL_PROPERTIES.has(t.p.value) && t.o.type === 'literal') {
        if (!subject.label || t.p.value.endsWith('caseNumber')) subject.label = t.o.value;
        return;
      }
      const object = t.o.type === 'literal'
        ? { id: 'literal:' + index, iri: null, label: t.o.value, cls: 'literal', value: t.o.value }
        : resource(t.o);
      if (t.o.type === 'literal') nodes.set(object.id, object);
      const id = subject.id + ' ' + t.p.value + ' ' + object.id;
      edges.set(id, { id, source: subject.id, target: object.id, label: compact(t.p.value) });
    });
    const out = [];
    for (const n of nodes.values()) {
      n.label = n.label || (n.iri ? compact(n.iri) : '(blank node)');
      const node = nodeData(n);
      out.push({ group: 'nodes', data: node, classes: node.cls });
    }
    for (const e of edges.values()) out.push({ group: 'edges', data: e });
    return out;
  }

  function compactWith(prefixes) {
    return (iri) => {
      let best = null;
      for (const [prefix, ns] of Object.entries(prefixes || {})) {
        if (ns && iri.startsWith(ns) && iri.length > ns.length && (!best || ns.length > best[1].length)) best = [prefix, ns];
      }
      if (best && best[0] === 'imr') return iri.slice(best[1].length);
      return best ? best[0] + ':' + iri.slice(best[1].length) : localName(iri);
    };
  }

  function clear(container) {
    generations.set(container, (generations.get(container) || 0) + 1);
    if (container.id && instances[container.id]) { instances[container.id].destroy(); delete instances[container.id]; }
    container.textContent = '';
    container.classList.remove('graph-view-active');
  }

  function drawTriples(container, triples, options) {
    const opts = options || {};
    clear(container);
    if (!window.cytoscape || !triples.length) return null;
    const drawn = triples.slice(0, MAX_DRAWN_TRIPLES);
    container.classList.add('graph-view-active');
    const bar = document.createElement('div');
    bar.className = 'graph-view-bar';
    const caption = document.createElement('span');
    caption.className = 'muted';
    const fit = document.createElement('button');
    fit.type = 'button';
    fit.textContent = 'Fit';
    bar.append(caption, fit);
    const canvas = document.createElement('div');
    canvas.className = 'graph-view-canvas';
    container.append(bar, canvas);
    const cy = create(canvas);
    if (container.id) instances[container.id] = cy;
    cy.add(elementsOf(drawn, compactWith(opts.prefixes)));
    cy.layout(layoutOptions('cose', cy, true, 45)).run();
    caption.textContent = cy.nodes().length + ' nodes, ' + cy.edges().length + ' links' +
      (triples.length > drawn.length ? ' — the first ' + drawn.length + ' of ' + triples.length + ' triples' : '') +
      '. Double-click a node to explore it.';
    fit.addEventListener('click', () => fitView(cy));
    cy.on('dbltap', 'node', (event) => {
      const iri = event.target.data('iri');
      if (iri) window.location.assign((opts.graphUrl || '/graph') + '?' + new URLSearchParams({ iri }).toString());
    });
    return cy;
  }

  /* JSON-LD (expanded, as the endpoint writes it) as triples. */
  function jsonldTriples(doc) {
    const triples = [];
    let blank = 0;
    const idTerm = (id) => (id.startsWith('_:') ? { type: 'bnode', value: id.slice(2) } : { type: 'uri', value: id });
    const idOf = (obj) => { if (!obj['@id']) obj['@id'] = '_:n' + (blank += 1); return obj['@id']; };
    function objectTerm(v) {
      if (v === null || typeof v !== 'object') return { type: 'literal', value: String(v) };
      if ('@value' in v) return { type: 'literal', value: String(v['@value']), datatype: v['@type'], lang: v['@language'] };
      const term = idTerm(idOf(v));
      if (Object.keys(v).some((k) => k !== '@id')) visit(v);
      return term;
    }
    function visit(obj) {
      if (Array.isArray(obj)) { obj.forEach(visit); return; }
      if (!obj || typeof obj !== 'object') return;
      if (obj['@graph']) { visit(obj['@graph']); return; }
      const s = idTerm(idOf(obj));
      for (const [key, values] of Object.entries(obj)) {
        if (key === '@type') [].concat(values).forEach((t) => triples.push({ s, p: { type: 'uri', value: RDF_TYPE }, o: idTerm(t) }));
        if (key.startsWith('@')) continue;
        const p = { type: 'uri', value: key };
        for (const v of [].concat(values)) {
          const items = v && typeof v === 'object' && Array.isArray(v['@list']) ? v['@list'] : [v];
          items.forEach((item) => triples.push({ s, p, o: objectTerm(item) }));
        }
      }
    }
    visit(doc);
    return triples;
  }

  /* Fetch a CONSTRUCT/DESCRIBE result as JSON-LD (the workbench's download link, posted) and draw it. */
  async function drawResult(container, href, options) {
    clear(container);
    const run = generations.get(container);
    if (!window.cytoscape) return;
    const link = new URL(href, window.location.href);
    const params = new URLSearchParams(link.search);
    params.set('format', 'jsonld');
    try {
      const response = await fetch(link.pathname, { method: 'POST', body: params,
        headers: { Accept: 'application/ld+json, application/json;q=0.9' } });
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const doc = await response.json();
      if (generations.get(container) !== run) return;
      drawTriples(container, jsonldTriples(doc), options);
    } catch (error) {
      if (generations.get(container) !== run) return;
      container.textContent = 'The graph could not be drawn: ' + error.message;
    }
  }

  /* ---- The networks (/network) ---- */
  async function network(el) {
    const caption = el.closest('figure').querySelector('.network-selected');
    const data = await (await fetch(el.dataset.src, { headers: { Accept: 'application/json' } })).json();
    // Nodes never seen together with another have no place in a drawing of links: the tables list them.
    const linked = data.nodes.filter((n) => n.degree > 0);
    const strongest = Math.max(1, ...linked.map((n) => n.strength || 0));
    const heaviest = Math.max(1, ...data.links.map((l) => l.weight || 1));
    const cy = create(el, [
      { selector: 'node', style: { width: 'data(size)', height: 'data(size)', 'font-size': 11 } },
      { selector: 'edge', style: { width: 'data(width)', 'target-arrow-shape': 'none', label: '' } },
    ]);
    const left = data.nodes.length - linked.length;
    caption.textContent = left ? left + ' not linked to any other are left out of the drawing.' : '';
    cy.add(linked.map((n) => ({ group: 'nodes', data: Object.assign({}, n, {
      id: String(n.id), short: short(shortGuideline(String(n.label)), 44), colour: communityColour(n.community || 0),
      size: 12 + 34 * Math.sqrt((n.strength || 0) / strongest) }) })));
    cy.add(data.links.map((l, i) => ({ group: 'edges', data: { id: 'link-' + i, source: String(l.source),
      target: String(l.target), weight: l.weight, width: 1 + 6 * ((l.weight || 1) / heaviest) } })));
    cy.layout(layoutOptions('cose', cy, true)).run();
    cy.on('tap', 'node', (event) => {
      const d = event.target.data();
      caption.textContent = d.label + ': weighted degree ' + d.strength + ', betweenness ' +
        Number(d.betweenness).toFixed(3) + ', community ' + d.community + '.';
    });
    cy.on('dbltap', 'node', (event) => {
      const iri = event.target.data('iri');
      if (iri) window.location.assign('/graph?' + new URLSearchParams({ iri }).toString());
    });
  }

  /* "MTUS Chronic Pain Medical Treatment Guidelines: Opioids" drawn as "MTUS Chronic Pain: Opioids". */
  function shortGuideline(label) {
    return label.replace(/ (Medical Treatment|Practice|Treatment) Guidelines\b/, '')
      .replace(' (Official Disability Guidelines)', '');
  }

  function start() {
    document.querySelectorAll('.swatch[data-cls]').forEach((s) => {
      s.style.backgroundColor = COLOURS[s.dataset.cls] || COLOURS.other;
    });
    document.querySelectorAll('.swatch[data-community]').forEach((s) => {
      s.style.backgroundColor = communityColour(s.dataset.community);
    });
    if (!window.cytoscape) return;
    const root = $('graph-explorer');
    if (root) explorer(root);
    document.querySelectorAll('.network-canvas[data-src]').forEach((el) => {
      network(el).catch((error) => { el.textContent = 'The network could not be drawn: ' + error.message; });
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
  return api;
})();
