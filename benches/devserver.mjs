// Benchmark (prints figures; asserts nothing): start-up time and idle memory of the local
// deployment. Build it first: `cargo build --release -p tc-devserver` (or debug; pass the path).
//
//   node benches/devserver.mjs [path/to/tc-devserver] [runs]
//
// Start-up is the time from spawn to the printed start-up line (the server is listening by
// then). Idle memory is VmRSS from /proc after the server has answered one request and idled.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const bin = process.argv[2] || 'target/release/tc-devserver';
const runs = Number(process.argv[3] || 10);

function startOnce() {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(bin, ['--port', '0', '--references', 'references'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        resolve({ child, ms, rootUrl: JSON.parse(out.split('\n')[0]).rootUrl });
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`tc-devserver exited with ${code}`)));
  });
}

const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const times = [];
let idle = 0;
for (let i = 0; i < runs; i++) {
  const { child, ms, rootUrl } = await startOnce();
  times.push(ms);
  if (i === runs - 1) {
    await fetch(`${rootUrl}/api/auth/v1/ping`);
    await new Promise((r) => setTimeout(r, 500));
    idle = rss(child.pid);
  }
  child.kill('SIGTERM');
}
times.sort((a, b) => a - b);
console.log(`tc-devserver (${bin}), ${runs} starts`);
console.log(`start-up: median ${times[runs >> 1].toFixed(1)} ms, max ${times[runs - 1].toFixed(1)} ms (target < 1000 ms)`);
console.log(`idle RSS: ${idle.toFixed(1)} MiB (target < 50 MiB)`);
