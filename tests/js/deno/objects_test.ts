// The object conformance cases (objects.md §5) against the built package (pkg/) in Deno.
// @ts-nocheck: plain JS package; the scenarios are untyped.
import * as tc from '../../../pkg/index.js';
import { objectScenarios } from '../objects-conformance.mjs';

const env = (k: string) => Deno.env.get(k);
for (const [name, fn] of objectScenarios(tc, env)) {
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
}
