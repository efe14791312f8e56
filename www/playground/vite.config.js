// Vite config of the rule playground. `node www/build.mjs` runs
//   vite build --config www/playground/vite.config.js
// from the repository root and serves the result at /playground/.
//
// The playground does not bundle the scoring core: it imports
// /leadscore/leadscore_playground.js at runtime, the tag's engine in the
// playground's binding crate, src/playground (www/build.mjs), so every surface runs one core. For `vite` dev mode, run `node www/serve.mjs` beside it: the dev
// server proxies /leadscore/ to it.
import { defineConfig } from 'vite';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const CORE = '/leadscore/leadscore_playground.js';

// codemirror-json-schema renders schema descriptions with markdown-it and loads shiki
// (with its wasm regex engine) at import time: most of a megabyte for a few tooltips.
// Its renderer is swapped for a small one that escapes the text.
const lightMarkdown = {
  name: 'leadscore-light-markdown',
  enforce: 'pre',
  resolveId(source, importer) {
    if (importer && /codemirror-json-schema[\\/]/.test(importer) && /(^|\/)utils\/markdown(\.js)?$/.test(source)) {
      return join(here, 'src', 'markdown-lite.js');
    }
    return null;
  },
};

export default defineConfig({
  root: here,
  base: '/playground/',
  publicDir: false,
  plugins: [lightMarkdown],
  build: {
    outDir: join(repo, 'target', 'site', 'playground'),
    emptyOutDir: true,
    target: 'es2022',
    // CodeMirror, the JSON Schema tooling and uPlot make one large, cacheable chunk.
    chunkSizeWarningLimit: 2000,
    rollupOptions: { external: [CORE] },
  },
  // The History view's worker imports the core at runtime, like the page.
  worker: { format: 'es', rollupOptions: { external: [CORE] } },
  server: {
    proxy: { '/leadscore/': 'http://127.0.0.1:8080' },
  },
});
