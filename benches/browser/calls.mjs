// `Queue.task()` calls/s in headless Chromium (Debian's chromium, driven by playwright-core
// from tests/js), interleaved: every round opens a fresh page per client, in rotated order.
// The page is served from 127.0.0.1 and calls the deployment cross-origin, as a dashboard does
// (an authenticated call needs a CORS preflight, cached by the browser for max-age). Chromium
// keeps at most 6 HTTP/1.1 connections per host, so concurrency 16 runs 6 at a time.
// Only clients that run in a page without Node polyfills: fetch and taskcluster-wasm.
//
//   node benches/browser/calls.mjs <rounds> <seconds> <concurrency,…> [offset]   prints one JSON line
//
// offset rotates the client order of the first round (benches/run.mjs passes its round number).
//
// Environment: ROOT, ID, TOKEN, TASK.
import { createServer } from 'node:http';
import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { createRequire } from 'node:module';

const root = new URL('../../', import.meta.url).pathname;
const { chromium } = createRequire(join(root, 'tests/js/package.json'))('playwright-core');
const [rounds, seconds] = [Number(process.argv[2] || 3), Number(process.argv[3] || 1)];
const concurrencies = (process.argv[4] || '1,16').split(',').map(Number);
const offset = Number(process.argv[5] || 0);
const clients = ['fetch', 'taskcluster-wasm'];
const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm' };
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
  const file = join(root, path === '/' ? 'benches/browser/page.html' : path);
  if (!file.startsWith(root) || !(path.startsWith('/pkg/') || path.startsWith('/benches/') || path === '/')) return res.writeHead(404).end();
  try {
    res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream' }).end(await readFile(file));
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const pageUrl = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'tc-bench-chromium-')), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const deployment = { ROOT: process.env.ROOT, ID: process.env.ID, TOKEN: process.env.TOKEN, TASK: process.env.TASK };
const out = {};
try {
  for (const conc of concurrencies) {
    out[conc] = Object.fromEntries(clients.map((c) => [c, []]));
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < clients.length; i++) {
        const client = clients[(i + r + offset) % clients.length];
        const page = await browser.newPage();
        await page.goto(pageUrl);
        await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
        out[conc][client].push(await page.evaluate((a) => window.measure(...a), [client, conc, seconds, deployment]));
        await page.close();
      }
    }
  }
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify(out));
