// The built package (pkg/) in Node against one target, named by TC_TEST_ROOT_URL and labelled by
// TC_TEST_TARGET (`devserver` or `real`): the API-only scenarios (targets.mjs), and the shared
// scenario files with what needs tc-devserver's own admin endpoints skipped by name (shared.mjs).
import { test } from 'node:test';
import * as tc from '../../../pkg/index.js';
import { targetScenarios } from './targets.mjs';
import { sharedScenarios } from './shared.mjs';

const env = (k) => process.env[k];
const target = env('TC_TEST_TARGET') || 'devserver';
const all = [...targetScenarios(tc, env), ...(target === 'real' ? await sharedScenarios(tc, env) : [])];
for (const [name, fn, skip] of all) test(`[${target}] ${name}`, skip ? { skip } : {}, fn);
