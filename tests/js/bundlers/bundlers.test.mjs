// The package bundled for a browser by esbuild, webpack 5, Rollup and Vite, each with its
// default settings and the one documented step it needs (README, "Bundlers"), into a fresh
// CommonJS-typed project that installed the `npm pack` tarball; each bundle runs in headless
// Chromium (Debian's chromium, driven by playwright-core) against the local deployment
// (TC_TEST_* from scripts/test): an authenticated call and a verified download.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { consumer, deployment, pack, requestLog, root, tools } from '../install/consumer.mjs';

const work = join(root, 'target/js-bundlers');
const bin = (name) => join(tools, '.bin', name);
const WASM = 'node_modules/taskcluster-wasm/taskcluster_wasm_bg.wasm';
const page = (script) => `<!doctype html><meta charset="utf-8"><title>bundle</title>${script}\n`;

// name → how a user builds it; every build runs in the project directory.
const BUNDLERS = {
  // esbuild emits no file for `new URL(…, import.meta.url)`, and its default format for
  // browsers (iife) has no top-level await: --format=esm, and the .wasm copied beside the bundle.
  esbuild: (dir) => {
    run(dir, bin('esbuild'), ['src/index.js', '--bundle', '--format=esm', '--outdir=dist']);
    copyFileSync(join(dir, WASM), join(dir, 'dist/taskcluster_wasm_bg.wasm'));
    writeFileSync(join(dir, 'dist/index.html'), page('<script type="module" src="index.js"></script>'));
  },
  // webpack 5 with no configuration at all: ./src/index.js → dist/main.js, the .wasm emitted.
  webpack: (dir) => {
    run(dir, bin('webpack'), []);
    writeFileSync(join(dir, 'dist/index.html'), page('<script src="main.js"></script>'));
  },
  // Rollup resolves packages only with @rollup/plugin-node-resolve (`browser: true` for the
  // browser build) and emits no file for `new URL(…)`: the .wasm copied beside the bundle.
  rollup: (dir) => {
    writeFileSync(join(dir, 'rollup.config.mjs'), [
      "import { nodeResolve } from '@rollup/plugin-node-resolve';",
      "export default { input: 'src/index.js', output: { dir: 'dist' }, plugins: [nodeResolve({ browser: true })] };",
    ].join('\n'));
    run(dir, bin('rollup'), ['-c']);
    copyFileSync(join(dir, WASM), join(dir, 'dist/taskcluster_wasm_bg.wasm'));
    writeFileSync(join(dir, 'dist/index.html'), page('<script type="module" src="index.js"></script>'));
  },
  // Vite with no configuration: index.html → dist/, the .wasm emitted under dist/assets/.
  vite: (dir) => {
    writeFileSync(join(dir, 'index.html'), page('<script type="module" src="/src/index.js"></script>'));
    run(dir, bin('vite'), ['build']);
  },
};

function run(cwd, cmd, args) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const output = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${output}`);
  // Nothing Node-only reached the browser build, and nothing was left unresolved (what each
  // bundler says about `node:` modules, unresolvable imports or expressions it cannot follow).
  // webpack's own default-settings warnings (mode not set, a .wasm over 244 KiB) are allowed.
  assert.doesNotMatch(output, /node:|externali[sz]ed|could not resolve|unresolved|module not found|critical dependency|import\.meta/i,
    `${cmd} warned:\n${output}`);
  return output;
}

let browser;
let packed;
before(async () => {
  packed = pack(join(work, 'pack'));
  browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'tc-chromium-')), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(() => browser && browser.close());

const types = { '.js': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm' };
/** Serves `dir` on 127.0.0.1 (each bundle at its own origin's root, as deployed). */
async function serve(dir) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const file = join(dir, path === '/' ? 'index.html' : path);
    if (!file.startsWith(dir)) return res.writeHead(404).end();
    let body;
    try {
      body = readFileSync(file);
    } catch {
      return res.writeHead(404).end();
    }
    res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream' }).end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

for (const [name, build] of Object.entries(BUNDLERS)) {
  test(`${name}: bundled with its defaults, runs in Chromium: authenticated call and verified download`, async () => {
    const { rootUrl, clientId, accessToken } = deployment();
    const dir = consumer(join(work, name), packed.tarball);
    cpSync(join(root, 'tests/js/bundlers/app/src'), join(dir, 'src'), { recursive: true });
    // The project's own devDependencies, as a user installs them (here: linked from tests/js).
    mkdirSync(join(dir, 'node_modules/@rollup'), { recursive: true });
    symlinkSync(join(tools, '@rollup/plugin-node-resolve'), join(dir, 'node_modules/@rollup/plugin-node-resolve'));
    build(dir);
    const dist = join(dir, 'dist');
    const emitted = readdirSync(dist, { recursive: true }).filter((f) => f.endsWith('.wasm'));
    assert.equal(emitted.length, 1, `one .wasm in dist/: ${emitted}`);
    // No Node built-in is left for the browser to import.
    for (const f of readdirSync(dist, { recursive: true }).filter((f) => f.endsWith('.js'))) {
      assert.doesNotMatch(readFileSync(join(dist, f), 'utf8'), /(?:\bfrom|\bimport|\brequire)\s*\(?\s*["']node:/, `${f} imports a node: module`);
    }

    const server = await serve(dist);
    const tab = await browser.newPage();
    const errors = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    try {
      await tab.goto(`http://127.0.0.1:${server.address().port}/`);
      await tab.waitForFunction(() => window.ready === true, null, { timeout: 20000 })
        .catch((e) => { throw new Error(`the bundle did not load: ${errors.join('; ') || e.message}`); });
      const current = async () => (await requestLog(rootUrl, '/api/auth/v1/scopes/current')).filter((c) => c.clientId === clientId && c.status === 200).length;
      const before = await current();
      const r = await tab.evaluate((v) => window.runScenario(v), { rootUrl, clientId, accessToken });
      assert.ok(Array.isArray(r.scopes) && r.scopes.length > 0, 'currentScopes gave scopes');
      assert.equal(r.contentType, 'text/plain');
      assert.equal(r.text, 'hello from the object service (tc-devserver demo)\n');
      assert.equal(r.wrongHash, 'integrity', 'a wrong hash fails the download');
      assert.deepEqual(errors, []);
      assert.equal(await current(), before + 1, 'the deployment saw one signed currentScopes call');
    } finally {
      await tab.close();
      server.close();
    }
  });
}
