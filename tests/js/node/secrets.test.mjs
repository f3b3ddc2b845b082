// Secrets, numeric options and timers of the built package (pkg/) in Node, against the local
// deployment: util.inspect, console.log and JSON.stringify never show a token or a bewit.
import { test } from 'node:test';
import { inspect } from 'node:util';
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import * as tc from '../../../pkg/index.js';
import { robustScenarios } from '../robust.mjs';

// What console.log writes, captured (and then also really printed, so that scripts/test's
// scan of every log sees it too).
function consoleLogged(value) {
  let out = '';
  const sink = new Writable({ write(chunk, _enc, done) { out += chunk; done(); } });
  new Console({ stdout: sink, stderr: sink }).log(value);
  console.log(value);
  return out;
}

const shows = (v) => [
  inspect(v),
  inspect(v, { showHidden: true, depth: Infinity }),
  consoleLogged(v),
];

for (const [name, fn] of robustScenarios(tc, (k) => process.env[k], shows)) test(name, fn);
