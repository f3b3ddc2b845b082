// The built package (pkg/) in Node, against the local deployment.
import { test } from 'node:test';
import * as tc from '../../../pkg/index.js';
import { scenarios } from '../scenarios.mjs';
import { readmeScenarios } from '../readme.mjs';

const env = (k) => process.env[k];
for (const [name, fn] of scenarios(tc, env)) test(name, fn);
for (const [name, fn] of readmeScenarios(tc.default, env)) test(name, fn);

test('fromEnvVars honours TASKCLUSTER_* and TASKCLUSTER_PROXY_URL', () => {
  const saved = { ...process.env };
  try {
    for (const k of Object.keys(process.env)) if (k.startsWith('TASKCLUSTER_')) delete process.env[k];
    process.env.TASKCLUSTER_ACCESS_TOKEN = 'tok';
    const a = tc.fromEnvVars();
    if (JSON.stringify(a) !== JSON.stringify({ credentials: { accessToken: 'tok' } })) throw new Error(JSON.stringify(a));
    process.env.TASKCLUSTER_PROXY_URL = 'http://taskcluster';
    const b = tc.fromEnvVars();
    if (JSON.stringify(b) !== JSON.stringify({ rootUrl: 'http://taskcluster' })) throw new Error(JSON.stringify(b));
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
});

test('discover() picks up methods newer than the bundled references', async () => {
  const { createServer } = await import('node:http');
  const reference = {
    $schema: '/schemas/common/api-reference-v0.json#', apiVersion: 'v1', serviceName: 'secrets', title: 'Secrets',
    entries: [{ type: 'function', name: 'brandNewMethod', method: 'get', route: '/brand-new/<thing>', args: ['thing'], query: [], stability: 'experimental' }],
  };
  const seen = [];
  const server = createServer((req, res) => {
    seen.push(req.url);
    const body = req.url === '/references/manifest.json'
      ? { references: ['/references/secrets/v1/api.json', '/references/secrets/v1/logs.json'] }
      : req.url === '/references/secrets/v1/api.json' ? reference
        : req.url === '/references/secrets/v1/logs.json' ? { $schema: '/schemas/common/logs-reference-v0.json#', serviceName: 'secrets', types: [] }
          : { answered: req.url };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const rootUrl = `http://127.0.0.1:${server.address().port}`;
    const found = await tc.discover(rootUrl);
    if (Object.keys(found).join() !== 'Secrets') throw new Error(Object.keys(found).join());
    const res = await new found.Secrets({ rootUrl }).brandNewMethod('it\'s');
    if (res.answered !== '/api/secrets/v1/brand-new/it%27s') throw new Error(JSON.stringify(res));
  } finally {
    server.close();
  }
});
