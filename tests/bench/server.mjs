// The server API (`leadscore/server`, target/pkg): verify of a typical form post's payload
// per call in Node, and the requests per second one Node process (one core's event loop)
// sustains as a form handler, with the load generated on 127.0.0.1, bounded in count and
// time; beside it the handler the README used to show, which spawns `leadscore verify` per
// request. Both handlers run in a child process; the load generator is this process.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchDir, heading, median, ms, pct, root, row } from './common.mjs';
import { base64url, payloadText } from '../e2e/pkg.mjs';

const RULES_PATH = join(root, 'www/site/leadscore/rules.json');
const SERVER = join(root, 'target/pkg/server/index.js');
const CLI = join(root, 'target/release/leadscore');

/** A typical visitor at the demo form: 24 page views over three visits, traits, the form. */
export function typicalJourney(t0 = 1764000000000) {
  const pages = ['/', '/blog/roi', '/integrations', '/pricing', '/security', '/docs/getting-started', '/pricing', '/demo'];
  const events = [];
  let t = t0;
  for (let visit = 0; visit < 3; visit++) {
    for (const p of pages) {
      events.push({ type: 'page_view', ts: t, url: `https://acme.example${p}`, dwellMs: 25000 });
      t += 40000;
    }
    t += 2 * 86400000;
  }
  events.push({ type: 'identify', ts: t, traits: { seniority: 'director', company_size: '201-1000', email_type: 'corporate' } });
  events.push({ type: 'form_start', ts: t + 1000, form: 'demo-request' });
  events.push({ type: 'form_submit', ts: t + 30000, form: 'demo-request' });
  return { events, ts: t + 30001 };
}

export async function run() {
  if (!existsSync(SERVER)) execFileSync(process.execPath, [join(root, 'www/build.mjs')], { cwd: root, stdio: 'inherit' });
  execFileSync('cargo', ['build', '--release', '--quiet', '--bin', 'leadscore'], { cwd: root, stdio: 'inherit' });
  const t0 = performance.now();
  const server = await import(pathToFileURL(SERVER));
  const importMs = performance.now() - t0;
  const rulesText = readFileSync(RULES_PATH, 'utf8');
  const { events, ts } = typicalJourney();
  const claim = server.score(rulesText, events, { now: ts });
  const payload = base64url(payloadText(events, ts, claim));

  const loadMs = time(() => server.loadRules(rulesText), 200);
  const rules = server.loadRules(rulesText);
  if (!server.verify(rules, payload).consistent) throw new Error('the bench payload must verify');
  const verifyMs = time(() => server.verify(rules, payload), 3000);
  const verifyTextMs = time(() => server.verify(rulesText, payload), 3000);
  const cliMs = time(() => {
    const r = spawnSync(CLI, ['verify', '--rules', RULES_PATH, '--payload', '-'], { input: payload });
    if (r.status !== 0) throw new Error(String(r.stderr));
  }, 60);

  const dir = join(benchDir, 'server');
  mkdirSync(dir, { recursive: true });
  const body = new URLSearchParams({ email: 'dana@acme.example', company: 'Acme', leadscore_payload: payload }).toString();
  const inProcess = await load(handler(dir, 'in-process', `
import { loadRules, verify } from ${JSON.stringify(pathToFileURL(SERVER).href)};
const rules = loadRules(readFileSync(${JSON.stringify(RULES_PATH)}, 'utf8'));
const check = (payload) => { try { return verify(rules, payload); } catch { return null; } };`), body, { requests: 5000, seconds: 10 });
  const spawned = await load(handler(dir, 'spawn-cli', `
import { spawnSync } from 'node:child_process';
const check = (payload) => {
  const r = spawnSync(${JSON.stringify(CLI)}, ['verify', '--rules', ${JSON.stringify(RULES_PATH)}, '--payload', '-'],
    { input: payload, encoding: 'utf8', timeout: 10000 });
  return r.status === 0 || r.status === 1 ? JSON.parse(r.stdout) : null;
};`), body, { requests: 400, seconds: 10 });

  const figures = {
    payload: { events: events.length, bytes: payload.length },
    importMs: ms(importMs),
    loadRulesMs: ms(median(loadMs)),
    verifyMedianMs: ms(median(verifyMs)), verifyP99Ms: ms(pct(verifyMs, 0.99)),
    verifyRulesTextMedianMs: ms(median(verifyTextMs)),
    cliSpawnMedianMs: ms(median(cliMs)),
    handler: { inProcess, spawnCli: spawned, ratio: Math.round(inProcess.perSecond / spawned.perSecond) },
  };
  heading(`server API (leadscore/server in Node ${process.version}), a typical payload: ${events.length} events, ${payload.length} bytes base64url`);
  row('import leadscore/server (compile the wasm, once per process), ms', figures.importMs);
  row('loadRules(demo rules), ms (median)', figures.loadRulesMs);
  row('verify(rules, payload), ms (median / p99)', `${figures.verifyMedianMs} / ${figures.verifyP99Ms}`);
  row('verify(rulesText, payload), the text remembered, ms (median)', figures.verifyRulesTextMedianMs);
  row('spawn `leadscore verify` per payload, ms (median)', figures.cliSpawnMedianMs);
  row('ratio spawn / in-process verify', Math.round(figures.cliSpawnMedianMs / figures.verifyMedianMs));
  row(`form handler, node:http, in-process verify: requests/s (${inProcess.requests} in ${inProcess.seconds} s)`, inProcess.perSecond);
  row(`form handler spawning the CLI per request: requests/s (${spawned.requests} in ${spawned.seconds} s)`, spawned.perSecond);
  row('  latency median / p99 ms, in-process', `${inProcess.medianMs} / ${inProcess.p99Ms}`);
  row('  latency median / p99 ms, spawning', `${spawned.medianMs} / ${spawned.p99Ms}`);
  row('ratio of requests/s, in-process / spawning', figures.handler.ratio);
  return figures;
}

