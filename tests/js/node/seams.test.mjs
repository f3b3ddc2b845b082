// Transfers at their seams (fake, wrapped and plain clients, transfer retries, storage errors)
// against the built package (pkg/) in Node, plus what only Node has: Writable outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import * as tc from '../../../pkg/index.js';
import { seamScenarios } from '../seams.mjs';
import { data, hashesOf } from '../objects-conformance.mjs';

const env = (k) => process.env[k];
for (const [name, fn] of seamScenarios(tc, env)) test(name, fn);

const rootUrl = env('TC_TEST_ROOT_URL');
const credentials = { clientId: env('TC_TEST_CLIENT_ID'), accessToken: env('TC_TEST_ACCESS_TOKEN') };
const fast = { retries: 2, delayFactor: 1, randomizationFactor: 0 };

async function uploaded(bytes) {
  const object = new tc.Object({ rootUrl, credentials });
  const name = `seams/node/${tc.slugid()}`;
  await tc.upload({ ...fast, projectId: 'proj', name, expires: tc.fromNowJSON('1 day'), contentType: 'application/x-test', contentLength: bytes.length, object, streamFactory: () => bytes });
  return { object, name };
}

test('a download into a Writable whose write() returns undefined completes, hashes checked', async () => {
  const bytes = data(3 * 1024 * 1024 + 5, 21);
  const { object, name } = await uploaded(bytes);
  const parts = [];
  class Sloppy extends Writable {
    // Overrides write() without returning anything (as some hand-written writers do).
    write(chunk) { parts.push(Buffer.from(chunk)); }
  }
  let out;
  const ct = await tc.download({ ...fast, name, object, streamFactory: () => (out = new Sloppy()) });
  assert.equal(ct, 'application/x-test');
  const got = Buffer.concat(parts);
  assert.deepEqual(await hashesOf(got), await hashesOf(bytes));
  assert.ok(out.writableEnded, 'ended');
});

test('a Writable with backpressure (write() === false) is waited on, and finished before the download resolves', async () => {
  const bytes = data(2 * 1024 * 1024, 22);
  const { object, name } = await uploaded(bytes);
  const parts = [];
  let finished = false;
  const ct = await tc.download({ ...fast, name, object, streamFactory: () => new Writable({
    highWaterMark: 1024,
    write(chunk, _enc, cb) { parts.push(Buffer.from(chunk)); setTimeout(cb, 1); },
    final(cb) { setTimeout(() => { finished = true; cb(); }, 20); },
  }) });
  assert.equal(ct, 'application/x-test');
  assert.ok(finished, "resolved only after the Writable's 'finish'");
  assert.deepEqual(await hashesOf(Buffer.concat(parts)), await hashesOf(bytes));
});

test("a Writable that fails or closes early fails the download instead of hanging", async () => {
  const bytes = data(3 * 1024 * 1024, 23);
  const { object, name } = await uploaded(bytes);
  await assert.rejects(tc.download({ ...fast, retries: 0, name, object, streamFactory: () => new Writable({
    highWaterMark: 1,
    write(_c, _e, cb) { cb(new Error('disk full')); },
  }) }), /disk full/);
  await assert.rejects(tc.download({ ...fast, retries: 0, name, object, streamFactory: () => {
    const w = new Writable({ highWaterMark: 1, write(_c, _e, _cb) { /* never calls back */ } });
    setTimeout(() => w.destroy(), 50);
    return w;
  } }), /closed|destroyed|premature/i);
});

test("a rejected call's stack names the caller's own function", async () => {
  const queue = new tc.Queue({ rootUrl, credentials });
  async function lookUpTheMissingTask() {
    const task = await queue.task(tc.slugid());
    return task;
  }
  const err = await lookUpTheMissingTask().then(() => null, (e) => e);
  assert.ok(err, 'rejected');
  assert.equal(err.statusCode, 404);
  assert.match(err.stack, /lookUpTheMissingTask/);
  assert.match(err.stack.split('\n')[0], /^Error: /);
  const object = new tc.Object({ rootUrl, credentials });
  async function fetchTheMissingObject() {
    await tc.download({ name: `missing/${tc.slugid()}`, object, streamFactory: () => new WritableStream() });
  }
  const err2 = await fetchTheMissingObject().then(() => null, (e) => e);
  assert.match(err2.stack, /fetchTheMissingObject/);
});

test('a storage server that accepts connections and never reads: GET and PUT (streamed, 16 MiB) fail after their limits', async () => {
  const net = await import('node:net');
  const sockets = new Set();
  const server = net.createServer((s) => { sockets.add(s); s.pause(); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/blob?sig=secret`;
  try {
    const limits = { retries: 1, delayFactor: 1, randomizationFactor: 0, timeout: 300, idleTimeout: 300 };
    const object = {
      startDownload: async () => ({ method: 'getUrl', url, hashes: {}, expires: new Date(Date.now() + 3600e3).toJSON() }),
      createUpload: async (_name, { uploadId, expires }) => ({ uploadId, expires, uploadMethod: { putUrl: { url, expires, headers: { 'content-type': 'application/x-test', 'content-length': String(16 << 20) } } } }),
      finishUpload: async () => {},
    };
    await assert.rejects(tc.download({ ...limits, name: 'n', object, streamFactory: () => new WritableStream() }), (err) => {
      assert.equal(err.code, 'ECONNABORTED');
      assert.equal(err.attempts, 2);
      assert.ok(!String(err.message).includes('secret') && !String(err.url).includes('secret'), 'no presigned query');
      return true;
    });
    const big = new Uint8Array(16 << 20);
    await assert.rejects(tc.upload({ ...limits, projectId: 'proj', name: 'n', expires: tc.fromNowJSON('1 day'), contentType: 'application/x-test', contentLength: big.length, object,
      streamFactory: () => new ReadableStream({ start(c) { for (let i = 0; i < big.length; i += 65536) c.enqueue(big.subarray(i, i + 65536)); c.close(); } }) }), (err) => {
      assert.equal(err.code, 'ECONNABORTED');
      assert.match(err.message, /made no progress for 300 ms/);
      return true;
    });
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});
