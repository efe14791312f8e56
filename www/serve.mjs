// Serves the built site (target/site) on 127.0.0.1: the demo marketing site at /, the
// tag at /leadscore/, the playground at /playground/. `npm start` runs this after the build;
// the browser tests import `serve()` to get their own server on a free port.
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** Resolves a URL path to a file under `root`, or null; never escapes `root`. */
function resolve(root, urlPath) {
  let p;
  try {
    p = decodeURIComponent(urlPath.split('?')[0].split('#')[0]);
  } catch {
    return null;
  }
  const full = normalize(join(root, p));
  if (full !== root && !full.startsWith(root + sep)) return null;
  for (const candidate of [full, join(full, 'index.html'), full + '.html']) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/**
 * Starts the server. `onRequest(req)` sees every request (tests use it to assert that the
 * tag makes no other traffic); `handlers[path]` may answer a path itself (tests post forms).
 */
export function serve({ port = 8080, host = '127.0.0.1', root = join(here, '..', 'target', 'site'), onRequest, handlers = {} } = {}) {
  root = normalize(root);
  const server = createServer((req, res) => {
    onRequest?.(req);
    const path = (req.url || '/').split('?')[0];
    if (handlers[path]) return handlers[path](req, res);
    const file = resolve(root, req.url || '/');
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      const nf = join(root, '404.html');
      return existsSync(nf) ? createReadStream(nf).pipe(res) : res.end('<h1>Not found</h1>');
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok({ server, url: `http://${host}:${server.address().port}` }));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!existsSync(join(here, '..', 'target', 'site', 'leadscore'))) {
    console.error('target/site is missing: run `npm start` (it builds first) or `npm run build`.');
    process.exit(1);
  }
  const port = Number(process.env.PORT || 8080);
  const { url } = await serve({ port });
  console.log(`leadscore demo site:  ${url}/   (debug panel: ${url}/?leadscore_debug=1)`);
  console.log(`rule playground:      ${url}/playground/`);
}
