// The conformance cases of docs objects.md §5 that apply to the JS API of the built package,
// shared by the Node, Deno and Chromium-page runners. Every case checks what the client did
// on the wire through the local deployment's request log (`/__devserver/requests`), and uses
// its fault rules (`/__devserver/faults`) to set up the server's side of a case.
//
// `objectScenarios(tc, env)` gives `[name, fn]` pairs like scenarios.mjs. Test names start with
// the §5 case IDs they cover.
//
// Host differences the package documents (js/objects.js, src/js/objects.rs, fetch transport):
// - A ReadableStream source is streamed with a fixed Content-Length only in Node; browsers and
//   Deno get it collected into a Blob first (they cannot stream a fixed-length request body).
// - Uint8Array and Blob sources go to fetch as they are, hashed in a separate pass, so their
//   upload progress is reported once, at the end.
// - Browsers hide 3xx responses from fetch (`redirect: "manual"` gives an opaque response).
// - The fake blob store's CORS preflight allows a fixed header list, so a browser cannot send
//   an extra putUrl header such as X-Test-Header to it.
import * as assert from './check.mjs';

const g = globalThis;
const ua = (g.navigator && g.navigator.userAgent) || '';
const isDeno = !!g.Deno;
const isBrowser = !!(g.window || g.WorkerGlobalScope) && !isDeno && !ua.includes('Cloudflare-Workers');
const isNode = !isDeno && !isBrowser && !!(g.process && g.process.versions && g.process.versions.node);

const MiB = 1024 * 1024;
const EMPTY = {
  sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  sha512: 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
};
const HELLO = {
  sha256: '09ca7e4eaa6e8ae9c7d261167129184883644d07dfba7cbfbc4c8a2e08360d5b',
  sha512: '8710339dcb6814d0d9d2290ef422285c9322b7163951f9a0ca8f883d3305286f44139aa374848e4174f5aada663027e4548637b6d19894aec4fb6c46a139fbf9',
};
const SLUGID_V4 = /^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$/;
const DEMO_TASK = 'DemoTaskQ0e0CompletedA';

/** Deterministic pseudo-random bytes. */
export function data(n, seed = 1) {
  const out = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 255;
  }
  return out;
}

const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
/** Independent hashes (WebCrypto) of some bytes. */
export async function hashesOf(bytes) {
  return {
    sha256: hex(await crypto.subtle.digest('SHA-256', bytes)),
    sha512: hex(await crypto.subtle.digest('SHA-512', bytes)),
  };
}
const sha256Text = async (text) => hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
// JSON text with keys sorted (the order a BTreeMap-backed serializer gives).
const sortedJson = (v) => (Array.isArray(v) ? `[${v.map(sortedJson).join(',')}]`
  : v && typeof v === 'object' ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${sortedJson(v[k])}`).join(',')}}` : JSON.stringify(v));
/** The body the log saw (its SHA-256) is exactly this JSON value (in insertion or sorted key order). */
async function bodyIs(rec, value, what) {
  assert.ok(rec.bodySha256, `${what}: the request log has no bodySha256 (an old tc-devserver?)`);
  const ok = [await sha256Text(JSON.stringify(value)), await sha256Text(sortedJson(value))].includes(rec.bodySha256);
  assert.ok(ok, `${what}: the body is not exactly ${JSON.stringify(value)}`);
}
const concat = (parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
/** Byte-for-byte equality, with the first difference in the message. */
function sameBytes(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) assert.ok(false, `${what}: first difference at byte ${i}`);
  }
}
/** A WritableStream that records what happens to it. */
function collector() {
  const out = { parts: [], closed: false, aborted: null, opened: 0 };
  out.factory = () => {
    out.opened++;
    out.parts = [];
    return new WritableStream({
      write(c) { out.parts.push(new Uint8Array(c)); },
      close() { out.closed = true; },
      abort(r) { out.aborted = r || new Error('aborted'); },
    });
  };
  out.bytes = () => concat(out.parts);
  return out;
}
/** Reads a ReadableStream to its end, keeping the chunks. */
async function readStream(stream) {
  const reader = stream.getReader();
  const parts = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return concat(parts);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A ReadableStream over `bytes` in chunks of `size`, produced on demand (pull). */
function streamOf(bytes, size = 64 * 1024) {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) { c.close(); return; }
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  }, { highWaterMark: 0 });
}
/** Progress reports must never go backwards and must end at the total. */
function checkProgress(seen, total, what) {
  assert.ok(seen.length > 0, `${what}: no progress reported`);
  for (let i = 1; i < seen.length; i++) {
    assert.ok(seen[i][0] >= seen[i - 1][0], `${what}: progress went back from ${seen[i - 1][0]} to ${seen[i][0]}`);
  }
  for (const [done, t] of seen) {
    assert.ok(done <= total, `${what}: ${done} > ${total}`);
    if (t !== undefined) assert.equal(t, total, `${what}: total`);
  }
  assert.deepEqual(seen[seen.length - 1], [total, total], `${what}: last report`);
}

/** The cases that pass with the package as it is: wired into every runner. */
export function objectScenarios(tc, env) {
  return build(tc, env).scenarios;
}

