// Benchmark (prints figures; asserts nothing): the JS per-call path in Node against raw fetch.
//
//   cargo build --release -p tc-devserver && cargo xtask pkg
//   node benches/call-node.mjs [pkgDir=pkg] [seconds per round=2] [rounds=4] [otherPkgDir]
//
// Starts a release tc-devserver with its demo data, then measures, interleaved A/B/A/B:
// - calls/s of `queue.task(taskId)` through the package against raw `fetch` of the same URL
//   with a Hawk `Authorization` header signed per request with node:crypto, at concurrency 1
//   and 16 (medians of the rounds), with the CPU time per call of this process; with
//   `otherPkgDir` (say, a copy of main's pkg/), that package too, in the same rounds, and the
//   ratio of the two packages paired per round (A/B of a change);
// - `queue.buildSignedUrl(queue.task, taskId)` per second.
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const pkgDir = resolve(process.argv[2] || 'pkg');
const seconds = Number(process.argv[3] || 2);
const rounds = Number(process.argv[4] || 4);
const otherDir = process.argv[5] && resolve(process.argv[5]);
const bin = process.env.TC_DEVSERVER_BIN || 'target/release/tc-devserver';
const TASK_ID = 'DemoTaskQ0e0CompletedA';

const token = randomBytes(33).toString('base64url');
const server = spawn(bin, ['--port', '0', '--references', 'references', '--seed-demo-data'], {
  stdio: ['ignore', 'pipe', 'ignore'],
  env: { ...process.env, TC_DEVSERVER_ACCESS_TOKEN: token },
});
const { rootUrl, clientId } = await new Promise((ok, fail) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    if (out.includes('\n')) ok(JSON.parse(out.split('\n')[0]));
  });
  server.on('exit', (c) => fail(new Error(`tc-devserver exited with ${c}`)));
});

try {
  const tc = await import(pathToFileURL(`${pkgDir}/index.js`).href);
  const Queue = tc.Queue || tc.default.Queue;
  const queue = new Queue({ rootUrl, credentials: { clientId, accessToken: token } });
  const url = queue.buildUrl(queue.task, TASK_ID);
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');

  // A raw caller that signs each request itself (Hawk, as the server checks it).
  const hawk = () => {
    const ts = Math.floor(Date.now() / 1000);
    const nonce = randomBytes(6).toString('base64url');
    const normalized = `hawk.1.header\n${ts}\n${nonce}\nGET\n${u.pathname}${u.search}\n${u.hostname}\n${port}\n\n\n`;
    const mac = createHmac('sha256', token).update(normalized).digest('base64');
    return `Hawk id="${clientId}", ts="${ts}", nonce="${nonce}", mac="${mac}"`;
  };
  const raw = async () => {
    const res = await fetch(url, { headers: { authorization: hawk() } });
    if (res.status !== 200) throw new Error(`raw fetch: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const pkg = () => queue.task(TASK_ID);
  const clients = [['raw', raw], ['pkg', pkg]];
  if (otherDir) {
    const other = await import(pathToFileURL(`${otherDir}/index.js`).href);
    const OtherQueue = other.Queue || other.default.Queue;
    const otherQueue = new OtherQueue({ rootUrl, credentials: { clientId, accessToken: token } });
    clients.push(['other', () => otherQueue.task(TASK_ID)]);
  }
  // All give the same answer before anything is timed.
  const [a, ...rest] = await Promise.all(clients.map(([, fn]) => fn()));
  if (rest.some((b) => JSON.stringify(a) !== JSON.stringify(b))) throw new Error('raw fetch and queue.task disagree');

  async function run(fn, concurrency) {
    let calls = 0;
    const end = performance.now() + seconds * 1000;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await fn();
        calls++;
      }
    }));
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { rate: calls / elapsed, cpuUs: (cpu.user + cpu.system) / calls };
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];

  for (const concurrency of [1, 16]) {
    for (const [, fn] of clients) await run(fn, concurrency); // warm-up
    const r = Object.fromEntries(clients.flatMap(([name]) => [[name, []], [`${name}Cpu`, []]]));
    for (let i = 0; i < rounds; i++) {
      // Each round in a rotated order, so no client always runs right after another.
      for (let j = 0; j < clients.length; j++) {
        const [name, fn] = clients[(i + j) % clients.length];
        const { rate, cpuUs } = await run(fn, concurrency);
        r[name].push(rate);
        r[`${name}Cpu`].push(cpuUs);
      }
    }
    const [raw1, pkg1] = [median(r.raw), median(r.pkg)];
    console.log(
      `concurrency ${String(concurrency).padStart(2)}: raw fetch ${raw1.toFixed(0)} calls/s ` +
      `(${median(r.rawCpu).toFixed(0)} µs CPU/call), queue.task ${pkg1.toFixed(0)} calls/s ` +
      `(${median(r.pkgCpu).toFixed(0)} µs CPU/call): ratio ${(pkg1 / raw1).toFixed(3)} (goal >= 0.95)`,
    );
    if (otherDir) {
      const paired = r.pkg.map((x, i) => x / r.other[i]);
      console.log(
        `               other package ${median(r.other).toFixed(0)} calls/s (${median(r.otherCpu).toFixed(0)} µs CPU/call), ` +
        `ratio to raw ${(median(r.other) / raw1).toFixed(3)}; pkg ÷ other paired per round: median ` +
        `${median(paired).toFixed(3)} [${Math.min(...paired).toFixed(3)}–${Math.max(...paired).toFixed(3)}]`,
      );
    }
  }

  const signed = [];
  for (let i = 0; i < rounds + 1; i++) {
    let n = 0;
    const end = performance.now() + Math.min(seconds, 1) * 1000;
    const t0 = performance.now();
    while (performance.now() < end) {
      for (let j = 0; j < 1000; j++) queue.buildSignedUrl(queue.task, TASK_ID);
      n += 1000;
    }
    if (i > 0) signed.push(n / ((performance.now() - t0) / 1000));
  }
  console.log(`buildSignedUrl: ${median(signed).toFixed(0)} URLs/s (goal >= 200000)`);
} finally {
  server.kill('SIGTERM');
}
