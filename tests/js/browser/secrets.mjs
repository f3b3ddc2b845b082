// In a headless Chromium page (Debian's chromium, driven by playwright-core): the robustness
// scenarios of tests/js/robust.mjs, then console.log of clients (permanent and temporary
// credentials) and of an error from a signed URL, read through the DevTools protocol as the
// console shows them: the preview, and every object expanded (own properties, hidden ones
// included, as DevTools lists them). No access token or bewit may appear; the clientId must.
import { createServer } from 'node:http';
import { readFile, mkdtemp } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';

const root = new URL('../../../', import.meta.url).pathname;
const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
const PAGE = `<!doctype html><meta charset="utf-8"><title>secrets</title><script type="module">
  import * as tc from '/pkg/index.js';
  import { robustScenarios } from '/tests/js/robust.mjs';
  window.runAll = async (vars) => {
    const results = [];
    for (const [name, fn] of robustScenarios(tc, (k) => vars[k], () => [])) {
      try { await fn(); results.push({ name, ok: true }); } catch (e) { results.push({ name, ok: false, error: String(e && e.stack || e) }); }
    }
    return results;
  };
  window.printAll = async (vars) => {
    const credentials = { clientId: vars.TC_TEST_CLIENT_ID, accessToken: vars.TC_TEST_ACCESS_TOKEN };
    const rootUrl = vars.TC_TEST_ROOT_URL;
    const temp = tc.createTemporaryCredentials({ credentials, scopes: [], expiry: tc.fromNow('1 hour') });
    const queue = new tc.Queue({ rootUrl, credentials });
    console.log(queue);
    console.log(new tc.Auth({ rootUrl, credentials: temp }));
    console.log(queue._options);
    const signed = queue.buildSignedUrl(queue.getLatestArtifact, tc.slugid(), 'private/x', { expiration: 60 });
    try { await tc.makeRequest(queue, 'get', signed); } catch (e) { console.log(e); console.log(e.url, e.message); }
    return { temp: temp.accessToken, bewit: new URL(signed).searchParams.get('bewit'), clientId: credentials.clientId };
  };
  window.ready = true;
</script>`;
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
  if (path === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  const file = join(root, path);
  if (!file.startsWith(root) || !(path.startsWith('/pkg/') || path.startsWith('/tests/js/'))) return res.writeHead(404).end();
  try {
    res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream' }).end(await readFile(file));
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));

const browser = await chromium.launchPersistentContext(await mkdtemp(join(tmpdir(), 'tc-chromium-')), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const vars = Object.fromEntries(['TC_TEST_ROOT_URL', 'TC_TEST_CLIENT_ID', 'TC_TEST_ACCESS_TOKEN'].map((k) => [k, process.env[k]]));
let failed = 0;
const report = (ok, name, detail) => {
  console.log(ok ? `ok - ${name}` : `not ok - ${name}\n  ${String(detail).replaceAll(vars.TC_TEST_ACCESS_TOKEN, '<token>')}`);
  if (!ok) failed++;
};
try {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Runtime.enable');
  const seen = [];
  const pending = [];
  // Everything DevTools would show: each argument with its preview, then its own properties
  // (hidden ones included, accessors unevaluated), recursively.
  const expand = async (obj, depth) => {
    seen.push(JSON.stringify(obj));
    if (!obj.objectId || depth > 6) return;
    const { result, internalProperties = [] } = await cdp.send('Runtime.getProperties',
      { objectId: obj.objectId, ownProperties: true, generatePreview: true });
    for (const p of [...result, ...internalProperties]) {
      seen.push(JSON.stringify({ name: p.name, get: p.get && p.get.description, set: p.set && p.set.description }));
      // Values as DevTools lists them; not prototypes or function internals, which hold
      // nothing of the client's and would have us walk the whole realm.
      const walk = p.value && p.value.type === 'object' && !['__proto__', '[[Prototype]]'].includes(p.name);
      if (walk) await expand(p.value, depth + 1);
      else if (p.value) seen.push(JSON.stringify(p.value));
    }
  };
  cdp.on('Runtime.consoleAPICalled', (ev) => { pending.push(...ev.args.map((a) => expand(a, 0))); });
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });

  for (const r of await page.evaluate((v) => window.runAll(v), vars)) report(r.ok, r.name, r.error);

  const secrets = await page.evaluate((v) => window.printAll(v), vars);
  await new Promise((r) => setTimeout(r, 200));
  await Promise.all(pending);
  const text = seen.join('\n');
  const name = 'Chromium console.log of clients, options and a signed-URL error shows no token or bewit';
  const leaks = [['token', vars.TC_TEST_ACCESS_TOKEN], ['temporary token', secrets.temp], ['bewit', secrets.bewit], ['bewit=', 'bewit=']]
    .filter(([, s]) => text.includes(s)).map(([what]) => what);
  if (leaks.length) report(false, name, `printed: ${leaks.join(', ')}`);
  else if (!text.includes(secrets.clientId) || !text.includes('accessToken') || seen.length < 40) {
    report(false, name, `the console capture is not what DevTools shows (${seen.length} entries)`);
  } else report(true, `${name} (${seen.length} DevTools entries checked)`);
} finally {
  await browser.close();
  server.close();
}
console.log(`${failed ? 'FAILED' : 'all passed'}`);
process.exit(failed ? 1 : 0);
