// Secrets, numeric options and timers of the built package (pkg/) in Deno, against the local
// deployment: Deno.inspect and JSON.stringify never show a token or a bewit.
// @ts-nocheck: plain JS package; the scenarios are untyped.
import * as tc from '../../../pkg/index.js';
import { robustScenarios } from '../robust.mjs';

const shows = (v: unknown) => {
  const out = [Deno.inspect(v), Deno.inspect(v, { showHidden: true, depth: Infinity })];
  console.log(v); // really printed too: scripts/test scans every log for secrets
  return out;
};
for (const [name, fn] of robustScenarios(tc, (k: string) => Deno.env.get(k), shows)) {
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
}
