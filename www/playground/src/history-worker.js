// The History view's worker: runs the backtest in the same wasm core as `leadscore
// backtest`, off the page's thread. Files are read here in slices, so a large events file
// moves the progress bar as it goes; the page cancels by terminating the worker. Nothing
// leaves the browser: the files are read locally and only the report goes back. After a
// run the worker keeps the visitors it read, so "Suggest points" (`leadscore suggest`,
// the same fit) needs no second reading of the files.
const CORE_URL = '/leadscore/leadscore_playground.js';
const SLICE = 4 << 20;

let history = null;
/** Where a run's time went (ms), handed back with the report: the bench reads it. */
let spent = null;
const timed = async (key, fn) => {
  const t = performance.now();
  try {
    return await fn();
  } finally {
    spent[key] = (spent[key] ?? 0) + performance.now() - t;
  }
};

async function text(source) {
  if (typeof source === 'string') return source;
  return source.text();
}

/**
 * Feeds the events in slices of whole lines, as bytes (the core reads UTF-8), reporting
 * progress after each. The next slice is read from the file while the core parses this one.
 */
async function feed(source, progress) {
  if (typeof source === 'string') {
    await timed('parse', () => history.addEvents(source));
    progress(1);
    return;
  }
  const parse = (bytes) => timed('parse', () => history.addEventBytes(bytes));
  const read = (at) => source.slice(at, at + SLICE).arrayBuffer();
  let rest = new Uint8Array(0);
  let next = read(0);
  for (let at = 0; at < source.size; at += SLICE) {
    const bytes = new Uint8Array(await timed('read', () => next));
    if (at + SLICE < source.size) next = read(at + SLICE);
    const first = bytes.indexOf(10);
    if (first < 0) {
      rest = joined(rest, bytes);
    } else {
      // The line cut by the previous slice, then this slice's whole lines.
      await parse(joined(rest, bytes.subarray(0, first + 1)));
      const last = bytes.lastIndexOf(10);
      await parse(bytes.subarray(first + 1, last + 1));
      rest = bytes.slice(last + 1);
    }
    progress(Math.min(1, (at + SLICE) / source.size));
  }
  await parse(rest);
}

function joined(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function run({ rules, challenger, events, outcomes }, post) {
  spent = {};
  const start = performance.now();
  const core = await timed('core', async () => {
    const c = await import(/* @vite-ignore */ CORE_URL);
    await c.default();
    return c;
  });
  history?.free();
  history = new core.History(rules, challenger ?? undefined);
  const csv = await timed('read', () => text(outcomes));
  const problems = await timed('outcomes', () => Array.from(history.outcomes(csv)));
  await feed(events, (share) => post({ type: 'progress', stage: 'events', share }));
  post({ type: 'progress', stage: 'scoring', share: 1 });
  const json = await timed('report', () => history.report());
  const report = await timed('json', () => JSON.parse(json));
  spent.total = performance.now() - start;
  post({ type: 'done', report, problems, skipped: history.skipped, lines: history.lines, spent });
}

function suggest({ leadsPerMonth, precision }, post) {
  if (!history) throw new Error('run the backtest first');
  const suggestion = JSON.parse(history.suggest(leadsPerMonth ?? undefined, precision ?? undefined));
  post({ type: 'suggestion', suggestion });
}

self.onmessage = async ({ data }) => {
  const post = (m) => self.postMessage(m);
  try {
    if (data.type === 'suggest') suggest(data, post);
    else await run(data, post);
  } catch (e) {
    post({ type: 'error', message: String(e && e.message || e), code: e && e.code, during: data.type ?? 'run' });
  }
};
