// A short end-to-end tour of the taskcluster-wasm npm package, in Node. The API is the official
// Node client's: only the import line differs.
//
// It reads TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID and TASKCLUSTER_ACCESS_TOKEN, so it runs
// against any deployment; scripts/demo points it at the local one it starts.
import taskcluster from '../pkg/index.js';

const options = taskcluster.fromEnvVars();
if (!options.rootUrl || !options.credentials) {
  console.error('set TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID and TASKCLUSTER_ACCESS_TOKEN');
  process.exit(2);
}
console.log(`deployment:   ${options.rootUrl}`);
console.log(`slugid():     ${taskcluster.slugid()}`);
console.log(`fromNow:      in 2 hours it will be ${taskcluster.fromNowJSON('2 hours')}`);

// 1. Temporary credentials that can only touch one secret prefix.
const prefix = `project/demo/${taskcluster.slugid()}`;
const temp = taskcluster.createTemporaryCredentials({
  expiry: taskcluster.fromNow('1 hour'),
  scopes: [`secrets:set:${prefix}/*`, `secrets:get:${prefix}/*`],
  credentials: options.credentials,
});
const info = await taskcluster.credentialInformation(options.rootUrl, temp);
console.log(`temp creds:   ${info.type}, active ${info.active}, expires ${info.expiry.toJSON()}`);

// 2. Write and read a secret with them.
const secrets = new taskcluster.Secrets({ rootUrl: options.rootUrl, credentials: temp });
const name = `${prefix}/greeting`;
await secrets.set(name, { secret: { hello: 'world' }, expires: taskcluster.fromNowJSON('1 day') });
console.log(`secret:       ${name} = ${JSON.stringify((await secrets.get(name)).secret)}`);

// 3. What the temporary credentials may not do fails with a typed error.
try {
  await secrets.get('project/elsewhere/x');
} catch (err) {
  console.log(`refused:      ${err.statusCode} ${err.code}`);
}

// 4. Create a task and read its status.
const queue = new taskcluster.Queue(options);
const taskId = taskcluster.slugid();
await queue.createTask(taskId, {
  taskQueueId: 'proj-demo/ci',
  schedulerId: 'demo',
  projectId: 'none',
  priority: 'lowest',
  created: taskcluster.fromNowJSON(),
  deadline: taskcluster.fromNowJSON('1 hour'),
  expires: taskcluster.fromNowJSON('1 day'),
  payload: {},
  metadata: { name: 'demo', description: 'made by examples/demo.mjs', owner: 'demo@example.com', source: 'https://example.com/demo' },
});
const { status } = await queue.status(taskId);
console.log(`task:         ${taskId} is ${status.state} on ${status.taskQueueId}`);

// 5. A signed URL (a bewit) that works without credentials.
const url = secrets.buildSignedUrl(secrets.get, name, { expiration: 600 });
const res = await fetch(url);
console.log(`signed URL:   ${url.slice(0, 88)}…`);
console.log(`              fetched without credentials: HTTP ${res.status}, secret ${JSON.stringify((await res.json()).secret)}`);

// 6. Events bindings, for a Pulse consumer.
const binding = new taskcluster.QueueEvents(options).taskCompleted({ taskId });
console.log(`binding:      ${binding.exchange} ${binding.routingKeyPattern}`);
