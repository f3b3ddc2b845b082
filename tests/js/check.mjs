// A minimal assert for tests that also run in browsers (no node:assert there).
const show = (v) => { try { return JSON.stringify(v); } catch (_) { return String(v); } };
const fail = (message) => { throw Object.assign(new Error(`assertion failed: ${message}`), { checkFailure: true }); };

export function ok(value, message = 'expected a truthy value') {
  if (!value) fail(message);
}
export function equal(actual, expected, message = '') {
  if (!Object.is(actual, expected)) fail(`${show(actual)} !== ${show(expected)} ${message}`);
}
function deepEq(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEq(a[k], b[k]));
}
export function deepEqual(actual, expected, message = '') {
  if (!deepEq(actual, expected)) fail(`${show(actual)} does not deep-equal ${show(expected)} ${message}`);
}
export function match(text, re, message = '') {
  if (!re.test(text)) fail(`${show(text)} does not match ${re} ${message}`);
}
export function throws(fn, re) {
  try { fn(); } catch (err) { if (re && !re.test(err.message)) fail(`error ${show(err.message)} does not match ${re}`); return err; }
  fail('expected an exception');
}
export async function rejects(promiseOrFn, check) {
  try {
    // a function must return the promise: a synchronous throw is not a rejection (code written
    // for the official client's async methods chains .catch() on what they return)
    let promise = promiseOrFn;
    if (typeof promiseOrFn === 'function') {
      try {
        promise = promiseOrFn();
      } catch (err) {
        fail(`threw synchronously (${show(err && err.message)}) where a rejected promise was expected`);
      }
    }
    await promise;
  } catch (err) {
    if (err && err.checkFailure) throw err;
    if (check instanceof RegExp) { if (!check.test(err.message)) fail(`rejection ${show(err.message)} does not match ${check}`); }
    else if (check) check(err);
    return err;
  }
  fail('expected a rejection');
}
