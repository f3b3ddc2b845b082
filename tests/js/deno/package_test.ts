// The built package (pkg/) in Deno, against the local deployment.
// @ts-nocheck: plain JS package; the scenarios are untyped.
import * as tc from '../../../pkg/index.js';
import { scenarios } from '../scenarios.mjs';
import { readmeScenarios } from '../readme.mjs';

const env = (k: string) => Deno.env.get(k);
for (const [name, fn] of [...scenarios(tc, env), ...readmeScenarios(tc.default, env)]) {
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
}
