// Core: batch throughput of `leadscore score`, single-visitor re-score, check and verify
// ratios (cargo bench; the Rust benchmark prints its own table and writes core.json).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, benchDir } from './common.mjs';

export async function run() {
  execFileSync('cargo', ['bench', '--quiet', '--bench', 'core'], { cwd: root, stdio: 'inherit' });
  return JSON.parse(readFileSync(join(benchDir, 'core.json'), 'utf8'));
}
