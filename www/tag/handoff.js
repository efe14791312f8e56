// Hand-off: the live score goes where people and systems act on it, before the lead
// reaches the CRM. Hidden fields in marked forms (plain HTML, HubSpot, Marketo), visitor
// attributes in chat widgets, a HubSpot custom behavioral event on band changes, a GTM
// dataLayer event (each switched on by config), and the payload a server can verify with
// `leadscore verify`. Vendors are reached only through their documented public APIs; one
// that is not on the page is waited for briefly and otherwise skipped, never an error.
// Its own file, loaded by the API only on pages that need it (see `needsHandoff` there).
import { handsOff } from './collect.js';

const WAIT_MS = 10_000;
const DEBOUNCE_MS = 250;
// Intercom throttles `update` after 20 calls per 30 minutes on a page: at most one per 90 s.
const INTERCOM_GAP_MS = 90_000;

/** base64url of a string's UTF-8 bytes, chunked so large payloads do not overflow. */
export function base64url(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The fields a form receives for a result: name → value. */
export function fieldValues(r, payload, names) {
  if (!r) return {};
  const out = {
    [names.score]: String(Math.round(r.score)),
    [names.band]: r.band ?? '',
    [names.reasons]: [...r.explain]
      .filter((x) => x.points > 0)
      .sort((a, b) => b.points - a.points)
      .slice(0, 3)
      .map((x) => `${x.rule} (+${Math.round(x.points)})`)
      .join(', '),
    [names.rules_version]: r.rulesVersion,
    [names.payload]: payload,
  };
  for (const [cat, v] of Object.entries(r.categories)) out[names.prefix + cat] = String(Math.round(v));
  if (names.action) out[names.action] = r.action ?? '';
  return out;
}

export function handoff(api, hooks, o) {
  const prefix = o.fieldPrefix || 'leadscore_';
  const names = {
    prefix,
    score: `${prefix}score`,
    band: `${prefix}band`,
    action: `${prefix}action`,
    reasons: `${prefix}reasons`,
    rules_version: `${prefix}rules_version`,
    payload: `${prefix}payload`,
    ...(o.fieldNames || {}),
  };
  const values = () => fieldValues(api.result(), base64url(hooks.payloadText()), names);

  // A form takes part when it matches the selector or, by default, holds an email field.
  const wanted = (form) => handsOff(form, o);

  const fill = (form, vals = values()) => {
    for (const [name, value] of Object.entries(vals)) {
      // The payload (often kilobytes) rides only on POST forms: in a GET form's URL it
      // would break servers' URL limits.
      if (name === names.payload && form.method !== 'post') continue;
      // Update fields of that name (a HubSpot or hand-written hidden field), or add one.
      const existing = [...form.elements].filter((el) => el.name === name);
      if (existing.length === 0) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        input.setAttribute('data-leadscore-field', '');
        form.appendChild(input);
      }
      for (const el of existing) {
        if (el.value !== value) {
          el.value = value;
          // Form tools (HubSpot's React forms) only see values announced by events; a
          // field the tag added itself belongs to no tool and needs none.
          if (el.hasAttribute('data-leadscore-field')) continue;
          el.dispatchEvent(new Event('input', { bubbles: true }));
          el.dispatchEvent(new Event('change', { bubbles: true }));
        }
      }
    }
  };
  // Runs on every change: build the values (and the payload) only when a form wants them.
  const fillAll = () => {
    const forms = [...document.forms].filter(wanted);
    if (!forms.length) return;
    const vals = values();
    for (const form of forms) fill(form, vals);
  };

  // As of the click: capture phase, before the page's own submit handlers and the post.
  document.addEventListener('submit', (e) => {
    try {
      const form = e.target;
      if (!wanted(form)) return;
      fill(form);
      if (o.beacon && navigator.sendBeacon) {
        navigator.sendBeacon(o.beacon, new Blob([hooks.payloadText()], { type: 'application/json' }));
      }
    } catch { /* never block a submit */ }
  }, true);

  // Forms added later (single-page apps, embedded form tools).
  if (typeof MutationObserver === 'function') {
    new MutationObserver((records) => {
      try {
        if (records.some((r) => [...r.addedNodes].some((n) => n.nodeType === 1 && (n.tagName === 'FORM' || n.querySelector?.('form'))))) fillAll();
      } catch { /* guarded */ }
    }).observe(document.documentElement, { childList: true, subtree: true });
  }

  // HubSpot embedded forms: new forms announce readiness with a window event, legacy ones
  // with a postMessage callback. Fill the hidden fields the form defines.
  const hubspotReady = () => setTimeout(() => { try { fillAll(); } catch { /* guarded */ } }, 0);
  window.addEventListener('hs-form-event:on-ready', hubspotReady);
  window.addEventListener('message', (e) => {
    if (e.data && e.data.type === 'hsFormCallback' && e.data.eventName === 'onFormReady') hubspotReady();
  });

  // Marketo Forms 2.0: hidden fields through the form object, refreshed on submit.
  waitFor(() => window.MktoForms2 && typeof window.MktoForms2.whenReady === 'function', (Mkto) => {
    Mkto.whenReady((form) => {
      const add = () => { try { form.addHiddenFields(values()); } catch { /* guarded */ } };
      add();
      form.onSubmit(add);
      api.on('change', add);
    });
  }, () => window.MktoForms2);

  // Chat widgets and tag managers, only those switched on.
  const enabled = new Set(String(o.handoff || '').split(/[\s,]+/).filter(Boolean).map((s) => s.toLowerCase()));
  if (enabled.has('hubspot')) hubspotEvents(api, names, o.hubspotEvent);
  const adapters = chatAdapters(names);
  const sends = [...enabled].filter((k) => adapters[k]).map((k) => adapters[k]);
  let timer = 0;
  const sendAll = () => {
    const r = api.result();
    if (!r) return;
    const attrs = {
      [names.score]: Math.round(r.score),
      [names.band]: r.band ?? '',
      [names.reasons]: fieldValues(r, '', names)[names.reasons],
      [names.rules_version]: r.rulesVersion,
    };
    for (const send of sends) send(attrs, r);
  };
  const schedule = () => { clearTimeout(timer); timer = setTimeout(sendAll, DEBOUNCE_MS); };

  fillAll();
  if (sends.length) schedule();
  api.on('change', () => { fillAll(); if (sends.length) schedule(); });
  return { fillAll, values };
}

