// `npm start` on a port that is taken: it says so, and what to do, before building
// anything (the build takes minutes on a fresh clone), and exits 1 without a stack trace.
// `PORT` picks another port. No browser: these run the real commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { root } from './helpers.mjs';

/** A TCP server on a free port of 127.0.0.1, as something else using the port would be. */
async function occupy() {
  const s = createServer();
  await new Promise((ok) => s.listen(0, '127.0.0.1', ok));
  return { port: s.address().port, close: () => new Promise((ok) => s.close(ok)) };
}

const run = (cmd, args, env) => spawnSync(cmd, args, { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });

test('npm start on a busy port stops before the build, naming the port and PORT=', async (t) => {
  const busy = await occupy();
  t.after(busy.close);
  const out = run('npm', ['start', '--silent'], { PORT: String(busy.port) });
  assert.equal(out.status, 1, `exit code 1 (stderr: ${out.stderr})`);
  assert.match(out.stderr, new RegExp(`Port ${busy.port} on 127\\.0\\.0\\.1 is already in use`));
  assert.match(out.stderr, new RegExp(`PORT=${busy.port + 1} npm start`));
  assert.doesNotMatch(out.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(out.stdout + out.stderr, /script-tag total|cargo|Compiling/, 'nothing was built');
});

test('the server itself says the same when the port is taken', async (t) => {
  const busy = await occupy();
  t.after(busy.close);
  const out = run('node', [join(root, 'www/serve.mjs')], { PORT: String(busy.port) });
  assert.equal(out.status, 1);
  assert.match(out.stderr, /is already in use/);
  assert.match(out.stderr, /PORT=\d+ npm start/);
  assert.doesNotMatch(out.stderr, /\n\s+at /, 'no stack trace');
});

test('the port check passes on a free port and rejects a PORT that is not a port', async () => {
  const free = await occupy();
  await free.close();
  const ok = run('node', [join(root, 'www/serve.mjs'), '--check-port'], { PORT: String(free.port) });
  assert.equal(ok.status, 0, ok.stderr);
  for (const bad of ['abc', '0', '70000', '80.5']) {
    const out = run('node', [join(root, 'www/serve.mjs'), '--check-port'], { PORT: bad });
    assert.equal(out.status, 1, `PORT=${bad}`);
    assert.match(out.stderr, new RegExp(`PORT=${bad.replace('.', '\\.')} is not a port number`));
  }
});

test('npm start serves on PORT', async (t) => {
  const free = await occupy();
  await free.close();
  // Only the serving step: the build is what `npm start` runs between the check and this.
  const { spawn } = await import('node:child_process');
  const child = spawn('node', [join(root, 'www/serve.mjs')], { cwd: root, env: { ...process.env, PORT: String(free.port) } });
  t.after(() => child.kill());
  const line = await new Promise((ok, fail) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      if (text.includes('playground')) ok(text);
    });
    child.on('exit', (code) => fail(new Error(`exited ${code}`)));
  });
  assert.match(line, new RegExp(`http://127\\.0\\.0\\.1:${free.port}/`));
  const res = await fetch(`http://127.0.0.1:${free.port}/`);
  assert.equal(res.status, 200);
});
