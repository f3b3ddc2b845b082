// The built package (pkg/) in Node, against the local deployment.
import { test } from 'node:test';
import * as tc from '../../../pkg/index.js';
import { scenarios } from '../scenarios.mjs';

for (const [name, fn] of scenarios(tc, (k) => process.env[k])) test(name, fn);

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
