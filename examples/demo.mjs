// A short end-to-end tour of the taskcluster-wasm npm package, in Node.
//
// It reads TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID and TASKCLUSTER_ACCESS_TOKEN, so it runs
// against any deployment; scripts/demo points it at the local one it starts.
import { readFileSync } from 'node:fs';
import tc from '../pkg/index.js';

// Reference entries straight from references/ (service classes come with the full API).
function entry(service, name) {
  const ref = JSON.parse(readFileSync(new URL(`../references/${service}/v1/api.json`, import.meta.url)));
  const e = ref.entries.find((x) => x.name === name);
  return { serviceName: ref.serviceName, apiVersion: ref.apiVersion, ...e };
}

const options = tc.fromEnvVars();
if (!options.rootUrl || !options.credentials) {
  console.error('set TASKCLUSTER_ROOT_URL, TASKCLUSTER_CLIENT_ID and TASKCLUSTER_ACCESS_TOKEN');
  process.exit(2);
}
console.log(`deployment:   ${options.rootUrl}`);
console.log(`slugid():     ${tc.slugid()}`);
console.log(`fromNow:      in 2 hours it will be ${tc.fromNowJSON('2 hours')}`);

// 1. Temporary credentials that can only touch one secret prefix.
const prefix = `project/demo/${tc.slugid()}`;
const temp = tc.createTemporaryCredentials({
  expiry: tc.fromNow('1 hour'),
  scopes: [`secrets:set:${prefix}/*`, `secrets:get:${prefix}/*`, 'auth:current-scopes'],
  credentials: options.credentials,
});
const narrow = { rootUrl: options.rootUrl, credentials: temp };
const { scopes } = await tc.request(narrow, entry('auth', 'currentScopes'));
console.log(`temp creds:   scopes ${JSON.stringify(scopes)}`);

// 2. Write and read a secret with them.
const name = `${prefix}/greeting`;
await tc.request(narrow, entry('secrets', 'set'), name, { secret: { hello: 'world' }, expires: tc.fromNowJSON('1 day') });
const secret = await tc.request(narrow, entry('secrets', 'get'), name);
console.log(`secret:       ${name} = ${JSON.stringify(secret.secret)}`);

// 3. What the temporary credentials may not do fails with a typed error.
try {
  await tc.request(narrow, entry('secrets', 'get'), 'project/elsewhere/x');
} catch (err) {
  console.log(`refused:      ${err.statusCode} ${err.code}`);
}

// 4. Create a task and read its status (when the deployment runs a queue).
try {
  const taskId = tc.slugid();
  await tc.request(options, entry('queue', 'createTask'), taskId, {
    taskQueueId: 'proj-demo/ci', schedulerId: '-', projectId: 'none', priority: 'lowest',
    created: tc.fromNowJSON(), deadline: tc.fromNowJSON('1 hour'), expires: tc.fromNowJSON('1 day'),
    payload: {}, metadata: { name: 'demo', description: 'made by examples/demo.mjs', owner: 'demo@example.com', source: 'https://example.com/demo' },
  });
  const { status } = await tc.request(options, entry('queue', 'status'), taskId);
  console.log(`task:         ${taskId} is ${status.state}`);
} catch (err) {
  console.log(`task:         not created (${err.statusCode || ''} ${err.code}: ${err.message.split('\n')[0]})`);
}

// 5. A signed URL that works without credentials.
const url = tc.buildSignedUrl(narrow, entry('secrets', 'get'), name, { expiration: 600 });
const res = await fetch(url);
console.log(`signed URL:   ${url.slice(0, 90)}…`);
console.log(`              fetched without credentials: HTTP ${res.status}, secret ${JSON.stringify((await res.json()).secret)}`);
