// discover() against a manifest written as real deployments write it (absolute URLs under the
// root URL, as upstream's relativize.js does), served by a small local server from references/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import * as tc from '../../../pkg/index.js';

const refs = new URL('../../../references/', import.meta.url);

async function serve(manifest) {
  const server = createServer((req, res) => {
    const path = req.url;
    let body;
    if (path === '/references/manifest.json') body = JSON.stringify(manifest(root));
    else if (path.startsWith('/references/') && !path.includes('..')) {
      try { body = readFileSync(new URL(path.slice('/references/'.length), refs)); } catch (_) { /* 404 */ }
    }
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(body || '{}');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const root = `http://127.0.0.1:${server.address().port}`;
  return { root, close: () => new Promise((r) => server.close(r)) };
}

test('discover() reads a manifest of absolute URLs under the root URL, and refuses another host', async () => {
  const s = await serve((root) => ({ references: [`${root}/references/queue/v1/api.json`, `${root}/references/queue/v1/exchanges.json`] }));
  try {
    const found = await tc.discover(s.root);
    assert.equal(typeof found.Queue, 'function');
    assert.equal(typeof found.QueueEvents, 'function');
    assert.equal(typeof found.Queue.prototype.task, 'function');
  } finally {
    await s.close();
  }
  const evil = await serve(() => ({ references: ['http://198.51.100.7/references/queue/v1/api.json'] }));
  try {
    await assert.rejects(tc.discover(evil.root), /neither a path nor a URL under http:\/\/127\.0\.0\.1/);
  } finally {
    await evil.close();
  }
});
