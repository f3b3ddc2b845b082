// Makes a consumer project the way a user would: `npm pack` of the built package (pkg/), then
// `npm install` of the tarball into a fresh project under target/. Shared by the install and
// bundler tests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('../../../', import.meta.url).pathname;
export const tools = join(root, 'tests/js/node_modules');

/** `npm pack` of pkg/ into `dir`: `{tarball, files}` (the paths in the tarball). */
export function pack(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: join(root, 'pkg'), encoding: 'utf8' });
  const [info] = JSON.parse(out);
  return { tarball: join(dir, info.filename), files: info.files.map((f) => f.path) };
}

/**
 * A fresh project in `dir` (package.json `extra` merged in; CommonJS unless it says
 * `"type": "module"`) with the tarball installed; returns `dir`.
 */
export function consumer(dir, tarball, extra = {}) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, ...extra }, null, 2));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', tarball], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const installed = JSON.parse(readFileSync(join(dir, 'node_modules/taskcluster-wasm/package.json'), 'utf8'));
  if (installed.name !== 'taskcluster-wasm') throw new Error('the tarball did not install');
  return dir;
}

/** The local deployment scripts/test started (TC_TEST_* variables). */
export function deployment() {
  const v = (k) => {
    if (!process.env[k]) throw new Error(`${k} must be set (scripts/test sets it)`);
    return process.env[k];
  };
  return { rootUrl: v('TC_TEST_ROOT_URL'), clientId: v('TC_TEST_CLIENT_ID'), accessToken: v('TC_TEST_ACCESS_TOKEN') };
}

/** The local deployment's request log for a path prefix. */
export async function requestLog(rootUrl, prefix) {
  const r = await fetch(`${rootUrl}/__devserver/requests?pathPrefix=${encodeURIComponent(prefix)}`);
  if (!r.ok) throw new Error(`request log: ${r.status}`);
  return r.json();
}
