// The shared scenario files (scenarios.mjs, readme.mjs, seams.mjs, objects-conformance.mjs) against a
// real Taskcluster deployment. Those that need tc-devserver's own admin endpoints are skipped here,
// each with its reason; every other one runs unchanged. The real-service counterparts of the skipped
// ones (errors, 303, artifacts of every storage type, temporary credentials) are in targets.mjs.
import { scenarios } from '../scenarios.mjs';
import { readmeScenarios } from '../readme.mjs';
import { seamScenarios } from '../seams.mjs';
import { objectScenarios } from '../objects-conformance.mjs';

const LOG = 'reads the request log (/__devserver/requests), which only tc-devserver has';
const FAULT = 'sets up a fault rule (/__devserver/faults), which only tc-devserver has';
const DEMO = 'reads tc-devserver\'s seeded demo task (targets.mjs runs a real task through its lifecycle instead)';
const SKIP = [
  [/^signed GET with a query/, LOG],
  [/^500, 500, 200 succeeds/, FAULT],
  [/^404 gives one attempt/, LOG],
  [/^a hung response times out/, FAULT],
  [/^a 303 returns its JSON body/, FAULT],
  [/^temporary credentials, including empty scopes/, LOG],
  [/^objects: a wrong hash rejects/, FAULT],
  [/^artifacts: s3, object, link, error and refused reference/, DEMO],
  [/^fake mode: /, LOG],
  [/^a wrapped Object whose createUpload result is rewritten/, LOG],
  [/^a subclass and a plain-object queue work in downloadArtifact/, DEMO],
  [/^transfer retries ignore the API client/, FAULT],
  [/^a storage error names the status/, FAULT],
  [/^no transfer waits forever/, FAULT],
];
const OBJECTS = 'objects-conformance.mjs checks the wire through the request log and fault rules of tc-devserver';

const ua = (globalThis.navigator && globalThis.navigator.userAgent) || '';
const browser = !!(globalThis.window || globalThis.WorkerGlobalScope) && !globalThis.Deno && !ua.includes('Cloudflare-Workers');
if (browser) {
  // upstream's infrastructure/references/nginx.conf sends no Access-Control-Allow-Origin
  SKIP.push([/^README: createClient from a reference/, 'a real deployment serves /references/ without CORS headers: a page on another origin cannot fetch a reference']);
  SKIP.push([/^discover\(\) builds classes/, 'a real deployment serves /references/ without CORS headers: a page on another origin cannot discover it']);
}

// [name, fn, skipReason?] for every shared scenario
export async function sharedScenarios(tc, env) {
  const out = [];
  for (const [name, fn] of [...scenarios(tc, env), ...readmeScenarios(tc.default, env), ...seamScenarios(tc, env)]) {
    const hit = SKIP.find(([re]) => re.test(name));
    out.push([name, fn, hit ? hit[1] : undefined]);
  }
  for (const [name, fn] of objectScenarios(tc, env)) out.push([name, fn, OBJECTS]);
  return out;
}
