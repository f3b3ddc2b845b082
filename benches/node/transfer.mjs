// One object upload and verified download in one Node process, printed as one JSON line with
// MB/s and the process's peak RSS; benches/run.mjs runs each client in its own process,
// interleaved.
//
//   node benches/node/transfer.mjs <taskcluster-wasm|taskcluster-client|fetch> <MiB>
//
// fetch is the baseline: the same protocol by hand, raw fetch hashed with node:crypto.
// Environment: ROOT, ID, TOKEN.
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';

const MiB = 1 << 20;
const [client, size] = [process.argv[2], Number(process.argv[3]) * MiB];
const { ROOT, ID, TOKEN } = process.env;
const options = { rootUrl: ROOT, credentials: { clientId: ID, accessToken: TOKEN } };
const chunk = new Uint8Array(MiB).map((_, i) => (i * 31) & 255);

// One constant chunk, re-yielded (fresh buffers per chunk would measure V8's lazy freeing of
// external memory rather than the transfer).
function* chunks(total) {
  for (let sent = 0; sent < total; sent += MiB) yield total - sent >= MiB ? chunk : chunk.subarray(0, total - sent);
}
const webSource = (total) => {
  const it = chunks(total);
  return new ReadableStream({ pull(c) { const { value, done } = it.next(); if (done) c.close(); else c.enqueue(value); } }, { highWaterMark: 2 });
};

const tc = (await import('../../pkg/index.js')).default;
const name = `bench/${client}/${tc.slugid()}`;
const expires = tc.fromNowJSON('1 day');
const common = { projectId: 'bench', name, expires, contentType: 'application/octet-stream', contentLength: size };
let received = 0;
let t0 = performance.now();
if (client === 'taskcluster-wasm') {
  const object = new tc.Object(options);
  await tc.upload({ ...common, object, streamFactory: () => webSource(size) });
  var t1 = performance.now();
  await tc.download({ name, object, streamFactory: () => new WritableStream({ write(c) { received += c.length; } }) });
} else if (client === 'taskcluster-client') {
  const tcc = (await import('../anchors/node_modules/taskcluster-client/src/index.js')).default;
  const object = new tcc.Object(options);
  await tcc.upload({ ...common, object, streamFactory: () => Readable.from(chunks(size), { objectMode: false }) });
  t1 = performance.now();
  await tcc.download({ name, object, streamFactory: () => new Writable({ write(c, _e, cb) { received += c.length; cb(); } }) });
} else if (client === 'fetch') {
  const object = new tc.Object(options);
  const r = await object.createUpload(name, { projectId: 'bench', uploadId: tc.slugid.v4(), expires, proposedUploadMethods: { putUrl: { contentType: 'application/octet-stream', contentLength: size } } });
  const put = r.uploadMethod.putUrl;
  const h256 = createHash('sha256');
  const h512 = createHash('sha512');
  const body = webSource(size).pipeThrough(new TransformStream({ transform(c, ctl) { h256.update(c); h512.update(c); ctl.enqueue(c); } }));
  const res = await fetch(put.url, { method: 'PUT', body, duplex: 'half', headers: put.headers });
  if (!res.ok) throw new Error(`PUT ${res.status}`);
  await object.finishUpload(name, { projectId: 'bench', uploadId: r.uploadId, hashes: { sha256: h256.digest('hex'), sha512: h512.digest('hex') } });
  t1 = performance.now();
  const s = await object.startDownload(name, { acceptDownloadMethods: { getUrl: true } });
  const d = await fetch(s.url);
  const g256 = createHash('sha256');
  const g512 = createHash('sha512');
  for await (const c of d.body) { g256.update(c); g512.update(c); received += c.length; }
  if (g256.digest('hex') !== s.hashes.sha256 || g512.digest('hex') !== s.hashes.sha512) throw new Error('baseline verification failed');
} else {
  throw new Error(`unknown client ${client}`);
}
const t2 = performance.now();
if (received !== size) throw new Error(`downloaded ${received} of ${size} bytes`);
const mbs = (ms) => size / MiB / (ms / 1000);
console.log(JSON.stringify({ client, MiB: size / MiB, upload: mbs(t1 - t0), download: mbs(t2 - t1), rssMiB: process.resourceUsage().maxRSS / 1024 }));
process.exit(0);
