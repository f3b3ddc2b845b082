// Benchmark (prints figures; asserts nothing): the package's own cost per `Queue.task()` call,
// with the network taken out. `globalThis.fetch` is replaced by a stub that answers a task
// definition at once, so what is left is the work each caller does around `fetch`: signing,
// the JS/wasm crossings, the timeout guard, reading and parsing the body. On a shared machine
// this is far steadier than calls/s against a server, so it is the figure to compare a change
// by (then confirm with benches/call-node.mjs against the real server).
//
//   node benches/node/calls-overhead.mjs [pkgDir=pkg] [otherPkgDir] [rounds=9]
//   deno run -A benches/node/calls-overhead.mjs …                 (the same, in Deno)
//
// Callers, interleaved round by round (median µs per call, sequential):
// - raw: `fetch(url, {headers: {authorization}})` + `res.json()`, the Hawk header signed per call
//   with node:crypto (what benches/call-node.mjs calls raw fetch);
// - fetchJson: the package's own host-side attempt (js/snippets/node-http.js) with that header
//   and the default 30 s timeout, i.e. the floor of the package's path without WebAssembly;
// - pkg (and other): `queue.task(taskId)` through the package (signing in WebAssembly).
import { createHmac, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fetchJson } from '../../js/snippets/node-http.js';

const isDeno = typeof globalThis.Deno !== 'undefined';
const args = isDeno ? Deno.args : process.argv.slice(2);
const [pkgDir = 'pkg', otherDir, roundsArg = '9'] = args;
const rounds = Number(roundsArg);
const N = 20000;

const task = JSON.stringify({
  provisionerId: 'proj-devserver', workerType: 'demo', taskQueueId: 'proj-devserver/demo', schedulerId: 'taskcluster-ui',
  taskGroupId: 'DemoTaskQ0e0CompletedA', dependencies: [], requires: 'all-completed', routes: [], priority: 'lowest',
  retries: 5, created: '2026-01-01T00:00:00.000Z', deadline: '2026-01-02T00:00:00.000Z', expires: '2027-01-01T00:00:00.000Z',
  scopes: [], payload: { image: 'ubuntu:24.04', command: ['/bin/bash', '-c', 'echo hello'], maxRunTime: 600 },
  metadata: { name: 'demo', description: 'a demo task', owner: 'demo@example.com', source: 'https://example.com/demo' },
  tags: {}, extra: {},
});
globalThis.fetch = async () => new Response(task, { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' } });

const rootUrl = 'http://127.0.0.1:9';
const TASK_ID = 'DemoTaskQ0e0CompletedA';
const token = randomBytes(33).toString('base64url');
const credentials = { clientId: 'static/bench', accessToken: token };
const url = `${rootUrl}/api/queue/v1/task/${TASK_ID}`;
const hawk = () => {
  const ts = Math.floor(Date.now() / 1000);
  const nonce = randomBytes(6).toString('base64url');
  const normalized = `hawk.1.header\n${ts}\n${nonce}\nGET\n/api/queue/v1/task/${TASK_ID}\n127.0.0.1\n9\n\n\n`;
  const mac = createHmac('sha256', token).update(normalized).digest('base64');
  return `Hawk id="${credentials.clientId}", ts="${ts}", nonce="${nonce}", mac="${mac}"`;
};
const queueOf = async (dir) => {
  const tc = await import(pathToFileURL(`${resolve(dir)}/index.js`).href);
  const queue = new (tc.Queue || tc.default.Queue)({ rootUrl, credentials });
  return () => queue.task(TASK_ID);
};

const callers = [
  ['raw', () => fetch(url, { headers: { authorization: hawk() } }).then((r) => r.json())],
  ['fetchJson', () => fetchJson(url, 'GET', hawk(), undefined, undefined, 30000, false)],
  ['pkg', await queueOf(pkgDir)],
];
if (otherDir) callers.push(['other', await queueOf(otherDir)]);
for (const [name, fn] of callers) {
  const v = await fn();
  if (!v || v.taskQueueId !== 'proj-devserver/demo') throw new Error(`${name}: not the task definition`);
}

const times = Object.fromEntries(callers.map(([name]) => [name, []]));
for (let r = 0; r < rounds + 1; r++) {
  for (let j = 0; j < callers.length; j++) {
    const [name, fn] = callers[(r + j) % callers.length];
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await fn();
    if (r > 0) times[name].push(((performance.now() - t0) * 1000) / N); // round 0 warms up
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const raw = median(times.raw);
console.log(`${isDeno ? 'Deno' : 'Node'}, stubbed fetch, ${rounds} rounds of ${N} sequential calls each (median µs per call):`);
for (const [name] of callers) {
  const m = median(times[name]);
  console.log(`  ${name.padEnd(10)} ${m.toFixed(1).padStart(7)} µs  (${(m - raw >= 0 ? '+' : '') + (m - raw).toFixed(1)} µs vs raw)`);
}
