// One measurement of `Queue.task()` calls in one process (Node or Deno), printed as one JSON
// line; benches/run.mjs runs it once per client and round, interleaved.
//
//   node benches/node/calls.mjs calls <client> <concurrency> <seconds>
//   node benches/node/calls.mjs load <client> <total> <concurrency>     (RSS sampled)
//   deno run -A benches/node/calls.mjs …                                (the same, in Deno)
//
// Environment: ROOT, ID, TOKEN (the local deployment's root client), TASK (an existing task).
// Clients: fetch (raw, unauthenticated), fetch+hawk (hawk npm's header), taskcluster-wasm
// (pkg/), client-web (taskcluster-client-web bundled by esbuild), taskcluster-client and
// taskcluster-client+keepalive (Node only).
const isDeno = typeof globalThis.Deno !== 'undefined';
const args = isDeno ? Deno.args : process.argv.slice(2);
const env = (k) => (isDeno ? Deno.env.get(k) : process.env[k]);
const rssMiB = () => (isDeno ? Deno.memoryUsage().rss : process.memoryUsage.rss()) / 1048576;
const { ROOT, ID, TOKEN, TASK } = { ROOT: env('ROOT'), ID: env('ID'), TOKEN: env('TOKEN'), TASK: env('TASK') };
const credentials = { clientId: ID, accessToken: TOKEN };
const url = `${ROOT}/api/queue/v1/task/${TASK}`;

export async function makeCaller(client) {
  const anchors = () => import(new URL('../../target/bench/anchors.mjs', import.meta.url).href);
  switch (client) {
    case 'fetch':
      return () => fetch(url).then((r) => {
        if (!r.ok) throw new Error(`status ${r.status}`);
        return r.json();
      });
    case 'fetch+hawk': {
      const { hawk } = await anchors();
      const creds = { id: ID, key: TOKEN, algorithm: 'sha256' };
      return () => fetch(url, { headers: { Authorization: hawk.client.header(url, 'GET', { credentials: creds }).header } }).then((r) => {
        if (!r.ok) throw new Error(`status ${r.status}`);
        return r.json();
      });
    }
    case 'taskcluster-wasm': {
      const tc = (await import(new URL('../../pkg/index.js', import.meta.url).href)).default;
      const q = new tc.Queue({ rootUrl: ROOT, credentials });
      return () => q.task(TASK);
    }
    case 'client-web': {
      const { clientWeb } = await anchors();
      const q = new clientWeb.Queue({ rootUrl: ROOT, credentials });
      return () => q.task(TASK);
    }
    case 'taskcluster-client':
    case 'taskcluster-client+keepalive': {
      const tcc = (await import(new URL('../anchors/node_modules/taskcluster-client/src/index.js', import.meta.url).href)).default;
      const agent = client.endsWith('keepalive') ? { agent: { keepAlive: true } } : {};
      const q = new tcc.Queue({ rootUrl: ROOT, credentials, ...agent });
      return () => q.task(TASK);
    }
    default:
      throw new Error(`unknown client ${client}`);
  }
}

// `workers` loops, each taking the next call index until `total` or the deadline.
async function drive(call, workers, total, deadline = Infinity) {
  let next = 0;
  const lat = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next++ < total && performance.now() < deadline) {
      const t = performance.now();
      const v = await call();
      if (!v || !(v.taskQueueId || v.provisionerId)) throw new Error('not a task definition');
      lat.push(performance.now() - t);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const pct = (p) => (lat.length ? lat[Math.round((lat.length - 1) * p)] : 0);
  return { calls: lat.length, seconds, rate: lat.length / seconds, p50: pct(0.5), p99: pct(0.99) };
}

const [mode, client] = args;
const call = await makeCaller(client);
let out;
if (mode === 'calls') {
  const [concurrency, seconds] = [Number(args[2]), Number(args[3])];
  await drive(call, concurrency, concurrency * 20);
  out = { client, concurrency, ...(await drive(call, concurrency, Infinity, performance.now() + seconds * 1000)), rssMiB: rssMiB() };
} else if (mode === 'load') {
  const [total, concurrency] = [Number(args[2]), Number(args[3])];
  const samples = [];
  const t0 = performance.now();
  const rssStartMiB = rssMiB();
  const timer = setInterval(() => samples.push([(performance.now() - t0) / 1000, rssMiB()]), 50);
  const r = await drive(call, concurrency, total);
  clearInterval(timer);
  const rssEndMiB = rssMiB();
  out = { client, concurrency, ...r, rssStartMiB, rssEndMiB, rssPeakMiB: Math.max(rssStartMiB, rssEndMiB, ...samples.map((s) => s[1])), rssSamples: samples };
} else {
  throw new Error(`unknown mode ${mode}`);
}
console.log(JSON.stringify(out));
if (!isDeno) process.exit(0); // keep-alive agents would hold the process open
else Deno.exit(0);
