// Small DOM and formatting helpers shared by the playground's modules: element creation
// (text only ever as text nodes), number and band formatting, status messages, toasts
// and copying to the clipboard.

export const $ = (id) => document.getElementById(id);

/** A DOM element; strings among `children` become text nodes, never markup. */
export function h(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c != null && c !== false) e.append(c);
  return e;
}

export const fmt = (v) => (typeof v !== 'number' ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(1));
export const signed = (v) => (v > 0 ? '+' : v < 0 ? '−' : '') + fmt(Math.abs(v));

export function bandLabel(result) {
  if (!result) return '–';
  if (result.disqualified) return 'disqualified';
  return result.band ?? 'no band';
}

/** Sets a status line (`sim-message`, `load-message`), red when `bad`. */
export function say(id, text, bad = false) {
  const m = $(id);
  m.textContent = text;
  m.classList.toggle('bad', bad);
}

/** A message in the header that clears itself after a few seconds. */
export function toast(text, bad = false) {
  const t = $('toast');
  t.textContent = text;
  t.className = `toast ${bad ? 'bad' : 'ok'}`;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    t.textContent = '';
  }, 6000);
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = h('textarea', { class: 'visually-hidden', readonly: true });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    ta.remove();
    return ok;
  }
}
