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
import { drive, makeCaller } from './calls-lib.mjs';

const isDeno = typeof globalThis.Deno !== 'undefined';
const args = isDeno ? Deno.args : process.argv.slice(2);
const env = (k) => (isDeno ? Deno.env.get(k) : process.env[k]);
const rssMiB = () => (isDeno ? Deno.memoryUsage().rss : process.memoryUsage.rss()) / 1048576;
const deployment = { ROOT: env('ROOT'), ID: env('ID'), TOKEN: env('TOKEN'), TASK: env('TASK') };

const [mode, client] = args;
const call = await makeCaller(client, deployment);
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
