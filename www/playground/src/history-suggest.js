// The History view's suggestion: the points and band minimums `leadscore suggest` fits to
// the outcomes (the same core, in the History worker), shown as a diff against the rules
// they were fitted for: per rule the points old → new, the rules with no signal named, the
// band minimums, and the held-out ROC AUC of current vs suggested points; then the rules
// file's changed lines. Two actions: try the suggestion as the challenger (the editor is
// left alone), or put it in the editor (one undoable edit).
import { $, h } from './dom.js';

const auc = (v) => (v == null ? '–' : v.toFixed(3));
const pts = (v) => String(v);

/** What the page asks the worker for: the top band's target, as the command's options. */
export function target() {
  const kind = $('history-target').value;
  const v = Number($('history-target-value').value);
  const given = $('history-target-value').value !== '' && Number.isFinite(v) && v >= 0;
  if (kind === 'leads' && given) return { leadsPerMonth: v };
  if (kind === 'precision' && given && v <= 1) return { precision: v };
  return {};
}

export function wireTarget() {
  $('history-target').addEventListener('change', () => {
    const kind = $('history-target').value;
    $('history-target-value').hidden = kind === 'keep';
    $('history-target-value').placeholder = kind === 'leads' ? 'leads a month' : 'e.g. 0.6';
  });
}

function pointsTable(s) {
  const noSignal = new Set(s.noSignal);
  const noData = new Set(s.noData);
  const rows = s.points.map((p) => {
    const changed = p.current !== p.suggested;
    const note = noSignal.has(p.rule) ? 'no signal: suggested 0'
      : noData.has(p.rule) ? 'never fired among the earlier visitors: kept'
        : changed ? (p.suggested > p.current ? 'worth more' : 'worth less') : 'same';
    return h('tr', { class: changed ? 'changed' : null, 'data-rule': p.rule },
      h('th', { scope: 'row', text: p.rule }), h('td', { text: pts(p.current) }),
      h('td', { class: 'new', text: changed ? `→ ${pts(p.suggested)}` : '' }), h('td', { class: 'note', text: note }));
  });
  return h('table', { class: 'history-diff history-points' },
    h('caption', { text: 'Points per rule' }),
    h('thead', {}, h('tr', {}, ...['rule', 'points', 'suggested', ''].map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, ...rows));
}

function thresholdsTable(s) {
  const rows = s.thresholds.map((t) => h('tr', { class: t.current !== t.suggested ? 'changed' : null },
    h('th', { scope: 'row', text: t.band }), h('td', { text: pts(t.current) }),
    h('td', { class: 'new', text: t.current !== t.suggested ? `→ ${pts(t.suggested)}` : 'same' })));
  return h('table', { class: 'history-diff history-thresholds' },
    h('caption', { text: 'Band minimums' }),
    h('thead', {}, h('tr', {}, ...['band', 'min', 'suggested'].map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, ...rows));
}

/** The changed lines of the rules file: the suggestion edits numbers in place, line for line. */
function rulesDiff(before, after) {
  const a = before.split('\n');
  const b = after.split('\n');
  const out = h('pre', { class: 'history-rules-diff' });
  let n = 0;
  const len = Math.max(a.length, b.length);
  for (let i = 0; i < len; i++) {
    if (a[i] === b[i]) continue;
    n++;
    if (a[i] != null) out.append(h('span', { class: 'del', text: `${i + 1} - ${a[i]}` }));
    if (b[i] != null) out.append(h('span', { class: 'add', text: `${i + 1} + ${b[i]}` }));
  }
  return h('details', {}, h('summary', { text: `The rules file: ${n} changed line${n === 1 ? '' : 's'}` }), out);
}

/** Draws the suggestion for the rules `base` into #history-suggestion. */
export function renderSuggestion(s, base, { onTry, onUse }) {
  const version = (() => {
    try { return JSON.parse(s.rules).version; } catch { return 'suggested'; }
  })();
  const changed = s.points.filter((p) => p.current !== p.suggested).length;
  $('history-suggestion').replaceChildren(
    h('h3', { text: `Suggested points: ${changed} rule${changed === 1 ? '' : 's'} change` }),
    h('p', { class: 'history-auc', text: `Held-out ROC AUC (the ${s.holdout} visitors who arrived last): current ${auc(s.aucCurrent)} → suggested ${auc(s.aucSuggested)}. Fitted on the first ${s.train}.` }),
    s.noSignal.length ? h('p', { class: 'history-no-signal', text: `No signal (suggested 0): ${s.noSignal.join(', ')}.` }) : null,
    h('div', { class: 'tables' }, pointsTable(s), thresholdsTable(s)),
    rulesDiff(base, s.rules),
    h('p', { class: 'row' },
      h('button', { type: 'button', id: 'history-try', onclick: () => onTry(s.rules, version) }, 'Try as challenger'),
      h('button', { type: 'button', id: 'history-use', title: 'Replace the editor’s rules with these (Ctrl+Z undoes it)', onclick: () => onUse(s.rules) }, 'Use these rules')));
}

export function clearSuggestion() {
  $('history-suggestion').replaceChildren();
}
