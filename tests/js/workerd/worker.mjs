// The built package in workerd: imports the workerd entry and runs the same scenarios as Node
// and Deno (signed calls through workerd's fetch to the local deployment, retries, timeouts,
// typed errors, utilities).
import * as tc from './workerd.js';
import { scenarios } from './scenarios.mjs';
import { readmeScenarios } from './readme.mjs';

export default {
  async test(ctrl, env) {
    const failures = [];
    const vars = (k) => env[k];
    for (const [name, fn] of [...scenarios(tc, vars), ...readmeScenarios(tc.default, vars)]) {
      try {
        await fn();
        console.log(`ok - ${name}`);
      } catch (err) {
        console.log(`not ok - ${name}: ${err && err.stack}`);
        failures.push(name);
      }
    }
    if (failures.length) throw new Error(`${failures.length} scenario(s) failed in workerd: ${failures.join('; ')}`);
  },
};
