// Share and ship: the session kept in the URL hash as you go (and read back when the
// hash changes), "Copy share link", the script tag to copy and "Download rules.json".
import { $, h, toast, copyText } from './dom.js';
import { app, S, applyState } from './state.js';
import { encodeState, decodeState } from './share.js';

export const TAG = '<script async src="/leadscore/leadscore.js" data-rules="/leadscore/rules.lsc"></script>';
/** Browsers take URLs of a few megabytes; servers and chat apps far less. */
const MAX_HASH = 500_000;

let lastHash = '';
let hashTimer = 0;
export function saveHashSoon() {
  clearTimeout(hashTimer);
  hashTimer = setTimeout(saveHash, 250);
}

export async function saveHash() {
  clearTimeout(hashTimer);
  if (!app.editor) return;
  const state = { rules: S.rules, journey: S.journey };
  if (S.live != null) state.live = S.live;
  if (S.loaded.length) state.loaded = S.loaded;
  let hash = '#' + (await encodeState(state));
  if (hash.length > MAX_HASH && state.loaded) {
    // Long histories stay out of the link; the rules and the simulated journey stay in.
    delete state.loaded;
    hash = '#' + (await encodeState(state));
    if (!saveHash.warned) toast('The loaded journeys are too large for the share link: it holds the rules and this visitor only.', true);
    saveHash.warned = true;
  }
  if (hash !== location.hash) history.replaceState(null, '', hash);
  lastHash = hash;
  document.body.dataset.saved = String(Date.now());
}

export function wireShare() {
  $('tag-snippet').textContent = TAG;
  $('copy-tag').addEventListener('click', async () => {
    toast((await copyText(TAG)) ? 'Script tag copied: paste it before </body>.' : 'Copy failed: select the tag and copy it.', false);
  });
  $('copy-link').addEventListener('click', async () => {
    await saveHash();
    toast((await copyText(location.href)) ? 'Share link copied.' : 'Copy failed: copy the address bar instead.');
  });
  $('download').addEventListener('click', () => {
    const { problems, current } = app;
    const blob = new Blob([S.rules], { type: 'application/json' });
    const a = h('a', { href: URL.createObjectURL(blob), download: 'rules.json' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    toast(problems.length
      ? `Downloaded rules.json, but it has ${problems.length} problem(s): the tag will refuse it until they are fixed.`
      : `Downloaded rules.json (version ${current?.scorer.version}). Serve it at /leadscore/rules.json.`, problems.length > 0);
  });
  window.addEventListener('hashchange', async () => {
    if (location.hash === lastHash || !location.hash) return;
    try {
      const st = await decodeState(location.hash);
      if (st) applyState(st);
    } catch (e) {
      toast(`This link could not be opened: ${e.message}`, true);
    }
  });
}
