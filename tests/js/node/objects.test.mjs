// The object conformance cases (objects.md §5) against the built package (pkg/) in Node.
import { test } from 'node:test';
import * as tc from '../../../pkg/index.js';
import { objectScenarios } from '../objects-conformance.mjs';

const env = (k) => process.env[k];
for (const [name, fn] of objectScenarios(tc, env)) test(name, fn);
