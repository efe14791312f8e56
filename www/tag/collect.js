// What the tag records on its own: page views with their visible dwell (including
// single-page-app navigation), form start / submit / abandon, and traits from form fields
// without keeping personal data. All listeners are passive and capture-phase, and every
// handler runs through the API's guard, so a failure here never reaches the page.

/** A form's name: data-leadscore-form, else its id, else its name, else its action path. */
export function formName(form) {
  const attr = (n) => form.getAttribute(n);
  if (attr('data-leadscore-form')) return attr('data-leadscore-form');
  if (attr('id')) return attr('id');
  if (attr('name')) return attr('name');
  try {
    return new URL(attr('action') || location.href, location.href).pathname;
  } catch {
    return location.pathname;
  }
}

/** The URL as recorded, absolute. The core removes personal data from it (by key and by
 * value, in path, query and fragment: src/privacy) before anything is kept. */
export function cleanUrl(href) {
  try {
    return new URL(href, location.href).href;
  } catch {
    return location.origin + location.pathname;
  }
}

/** Whether the hand-off (handoff.js) fills this form: it matches `data-forms` (by default
 * `form[data-leadscore]`) or, by default, holds an email field. */
export function handsOff(form, o) {
  const selector = o.forms || 'form[data-leadscore]';
  return form instanceof HTMLFormElement && !form.hasAttribute('data-leadscore-ignore') &&
    (form.matches(selector) || (!o.forms && !!form.querySelector('input[type=email], input[name=email]')));
}

const isEmailField = (el) =>
  el.type === 'email' || /^e-?mail$/i.test(el.getAttribute('name') || '') || el.getAttribute('autocomplete') === 'email';

export function collect(api, hooks, options) {
  const now = () => Date.now();
  const visible = () => document.visibilityState === 'visible';
  const marks = hooks.dwellMarks();
  let page = null; // { ts, url, shown, since }
  let timer = 0;
  let started = new Map(); // form element → name, for forms started on this page view
  const sent = {}; // last trait values sent, so a re-typed field does not re-identify

  const dwell = () => page.shown + (page.since != null ? now() - page.since : 0);
  const reading = () => ({ type: 'page_view', ts: page.ts, url: page.url, dwellMs: Math.round(dwell()) });
  const flush = () => { if (page) hooks.updatePageView(reading()); };

  // Re-read the dwell when it crosses a rule's minDwellSeconds, so the score moves while
  // the visitor is still reading, not only when they leave.
  const schedule = () => {
    clearTimeout(timer);
    if (!page || page.since == null) return;
    const d = dwell();
    const next = marks.find((m) => m > d);
    if (next != null) timer = setTimeout(() => { flush(); schedule(); }, next - d + 25);
  };

  const startPage = () => {
    const t = now();
    page = { ts: t, url: cleanUrl(location.href), shown: 0, since: visible() ? t : null };
    hooks.record({ type: 'page_view', ts: t, url: page.url, dwellMs: 0 });
    schedule();
  };

  const abandonForms = () => {
    for (const [form, name] of started) {
      hooks.record({ type: 'form_abandon', ts: now(), url: page ? page.url : cleanUrl(location.href), form: name });
      started.delete(form);
    }
  };

  const leavePage = () => {
    if (!page) return;
    if (page.since != null) { page.shown += now() - page.since; page.since = null; }
    clearTimeout(timer);
    flush();
    abandonForms();
  };

  // Single-page-app navigation: a new page view when the URL (without its hash) changes.
  const navigated = () => {
    const here = cleanUrl(location.href).split('#')[0];
    if (page && page.url.split('#')[0] === here) return;
    leavePage();
    started = new Map();
    startPage();
  };
  for (const method of ['pushState', 'replaceState']) {
    const original = history[method];
    if (typeof original !== 'function') continue;
    history[method] = function (...args) {
      const out = original.apply(this, args);
      try { navigated(); } catch { /* never break navigation */ }
      return out;
    };
  }

  const on = (target, type, fn) => target.addEventListener(type, (e) => { try { fn(e); } catch { /* guarded */ } }, { capture: true, passive: true });
  on(window, 'popstate', navigated);
  on(document, 'visibilitychange', () => {
    if (!page) return;
    if (visible()) {
      if (page.since == null) page.since = now();
      schedule();
    } else {
      if (page.since != null) { page.shown += now() - page.since; page.since = null; }
      clearTimeout(timer);
      flush();
    }
  });
  on(window, 'pagehide', leavePage);
  // Back/forward cache: the page comes back without reloading.
  on(window, 'pageshow', (e) => { if (e.persisted) { started = new Map(); startPage(); } });

  const formOf = (el) => (el && (el.form || (el.closest && el.closest('form')))) || null;
  // A start is the visitor typing: events the page or the hand-off dispatch (untrusted),
  // and hidden fields, which no visitor can type in, are not the visitor.
  on(document, 'input', (e) => {
    if (!e.isTrusted || e.target.type === 'hidden') return;
    const form = formOf(e.target);
    if (!form || started.has(form) || form.hasAttribute('data-leadscore-ignore')) return;
    const name = formName(form);
    started.set(form, name);
    hooks.record({ type: 'form_start', ts: now(), url: cleanUrl(location.href), form: name });
  });
  on(document, 'change', (e) => traitsFrom(e.target));
  on(document, 'submit', (e) => {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || form.hasAttribute('data-leadscore-ignore')) return;
    for (const el of form.elements) traitsFrom(el);
    started.delete(form);
    hooks.record({ type: 'form_submit', ts: now(), url: cleanUrl(location.href), form: formName(form) });
  });

  // Traits: the kind of email typed, and fields marked data-leadscore-trait="name".
  // No field value other than these is read, and the email address is never kept.
  function traitsFrom(el) {
    if (!el || !('value' in el) || !el.value) return;
    const traits = {};
    if (el.tagName === 'INPUT' && isEmailField(el)) {
      const kind = hooks.emailType(el.value);
      if (kind) traits.email_type = kind;
    }
    const trait = el.getAttribute && el.getAttribute('data-leadscore-trait');
    if (trait && trait !== 'email') {
      const n = Number(el.value);
      traits[trait] = el.type === 'number' && el.value.trim() !== '' && Number.isFinite(n) ? n : el.value;
    }
    for (const k of Object.keys(traits)) if (sent[k] === traits[k]) delete traits[k];
    if (!Object.keys(traits).length) return;
    Object.assign(sent, traits);
    hooks.record({ type: 'identify', ts: now(), traits });
  }

  startPage();
  // `flush` re-reads this page's visible dwell now (the debug panel, while open).
  return { formName, flush };
}
