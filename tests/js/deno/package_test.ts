// The built package (pkg/) in Deno, against the local deployment.
// @ts-nocheck: plain JS package; the scenarios are untyped.
import * as tc from '../../../pkg/index.js';
import { scenarios } from '../scenarios.mjs';

for (const [name, fn] of scenarios(tc, (k: string) => Deno.env.get(k))) {
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
}
