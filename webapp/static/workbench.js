/* The SPARQL workbench: the editor, running queries, the examples, the query in the URL and "Copy link".
 *
 * Plain ES2017, no build step. Uses CodeMirror 5 when it is installed (webapp/node_modules, served under
 * /vendor/); without it the plain <textarea> of the page is the editor. Results are drawn by results.js.
 */
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const root = $('workbench');
  if (!root) return;
  const results = window.KGResults;
  const endpoint = root.dataset.endpoint;
  const maxRows = Number(root.dataset.maxRows) || 0;
  results.init({
    pageSize: Number(root.dataset.pageSize) || 100,
    resourceUrl: root.dataset.resourceUrl,
  });

  /* ---- The editor ---- */
  const textarea = $('query-text');
  let editor = null;
  if (window.CodeMirror) {
    editor = window.CodeMirror.fromTextArea(textarea, {
      mode: 'sparql',
      lineNumbers: true,
      matchBrackets: true,
      indentUnit: 2,
      gutters: ['CodeMirror-linenumbers', 'error-gutter'],
      extraKeys: { 'Ctrl-Enter': () => run(), 'Cmd-Enter': () => run() },
    });
    editor.on('change', () => clearErrorMark());
  } else {
    textarea.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
    });
  }
  const getQuery = () => (editor ? editor.getValue() : textarea.value);
  const setQuery = (text) => { if (editor) editor.setValue(text); else textarea.value = text; };

  /* ---- Prefixes: the project's (from the server) plus those the query declares ---- */
  let projectPrefixes = {};
  const prefixesLoaded = fetch(root.dataset.prefixesUrl, { headers: { Accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : {}))
    .then((p) => { projectPrefixes = p; })
    .catch(() => {}); // IRIs are then shown in full: no reason to stop the page

  function prefixesOf(query) {
    const found = Object.assign({}, projectPrefixes);
    const declaration = /PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>\s]*)>/gi;
    let m;
    while ((m = declaration.exec(query)) !== null) found[m[1] || ''] = m[2];
    return found;
  }

  /* SELECT, ASK, CONSTRUCT or DESCRIBE: the first such keyword once IRIs, strings and comments are gone. */
  function queryForm(query) {
    const bare = query
      .replace(/<[^>\s]*>/g, ' ')
      .replace(/"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, ' ')
      .replace(/#.*$/gm, ' ');
    const m = /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(bare);
    return m ? m[1].toUpperCase() : 'SELECT';
  }

  function downloadLink(query, format, label, filename) {
    return { href: endpoint + '?' + new URLSearchParams({ query: query, format: format }).toString(), label, filename };
  }

  /* The server's error: {message} in words (the JSON {"error"} body, else its text), with {line, column, token}
   * when it says where the query is not valid SPARQL. */
  async function serverError(response) {
    const type = response.headers.get('Content-Type') || '';
    const body = await response.text();
    let message = '';
    let data = null;
    if (type.includes('json')) {
      try { data = JSON.parse(body); if (data && data.error) message = String(data.error); } catch (e) { /* not JSON after all */ }
    }
    if (!message && type.includes('html')) { // an HTML error page: keep its words only
      message = new DOMParser().parseFromString(body, 'text/html').body.textContent.trim().replace(/\s+/g, ' ');
    }
    if (!message && body.trim() && body.length < 2000) message = body.trim();
    if (!message) message = 'The server answered ' + response.status + ' ' + response.statusText + '.';
    const place = /\bLine (\d+), column (\d+):/.exec(message);
    const line = data && Number.isInteger(data.line) ? data.line : (place ? Number(place[1]) : 0);
    const column = data && Number.isInteger(data.column) ? data.column : (place ? Number(place[2]) : 0);
    return { message, line, column, token: data && typeof data.token === 'string' ? data.token : '' };
  }

  /* ---- Where the query is not valid: the token marked, a marker in the gutter, the line scrolled into view ---- */
  let errorMarks = []; // CodeMirror text marks and bookmarks
  let errorLine = null; // the line handle carrying the error background

  function clearErrorMark() {
    if (!editor) return;
    errorMarks.forEach((mark) => mark.clear());
    errorMarks = [];
    editor.clearGutter('error-gutter');
    if (errorLine) editor.removeLineClass(errorLine, 'background', 'cm-error-line');
    errorLine = null;
  }

  /* The server counts columns in characters; the editor in UTF-16 code units. */
  function editorColumn(lineText, column) {
    return Array.from(lineText).slice(0, Math.max(0, column - 1)).join('').length;
  }

  function markError(problem) {
    if (!problem.line) return;
    if (!editor) { // the plain text box: select the token
      const lines = textarea.value.split('\n');
      const index = Math.min(problem.line, lines.length) - 1;
      let offset = 0;
      for (let i = 0; i < index; i += 1) offset += lines[i].length + 1;
      offset += editorColumn(lines[index], problem.column);
      textarea.focus();
      textarea.setSelectionRange(offset, offset + Math.max(1, problem.token.length));
      return;
    }
    clearErrorMark();
    const line = Math.min(problem.line, editor.lineCount()) - 1;
    const lineText = editor.getLine(line);
    const ch = Math.min(editorColumn(lineText, problem.column), lineText.length);
    const end = Math.min(ch + problem.token.length, lineText.length);
    if (end > ch) {
      errorMarks.push(editor.markText({ line, ch }, { line, ch: end }, { className: 'cm-syntax-error', title: problem.message }));
    } else { // the end of the query, or an empty line: a caret where the query stops
      const caret = document.createElement('span');
      caret.className = 'cm-error-caret';
      caret.title = problem.message;
      errorMarks.push(editor.setBookmark({ line, ch }, { widget: caret }));
    }
    const marker = document.createElement('span');
    marker.className = 'error-marker';
    marker.textContent = '●';
    marker.title = problem.message;
    editor.setGutterMarker(line, 'error-gutter', marker);
    errorLine = editor.addLineClass(line, 'background', 'cm-error-line');
    editor.setCursor({ line, ch });
    editor.scrollIntoView({ line, ch }, 60);
  }

  /* ---- Running a query ---- */
  let running = null; // the AbortController of the run in flight: a new run stops the old one
  const status = (text) => { $('status').textContent = text; };

  async function run() {
    const query = getQuery();
    if (!query.trim()) { results.showError('Write a query first.'); return; }
    clearErrorMark();
    if (editor) editor.save();
    history.replaceState(null, '', '/query?' + new URLSearchParams({ query: query }).toString());
    if (running) running.abort();
    const controller = new AbortController();
    running = controller;
    const graph = ['CONSTRUCT', 'DESCRIBE'].includes(queryForm(query));
    const format = graph ? 'turtle' : 'json';
    // Accept prefers JSON so that errors come back as {"error": "..."}; `format` picks the result format.
    const accept = graph ? 'application/json, text/turtle;q=0.9' : 'application/json, application/sparql-results+json;q=0.9';
    $('run-button').disabled = true;
    status('Running…');
    const started = performance.now();
    try {
      await prefixesLoaded;
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { Accept: accept },
        body: new URLSearchParams({ query: query, format: format }),
        signal: controller.signal,
      });
      if (!response.ok) {
        const problem = await serverError(response);
        results.showError(problem.message);
        if (problem.line) {
          markError(problem);
          status('The query is not valid SPARQL: see line ' + problem.line + ', column ' + problem.column + '.');
        } else {
          status('The query failed (HTTP ' + response.status + ').');
        }
        return;
      }
      const truncatedHeader = response.headers.get('X-SPARQL-Truncated') === 'true';
      results.setPrefixes(prefixesOf(query));
      if (graph) {
        const text = await response.text();
        results.renderGraph(text, performance.now() - started, truncatedHeader, maxRows, [
          downloadLink(query, 'turtle', 'Turtle', 'results.ttl'),
          downloadLink(query, 'jsonld', 'JSON-LD', 'results.jsonld'),
        ]);
      } else {
        const data = await response.json();
        results.renderJson(data, performance.now() - started, data.truncated === true || truncatedHeader, [
          downloadLink(query, 'csv', 'CSV', 'results.csv'),
          downloadLink(query, 'json', 'JSON', 'results.json'),
        ]);
      }
      status('');
    } catch (error) {
      if (error.name === 'AbortError') return; // replaced by a newer run
      const offline = error instanceof TypeError; // what fetch throws when the server cannot be reached
      results.showError(offline
        ? 'Could not reach the server (network error): is it still running? ' + error.message
        : 'Could not read the server’s answer: ' + error.message);
      status('');
    } finally {
      if (running === controller) { running = null; $('run-button').disabled = false; }
    }
  }

  $('query-form').addEventListener('submit', (event) => { event.preventDefault(); run(); });

  /* ---- Examples: one click loads an example into the editor and runs it ---- */
  function loadExample(name) {
    const source = $('example-sparql-' + name);
    if (!source) return false;
    setQuery(source.textContent);
    document.querySelectorAll('.example.selected').forEach((li) => li.classList.remove('selected'));
    source.closest('.example').classList.add('selected');
    return true;
  }

  $('examples').addEventListener('click', (event) => {
    const button = event.target.closest('button.example-load');
    if (button && loadExample(button.dataset.example)) {
      run();
      $('results-heading').scrollIntoView({ block: 'nearest' });
    }
  });

  /* ---- Copy link: the clipboard when allowed, else a selected text box to copy from ---- */
  $('copy-link').addEventListener('click', async () => {
    const url = location.origin + '/query?' + new URLSearchParams({ query: getQuery() }).toString();
    const box = $('link-box');
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(url);
      box.hidden = true;
      status('The link to this query is copied.');
    } catch (e) {
      box.value = url;
      box.hidden = false;
      box.focus();
      box.select();
      status('Copy the selected link (Ctrl+C).');
    }
  });

  /* ---- A query in the URL: the server put it in the editor; run it (?example=NAME is the same) ---- */
  const params = new URLSearchParams(location.search);
  if (params.has('example') && !params.get('query')) loadExample(params.get('example'));
  if (root.dataset.autorun === 'true') run();
})();
