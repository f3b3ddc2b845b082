// Transfers at their seams, as code written for the official client uses them: `fake` clients,
// wrapped clients, plain objects with the same methods, transfer retries independent of the
// API client's, and storage errors that say what failed. Shared by the Node, Deno and
// Chromium-page runners; `seamScenarios(tc, env)` gives `[name, fn]` pairs like scenarios.mjs.
//
// "No request" is checked on the wire: the fake clients' rootUrl is a unique path under the
// local deployment, whose request log (`/__devserver/requests`) would show any call made to it.
import * as assert from './check.mjs';
import { data, hashesOf } from './objects-conformance.mjs';

/** A WritableStream that collects what it is given. */
function collector() {
  const out = { parts: [], closed: false, opened: 0 };
  out.factory = () => {
    out.opened++;
    out.parts = [];
    return new WritableStream({
      write(c) { out.parts.push(new Uint8Array(c)); },
      close() { out.closed = true; },
    });
  };
  out.bytes = () => {
    const all = new Uint8Array(out.parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of out.parts) { all.set(p, o); o += p.length; }
    return all;
  };
  return out;
}

const b64 = (bytes) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
};

export function seamScenarios(tc, env) {
  const need = (name) => {
    const v = env(name);
    if (!v) throw new Error(`${name} must be set (scripts/test sets it)`);
    return v;
  };
  const rootUrl = need('TC_TEST_ROOT_URL');
  const credentials = { clientId: need('TC_TEST_CLIENT_ID'), accessToken: need('TC_TEST_ACCESS_TOKEN') };
  const object = new tc.Object({ rootUrl, credentials });
  const queue = new tc.Queue({ rootUrl, credentials });
  const projectId = 'proj';
  const fast = { retries: 2, delayFactor: 1, randomizationFactor: 0 };

  const admin = async (method, path, body) => {
    const r = await fetch(`${rootUrl}/__devserver/${path}`, {
      method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
    });
    if (!r.ok) throw new Error(`devserver ${method} ${path}: ${r.status} ${await r.text()}`);
    return r.status === 204 ? null : r.json();
  };
  const log = (prefix) => admin('GET', `requests?pathPrefix=${encodeURIComponent(prefix)}`);
  const fault = (f) => admin('POST', 'faults', f);
  const fresh = (what) => `seams/${what}/${tc.slugid()}`;
  // A root URL under which every request would be logged, and none is expected.
  const fakeRoot = () => {
    const prefix = `/fake-root-${tc.slugid()}`;
    return { url: rootUrl + prefix, requests: async () => (await log(prefix)).length };
  };
  // A real object, and what startDownload says of it (its storage URL and hashes).
  const realObject = async (bytes) => {
    const name = fresh('real');
    await tc.upload({ ...fast, projectId, name, expires: tc.fromNowJSON('1 day'), contentType: 'application/x-test', contentLength: bytes.length, object, streamFactory: () => bytes });
    return { name, start: await object.startDownload(name, { acceptDownloadMethods: { getUrl: true } }) };
  };
  const storageKey = (url) => new URL(url).pathname;

  return [
    ['fake mode: upload calls the fake Object (createUpload, finishUpload) with the official arguments and makes no request', async () => {
      const root = fakeRoot();
      const seen = [];
      const fakeObject = new tc.Object({
        rootUrl: root.url,
        credentials,
        fake: {
          createUpload: async (name, payload) => { seen.push(['createUpload', name]); return { projectId, uploadId: payload.uploadId, expires: payload.expires, uploadMethod: { dataInline: true } }; },
          finishUpload: async (name) => { seen.push(['finishUpload', name]); },
        },
      });
      const bytes = data(100, 7);
      const expires = tc.fromNow('1 day');
      const r = await tc.upload({ projectId, name: 'fake/upload', expires, contentType: 'text/plain', contentLength: bytes.length, object: fakeObject, streamFactory: () => bytes });
      const hashes = await hashesOf(bytes);
      assert.deepEqual(r.hashes, hashes, 'hashes of the bytes');
      assert.deepEqual(seen, [['createUpload', 'fake/upload'], ['finishUpload', 'fake/upload']]);
      const create = fakeObject.fakeCalls.createUpload;
      assert.equal(create.length, 1);
      assert.equal(create[0].name, 'fake/upload');
      const p = create[0].payload;
      assert.ok(p.expires instanceof Date && p.expires.getTime() === expires.getTime(), 'expires passed as given (a Date)');
      assert.equal(p.projectId, projectId);
      assert.equal(p.uploadId, r.uploadId);
      assert.deepEqual(p.proposedUploadMethods, {
        dataInline: { contentType: 'text/plain', objectData: b64(bytes) },
        putUrl: { contentType: 'text/plain', contentLength: bytes.length },
      });
      assert.deepEqual(fakeObject.fakeCalls.finishUpload, [{ name: 'fake/upload', payload: { projectId, uploadId: r.uploadId, hashes } }]);
      assert.equal(await root.requests(), 0, 'no request to the fake root URL');
    }],

    ['fake mode: download calls the fake startDownload and fetches only the storage URL it returns', async () => {
      const bytes = data(3000, 8);
      const { start } = await realObject(bytes);
      const root = fakeRoot();
      const fakeObject = new tc.Object({ rootUrl: root.url, credentials, fake: { startDownload: () => start } });
      const out = collector();
      const ct = await tc.download({ name: 'fake/download', object: fakeObject, streamFactory: out.factory });
      assert.equal(ct, 'application/x-test');
      assert.deepEqual(out.bytes(), bytes);
      assert.deepEqual(fakeObject.fakeCalls.startDownload, [{ name: 'fake/download', payload: { acceptDownloadMethods: { getUrl: true } } }]);
      assert.equal(await root.requests(), 0, 'no request to the fake root URL');
      // A fake without the method rejects with the fake's own message, before any transfer.
      const empty = new tc.Object({ rootUrl: root.url, credentials, fake: {} });
      await assert.rejects(tc.download({ name: 'x', object: empty, streamFactory: out.factory }), (err) => {
        assert.match(err.message, /does not have an implementation of startDownload/);
      });
      assert.equal(await root.requests(), 0);
    }],

    ['fake mode: downloadArtifact and downloadManagedArtifact call the fake queue (latestArtifact, artifact) with the official arguments', async () => {
      const bytes = data(500, 9);
      const { start } = await realObject(bytes);
      const root = fakeRoot();
      const fakeQueue = new tc.Queue({
        rootUrl: root.url,
        credentials,
        fake: {
          latestArtifact: async (taskId, name) => ({ storageType: 's3', url: start.url, name, taskId }),
          artifact: async (taskId, runId, name) => (name === 'public/err'
            ? { storageType: 'error', message: 'it broke', reason: 'file-missing-on-worker' }
            : { storageType: 'reference', url: start.url }),
        },
      });
      const out = collector();
      await tc.downloadArtifact({ taskId: 'T', name: 'public/a', queue: fakeQueue, streamFactory: out.factory });
      assert.deepEqual(out.bytes(), bytes);
      assert.deepEqual(fakeQueue.fakeCalls.latestArtifact, [{ taskId: 'T', name: 'public/a' }]);
      await assert.rejects(tc.downloadArtifact({ taskId: 'T', runId: 3, name: 'public/err', queue: fakeQueue, streamFactory: out.factory }), (err) => {
        assert.equal(err.code, 'ArtifactError');
        assert.equal(err.reason, 'file-missing-on-worker');
        assert.equal(err.message, 'it broke');
      });
      assert.deepEqual(fakeQueue.fakeCalls.artifact[0], { taskId: 'T', runId: 3, name: 'public/err' }, 'runId passed as given');
      const before = (await log(storageKey(start.url))).length;
      await assert.rejects(tc.downloadManagedArtifact({ taskId: 'T', runId: 0, name: 'public/ref', queue: fakeQueue, streamFactory: out.factory }), (err) => {
        assert.equal(err.code, 'ArtifactStorageTypeRejected');
        assert.equal(err.storageType, 'reference');
      });
      assert.equal((await log(storageKey(start.url))).length, before, 'a refused reference is never fetched');
      assert.equal(await root.requests(), 0, 'no request to the fake root URL');
    }],

    ['a wrapped Object whose createUpload result is rewritten routes the PUT where the wrapper says; calls are counted', async () => {
      const bytes = data(20000, 10);
      const name = fresh('wrapped');
      const counts = { createUpload: 0, finishUpload: 0 };
      const marker = `routed-${tc.slugid()}`;
      const wrapped = {
        createUpload: async (...args) => {
          counts.createUpload++;
          const r = await object.createUpload(...args);
          const u = new URL(r.uploadMethod.putUrl.url);
          u.searchParams.set('via', marker);
          return { ...r, uploadMethod: { putUrl: { ...r.uploadMethod.putUrl, url: u.toString() } } };
        },
        finishUpload: (...args) => { counts.finishUpload++; return object.finishUpload(...args); },
      };
      await tc.upload({ projectId, name, expires: tc.fromNowJSON('1 day'), contentType: 'application/x-test', contentLength: bytes.length, object: wrapped, streamFactory: () => bytes });
      assert.deepEqual(counts, { createUpload: 1, finishUpload: 1 });
      const puts = (await log('/__storage/')).filter((r) => r.method === 'PUT' && r.url.includes(marker));
      assert.equal(puts.length, 1, 'the PUT went to the rewritten URL');
      const out = collector();
      await tc.download({ name, object, streamFactory: out.factory });
      assert.deepEqual(out.bytes(), bytes);
    }],

    ['a subclass and a plain-object queue work in downloadArtifact (s3 and object artifacts)', async () => {
      class MyQueue extends tc.Queue {
        latestArtifact(...args) { this.calls = (this.calls || 0) + 1; return super.latestArtifact(...args); }
      }
      const sub = new MyQueue({ rootUrl, credentials });
      const out = collector();
      await tc.downloadArtifact({ taskId: 'DemoTaskQ0e0CompletedA', name: 'public/hello.txt', queue: sub, streamFactory: out.factory, ...fast });
      assert.equal(sub.calls, 1);
      assert.ok(new TextDecoder().decode(out.bytes()).startsWith('hello, world'), 'the s3 artifact');
      const plain = {
        latestArtifact: (taskId, name) => queue.latestArtifact(taskId, name),
        artifact: (taskId, runId, name) => queue.artifact(taskId, runId, name),
      };
      const out2 = collector();
      await tc.downloadArtifact({ taskId: 'DemoTaskQ0e0CompletedA', runId: 0, name: 'public/object.txt', queue: plain, rootUrl, streamFactory: out2.factory, ...fast });
      assert.ok(out2.bytes().length > 0, 'an object artifact through a plain queue');
      await assert.rejects(tc.downloadArtifact({ taskId: 'DemoTaskQ0e0CompletedA', runId: 0, name: 'public/object.txt', queue: plain, streamFactory: out2.factory }), /needs the deployment's root URL/);
      await assert.rejects(tc.downloadArtifact({ taskId: 'T', name: 'x', queue: {}, streamFactory: out2.factory }), /options\.queue has no latestArtifact method/);
      await assert.rejects(tc.upload({ projectId, name: 'x', expires: tc.fromNowJSON('1 day'), contentLength: 1, object: { createUpload() {} }, streamFactory: () => new Uint8Array(1) }), /options\.object has no finishUpload method/);
    }],

    ['transfer retries ignore the API client\'s retries: 0 (a presigned PUT and GET that fail once with 500 succeed)', async () => {
      const noRetries = new tc.Object({ rootUrl, credentials, retries: 0 });
      const bytes = data(10000, 11);
      const name = fresh('retries');
      await fault({ method: 'PUT', pathPrefix: '/__storage/', times: 1, action: { kind: 'status', status: 500 } });
      let opened = 0;
      await tc.upload({ projectId, name, expires: tc.fromNowJSON('1 day'), contentType: 'application/x-test', contentLength: bytes.length, object: noRetries, delayFactor: 1, streamFactory: () => { opened++; return bytes; } });
      assert.equal(opened, 2, 'upload streamFactory calls');
      const key = new URL((await noRetries.startDownload(name, { acceptDownloadMethods: { getUrl: true } })).url).pathname;
      await fault({ method: 'GET', pathPrefix: '/__storage/', times: 1, action: { kind: 'status', status: 500 } });
      const out = collector();
      await tc.download({ name, object: noRetries, delayFactor: 1, streamFactory: out.factory });
      assert.equal((await log(key)).filter((r) => r.method === 'GET').length, 2, 'storage GETs');
      // The output is opened when the first byte arrives (a 500 writes nothing), so once here.
      assert.equal(out.opened, 1, 'download streamFactory calls');
      assert.deepEqual(out.bytes(), bytes);
    }],

    ['a storage error names the status, its reason, the method and the URL without its query (4xx is never a "Server Error")', async () => {
      const bytes = data(10000, 12);
      const name = fresh('storage-error');
      await fault({ method: 'PUT', pathPrefix: '/__storage/', times: 1, action: { kind: 'status', status: 403 } });
      await assert.rejects(tc.upload({ ...fast, projectId, name, expires: tc.fromNowJSON('1 day'), contentType: 'application/x-test', contentLength: bytes.length, object, streamFactory: () => bytes }), (err) => {
        assert.equal(err.statusCode, 403);
        assert.match(err.message, /^Request failed with status code 403 \(Forbidden\): PUT http:\/\/127\.0\.0\.1:\d+\/__storage\/[^?]+$/);
        assert.ok(!/Server Error/.test(err.message));
        assert.ok(!String(err.url).includes('?'), 'no presigned query in err.url');
      });
      const { name: real } = await realObject(bytes);
      await fault({ method: 'GET', pathPrefix: '/__storage/', times: 1, action: { kind: 'status', status: 404 } });
      await assert.rejects(tc.download({ ...fast, name: real, object, streamFactory: collector().factory }), (err) => {
        assert.equal(err.statusCode, 404);
        assert.match(err.message, /^Request failed with status code 404 \(Not Found\): GET http:\/\/127\.0\.0\.1:\d+\/__storage\/[^?]+$/);
      });
    }],

    ['no transfer waits forever: a storage server that never answers a GET or a PUT fails each attempt after `timeout`; a stalled body after `idleTimeout`', async () => {
      const bytes = data(40000, 13);
      const { name } = await realObject(bytes);
      const limits = { retries: 1, delayFactor: 1, randomizationFactor: 0, timeout: 300, idleTimeout: 300 };
      const key = new URL((await object.startDownload(name, { acceptDownloadMethods: { getUrl: true } })).url).pathname;
      // GET: accepted, never answered.
      await fault({ method: 'GET', pathPrefix: key, times: 2, action: { kind: 'hang' } });
      await assert.rejects(tc.download({ ...limits, name, object, streamFactory: collector().factory }), (err) => {
        assert.equal(err.code, 'ECONNABORTED');
        assert.equal(err.attempts, 2);
        assert.match(err.message, /did not answer within 300 ms/);
      });
      // GET: headers, then one byte a second (never a whole idle period's worth).
      await fault({ method: 'GET', pathPrefix: key, times: 1, action: { kind: 'throttle', bytesPerSecond: 1, ms: 30000 } });
      await assert.rejects(tc.download({ ...limits, retries: 0, name, object, streamFactory: collector().factory }), (err) => {
        assert.equal(err.code, 'ECONNABORTED');
        assert.match(err.message, /stalled/);
      });
      // PUT: accepted, never answered.
      await fault({ method: 'PUT', pathPrefix: '/__storage/', times: 2, action: { kind: 'hang' } });
      await assert.rejects(tc.upload({ ...limits, projectId, name: fresh('hang-put'), expires: tc.fromNowJSON('1 day'), contentType: 'application/x-test', contentLength: bytes.length, object, streamFactory: () => bytes }), (err) => {
        assert.equal(err.code, 'ECONNABORTED');
        assert.equal(err.attempts, 2);
        assert.equal(err.method, 'PUT');
      });
      // And the storage server still serves once the faults are used up.
      const out = collector();
      await tc.download({ ...fast, name, object, streamFactory: out.factory });
      assert.deepEqual(out.bytes(), bytes);
    }],

    ['a rejection from the caller\'s own method is passed on unchanged', async () => {
      class Special extends Error {}
      const boom = new Special('no uploads today');
      boom.code = 'Custom';
      const object2 = { createUpload: () => { throw boom; }, finishUpload: async () => {} };
      await assert.rejects(tc.upload({ projectId, name: 'x', expires: tc.fromNowJSON('1 day'), contentLength: 1, object: object2, streamFactory: () => new Uint8Array(1) }), (err) => {
        assert.ok(err === boom, 'the same error object');
      });
      const object3 = { startDownload: async () => Promise.reject(boom) };
      await assert.rejects(tc.download({ name: 'x', object: object3, streamFactory: collector().factory }), (err) => assert.ok(err === boom));
    }],
  ];
}
