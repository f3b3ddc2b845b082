// Benchmark (prints figures; asserts nothing): object upload and verified download through the
// package in Node, against a baseline of raw fetch with node:crypto sha256+sha512, on loopback
// against the local deployment. Each mode runs in its own process, so peak RSS is its own.
//
//   cargo build --release -p tc-devserver && cargo xtask pkg
//   node benches/objects-node.mjs [MiB=1024]
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';

const MiB = 1 << 20;
const size = Number(process.argv[2] || 1024) * MiB;
const chunk = new Uint8Array(MiB).map((_, i) => (i * 31) & 255);

function generator(total) {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= total) return c.close();
      const n = Math.min(MiB, total - sent);
      // One constant chunk, re-enqueued: fresh buffers per chunk would measure V8's lazy
      // freeing of external memory rather than the transfer.
      c.enqueue(n === MiB ? chunk : chunk.subarray(0, n));
      sent += n;
    },
  }, { highWaterMark: 2 });
}

async function mode(which, env) {
  const tc = (await import('../pkg/index.js')).default;
  const options = { rootUrl: env.ROOT, credentials: { clientId: env.ID, accessToken: env.TOKEN } };
  const object = new tc.Object(options);
  const name = `bench/${which}/${tc.slugid()}`;
  const expires = tc.fromNowJSON('1 day');
  const t0 = performance.now();
  if (which === 'package') {
    await tc.upload({ projectId: 'bench', name, expires, contentType: 'application/octet-stream', contentLength: size, object, streamFactory: () => generator(size) });
  } else {
    // Baseline: the same protocol by hand, hashing with node:crypto.
    const r = await object.createUpload(name, { projectId: 'bench', uploadId: tc.slugid.v4(), expires, proposedUploadMethods: { putUrl: { contentType: 'application/octet-stream', contentLength: size } } });
    const put = r.uploadMethod.putUrl;
    const h256 = createHash('sha256'); const h512 = createHash('sha512');
    const body = generator(size).pipeThrough(new TransformStream({ transform(c, ctl) { h256.update(c); h512.update(c); ctl.enqueue(c); } }));
    const res = await fetch(put.url, { method: 'PUT', body, duplex: 'half', headers: put.headers });
    if (!res.ok) throw new Error(`PUT ${res.status}`);
    await object.finishUpload(name, { projectId: 'bench', uploadId: r.uploadId, hashes: { sha256: h256.digest('hex'), sha512: h512.digest('hex') } });
  }
  const t1 = performance.now();
  if (which === 'package') {
    let n = 0;
    await tc.download({ name, object, streamFactory: () => new WritableStream({ write(c) { n += c.length; } }) });
    if (n !== size) throw new Error(`downloaded ${n}`);
  } else {
    const s = await object.startDownload(name, { acceptDownloadMethods: { getUrl: true } });
    const res = await fetch(s.url);
    const h256 = createHash('sha256'); const h512 = createHash('sha512');
    let n = 0;
    for await (const c of res.body) { h256.update(c); h512.update(c); n += c.length; }
    if (n !== size || h256.digest('hex') !== s.hashes.sha256 || h512.digest('hex') !== s.hashes.sha512) throw new Error('baseline verification failed');
  }
  const t2 = performance.now();
  const mbs = (ms) => (size / MiB / (ms / 1000)).toFixed(1);
  console.log(JSON.stringify({ which, upload: mbs(t1 - t0), download: mbs(t2 - t1), rssMiB: (process.resourceUsage().maxRSS / 1024).toFixed(0) }));
}

if (process.argv[3] === '--mode') {
  await mode(process.argv[4], process.env);
} else {
  const token = execFileSync('sh', ['-c', "head -c 33 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\\n'"]).toString();
  const server = spawn('target/release/tc-devserver', ['--port', '0'], { env: { ...process.env, TC_DEVSERVER_ACCESS_TOKEN: token }, stdio: ['ignore', 'pipe', 'ignore'] });
  const line = await new Promise((r) => server.stdout.once('data', (d) => r(String(d))));
  const { rootUrl, clientId } = JSON.parse(line.split('\n')[0]);
  // ABBA order (baseline, package, package, baseline): what the order favours (a warmer page
  // cache, a fuller disk) cancels out in the means.
  const runs = [];
  try {
    for (const which of ['baseline', 'package', 'package', 'baseline']) {
      const out = execFileSync(process.execPath, [new URL(import.meta.url).pathname, String(size / MiB), '--mode', which],
        { env: { ...process.env, ROOT: rootUrl, ID: clientId, TOKEN: token } }).toString();
      runs.push(JSON.parse(out.trim().split('\n').pop()));
    }
  } finally {
    server.kill();
  }
  const mean = (which) => {
    const rs = runs.filter((r) => r.which === which);
    const avg = (k) => rs.reduce((a, r) => a + Number(r[k]), 0) / rs.length;
    return { which, upload: avg('upload'), download: avg('download'), rssMiB: Math.max(...rs.map((r) => Number(r.rssMiB))), each: rs };
  };
  const [b, p] = [mean('baseline'), mean('package')];
  console.log(`Node ${process.version}, ${size / MiB} MiB object on loopback (devserver, release build), 2 runs each in ABBA order`);
  console.log(`                upload MB/s  download MB/s  peak RSS MiB   (each run: upload/download)`);
  for (const r of [b, p]) {
    const each = r.each.map((x) => `${x.upload}/${x.download}`).join(', ');
    console.log(`${r.which.padEnd(16)}${r.upload.toFixed(1).padStart(11)}${r.download.toFixed(1).padStart(15)}${String(r.rssMiB).padStart(14)}   ${each}`);
  }
  console.log(`ratio package/baseline: upload ${(p.upload / b.upload).toFixed(2)}x, download ${(p.download / b.download).toFixed(2)}x; RSS ${p.rssMiB - b.rssMiB >= 0 ? '+' : ''}${p.rssMiB - b.rssMiB} MiB`);
}
