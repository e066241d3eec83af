/* Graph drawings with Cytoscape.js (served from /vendor/): the neighbourhood explorer (/graph), the
 * co-request and co-citation networks (/network) and CONSTRUCT/DESCRIBE results on the workbench.
 *
 * Plain ES2017, no build step. Text from the server goes into the page with textContent only. Every drawing
 * takes its colours and shapes from one table (KINDS, on the Okabe-Ito colour-blind-safe palette) and makes
 * its legend from the same table. Layouts use the fCoSE extension (label-aware, also served from /vendor/),
 * or Cytoscape's own cose when it is missing.
 *
 * Exposes window.ImrGraph: drawTriples(container, triples, options), drawResult(container, href, options),
 * clear(container), `cy` / `instances` (the Cytoscape objects) and `layouts` (container id -> layout used),
 * for tests and the console; window.__graphLayout is the name of the last layout run.
 */
'use strict';

window.ImrGraph = (function () {
  const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
  const BASE = 'https://w3id.org/imr-kg/';
  const LABEL_PROPERTIES = new Set(['http://www.w3.org/2000/01/rdf-schema#label',
    'http://www.w3.org/2004/02/skos/core#prefLabel', 'https://w3id.org/imr-kg/ontology#caseNumber']);
  const CLASS_OF_TYPE = {
    Case: 'case', DisputedItem: 'item', GuidelineCitation: 'citation', Diagnosis: 'diagnosis',
    PriorTreatment: 'prior', Treatment: 'treatment', TreatmentCategory: 'category', BodyRegion: 'region',
    Guideline: 'guideline', GuidelineChapter: 'guideline', Outcome: 'outcome', Specialty: 'specialty',
    Letter: 'letter', TextSpan: 'span', Injury: 'fact', UtilizationReview: 'fact', FieldSource: 'source',
  };

  /* The palette: Okabe & Ito's eight colours, told apart with every kind of colour blindness, and greys. */
  const PALETTE = {
    blue: '#0072B2', orange: '#E69F00', green: '#009E73', vermillion: '#D55E00', purple: '#CC79A7',
    sky: '#56B4E9', yellow: '#F0E442', black: '#000000', grey: '#8C8C8C', lightGrey: '#BDBDBD',
    paleGrey: '#D9D9D9', paper: '#EEEEEE',
  };
  /* Every kind of node: its class, the words of the legend, its colour and its shape. Kinds drawn together
   * (a case and its parts; an item and what it links to) have different colours; no two kinds share both. */
  const KINDS = [
    ['case', 'Case', 'blue', 'ellipse'],
    ['letter', 'Letter', 'black', 'round-rectangle'],
    ['item', 'Disputed item', 'orange', 'ellipse'],
    ['citation', 'Guideline citation', 'purple', 'diamond'],
    ['guideline', 'Guideline / chapter', 'black', 'hexagon'],
    ['treatment', 'Treatment', 'green', 'ellipse'],
    ['category', 'Treatment category', 'sky', 'diamond'],
    ['prior', 'Prior treatment', 'sky', 'ellipse'],
    ['diagnosis', 'Diagnosis', 'vermillion', 'ellipse'],
    ['code', 'ICD-10-CM code', 'yellow', 'hexagon'],
    ['region', 'Body region', 'yellow', 'diamond'],
    ['outcome', 'Outcome', 'vermillion', 'star'],
    ['specialty', 'Reviewer specialty', 'purple', 'ellipse'],
    ['fact', 'Injury / UR decision', 'yellow', 'round-rectangle'],
    ['concept', 'Other concept', 'grey', 'diamond'],
    ['source', 'Where a fact was read', 'lightGrey', 'round-rectangle'],
    ['report', 'Validation report', 'vermillion', 'rectangle'],
    ['span', 'Text span', 'paleGrey', 'rectangle'],
    ['literal', 'Value', 'paper', 'round-rectangle'],
    ['other', 'Other', 'grey', 'ellipse'],
  ].map(([cls, words, colour, shape]) => ({ cls, words, colour: PALETTE[colour], shape }));
  const KIND = Object.fromEntries(KINDS.map((kind) => [kind.cls, kind]));
  /* Groups of a network, largest first; the ninth and later share grey. */
  const GROUP_COLOURS = ['blue', 'orange', 'green', 'vermillion', 'purple', 'sky', 'yellow', 'black']
    .map((name) => PALETTE[name]);

  const IRI_CLASSES = [[/\/span(\/[^/]+)?$/, 'span'], [/\/item\/\d+$/, 'item'], [/\/citation\/[^/]+$/, 'citation'],
    [/\/diagnosis\/\d+$/, 'diagnosis'], [/\/prior-treatment\/\d+$/, 'prior'], [/\/case\/[^/]+$/, 'case'],
    [/\/letter\/[^/]+$/, 'letter'], [/\/vocab\/treatment\/./, 'treatment'], [/\/vocab\/category\/./, 'category'],
    [/\/vocab\/body-region\/./, 'region'], [/\/vocab\/guideline\/./, 'guideline'],
    [/\/vocab\/outcome\/./, 'outcome'], [/\/vocab\/specialty\/./, 'specialty'], [/\/vocab\/icd10cm\/./, 'code'],
    [/\/(injury|utilization-review)$/, 'fact'], [/\/case\/[^/]+\/source\/[^/]+$/, 'source']];
  const NUMBERED_BASES = [BASE + 'case/', BASE + 'letter/'];
  const MAX_DRAWN_TRIPLES = 500; // more than this makes an unreadable hairball and a slow layout
  const MAX_LABEL_IRIS = 600; // what /api/labels answers at a time
  const LABEL_CHARS = 40;
  const READABLE_CHARS = 40;
  const MAX_FIT_ZOOM = 1.2;
  const SCRIPTS_URL = '/api/graph-scripts';
  const LABELS_URL = '/api/labels';
  const instances = {};
  const layouts = {};
  const generations = new WeakMap(); // container -> run number, so a late answer never draws over a newer one
  const api = { instances, layouts, cy: null, drawTriples, drawResult, clear, readableName, KINDS, PALETTE };
  let layoutReady = null;

  const $ = (id) => document.getElementById(id);
  const short = (text, n) => (text.length > n ? text.slice(0, n - 1) + '…' : text);
  const localName = (iri) => iri.replace(/\/$/, '').split(/[#/]/).pop() || iri;
  const groupColour = (n) => GROUP_COLOURS[Number(n)] || PALETTE.grey;
  const kindOf = (cls) => KIND[cls] || KIND.other;

  function decode(text) {
    try { return decodeURIComponent(text); } catch (error) { return text; }
  }

  function words(parts) {
    return short(parts.filter(Boolean).map((part) => decode(part).replace(/[-_]+/g, ' ')).join(' '), READABLE_CHARS);
  }

  /* A short name made from an IRI that has no label: ".../case/CM14-0166055/prior-treatment/7" is
   * "prior treatment 7", a case or letter its number, anything else its last segment (two when the last is
   * only a number). Never the IRI itself. */
  function readableName(iri) {
    for (const base of NUMBERED_BASES) {
      if (!iri.startsWith(base)) continue;
      const [number, ...rest] = iri.slice(base.length).split('/');
      return rest.some(Boolean) ? words(rest) : short(decode(number), READABLE_CHARS);
    }
    const parts = iri.split('?')[0].split(/[/#]/).filter(Boolean);
    if (!parts.length) return short(iri, READABLE_CHARS);
    const last = parts[parts.length - 1];
    return words(/^\d+$/.test(last) && parts.length > 2 ? parts.slice(-2) : [last]) || short(iri, READABLE_CHARS);
  }

  /* ---- Styles and the legend, both from KINDS ---- */
  function style(extra) {
    return [
      { selector: 'node', style: {
        'background-color': 'data(colour)', shape: 'data(shape)', label: 'data(short)', 'font-size': 11,
        color: '#1f2933', 'text-valign': 'bottom', 'text-margin-y': 3, 'text-wrap': 'wrap', 'text-max-width': 110,
        'text-background-color': '#ffffff', 'text-background-opacity': 0.75, 'text-background-padding': 1,
        'min-zoomed-font-size': 5, width: 22, height: 22, 'border-width': 1, 'border-color': '#4d4d4d' } },
      { selector: 'node.literal', style: { width: 12, height: 9, 'font-size': 9, color: '#5f6b7a',
        'border-color': '#9a9a9a' } },
      { selector: 'node.span', style: { width: 12, height: 12 } },
      { selector: 'node.centre', style: { width: 34, height: 34, 'border-width': 3, 'border-color': '#17212e',
        'font-weight': 'bold' } },
      { selector: 'node.expanded', style: { 'border-width': 2, 'border-color': '#17212e' } },
      { selector: 'node:selected', style: { 'border-width': 4, 'border-color': PALETTE.orange } },
      { selector: 'edge', style: { width: 1.2, 'line-color': '#b8c2cf', 'target-arrow-color': '#b8c2cf',
        'target-arrow-shape': 'triangle', 'arrow-scale': 0.8, 'curve-style': 'bezier', label: 'data(label)',
        'font-size': 8, color: '#5f6b7a', 'text-rotation': 'autorotate', 'min-zoomed-font-size': 9 } },
      { selector: 'edge.near', style: { 'line-color': '#5f6b7a', 'target-arrow-color': '#5f6b7a',
        'min-zoomed-font-size': 0, color: '#1f2933', 'z-index': 10 } },
      { selector: '.kind-hidden', style: { display: 'none' } },
    ].concat(extra || []);
  }

  const SVG = 'http://www.w3.org/2000/svg';
  const SHAPE_POINTS = {
    diamond: '8,1 15,8 8,15 1,8',
    hexagon: '4,2 12,2 15,8 12,14 4,14 1,8',
    star: '8,1 10,6 15,6 11,9.5 12.5,15 8,11.5 3.5,15 5,9.5 1,6 6,6',
  };

  /* A small drawing of a node's shape in its colour, for a legend entry. */
  function shapeIcon(shape, colour) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 16 16');
    svg.setAttribute('class', 'legend-icon');
    svg.setAttribute('aria-hidden', 'true');
    let mark;
    if (SHAPE_POINTS[shape]) {
      mark = document.createElementNS(SVG, 'polygon');
      mark.setAttribute('points', SHAPE_POINTS[shape]);
    } else if (shape === 'ellipse') {
      mark = document.createElementNS(SVG, 'circle');
      [['cx', 8], ['cy', 8], ['r', 6.5]].forEach(([k, v]) => mark.setAttribute(k, v));
    } else {
      mark = document.createElementNS(SVG, 'rect');
      [['x', 1.5], ['y', 3], ['width', 13], ['height', 10], ['rx', shape === 'round-rectangle' ? 3 : 0]]
        .forEach(([k, v]) => mark.setAttribute(k, v));
    }
    mark.setAttribute('fill', colour);
    mark.setAttribute('stroke', '#4d4d4d');
    svg.appendChild(mark);
    return svg;
  }

  /* A small drawing of a link (a line, with an arrow head when links have a direction). */
  function lineIcon(arrow) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 24 16');
    svg.setAttribute('class', 'legend-icon legend-line');
    svg.setAttribute('aria-hidden', 'true');
    const line = document.createElementNS(SVG, 'path');
    line.setAttribute('d', arrow ? 'M1 8 H17 M15 4 L22 8 L15 12 Z' : 'M1 8 H23');
    line.setAttribute('stroke', '#5f6b7a');
    line.setAttribute('stroke-width', arrow ? '1.5' : '3');
    line.setAttribute('fill', '#5f6b7a');
    svg.appendChild(line);
    return svg;
  }

  function legendItem(icon, text, data) {
    const item = document.createElement('li');
    Object.entries(data || {}).forEach(([key, value]) => { item.dataset[key] = value; });
    item.append(icon, document.createTextNode(text));
    return item;
  }

  /* The legend of a drawing of resources: one entry per kind drawn (in KINDS order), then what a link is. */
  function classLegend(list, cy, note) {
    const shown = new Set(cy.nodes().not('.kind-hidden').map((n) => n.data('cls')));
    list.textContent = '';
    for (const kind of KINDS.filter((k) => shown.has(k.cls))) {
      list.append(legendItem(shapeIcon(kind.shape, kind.colour), kind.words, { cls: kind.cls }));
    }
    list.append(legendItem(lineIcon(true), 'Link: from a resource to what it refers to, named by its ' +
      'property (zoom in to read it)', { edge: 'link' }));
    if (note) list.append(legendItem(document.createTextNode(''), note, { note: 'note' }));
  }

  /* ---- Cytoscape instances, layouts ---- */
  /* A Cytoscape instance drawing in ``container``, known as instances[key] (the container's id by default). */
  function create(container, extraStyle, key) {
    // Cytoscape adds an inline <style> (refused by our Content-Security-Policy) unless an element with this id
    // exists; graph.css has the one rule it holds.
    if (!document.getElementById('__________cytoscape_stylesheet')) {
      const marker = document.createElement('meta');
      marker.id = '__________cytoscape_stylesheet';
      document.head.appendChild(marker);
    }
    const cy = window.cytoscape({ container, style: style(extraStyle), minZoom: 0.05, maxZoom: 5 });
    cy.on('layoutstop', () => fitView(cy));
    tooltips(cy);
    cy.scratch('_imrKey', key || container.id);
    if (key || container.id) instances[key || container.id] = cy;
    api.cy = cy;
    return cy;
  }

  /* Pointing at a node shows its full label and IRI (or value) as the canvas's tooltip. */
  function tooltips(cy) {
    const box = cy.container();
    cy.on('mouseover', 'node', (event) => {
      const d = event.target.data();
      box.title = d.iri ? d.label + '\n' + d.iri : String(d.value || d.label || '');
    });
    cy.on('mouseout', 'node', () => box.removeAttribute('title'));
  }

  /* Fit the shown nodes, but never blow a small graph up past a readable size. */
  function fitView(cy) {
    const shown = cy.nodes().not('.kind-hidden');
    cy.fit(shown, 30);
    if (cy.zoom() > MAX_FIT_ZOOM) { cy.zoom(MAX_FIT_ZOOM); cy.center(shown); }
  }

  function fcoseRegistered() {
    try { return Boolean(window.cytoscape && window.cytoscape('layout', 'fcose')); } catch (error) { return false; }
  }

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.addEventListener('load', resolve);
      script.addEventListener('error', () => reject(new Error('could not load ' + src)));
      document.head.appendChild(script);
    });
  }

  /* True once the fCoSE layout is registered: loaded by the page, or here, in order, from the URLs the server
   * gives. False when that fails (the drawings then use cose). */
  function ensureLayout() {
    if (!layoutReady) {
      layoutReady = fcoseRegistered() ? Promise.resolve(true) : (async () => {
        const response = await fetch(SCRIPTS_URL, { headers: { Accept: 'application/json' } });
        if (!response.ok) throw new Error('HTTP ' + response.status);
        for (const src of (await response.json()).scripts || []) await loadScript(src);
        if (!fcoseRegistered() && window.cytoscapeFcose) window.cytoscape.use(window.cytoscapeFcose);
        return fcoseRegistered();
      })().catch(() => false);
    }
    return layoutReady;
  }

  /* Force-directed placement that keeps labels apart: fCoSE counts each label in its node's size. */
  function forceOptions(fcose, randomize, edgeLength) {
    const common = { animate: false, randomize, fit: true, padding: 30, nodeDimensionsIncludeLabels: true };
    if (!fcose) return Object.assign(common, { name: 'cose', nodeRepulsion: () => 400000,
      idealEdgeLength: () => edgeLength, nodeOverlap: 20, componentSpacing: 60, numIter: 1500 });
    // packComponents needs another extension: packParts puts the disconnected parts side by side instead
    return Object.assign(common, { name: 'fcose', quality: 'proof', packComponents: false, tile: true,
      nodeRepulsion: () => 6000, idealEdgeLength: () => edgeLength, edgeElasticity: () => 0.3,
      nodeSeparation: 90, gravity: 0.3, numIter: 3000 });
  }

  /* force: fCoSE (cose without it); rings: breadthfirst in circles around the centre; tree: downwards. */
  function layoutOptions(name, cy, fcose, randomize, edgeLength) {
    const centre = cy.nodes('.centre');
    if (name === 'rings' || name === 'tree') return { name: 'breadthfirst', circle: name === 'rings',
      roots: centre.length ? centre : undefined, directed: false, spacingFactor: name === 'rings' ? 1 : 0.9,
      nodeDimensionsIncludeLabels: true, fit: true, padding: 30, animate: false };
    return forceOptions(fcose, randomize, edgeLength || 90);
  }

  const PART_GAP = 30;

  /* Boxes ({w, h}) placed in rows no wider than ``rowWidth``, in order: their corners and the whole's size. */
  function shelves(boxes, rowWidth) {
    const corners = [];
    let x = 0;
    let y = 0;
    let rowHeight = 0;
    let width = 0;
    for (const box of boxes) {
      if (x > 0 && x + box.w > rowWidth) { x = 0; y += rowHeight + PART_GAP; rowHeight = 0; }
      corners.push({ x, y });
      width = Math.max(width, x + box.w);
      x += box.w + PART_GAP;
      rowHeight = Math.max(rowHeight, box.h);
    }
    return { corners, width, height: y + rowHeight };
  }

  /* Put the disconnected parts of ``eles`` in rows, tallest first, choosing the row width that lets the whole
   * fit the canvas at the largest zoom (a force-directed layout leaves the parts wherever they drift). The
   * boxes include labels, so no two parts overlap. */
  function packParts(cy, eles) {
    const parts = eles.components();
    if (parts.length < 2) return;
    const placed = parts.map((part) => ({ part, box: part.boundingBox({ includeLabels: true }) }))
      .sort((a, b) => b.box.h - a.box.h);
    const boxes = placed.map(({ box }) => box);
    const widest = Math.max(...boxes.map((box) => box.w));
    const total = boxes.reduce((sum, box) => sum + box.w + PART_GAP, 0);
    let best = null;
    for (let step = 0; step <= 20; step += 1) {
      const packing = shelves(boxes, widest + (total - widest) * step / 20);
      const zoom = Math.min(cy.width() / packing.width, cy.height() / packing.height);
      if (!best || zoom > best.zoom) best = Object.assign(packing, { zoom });
    }
    placed.forEach(({ part, box }, i) => {
      const dx = best.corners[i].x - box.x1;
      const dy = best.corners[i].y - box.y1;
      part.nodes().positions((n) => ({ x: n.position('x') + dx, y: n.position('y') + dy }));
    });
  }

  /* Lay out ``eles`` (once the layout extension is in), pack its parts, fit, and note which layout was used. */
  async function runLayout(cy, eles, name, randomize, edgeLength) {
    const fcose = await ensureLayout();
    if (cy.destroyed()) return;
    const options = layoutOptions(name, cy, fcose, randomize, edgeLength);
    const layout = eles.layout(options);
    const stopped = layout.promiseOn('layoutstop');
    layout.run();
    await stopped;
    if (cy.destroyed()) return;
    if (options.name !== 'breadthfirst') packParts(cy, eles);
    fitView(cy);
    const key = cy.scratch('_imrKey');
    if (key) layouts[key] = options.name;
    window.__graphLayout = options.name;
  }

  function nodeData(n) {
    const cls = n.cls === 'other' && n.iri ? clsFromIri(n.iri) : n.cls;
    const kind = kindOf(cls);
    const label = n.label || (n.iri ? readableName(n.iri) : '(blank node)');
    return Object.assign({}, n, { cls, label, short: short(label, LABEL_CHARS), colour: kind.colour,
      shape: kind.shape });
  }

  /* The class of a resource without rdf:type in view (a CONSTRUCT result), from its IRI's pattern. */
  function clsFromIri(iri) {
    const found = IRI_CLASSES.find(([pattern]) => pattern.test(iri));
    return found ? found[1] : 'other';
  }

  /* ---- The neighbourhood explorer (/graph?iri=...) ---- */
  function explorer(root) {
    const cy = create($('graph-canvas'));
    const expanded = new Set();
    const caps = new Map(); // IRI -> {label, shown, total, limit} of each node with more links than drawn
    const firstLimit = Number(root.dataset.limit) || 150;
    const maxLimit = Number(root.dataset.maxLimit) || 500;
    const url = (base, params) => base + '?' + new URLSearchParams(params).toString();
    const status = (text) => { $('graph-status').textContent = text; };

    function applyVisibility() {
      cy.nodes('.span').toggleClass('kind-hidden', !$('graph-show-spans').checked);
      cy.nodes('.literal').toggleClass('kind-hidden', !$('graph-show-values').checked);
    }

    function layout(randomize) {
      const shown = cy.nodes().not('.kind-hidden');
      return runLayout(cy, shown.union(shown.edgesWith(shown)), $('graph-layout').value, randomize);
    }

    function describeCounts() {
      const shown = cy.nodes().not('.kind-hidden').length;
      const hidden = cy.nodes().length - shown;
      status(shown + ' nodes shown' + (hidden ? ', ' + hidden + ' hidden (spans, values)' : ''));
    }

    function refresh(randomize) {
      applyVisibility();
      describeCounts();
      classLegend($('graph-legend'), cy, cy.nodes('.kind-hidden').length
        ? 'Text spans and values are hidden: tick them above to draw them.' : '');
      return layout(randomize);
    }

    /* One line per node with more links than drawn: "X: showing 40 of 212 links — Show more". */
    function renderCaps() {
      const list = $('graph-caps');
      list.textContent = '';
      for (const [iri, cap] of caps) {
        const item = document.createElement('li');
        item.dataset.iri = iri;
        item.append(cap.label + ': showing ' + cap.shown + ' of ' + cap.total + ' links — ');
        if (cap.limit < maxLimit) {
          const button = document.createElement('button');
          button.type = 'button';
          button.className = 'graph-more';
          button.textContent = 'Show more';
          button.addEventListener('click', () => showMore(iri, button));
          item.append(button);
        } else {
          const link = document.createElement('a');
          link.href = url(root.dataset.resourceUrl, { iri });
          link.textContent = 'its page lists them all';
          item.append(link);
        }
        list.append(item);
      }
      list.hidden = caps.size === 0;
    }

    function noteCap(data) {
      if (data.more) caps.set(data.iri, { label: data.label, shown: data.edges.length, total: data.total,
        limit: data.limit });
      else caps.delete(data.iri);
      renderCaps();
    }

    async function fetchLinks(iri, limit) {
      const response = await fetch(url(root.dataset.api, { iri, limit }), { headers: { Accept: 'application/json' } });
      const data = await response.json();
      if (!response.ok) throw new Error(data.error || response.statusText);
      return data;
    }

    function addLinks(data, around) {
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
        const node = cy.getElementById(data.iri);
        if (!node.hasClass('centre')) node.addClass(around ? 'expanded' : 'centre');
      });
    }

    async function expand(iri, around) {
      if (expanded.has(iri)) return;
      expanded.add(iri);
      status('Loading…');
      let data;
      try {
        data = await fetchLinks(iri, firstLimit);
      } catch (error) {
        expanded.delete(iri);
        status('Could not load the links of this node: ' + error.message);
        return;
      }
      addLinks(data, around);
      noteCap(data);
      await refresh(!around);
      const selected = cy.nodes(':selected');
      if (selected.length) showPanel(selected[0]);
    }

    /* Load the node's links again with a larger limit, adding what was left out. */
    async function showMore(iri, button) {
      const cap = caps.get(iri);
      if (!cap) return;
      button.disabled = true;
      status('Loading…');
      try {
        const data = await fetchLinks(iri, Math.min(maxLimit, cap.limit * 2));
        addLinks(data, cy.getElementById(iri));
        noteCap(data);
        await refresh(false);
      } catch (error) {
        button.disabled = false;
        status('Could not load more links: ' + error.message);
      }
    }

    function showPanel(node) {
      const d = node.data();
      $('panel-title').textContent = d.label;
      $('panel-class').textContent = d.cls === 'literal' ? 'Value' + (d.datatype ? ' (' + d.datatype + ')' : '')
        : (d.cls === 'other' && d.types && d.types.length ? d.types.join(', ') : kindOf(d.cls).words);
      $('panel-iri').textContent = d.iri || '';
      [['panel-open', root.dataset.resourceUrl], ['panel-centre', root.dataset.graphUrl]].forEach(([id, base]) => {
        $(id).hidden = !d.iri;
        if (d.iri) $(id).href = url(base, { iri: d.iri });
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
      const notes = [];
      if (!values.length && d.iri && !expanded.has(d.iri)) notes.push('Its values appear once its links are loaded.');
      if (caps.has(d.iri)) notes.push('It has more links than are drawn: “Show more” above the drawing adds them.');
      for (const note of notes) {
        const dd = document.createElement('dd');
        dd.textContent = note;
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
      if (iri) window.location.assign(url(root.dataset.resourceUrl, { iri }));
    });
    $('graph-fit').addEventListener('click', () => fitView(cy));
    $('graph-reset').addEventListener('click', () => {
      cy.elements().remove();
      expanded.clear();
      caps.clear();
      renderCaps();
      start();
    });
    $('graph-layout').addEventListener('change', () => layout(true));
    ['graph-show-spans', 'graph-show-values'].forEach((id) => $(id).addEventListener('change', () => refresh(false)));

    const start = () => expand(root.dataset.iri, null);
    start();
  }

  /* ---- Triples (CONSTRUCT/DESCRIBE results) as a graph ---- */
  function termId(t) { return t.type === 'bnode' ? '_:' + t.value : t.value; }

  /* A literal's node: its text as the label, unless the text is itself a web address. */
  function literalNode(t, index) {
    const label = /^[a-z][\w+.-]*:\/\//i.test(t.value) ? readableName(t.value) : short(t.value, 60);
    return { id: 'literal:' + index, iri: null, label, cls: 'literal', value: t.value };
  }

  /* Turn triples ({s, p, o}, each {type, value, datatype?, lang?}) into Cytoscape elements: labels and
   * rdf:type are folded into their node (label, colour); other literals become small value nodes. A node with
   * no label in the triples takes the one ``known`` from the graph ({iri: {label, cls}}), else a readable name. */
  function elementsOf(triples, compact, known) {
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
      const object = t.o.type === 'literal' ? literalNode(t.o, index) : resource(t.o);
      if (t.o.type === 'literal') nodes.set(object.id, object);
      const id = subject.id + ' ' + t.p.value + ' ' + object.id;
      edges.set(id, { id, source: subject.id, target: object.id, label: compact(t.p.value) });
    });
    const out = [];
    for (const n of nodes.values()) {
      const facts = (n.iri && known[n.iri]) || {};
      if (!n.label && facts.label) n.label = facts.label;
      if (n.cls === 'other' && facts.cls) n.cls = facts.cls;
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

  /* The graph's labels and classes of the resources named in ``triples`` ({} when they cannot be had). */
  async function knownLabels(triples, labelsUrl) {
    const iris = new Set();
    for (const t of triples) {
      if (t.s.type === 'uri') iris.add(t.s.value);
      if (t.o.type === 'uri' && t.p.value !== RDF_TYPE) iris.add(t.o.value);
    }
    if (!iris.size) return {};
    try {
      const response = await fetch(labelsUrl || LABELS_URL, { method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ iris: [...iris].slice(0, MAX_LABEL_IRIS) }) });
      return response.ok ? await response.json() : {};
    } catch (error) {
      return {};
    }
  }

  function clear(container) {
    generations.set(container, (generations.get(container) || 0) + 1);
    if (container.id && instances[container.id]) { instances[container.id].destroy(); delete instances[container.id]; }
    if (container.id) delete layouts[container.id];
    container.textContent = '';
    container.classList.remove('graph-view-active');
  }

  /* Draw triples in ``container``: a bar (caption, Fit), the canvas and its legend. options: prefixes (for
   * link names), known (labels from the graph, as /api/labels gives them), graphUrl (where a double-click goes). */
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
    const legend = document.createElement('ul');
    legend.className = 'graph-legend graph-view-legend';
    legend.setAttribute('aria-label', 'Legend');
    container.append(bar, canvas, legend);
    const cy = create(canvas, null, container.id);
    cy.add(elementsOf(drawn, compactWith(opts.prefixes), opts.known || {}));
    runLayout(cy, cy.elements(), 'force', true, 40);
    classLegend(legend, cy);
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

  /* Fetch a CONSTRUCT/DESCRIBE result as JSON-LD (the workbench's download link, posted), look up the labels
   * of its resources, and draw it. */
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
      const triples = jsonldTriples(await response.json());
      const known = await knownLabels(triples.slice(0, MAX_DRAWN_TRIPLES), (options || {}).labelsUrl);
      if (generations.get(container) !== run) return;
      drawTriples(container, triples, Object.assign({}, options, { known }));
    } catch (error) {
      if (generations.get(container) !== run) return;
      container.textContent = 'The graph could not be drawn: ' + error.message;
    }
  }

  /* ---- The networks (/network) ---- */

  /* The legend of a network: one entry per group drawn (its colour and strongest members), then sizes and lines. */
  function networkLegend(list, cy) {
    const groups = new Map();
    cy.nodes().sort((a, b) => b.data('strength') - a.data('strength')).forEach((n) => {
      const colour = n.data('colour');
      if (!groups.has(colour)) groups.set(colour, { number: Number(n.data('community')), names: [] });
      groups.get(colour).names.push(n.data('short'));
    });
    list.textContent = '';
    const ordered = [...groups.entries()].sort((a, b) => a[1].number - b[1].number);
    for (const [colour, group] of ordered) {
      const shared = colour === PALETTE.grey;
      const names = group.names.slice(0, 3).join(', ') + (group.names.length > 3 ? ', …' : '');
      const text = (shared ? 'Smaller groups: ' : 'Group ' + (group.number + 1) + ': ') + names;
      list.append(legendItem(shapeIcon('ellipse', colour), text, { group: shared ? 'smaller' : String(group.number) }));
    }
    if (list.dataset.size) list.append(legendItem(shapeIcon('ellipse', PALETTE.paper), list.dataset.size, { size: 'size' }));
    list.append(legendItem(lineIcon(false), list.dataset.line || 'Line: seen together', { edge: 'link' }));
  }

  async function network(el) {
    const caption = el.closest('figure').querySelector('.network-selected');
    const legend = el.closest('figure').querySelector('.network-legend');
    const data = await (await fetch(el.dataset.src, { headers: { Accept: 'application/json' } })).json();
    // Nodes never seen together with another have no place in a drawing of links: the tables list them.
    const linked = data.nodes.filter((n) => n.degree > 0);
    const strongest = Math.max(1, ...linked.map((n) => n.strength || 0));
    const heaviest = Math.max(1, ...data.links.map((l) => l.weight || 1));
    const cy = create(el, [
      { selector: 'node', style: { width: 'data(size)', height: 'data(size)', shape: 'ellipse' } },
      { selector: 'edge', style: { width: 'data(width)', 'target-arrow-shape': 'none', label: '' } },
    ]);
    const left = data.nodes.length - linked.length;
    caption.textContent = left ? left + ' not linked to any other are left out of the drawing.' : '';
    cy.add(linked.map((n) => ({ group: 'nodes', data: Object.assign({}, n, {
      id: String(n.id), short: short(shortGuideline(String(n.label)), LABEL_CHARS),
      colour: groupColour(n.community || 0), size: 14 + 30 * Math.sqrt((n.strength || 0) / strongest) }) })));
    cy.add(data.links.map((l, i) => ({ group: 'edges', data: { id: 'link-' + i, source: String(l.source),
      target: String(l.target), weight: l.weight, width: 1 + 6 * ((l.weight || 1) / heaviest) } })));
    if (legend) networkLegend(legend, cy);
    await runLayout(cy, cy.elements(), 'force', true, 80);
    cy.on('tap', 'node', (event) => {
      const d = event.target.data();
      caption.textContent = d.label + ': linked to ' + d.degree + ', strength ' + d.strength + ', group ' +
        (Number(d.community) + 1) + '.';
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
    document.querySelectorAll('.swatch[data-community]').forEach((s) => {
      s.style.backgroundColor = groupColour(s.dataset.community);
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
