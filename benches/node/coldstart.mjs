// Cold start: one process that loads a client, makes one authenticated `Queue.task()` call
// (the `fetch` baseline: one unauthenticated fetch) and exits. benches/run.mjs times the whole
// process from spawn to exit, interleaving clients.
//
//   node benches/node/coldstart.mjs <client>      (clients as in calls.mjs)
const client = process.argv[2];
const { ROOT, ID, TOKEN, TASK } = process.env;
const credentials = { clientId: ID, accessToken: TOKEN };
let v;
if (client === 'fetch') {
  v = await (await fetch(`${ROOT}/api/queue/v1/task/${TASK}`)).json();
} else if (client === 'taskcluster-wasm') {
  const tc = (await import('../../pkg/index.js')).default;
  v = await new tc.Queue({ rootUrl: ROOT, credentials }).task(TASK);
} else if (client === 'client-web') {
  const { clientWeb } = await import('../../target/bench/anchors.mjs');
  v = await new clientWeb.Queue({ rootUrl: ROOT, credentials }).task(TASK);
} else if (client === 'taskcluster-client') {
  const tcc = (await import('../anchors/node_modules/taskcluster-client/src/index.js')).default;
  v = await new tcc.Queue({ rootUrl: ROOT, credentials }).task(TASK);
} else {
  throw new Error(`unknown client ${client}`);
}
if (!v.taskQueueId) throw new Error('not a task definition');
process.exit(0);
