// The built package (pkg/) in Deno against one target (see node.test.mjs).
// @ts-nocheck: plain JS package; the scenarios are untyped.
import * as tc from '../../../pkg/index.js';
import { targetScenarios } from './targets.mjs';
import { sharedScenarios } from './shared.mjs';

const env = (k: string) => Deno.env.get(k);
const target = env('TC_TEST_TARGET') || 'devserver';
const all = [...targetScenarios(tc, env), ...(target === 'real' ? await sharedScenarios(tc, env) : [])];
for (const [name, fn, skip] of all) {
  Deno.test({ name: `[${target}] ${name}`, fn, ignore: !!skip, sanitizeOps: false, sanitizeResources: false });
}
