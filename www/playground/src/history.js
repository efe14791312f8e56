// The History view: drop in a CRM outcomes CSV and an events file (or load the bundled
// synthetic sample) and see how the rules would have done: the band table, a lift chart by
// score decile, the ROC curve and converters' vs others' scores, and the live rules next to
// the challenger when rules are pinned. Scored in a web worker by the same wasm core as
// `leadscore backtest`; the files never leave the page. After a run, "Suggest points" asks
// the same worker for `leadscore suggest` (history-suggest.js draws it).
import uPlot from 'uplot';
import { $, h, toast } from './dom.js';
import { app } from './state.js';
import { clearSuggestion, renderSuggestion, target, wireTarget } from './history-suggest.js';

const SAMPLE = { events: '/playground/samples/events.jsonl', outcomes: '/playground/samples/outcomes.csv' };
/** The worker of the last run: busy while `busy`, then it keeps the visitors for Suggest. */
let worker = null;
let busy = false;
/** The inputs of the last run, to run again with the suggestion as challenger. */
let last = null;
/** The suggested rules pinned as the challenger, and the rules they were fitted for. */
let pinned = null;
const charts = [];

const pct = (v) => (v == null ? '–' : `${(v * 100).toFixed(1)}%`);
const num = (v, d = 2) => (v == null ? '–' : v.toFixed(d));

function say(text, bad = false) {
  const m = $('history-message');
  m.textContent = text;
  m.className = `sim-message${bad ? ' bad' : ''}`;
}

function setBusy(on) {
  busy = on;
  for (const id of ['history-run', 'history-sample', 'history-suggest', 'history-unpin-suggestion']) $(id).disabled = on;
  for (const b of document.querySelectorAll('#history-suggestion button')) b.disabled = on;
  $('history-cancel').hidden = !on;
  $('history-progress').hidden = !on;
}

/**
 * The rules to judge: the suggestion pinned as challenger against the rules it was fitted
 * for; else the pinned live rules and the editor's as challenger; else the editor's.
 */
function rulesToJudge() {
  if (pinned) return { rules: pinned.base, challenger: pinned.text };
  const editor = app.current?.text ?? null;
  if (app.live) return { rules: app.live.text, challenger: app.problems.length ? null : editor };
  return { rules: editor, challenger: null };
}

