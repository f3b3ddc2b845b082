// The package as users get it: `npm pack` of pkg/ holds the README, LICENSE and full metadata,
// and installed from that tarball into fresh CommonJS projects, `require('taskcluster-wasm')`
// works in Node and a TypeScript project compiled to CommonJS type-checks and runs, each making
// an authenticated call to the local deployment (TC_TEST_* from scripts/test).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { consumer, deployment, pack, requestLog, root, tools } from './consumer.mjs';

const work = join(root, 'target/js-install');
let packed;
before(() => {
  packed = pack(join(work, 'pack'));
});

test('npm pack: README, LICENSE, every file the exports name, and full metadata', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'pkg/package.json'), 'utf8'));
  for (const f of ['README.md', 'LICENSE', 'package.json', 'taskcluster_wasm_bg.wasm']) {
    assert.ok(packed.files.includes(f), `${f} is in the tarball`);
  }
  const values = (v) => (typeof v === 'string' ? [v] : Object.values(v).flatMap(values));
  const targets = values(pkg.exports).map((f) => f.replace(/^\.\//, ''));
  assert.ok(targets.includes('index.cjs') && targets.includes('browser.js'));
  for (const f of targets) assert.ok(packed.files.includes(f), `${f} (named in exports) is in the tarball`);
  assert.match(readFileSync(join(root, 'pkg/LICENSE'), 'utf8'), /^Mozilla Public License Version 2\.0/);
  assert.equal(pkg.license, 'MPL-2.0');
  assert.match(pkg.repository.url, /^git\+https:\/\/github\.com\/taskcluster-wasm\/taskcluster-wasm\.git$/);
  assert.match(pkg.homepage, /^https:\/\/github\.com\/taskcluster-wasm\/taskcluster-wasm/);
  assert.ok(pkg.keywords.includes('taskcluster'));
  assert.ok(pkg.exports['.'].require && pkg.exports['.'].browser && pkg.exports['.'].types.require);
});

/** Runs node in `cwd` with the deployment's variables; its stdout parsed as JSON. */
function nodeJson(cwd, args) {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env } });
  assert.equal(r.status, 0, `node ${args[0]} failed:\n${r.stderr.replaceAll(process.env.TC_TEST_ACCESS_TOKEN || '\0', '<token>')}`);
  return JSON.parse(r.stdout);
}

test('require(): the same API, loaded synchronously, makes an authenticated call', async () => {
  const { rootUrl, clientId } = deployment();
  const dir = consumer(join(work, 'cjs'), packed.tarball);
  const current = async () => (await requestLog(rootUrl, '/api/auth/v1/scopes/current')).filter((r) => r.clientId === clientId && r.status === 200).length;
  const before = await current();
  const code = `
    const tc = require('taskcluster-wasm');
    const esm = Object.keys(tc).sort();
    const auth = new tc.Auth({ rootUrl: process.env.TC_TEST_ROOT_URL,
      credentials: { clientId: process.env.TC_TEST_CLIENT_ID, accessToken: process.env.TC_TEST_ACCESS_TOKEN } });
    auth.currentScopes().then((r) => console.log(JSON.stringify({
      scopes: r.scopes, keys: esm, same: tc.default.Queue === tc.Queue })));`;
  const out = nodeJson(dir, ['-e', code]);
  assert.ok(Array.isArray(out.scopes) && out.scopes.length > 0, 'currentScopes gave scopes');
  assert.equal(out.same, true, 'require(...).default is the same API');
  // the same names as the ES module
  const esm = await import(join(dir, 'node_modules/taskcluster-wasm/index.js'));
  assert.deepEqual(out.keys, Object.keys(esm).sort());
  assert.equal(await current(), before + 1, 'the deployment saw one signed currentScopes call from the test client');
});

test('TypeScript emitting CommonJS (module commonjs) type-checks against the types and runs', async () => {
  const { rootUrl, clientId } = deployment();
  const dir = consumer(join(work, 'ts-cjs'), packed.tarball);
  const tsc = join(tools, '.bin/tsc');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'commonjs', target: 'es2022', strict: true, esModuleInterop: true, outDir: 'dist', skipLibCheck: false, types: [] },
    files: ['index.ts'],
  }, null, 2));
  writeFileSync(join(dir, 'index.ts'), `
import taskcluster, { Secrets } from 'taskcluster-wasm';
import * as tc from 'taskcluster-wasm';

// (no @types/node in this project)
declare const process: { env: Record<string, string | undefined>; exit(code: number): never };

const rootUrl: string = process.env.TC_TEST_ROOT_URL!;
const credentials = { clientId: process.env.TC_TEST_CLIENT_ID!, accessToken: process.env.TC_TEST_ACCESS_TOKEN! };
const name = \`project/ts-cjs/\${tc.slugid()}\`;
async function main(): Promise<void> {
  const secrets = new Secrets({ rootUrl, credentials });
  await secrets.set(name, { secret: { from: 'typescript' }, expires: taskcluster.fromNowJSON('1 hour') });
  const got = await new taskcluster.Secrets({ rootUrl, credentials }).get(name);
  console.log(JSON.stringify({ name, secret: got.secret }));
}
main().catch((e) => { console.error(e.message); process.exit(1); });
`);
  execFileSync(tsc, ['-p', '.'], { cwd: dir, stdio: 'inherit' });
  assert.match(readFileSync(join(dir, 'dist/index.js'), 'utf8'), /require\("taskcluster-wasm"\)/, 'tsc emitted CommonJS');
  const out = nodeJson(dir, ['dist/index.js']);
  assert.deepEqual(out.secret, { from: 'typescript' });
  const calls = (await requestLog(rootUrl, `/api/secrets/v1/secret/${encodeURIComponent(out.name)}`)).filter((r) => r.clientId === clientId);
  assert.deepEqual(calls.map((r) => [r.method, r.status]), [['PUT', 200], ['GET', 200]]);

  // The types are really read: a wrong option type fails to compile.
  writeFileSync(join(dir, 'index.ts'), "import { Queue } from 'taskcluster-wasm';\nnew Queue({ rootUrl: 42 });\n");
  const bad = spawnSync(tsc, ['-p', '.', '--noEmit'], { cwd: dir, encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout, /index\.ts\(2,\d+\): error TS2322/, 'rootUrl: number is rejected');
});

test('TypeScript under node16 rules (the "require" types: index.d.cts) in a .cts file', () => {
  const dir = consumer(join(work, 'ts-node16'), packed.tarball);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, outDir: 'dist', types: [] },
    files: ['index.cts'],
  }, null, 2));
  writeFileSync(join(dir, 'index.cts'), `
import tc = require('taskcluster-wasm');
const q: InstanceType<typeof tc.Queue> = new tc.Queue({ rootUrl: 'https://tc.example.com' });
const url: string = q.buildUrl(q.getArtifact, 'abc', 0, 'public/x');
const id: string = tc.default.slugid();
console.log(JSON.stringify({ url, id }));
`);
  const trace = execFileSync(join(tools, '.bin/tsc'), ['-p', '.', '--traceResolution'], { cwd: dir, encoding: 'utf8' });
  assert.match(trace, /taskcluster-wasm\/index\.d\.cts/, 'resolved to index.d.cts');
  const out = nodeJson(dir, ['dist/index.cjs']);
  assert.equal(out.url, 'https://tc.example.com/api/queue/v1/task/abc/runs/0/artifacts/public%2Fx');
  assert.match(out.id, /^[A-Za-z0-9_-]{22}$/);
});