function time(fn, n) {
  for (let i = 0; i < Math.min(20, n); i++) fn();
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

/** The README's form handler (parse the form, verify, answer 303) with `check` as given. */
function handler(dir, name, check) {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, `import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
${check}
createServer(async (req, res) => {
  if (req.method !== 'POST') return res.writeHead(404).end();
  let body = '';
  for await (const chunk of req) body += chunk;
  const form = Object.fromEntries(new URLSearchParams(body));
  const verdict = check(form.leadscore_payload ?? '');
  if (!verdict?.consistent) throw new Error('the bench payload must verify');
  res.writeHead(303, { location: '/thanks' }).end();
}).listen(0, '127.0.0.1', function () { console.log('PORT ' + this.address().port); });
`);
  return file;
}

/** Starts the handler, posts `body` from 8 keep-alive connections until `requests` are
 * answered or `seconds` pass, and stops it. */
async function load(file, body, { requests, seconds, connections = 8 }) {
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise((ok, fail) => {
      let out = '';
      child.stdout.on('data', (d) => { out += d; const m = /PORT (\d+)/.exec(out); if (m) ok(+m[1]); });
      child.on('exit', (c) => fail(new Error(`${file} exited ${c}`)));
    });
    const agent = new Agent({ keepAlive: true, maxSockets: connections });
    const post = () => new Promise((ok, fail) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/demo', agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 303 ? ok() : fail(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', fail);
      req.end(body);
    });
    for (let i = 0; i < 20; i++) await post(); // warm-up
    const latencies = [];
    const start = performance.now();
    const deadline = start + seconds * 1000;
    let sent = 0;
    const worker = async () => {
      while (sent < requests && performance.now() < deadline) {
        sent++;
        const t = performance.now();
        await post();
        latencies.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
    const elapsed = (performance.now() - start) / 1000;
    agent.destroy();
    return { requests: latencies.length, seconds: Math.round(elapsed * 100) / 100, connections,
      perSecond: Math.round(latencies.length / elapsed), medianMs: ms(median(latencies)), p99Ms: ms(pct(latencies, 0.99)) };
  } finally {
    child.kill();
  }
}
