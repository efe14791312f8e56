// The npm package as a developer meets it: what `npm pack` ships, `leadscore/server` from
// the installed tarball answering exactly what the `leadscore` command prints on the same
// inputs (objects, error codes, positions, limits), the README's form handlers run for
// real on 127.0.0.1, and the types checked by `tsc`.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RULES, RULES_PATH, root } from './helpers.mjs';
import { JOURNEY, PKG, T0, base64url, payloadText, project } from './pkg.mjs';

/** Everything the package ships, and nothing else. */
const SHIPPED = [
  'LICENSE',
  'README.md',
  'dist/api.d.ts',
  'dist/api.js',
  'dist/debug.js',
  'dist/handoff.js',
  'dist/leadscore.js',
  'dist/leadscore_core_bg.wasm',
  'dist/leadscore_debug_bg.wasm',
  'package.json',
  'rules.schema.json',
  'server/index.d.ts',
  'server/index.js',
  'server/leadscore_playground.js',
  'server/leadscore_playground_bg.wasm',
];

const CLI = join(root, 'target/release/leadscore');
const README = readFileSync(join(PKG, 'README.md'), 'utf8');

describe('the npm package', () => {
  it('ships exactly the files it uses, with a manifest a registry and bundlers accept', () => {
    const [info] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: PKG, encoding: 'utf8' }));
    assert.deepEqual(info.files.map((f) => f.path).sort(), SHIPPED);
    const meta = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
    assert.equal(meta.name, 'leadscore');
    assert.equal(meta.version, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    assert.equal(meta.license, 'MIT');
    assert.match(meta.repository.url, /^git\+https:/);
    assert.equal(meta.engines.node, '>=20');
    assert.ok(Array.isArray(meta.sideEffects) || meta.sideEffects === false);
    assert.equal(meta.types, './dist/api.d.ts');
    // Every target the manifest names is shipped.
    const targets = [meta.main, meta.module, meta.types];
    const walk = (v) => (typeof v === 'string' ? targets.push(v) : Object.values(v).forEach(walk));
    walk(meta.exports);
    for (const t of targets.filter((t) => !t.includes('*'))) assert.ok(SHIPPED.includes(t.replace(/^\.\//, '')), `${t} is shipped`);
    assert.deepEqual(Object.keys(meta.exports).sort(),
      ['.', './dist/*', './package.json', './rules.schema.json', './server', './wasm']);
    // What the package README promises is in it: each path and each import it names.
    for (const [, path] of README.matchAll(/`((?:dist|server)\/[\w./]*|rules\.schema\.json)`/g)) {
      assert.ok(path.endsWith('/') ? SHIPPED.some((f) => f.startsWith(path)) : SHIPPED.includes(path), `README's ${path}`);
    }
    for (const [, sub] of README.matchAll(/['`]leadscore(\/[\w.]+)?['`]/g)) {
      assert.ok(meta.exports[`.${sub ?? ''}`], `README's import leadscore${sub ?? ''}`);
    }
  });
});

describe('leadscore/server, installed from the tarball', () => {
  let dir;
  let server;
  before(async () => {
    dir = project({ 'probe.mjs': "export * from 'leadscore/server';\n", 'rules.json': RULES });
    server = await import(pathToFileURL(join(dir, 'probe.mjs')));
  });

  /** The command's answer: stdout parsed, or the problem line of an exit 2 read back. */
  function cli(args, input) {
    const r = spawnSync(CLI, args, { input, encoding: 'utf8' });
    if (r.status === 2) {
      const line = r.stderr.split('\n')[0];
      const m = /^[^:]+?(?::(\d+):(\d+))?: (\(document\)|[^:]*): (.*?)( \(see --max-[a-z]+\))?$/.exec(line);
      assert.ok(m, line);
      return { status: 2, error: { path: m[3] === '(document)' ? '' : m[3], line: m[1] ? +m[1] : null, column: m[2] ? +m[2] : null, message: m[4] } };
    }
    return { status: r.status, out: r.stdout.trim().split('\n').map((l) => JSON.parse(l)), err: r.stderr };
  }
  const thrown = (fn) => {
    try { fn(); } catch (e) { return e; }
    assert.fail('expected a throw');
  };

  it('verifies payloads as `leadscore verify` does: the same objects, findings and exit-2 errors', () => {
    const rules = server.loadRules(RULES);
    assert.equal(rules.version, JSON.parse(RULES).version);
    const ts = T0 + 200000;
    const claim = server.score(rules, JOURNEY, { now: ts });
    assert.ok(claim.score > 50, 'the journey scores');
    const good = payloadText(JOURNEY, ts, claim);
    const edit = (f) => { const p = JSON.parse(good); f(p); return payloadText(p.events, p.ts, p.result).replace(/"digest":"\w+"/, `"digest":"${JSON.parse(good).digest}"`); };
    const cases = {
      consistent: good,
      base64url: base64url(good),
      score: edit((p) => { p.result.score = 99; }),
      band: edit((p) => { p.result.band = 'cold'; p.result.categories.fit = 0; }),
      events: edit((p) => { p.events.pop(); }),
      invalidEvent: payloadText([...JOURNEY, { type: 'chat_opened', ts: T0 }], ts, claim),
      fromFuture: payloadText(JOURNEY, Date.now() + 3_600_000, claim),
    };
    const codes = {};
    for (const [name, payload] of Object.entries(cases)) {
      const cmd = cli(['verify', '--rules', RULES_PATH, '--payload', '-'], payload);
      const mine = server.verify(rules, payload);
      if (name !== 'fromFuture') assert.deepEqual(mine, cmd.out[0], name);
      else assert.deepEqual(mine.findings.map((f) => f.path), cmd.out[0].findings.map((f) => f.path), name); // clocks differ by ms
      assert.equal(cmd.status, mine.consistent ? 0 : 1, name);
      codes[name] = mine.findings.map((f) => f.code);
      // The rules text works as well as loaded rules (remembered after the first call).
      if (name !== 'fromFuture') assert.deepEqual(server.verify(RULES, payload), mine);
    }
    assert.deepEqual(codes, {
      consistent: [], base64url: [], score: ['score_edited'], band: ['band_edited', 'categories_edited'],
      events: ['events_edited', 'score_edited', 'band_edited', 'categories_edited', 'categories_edited'],
      invalidEvent: ['invalid_event'],
      // Dated an hour after the claim was computed: decay moved every total too.
      fromFuture: ['from_future', 'score_edited', 'band_edited', 'categories_edited', 'categories_edited'],
    });
    // --now / now, the same result later.
    const later = T0 + 40 * 86400000;
    assert.deepEqual(server.verify(rules, good, { now: later, clock: later }),
      cli(['verify', '--rules', RULES_PATH, '--payload', '-', '--now', String(later)], good).out[0]);

    // What the command refuses (exit 2), the server throws: same code, path, place, message.
    const refused = [
      ['not JSON and not base64url', 'invalid_value', '%%%', [], {}],
      ['a syntax error at its place', 'syntax', '{"v":1,\n "ts": 12,,}', [], {}],
      ['no leadscore payload', 'invalid_value', '{"v":2}', [], {}],
      ['over the byte limit', 'too_large', good, ['--max-bytes', '100'], { maxBytes: 100 }],
      ['over the event limit', 'too_large', good, ['--max-events', '3'], { maxEvents: 3 }],
      ['a number beyond the doubles', 'out_of_range', good.replace(`"ts":${ts}`, '"ts":1e400'), [], {}],
    ];
    for (const [what, code, payload, flags, options] of refused) {
      const cmd = cli(['verify', '--rules', RULES_PATH, '--payload', '-', ...flags], payload);
      assert.equal(cmd.status, 2, what);
      const e = thrown(() => server.verify(rules, payload, options));
      assert.ok(e instanceof Error, what);
      assert.equal(e.code, code, what);
      assert.deepEqual({ path: e.path, line: e.line, column: e.column, message: e.message }, cmd.error, what);
    }
    // A payload far over the limit is refused without being read whole.
    assert.equal(thrown(() => server.verify(rules, 'A'.repeat(50_000_000))).code, 'too_large');
    assert.equal(thrown(() => server.verify(rules, good, { maxBytes: -1 })).code, 'invalid_value');
    assert.equal(thrown(() => server.verify(rules, 42)).code, 'wrong_type');
  });

  it('reads a compiled rule set (the bytes the tag loads) as it reads the rules text', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'leadscore-lsc-'));
    const lsc = join(tmp, 'rules.lsc');
    execFileSync(CLI, ['compile', RULES_PATH, '-o', lsc]);
    const bytes = readFileSync(lsc);
    const ts = T0 + 200000;
    const fromText = server.loadRules(RULES);
    const claim = server.score(fromText, JOURNEY, { now: ts });
    const payload = payloadText(JOURNEY, ts, claim);
    // A Buffer, a plain Uint8Array and an ArrayBuffer: the same verdicts, bit for bit.
    const copy = new Uint8Array(bytes);
    for (const given of [bytes, copy, copy.buffer]) {
      const compiled = server.loadRules(given);
      assert.equal(compiled.version, fromText.version);
      assert.deepEqual(server.verify(compiled, payload), server.verify(fromText, payload));
      assert.deepEqual(server.score(compiled, JOURNEY, { now: ts + 1e6 }), server.score(fromText, JOURNEY, { now: ts + 1e6 }));
    }
    // What is wrong with a file is its code, as the tag reports it.
    const flipped = Uint8Array.from(bytes);
    flipped[flipped.length - 1] ^= 1;
    for (const [code, given] of [['not_compiled', Buffer.from(RULES)], ['truncated', bytes.subarray(0, 12)], ['corrupt', flipped]]) {
      assert.equal(thrown(() => server.loadRules(given)).code, code);
    }
    assert.equal(thrown(() => server.loadRules(42)).code, 'wrong_type');
  });

  it('compiles and instantiates the wasm once per process, however often it is used', () => {
    const probe = join(dir, 'count.mjs');
    writeFileSync(probe, `let modules = 0, instances = 0;
const { Module, Instance } = WebAssembly;
WebAssembly.Module = function (...a) { modules++; return new Module(...a); };
WebAssembly.Instance = function (...a) { instances++; return new Instance(...a); };
const a = await import('leadscore/server');
const b = await import('leadscore/server');
const text = (await import('node:fs')).readFileSync('rules.json', 'utf8');
for (let i = 0; i < 3; i++) a.loadRules(text);
for (let i = 0; i < 50; i++) b.score(text, [], { now: 1 });
console.log(JSON.stringify({ modules, instances, same: a === b }));
`);
    const out = JSON.parse(execFileSync(process.execPath, [probe], { cwd: dir, encoding: 'utf8' }));
    assert.deepEqual(out, { modules: 1, instances: 1, same: true });
  });

  it('scores and checks as `leadscore score` and `check --json` do', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'leadscore-score-'));
    const events = [...JOURNEY, { type: 'chat_opened', ts: T0 + 5 }];
    const file = join(tmp, 'events.json');
    writeFileSync(file, JSON.stringify(events, null, 1));
    const now = T0 + 86400000;
    const cmd = cli(['score', '--rules', RULES_PATH, '--events', file, '--now', String(now)]);
    const skipped = [];
    const mine = server.score(RULES, readFileSync(file, 'utf8'), { now, onSkipped: (p) => skipped.push(p) });
    assert.deepEqual(mine, cmd.out[0]);
    assert.deepEqual(skipped.map((p) => [p.code, p.path, p.line, p.column]), [['unknown_event', '[4].type', 30, 11]]);
    assert.match(cmd.err, /events\.json:30:11: \[4\]\.type: /);
    // A payload is scored as of its own time, as the command does.
    const p = base64url(payloadText(JOURNEY, T0 + 500000, {}));
    writeFileSync(file, p);
    assert.deepEqual(server.score(RULES, p), cli(['score', '--rules', RULES_PATH, '--events', file]).out[0]);

    const broken = RULES.replace('"minDwellSeconds": 10', '"minDwelSeconds": 10');
    assert.notEqual(broken, RULES);
    writeFileSync(join(tmp, 'broken.json'), broken);
    for (const text of [RULES, broken, '{', '[]']) {
      writeFileSync(join(tmp, 'r.json'), text);
      assert.deepEqual(server.check(text), cli(['check', '--json', join(tmp, 'r.json')]).out[0]);
    }
    const e = thrown(() => server.loadRules(broken));
    assert.equal(e.code, 'unknown_field');
    assert.deepEqual(e.problems, server.check(broken).problems.map(({ line, column, ...p }) => ({ ...p, line: line ?? null, column: column ?? null })));
    assert.ok(e.line > 1 && e.column > 1);
  });
});

