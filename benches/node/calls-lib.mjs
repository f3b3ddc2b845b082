// The callers and the driving loop shared by benches/node/calls.mjs (Node, Deno) and the
// Chromium page (benches/browser/). No host-specific code: the deployment is passed in.
export async function makeCaller(client, { ROOT, ID, TOKEN, TASK }) {
  const credentials = { clientId: ID, accessToken: TOKEN };
  const url = `${ROOT}/api/queue/v1/task/${TASK}`;
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
export async function drive(call, workers, total, deadline = Infinity) {
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

