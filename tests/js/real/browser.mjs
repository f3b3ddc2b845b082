// Runs targets.mjs (and, against a real deployment, the shared scenarios) in a headless Chromium
// page served from 127.0.0.1, against the target named by TC_TEST_ROOT_URL / TC_TEST_TARGET.
import { createServer } from 'node:http';
import { readFile, mkdtemp, mkdir } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';

const root = new URL('../../../', import.meta.url).pathname;
const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm', '.json': 'application/json' };
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
  const file = join(root, path === '/' ? 'tests/js/real/index.html' : path);
  if (!file.startsWith(root) || !(path.startsWith('/pkg/') || path.startsWith('/tests/js/') || path === '/')) {
    res.writeHead(404).end();
    return;
  }
  try {
    res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream' }).end(await readFile(file));
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'tc-chromium-real-')), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = 0;
let passed = 0;
let skipped = 0;
const target = process.env.TC_TEST_TARGET || 'devserver';
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
  const vars = Object.fromEntries(['TC_TEST_ROOT_URL', 'TC_TEST_CLIENT_ID', 'TC_TEST_ACCESS_TOKEN', 'TC_TEST_TARGET'].map((k) => [k, process.env[k]]));
  const results = await page.evaluate((v) => window.runAll(v), vars);
  for (const r of results) {
    if (r.skip) { skipped++; console.log(`ok - [${target}] ${r.name} # SKIP ${r.skip}`); continue; }
    console.log(r.ok ? `ok - [${target}] ${r.name} (${r.ms} ms)` : `not ok - [${target}] ${r.name} (${r.ms} ms)\n  ${r.error.replaceAll(vars.TC_TEST_ACCESS_TOKEN, '<token>')}`);
    if (r.ok) passed++; else failed++;
  }
  await mkdir(join(root, 'target'), { recursive: true });
  await page.screenshot({ path: join(root, `target/chromium-${target}-tests.png`), fullPage: true });
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