/** The README's ```js block that contains `marker`. */
function snippet(text, marker) {
  const block = [...text.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes(marker));
  assert.ok(block, `a js block with ${marker}`);
  return block;
}

/** Runs a README handler in a project: `saveLead` prints the lead, it listens on a free port. */
async function runHandler(dir, code) {
  const listen = /\.listen\(8080\);\s*$/;
  assert.match(code, listen);
  const file = join(dir, 'handler.mjs');
  writeFileSync(file, code.replace(listen, ".listen(0, '127.0.0.1', function () { console.log('PORT ' + this.address().port); });\n")
    + '\nasync function saveLead(lead) { console.log(\'LEAD \' + JSON.stringify(lead)); }\n');
  const child = spawn(process.execPath, [file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const port = await new Promise((ok, fail) => {
    child.stdout.on('data', () => { const m = /PORT (\d+)/.exec(out); if (m) ok(+m[1]); });
    child.on('exit', (c) => fail(new Error(`handler exited ${c}: ${err}`)));
  });
  const post = async (form) => {
    const before = out.length;
    const res = await fetch(`http://127.0.0.1:${port}/demo`, { method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    // The child's stdout is a pipe: its line may arrive just after the response.
    for (let i = 0; i < 200 && !/LEAD .*\n/.test(out.slice(before)); i++) await new Promise((ok) => setTimeout(ok, 10));
    const lead = /LEAD (.*)\n/.exec(out.slice(before));
    return { status: res.status, location: res.headers.get('location'), lead: lead && JSON.parse(lead[1]) };
  };
  return { post, stderr: () => err, close: () => child.kill() };
}

describe('the README form handlers', () => {
  const ts = T0 + 200000;
  let dir;
  let good;
  let edited;
  before(async () => {
    dir = project({ 'rules.json': RULES, 'probe.mjs': "export * from 'leadscore/server';\n" });
    const { score } = await import(pathToFileURL(join(dir, 'probe.mjs')));
    const claim = score(RULES, JOURNEY, { now: ts });
    good = payloadText(JOURNEY, ts, claim);
    edited = base64url(good.replace(`"score":${claim.score}`, '"score":99'));
    good = base64url(good);
  });

  async function exercise(code) {
    const h = await runHandler(dir, code);
    try {
      const ok = await h.post({ email: 'dana@acme.example', leadscore_payload: good });
      assert.equal(ok.status, 303);
      assert.equal(ok.location, '/thanks');
      assert.equal(ok.lead.scoreTrusted, true);
      assert.equal(ok.lead.band, 'hot');
      assert.deepEqual(ok.lead.scoreFindings, []);
      const bad = await h.post({ email: 'dana@acme.example', leadscore_payload: edited });
      assert.equal(bad.lead.scoreTrusted, false);
      assert.deepEqual(bad.lead.scoreFindings, ['score_edited']);
      assert.equal(bad.lead.band, 'hot', 'routed on the re-computed band');
      const junk = await h.post({ email: 'dana@acme.example', leadscore_payload: '%%%' });
      assert.equal(junk.status, 303);
      assert.equal(junk.lead.scoreTrusted, false);
      assert.equal(junk.lead.score, undefined);
      assert.match(h.stderr(), /leadscore verify: invalid_value/);
      const none = await h.post({ email: 'dana@acme.example' });
      assert.equal(none.lead.scoreTrusted, false);
    } finally {
      h.close();
    }
  }

  const readmes = [['the package README', README]];
  const main = readFileSync(join(root, 'README.md'), 'utf8');
  if (main.includes("from 'leadscore/server'")) readmes.push(['the project README', main]);

  for (const [where, text] of readmes) {
    it(`runs ${where}'s node:http handler on 127.0.0.1`, () => exercise(snippet(text, 'createServer(')));
    it(`runs ${where}'s Express handler when Express installs from the registry`, async (t) => {
      if (!existsSync(join(dir, 'node_modules/express'))) {
        const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', 'express@5'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
        if (r.status !== 0) return t.skip(`express could not be installed: ${(r.stderr || r.error?.message || '').split('\n')[0]}`);
      }
      await exercise(snippet(text, 'express.urlencoded('));
    });
  }
});

describe('the types', () => {
  it('type-check with tsc under bundler and nodenext resolution, and reject misuse', () => {
    const app = `import { start, type Api, type Result } from 'leadscore';
const ls: Api = await start({ rulesUrl: '/leadscore/rules.json', consent: 'required' });
const r: Result | null = ls.result();
const band: string | null = r ? r.band : null;
ls.on('band', ({ from, to, action }) => console.log(from, to, action, band));
// @ts-expect-error: track takes a string type
ls.track(42);
`;
    const srv = `import { loadRules, verify, score, check, LIMITS, type Verdict, type Rules, type LeadscoreError } from 'leadscore/server';
const rules: Rules = loadRules('{}');
const v: Verdict = verify(rules, 'eyJ2IjoxfQ', { maxBytes: LIMITS.maxBytes, now: 1 });
const s: number = v.result.score + score(rules, [{ type: 'page_view', ts: 1 }], { onSkipped: (p) => p.code }).score;
const ok: boolean = check('{}').ok && v.consistent;
try { verify('rules text', '') } catch (e) { const err = e as LeadscoreError; console.log(err.code, err.line, s, ok); }
// @ts-expect-error: a finding has no score
console.log(v.findings[0].score);
`;
    for (const resolution of ['bundler', 'nodenext']) {
      const dir = project({
        'app.ts': app, 'server.ts': srv,
        'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'es2022', lib: ['es2022', 'dom'],
          module: resolution === 'bundler' ? 'esnext' : 'nodenext', moduleResolution: resolution, types: [] }, files: ['app.ts', 'server.ts'] }),
      });
      const r = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', dir], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${resolution}: ${r.stdout}${r.stderr}`);
      // And a mistake is caught: the types are not \`any\`.
      writeFileSync(join(dir, 'server.ts'), srv.replace('const s: number', 'const s: string'));
      const bad = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', dir], { encoding: 'utf8' });
      assert.notEqual(bad.status, 0, resolution);
      assert.match(bad.stdout, /server\.ts.*TS2322/, resolution);
    }
  });
});

