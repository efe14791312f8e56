// The debug panel (?leadscore_debug=1): a chip in the bottom-left corner with the live score
// and band that opens into the panel: action, category totals, the explanation, and the
// rules that have not scored yet with the reason the core gives (`Tracker.whyNot`, so the
// panel never re-implements a condition). Open or closed is remembered. Loaded only when
// asked for; text from the rules file is set as text, never as HTML.

const OPEN_KEY = 'leadscore:debug:open';
const TICK_MS = 1000;

/** `api`: the public API; `debug` from api.js: `whyNot()` → the numbers of `Tracker.whyNot`,
 * `rules` → [[id, category]…] they index, `flush()` re-reads this page's dwell. */
export function panel(api, debug = {}) {
  const box = document.createElement('aside');
  box.id = 'leadscore-debug';
  box.setAttribute('aria-label', 'leadscore debug');
  box.style.cssText =
    'position:fixed;left:12px;bottom:12px;z-index:2147483647;max-width:340px;max-height:70vh;overflow:auto;' +
    'font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace;background:#0f172a;color:#e2e8f0;' +
    'border-radius:8px;box-shadow:0 8px 24px rgba(0,0,0,.35)';
  const el = (tag, text, css, cls) => {
    const e = document.createElement(tag);
    if (text != null) e.textContent = String(text);
    if (css) e.style.cssText = css;
    if (cls) e.className = cls;
    return e;
  };
  const fmt = (n) => (Math.round(n * 100) / 100).toString();
  const secs = (ms) => `${Math.floor(ms / 1000)} s`;

  let open = readOpen();
  let last = null;
  let timer = 0;

  const chip = (r) => {
    const b = el('button', null, 'all:unset;cursor:pointer;display:block;padding:6px 10px;color:#e2e8f0', 'ls-toggle');
    b.type = 'button';
    b.setAttribute('aria-expanded', String(open));
    b.title = open ? 'collapse the leadscore panel' : 'open the leadscore panel';
    b.append(el('span', 'leadscore ', 'color:#93c5fd;font-weight:bold'));
    if (r) {
      b.append(el('span', fmt(r.score), 'font-weight:bold', 'ls-score'), el('span', ` ${r.band ?? '(no band)'}`, 'color:#fbbf24', 'ls-band'));
    } else {
      b.append(el('span', 'not running', null, 'ls-score'));
    }
    b.append(el('span', open ? ' ▾' : ' ▸', 'color:#64748b'));
    b.addEventListener('click', () => { open = !open; writeOpen(open); render(api.result()); tick(); });
    return b;
  };

  const reason = (w) => {
    switch (w.code) {
      case 0: return 'no matching event yet';
      case 1: return `visible ${secs(w.a)} of ${secs(w.b)}`;
      case 2: return 'matched, but outside its window or span';
      case 3: return `sequence: ${w.a} of ${w.b} steps`;
      case 4: return 'traits do not match';
      default: return '';
    }
  };

  const details = (r) => {
    const body = el('div', null, 'padding:0 10px 8px', 'ls-body');
    if (r.action) body.append(el('div', `action: ${r.action}`, 'color:#f472b6', 'ls-action'));
    if (r.disqualified) body.append(el('div', 'disqualified', 'color:#f87171', 'ls-disqualified'));
    const cats = el('div', null, 'margin:6px 0;color:#cbd5e1', 'ls-categories');
    for (const [name, v] of Object.entries(r.categories)) cats.append(el('div', `${name}: ${fmt(v)}`));
    const list = el('ol', null, 'margin:0;padding-left:18px', 'ls-explain');
    for (const x of r.explain) {
      const li = el('li', `${x.rule} ×${x.count} → ${fmt(x.points)} (${x.category})`);
      li.dataset.rule = x.rule;
      list.append(li);
    }
    if (!r.explain.length) list.append(el('li', 'no rule has scored yet', 'list-style:none;margin-left:-18px;color:#94a3b8'));
    body.append(cats, list);
    const pending = whyNot();
    if (pending.length) {
      body.append(el('div', 'not yet', 'margin-top:6px;color:#93c5fd'));
      const ul = el('ul', null, 'margin:0;padding-left:18px;color:#94a3b8', 'ls-pending');
      // Near misses first: a dwell under way, a sequence begun.
      const rank = (w) => (w.code === 1 || w.code === 3 ? 0 : 1);
      for (const w of [...pending].sort((p, q) => rank(p) - rank(q))) {
        const li = el('li', `${w.rule}: ${reason(w)}`);
        li.dataset.rule = w.rule;
        li.dataset.code = String(w.code);
        ul.append(li);
      }
      body.append(ul);
    }
    body.append(el('div', `rules ${r.rulesVersion} · ${api.persisting ? 'stored' : 'memory only'}`, 'margin-top:6px;color:#64748b'));
    return body;
  };

  // (rule index, code, a, b) per rule that has not scored; codes in src/tag/tracker.rs.
  function whyNot() {
    const n = safe(() => debug.whyNot(), []);
    const out = [];
    for (let i = 0; i + 3 < n.length; i += 4) out.push({ rule: debug.rules[n[i]][0], code: n[i + 1], a: n[i + 2], b: n[i + 3] });
    return out;
  }

  function render(r) {
    last = r;
    box.replaceChildren(chip(r));
    box.dataset.open = String(open);
    if (open && r) box.append(details(r));
  }

  // While open, the visible dwell of this page is read every second, so "visible 6 s of
  // 10 s" counts up; closed, the panel costs nothing.
  function tick() {
    clearTimeout(timer);
    if (!open) return;
    timer = setTimeout(() => {
      safe(() => debug.flush && debug.flush());
      render(api.result());
      tick();
    }, TICK_MS);
  }

  const mount = () => { document.body.append(box); render(api.result()); tick(); };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount, { once: true });
  api.on('change', (r) => { if (r !== last) render(r); });
}

function safe(fn, fallback) {
  try { return fn() ?? fallback; } catch { return fallback; }
}
function readOpen() {
  try { return localStorage.getItem(OPEN_KEY) === '1'; } catch { return false; }
}
function writeOpen(v) {
  try { localStorage.setItem(OPEN_KEY, v ? '1' : '0'); } catch { /* not remembered */ }
}
