// Robustness and secrecy scenarios for the built package, shared by Node, Deno and Chromium.
//
// `shows(value)` returns what the host prints for a value (Node: util.inspect, Deno:
// Deno.inspect, each with and without hidden properties; a page: nothing, since its console
// is read from outside by tests/js/browser/secrets.mjs).
import * as assert from './check.mjs';

/** Values that no duration option may take, each with the reason it is refused. */
export const BAD_DURATIONS = [
  Infinity, -Infinity, NaN, -1, -0.5, 1.8e22, Number.MAX_VALUE, 8.64e15 + 2, 2 ** 64, -(2 ** 31),
];
const DURATION_KEYS = ['timeout', 'delayFactor', 'maxDelay'];

export function robustScenarios(tc, env, shows) {
  const need = (name) => {
    const v = env(name);
    if (!v) throw new Error(`${name} must be set (scripts/test sets it)`);
    return v;
  };
  const rootUrl = need('TC_TEST_ROOT_URL');
  const token = need('TC_TEST_ACCESS_TOKEN');
  const credentials = { clientId: need('TC_TEST_CLIENT_ID'), accessToken: token };
  const admin = async (method, path, body) => {
    const r = await fetch(`${rootUrl}/__devserver/${path}`, {
      method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
    });
    return r.status === 204 ? null : r.json();
  };
  // Everything a host may print or serialise of `value`.
  const printed = (value) => {
    const out = [...shows(value)];
    try { out.push(JSON.stringify(value)); } catch (_) { /* circular: not serialisable */ }
    out.push(String(value));
    return out;
  };
  const noneContains = (texts, secret, what) => {
    for (const t of texts) assert.ok(!String(t).includes(secret), `${what} printed a secret`);
  };
  const tempCreds = () => tc.createTemporaryCredentials({
    credentials, scopes: ['auth:current-scopes-probe'], start: new Date(Date.now() - 60_000), expiry: tc.fromNow('1 hour'),
  });

  return [
    ['secrets: printing or serialising a client never shows its access token', () => {
      const temp = tempCreds();
      const clients = [
        new tc.Queue({ rootUrl, credentials }),
        new tc.Auth({ rootUrl, credentials: temp }),
        new tc.Auth({ rootUrl, credentials }).use({ traceId: 'x' }),
        new tc.Secrets({ rootUrl, credentials, fake: { get: async () => ({}) } }),
      ];
      for (const c of clients) {
        const texts = [...printed(c), ...printed(c._options), ...printed(c._options.credentials)];
        noneContains(texts, token, c.constructor.name);
        noneContains(texts, temp.accessToken, c.constructor.name);
        // What is printed is the real thing: the clientId shows, only the token is missing.
        for (const t of shows(c)) assert.ok(t.includes(c._options.credentials.clientId), `${t} lacks the clientId`);
        assert.ok(JSON.stringify(c._options).includes(c._options.credentials.clientId));
      }
      // The caller's own objects are left alone.
      assert.equal(Object.keys(credentials).join(), 'clientId,accessToken');
    }],
    ['secrets: client._options stays usable (token readable, clients rebuilt from it sign correctly)', async () => {
      const auth = new tc.Auth({ rootUrl, credentials });
      assert.equal(auth._options.credentials.accessToken, token);
      assert.equal(auth._options.credentials.clientId, credentials.clientId);
      const again = new tc.Auth(auth._options);
      assert.equal((await again.currentScopes()).scopes.length > 0, true);
      assert.equal((await auth.use({ traceId: 't' }).currentScopes()).scopes.length > 0, true);
      assert.equal((await new tc.Auth({ ...auth._options }).currentScopes()).scopes.length > 0, true);
      const temp = tempCreds();
      const tempAuth = new tc.Auth({ rootUrl, credentials: temp });
      assert.equal(tempAuth._options.credentials.accessToken, temp.accessToken);
      // Signed with the temporary credentials: their scope, not the issuer's '*'.
      const tempScopes = (await new tc.Auth(tempAuth._options).currentScopes()).scopes;
      assert.ok(tempScopes.includes('auth:current-scopes-probe') && !tempScopes.includes('*'), JSON.stringify(tempScopes));
      // createTemporaryCredentials reads the hidden token too.
      const again2 = tc.createTemporaryCredentials({ credentials: auth._options.credentials, scopes: [], expiry: tc.fromNow('1 hour') });
      assert.ok(again2.certificate);
      // The token is really what signs: change it and the server refuses.
      const wrong = new tc.Auth(auth._options);
      wrong._options.credentials.accessToken = 'not-the-token';
      assert.equal(wrong._options.credentials.accessToken, 'not-the-token');
      await assert.rejects(new tc.Auth(wrong._options).currentScopes(), (e) => assert.equal(e.statusCode, 401));
    }],
    ['secrets: errors from signed URLs carry no bewit (makeRequest: HTTP, network and input errors)', async () => {
      const queue = new tc.Queue({ rootUrl, credentials });
      const signed = queue.buildSignedUrl(queue.getLatestArtifact, tc.slugid(), 'private/nothing.txt', { expiration: 60 });
      const bewit = new URL(signed).searchParams.get('bewit');
      assert.ok(bewit && bewit.length > 20);
      const check = (err) => {
        const texts = [err.message, err.stack, err.url, ...printed(err), JSON.stringify({ ...err })];
        noneContains(texts, bewit, 'an error');
        noneContains(texts, 'bewit=', 'an error');
      };
      // makeRequest through a client without credentials: the bewit alone authenticates.
      const anonymous = new tc.Queue({ rootUrl });
      const http = await assert.rejects(tc.makeRequest(anonymous, 'get', signed), check);
      assert.equal(http.statusCode, 404);
      assert.equal(http.url, signed.split('?')[0]);
      const closed = signed.replace(/^http:\/\/[^/]+/, 'http://127.0.0.1:1');
      const net = await assert.rejects(tc.makeRequest(queue, 'get', closed), check);
      assert.equal(net.kind, 'network');
      await assert.rejects(async () => tc.makeRequest(queue, 'get', `not a url?bewit=${bewit}`), check);
      await assert.rejects(async () => tc.makeRequest(queue, 'get', `/relative?bewit=${bewit}`), check);
    }],
    ['durations: 10,000 out-of-range values throw clear errors, then the module still works', async () => {
      let n = 0;
      const values = [...BAD_DURATIONS, '100', {}, 10n];
      while (n < 10_000) {
        for (const key of DURATION_KEYS) {
          for (const v of values) {
            const err = assert.throws(() => new tc.Queue({ rootUrl, credentials, [key]: v }));
            assert.match(err.message, new RegExp(`^options\\.${key} must be a number of milliseconds`));
            n++;
          }
        }
        for (const [k, v] of [['retries', -1], ['retries', 1.5], ['retries', 2 ** 32], ['retries', Infinity],
          ['randomizationFactor', 1], ['randomizationFactor', NaN], ['randomizationFactor', -0.1]]) {
          const err = assert.throws(() => new tc.Queue({ rootUrl, [k]: v }));
          assert.match(err.message, new RegExp(`^options\\.${k} must be`));
          n++;
        }
        // Through use() too.
        assert.throws(() => new tc.Queue({ rootUrl }).use({ timeout: Infinity }), /options\.timeout must be/);
        n++;
      }
      // Dates beyond what JS dates hold are refused too (-2^63 once wrapped around to a date).
      for (const ref of [-(2 ** 63), 2 ** 63, 8.64e15 + 1, -8.64e15 - 1, Infinity]) {
        assert.throws(() => tc.fromNow('1 day', ref), /out of range|invalid Date/);
      }
      // The module is not poisoned: utilities and a full signed call work.
      assert.match(tc.slugid(), /^[A-Za-z0-9_-]{22}$/);
      const auth = new tc.Auth({ rootUrl, credentials, timeout: 8.64e15, maxDelay: 8.64e15, delayFactor: 0 });
      assert.ok((await auth.currentScopes()).scopes.length > 0);
    }],
    ['payloads JSON cannot hold: 5,000 refused with a clear error (no throw through wasm, which leaked its stack), then the module still works', async () => {
      // A function, a symbol or a toJSON returning nothing makes JSON.stringify give undefined.
      // Each once threw from inside wasm, leaking 1.5 KiB of the module's 1 MiB stack: after
      // ~700 of them every call trapped with "memory access out of bounds" (found by the fuzzer).
      const queue = new tc.Queue({ rootUrl, credentials, retries: 0 });
      const hooks = new tc.Hooks({ rootUrl, credentials, retries: 0 });
      class BadDate extends Date { getTime() { throw new Error('getTime override'); } toISOString() { throw new Error('toISOString override'); } }
      const bad = [() => 1, Symbol('s'), { toJSON() {} }];
      for (let i = 0; i < 5_000; i++) {
        const v = bad[i % bad.length];
        const mr = await assert.rejects(async () => tc.makeRequest(queue, 'post', `${rootUrl}/api/queue/v1/ping`, v));
        assert.match(mr.message, /^the payload cannot be serialized to JSON/);
        const m = await assert.rejects(async () => hooks.createHook('g', 'h', v));
        assert.match(m.message, /^the payload of createHook cannot be serialized to JSON/);
        const c = assert.throws(() => new tc.Queue({ rootUrl, credentials: { clientId: 'c', accessToken: 't', certificate: { toJSON() {} } } }));
        assert.match(c.message, /^credentials\.certificate cannot be serialized to JSON/);
        // A Date subclass whose methods throw is read through the intrinsic getTime.
        assert.equal(tc.fromNowJSON('1 day', new BadDate(0)), '1970-01-02T00:00:00.000Z');
      }
      assert.match(tc.slugid(), /^[A-Za-z0-9_-]{22}$/);
      assert.ok((await new tc.Auth({ rootUrl, credentials }).currentScopes()).scopes.length > 0);
    }],
    ['timers: a timeout beyond 2^31 - 1 ms waits (clamped to 24.8 days, not fired at once), and a short one fires', async () => {
      const name = `project/js/timer/${tc.slugid()}`;
      const secrets = new tc.Secrets({ rootUrl, credentials, retries: 0 });
      await secrets.set(name, { secret: { name }, expires: tc.fromNowJSON('1 hour') });
      const path = `/api/secrets/v1/secret/${encodeURIComponent(name)}`;
      await admin('POST', 'faults', { method: 'GET', pathPrefix: path, times: 3, action: { kind: 'delay', ms: 300 } });
      for (const timeout of [2 ** 31, 2 ** 32 + 5, 2 ** 40]) {
        const t0 = Date.now();
        const res = await new tc.Secrets({ rootUrl, credentials, retries: 0, timeout }).get(name);
        assert.equal(res.secret.name, name);
        assert.ok(Date.now() - t0 >= 250, `answered after ${Date.now() - t0} ms`);
      }
      await admin('POST', 'faults', { method: 'GET', pathPrefix: path, times: 1, action: { kind: 'delay', ms: 2000 } });
      const err = await assert.rejects(new tc.Secrets({ rootUrl, credentials, retries: 0, timeout: 100 }).get(name));
      assert.equal(err.code, 'ECONNABORTED');
    }],
  ];
}