/** Calls `use(obj)` once `ready()` holds, checking for up to WAIT_MS; else gives up
 * quietly, calling `gaveUp` (so a vendor that loads later is tried again on the next change). */
function waitFor(ready, use, get = ready, gaveUp = () => {}) {
  const start = Date.now();
  const tick = () => {
    try {
      if (ready()) return use(get());
    } catch { return gaveUp(); }
    if (Date.now() - start < WAIT_MS) setTimeout(tick, 200);
    else gaveUp();
  };
  tick();
}

/** HubSpot: its tracking code's `identify` is for a known email only and sends nothing by
 * itself, so behaviour goes in a custom behavioral event the site created in HubSpot (its
 * internal name in `data-hubspot-event`), one per band change, through the documented
 * `_hsq` queue, which HubSpot reads when its script loads. Forms get the hidden fields. */
function hubspotEvents(api, names, eventName) {
  if (!eventName) {
    console.warn('leadscore: hubspot needs data-hubspot-event (a custom behavioral event)');
    return;
  }
  api.on('band', (c) => {
    const properties = {
      [names.band]: c.to ?? '',
      [`${names.prefix}previous_band`]: c.from ?? '',
      [names.score]: Math.round(c.result.score),
      [names.action]: c.action ?? '',
      [names.rules_version]: c.result.rulesVersion,
    };
    (window._hsq = window._hsq || []).push(['trackCustomBehavioralEvent', { name: String(eventName), properties }]);
  });
}

/** Each adapter sends the latest attributes when its vendor is present (waiting briefly),
 * only when they differ from what it last sent, and no more often than `gap` ms. */
function chatAdapters(names) {
  const latest = (send, ready, gap = 0) => {
    let pending = null;
    let busy = false;
    let sent = '';
    let at = -Infinity;
    const flush = () => {
      busy = false;
      const key = JSON.stringify(pending[0]);
      if (key === sent) return;
      sent = key;
      at = Date.now();
      try { send(...pending); } catch { /* vendor error: ignore */ }
    };
    return (attrs, r) => {
      pending = [attrs, r];
      if (busy) return;
      busy = true;
      waitFor(ready, () => setTimeout(flush, Math.max(0, at + gap - Date.now())), ready, () => { busy = false; });
    };
  };
  const always = () => true;
  return {
    // Documented: Intercom('update', attributes) sets custom attributes of the visitor.
    intercom: latest((a) => window.Intercom('update', a), () => typeof window.Intercom === 'function', INTERCOM_GAP_MS),
    // Documented: drift.api.setUserAttributes(attributes), once the widget is ready.
    drift: latest((a) => window.drift.api.setUserAttributes(a), () => window.drift && window.drift.api && typeof window.drift.api.setUserAttributes === 'function'),
    // Documented: $crisp.push(['set', 'session:data', [[[key, value], …]]]). Crisp's snippet
    // assigns window.$crisp itself, so it is waited for rather than created.
    crisp: latest((a) => window.$crisp.push(['set', 'session:data', [Object.entries(a)]]), () => window.$crisp && typeof window.$crisp.push === 'function'),
    // Documented: (window.dataLayer = window.dataLayer || []).push({ event, … }); GTM reads
    // what was pushed before it loaded.
    gtm: latest((a, r) => (window.dataLayer = window.dataLayer || []).push({ event: 'leadscore_change', ...a, [names.action]: r.action ?? null }), always),
  };
}
