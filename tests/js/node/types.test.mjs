// The package's type declarations, checked with `tsc --strict`: correct uses compile, and the
// `@ts-expect-error` lines in tests/js/types/ fail the check if the declarations stop
// rejecting what they must reject.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../types/', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/.bin/tsc', import.meta.url));

test('types: every service is typed from its schemas (payloads, results, query options, buildUrl/buildSignedUrl/paginate by method); fake implementations are typed per service class; transfers take any object with the methods they call', () => {
  const r = spawnSync(tsc, ['-p', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
});
