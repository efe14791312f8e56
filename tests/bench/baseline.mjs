// A server of a built site for timing one event: `/isolated/pricing` is cross-origin
// isolated, where `performance.now()` has fine steps. The baseline build itself is
// tag.mjs's `baseline()`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve } from '../../www/serve.mjs';

/** A server of a built site  on a free port:
 * `{ url, close }`. `/isolated/pricing` is the pricing page, cross-origin isolated (COOP and
 * COEP), where `performance.now()` has 5 µs steps instead of 100 µs: one event is timed. */
export async function benchSite(root) {
  const isolated = (req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
    res.end(readFileSync(join(root, 'pricing/index.html')));
  };
  const { server, url } = await serve({ port: 0, root, handlers: { '/isolated/pricing': isolated } });
  return { url, close: () => new Promise((ok) => server.close(ok)) };
}
