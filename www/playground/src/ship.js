// Share and ship: the session kept in the URL hash as you go (and read back when the
// hash changes), "Copy share link", the script tag to copy, "Download rules.json" and
// "Download rules.lsc" (the compiled rules the tag reads, as `leadscore compile` writes).
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

/** Offers a file to the browser's downloads. */
function save(blob, name) {
  const a = h('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
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
    save(new Blob([S.rules], { type: 'application/json' }), 'rules.json');
    toast(problems.length
      ? `Downloaded rules.json, but it has ${problems.length} problem(s): \`leadscore compile\` will refuse it until they are fixed.`
      : `Downloaded rules.json (version ${current?.scorer.version}). The tag reads it compiled: \`leadscore compile rules.json -o rules.lsc\`, or Download rules.lsc.`, problems.length > 0);
  });
  // The compiled rules, from the same core as `leadscore compile`: only valid rules compile.
  const compiled = h('button', { type: 'button', id: 'download-lsc' }, 'Download rules.lsc');
  $('download').after(' ', compiled);
  compiled.addEventListener('click', () => {
    const { problems, current } = app;
    if (problems.length || !app.core?.compileRules) {
      toast(`Fix the ${problems.length} problem(s) first: only valid rules compile.`, true);
      return;
    }
    let bytes;
    try {
      bytes = app.core.compileRules(S.rules);
    } catch (e) {
      toast(`These rules do not compile: ${e.message}`, true);
      return;
    }
    save(new Blob([bytes], { type: 'application/octet-stream' }), 'rules.lsc');
    toast(`Downloaded rules.lsc (version ${current?.scorer.version}, ${bytes.length} bytes). Serve it at /leadscore/rules.lsc.`);
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
