/* The case and item pages: tie the facts on the page to their highlighted words in the letter.
 *
 * The server has already cut the letter into <mark> pieces (webapp/textmarks.py). Every piece names the
 * spans covering it in data-spans (a span id is also the id of the fact it is evidence of, in data-facts);
 * every fact on the page names its spans in data-spans. Pointing at a fact (hover or keyboard focus) lights
 * its words and scrolls the letter to them; clicking (or Enter on) words opens a panel listing their facts,
 * whose labels, kinds and links come from the fact index (#fact-index [data-fact]).
 */
(function () {
  'use strict';

  const text = document.getElementById('letter-text');
  const pane = document.getElementById('letter-pane');
  const panel = document.getElementById('fact-panel');
  if (!text || !pane || !panel) return;
  const panelList = document.getElementById('fact-panel-list');
  const panelWords = document.getElementById('fact-panel-words');
  const closeButton = document.getElementById('fact-panel-close');
  const reducedMotion = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;

  function idsOf(element) {
    return (element.getAttribute('data-spans') || '').split(/\s+/).filter(Boolean);
  }

  // span id -> the <mark> pieces covering it
  const marksBySpan = new Map();
  text.querySelectorAll('mark[data-spans]').forEach(function (mark) {
    idsOf(mark).forEach(function (id) {
      if (!marksBySpan.has(id)) marksBySpan.set(id, []);
      marksBySpan.get(id).push(mark);
    });
  });

  // fact id -> {kind, label, href}
  const facts = new Map();
  document.querySelectorAll('#fact-index [data-fact]').forEach(function (item) {
    facts.set(item.getAttribute('data-fact'), {
      kind: item.getAttribute('data-kind') || '',
      label: item.getAttribute('data-label') || '',
      href: item.getAttribute('data-href') || '',
    });
  });

  let lit = [];
  let pointing = null;

  function unlight() {
    lit.forEach(function (mark) { mark.classList.remove('active'); });
    lit = [];
    if (pointing) pointing.classList.remove('pointing');
    pointing = null;
  }

  function light(element, moveWindow) {
    unlight();
    idsOf(element).forEach(function (id) {
      (marksBySpan.get(id) || []).forEach(function (mark) {
        mark.classList.add('active');
        lit.push(mark);
      });
    });
    pointing = element;
    element.classList.add('pointing');
    if (lit.length) reveal(lit[0], moveWindow);
  }

  // Scroll only the letter's own pane, so the fact under the pointer does not move away. When the pane does
  // not scroll (narrow screens), the window moves -- but only for keyboard focus, never for a hover.
  function reveal(mark, moveWindow) {
    const behavior = reducedMotion ? 'auto' : 'smooth';
    if (pane.scrollHeight > pane.clientHeight + 1) {
      const top = mark.getBoundingClientRect().top - pane.getBoundingClientRect().top + pane.scrollTop;
      const visibleTop = pane.scrollTop;
      const visibleBottom = visibleTop + pane.clientHeight;
      if (top < visibleTop + 40 || top > visibleBottom - 40) {
        pane.scrollTo({ top: Math.max(0, top - pane.clientHeight / 3), behavior: behavior });
      }
    } else if (moveWindow) {
      mark.scrollIntoView({ block: 'nearest', behavior: behavior });
    }
  }

  document.querySelectorAll('[data-spans]').forEach(function (element) {
    if (element.tagName === 'MARK') return;
    element.addEventListener('mouseenter', function () { light(element, false); });
    element.addEventListener('mouseleave', function () { if (pointing === element) unlight(); });
    element.addEventListener('focusin', function () { light(element, true); });
    element.addEventListener('focusout', function () { if (pointing === element) unlight(); });
  });

  let selected = null;

  function clearSelection() {
    if (selected) selected.classList.remove('selected');
    document.querySelectorAll('.fact-active').forEach(function (e) { e.classList.remove('fact-active'); });
    selected = null;
  }

  function openPanel(mark) {
    clearSelection();
    selected = mark;
    mark.classList.add('selected');
    panelList.replaceChildren();
    panelWords.textContent = mark.textContent.trim().slice(0, 160);
    const ids = (mark.getAttribute('data-facts') || '').split(/\s+/).filter(Boolean);
    ids.forEach(function (id) {
      const fact = facts.get(id);
      if (!fact) return;
      const entry = document.createElement('li');
      entry.className = 'fact-panel-item';
      entry.setAttribute('data-fact', id);
      const kind = document.createElement('span');
      kind.className = 'fact-kind';
      kind.textContent = fact.kind;
      const link = document.createElement('a');
      link.href = fact.href;
      link.textContent = fact.label;
      entry.append(kind, ' ', link);
      panelList.append(entry);
      document.querySelectorAll('[data-spans]:not(mark)').forEach(function (element) {
        if (idsOf(element).indexOf(id) >= 0) element.classList.add('fact-active');
      });
    });
    panel.hidden = false;
  }

  function closePanel() {
    const mark = selected;
    panel.hidden = true;
    clearSelection();
    if (mark) mark.focus();
  }

  text.addEventListener('click', function (event) {
    const mark = event.target.closest('mark[data-facts]');
    if (mark) openPanel(mark);
  });
  text.addEventListener('keydown', function (event) {
    const mark = event.target.closest('mark[data-facts]');
    if (mark && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      openPanel(mark);
    }
  });
  closeButton.addEventListener('click', closePanel);
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && !panel.hidden) closePanel();
  });
})();
