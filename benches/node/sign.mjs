// Signing ops/s in one Node process, every op interleaved in rotating order (ABC, BCA, …) for
// `rounds` rounds of `ms` each; prints one JSON line {op: [ops/s per round]}. No network.
//
//   node benches/node/sign.mjs <rounds> <ms>
//
// Environment: ROOT, ID, TOKEN, TASK (only used to build URLs).
const [rounds, ms] = [Number(process.argv[2] || 5), Number(process.argv[3] || 200)];
const { ROOT, ID, TOKEN, TASK } = process.env;
const credentials = { clientId: ID, accessToken: TOKEN };
const tc = (await import('../../pkg/index.js')).default;
const { clientWeb, hawk } = await import('../../target/bench/anchors.mjs');
const tcc = (await import('../anchors/node_modules/taskcluster-client/src/index.js')).default;

const ours = new tc.Queue({ rootUrl: ROOT, credentials });
const web = new clientWeb.Queue({ rootUrl: ROOT, credentials });
const official = new tcc.Queue({ rootUrl: ROOT, credentials });
const name = 'private/log.txt';
const artifactUrl = `${ROOT}/api/queue/v1/task/${TASK}/artifacts/private%2Flog.txt`;
const taskUrl = `${ROOT}/api/queue/v1/task/${TASK}`;
const hawkCreds = { id: ID, key: TOKEN, algorithm: 'sha256' };

const ops = {
  'url/taskcluster-wasm': () => ours.buildSignedUrl(ours.getLatestArtifact, TASK, name, { expiration: 600 }),
  'url/client-web': () => web.buildSignedUrlSync(web.getLatestArtifact, TASK, name, { expiration: 600 }),
  'url/taskcluster-client': () => official.buildSignedUrl(official.getLatestArtifact, TASK, name, { expiration: 600 }),
  'url/hawk': () => `${artifactUrl}?bewit=${hawk.uri.getBewit(artifactUrl, { credentials: hawkCreds, ttlSec: 600 })}`,
  'header/hawk': () => hawk.client.header(taskUrl, 'GET', { credentials: hawkCreds }).header,
};

// Every op must produce a URL the server accepts in shape: a bewit on the right path.
for (const [k, f] of Object.entries(ops)) {
  const v = f();
  if (k.startsWith('url/') && !(v.includes('/artifacts/private%2Flog.txt') && v.includes('bewit='))) throw new Error(`${k} built ${v}`);
  if (k.startsWith('header/') && !v.startsWith('Hawk ')) throw new Error(`${k} built ${v}`);
}
let sink = 0;
const names = Object.keys(ops);
for (const k of names) for (let i = 0; i < 2000; i++) sink += ops[k]().length;
const out = Object.fromEntries(names.map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (let j = 0; j < names.length; j++) {
    const k = names[(r + j) % names.length];
    const f = ops[k];
    let n = 0;
    const t0 = performance.now();
    const end = t0 + ms;
    while (performance.now() < end) {
      for (let i = 0; i < 32; i++) sink += f().length;
      n += 32;
    }
    out[k].push(n / ((performance.now() - t0) / 1000));
  }
}
if (sink === 0) throw new Error('unreachable');
console.log(JSON.stringify(out));
