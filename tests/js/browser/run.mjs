// Runs the package scenarios and the README examples in a headless Chromium page (Debian's
// chromium, driven by playwright-core), served from 127.0.0.1. Saves a screenshot under target/.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';

const root = new URL('../../../', import.meta.url).pathname;
const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm', '.json': 'application/json' };
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
  const file = join(root, path === '/' ? 'tests/js/browser/index.html' : path);
  if (!file.startsWith(root) || !(path.startsWith('/pkg/') || path.startsWith('/tests/js/') || path === '/')) {
    res.writeHead(404).end();
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const pageUrl = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'tc-chromium-')), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = 0;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto(pageUrl);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
  const vars = Object.fromEntries(['TC_TEST_ROOT_URL', 'TC_TEST_CLIENT_ID', 'TC_TEST_ACCESS_TOKEN'].map((k) => [k, process.env[k]]));
  // TC_TEST_FILTER (optional): run only the tests whose names match this regular expression.
  const results = await page.evaluate(([v, f]) => window.runAll(v, f), [vars, process.env.TC_TEST_FILTER || '']);
  for (const r of results) {
    const ms = ` (${r.ms} ms)`;
    console.log(r.ok ? `ok - ${r.name}${ms}` : `not ok - ${r.name}${ms}\n  ${r.error.replaceAll(vars.TC_TEST_ACCESS_TOKEN, '<token>')}`);
    if (!r.ok) failed++;
  }
  await mkdir(join(root, 'target'), { recursive: true });
  await page.screenshot({ path: join(root, 'target/chromium-package-tests.png'), fullPage: true });
  console.log(`${results.length - failed} passed, ${failed} failed`);
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
