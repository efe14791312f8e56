// Makes the README's picture of the playground, www/playground/screenshot.png (1280×800):
// the demo rules and the enterprise sample, as the playground opens. Run it on purpose,
// `npm run screenshot` (it builds first); the tests never write into the tree.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../serve.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] || join(here, 'screenshot.png');

const { server, url } = await serve({ port: 0 });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${url}/playground/`);
  await page.waitForSelector('body[data-ready]', { timeout: 20_000 });
  await page.waitForSelector('#compare tr[data-journey="competitor"]');
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  server.close();
}
