// Scenarios for the built npm package (pkg/), shared by the Node, Deno and workerd tests.
// They run against the local deployment named by TC_TEST_ROOT_URL / TC_TEST_CLIENT_ID /
// TC_TEST_ACCESS_TOKEN, which scripts/test starts; `env(name)` reads them in each host.
import * as assert from './check.mjs';

export function scenarios(tc, env) {
  const need = (name) => {
    const v = env(name);
    if (!v) throw new Error(`${name} must be set (scripts/test sets it)`);
    return v;
  };
  const rootUrl = need('TC_TEST_ROOT_URL');
  const credentials = { clientId: need('TC_TEST_CLIENT_ID'), accessToken: need('TC_TEST_ACCESS_TOKEN') };
  const options = { rootUrl, credentials, delayFactor: 5 };
  const entry = (serviceName, name, method, route, args = [], query = [], input) =>
    ({ serviceName, name, method, route, args, query, ...(input ? { input } : {}) });
  const listClients = entry('auth', 'listClients', 'get', '/clients/', [], ['prefix', 'continuationToken', 'limit']);
  const expandScopes = entry('auth', 'expandScopes', 'post', '/scopes/expand', [], [], 'v1/scopeset.json#');
  const client = entry('auth', 'client', 'get', '/clients/<clientId>', ['clientId']);
  const setSecret = entry('secrets', 'set', 'put', '/secret/<name>', ['name'], [], 'v1/secret.json#');
  const getSecret = entry('secrets', 'get', 'get', '/secret/<name>', ['name']);
  const latestArtifact = entry('queue', 'getLatestArtifact', 'get', '/task/<taskId>/artifacts/<name>', ['taskId', 'name']);
  const admin = async (method, path, body) => {
    const r = await fetch(`${rootUrl}/__devserver/${path}`, {
      method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
    });
    return r.status === 204 ? null : r.json();
  };
  const log = (prefix) => admin('GET', `requests?pathPrefix=${encodeURIComponent(prefix)}`);

  return [
    ['utilities: fromNow, fromNowJSON, slugid', () => {
      const ref = new Date('2017-01-19T16:27:20.974Z');
      assert.equal(tc.fromNowJSON('30 mo', ref), '2019-07-08T16:27:20.974Z');
      assert.equal(tc.fromNow('-1 hour', ref).toJSON(), '2017-01-19T15:27:20.974Z');
      assert.ok(tc.fromNow() instanceof Date);
      assert.throws(() => tc.fromNow('3 mins'), /isn't a time expression/);
      assert.match(tc.slugid(), /^[A-Za-f][A-Za-z0-9_-]{7}[QRST][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$/);
      assert.match(tc.slugid.v4(), /^[A-Za-z0-9_-]{22}$/);
      assert.equal(tc.default.slugid, tc.slugid);
    }],
    ['signed GET with a query holding \', ! and non-ASCII', async () => {
      const prefix = `it's!ü/${tc.slugid()}`;
      const res = await tc.request(options, listClients, { prefix });
      assert.deepEqual(res.clients, []);
      const [r] = await log(`/api/auth/v1/clients/?prefix=${encodeURIComponent(prefix).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())}`);
      assert.equal(r.status, 200);
      assert.equal(r.clientId, credentials.clientId);
    }],
    ['signed POST with a payload', async () => {
      const res = await tc.request(options, expandScopes, { scopes: ["queue:x:it's!"] });
      assert.deepEqual(res.scopes, ["queue:x:it's!"]);
    }],
    ['500, 500, 200 succeeds after 3 attempts with 3 nonces', async () => {
      const name = `project/js/${tc.slugid()}`;
      await tc.request(options, setSecret, name, { secret: { name }, expires: tc.fromNowJSON('1 hour') });
      const path = `/api/secrets/v1/secret/${encodeURIComponent(name)}`;
      await admin('POST', 'faults', { method: 'GET', pathPrefix: path, times: 2, action: { kind: 'status', status: 500 } });
      const res = await tc.request(options, getSecret, name);
      assert.equal(res.secret.name, name);
      const gets = (await log(path)).filter((r) => r.method === 'GET');
      assert.deepEqual(gets.map((r) => r.status), [500, 500, 200]);
      assert.equal(new Set(gets.map((r) => r.hawk.nonce)).size, 3);
    }],
    ['404 gives one attempt and a typed error', async () => {
      const id = `missing/${tc.slugid()}`;
      await assert.rejects(tc.request(options, client, id), (err) => {
        assert.ok(err instanceof Error);
        assert.equal(err.statusCode, 404);
        assert.equal(err.code, 'ResourceNotFound');
        assert.equal(err.body.code, 'ResourceNotFound');
        assert.equal(err.requestInfo.method, 'client');
        assert.equal(err.attempts, 1);
        assert.match(err.message, /---/); // the server's message, unchanged
        const ua = (globalThis.navigator && globalThis.navigator.userAgent) || '';
        const browser = (globalThis.window || globalThis.WorkerGlobalScope) && !globalThis.Deno && !ua.includes('Cloudflare-Workers');
        // CORS hides x-for-request-id from browsers, as on real deployments.
        if (!browser) assert.match(err.requestId, /.+/);
        return true;
      });
      assert.equal((await log(`/api/auth/v1/clients/${encodeURIComponent(id)}`)).length, 1);
    }],
    ['a hung response times out with ECONNABORTED', async () => {
      const name = `project/hang/${tc.slugid()}`;
      await admin('POST', 'faults', { pathPrefix: `/api/secrets/v1/secret/${encodeURIComponent(name)}`, times: 0, action: { kind: 'hang' } });
      const t0 = Date.now();
      await assert.rejects(tc.request({ ...options, timeout: 300, retries: 0 }, getSecret, name), (err) => {
        assert.equal(err.code, 'ECONNABORTED');
        assert.equal(err.statusCode, undefined);
        return true;
      });
      assert.ok(Date.now() - t0 >= 290);
    }],
    ['a 303 returns its JSON body', async () => {
      const taskId = tc.slugid();
      await admin('POST', 'faults', { pathPrefix: `/api/queue/v1/task/${taskId}/`, action: {
        kind: 'status', status: 303, headers: { location: 'http://127.0.0.1:1/x' }, body: { storageType: 's3', url: 'http://127.0.0.1:1/x' } } });
      const call = tc.request(options, latestArtifact, taskId, 'public/x');
      const ua = (globalThis.navigator && globalThis.navigator.userAgent) || '';
      const browser = (globalThis.window || globalThis.WorkerGlobalScope) && !globalThis.Deno && !ua.includes('Cloudflare-Workers');
      if (browser) {
        // Browsers never show a 3xx to fetch; the error says what to use instead.
        await assert.rejects(call, /redirect.*queue\.artifact/);
      } else {
        assert.deepEqual(await call, { storageType: 's3', url: 'http://127.0.0.1:1/x' });
      }
    }],
    ['bad arguments throw synchronously, before any request', () => {
      assert.throws(() => tc.request(options, client), /Function client takes 1 arguments, but was given 0 arguments/);
      assert.throws(() => tc.request(options, client, {}), /URL parameter clientId must be a string, but we received a: object/);
      assert.throws(() => tc.request(options, listClients, { nope: 1 }), /Function listClients takes options: prefix, continuationToken, limit but was given nope/);
      assert.throws(() => tc.request({ ...options, randomizationFactor: 1 }, client, 'x'), /randomizationFactor must be between 0 and 1/);
      assert.throws(() => tc.request({ ...options, authorizedScopes: 'a' }, client, 'x'), /authorizedScopes must be an array/);
      assert.throws(() => tc.request({}, client, 'x'), /Must provide a rootUrl/);
    }],
    ['temporary credentials, including empty scopes, are accepted', async () => {
      const temp = tc.createTemporaryCredentials({ expiry: tc.fromNow('1 hour'), scopes: ['auth:*'], credentials });
      const res = await tc.request({ rootUrl, credentials: temp }, entry('auth', 'currentScopes', 'get', '/scopes/current'));
      assert.ok(res.scopes.includes('auth:*') && !res.scopes.includes('*'), JSON.stringify(res.scopes));
      const empty = tc.createTemporaryCredentials({ expiry: tc.fromNow('1 hour'), scopes: [], credentials });
      await tc.request({ rootUrl, credentials: empty }, entry('auth', 'ping', 'get', '/ping'));
      const [r] = (await log('/api/auth/v1/ping')).slice(-1);
      assert.equal(r.authError, undefined);
      assert.equal(r.clientId, credentials.clientId);
      assert.throws(() => tc.createTemporaryCredentials({ expiry: tc.fromNow('32 days'), credentials }), /31 days/);
    }],
    ['paginate() follows continuationToken across pages', async () => {
      const secrets = new tc.Secrets(options);
      const prefix = `project/pages/${tc.slugid()}`;
      for (let i = 0; i < 5; i++) {
        await secrets.set(`${prefix}/${i}`, { secret: { i }, expires: tc.fromNowJSON('1 hour') });
      }
      const pages = [];
      for await (const page of secrets.paginate(secrets.list, { limit: 2 })) pages.push(page);
      assert.ok(pages.length >= 3, `${pages.length} pages`);
      const names = pages.flatMap((p) => p.secrets).filter((n) => n.startsWith(prefix));
      assert.equal(names.length, 5);
      await assert.rejects(async () => { for await (const _ of secrets.paginate(secrets.get, 'x')) { /* nothing */ } }, /no pages/);
    }],
    ['discover() builds classes from the deployment\'s references', async () => {
      const found = await tc.discover(rootUrl);
      assert.ok(Object.keys(found).length >= 17, Object.keys(found).join(','));
      const secrets = new found.Secrets(options);
      const name = `project/discover/${tc.slugid()}`;
      await secrets.set(name, { secret: { d: 1 }, expires: tc.fromNowJSON('1 hour') });
      assert.deepEqual((await secrets.get(name)).secret, { d: 1 });
      assert.equal(new found.QueueEvents({ rootUrl }).taskCompleted({ taskId: 'x' }).routingKeyPattern, 'primary.x.*.*.*.*.*.*.*.#');
    }],
    ['objects: upload bytes, Blob, File and ReadableStream; download to a WritableStream and as a ReadableStream (sha256 checked with WebCrypto)', async () => {
      const object = new tc.Object(options);
      const data = (n) => Uint8Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 13 & 255);
      const collect = () => {
        const out = { parts: [], closed: false, aborted: null };
        out.stream = () => new WritableStream({
          write(c) { out.parts.push(c); }, close() { out.closed = true; }, abort(r) { out.aborted = r; },
        });
        out.bytes = () => { const b = new Uint8Array(out.parts.reduce((n, p) => n + p.length, 0)); let o = 0; for (const p of out.parts) { b.set(p, o); o += p.length; } return b; };
        return out;
      };
      const sources = [
        ['bytes', 12, (d) => () => d],
        ['blob', 100 * 1024, (d) => () => new Blob([d])],
        ['stream', 50 * 1024, (d) => () => new ReadableStream({ start(c) { c.enqueue(d.slice(0, 1000)); c.enqueue(d.slice(1000)); c.close(); } })],
        ['file', 300 * 1024, (d) => () => new File([d], 'upload.bin', { type: 'application/x-test' })],
      ];
      const sha256 = async (bytes) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
      for (const [kind, n, make] of sources) {
        const d = data(n);
        const name = `js/${kind}/${tc.slugid()}`;
        const seen = [];
        const up = await tc.upload({ projectId: 'proj', name, expires: tc.fromNow('1 day'), contentType: 'application/x-test', contentLength: n,
          object, streamFactory: make(d), onProgress: (done, total) => seen.push([done, total]) });
        assert.match(up.hashes.sha256, /^[0-9a-f]{64}$/, kind);
        assert.deepEqual(seen[seen.length - 1], [n, n], `${kind} progress`);
        const out = collect();
        assert.equal(await tc.download({ name, object, streamFactory: out.stream }), 'application/x-test');
        assert.ok(out.closed, `${kind}: closed after verification`);
        assert.deepEqual(Array.from(out.bytes()), Array.from(d), `${kind} round trip`);
        const { stream, result } = tc.downloadStream({ name, object });
        const got = new Uint8Array(await new Response(stream).arrayBuffer());
        assert.equal(got.length, n);
        // An independent SHA-256 (WebCrypto) of what came back equals the upload's.
        assert.equal(await sha256(got), up.hashes.sha256, `${kind} sha256`);
        assert.deepEqual((await result).hashes, up.hashes, `${kind} hashes`);
      }
    }],
    ['objects: a wrong hash rejects, and the output stream is aborted, never closed', async () => {
      const object = new tc.Object(options);
      const name = `js/hash/${tc.slugid()}`;
      const d = new Uint8Array(20000).fill(7);
      await tc.upload({ projectId: 'proj', name, expires: tc.fromNow('1 day'), contentType: 'application/x-test', contentLength: d.length, object, streamFactory: () => d });
      const path = `/api/object/v1/start-download/${encodeURIComponent(name).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())}`;
      await admin('POST', 'faults', { method: 'PUT', pathPrefix: path, times: 1, action: { kind: 'wrongHash' } });
      let closed = false;
      let aborted = null;
      await assert.rejects(tc.download({ name, object, streamFactory: () => new WritableStream({ close() { closed = true; }, abort(r) { aborted = r; } }) }), (err) => {
        assert.equal(err.kind, 'integrity');
        assert.match(err.message, /hash does not match/);
      });
      assert.equal(closed, false);
      assert.ok(aborted, 'aborted');
    }],
    ['artifacts: s3, object, link, error and refused reference', async () => {
      const queue = new tc.Queue(options);
      const taskId = 'DemoTaskQ0e0CompletedA';
      const read = async (name, extra = {}) => {
        const { stream, result } = tc.downloadArtifactStream({ taskId, name, queue, ...extra });
        const text = await new Response(stream).text();
        return [text, await result];
      };
      const [hello, r] = await read('public/hello.txt');
      assert.match(hello, /^hello, world/);
      assert.equal(r.contentType, 'text/plain');
      const [gz] = await read('public/hello-gzip.txt');
      assert.match(gz, /^hello, world/);
      const [obj, ro] = await read('public/object.txt');
      assert.ok(obj.length > 0);
      assert.match(ro.hashes.sha256, /^[0-9a-f]{64}$/);
      assert.equal((await read('public/link'))[0], hello);
      const sinkless = () => new WritableStream();
      // A streamed download that fails before its first byte errors the stream too.
      const failing = tc.downloadArtifactStream({ taskId, name: 'public/error', queue });
      await assert.rejects(new Response(failing.stream).text(), () => {}); // any error: it must not hang
      await assert.rejects(failing.result, (err) => assert.equal(err.code, 'ArtifactError'));
      await assert.rejects(tc.downloadArtifact({ taskId, name: 'public/error', queue, streamFactory: sinkless }), (err) => {
        assert.equal(err.code, 'ArtifactError');
        assert.ok(err.reason);
      });
      await assert.rejects(tc.downloadManagedArtifact({ taskId, runId: 0, name: 'public/reference', queue, streamFactory: sinkless }), (err) => {
        assert.equal(err.code, 'ArtifactStorageTypeRejected');
        assert.equal(err.storageType, 'reference');
      });
    }],
    ['config() supplies defaults; fromEnvVars reads the environment', async () => {
      tc.config({ rootUrl, credentials });
      const res = await tc.request({}, entry('auth', 'currentScopes', 'get', '/scopes/current'));
      assert.ok(res.scopes.includes('*'));
      tc.config({ rootUrl: undefined, credentials: undefined });
      // Hosts without an environment (workerd) give an empty object rather than failing.
      const vars = tc.fromEnvVars();
      assert.equal(typeof vars, 'object');
    }],
  ];
}
