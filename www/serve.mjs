// Serves the built site (target/site) on 127.0.0.1: the demo marketing site at /, the
// tag at /leadscore/, the playground at /playground/. `npm start` runs
// `node www/serve.mjs --check-port` first (so a busy port is reported before a build of
// minutes, not after it), then the build, then this; the port is $PORT, else 8080. The
// browser tests import `serve()` to get their own server on a free port.
//
// Caching as a CDN in front of a site would do it (see `cacheControl`): the tag's files
// that the loader names with a content hash (`?v=…`) are immutable for a year; the loader
// and the rules, whose URLs sites write into their pages, are fresh for five minutes and
// then revalidated; HTML and everything else is revalidated on every view. Every answer
// has an ETag, and a matching If-None-Match gets a 304. Text and wasm are compressed
// (brotli, else gzip) when the browser accepts it.
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
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

/** A year: a URL with a content hash never changes. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The loader and the rules, which pages name without a hash: five minutes, then a 304. */
const SHORT = 'public, max-age=300';

/** How long a browser may reuse an answer without asking again. */
export function cacheControl(urlPath, query) {
  if (!urlPath.startsWith('/leadscore/') || urlPath.endsWith('.html')) return 'no-cache';
  return /(^|&)v=[0-9a-f]{8,}(&|$)/.test(query) ? IMMUTABLE : SHORT;
}

const COMPRESSIBLE = /\.(html|js|mjs|css|json|wasm|svg|txt|map|lsc|jsonl|csv)$/;
/** File bodies by path, size and time, with their ETag and compressed forms. */
const bodies = new Map();

function body(file) {
  const st = statSync(file);
  const key = `${file}\0${st.size}\0${st.mtimeMs}`;
  let b = bodies.get(key);
  if (!b) {
    const raw = readFileSync(file);
    b = { raw, etag: `"${createHash('sha1').update(raw).digest('base64url').slice(0, 16)}"`, gzip: null, br: null };
    bodies.set(key, b);
  }
  return b;
}

function send(req, res, file) {
  const [path, query = ''] = (req.url || '/').split('#')[0].split('?');
  const b = body(file);
  const headers = {
    'content-type': TYPES[extname(file)] || 'application/octet-stream',
    'cache-control': cacheControl(path, query),
    etag: b.etag,
    vary: 'accept-encoding',
  };
  const tags = String(req.headers['if-none-match'] || '').split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (tags.includes(b.etag)) {
    res.writeHead(304, headers);
    return res.end();
  }
  let data = b.raw;
  const accepts = String(req.headers['accept-encoding'] || '');
  if (COMPRESSIBLE.test(file) && b.raw.length > 256) {
    // The best brotli for what pages load (as a CDN keeps it precompressed); a quicker one
    // for large data files (the playground's samples), compressed on the first request.
    const quality = b.raw.length > 512 * 1024 ? 5 : 11;
    if (/\bbr\b/.test(accepts)) {
      b.br ??= brotliCompressSync(b.raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: quality } });
      data = b.br;
      headers['content-encoding'] = 'br';
    } else if (/\bgzip\b/.test(accepts)) {
      b.gzip ??= gzipSync(b.raw, { level: 9 });
      data = b.gzip;
      headers['content-encoding'] = 'gzip';
    }
  }
  headers['content-length'] = data.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : data);
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
    send(req, res, file);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok({ server, url: `http://${host}:${server.address().port}` }));
  });
}

/** The port to serve on: `PORT` (an integer 1–65535), else 8080. Throws a user-facing message. */
export function portFrom(env = process.env) {
  const raw = env.PORT;
  if (raw == null || raw === '') return 8080;
  const n = Number(raw);
  if (!/^\d+$/.test(String(raw).trim()) || !Number.isInteger(n) || n < 1 || n > 65535) {
    throw new Error(`PORT=${raw} is not a port number: use an integer from 1 to 65535, e.g. PORT=8081 npm start`);
  }
  return n;
}

/** What to tell the user when `port` cannot be listened on. */
export function portMessage(port, host, code) {
  const why = code === 'EADDRINUSE' ? 'is already in use (another `npm start`, or another server?)'
    : code === 'EACCES' ? 'needs privileges to listen on' : `cannot be listened on (${code})`;
  return `Port ${port} on ${host} ${why}.\nStop what uses it, or choose another port: PORT=${port === 8080 ? 8081 : port + 1} npm start`;
}

/** Resolves null when `port` is free on `host`, else the error code (EADDRINUSE, EACCES…). */
export function portProblem(port, host = '127.0.0.1') {
  return new Promise((ok) => {
    const probe = createNetServer();
    probe.once('error', (e) => ok(e.code || 'error'));
    probe.listen(port, host, () => probe.close(() => ok(null)));
  });
}

/** `npm start`'s command line: `--check-port` only checks (exit 0 or 1); else serves. */
async function main(args) {
  const host = '127.0.0.1';
  let port;
  try {
    port = portFrom();
  } catch (e) {
    console.error(e.message);
    return 1;
  }
  const problem = await portProblem(port, host);
  if (problem) {
    console.error(portMessage(port, host, problem));
    return 1;
  }
  if (args.includes('--check-port')) return 0;
  if (!existsSync(join(here, '..', 'target', 'site', 'leadscore'))) {
    console.error('target/site is missing: run `npm start` (it builds first) or `npm run build`.');
    return 1;
  }
  let url;
  try {
    ({ url } = await serve({ port, host }));
  } catch (e) {
    // Taken between the check and now.
    console.error(portMessage(port, host, e.code));
    return 1;
  }
  console.log(`leadscore demo site:  ${url}/   (debug panel: ${url}/?leadscore_debug=1)`);
  console.log(`rule playground:      ${url}/playground/`);
  console.log(`format reference:     ${url}/docs/rules-format/`);
  return null;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const code = await main(process.argv.slice(2));
  if (code != null) process.exit(code);
}
