// Shared by the package tests: the packed tarball of target/pkg, installed (offline: the
// package has no dependencies) into throwaway projects under the system's temp dir, and
// payloads made the way the tag makes them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './helpers.mjs';

export const PKG = join(root, 'target/pkg');

let tarball = null;
/** `npm pack` of target/pkg into a temp dir, once per test file. */
export function pack() {
  if (!tarball) {
    const dir = mkdtempSync(join(tmpdir(), 'leadscore-pack-'));
    const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: PKG, encoding: 'utf8' }));
    tarball = join(dir, info.filename);
  }
  return tarball;
}

/** A throwaway project with the packed leadscore installed, and `files` written in it. */
export function project(files = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'leadscore-project-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'try-leadscore', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', pack()], { cwd: dir, stdio: 'pipe' });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** FNV-1a 64 of the events' text, as src/core/payload.rs computes the digest. */
export function digest(text) {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(text, 'utf8')) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

/** A payload as the tag posts it: its JSON text, with `result` claimed. */
export function payloadText(events, ts, result) {
  const eventsText = JSON.stringify(events);
  return `{"v":1,"ts":${ts},"digest":"${digest(eventsText)}","result":${JSON.stringify(result)},"events":${eventsText}}`;
}

export const base64url = (text) => Buffer.from(text, 'utf8').toString('base64url');

/** A visitor of the demo site: traits, pricing, a webinar. */
export const T0 = 1764000000000;
export const JOURNEY = [
  { type: 'page_view', ts: T0, url: 'https://acme.example/integrations', dwellMs: 15000 },
  { type: 'page_view', ts: T0 + 60000, url: 'https://acme.example/pricing', dwellMs: 20000 },
  { type: 'identify', ts: T0 + 90000, traits: { seniority: 'vp', company_size: '51-200' } },
  { type: 'webinar_attended', ts: T0 + 120000, props: { webinar_id: 'live-demo-3' } },
];
