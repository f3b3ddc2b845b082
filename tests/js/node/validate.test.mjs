// Opt-in payload validation (`validate: true`) through the built package in Node, against the
// local deployment: an invalid createTask rejects before any request, naming each field; a
// valid one is sent; without the option, the same invalid payload reaches the server. The
// validator module (pkg/validate.js) is loaded only by a client that asks for it.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tc from '../../../pkg/index.js';

const rootUrl = process.env.TC_TEST_ROOT_URL;
const credentials = { clientId: process.env.TC_TEST_CLIENT_ID, accessToken: process.env.TC_TEST_ACCESS_TOKEN };
if (!rootUrl) throw new Error('TC_TEST_ROOT_URL must be set (scripts/test sets it)');

const sent = async (taskId) => {
  const r = await fetch(`${rootUrl}/__devserver/requests?pathPrefix=${encodeURIComponent(`/api/queue/v1/task/${taskId}`)}`);
  return (await r.json()).length;
};
const definition = () => ({
  taskQueueId: 'proj-validate/ci',
  schedulerId: 'validate',
  projectId: 'none',
  created: tc.fromNow(),
  deadline: tc.fromNowJSON('1 hour'),
  payload: {},
  metadata: { name: 'validate', description: 'opt-in validation', owner: 'validate@example.com', source: 'https://example.com/validate' },
});

test('validate: true rejects an invalid createTask before any request, naming each field', async () => {
  const queue = new tc.Queue({ rootUrl, credentials, validate: true });
  const taskId = tc.slugid();
  const bad = { ...definition(), retries: 'many', bogus: 1, priority: 'urgent', secretField: 'SeCrEtVaLuE' };
  delete bad.metadata;
  const e = await queue.createTask(taskId, bad).then(() => null, (x) => x);
  assert.ok(e instanceof Error, 'an Error');
  assert.equal(e.code, 'InputValidationError');
  assert.match(e.message, /^the createTask payload does not match queue\/v1\/create-task-request\.json:/);
  assert.match(e.message, /\* \/: the value does not have required property "metadata"/);
  assert.match(e.message, /\* \/retries: the value type "string" is invalid\. Expected "integer"/);
  assert.match(e.message, /\* \/priority: the value does not match any of/);
  assert.match(e.message, /Property "bogus" does not match additional properties schema/);
  assert.ok(!e.message.includes('SeCrEtVaLuE'), 'no payload value in the message');
  assert.ok(e.stack.includes('validate.test.mjs'), 'the stack names the caller');
  assert.equal(await sent(taskId), 0, 'no request was made');
});

test('validate: true sends a valid createTask (a Date in it is checked as the JSON sent)', async () => {
  const queue = new tc.Queue({ rootUrl, credentials, validate: true });
  const taskId = tc.slugid();
  const res = await queue.createTask(taskId, definition());
  assert.equal(res.status.taskId, taskId);
  assert.equal(await sent(taskId), 1);
});

test('without validate, the same invalid payload reaches the server (its 400 names the field)', async () => {
  const queue = new tc.Queue({ rootUrl, credentials, retries: 0 });
  const taskId = tc.slugid();
  const bad = { ...definition() };
  delete bad.metadata;
  const e = await queue.createTask(taskId, bad).then(() => null, (x) => x);
  assert.equal(e.code, 'InputValidationError');
  assert.equal(e.statusCode, 400);
  assert.match(e.message, /metadata/);
  assert.equal(await sent(taskId), 1);
});

test('use() keeps validate, and methods without a payload are not affected', async () => {
  const queue = new tc.Queue({ rootUrl, credentials, validate: true }).use({ retries: 0 });
  assert.equal(queue._options.validate, true);
  const e = await queue.createTask(tc.slugid(), {}).then(() => null, (x) => x);
  assert.match(e.message, /does not have required property "created"/);
  assert.equal((await queue.ping()).alive, true);
});
