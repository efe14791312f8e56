// The tag as built before issue 14 (state and hand-off), served beside the current build so
// the bench measures both in one run on one machine. Built once per revision into
// target/bench/baseline-site (LEADSCORE_BASELINE_REV, default the last commit before that
// work); a build of minutes the first time, nothing after.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve } from '../../www/serve.mjs';
import { benchDir, root } from './common.mjs';

const REV = process.env.LEADSCORE_BASELINE_REV || '8d662524d1c4b30c52304acfe024cbaa9561d778';

export function baselineDir() {
  const site = join(benchDir, 'baseline-site');
  const stamp = join(site, 'REV');
  if (existsSync(stamp) && REV.startsWith(readFileSync(stamp, 'utf8').trim())) return site;
  const src = join(benchDir, 'baseline-src');
  const git = (...args) => execFileSync('git', args, { cwd: root, stdio: 'ignore' });
  try { git('worktree', 'remove', '--force', src); } catch { /* none yet */ }
  rmSync(src, { recursive: true, force: true });
  git('worktree', 'add', '--detach', src, REV);
  try {
    symlinkSync(join(root, 'node_modules'), join(src, 'node_modules'));
    execFileSync('node', ['-e', "import('./www/build.mjs').then((m) => m.build({ playground: false }))"], {
      cwd: src, stdio: 'inherit',
    });
    rmSync(site, { recursive: true, force: true });
    cpSync(join(src, 'target/site'), site, { recursive: true });
    writeFileSync(stamp, REV);
  } finally {
    git('worktree', 'remove', '--force', src);
  }
  return site;
}

/** A server of a built site (the baseline's unless `root` is given) on a free port:
 * `{ url, close }`. `/isolated/pricing` is the pricing page, cross-origin isolated (COOP and
 * COEP), where `performance.now()` has 5 µs steps instead of 100 µs: one event is timed. */
export async function benchSite(root = baselineDir()) {
  const isolated = (req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
    res.end(readFileSync(join(root, 'pricing/index.html')));
  };
  const { server, url } = await serve({ port: 0, root, handlers: { '/isolated/pricing': isolated } });
  return { url, close: () => new Promise((ok) => server.close(ok)) };
}