function run(events, outcomes) {
  const { rules, challenger } = rulesToJudge();
  if (!rules) return say('Fix the rules first: there are no valid rules to judge.', true);
  cancel(false);
  worker?.terminate();
  last = { events, outcomes, rules };
  $('history-suggest-row').hidden = true;
  setBusy(true);
  $('history-progress').value = 0;
  say('Reading the files…');
  worker = new Worker(new URL('./history-worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = ({ data }) => {
    if (data.type === 'progress') {
      // Scoring is one call into the core: the bar says "working" rather than a share.
      if (data.stage === 'events') $('history-progress').value = data.share;
      else $('history-progress').removeAttribute('value');
      say(data.stage === 'events' ? `Reading events: ${Math.round(data.share * 100)}%` : 'Scoring every visitor…');
    } else if (data.type === 'done') {
      finish();
      render(data.report, challenger != null);
      $('history-suggest-row').hidden = false;
      last.lines = data.lines;
      const notes = [];
      if (data.skipped) notes.push(`${data.skipped} event lines skipped`);
      if (data.problems.length) notes.push(`${data.problems.length} outcome rows skipped (first: line ${data.problems[0].line}, ${data.problems[0].path}: ${data.problems[0].message})`);
      say(`Done: ${data.lines.toLocaleString('en-US')} event lines in ${(data.spent.total / 1000).toFixed(1)} s.${notes.length ? ` ${notes.join('; ')}.` : ''}`, notes.length > 0);
      // Where the time went, for the bench (tests/bench/history.mjs).
      $('history-message').dataset.spent = JSON.stringify(data.spent);
    } else if (data.type === 'suggestion') {
      finish();
      renderSuggestion(data.suggestion, last.rules, { onTry: tryAsChallenger, onUse: useRules });
      say('Done. The suggestion is below; the rules in the editor are unchanged.');
    } else if (data.type === 'error') {
      finish();
      if (data.during === 'suggest') say(`No suggestion: ${data.message}`, true);
      else { stop(); say(`Could not run the backtest: ${data.message}`, true); }
    }
  };
  worker.onerror = (e) => { stop(); say(`Could not run the backtest: ${e.message}`, true); };
  worker.postMessage({ rules, challenger, events, outcomes });
}

/** Fits points in the worker that holds the last run's visitors. */
function suggest() {
  if (!worker || busy || !last) return say('Run the backtest first: the suggestion is fitted to its visitors.', true);
  setBusy(true);
  $('history-progress').removeAttribute('value');
  // The fit takes a while on large histories: 2 M event lines took about 20 s here (bench).
  const slow = last.lines > 500_000 ? ` ${last.lines.toLocaleString('en-US')} event lines: this takes a while (about 20 s for 2 million); Cancel stops it.` : '';
  say(`Fitting points to the outcomes…${slow}`);
  worker.postMessage({ type: 'suggest', ...target() });
}

function tryAsChallenger(text, version) {
  if (!last) return;
  pinned = { base: last.rules, text, version };
  showPinned();
  run(last.events, last.outcomes);
}

function useRules(text) {
  app.editor.setText(text);
  toast('The editor holds the suggested rules: Ctrl+Z undoes it.');
}

function showPinned() {
  $('history-pinned').hidden = !pinned;
  if (pinned) $('history-pinned').firstElementChild.textContent = `Challenger: the suggested rules (version ${pinned.version}), against the rules they were fitted for. The editor is unchanged.`;
}

/** The work is over: the worker stays, holding the visitors for Suggest. */
function finish() {
  setBusy(false);
}

/** The worker is gone: cancelled, failed or replaced. */
function stop() {
  worker?.terminate();
  worker = null;
  setBusy(false);
  $('history-suggest-row').hidden = true;
}

function cancel(announce = true) {
  if (!worker || !busy) return;
  stop();
  if (announce) say('Cancelled.');
}

function bandTable(report, title) {
  const rows = report.bands.map((b) => h('tr', {},
    h('th', { scope: 'row', text: b.band }), h('td', { text: String(b.visitors) }), h('td', { text: String(b.conversions) }),
    h('td', { text: pct(b.rate) }), h('td', { text: num(b.lift) })));
  return h('table', { class: 'history-bands' },
    h('caption', { text: `${title}: ${report.rulesVersion}. ${report.visitors} visitors, ${report.conversions} converted (${pct(report.baseRate)}), ROC AUC ${num(report.auc, 3)}` }),
    h('thead', {}, h('tr', {}, ...['band', 'visitors', 'conversions', 'rate', 'lift'].map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, ...rows));
}

function plot(parent, title, opts, data) {
  const box = h('figure', { class: 'history-chart' }, h('figcaption', { text: title }));
  parent.append(box);
  const width = Math.max(260, Math.min(420, parent.clientWidth / 3 - 16));
  charts.push(new uPlot({ width, height: 220, legend: { show: true }, ...opts }, data, box));
}

function render(report, compared) {
  for (const c of charts.splice(0)) c.destroy();
  const out = $('history-report');
  out.replaceChildren();
  const live = compared ? report.live : report;
  const challenger = compared ? report.challenger : null;
  out.append(bandTable(live, compared ? 'Live' : 'Rules'));
  if (challenger) {
    out.append(bandTable(challenger, 'Challenger'));
    const n = report.bandChanges.count;
    out.append(h('p', { class: 'history-changes', text: `${n} visitor${n === 1 ? '' : 's'} change band with the challenger.` }));
  }
  const figs = h('div', { class: 'history-charts' });
  out.append(figs);
  const deciles = live.deciles.map((d) => Number(d.decile));
  const liftSeries = [{}, { label: 'live', stroke: '#9333ea', width: 2 }];
  const liftData = [deciles, live.deciles.map((d) => d.lift)];
  if (challenger) { liftSeries.push({ label: 'challenger', stroke: '#1d4ed8', width: 2 }); liftData.push(challenger.deciles.map((d) => d.lift)); }
  plot(figs, 'Lift by score decile (1 = top 10%)', { scales: { x: { time: false } }, series: liftSeries }, liftData);
  const rocSeries = [{}, { label: 'live', stroke: '#9333ea', width: 2 }, { label: 'chance', stroke: '#94a3b8', dash: [4, 4] }];
  // One x axis for both curves: the live curve's points, the challenger's interpolated.
  const xs = live.roc.map((p) => p[0]);
  const rocData = [xs, live.roc.map((p) => p[1]), xs];
  if (challenger) { rocSeries.push({ label: 'challenger', stroke: '#1d4ed8', width: 2 }); rocData.push(xs.map((x) => interpolate(challenger.roc, x))); }
  plot(figs, 'ROC curve (false positives → true positives)', { scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } }, series: rocSeries }, rocData);
  const dist = live.distribution;
  plot(figs, 'Scores of converters and others (live)', {
    scales: { x: { time: false } },
    series: [{}, { label: 'converters', stroke: '#16a34a', width: 2 }, { label: 'others', stroke: '#dc2626', width: 2 }],
  }, [dist.map((b) => b.from), dist.map((b) => b.converters), dist.map((b) => b.others)]);
}

function interpolate(points, x) {
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1];
    const [x1, y1] = points[i];
    if (x <= x1) return x1 === x0 ? y1 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  }
  return 1;
}

export function wireHistory() {
  $('history-toggle').addEventListener('click', () => {
    const section = $('history');
    section.hidden = !section.hidden;
    $('history-toggle').setAttribute('aria-expanded', String(!section.hidden));
    if (!section.hidden) $('history-h').focus();
  });
  $('history-run').addEventListener('click', () => {
    const events = $('history-events').files[0];
    const outcomes = $('history-outcomes').files[0];
    if (!events || !outcomes) return say('Choose an events file (JSON lines) and an outcomes CSV, or load the sample.', true);
    clearSuggestion();
    run(events, outcomes);
  });
  $('history-sample').addEventListener('click', async () => {
    try {
      const [events, outcomes] = await Promise.all([SAMPLE.events, SAMPLE.outcomes].map(async (u) => {
        const res = await fetch(u);
        if (!res.ok) throw new Error(`${u}: HTTP ${res.status}`);
        return res.blob();
      }));
      clearSuggestion();
      run(events, outcomes);
    } catch (e) {
      say(`Could not load the sample: ${e.message}`, true);
    }
  });
  $('history-cancel').addEventListener('click', () => cancel());
  $('history-suggest').addEventListener('click', suggest);
  $('history-unpin-suggestion').addEventListener('click', () => {
    pinned = null;
    showPinned();
    if (last) run(last.events, last.outcomes);
  });
  wireTarget();
}
