// Transfers at their seams (fake, wrapped and plain clients, transfer retries, storage errors)
// against the built package (pkg/) in Deno.
// @ts-nocheck: plain JS package; the scenarios are untyped.
import * as tc from '../../../pkg/index.js';
import { seamScenarios } from '../seams.mjs';

const env = (k: string) => Deno.env.get(k);
for (const [name, fn] of seamScenarios(tc, env)) {
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
}
