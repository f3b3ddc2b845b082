// Scenarios that set up everything they need through the Taskcluster API alone (no devserver admin
// endpoint, no seeded data), so that the same file runs against both targets: tc-devserver and a real
// Taskcluster v106 deployment (scripts/real-taskcluster). Where the two answer differently, the
// assertion here is the real service's answer, and tc-devserver is what gets fixed.
//
// The target is named by TC_TEST_ROOT_URL / TC_TEST_CLIENT_ID / TC_TEST_ACCESS_TOKEN (a client with
// scope `*`); TC_TEST_TARGET (`devserver` or `real`) only labels the output.
import * as assert from '../check.mjs';

export function targetScenarios(tc, env) {
  const need = (name) => {
    const v = env(name);
    if (!v) throw new Error(`${name} must be set (scripts/test sets it)`);
    return v;
  };
  const rootUrl = need('TC_TEST_ROOT_URL');
  const credentials = { clientId: need('TC_TEST_CLIENT_ID'), accessToken: need('TC_TEST_ACCESS_TOKEN') };
  const options = { rootUrl, credentials, delayFactor: 5 };
  const ua = (globalThis.navigator && globalThis.navigator.userAgent) || '';
  const browser = !!(globalThis.window || globalThis.WorkerGlobalScope) && !globalThis.Deno && !ua.includes('Cloudflare-Workers');
  // keeps names of this run apart from earlier runs on the same deployment; lowercase, since v106's
  // task queue IDs allow only `[-a-z0-9]` in their second part
  const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
  const bytes = (n, seed = 1) => {
    const d = new Uint8Array(n);
    let x = seed >>> 0 || 1;
    for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; d[i] = x & 255; }
    return d;
  };
  const sink = () => {
    const out = { parts: [], closed: false };
    out.factory = () => new WritableStream({ write(c) { out.parts.push(c); }, close() { out.closed = true; } });
    out.bytes = () => { const b = new Uint8Array(out.parts.reduce((n, p) => n + p.length, 0)); let o = 0; for (const p of out.parts) { b.set(p, o); o += p.length; } return b; };
    out.text = () => new TextDecoder().decode(out.bytes());
    return out;
  };
  const sameBytes = (a, b, what) => {
    assert.equal(a.length, b.length, `${what}: length`);
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.ok(false, `${what}: byte ${i} differs`);
  };
  // A permanent client created through auth.createClient, with exactly `scopes`.
  const permanentClient = async (name, scopes) => {
    const auth = new tc.Auth(options);
    const clientId = `project/real-tests/${run}/${name}`;
    const res = await auth.createClient(clientId, { description: 'scripts/test', expires: tc.fromNowJSON('1 hour'), scopes });
    return { clientId, accessToken: res.accessToken };
  };
  // the scopes a client holds, less what the deployment's anonymous role expands to
  let anonymousScopes;
  const anonymous = async () => anonymousScopes || (anonymousScopes = (await new tc.Auth({ rootUrl }).currentScopes()).scopes);
  // what a caller with `scopes` holds: those and the anonymous role's (every caller assumes it)
  const withAnonymous = async (scopes) => [...new Set([...scopes, ...await anonymous()])].sort();
  const errorShape = (status, code) => (err) => {
    assert.ok(err instanceof Error, 'an Error');
    assert.equal(err.statusCode, status, `status of ${err.message}`);
    assert.equal(err.code, code);
    assert.equal(err.body.code, code);
    assert.match(err.body.message, /---/, 'the service message with its details section');
    assert.equal(err.attempts, 1, '4xx is never retried');
  };
  const taskDef = (taskQueueId, extra = {}) => ({
    taskQueueId, schedulerId: 'real-tests', projectId: 'none', priority: 'lowest',
    created: tc.fromNowJSON(), deadline: tc.fromNowJSON('1 hour'), expires: tc.fromNowJSON('1 day'), payload: {},
    metadata: { name: 'scripts/test', description: 'an integration scenario', owner: 'tests@example.com', source: 'https://example.com/tests' },
    ...extra,
  });

  // One task, run through its lifecycle by a worker with the credentials claimWork gives it; its
  // artifacts of every storage type are shared by the artifact scenarios below.
  let lifecycle;
  const completedTask = () => lifecycle || (lifecycle = (async () => {
    const queue = new tc.Queue(options);
    const taskQueueId = `real-tests/q${run}`;
    const taskId = tc.slugid();
    const created = await queue.createTask(taskId, taskDef(taskQueueId));
    assert.equal(created.status.state, 'pending');
    const claim = await queue.claimWork(taskQueueId, { workerGroup: 'real-tests', workerId: `w${run}`, tasks: 1 });
    assert.equal(claim.tasks.length, 1, 'claimWork gave the pending task');
    const [{ runId, credentials: workerCreds, status }] = claim.tasks;
    assert.equal(status.taskId, taskId);
    assert.equal(status.runs[runId].state, 'running');
    assert.ok(workerCreds.certificate, 'the worker credentials are temporary credentials');
    const worker = new tc.Queue({ rootUrl, credentials: workerCreds, delayFactor: 5 });
    const expires = tc.fromNowJSON('1 hour'); // an artifact may not outlive its task (task.expires: 1 day)
    const hello = new TextEncoder().encode(`hello, world from ${taskId}\n`);
    // s3: PUT the bytes to the URL the queue hands out
    const s3 = await worker.createArtifact(taskId, runId, 'public/hello.txt', { storageType: 's3', expires, contentType: 'text/plain' });
    assert.equal(s3.storageType, 's3');
    const put = await fetch(s3.putUrl, { method: 'PUT', body: hello, headers: { 'content-type': 'text/plain' } });
    assert.equal(put.status, 200, 'PUT to the s3 putUrl');
    // object: uploaded through the object service with the credentials createArtifact returns
    const objData = bytes(3000, 7);
    const obj = await worker.createArtifact(taskId, runId, 'public/object.bin', { storageType: 'object', expires, contentType: 'application/octet-stream' });
    assert.equal(obj.storageType, 'object');
    const object = new tc.Object({ rootUrl, credentials: obj.credentials, delayFactor: 5 });
    await tc.upload({ projectId: obj.projectId, name: obj.name, uploadId: obj.uploadId, expires: obj.expires, contentType: 'application/octet-stream',
      contentLength: objData.length, object, streamFactory: () => objData });
    await worker.finishArtifact(taskId, runId, 'public/object.bin', { uploadId: obj.uploadId });
    await worker.createArtifact(taskId, runId, 'public/link', { storageType: 'link', expires, contentType: 'text/plain', artifact: 'public/hello.txt' });
    await worker.createArtifact(taskId, runId, 'public/error', { storageType: 'error', expires, reason: 'file-missing-on-worker', message: 'no such file' });
    await worker.createArtifact(taskId, runId, 'public/reference', { storageType: 'reference', expires, contentType: 'text/plain', url: `${rootUrl}/api/queue/v1/ping` });
    // private: needs credentials (or a bewit) to read
    await worker.createArtifact(taskId, runId, 'private/secret.txt', { storageType: 's3', expires, contentType: 'text/plain' })
      .then((r) => fetch(r.putUrl, { method: 'PUT', body: 'private bytes', headers: { 'content-type': 'text/plain' } }))
      .then((r) => assert.equal(r.status, 200, 'PUT private'));
    const done = await worker.reportCompleted(taskId, runId);
    assert.equal(done.status.state, 'completed');
    return { taskId, runId, hello, objData, taskQueueId };
  })());

  return [
    ['auth: permanent credentials carry exactly their scopes; beyond them is 403 InsufficientScopes', async () => {
      const perm = await permanentClient('perm', ['secrets:get:project/real-tests/*', 'auth:current-scopes']);
      const auth = new tc.Auth({ rootUrl, credentials: perm });
      // every caller also holds the anonymous role: currentScopes lists `assume:anonymous` (expanded)
      assert.deepEqual((await auth.currentScopes()).scopes, await withAnonymous(['auth:current-scopes', 'secrets:get:project/real-tests/*']));
      const info = await tc.credentialInformation(rootUrl, perm);
      assert.equal(info.type, 'permanent');
      await assert.rejects(new tc.Secrets({ rootUrl, credentials: perm }).set(`project/x/${run}`, { secret: {}, expires: tc.fromNowJSON('1 hour') }),
        errorShape(403, 'InsufficientScopes'));
    }],
    ['auth: temporary and named temporary credentials from a permanent client', async () => {
      const perm = await permanentClient('issuer', ['auth:current-scopes', 'secrets:*', `auth:create-client:project/real-tests/${run}/named/*`]);
      const temp = tc.createTemporaryCredentials({ expiry: tc.fromNow('1 hour'), scopes: ['auth:current-scopes', 'secrets:get:a/*'], credentials: perm });
      assert.deepEqual((await new tc.Auth({ rootUrl, credentials: temp }).currentScopes()).scopes, await withAnonymous(['auth:current-scopes', 'secrets:get:a/*']));
      const named = tc.createTemporaryCredentials({ clientId: `project/real-tests/${run}/named/t1`, expiry: tc.fromNow('1 hour'), scopes: ['auth:current-scopes'], credentials: perm });
      assert.equal(named.clientId, `project/real-tests/${run}/named/t1`);
      assert.deepEqual((await new tc.Auth({ rootUrl, credentials: named }).currentScopes()).scopes, await withAnonymous(['auth:current-scopes']));
      // scopes the issuer does not have: the certificate is refused
      const greedy = tc.createTemporaryCredentials({ expiry: tc.fromNow('1 hour'), scopes: ['queue:*'], credentials: perm });
      await assert.rejects(new tc.Auth({ rootUrl, credentials: greedy }).currentScopes(), (err) => assert.equal(err.statusCode, 401));
      // a named temporary client the issuer may not create
      const badName = tc.createTemporaryCredentials({ clientId: 'elsewhere/t', expiry: tc.fromNow('1 hour'), scopes: [], credentials: perm });
      await assert.rejects(new tc.Auth({ rootUrl, credentials: badName }).currentScopes(), (err) => assert.equal(err.statusCode, 401));
    }],
    ['auth: authorizedScopes narrow a call; a call beyond them is 403', async () => {
      const auth = new tc.Auth({ ...options, authorizedScopes: ['auth:current-scopes', 'secrets:get:b/*'] });
      assert.deepEqual((await auth.currentScopes()).scopes, await withAnonymous(['auth:current-scopes', 'secrets:get:b/*']));
      const secrets = new tc.Secrets({ ...options, authorizedScopes: ['secrets:get:b/*'] });
      await assert.rejects(secrets.set(`project/real-tests/${run}/az`, { secret: {}, expires: tc.fromNowJSON('1 hour') }), errorShape(403, 'InsufficientScopes'));
    }],
    ['errors: 401 for a wrong access token, 404 ResourceNotFound, 400 InputValidationError', async () => {
      const wrong = new tc.Auth({ rootUrl, credentials: { clientId: credentials.clientId, accessToken: 'not-the-token-at-all-xxxxxxx' } });
      await assert.rejects(wrong.currentScopes(), errorShape(401, 'AuthenticationFailed'));
      const unknown = new tc.Auth({ rootUrl, credentials: { clientId: `nobody/${run}`, accessToken: 'not-the-token-at-all-xxxxxxx' } });
      await assert.rejects(unknown.currentScopes(), errorShape(401, 'AuthenticationFailed'));
      await assert.rejects(new tc.Auth(options).client(`missing/${run}`), errorShape(404, 'ResourceNotFound'));
      await assert.rejects(new tc.Queue(options).createTask(tc.slugid(), { payload: {} }), errorShape(400, 'InputValidationError'));
    }],
    ['secrets: set, get, list, remove; get after remove is 404', async () => {
      const secrets = new tc.Secrets(options);
      const name = `project/real-tests/${run}/s`;
      await secrets.set(name, { secret: { a: [1, 'two'] }, expires: tc.fromNowJSON('1 hour') });
      const got = await secrets.get(name);
      assert.deepEqual(got.secret, { a: [1, 'two'] });
      assert.match(got.expires, /^\d{4}-\d\d-\d\dT/);
      await secrets.remove(name);
      await assert.rejects(secrets.get(name), errorShape(404, 'ResourceNotFound'));
    }],
    ['pagination: paginate() walks the secrets list in pages of 2', async () => {
      const secrets = new tc.Secrets(options);
      const prefix = `project/real-tests/${run}/page`;
      for (let i = 0; i < 5; i++) await secrets.set(`${prefix}/${i}`, { secret: { i }, expires: tc.fromNowJSON('1 hour') });
      const pages = [];
      for await (const page of secrets.paginate(secrets.list, { limit: 2 })) pages.push(page);
      assert.ok(pages.length >= 3, `${pages.length} pages`);
      assert.ok(pages.every((p) => p.secrets.length <= 2), 'no page beyond its limit');
      assert.deepEqual(pages.flatMap((p) => p.secrets).filter((n) => n.startsWith(prefix)).sort(), [0, 1, 2, 3, 4].map((i) => `${prefix}/${i}`));
    }],
    ['task lifecycle: createTask, claimWork, artifacts with the worker\'s credentials, reportCompleted', async () => {
      const { taskId } = await completedTask();
      const queue = new tc.Queue(options);
      assert.equal((await queue.status(taskId)).status.state, 'completed');
      const names = (await queue.listLatestArtifacts(taskId)).artifacts.map((a) => `${a.name}:${a.storageType}`).sort();
      assert.deepEqual(names, ['private/secret.txt:s3', 'public/error:error', 'public/hello.txt:s3', 'public/link:link', 'public/object.bin:object', 'public/reference:reference']);
    }],
    ['downloadArtifact: s3, object, link, error and reference artifacts of a real run', async () => {
      const { taskId, runId, hello, objData } = await completedTask();
      const queue = new tc.Queue(options);
      let out = sink();
      assert.equal(await tc.downloadArtifact({ taskId, name: 'public/hello.txt', queue, streamFactory: out.factory }), 'text/plain');
      sameBytes(out.bytes(), hello, 's3');
      out = sink();
      await tc.downloadArtifact({ taskId, runId, name: 'public/object.bin', queue, streamFactory: out.factory });
      sameBytes(out.bytes(), objData, 'object');
      out = sink();
      await tc.downloadArtifact({ taskId, name: 'public/link', queue, streamFactory: out.factory });
      sameBytes(out.bytes(), hello, 'link');
      out = sink();
      await tc.downloadArtifact({ taskId, name: 'private/secret.txt', queue, streamFactory: out.factory });
      assert.equal(out.text(), 'private bytes');
      await assert.rejects(tc.downloadArtifact({ taskId, name: 'public/error', queue, streamFactory: sink().factory }), (err) => {
        assert.equal(err.code, 'ArtifactError');
        assert.equal(err.reason, 'file-missing-on-worker');
      });
      await assert.rejects(tc.downloadManagedArtifact({ taskId, name: 'public/reference', queue, streamFactory: sink().factory }),
        (err) => assert.equal(err.code, 'ArtifactStorageTypeRejected'));
      // an unknown artifact is a 404 from the queue
      await assert.rejects(tc.downloadArtifact({ taskId, name: 'public/none', queue, streamFactory: sink().factory }), (err) => assert.equal(err.statusCode, 404));
    }],
    ['latestArtifact answers 200 with the storage URL; getLatestArtifact\'s 303 is not followed (its JSON body; browsers: an error naming queue.artifact)', async () => {
      const { taskId } = await completedTask();
      const queue = new tc.Queue(options);
      const direct = await queue.latestArtifact(taskId, 'public/hello.txt');
      assert.equal(direct.storageType, 's3');
      assert.match(direct.url, /^http:\/\/127\.0\.0\.1:\d+\//);
      const call = queue.getLatestArtifact(taskId, 'public/hello.txt');
      if (browser) {
        await assert.rejects(call, /redirect.*queue\.artifact/);
      } else {
        const res = await call;
        assert.equal(res.storageType, 's3');
        assert.match(res.url, /^http:\/\/127\.0\.0\.1:\d+\//);
      }
    }],
    ['bewits: signed URLs fetched without credentials (a secret; a private artifact), unsigned is 403, expired is 401', async () => {
      const secrets = new tc.Secrets(options);
      const name = `project/real-tests/${run}/bewit`;
      await secrets.set(name, { secret: { bewit: true }, expires: tc.fromNowJSON('1 hour') });
      const signed = await fetch(secrets.buildSignedUrl(secrets.get, name, { expiration: 600 }));
      assert.equal(signed.status, 200);
      assert.deepEqual((await signed.json()).secret, { bewit: true });
      const unsigned = await fetch(secrets.buildUrl(secrets.get, name));
      assert.equal(unsigned.status, 403);
      assert.equal((await unsigned.json()).code, 'InsufficientScopes');
      const expired = await fetch(secrets.buildSignedUrl(secrets.get, name, { expiration: -600 }));
      assert.equal(expired.status, 401);
      assert.equal((await expired.json()).code, 'AuthenticationFailed');
      if (!browser) { // a page cannot see a cross-origin redirect's body
        const { taskId } = await completedTask();
        const queue = new tc.Queue(options);
        const art = await fetch(queue.buildSignedUrl(queue.getLatestArtifact, taskId, 'private/secret.txt'), { redirect: 'manual' });
        assert.equal(art.status, 303);
        assert.match(art.headers.get('location'), /^http:\/\/127\.0\.0\.1:\d+\//);
        const body = await art.json();
        assert.equal(body.storageType, 's3');
        assert.equal(await (await fetch(body.url)).text(), 'private bytes');
        assert.equal((await fetch(queue.buildUrl(queue.getLatestArtifact, taskId, 'private/secret.txt'), { redirect: 'manual' })).status, 403);
      }
    }],
    ['index: insertTask, findTask, listTasks page by page', async () => {
      const { taskId } = await completedTask();
      const index = new tc.Index(options);
      const ns = `real-tests.r${run}`;
      for (let i = 0; i < 3; i++) {
        await index.insertTask(`${ns}.t${i}`, { taskId, rank: i, data: { i }, expires: tc.fromNowJSON('1 day') });
      }
      const found = await index.findTask(`${ns}.t1`);
      assert.equal(found.taskId, taskId);
      assert.equal(found.rank, 1);
      assert.deepEqual(found.data, { i: 1 });
      const seen = [];
      let continuationToken;
      let pages = 0;
      do {
        const page = await index.listTasks(ns, { limit: 2, ...(continuationToken ? { continuationToken } : {}) });
        seen.push(...page.tasks.map((t) => t.namespace));
        continuationToken = page.continuationToken;
        pages++;
      } while (continuationToken && pages < 10);
      assert.deepEqual(seen.sort(), [0, 1, 2].map((i) => `${ns}.t${i}`));
      assert.ok(pages >= 2, `${pages} pages`);
      await assert.rejects(index.findTask(`${ns}.none`), errorShape(404, 'ResourceNotFound'));
      // the index serves an empty namespace (`/namespaces{/:namespace}`): the root's namespaces
      const names = async (parent) => {
        const out = [];
        let token;
        let n = 0;
        do {
          const page = await index.listNamespaces(parent, token ? { continuationToken: token } : {});
          out.push(...page.namespaces.map((x) => x.namespace));
          token = page.continuationToken;
        } while (token && ++n < 50);
        return out;
      };
      assert.ok((await names('')).includes('real-tests'), 'listNamespaces("") lists real-tests');
      assert.ok((await names('real-tests')).includes(ns), `listNamespaces("real-tests") lists ${ns}`);
      assert.ok(Array.isArray((await index.listTasks('')).tasks));
      // any other empty argument is refused by the package, before any request (synchronously,
      // as the official client refuses bad arguments), naming it
      assert.throws(() => index.findTask(''), /URL parameter indexPath of findTask must not be empty/);
    }],
    ['objects: uploads at the dataInline/putUrl boundary and at 64 MiB round-trip with their hashes', async () => {
      const object = new tc.Object(options);
      // the package sends small objects inline, larger ones to a putUrl; both sides of the boundary
      for (const n of [0, 1, 8 * 1024 - 1, 8 * 1024, 8 * 1024 + 1, 64 * 1024, 64 * 1024 * 1024]) {
        const d = bytes(n, n + 3);
        const name = `real-tests/${run}/obj-${n}`;
        const up = await tc.upload({ projectId: 'real-tests', name, expires: tc.fromNow('1 day'), contentType: 'application/x-test', contentLength: n, object, streamFactory: () => d });
        const out = sink();
        assert.equal(await tc.download({ name, object, streamFactory: out.factory }), 'application/x-test');
        assert.ok(out.closed, `${n}: closed after verification`);
        sameBytes(out.bytes(), d, `${n} bytes`);
        const { stream, result } = tc.downloadStream({ name, object });
        const again = new Uint8Array(await new Response(stream).arrayBuffer());
        assert.equal(again.length, n);
        assert.deepEqual((await result).hashes, up.hashes, `${n}: hashes`);
      }
    }],
  ];
}
