// buildSignedUrl's one-string path (every URL argument a string without NUL, joined by NUL)
// against its general path (the arguments as an array), through the built package in Node:
// the same URL for every kind of argument, the same errors, and URLs the local deployment
// accepts without credentials.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as tc from '../../../pkg/index.js';

const rootUrl = process.env.TC_TEST_ROOT_URL;
const credentials = { clientId: process.env.TC_TEST_CLIENT_ID, accessToken: process.env.TC_TEST_ACCESS_TOKEN };
if (!rootUrl) throw new Error('TC_TEST_ROOT_URL must be set (scripts/test sets it)');

const queue = new tc.Queue({ rootUrl, credentials });
const entry = queue.getArtifact.entryReference;
// Both internal paths with a fixed expiration in the past, so the bewits do not depend on when
// they are computed.
const general = (args) => queue._wasm.buildSignedUrl(entry.handle, args, -1e9, false);
const text = (args) => queue._wasm.buildSignedUrlText(entry.handle, args.join('\0'), -1e9, false);
const outcome = (f) => {
  try {
    return { url: f() };
  } catch (e) {
    return { error: `${e.name}: ${e.message}` };
  }
};

test('the one-string path builds what the general path builds', () => {
  const cases = [
    ['aaaaaaaaaaaaaaaaaaaaaa', '0', 'public/build/log.txt'],
    ['a/b?c#d', '1', 'private/ü ☃/%2F..'],
    ['x', '0', '..'],
    ['x', '0', '.'],
    ['', '0', 'n'],
    ['x', '', 'n'],
    ['tab\there', 'line\nbreak', "it's (ok) *~!"],
  ];
  for (const args of cases) {
    const [a, b] = [outcome(() => general(args)), outcome(() => text(args))];
    assert.deepEqual(b, a, JSON.stringify(args));
  }
  // The public method takes the one-string path for these and agrees with the general one.
  const fresh = queue.buildSignedUrl(queue.getArtifact, 'aaaaaaaaaaaaaaaaaaaaaa', '0', 'public/x', { expiration: 60 });
  assert.match(fresh, /\/api\/queue\/v1\/task\/aaaaaaaaaaaaaaaaaaaaaa\/runs\/0\/artifacts\/public%2Fx\?bewit=/);
});

test('arguments the one-string path cannot carry take the general path', () => {
  // A NUL, a number and a wrong count: the public method still answers as the general path.
  const nul = queue.buildSignedUrl(queue.getArtifact, 'a\0b', '0', 'n', { expiration: 60 });
  assert.match(nul, /\/task\/a%00b\/runs\/0\//);
  const num = queue.buildSignedUrl(queue.getArtifact, 'abc', 0, 'n', { expiration: 60 });
  assert.match(num, /\/task\/abc\/runs\/0\/artifacts\/n\?bewit=/);
  assert.throws(() => queue.buildSignedUrl(queue.getArtifact, 'abc', '0'), /takes 3 arguments|takes/);
});

test('one-string signed URLs are accepted by the deployment without credentials', async () => {
  const secrets = new tc.Secrets({ rootUrl, credentials });
  const name = `signed-${tc.slugid()}/ü x`;
  await secrets.set(name, { expires: tc.fromNowJSON('1 hour'), secret: { v: 1 } });
  const url = secrets.buildSignedUrl(secrets.get, name, { expiration: 600 });
  const r = await fetch(url);
  assert.equal(r.status, 200, await r.clone().text());
  assert.deepEqual((await r.json()).secret, { v: 1 });
  await secrets.remove(name);
});