function build(tc, env) {
  const need = (name) => {
    const v = env(name);
    if (!v) throw new Error(`${name} must be set (scripts/test sets it)`);
    return v;
  };
  const rootUrl = need('TC_TEST_ROOT_URL');
  const credentials = { clientId: need('TC_TEST_CLIENT_ID'), accessToken: need('TC_TEST_ACCESS_TOKEN') };
  // §5: retries=2, delayFactor=1ms, randomizationFactor=0 unless a case says otherwise.
  const options = { rootUrl, credentials, retries: 2, delayFactor: 1, randomizationFactor: 0 };
  // Transfers take their own retry options (the API client's do not apply to them).
  const xfer = { retries: 2, delayFactor: 1, randomizationFactor: 0 };
  const object = new tc.Object(options);
  const queue = new tc.Queue(options);
  const projectId = 'proj';

  // The Rust client's path-segment encoding (everything but A-Z a-z 0-9 _ . - ~).
  const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  const admin = async (method, path, body) => {
    const r = await fetch(`${rootUrl}/__devserver/${path}`, {
      method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
    });
    if (!r.ok) throw new Error(`devserver ${method} ${path}: ${r.status} ${await r.text()}`);
    return r.status === 204 ? null : r.json();
  };
  const log = (prefix) => admin('GET', `requests?pathPrefix=${encodeURIComponent(prefix)}`);
  const fault = (f) => admin('POST', 'faults', f);
  // What the object service holds under a name (null if nothing): {finished, hashes, blob}.
  const stored = async (name) => {
    const r = await fetch(`${rootUrl}/__devserver/objects?name=${encodeURIComponent(name)}`);
    if (r.status === 404) { await r.body?.cancel(); return null; }
    if (!r.ok) throw new Error(`devserver objects: ${r.status} ${await r.text()}`);
    return r.json();
  };
  // The blob store holds exactly these bytes, and finishUpload recorded their hashes.
  const storedIs = async (name, hashes, what) => {
    const o = await stored(name);
    assert.ok(o && o.finished, `${what}: finished`);
    assert.deepEqual(o.hashes, hashes, `${what}: recorded hashes`);
    assert.equal(o.blob && o.blob.sha256, hashes.sha256, `${what}: stored bytes (sha256)`);
    assert.equal(o.blob.sha512, hashes.sha512, `${what}: stored bytes (sha512)`);
  };
  const api = (name) => ({
    upload: `/api/object/v1/upload/${enc(name)}`,
    finish: `/api/object/v1/finish-upload/${enc(name)}`,
    start: `/api/object/v1/start-download/${enc(name)}`,
  });
  const keyOf = (url) => new URL(url).pathname.split('/').pop();
  const blob = (key) => `/__storage/${key}?`;
  const blobLog = async (key, method) => (await log(blob(key))).filter((r) => !method || r.method === method);
  const calls = async (prefix, method) => (await log(prefix)).filter((r) => r.method === method);
  // The blob key of a finished object (this adds one startDownload to the log).
  const keyOfObject = async (name) => keyOf((await object.startDownload(name, { acceptDownloadMethods: { getUrl: true } })).url);
  // Locks in an upload (createUpload proposing putUrl only) and gives its putUrl; a later
  // createUpload with the same uploadId and expires is accepted and uses the same blob key.
  const lockIn = async (name, uploadId, expires, contentType, contentLength) =>
    (await object.createUpload(name, { projectId, uploadId, expires, proposedUploadMethods: { putUrl: { contentType, contentLength } } })).uploadMethod.putUrl;
  const createBody = (uploadId, expires, ct, bytes) => JSON.stringify({
    projectId, uploadId, expires, proposedUploadMethods: {
      ...(bytes.length < 8192 ? { dataInline: { contentType: ct, objectData: b64(bytes) } } : {}),
      putUrl: { contentType: ct, contentLength: bytes.length },
    },
  });
  const b64 = (bytes) => {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s);
  };
  const upload = (name, bytes, extra = {}) => tc.upload({ ...xfer, 
    projectId, name, expires: tc.fromNowJSON('1 day'), contentType: 'application/x-test', contentLength: bytes.length,
    object, streamFactory: () => bytes, ...extra,
  });
  const downloadBytes = async (name, extra = {}) => {
    const out = collector();
    const contentType = await tc.download({ ...xfer, name, object, streamFactory: out.factory, ...extra });
    assert.ok(out.opened >= 1, 'output opened'); // (how often: asserted by the cases that care)
    assert.ok(out.closed, 'output closed after verification');
    return { contentType, bytes: out.bytes(), out };
  };
  const fresh = (what) => `conformance/${what}/${tc.slugid()}`;

  // (fetch gives no chunk at all for an empty body in Deno and Chromium: the output must be
  // opened and closed all the same.)
  const d11 = [`D11: a zero-byte object (inline and putUrl) downloads as 0 B: one GET; download() opens and closes its output once; downloadStream() closes normally; the empty-string hashes verify`, async () => {
    for (const via of ['dataInline', 'putUrl']) {
      const name = fresh(`d11-${via}`);
      const expires = tc.fromNowJSON('1 day');
      const uploadId = tc.slugid.v4();
      if (via === 'putUrl') {
        const putUrl = await lockIn(name, uploadId, expires, 'application/x-test', 0);
        await fault({ method: 'PUT', pathPrefix: api(name).upload, times: 1, action: { kind: 'status', status: 200, body: { projectId, uploadId, expires, uploadMethod: { putUrl } } } });
      }
      await upload(name, new Uint8Array(0), { expires, uploadId });
      const key = await keyOfObject(name);
      assert.equal((await blobLog(key, 'PUT')).length, via === 'putUrl' ? 1 : 0, `${via}: PUTs`);
      const { bytes, out } = await downloadBytes(name); // opened and closed
      assert.equal(out.opened, 1, `${via}: output opened once`);
      assert.equal(bytes.length, 0);
      assert.equal(out.aborted, null);
      const { stream, result } = tc.downloadStream({ ...xfer, name, object });
      const res = await result;
      assert.equal(res.length, 0);
      assert.deepEqual(res.hashes, EMPTY);
      const closed = await Promise.race([readStream(stream).then((b) => b.length), sleep(3000).then(() => 'still open after 3 s')]);
      assert.equal(closed, 0, `${via}: downloadStream()`);
      assert.deepEqual((await blobLog(key, 'GET')).map((x) => x.status), [200, 200], `${via}: one GET per download`);
    }
  }];

  const scenarios = [
    ['U1, D1: "hello, world" goes dataInline (one createUpload with the exact body, no PUT), finishes with its hashes, and downloads through one startDownload and one unsigned GET', async () => {
      const name = fresh('u1');
      const expires = tc.fromNowJSON('1 day');
      const hello = new TextEncoder().encode('hello, world');
      const r = await tc.upload({ ...xfer, projectId, name, expires, contentType: 'text/plain', contentLength: 12, object, streamFactory: () => hello });
      assert.match(r.uploadId, SLUGID_V4);
      assert.deepEqual(r.hashes, HELLO);
      const creates = await calls(api(name).upload, 'PUT');
      assert.equal(creates.length, 1, 'createUploads');
      assert.equal(creates[0].status, 200);
      // The body is exactly projectId, uploadId, expires (as given) and both proposals.
      const want = JSON.stringify({ projectId, uploadId: r.uploadId, expires, proposedUploadMethods: {
        dataInline: { contentType: 'text/plain', objectData: 'aGVsbG8sIHdvcmxk' }, putUrl: { contentType: 'text/plain', contentLength: 12 } } });
      assert.equal(creates[0].bodyLength, want.length, 'createUpload body length');
      await bodyIs(creates[0], JSON.parse(want), 'createUpload');
      const finishes = await calls(api(name).finish, 'POST');
      assert.equal(finishes.length, 1, 'finishUploads');
      await bodyIs(finishes[0], { projectId, uploadId: r.uploadId, hashes: HELLO }, 'finishUpload');
      const key = await keyOfObject(name);
      assert.equal((await blobLog(key, 'PUT')).length, 0, 'no PUT for dataInline');
      // D1
      const before = (await calls(api(name).start, 'PUT')).length;
      const { contentType, bytes } = await downloadBytes(name);
      assert.equal(new TextDecoder().decode(bytes), 'hello, world');
      assert.equal(contentType, 'text/plain');
      const starts = (await calls(api(name).start, 'PUT')).slice(before);
      assert.equal(starts.length, 1, 'one startDownload');
      await bodyIs(starts[0], { acceptDownloadMethods: { getUrl: true } }, 'startDownload');
      const gets = await blobLog(key, 'GET');
      assert.equal(gets.length, 1, 'one GET');
      assert.equal(gets[0].hawk, null, 'no Authorization on the blob GET');
      assert.equal(gets[0].status, 200);
    }],

    ['U2, U4: 0 B, 1 B and 8191 B go dataInline (source read before createUpload); 8192 B proposes only putUrl, reads the source after createUpload and sends one PUT; 1 B, 8191 B and 8192 B round-trip (0 B: see D11)', async () => {
      for (const n of [0, 1, 8191, 8192]) {
        const name = fresh(`size-${n}`);
        const expires = tc.fromNowJSON('1 day');
        const d = data(n, n + 7);
        const reads = [];
        const r = await tc.upload({ ...xfer, projectId, name, expires, contentType: 'application/x-test', contentLength: n, object,
          // records how many createUploads the server had seen when the source was opened
          streamFactory: async () => { reads.push((await calls(api(name).upload, 'PUT')).length); return d; } });
        assert.deepEqual(r.hashes, await hashesOf(d), `${n}: hashes`);
        if (n === 0) assert.deepEqual(r.hashes, EMPTY);
        const creates = await calls(api(name).upload, 'PUT');
        assert.equal(creates.length, 1, `${n}: createUploads`);
        await bodyIs(creates[0], JSON.parse(createBody(r.uploadId, expires, 'application/x-test', d)), `${n}: createUpload`);
        const key = await keyOfObject(name);
        const puts = await blobLog(key, 'PUT');
        if (n < 8192) {
          assert.deepEqual(reads, [0], `${n}: source read once, before createUpload`);
          assert.equal(puts.length, 0, `${n}: no PUT`);
        } else {
          assert.deepEqual(reads, [1], `${n}: source read once, after createUpload`);
          assert.equal(puts.length, 1, `${n}: one PUT`);
          assert.equal(puts[0].contentLength, n);
          assert.equal(puts[0].bodyLength, n);
          assert.equal(puts[0].bodySha256, r.hashes.sha256);
          assert.equal(puts[0].status, 200);
        }
        if (n === 0) continue; // the download of a zero-byte object is case D11
        const { bytes } = await downloadBytes(name);
        sameBytes(bytes, d, `${n}: download()`);
        const { stream, result } = tc.downloadStream({ ...xfer, name, object });
        sameBytes(await readStream(stream), d, `${n}: downloadStream()`); // ends with close(), not error()
        const res = await result;
        assert.equal(res.length, n);
        assert.deepEqual(res.hashes, r.hashes);
        const gets = await blobLog(key, 'GET');
        assert.deepEqual(gets.map((x) => x.status), [200, 200], `${n}: GETs`);
      }
    }],

    [`U3: 10240 B from a Uint8Array, a Blob and a ReadableStream${isNode ? '' : ' (collected into a Blob on this host)'}: one PUT with Content-Type and one Content-Length: 10240 (not chunked: the blob store answers 501 to chunked and 411 without a length), stored bytes identical, progress monotonic up to the total`, async () => {
      const kinds = [
        ['Uint8Array', (d) => () => d],
        ['Blob', (d) => () => new Blob([d.slice(0, 3000), d.slice(3000)])],
        ['ReadableStream', (d) => () => streamOf(d, 1000)],
      ];
      for (const [kind, make] of kinds) {
        const d = data(10240, kind.length);
        const name = fresh(`u3-${kind}`);
        const seen = [];
        let opened = 0;
        const factory = make(d);
        const r = await upload(name, d, { streamFactory: () => { opened++; return factory(); }, onProgress: (done, total) => seen.push([done, total]) });
        assert.equal(opened, 1, `${kind}: streamFactory calls`);
        assert.deepEqual(r.hashes, await hashesOf(d), `${kind}: finish hashes`);
        checkProgress(seen, 10240, kind);
        if (kind === 'ReadableStream' && isNode) assert.ok(seen.length >= 5, `${kind}: progress per chunk (${seen.length} reports)`);
        const key = await keyOfObject(name);
        const puts = await blobLog(key, 'PUT');
        assert.equal(puts.length, 1, `${kind}: PUTs`);
        assert.equal(puts[0].status, 200, `${kind}: PUT status`);
        assert.equal(puts[0].contentType, 'application/x-test');
        assert.equal(puts[0].contentLength, 10240);
        assert.equal(puts[0].bodyLength, 10240);
        assert.equal(puts[0].bodySha256, r.hashes.sha256, `${kind}: stored bytes`);
        assert.equal(puts[0].transferEncoding, undefined, `${kind}: Transfer-Encoding`);
        assert.equal(puts[0].contentEncoding, 'identity', `${kind}: Content-Encoding from putUrl.headers`);
        assert.equal(puts[0].hawk, null, `${kind}: no Authorization on the PUT`);
        await storedIs(name, r.hashes, kind);
        sameBytes((await downloadBytes(name)).bytes, d, kind);
      }
    }],

    [`U11, U3: the service answers putUrl (with extra headers${isBrowser ? '; no X-Test-Header from a browser, whose preflight to the blob store does not allow it' : ', X-Test-Header: good'}) although dataInline was proposed for 5 B: streamFactory is called again and one 5-byte PUT follows`, async () => {
      const name = fresh('u11');
      const expires = tc.fromNowJSON('1 day');
      const uploadId = tc.slugid.v4();
      const putUrl = await lockIn(name, uploadId, expires, 'text/plain', 5);
      if (!isBrowser) putUrl.headers['X-Test-Header'] = 'good';
      await fault({ method: 'PUT', pathPrefix: api(name).upload, times: 1, action: { kind: 'status', status: 200, body: { projectId, uploadId, expires, uploadMethod: { putUrl } } } });
      const d = new TextEncoder().encode('fives');
      let opened = 0;
      const r = await tc.upload({ ...xfer, projectId, name, expires, uploadId, contentType: 'text/plain', contentLength: 5, object, streamFactory: () => { opened++; return d; } });
      assert.equal(opened, 2, 'streamFactory: once for the inline proposal, once for the PUT');
      assert.deepEqual(r.hashes, await hashesOf(d));
      const puts = await blobLog(keyOf(putUrl.url), 'PUT');
      assert.equal(puts.length, 1);
      assert.equal(puts[0].status, 200);
      assert.equal(puts[0].contentLength, 5);
      assert.equal(puts[0].bodyLength, 5);
      assert.equal(puts[0].bodySha256, r.hashes.sha256);
      assert.equal(puts[0].contentType, 'text/plain');
      assert.equal(puts[0].contentEncoding, 'identity');
      assert.equal((await calls(api(name).finish, 'POST')).length, 1);
      sameBytes((await downloadBytes(name)).bytes, d, 'download');
    }],

    ['U4: a zero-byte upload through putUrl sends Content-Length: 0 and an empty body and finishes with the empty-string hashes (its download: D11)', async () => {
      const name = fresh('u4');
      const expires = tc.fromNowJSON('1 day');
      const uploadId = tc.slugid.v4();
      const putUrl = await lockIn(name, uploadId, expires, 'application/x-test', 0);
      await fault({ method: 'PUT', pathPrefix: api(name).upload, times: 1, action: { kind: 'status', status: 200, body: { projectId, uploadId, expires, uploadMethod: { putUrl } } } });
      const r = await upload(name, new Uint8Array(0), { expires, uploadId });
      assert.deepEqual(r.hashes, EMPTY);
      const puts = await blobLog(keyOf(putUrl.url), 'PUT');
      assert.equal(puts.length, 1);
      assert.equal(puts[0].status, 200);
      assert.equal(puts[0].contentLength, 0);
      assert.equal(puts[0].bodyLength, 0);
      assert.equal(puts[0].bodySha256, EMPTY.sha256);
      assert.deepEqual((await object.startDownload(name, { acceptDownloadMethods: { getUrl: true } })).hashes, EMPTY);
    }],

    [`U5: a PUT answered 500 is retried: two PUTs with the full length, streamFactory called once per PUT, hashes not double-counted (Uint8Array and ReadableStream${isNode ? '' : ' as a Blob'})`, async () => {
      for (const [kind, make] of [['Uint8Array', (d) => d], ['ReadableStream', (d) => streamOf(d, 4096)]]) {
        const name = fresh(`u5-${kind}`);
        const expires = tc.fromNowJSON('1 day');
        const uploadId = tc.slugid.v4();
        const d = data(10 * 1024, 5);
        const key = keyOf((await lockIn(name, uploadId, expires, 'application/x-test', d.length)).url);
        await fault({ method: 'PUT', pathPrefix: blob(key), times: 1, action: { kind: 'status', status: 500 } });
        let opened = 0;
        const r = await upload(name, d, { expires, uploadId, streamFactory: () => { opened++; return make(d); } });
        assert.equal(opened, 2, `${kind}: streamFactory calls`);
        assert.deepEqual(r.hashes, await hashesOf(d), `${kind}: hashes`);
        const puts = await blobLog(key, 'PUT');
        assert.deepEqual(puts.map((p) => p.status), [500, 200], `${kind}: PUT statuses`);
        assert.deepEqual(puts.map((p) => p.contentLength), [d.length, d.length], `${kind}: Content-Length of each PUT`);
        assert.equal(puts[1].bodyLength, d.length);
        assert.equal(puts[1].bodySha256, r.hashes.sha256, `${kind}: the retried PUT's body`);
        assert.equal((await calls(api(name).finish, 'POST')).length, 1);
        await storedIs(name, await hashesOf(d), kind);
        sameBytes((await downloadBytes(name)).bytes, d, kind);
      }
    }],

    ['U6: PUT 500, 500, 501 gives up after 3 PUTs with the 501; PUT 400 and 403 fail after exactly 1 PUT; never a finishUpload', async () => {
      const cases = [[[500, 500, 501], 501, 3], [[400], 400, 1], [[403], 403, 1]];
      for (const [statuses, last, attempts] of cases) {
        const name = fresh(`u6-${last}`);
        const expires = tc.fromNowJSON('1 day');
        const uploadId = tc.slugid.v4();
        const d = data(10 * 1024, 6);
        const key = keyOf((await lockIn(name, uploadId, expires, 'application/x-test', d.length)).url);
        for (const status of statuses) await fault({ method: 'PUT', pathPrefix: blob(key), times: 1, action: { kind: 'status', status } });
        let opened = 0;
        await assert.rejects(upload(name, d, { expires, uploadId, streamFactory: () => { opened++; return d; } }), (err) => {
          assert.equal(err.statusCode, last, `${last}: statusCode (${err.message})`);
          assert.equal(err.attempts, attempts, `${last}: attempts`);
        });
        assert.equal(opened, attempts, `${last}: streamFactory calls`);
        assert.deepEqual((await blobLog(key, 'PUT')).map((p) => p.status), statuses, `${last}: PUTs`);
        assert.equal((await calls(api(name).finish, 'POST')).length, 0, `${last}: no finishUpload`);
        const o = await stored(name);
        assert.ok(o && !o.finished && !o.blob, `${last}: an unfinished upload with no blob`);
      }
    }],

    [`U7: the connection is reset during the PUT of 1 MiB (before the server reads the body: the fault closes it on arrival), once: retried, the second PUT is complete and the hashes are right`, async () => {
      const name = fresh('u7');
      const expires = tc.fromNowJSON('1 day');
      const uploadId = tc.slugid.v4();
      const d = data(MiB, 7);
      const key = keyOf((await lockIn(name, uploadId, expires, 'application/x-test', d.length)).url);
      await fault({ method: 'PUT', pathPrefix: blob(key), times: 1, action: { kind: 'reset' } });
      const r = await upload(name, d, { expires, uploadId, streamFactory: () => streamOf(d) });
      assert.deepEqual(r.hashes, await hashesOf(d));
      const puts = await blobLog(key, 'PUT');
      assert.deepEqual(puts.map((p) => p.status), [0, 200], 'a reset, then a complete PUT');
      assert.equal(puts[1].bodyLength, d.length);
      assert.equal(puts[1].bodySha256, r.hashes.sha256);
      await storedIs(name, await hashesOf(d), 'stored object');
      sameBytes((await downloadBytes(name)).bytes, d, 'stored object');
    }],

    ['U8: an already-expired putUrl is replaced before the PUT by a second createUpload with the same body (uploadId, expires string), which the service accepts', async () => {
      const name = fresh('u8');
      const expires = tc.fromNowJSON('1 day');
      const uploadId = tc.slugid.v4();
      const d = data(10 * 1024, 8);
      await fault({ method: 'PUT', pathPrefix: api(name).upload, times: 1, action: { kind: 'expireUrl' } });
      const t0 = Date.now();
      const r = await upload(name, d, { expires, uploadId });
      assert.equal(r.uploadId, uploadId);
      const creates = await calls(api(name).upload, 'PUT');
      assert.equal(creates.length, 2, 'createUploads');
      assert.ok(creates[0].faulted && !creates[1].faulted);
      assert.deepEqual(creates.map((c) => c.status), [200, 200]);
      assert.equal(creates[1].bodySha256, creates[0].bodySha256, 'byte-identical createUpload bodies');
      await bodyIs(creates[0], JSON.parse(createBody(uploadId, expires, 'application/x-test', d)), 'createUpload');
      const key = await keyOfObject(name);
      const puts = await blobLog(key, 'PUT');
      assert.equal(puts.length, 1, 'the expired URL was never used');
      assert.equal(puts[0].status, 200);
      assert.ok(Number(new URL(rootUrl + puts[0].url).searchParams.get('expires')) > t0, 'PUT to the fresh URL');
    }],

    [`U9: a source shorter or longer than contentLength fails naming both counts${isNode ? ', a streamed PUT is aborted' : ''}; no finishUpload; nothing downloadable`, async () => {
      const cases = [
        ['Uint8Array 9000 of 10000', 10000, () => data(9000)],
        ['Uint8Array 11000 of 10000', 10000, () => data(11000)],
        ['ReadableStream 9000 of 10000', 10000, () => streamOf(data(9000), 1000)],
        ['ReadableStream 11000 of 10000 (one chunk)', 10000, () => streamOf(data(11000), 11000)],
        ['ReadableStream 12288 of 10000 (4 KiB chunks)', 10000, () => streamOf(data(12288), 4096)],
        ['Uint8Array 50 of 100 (inline)', 100, () => data(50)],
      ];
      for (const [what, len, factory] of cases) {
        const name = fresh('u9');
        const expires = tc.fromNowJSON('1 day');
        const uploadId = tc.slugid.v4();
        const got = what.match(/ (\d+) of/)[1];
        await assert.rejects(upload(name, new Uint8Array(len), { expires, uploadId, streamFactory: factory }), (err) => {
          assert.match(err.message, new RegExp(`\\b${got}\\b.*\\b${len}\\b`), what);
        });
        assert.equal((await calls(api(name).finish, 'POST')).length, 0, `${what}: no finishUpload`);
        await assert.rejects(object.startDownload(name, { acceptDownloadMethods: { getUrl: true } }), (err) => assert.equal(err.statusCode, 404, what));
        if (len < 8192) {
          assert.equal((await calls(api(name).upload, 'PUT')).length, 0, `${what}: failed before createUpload`);
          assert.equal(await stored(name), null, `${what}: nothing stored`);
          continue;
        }
        const o = await stored(name);
        assert.ok(o && !o.finished, `${what}: unfinished`);
        assert.equal(o.blob, null, `${what}: the blob store holds nothing`);
        // the same createUpload again (still unfinished, so accepted) names the blob key
        const key = keyOf((await lockIn(name, uploadId, expires, 'application/x-test', len)).url);
        const puts = await blobLog(key, 'PUT');
        assert.ok(puts.every((p) => p.status !== 200), `${what}: no complete PUT (${JSON.stringify(puts.map((p) => [p.status, p.bodyLength]))})`);
        if (!isNode || what.startsWith('Uint8Array')) assert.equal(puts.length, 0, `${what}: hashed before sending, so no PUT`);
      }
    }],

    ['U10: uploadMethod {} fails with "Could not negotiate an upload method": the source is never opened, no PUT, no finishUpload', async () => {
      const name = fresh('u10');
      const expires = tc.fromNowJSON('1 day');
      const uploadId = tc.slugid.v4();
      const d = data(10 * 1024, 10);
      const key = keyOf((await lockIn(name, uploadId, expires, 'application/x-test', d.length)).url);
      await fault({ method: 'PUT', pathPrefix: api(name).upload, times: 1, action: { kind: 'status', status: 200, body: { projectId, uploadId, expires, uploadMethod: {} } } });
      let opened = 0;
      await assert.rejects(upload(name, d, { expires, uploadId, streamFactory: () => { opened++; return d; } }), /Could not negotiate an upload method/i);
      assert.equal(opened, 0);
      assert.equal((await calls(api(name).upload, 'PUT')).length, 2, 'lock-in + the client\'s one createUpload');
      assert.equal((await blobLog(key)).length, 0, 'no PUT');
      assert.equal((await calls(api(name).finish, 'POST')).length, 0, 'no finishUpload');
      const o = await stored(name);
      assert.ok(o && !o.finished && !o.blob, 'an unfinished upload with no blob');
    }],

    ['U12: createUpload and finishUpload responses lost after the commit (cut after the headers) are retried with the same body, and the upload succeeds', async () => {
      const name = fresh('u12');
      const expires = tc.fromNowJSON('1 day');
      const d = data(10 * 1024, 12);
      await fault({ method: 'PUT', pathPrefix: api(name).upload, times: 1, action: { kind: 'truncate', bytes: 0 } });
      await fault({ method: 'POST', pathPrefix: api(name).finish, times: 1, action: { kind: 'truncate', bytes: 0 } });
      const r = await upload(name, d, { expires });
      const creates = await calls(api(name).upload, 'PUT');
      assert.deepEqual(creates.map((c) => [c.status, c.faulted]), [[200, true], [200, false]], 'createUploads');
      assert.equal(creates[1].bodySha256, creates[0].bodySha256, 'byte-identical createUpload bodies');
      await bodyIs(creates[0], JSON.parse(createBody(r.uploadId, expires, 'application/x-test', d)), 'createUpload');
      const finishes = await calls(api(name).finish, 'POST');
      assert.deepEqual(finishes.map((c) => [c.status, c.faulted]), [[200, true], [200, false]], 'finishUploads');
      assert.equal(finishes[1].bodySha256, finishes[0].bodySha256, 'byte-identical finishUpload bodies');
      await bodyIs(finishes[0], { projectId, uploadId: r.uploadId, hashes: r.hashes }, 'finishUpload');
      const key = await keyOfObject(name);
      assert.equal((await blobLog(key, 'PUT')).length, 1);
      sameBytes((await downloadBytes(name)).bytes, d, 'download');
    }],

    ['U13, §1.5: another uploadId on the name gives 409 RequestConflict after one createUpload; a failed upload is retried whole with the same uploadId and expires; after finishUpload that uploadId gets 409', async () => {
      const name = fresh('u13');
      const expires = tc.fromNowJSON('1 day');
      const d = data(10 * 1024, 13);
      await lockIn(name, tc.slugid.v4(), expires, 'application/x-test', d.length);
      let opened = 0;
      await assert.rejects(upload(name, d, { expires, streamFactory: () => { opened++; return d; } }), (err) => {
        assert.equal(err.statusCode, 409);
        assert.equal(err.code, 'RequestConflict');
        assert.equal(err.attempts, 1);
      });
      assert.equal(opened, 0);
      assert.equal((await calls(api(name).upload, 'PUT')).length, 2, 'lock-in + exactly one createUpload');

      const name2 = fresh('u13-retry');
      const uploadId = tc.slugid.v4();
      const key = keyOf((await lockIn(name2, uploadId, expires, 'application/x-test', d.length)).url);
      await fault({ method: 'PUT', pathPrefix: blob(key), times: 1, action: { kind: 'status', status: 400 } });
      await assert.rejects(upload(name2, d, { expires, uploadId }), (err) => assert.equal(err.statusCode, 400));
      const r = await upload(name2, d, { expires, uploadId });
      assert.equal(r.uploadId, uploadId);
      assert.deepEqual((await blobLog(key, 'PUT')).map((p) => p.status), [400, 200]);
      await assert.rejects(upload(name2, d, { expires, uploadId }), (err) => assert.equal(err.statusCode, 409));
      sameBytes((await downloadBytes(name2)).bytes, d, 'download');
    }],

    [`U14, D12 (64 MiB, not 1 GiB): a 64 MiB upload from a pull-based ReadableStream${isNode ? '' : ' (a Blob on this host)'}: one PUT with Content-Length 67108864; the download as a ReadableStream keeps backpressure under a slow consumer and verifies before close()`, async () => {
      const n = 64 * MiB;
      const d = data(n, 14);
      const want = await hashesOf(d);
      const name = fresh('u14');
      const seen = [];
      const r = await upload(name, d, { streamFactory: () => streamOf(d, MiB), onProgress: (done, total) => seen.push([done, total]) });
      assert.deepEqual(r.hashes, want, 'finish hashes = WebCrypto hashes of the source');
      checkProgress(seen, n, 'upload');
      const key = await keyOfObject(name);
      const puts = await blobLog(key, 'PUT');
      assert.equal(puts.length, 1);
      assert.equal(puts[0].status, 200);
      assert.equal(puts[0].contentLength, n);
      assert.equal(puts[0].bodyLength, n, 'stored length');
      assert.equal(puts[0].bodySha256, want.sha256, 'stored bytes');
      assert.equal(puts[0].transferEncoding, undefined);
      await storedIs(name, want, '64 MiB');
      // D12: the sink is a TransformStream; writes wait for the reader, so what the core has
      // written (its progress) stays within a few chunks of what was read.
      let received = 0;
      let ahead = 0;
      const down = [];
      const { stream, result } = tc.downloadStream({ ...xfer, name, object, onProgress: (done, total) => { down.push([done, total]); ahead = Math.max(ahead, done - received); } });
      const reader = stream.getReader();
      const out = new Uint8Array(n);
      let reads = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        out.set(value, received);
        received += value.length;
        if (++reads % 64 === 0) await sleep(5); // a slow consumer
      }
      const res = await result;
      assert.deepEqual(res.hashes, want);
      assert.equal(res.length, n);
      checkProgress(down, n, 'download');
      assert.ok(ahead <= 4 * MiB, `the download ran ${ahead} bytes ahead of its reader`);
      sameBytes(out, d, 'download');
    }],

    ['U15: a name with space, /, %, ?, #, +, ~, \' and () is one percent-encoded path segment in createUpload, finishUpload and startDownload, and the signatures verify', async () => {
      const slug = tc.slugid();
      const name = `a b/c%d?e#f+g~'()/${slug}`;
      const path = `a%20b%2Fc%25d%3Fe%23f%2Bg~%27%28%29%2F${slug}`;
      assert.equal(enc(name), path);
      const d = data(10 * 1024, 15);
      await upload(name, d);
      sameBytes((await downloadBytes(name)).bytes, d, 'download');
      for (const [p, method] of [[`/api/object/v1/upload/${path}`, 'PUT'], [`/api/object/v1/finish-upload/${path}`, 'POST'], [`/api/object/v1/start-download/${path}`, 'PUT']]) {
        const rs = (await log(p)).filter((x) => x.method === method && x.url === p);
        assert.equal(rs.length, 1, p);
        assert.equal(rs[0].status, 200, p);
        assert.equal(rs[0].authError, undefined, p);
        assert.equal(rs[0].clientId, credentials.clientId);
      }
    }],

    ['U16: a non-ASCII name (données/☃) is refused before any request (the package checks names itself), so nothing is retried or sent', async () => {
      const name = `données/☃/${tc.slugid()}`;
      let opened = 0;
      await assert.rejects(upload(name, data(10), { streamFactory: () => { opened++; return data(10); } }), (err) => {
        assert.equal(err.kind, 'invalid-input');
        assert.match(err.message, /printable ASCII/);
      });
      assert.equal(opened, 0);
      assert.equal((await log(`/api/object/v1/upload/${enc(name)}`)).length, 0);
      await assert.rejects(tc.download({ ...xfer, name, object, streamFactory: () => new WritableStream() }), (err) => assert.equal(err.kind, 'invalid-input'));
      assert.equal((await log(`/api/object/v1/start-download/${enc(name)}`)).length, 0);
    }],

    ['U17: temporary credentials with authorizedScopes: every call of an upload and a download carries ext {certificate, authorizedScopes} and is accepted; the blob requests carry no Hawk; a scope left out is refused', async () => {
      const name = fresh('u17');
      const temp = tc.createTemporaryCredentials({ expiry: tc.fromNow('1 hour'), scopes: ['object:upload:proj:conformance/*', 'object:download:conformance/*'], credentials });
      const authorizedScopes = [`object:upload:proj:${name}`, `object:download:${name}`];
      const client = new tc.Object({ ...options, credentials: temp, authorizedScopes });
      const d = data(10 * 1024, 17);
      await tc.upload({ ...xfer, projectId, name, expires: tc.fromNowJSON('1 day'), contentType: 'application/x-test', contentLength: d.length, object: client, streamFactory: () => d });
      const out = collector();
      await tc.download({ ...xfer, name, object: client, streamFactory: out.factory });
      sameBytes(out.bytes(), d, 'download');
      const records = [...await calls(api(name).upload, 'PUT'), ...await calls(api(name).finish, 'POST'), ...await calls(api(name).start, 'PUT')];
      assert.equal(records.length, 3);
      for (const rec of records) {
        assert.equal(rec.status, 200, rec.url);
        assert.equal(rec.authError, undefined);
        assert.equal(rec.hawk.id, temp.clientId);
        const ext = JSON.parse(atob(rec.hawk.ext));
        const cert = typeof ext.certificate === 'string' ? JSON.parse(ext.certificate) : ext.certificate;
        assert.equal(cert.version, 1);
        assert.deepEqual(cert.scopes, JSON.parse(temp.certificate).scopes);
        assert.deepEqual(ext.authorizedScopes, authorizedScopes);
      }
      const key = keyOf((await client.startDownload(name, { acceptDownloadMethods: { getUrl: true } })).url);
      for (const rec of await blobLog(key)) assert.equal(rec.hawk, null, `${rec.method} on the blob store`);
      const narrow = new tc.Object({ ...options, credentials: temp, authorizedScopes: [`object:upload:proj:${name}`] });
      await assert.rejects(tc.download({ ...xfer, name, object: narrow, streamFactory: () => new WritableStream() }), (err) => {
        assert.equal(err.statusCode, 403);
        assert.equal(err.code, 'InsufficientScopes');
      });
    }],

    ['D3: a blob GET answered 500 then 200: two GETs, one startDownload (URL still valid), the output stream opened once, exactly 12 B out', async () => {
      const name = fresh('d3');
      const hello = new TextEncoder().encode('hello, world');
      await upload(name, hello);
      const key = await keyOfObject(name);
      const starts0 = (await calls(api(name).start, 'PUT')).length;
      await fault({ method: 'GET', pathPrefix: blob(key), times: 1, action: { kind: 'status', status: 500 } });
      const { bytes, out } = await downloadBytes(name);
      assert.equal(new TextDecoder().decode(bytes), 'hello, world');
      assert.equal(out.opened, 1, 'the failed attempt never opened the output');
      assert.deepEqual((await blobLog(key, 'GET')).map((x) => x.status), [500, 200]);
      assert.equal((await calls(api(name).start, 'PUT')).length - starts0, 1);
    }],

    ['D4: blob GET 500 ×3 fails with 500 after 3 GETs; 403 and 404 fail after exactly 1 GET with the output never written', async () => {
      for (const [statuses, attempts] of [[[500, 500, 500], 3], [[403], 1], [[404], 1]]) {
        const name = fresh(`d4-${statuses[0]}`);
        await upload(name, data(100, 4));
        const key = await keyOfObject(name);
        await fault({ method: 'GET', pathPrefix: blob(key), times: statuses.length, action: { kind: 'status', status: statuses[0] } });
        const out = collector();
        await assert.rejects(tc.download({ ...xfer, name, object, streamFactory: out.factory }), (err) => {
          assert.equal(err.statusCode, statuses[0]);
          assert.equal(err.attempts, attempts);
        });
        assert.deepEqual((await blobLog(key, 'GET')).map((x) => x.status), statuses);
        assert.equal(out.bytes().length, 0, 'nothing written');
        assert.equal(out.closed, false, 'never closed');
      }
    }],

    ['D5: startDownload is called again before a retry once its URL has expired, and the second reply\'s hashes are the ones verified; while the URL is valid it is not; an expired getUrl refused with 403 is renewed once', async () => {
      const d = data(3000, 5);
      const bogus = '0'.repeat(64);
      // (a) first reply expired with a bogus sha256, first GET 500
      for (const [what, expiresIn, sha256, starts] of [['expired', -1000, bogus, 2], ['valid for 1 h', 3600e3, null, 1]]) {
        const name = fresh('d5');
        await upload(name, d);
        const reply = await object.startDownload(name, { acceptDownloadMethods: { getUrl: true } });
        const key = keyOf(reply.url);
        const starts0 = (await calls(api(name).start, 'PUT')).length;
        const body = { ...reply, expires: new Date(Date.now() + expiresIn).toJSON(), hashes: { ...reply.hashes, ...(sha256 ? { sha256 } : {}) } };
        await fault({ method: 'PUT', pathPrefix: api(name).start, times: 1, action: { kind: 'status', status: 200, body } });
        await fault({ method: 'GET', pathPrefix: blob(key), times: 1, action: { kind: 'status', status: 500 } });
        sameBytes((await downloadBytes(name)).bytes, d, what);
        assert.equal((await calls(api(name).start, 'PUT')).length - starts0, starts, `${what}: startDownloads`);
        assert.deepEqual((await blobLog(key, 'GET')).map((x) => x.status), [500, 200], `${what}: GETs`);
      }
      // (b) the service mints a URL that has already expired; the blob store refuses it with 403
      const name = fresh('d5-403');
      await upload(name, d);
      await fault({ method: 'PUT', pathPrefix: api(name).start, times: 1, action: { kind: 'expireUrl' } });
      const { bytes } = await downloadBytes(name);
      sameBytes(bytes, d, 'after renewal');
      assert.equal((await calls(api(name).start, 'PUT')).length, 2, 'startDownloads');
      const key = await keyOfObject(name);
      assert.deepEqual((await blobLog(key, 'GET')).map((x) => x.status), [403, 200]);
    }],

    ['D6: sha256 wrong and sha512 right: the download fails naming sha256 after exactly 1 GET (never retried); download() aborts and never closes its WritableStream, downloadStream() ends in error(), never close(); corrupted bytes fail the same way', async () => {
      const name = fresh('d6');
      const d = data(20000, 6);
      await upload(name, d);
      const reply = await object.startDownload(name, { acceptDownloadMethods: { getUrl: true } });
      const key = keyOf(reply.url);
      const body = { ...reply, hashes: { ...reply.hashes, sha256: reply.hashes.sha256.replace(/^./, (c) => (c === '0' ? '1' : '0')) } };
      await fault({ method: 'PUT', pathPrefix: api(name).start, times: 2, action: { kind: 'status', status: 200, body } });
      const out = collector();
      await assert.rejects(tc.download({ ...xfer, name, object, streamFactory: out.factory }), (err) => {
        assert.equal(err.kind, 'integrity');
        assert.match(err.message, /sha256/);
      });
      assert.equal(out.closed, false, 'WritableStream closed');
      assert.ok(out.aborted, 'WritableStream aborted');
      const { stream, result } = tc.downloadStream({ ...xfer, name, object });
      const reader = stream.getReader();
      let got = 0;
      const outcome = await (async () => {
        try {
          for (;;) { const { done, value } = await reader.read(); if (done) return 'closed'; got += value.length; }
        } catch (e) { return e; }
      })();
      assert.ok(outcome !== 'closed', 'the ReadableStream closed instead of erroring');
      assert.equal(outcome.kind, 'integrity', 'the stream errors with the integrity error');
      assert.ok(got <= d.length);
      await assert.rejects(result, (err) => assert.equal(err.kind, 'integrity'));
      assert.deepEqual((await blobLog(key, 'GET')).map((x) => x.status), [200, 200], 'one GET per download');
      // the bytes themselves corrupted on the way (one byte flipped)
      await fault({ method: 'GET', pathPrefix: blob(key), times: 1, action: { kind: 'wrongHash' } });
      const out2 = collector();
      await assert.rejects(tc.download({ ...xfer, name, object, streamFactory: out2.factory }), (err) => assert.equal(err.kind, 'integrity'));
      assert.equal(out2.closed, false);
      assert.equal((await blobLog(key, 'GET')).length, 3, 'not retried');
    }],

    ['D2: a blob served without Content-Type downloads as application/binary, in both download() and downloadStream()', async () => {
      const name = fresh('d2');
      const d = data(20000, 2);
      await admin('POST', 'objects', { name, projectId, data: b64(d), contentType: '' });
      const start = await object.startDownload(name, { acceptDownloadMethods: { getUrl: true } });
      const raw = await fetch(start.url);
      assert.equal(raw.headers.get('content-type'), null, 'setup: storage sends no Content-Type');
      await raw.arrayBuffer();
      const { contentType, bytes } = await downloadBytes(name);
      assert.equal(contentType, 'application/binary');
      sameBytes(bytes, d, 'download()');
      const { stream, result } = tc.downloadStream({ ...xfer, name, object });
      sameBytes(await readStream(stream), d, 'downloadStream()');
      assert.equal((await result).contentType, 'application/binary');
    }],

    ['D7: expected hashes {sha256} only verify; {md5} only and {} fail with "No acceptable hash algorithm found"', async () => {
      const name = fresh('d7');
      const d = data(500, 7);
      await upload(name, d);
      const reply = await object.startDownload(name, { acceptDownloadMethods: { getUrl: true } });
      const key = keyOf(reply.url);
      const answer = (hashes) => fault({ method: 'PUT', pathPrefix: api(name).start, times: 1, action: { kind: 'status', status: 200, body: { ...reply, hashes } } });
      await answer({ sha256: reply.hashes.sha256 });
      sameBytes((await downloadBytes(name)).bytes, d, 'sha256 only');
      for (const hashes of [{ md5: 'd41d8cd98f00b204e9800998ecf8427e' }, {}]) {
        await answer(hashes);
        const out = collector();
        await assert.rejects(tc.download({ ...xfer, name, object, streamFactory: out.factory }), /No acceptable hash algorithm found/);
        assert.equal(out.closed, false);
      }
      assert.equal((await blobLog(key, 'GET')).length, 3);
    }],

    ['D8: a blob served with Content-Encoding: identity is passed through; one stored gzip-encoded (hashes of the decoded bytes) is decoded before hashing and output', async () => {
      const name = fresh('d8-identity');
      const d = data(10 * 1024, 8);
      await upload(name, d);
      const reply = await object.startDownload(name, { acceptDownloadMethods: { getUrl: true } });
      const check = await fetch(reply.url);
      assert.equal(check.headers.get('content-encoding'), 'identity', 'setup: the blob store replays identity');
      await check.arrayBuffer();
      sameBytes((await downloadBytes(name)).bytes, d, 'identity');
      // gzip: stored by a PUT of our own with Content-Encoding: gzip
      const gzName = fresh('d8-gzip');
      const plain = new TextEncoder().encode('hello, world '.repeat(1000));
      const gz = new Uint8Array(await new Response(new Blob([plain]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
      const uploadId = tc.slugid.v4();
      const putUrl = await lockIn(gzName, uploadId, tc.fromNowJSON('1 day'), 'text/plain', gz.length);
      const put = await fetch(putUrl.url, { method: 'PUT', headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' }, body: gz });
      assert.equal(put.status, 200, await put.text());
      await object.finishUpload(gzName, { projectId, uploadId, hashes: await hashesOf(plain) });
      const { bytes, contentType } = await downloadBytes(gzName);
      sameBytes(bytes, plain, 'gzip decoded');
      assert.equal(contentType, 'text/plain');
      const { stream, result } = tc.downloadStream({ ...xfer, name: gzName, object });
      sameBytes(await readStream(stream), plain, 'gzip decoded (stream)');
      assert.deepEqual((await result).hashes, await hashesOf(plain));
    }],

    ['D9: a blob GET cut after 524288 of 1048576 B is retried with Range: bytes=524288- (answered 206); download() keeps its output (no reset) and downloadStream() is one continuous stream with no duplicated bytes', async () => {
      const name = fresh('d9');
      const d = data(MiB, 9);
      await upload(name, d);
      const key = await keyOfObject(name);
      // download(): the second attempt resumes, so the output is never restarted
      await fault({ method: 'GET', pathPrefix: blob(key), times: 1, action: { kind: 'truncate', bytes: 524288 } });
      const { bytes, out } = await downloadBytes(name);
      sameBytes(bytes, d, 'download()');
      assert.equal(out.opened, 1, 'the output was not restarted');
      let gets = await blobLog(key, 'GET');
      assert.deepEqual(gets.map((x) => [x.status, x.faulted]), [[200, true], [206, false]], 'a resumed GET (206 needs a Range header)');
      assert.equal(gets[0].range, undefined);
      assert.equal(gets[1].range, 'bytes=524288-');
      // downloadStream(): one stream, exactly the object's bytes
      await fault({ method: 'GET', pathPrefix: blob(key), times: 1, action: { kind: 'truncate', bytes: 524288 } });
      const { stream, result } = tc.downloadStream({ ...xfer, name, object });
      sameBytes(await readStream(stream), d, 'downloadStream()');
      assert.equal((await result).length, MiB);
      gets = (await blobLog(key, 'GET')).slice(2);
      assert.deepEqual(gets.map((x) => x.status), [200, 206]);
      assert.equal(gets[1].range, 'bytes=524288-');
    }],

    ['D10: a resumed GET answered 200 with the whole body (Range ignored) skips the bytes it already has: download() keeps one output and downloadStream() one continuous stream, exact bytes', async () => {
      const name = fresh('d10-ignore');
      const d = data(MiB, 10);
      await upload(name, d);
      const key = await keyOfObject(name);
      // in this order: the first matching rule applies first
      const cut = async () => {
        await fault({ method: 'GET', pathPrefix: blob(key), times: 1, action: { kind: 'truncate', bytes: 300000 } });
        await fault({ method: 'GET', pathPrefix: blob(key), times: 1, action: { kind: 'ignoreRange' } });
      };
      await cut();
      const { bytes, out } = await downloadBytes(name);
      sameBytes(bytes, d, 'download()');
      assert.equal(out.opened, 1, 'one output');
      await cut();
      const { stream, result } = tc.downloadStream({ ...xfer, name, object });
      sameBytes(await readStream(stream), d, 'downloadStream()');
      assert.equal((await result).length, MiB);
      const gets = await blobLog(key, 'GET');
      assert.deepEqual(gets.map((x) => [x.status, x.range || null]), [[200, null], [200, 'bytes=300000-'], [200, null], [200, 'bytes=300000-']]);
    }],

    ['D10: a resumed GET answered 206 from the wrong offset is never spliced: download() restarts into a fresh output from byte 0; downloadStream(), which cannot restart, errors after only correct bytes', async () => {
      const name = fresh('d10-wrong');
      const d = data(MiB, 11);
      await upload(name, d);
      const key = await keyOfObject(name);
      const cut = async () => {
        await fault({ method: 'GET', pathPrefix: blob(key), times: 1, action: { kind: 'truncate', bytes: 300000 } });
        await fault({ method: 'GET', pathPrefix: blob(key), times: 1, action: { kind: 'wrongContentRange', start: 1000 } });
      };
      await cut();
      const { bytes, out } = await downloadBytes(name);
      sameBytes(bytes, d, 'download()');
      assert.equal(out.opened, 2, 'restarted into a fresh output');
      let gets = await blobLog(key, 'GET');
      assert.deepEqual(gets.map((x) => [x.status, x.range || null]), [[200, null], [206, 'bytes=300000-'], [200, null]]);
      await cut();
      const { stream, result } = tc.downloadStream({ ...xfer, name, object });
      const reader = stream.getReader();
      const parts = [];
      const outcome = await (async () => {
        try {
          for (;;) { const { done, value } = await reader.read(); if (done) return 'closed'; parts.push(value); }
        } catch (e) { return e; }
      })();
      assert.ok(outcome instanceof Error, `the stream closed, or errored with ${String(outcome)}, although its bytes could not be continued`);
      assert.match(outcome.message, /wrong offset/, "the stream's error names the cause");
      await assert.rejects(result, (err) => {
        assert.match(err.message, /wrong offset.*cannot start again/, 'result names the cause');
        return true;
      });
      const got = concat(parts);
      assert.ok(got.length <= 300000, `${got.length} bytes`);
      sameBytes(got, d.subarray(0, got.length), 'only a correct prefix');
      gets = (await blobLog(key, 'GET')).slice(3);
      // no third GET: the output that cannot restart is known before one is sent
      assert.deepEqual(gets.map((x) => [x.status, x.range || null]), [[200, null], [206, 'bytes=300000-']]);
    }],

    ['D13: startDownload 404 (missing object), 406, a "simple" reply and an unknown method all fail with no blob GET', async () => {
      const missing = fresh('d13-missing');
      await assert.rejects(tc.download({ ...xfer, name: missing, object, streamFactory: () => new WritableStream() }), (err) => {
        assert.equal(err.statusCode, 404);
        assert.equal(err.code, 'ResourceNotFound');
      });
      assert.equal((await calls(api(missing).start, 'PUT')).length, 1, '404 is not retried');
      const name = fresh('d13');
      await upload(name, data(100, 13));
      const reply = await object.startDownload(name, { acceptDownloadMethods: { getUrl: true } });
      const key = keyOf(reply.url);
      await fault({ method: 'PUT', pathPrefix: api(name).start, times: 1, action: { kind: 'status', status: 406, body: { code: 'NoMatchingMethod', message: 'Object supports methods simple' } } });
      await assert.rejects(tc.download({ ...xfer, name, object, streamFactory: () => new WritableStream() }), (err) => {
        assert.equal(err.statusCode, 406);
        assert.equal(err.code, 'NoMatchingMethod');
      });
      for (const method of ['simple', 'carrierPigeon']) {
        await fault({ method: 'PUT', pathPrefix: api(name).start, times: 1, action: { kind: 'status', status: 200, body: { method, url: reply.url } } });
        await assert.rejects(tc.download({ ...xfer, name, object, streamFactory: () => new WritableStream() }), /Could not negotiate a download method/i);
      }
      assert.equal((await blobLog(key)).length, 0, 'no blob request');
    }],

    [`D14: a blob GET answered 302 is not followed${isBrowser ? ' (the browser hides the 302; the package says so)' : ''}: the download fails and the redirect target is never requested`, async () => {
      const name = fresh('d14');
      await upload(name, data(100, 14));
      const key = await keyOfObject(name);
      const other = fresh('d14-target');
      await upload(other, data(100, 15));
      const target = (await object.startDownload(other, { acceptDownloadMethods: { getUrl: true } })).url;
      // (once: a retry would be answered 200 and the download would succeed)
      await fault({ method: 'GET', pathPrefix: blob(key), times: 1, action: { kind: 'status', status: 302, headers: { location: target }, body: {} } });
      await assert.rejects(tc.download({ ...xfer, name, object, streamFactory: () => new WritableStream() }), (err) => {
        if (isBrowser) assert.match(err.message, /redirect/);
        else assert.equal(err.statusCode, 302, err.message);
      });
      assert.equal((await blobLog(key, 'GET')).length, 1, 'fatal: not retried');
      assert.equal((await blobLog(keyOf(target), 'GET')).length, 0, 'the redirect was followed');
    }],

    ['A1: an s3 artifact, with runId and without: artifact-content then an unsigned GET of its URL, retried after a 500; content type returned', async () => {
      const name = 'public/hello.txt';
      const { url } = await queue.artifact(DEMO_TASK, '0', name);
      const key = keyOf(url);
      for (const runId of [0, undefined]) {
        const path = runId === undefined ? `/api/queue/v1/task/${DEMO_TASK}/artifact-content/${enc(name)}` : `/api/queue/v1/task/${DEMO_TASK}/runs/0/artifact-content/${enc(name)}`;
        const content0 = (await calls(path, 'GET')).length;
        const gets0 = (await blobLog(key, 'GET')).length;
        await fault({ method: 'GET', pathPrefix: blob(key), times: 1, action: { kind: 'status', status: 500 } });
        const out = collector();
        const ct = await tc.downloadArtifact({ ...xfer, taskId: DEMO_TASK, ...(runId === undefined ? {} : { runId }), name, queue, streamFactory: out.factory });
        assert.equal(ct, 'text/plain');
        assert.match(new TextDecoder().decode(out.bytes()), /^hello, world \(tc-devserver demo artifact public\/hello.txt\)\n$/);
        assert.equal((await calls(path, 'GET')).length - content0, 1, `runId ${runId}: artifact-content calls`);
        const gets = (await blobLog(key, 'GET')).slice(gets0);
        assert.deepEqual(gets.map((x) => x.status), [500, 200], `runId ${runId}: GETs`);
        assert.ok(gets.every((x) => x.hawk === null), 'credential-free GETs');
      }
    }],

    ['A2: a reference artifact: downloadArtifact fetches its URL; downloadManagedArtifact and downloadArtifactStream({managed}) refuse it before any request to that URL', async () => {
      const obj = fresh('a2');
      const d = data(300, 2);
      await upload(obj, d);
      const { url } = await object.startDownload(obj, { acceptDownloadMethods: { getUrl: true } });
      const key = keyOf(url);
      const taskId = tc.slugid();
      const path = `/api/queue/v1/task/${taskId}/runs/0/artifact-content/public%2Fref`;
      const answer = { kind: 'status', status: 200, body: { storageType: 'reference', url } };
      await fault({ method: 'GET', pathPrefix: path, times: 1, action: answer });
      const out = collector();
      await tc.downloadArtifact({ ...xfer, taskId, runId: 0, name: 'public/ref', queue, streamFactory: out.factory });
      sameBytes(out.bytes(), d, 'reference');
      assert.equal((await blobLog(key, 'GET')).length, 1);
      await fault({ method: 'GET', pathPrefix: path, times: 2, action: answer });
      await assert.rejects(tc.downloadManagedArtifact({ ...xfer, taskId, runId: 0, name: 'public/ref', queue, streamFactory: () => new WritableStream() }), (err) => {
        assert.equal(err.code, 'ArtifactStorageTypeRejected');
        assert.equal(err.storageType, 'reference');
      });
      const s = tc.downloadArtifactStream({ ...xfer, taskId, runId: 0, name: 'public/ref', queue, managed: true });
      await assert.rejects(s.result, (err) => assert.equal(err.code, 'ArtifactStorageTypeRejected'));
      await assert.rejects(readStream(s.stream), () => {});
      assert.equal((await calls(path, 'GET')).length, 3);
      assert.equal((await blobLog(key, 'GET')).length, 1, 'no request to the reference URL');
    }],

    ['A3: an object artifact: startDownload on the same rootUrl signed with the artifact\'s temporary credentials (certificate in ext), with hash verification', async () => {
      const oname = `t/${DEMO_TASK}/0/public/object.txt`;
      const start = `/api/object/v1/start-download/${enc(oname)}`;
      const starts0 = (await calls(start, 'PUT')).length;
      const out = collector();
      const ct = await tc.downloadArtifact({ ...xfer, taskId: DEMO_TASK, runId: 0, name: 'public/object.txt', queue, streamFactory: out.factory });
      assert.equal(ct, 'text/plain');
      assert.equal(new TextDecoder().decode(out.bytes()), 'hello from the object service (tc-devserver demo)\n');
      const starts = (await calls(start, 'PUT')).slice(starts0);
      assert.equal(starts.length, 1);
      assert.equal(starts[0].status, 200);
      assert.ok(starts[0].hawk.id !== credentials.clientId, `signed with the artifact's credentials, not ${starts[0].hawk.id}`);
      const ext = JSON.parse(atob(starts[0].hawk.ext));
      assert.ok(ext.certificate, 'certificate in ext');
      // hashes are checked: a wrong one fails
      await fault({ method: 'PUT', pathPrefix: start, times: 1, action: { kind: 'wrongHash' } });
      const bad = collector();
      await assert.rejects(tc.downloadArtifact({ ...xfer, taskId: DEMO_TASK, runId: 0, name: 'public/object.txt', queue, streamFactory: bad.factory }), (err) => assert.equal(err.kind, 'integrity'));
      assert.equal(bad.closed, false);
    }],

    ['A4: an error artifact rejects with its message and reason; an unknown storage type is unsupported; a link (which the package documents it follows, where §5 expects "unsupported") is followed to its target, and a link loop stops; no transfer for the failures', async () => {
      let opened = 0;
      const sink = () => { opened++; return new WritableStream(); };
      await assert.rejects(tc.downloadArtifact({ ...xfer, taskId: DEMO_TASK, runId: 0, name: 'public/error', queue, streamFactory: sink }), (err) => {
        assert.equal(err.code, 'ArtifactError');
        assert.equal(err.reason, 'file-missing-on-worker');
        assert.match(err.message, /demo error artifact: the file was not found/);
      });
      const taskId = tc.slugid();
      await fault({ method: 'GET', pathPrefix: `/api/queue/v1/task/${taskId}/runs/0/artifact-content/`, times: 1, action: { kind: 'status', status: 200, body: { storageType: 'foo' } } });
      await assert.rejects(tc.downloadArtifact({ ...xfer, taskId, runId: 0, name: 'public/x', queue, streamFactory: sink }), (err) => {
        assert.match(err.message, /[Uu]nsupported.*foo/);
      });
      assert.equal((await log(`/api/queue/v1/task/${taskId}/`)).length, 1);
      // a link loop (every answer a link to itself) gives up after a bound, without a transfer
      const loop = `public/loop-${tc.slugid()}`;
      const loopPath = `/api/queue/v1/task/${DEMO_TASK}/runs/0/artifact-content/${enc(loop)}`;
      await fault({ method: 'GET', pathPrefix: loopPath, times: 50, action: { kind: 'status', status: 200, body: { storageType: 'link', artifact: loop } } });
      await assert.rejects(tc.downloadArtifact({ ...xfer, taskId: DEMO_TASK, runId: 0, name: loop, queue, streamFactory: sink }), /link/);
      const loops = (await calls(loopPath, 'GET')).length;
      assert.ok(loops > 1 && loops < 50, `${loops} link lookups`);
      assert.equal(opened, 0, 'no output opened');
      // a link to public/hello.txt: its content
      const link = `public/link-${tc.slugid()}`;
      const linkPath = `/api/queue/v1/task/${DEMO_TASK}/runs/0/artifact-content/${enc(link)}`;
      await fault({ method: 'GET', pathPrefix: linkPath, times: 1, action: { kind: 'status', status: 200, body: { storageType: 'link', artifact: 'public/hello.txt' } } });
      const hello = `/api/queue/v1/task/${DEMO_TASK}/runs/0/artifact-content/public%2Fhello.txt`;
      const before = (await calls(hello, 'GET')).length;
      const out = collector();
      await tc.downloadArtifact({ ...xfer, taskId: DEMO_TASK, runId: 0, name: link, queue, streamFactory: out.factory });
      assert.match(new TextDecoder().decode(out.bytes()), /^hello, world/);
      assert.equal((await calls(hello, 'GET')).length - before, 1, 'the link target was looked up');
    }],

    ['A5: artifact-content 404, 410 and 403 are surfaced without a retry; 500 then 200 is retried and succeeds', async () => {
      const missing = `public/missing-${tc.slugid()}`;
      const pathOf = (name) => `/api/queue/v1/task/${DEMO_TASK}/runs/0/artifact-content/${enc(name)}`;
      await assert.rejects(tc.downloadArtifact({ ...xfer, taskId: DEMO_TASK, runId: 0, name: missing, queue, streamFactory: () => new WritableStream() }), (err) => assert.equal(err.statusCode, 404));
      assert.equal((await calls(pathOf(missing), 'GET')).length, 1);
      const taskId = tc.slugid();
      for (const status of [410, 403]) {
        // one URL per status: browsers may cache a 410 (or 404) answer that says nothing against it
        const path = `/api/queue/v1/task/${taskId}/runs/0/artifact-content/public%2Fa5-${status}`;
        await fault({ method: 'GET', pathPrefix: path, times: 1, action: { kind: 'status', status } });
        await assert.rejects(tc.downloadArtifact({ ...xfer, taskId, runId: 0, name: `public/a5-${status}`, queue, streamFactory: () => new WritableStream() }), (err) => assert.equal(err.statusCode, status));
        assert.equal((await calls(path, 'GET')).length, 1, `${status}: not retried`);
      }
      const hello = pathOf('public/hello.txt');
      const before = (await calls(hello, 'GET')).length;
      await fault({ method: 'GET', pathPrefix: hello, times: 1, action: { kind: 'status', status: 500 } });
      const out = collector();
      await tc.downloadArtifact({ ...xfer, taskId: DEMO_TASK, runId: 0, name: 'public/hello.txt', queue, streamFactory: out.factory });
      assert.match(new TextDecoder().decode(out.bytes()), /^hello, world/);
      assert.deepEqual((await calls(hello, 'GET')).slice(before).map((x) => x.status), [500, 200]);
    }],

    ['A6: an s3 artifact served with Content-Encoding: gzip is decoded', async () => {
      const { url } = await queue.artifact(DEMO_TASK, '0', 'public/hello-gzip.txt');
      const raw = await fetch(url);
      assert.equal(raw.headers.get('content-encoding'), 'gzip', 'setup: served gzip-encoded');
      await raw.arrayBuffer();
      const out = collector();
      await tc.downloadArtifact({ ...xfer, taskId: DEMO_TASK, runId: 0, name: 'public/hello-gzip.txt', queue, streamFactory: out.factory });
      assert.equal(new TextDecoder().decode(out.bytes()), 'hello, world (tc-devserver demo artifact public/hello-gzip.txt)\n');
      const { stream } = tc.downloadArtifactStream({ ...xfer, taskId: DEMO_TASK, name: 'public/hello-gzip.txt', queue });
      assert.equal(new TextDecoder().decode(await readStream(stream)), 'hello, world (tc-devserver demo artifact public/hello-gzip.txt)\n');
    }],
  ];
  scenarios.push(d11);
  return { scenarios };
}
