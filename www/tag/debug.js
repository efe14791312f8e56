// The debug panel (?leadscore_debug=1): the live score, band, action, category totals and
// the explanation, updated on every change. Loaded only when asked for; text from the
// rules file is set as text, never as HTML.

export function panel(api) {
  const box = document.createElement('aside');
  box.id = 'leadscore-debug';
  box.setAttribute('role', 'status');
  box.setAttribute('aria-live', 'polite');
  box.style.cssText =
    'position:fixed;right:12px;bottom:12px;z-index:2147483647;width:320px;max-height:70vh;overflow:auto;' +
    'font:12px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace;background:#0f172a;color:#e2e8f0;' +
    'border-radius:8px;box-shadow:0 8px 24px rgba(0,0,0,.35);padding:10px 12px';
  const el = (tag, text, css) => {
    const e = document.createElement(tag);
    if (text != null) e.textContent = String(text);
    if (css) e.style.cssText = css;
    return e;
  };
  const fmt = (n) => (Math.round(n * 100) / 100).toString();

  const render = (r) => {
    box.replaceChildren();
    box.append(el('div', 'leadscore debug', 'font-weight:bold;color:#93c5fd;margin-bottom:4px'));
    if (!r) {
      box.append(el('div', 'not running (see the console)'));
      return;
    }
    const score = el('div', null, 'font-size:20px;margin:2px 0');
    score.append(el('span', fmt(r.score), ''), el('span', ` ${r.band ?? '(no band)'}`, 'font-size:13px;color:#fbbf24'));
    score.dataset.score = String(r.score);
    box.append(score);
    box.querySelector('span').className = 'ls-score';
    score.lastChild.className = 'ls-band';
    if (r.action) box.append(el('div', `action: ${r.action}`, 'color:#f472b6')).className = 'ls-action';
    if (r.disqualified) box.append(el('div', 'disqualified', 'color:#f87171'));
    const cats = el('div', null, 'margin:6px 0;color:#cbd5e1');
    for (const [name, v] of Object.entries(r.categories)) cats.append(el('div', `${name}: ${fmt(v)}`));
    box.append(cats);
    const list = el('ol', null, 'margin:0;padding-left:18px');
    list.className = 'ls-explain';
    for (const x of r.explain) {
      const li = el('li', `${x.rule} ×${x.count} → ${fmt(x.points)} (${x.category})`);
      li.dataset.rule = x.rule;
      list.append(li);
    }
    if (!r.explain.length) list.append(el('li', 'no rule has scored yet', 'list-style:none;margin-left:-18px;color:#94a3b8'));
    box.append(list, el('div', `rules ${r.rulesVersion} · ${api.persisting ? 'stored' : 'memory only'}`, 'margin-top:6px;color:#64748b'));
  };

  const mount = () => { document.body.append(box); render(api.result()); };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount, { once: true });
  api.on('change', render);
}
