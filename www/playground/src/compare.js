// Compare: "Pin as live" keeps the current rules as the live ones and the editor holds
// the challenger; every sample and loaded journey (and the simulated one) is scored by
// both, each at its own "now", and rows whose band changes are highlighted.
import { $, h, fmt, signed, bandLabel, toast } from './dom.js';
import { app, S, eventsText, scoreJourney, schedule, setJourney, setLive } from './state.js';
import { bandRank } from './results.js';
import * as J from './journey.js';

/** The simulator's journey (unless it is an unedited sample or loaded one), the samples, the loaded journeys. */
function allJourneys() {
  const rows = [
    ...J.SAMPLES.map((s) => ({ key: s.id, name: s.name, journey: s })),
    ...S.loaded.map((l, i) => ({ key: `loaded-${i}`, name: l.name, journey: l })),
  ];
  const from = S.journey.from;
  const same = rows.find((r) => r.key === from);
  if (same) same.current = true;
  else rows.unshift({ key: 'current', name: `This visitor: ${S.journey.name}`, journey: S.journey, current: true });
  return rows;
}

export function renderCompare() {
  const { current, live, problems } = app;
  const table = $('compare');
  const head = table.tHead;
  const body = table.tBodies[0];
  head.replaceChildren();
  body.replaceChildren();
  // While the editor's rules have problems there is no challenger: the last rules that
  // were valid may be a half-typed state (a "3" on the way to "3.5"), and a comparison
  // must never show numbers from rules nobody wrote.
  const invalid = problems.length > 0;
  if (live) {
    $('compare-hint').textContent = invalid
      ? `Live: version ${live.scorer.version}. The challenger rules in the editor have ${problems.length} problem${problems.length > 1 ? 's' : ''}: fix them to compare.`
      : `Live: version ${live.scorer.version}. Challenger: the rules in the editor. Rows whose band changes are highlighted.`;
    head.append(h('tr', {}, h('th', { scope: 'col' }, 'Journey'), h('th', { scope: 'col' }, 'Live'), h('th', { scope: 'col' }, 'Challenger'), h('th', { scope: 'col' }, 'Change'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Open'))));
  } else {
    $('compare-hint').textContent = 'Pin the current rules as live, then edit them: every journey shows both scores, and the journeys whose band changes are highlighted.';
    head.append(h('tr', {}, h('th', { scope: 'col' }, 'Journey'), h('th', { scope: 'col' }, 'Score'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Open'))));
  }
  let changed = 0;
  for (const row of allJourneys()) {
    const text = eventsText(row.journey.events);
    const c = invalid ? null : scoreJourney(current, row.journey, row.journey.now, text)?.result;
    const cell = (r, cc) => h('td', {}, r ? h('span', {}, h('span', { class: 'n' }, fmt(r.score)), ' ', h('span', { class: 'band small', 'data-rank': bandRank(cc, r) }, bandLabel(r)))
      : invalid && cc === current ? h('span', { class: 'invalid' }, 'rules invalid') : '–');
    const open = row.current ? h('td', { class: 'here' }, 'in the simulator') : h('td', {}, h('button', {
      type: 'button', class: 'link', 'aria-label': `Open ${row.name} in the simulator`,
      onclick: () => {
        setJourney(structuredClone({ name: row.name, events: row.journey.events, now: row.journey.now }), { from: row.key });
        $('journey-h').focus();
      },
    }, 'Open'));
    if (live) {
      const l = scoreJourney(live, row.journey, row.journey.now, text)?.result;
      const bandChanged = !!(l && c && bandLabel(l) !== bandLabel(c));
      if (bandChanged) changed++;
      const delta = l && c ? c.score - l.score : null;
      body.append(h('tr', { class: [bandChanged && 'changed', row.current && 'current'].filter(Boolean).join(' ') || null, 'data-journey': row.key },
        h('th', { scope: 'row' }, row.name),
        cell(l, live), cell(c, current),
        h('td', {}, bandChanged ? h('strong', {}, `band: ${bandLabel(l)} → ${bandLabel(c)}`) : delta == null ? '' : Math.abs(delta) < 0.05 ? 'same' : signed(delta)),
        open));
    } else {
      body.append(h('tr', { class: row.current ? 'current' : null, 'data-journey': row.key }, h('th', { scope: 'row' }, row.name), cell(c, current), open));
    }
  }
  if (live && !invalid) $('compare-hint').append(` ${changed} journey${changed === 1 ? '' : 's'} change${changed === 1 ? 's' : ''} band.`);
}

/** The header's Pin as live, Unpin and Revert to live buttons. */
export function wireCompare() {
  $('pin').addEventListener('click', () => {
    if (app.problems.length) return toast('Fix the problems before pinning these rules as live.', true);
    setLive(S.rules);
    toast(`Pinned version ${app.live.scorer.version} as live: edit the challenger.`);
    schedule();
  });
  $('unpin').addEventListener('click', () => {
    setLive(null);
    schedule();
  });
  $('revert').addEventListener('click', () => {
    if (S.live != null) app.editor.setText(S.live);
  });
}
