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
