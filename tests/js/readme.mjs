// Every code example of the official Node client's README, with only the import changed (and
// method names brought up to date: `task` for `getTask`, `getArtifact` for
// `getArtifactFromRun`), against the local deployment. Runs in Node, Deno and a Chromium page.
import * as assert from './check.mjs';

export function readmeScenarios(taskcluster, env) {
  const rootUrl = env('TC_TEST_ROOT_URL');
  const credentials = { clientId: env('TC_TEST_CLIENT_ID'), accessToken: env('TC_TEST_ACCESS_TOKEN') };
  const taskDefinition = (taskQueueId = 'proj-readme/ci') => ({
    taskQueueId,
    schedulerId: 'readme',
    projectId: 'none',
    priority: 'lowest',
    created: taskcluster.fromNowJSON(),
    deadline: taskcluster.fromNowJSON('1 hour'),
    expires: taskcluster.fromNowJSON('1 day'),
    payload: {},
    metadata: { name: 'readme', description: 'a README example', owner: 'readme@example.com', source: 'https://example.com/readme' },
  });

  return [
    ['README: client construction with every option', async () => {
      const queue = new taskcluster.Queue({
        rootUrl,
        credentials,
        timeout: 30 * 1000,
        retries: 5,
        delayFactor: 100,
        randomizationFactor: 0.25,
        maxDelay: 30 * 1000,
        agent: undefined,
        fake: null,
        authorizedScopes: undefined,
        traceId: undefined,
        serviceDiscoveryScheme: 'default',
      });
      await queue.ping();
    }],
    ['README: use() and taskclusterPerRequestInstance', async () => {
      const queue = new taskcluster.Queue({ rootUrl, credentials });
      const taskId = taskcluster.slugid();
      const result = await queue.use({ retries: 0 }).createTask(taskId, taskDefinition());
      assert.equal(result.status.taskId, taskId);
      const traced = queue.taskclusterPerRequestInstance({ traceId: 'trace-readme' });
      assert.equal((await traced.status(taskId)).status.taskId, taskId);
    }],
    ['README: createTask', async () => {
      const queue = new taskcluster.Queue({ rootUrl, credentials });
      const taskId = taskcluster.slugid();
      const result = await queue.createTask(taskId, taskDefinition());
      assert.equal(result.status.state, 'pending');
    }],
    ['README: buildUrl and buildSignedUrl, fetched without credentials', async () => {
      const queue = new taskcluster.Queue({ rootUrl, credentials });
      const taskId = taskcluster.slugid();
      await queue.createTask(taskId, taskDefinition());
      const url = queue.buildUrl(queue.task, taskId);
      assert.equal(url, `${rootUrl}/api/queue/v1/task/${taskId}`);
      const plain = await fetch(url);
      assert.equal(plain.status, 200);
      assert.equal((await plain.json()).metadata.name, 'readme');
      // A signed URL for a protected call works without credentials (and the unsigned one does not).
      const secrets = new taskcluster.Secrets({ rootUrl, credentials });
      const name = `project/readme/${taskcluster.slugid()}`;
      await secrets.set(name, { secret: { readme: true }, expires: taskcluster.fromNowJSON('1 hour') });
      const signedUrl = secrets.buildSignedUrl(secrets.get, name, { expiration: 60 * 10 });
      const signed = await fetch(signedUrl);
      assert.equal(signed.status, 200);
      assert.deepEqual((await signed.json()).secret, { readme: true });
      assert.equal((await fetch(secrets.buildUrl(secrets.get, name))).status, 403);
      const expired = await fetch(secrets.buildSignedUrl(secrets.get, name, { expiration: -600 }));
      assert.equal(expired.status, 401);
    }],
    ['README: temporary credentials used for a call', async () => {
      const temp = taskcluster.createTemporaryCredentials({
        clientId: `readme/temp/${taskcluster.slugid()}`,
        start: new Date(),
        expiry: new Date(new Date().getTime() + 5 * 60 * 1000),
        scopes: ['auth:current-scopes', 'queue:get-task:*'],
        credentials,
      });
      const auth = new taskcluster.Auth({ rootUrl, credentials: temp });
      const { scopes } = await auth.currentScopes();
      assert.ok(scopes.includes('queue:get-task:*') && !scopes.includes('*'), JSON.stringify(scopes));
    }],
    ['README: fromNow and fromNowJSON', () => {
      const dateObject = taskcluster.fromNow('2 days 3 hours 1 minute');
      const dateString = taskcluster.fromNowJSON('2 days 3 hours 1 minute');
      assert.ok(Math.abs(new Date(dateString) - dateObject) < 1000);
      assert.ok(new Date().getTime() < dateObject.getTime());
      const past = taskcluster.fromNow('- 1 year 2 months 3 weeks 5 seconds');
      assert.ok(new Date().getTime() > past.getTime());
      const dateObject1 = taskcluster.fromNow('2 days 3 hours');
      const dateObject2 = taskcluster.fromNow('1 year', dateObject1);
      assert.equal(dateObject2 - dateObject1, 365 * 24 * 3600 * 1000);
    }],
    ['README: slugid', () => {
      const taskId = taskcluster.slugid();
      assert.match(taskId, /^[A-Za-f][A-Za-z0-9_-]{21}$/);
    }],
    ['README: Events bindings', () => {
      const queueEvents = new taskcluster.QueueEvents({ rootUrl });
      const binding = queueEvents.taskCompleted({ taskId: 'myTaskId' });
      assert.equal(binding.exchange, 'exchange/taskcluster-queue/v1/task-completed');
      assert.equal(binding.routingKeyPattern, 'primary.myTaskId.*.*.*.*.*.*.*.#');
      assert.equal(binding.routingKeyReference.length, 10);
      assert.equal(queueEvents.taskCompleted('route.index.#').routingKeyPattern, 'route.index.#');
      assert.throws(() => queueEvents.taskCompleted({ taskId: 'a.b' }), /cannot contain dots/);
    }],
    ['README: fake methods with fakeCalls', async () => {
      const secrets = new taskcluster.Secrets({
        rootUrl,
        fake: { get: (name) => 'my-hardcoded-secret' },
      });
      const s = await secrets.get('thing-to-read');
      assert.equal(typeof s, 'string');
      assert.deepEqual(secrets.fakeCalls.get, [{ name: 'thing-to-read' }]);
      assert.throws(() => secrets.remove('...', {}), /takes 1 arguments, but was given 2/);
      await assert.rejects(secrets.list(), /does not have an implementation of list/);
      assert.throws(() => secrets.get(), /takes 1 arguments/);
    }],
    ['README: createClient from a reference', async () => {
      const reference = await (await fetch(`${rootUrl}/references/secrets/v1/api.json`)).json();
      const MyClient = taskcluster.createClient(reference);
      const myClient = new MyClient({ rootUrl, credentials });
      const name = `project/readme/${taskcluster.slugid()}`;
      await myClient.set(name, { secret: { made: 'by createClient' }, expires: taskcluster.fromNowJSON('1 hour') });
      assert.deepEqual((await myClient.get(name)).secret, { made: 'by createClient' });
    }],
    ['README: global config and fromEnvVars', async () => {
      taskcluster.config({ rootUrl, credentials });
      const auth = new taskcluster.Auth();
      assert.ok((await auth.currentScopes()).scopes.includes('*'));
      taskcluster.config({ rootUrl: undefined, credentials: undefined });
      const fromEnv = new taskcluster.Auth({ rootUrl, ...taskcluster.fromEnvVars() });
      await fromEnv.ping();
    }],
    ['README: credentialInformation', async () => {
      const info = await taskcluster.credentialInformation(rootUrl, credentials);
      assert.equal(info.type, 'permanent');
      assert.equal(info.active, true);
      assert.deepEqual(info.scopes, ['*']);
    }],
  ];
}
