// A seeded fuzzer over the package's whole JS API (pkg/), in Node. No network: clients point
// at a port nothing listens on, or are fakes.
//
//   node tests/js/fuzz.mjs                         60 s (what scripts/test runs)
//   FUZZ_SECONDS=3600 node tests/js/fuzz.mjs       as long as you like (0 = until stopped)
//   FUZZ_SEED=1234 node tests/js/fuzz.mjs          replay a run (the seed is printed)
//
// A crash is: anything thrown that is not an Error with a message (a wasm trap such as
// `RuntimeError: unreachable` included), a token of the random credentials showing up in any
// result or error, a URL the client built that the WHATWG parser refuses, a wrong type of
// result, or the module failing a health check (slugid, fromNow, buildUrl) afterwards. The
// first crash stops the run with the seed, the execution number and the input.
//
// It also watches the module's stack: the fuzzer loads a copy of pkg/ whose wasm exports its
// stack pointer (binaryen, from xtask/npm, adds the export; the code is unchanged). A JS
// exception thrown through wasm frames (a non-`catch` import that throws, `unwrap_throw`, a
// panic) skips the epilogue that gives the frame back, so the pointer stays lower: after about
// 700 such throws the 1 MiB stack runs out and every call traps with "memory access out of
// bounds". Any change of the pointer after a fuzz step is a crash, found at its first occurrence.
import { inspect } from 'node:util';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('../../pkg/', import.meta.url));
const binaryenDir = fileURLToPath(new URL('../../xtask/npm/node_modules/binaryen/index.js', import.meta.url));
const { default: binaryen } = await import(binaryenDir).catch(() => {
  throw new Error('fuzz: binaryen is missing; `cargo xtask pkg` installs it into xtask/npm');
});
const copy = mkdtempSync(join(tmpdir(), 'tcw-fuzz-'));
process.on('exit', () => rmSync(copy, { recursive: true, force: true }));
cpSync(pkgDir, copy, { recursive: true });
{
  const wasmFile = join(copy, 'taskcluster_wasm_bg.wasm');
  const m = binaryen.readBinary(readFileSync(wasmFile));
  const F = binaryen.Features;
  m.setFeatures(F.MVP | F.MutableGlobals | F.NontrappingFPToInt | F.SignExt | F.BulkMemory | F.ReferenceTypes | F.Multivalue);
  // The stack pointer is the module's first mutable i32 global that is not imported.
  let found = false;
  for (let i = 0; i < m.getNumGlobals() && !found; i++) {
    const g = binaryen.getGlobalInfo(m.getGlobalByIndex(i));
    if (g.mutable && g.type === binaryen.i32 && !g.module) { m.addGlobalExport(g.name, '__fuzz_sp'); found = true; }
  }
  if (!found) throw new Error('fuzz: no stack pointer global in the module');
  writeFileSync(wasmFile, m.emitBinary());
  m.dispose();
}
// The package instantiates its module either way (Node reads and compiles it synchronously, with
// `new WebAssembly.Instance`; other hosts use `WebAssembly.instantiate`): both are watched while
// the package loads.
let stackPointer;
const watch = (instance) => {
  if (instance.exports.__fuzz_sp) stackPointer = () => instance.exports.__fuzz_sp.value;
};
const { instantiate, Instance } = WebAssembly;
WebAssembly.instantiate = async function (...a) {
  const r = await instantiate.apply(this, a);
  watch(r.instance || r);
  return r;
};
WebAssembly.Instance = function (...a) {
  const instance = new Instance(...a);
  watch(instance);
  return instance;
};
WebAssembly.Instance.prototype = Instance.prototype;
const tc = await import(join(copy, 'index.js'));
Object.assign(WebAssembly, { instantiate, Instance });
if (!stackPointer) throw new Error('fuzz: the package did not instantiate its module (no WebAssembly.Instance seen)');
const stackBase = stackPointer();

const seconds = Number(process.env.FUZZ_SECONDS ?? 60);
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

// xorshift32: small, seedable, good enough to pick inputs.
let state = (seed >>> 0) || 1;
const next = () => {
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state / 2 ** 32;
};
const int = (n) => Math.floor(next() * n);
const pick = (xs) => xs[int(xs.length)];
const chance = (p) => next() < p;

// ------------------------------------------------------------------ value generators
const SPECIAL_CHARS = ['\0', '.', '..', '/', '\\', '?', '#', '%', '%2F', '%zz', '&', '=', '+', ' ', '\t', '\n', '\r\n',
  '\'', '"', '!', '*', '(', ')', '<', '>', '~', ':', '@', '\u00e9', '\u00fc', '\u4e2d', '\u{1F600}', '\uD800', '\uDC00',
  '\uFFFD', '\uFEFF', '\u202E', '\u0301', 'bewit=', '${x}', '..%2F..', 'a'.repeat(300)];
const WORDS = ['', 'a', 'abc', 'queue', 'task', 'fN1RzbN9S7mQvd5PtxdzjA', 'public/log.txt', 'private/x', 'http://x', 'https://tc.example.com',
  '1', '-1', '0', 'NaN', 'Infinity', 'null', 'undefined', 'true', '__proto__', 'constructor', 'prototype', 'toString'];
function str() {
  const n = int(6);
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = next();
    if (r < 0.35) s += pick(WORDS);
    else if (r < 0.7) s += pick(SPECIAL_CHARS);
    else if (r < 0.85) s += String.fromCharCode(int(0x10000));
    else s += String.fromCodePoint(int(0x110000));
  }
  return s;
}
const NUMBERS = [0, -0, 1, -1, 0.5, -0.5, 0.999999, 1.5, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 64, 8.64e15, 8.64e15 + 1,
  1.8e22, 1e300, Number.MAX_VALUE, Number.MIN_VALUE, Number.EPSILON, Infinity, -Infinity, NaN, -(2 ** 63)];
// A Date whose methods throw: the package must not call them from inside wasm without a catch.
class HostileDate extends Date {
  getTime() { throw new Error('getTime'); }
  toISOString() { throw new Error('toISOString'); }
  toJSON() { throw new Error('toJSON'); }
  valueOf() { throw new Error('valueOf'); }
}
const num = () => (chance(0.7) ? pick(NUMBERS) : (next() - 0.5) * 10 ** int(25));
function value(depth = 0) {
  const r = int(depth > 2 ? 9 : 12);
  switch (r) {
    case 0: return undefined;
    case 1: return null;
    case 2: return chance(0.5);
    case 3: case 4: return num();
    case 5: case 6: return str();
    case 7: return pick([10n, -1n, 2n ** 70n, Symbol('s'), () => 1, new Date(num()), new Date(NaN), new HostileDate(num()),
      { toJSON() {} }, { toJSON() { throw new Error('toJSON'); } }, { get x() { throw new Error('getter'); } }]);
    case 8: return pick([{}, [], Object.create(null), new Map(), /x/, new Uint8Array(3)]);
    case 9: return Array.from({ length: int(4) }, () => value(depth + 1));
    default: {
      const o = {};
      for (let i = int(4); i > 0; i--) o[chance(0.5) ? pick(OPTION_KEYS) : str()] = value(depth + 1);
      return o;
    }
  }
}
const OPTION_KEYS = ['rootUrl', 'credentials', 'timeout', 'retries', 'delayFactor', 'randomizationFactor', 'maxDelay',
  'authorizedScopes', 'traceId', 'serviceDiscoveryScheme', 'fake', 'baseUrl', 'exchangePrefix', 'stats', 'monitor', 'expiration',
  'clientId', 'accessToken', 'certificate', 'start', 'expiry', 'scopes'];

let tokenNo = 0;
const tokens = new Set();
function secretToken() {
  const t = `SeCrEt${(tokenNo++).toString(36)}Tok${int(1e9).toString(36)}`;
  tokens.add(t);
  if (tokens.size > 64) tokens.delete(tokens.values().next().value);
  return t;
}
function credentials() {
  const c = { clientId: chance(0.8) ? pick(['fuzz/client', 'a', str()]) : value(), accessToken: chance(0.8) ? secretToken() : value() };
  if (chance(0.2)) c.certificate = chance(0.5) ? str() : value();
  return chance(0.9) ? c : value();
}
const ROOT_URLS = ['http://127.0.0.1:9', 'https://tc.example.com', 'https://tc.example.com/', 'http://127.0.0.1:9/with/path',
  'http://[::1]:9', 'http://xn--nxasmq6b.example', 'https://tc.example.com?x=1', 'https://tc.example.com#f'];
function options() {
  const o = {};
  o.rootUrl = chance(0.85) ? pick(ROOT_URLS) : value();
  if (chance(0.7)) o.credentials = credentials();
  for (const k of ['timeout', 'retries', 'delayFactor', 'randomizationFactor', 'maxDelay']) {
    if (chance(0.2)) o[k] = chance(0.8) ? num() : value();
  }
  if (chance(0.1)) o.authorizedScopes = chance(0.7) ? Array.from({ length: int(3) }, str) : value();
  if (chance(0.1)) o.traceId = chance(0.7) ? str() : value();
  if (chance(0.05)) o.serviceDiscoveryScheme = pick(['default', 'k8s-dns', str()]);
  if (chance(0.03)) o[pick(['baseUrl', 'exchangePrefix', 'stats', 'monitor'])] = value();
  if (chance(0.05)) o[str()] = value();
  if (chance(0.3)) o.retries = 0;
  return chance(0.95) ? o : value();
}

// ------------------------------------------------------------------ oracles
class Crash extends Error {}
const show = (v) => inspect(v, { depth: 4, breakLength: Infinity, maxStringLength: 400 });
function noToken(what, v) {
  const text = typeof v === 'string' ? v : show(v);
  for (const t of tokens) if (text.includes(t)) throw new Crash(`${what} contains an access token`);
}
function checkThrown(what, err) {
  if (err instanceof Crash) throw err;
  if (!(err instanceof Error) || typeof err.message !== 'string' || err.message === '') {
    throw new Crash(`${what} threw a non-Error: ${show(err)}`);
  }
  if (err instanceof WebAssembly.RuntimeError || /unreachable|RuntimeError|memory access out of bounds/.test(err.message)) {
    throw new Crash(`${what} trapped in wasm: ${err.stack}`);
  }
  if (/unwrap_throw|expect_throw|panicked|called `(Option|Result)::/.test(err.message)) {
    throw new Crash(`${what} threw an internal error (an unwrap through wasm): ${err.stack}`);
  }
  noToken(`${what}'s error`, { message: err.message, stack: err.stack, ...err });
}
let executions = 0;
function attempt(what, fn, check) {
  executions++;
  lastWhat = what;
  let out;
  try {
    out = fn();
  } catch (err) {
    checkThrown(what, err);
    return undefined;
  }
  if (out && typeof out.then === 'function') {
    pendingPromises.push(out.then((v) => { noToken(`${what}'s result`, v); }, (err) => checkThrown(`${what} (async)`, err)));
    return out;
  }
  if (check) check(out);
  return out;
}
let pendingPromises = [];
let lastWhat = '';
function checkStack(where) {
  const sp = stackPointer();
  if (sp !== stackBase) throw new Crash(`the wasm stack leaked ${stackBase - sp} bytes in ${where} (last: ${lastWhat})`);
}
const isUrl = (what) => (u) => {
  if (typeof u !== 'string') throw new Crash(`${what} returned ${show(u)}`);
  try { new URL(u); } catch (_) { throw new Crash(`${what} built a URL the WHATWG parser refuses: ${show(u)}`); }
  noToken(what, u);
};

// ------------------------------------------------------------------ targets
const serviceNames = Object.keys(tc).filter((k) => /^[A-Z]/.test(k) && typeof tc[k] === 'function' && tc[k].prototype);
const sentinel = new tc.Queue({ rootUrl: 'https://tc.example.com' });
function health() {
  executions += 3;
  const s = tc.slugid();
  if (!/^[A-Za-z0-9_-]{22}$/.test(s)) throw new Crash(`slugid() gave ${show(s)}`);
  if (tc.fromNowJSON('1 day', new Date(0)) !== '1970-01-02T00:00:00.000Z') throw new Crash('fromNowJSON broke');
  const u = sentinel.buildUrl(sentinel.task, 'abc');
  if (u !== 'https://tc.example.com/api/queue/v1/task/abc') throw new Crash(`buildUrl broke: ${u}`);
}

function methodsOf(client) {
  const proto = Object.getPrototypeOf(client);
  return Object.getOwnPropertyNames(proto).filter((k) => typeof proto[k] === 'function' && proto[k].entryReference);
}
function args(entry) {
  let n = entry.args.length + (entry.input ? 1 : 0) + ((entry.query || []).length ? int(2) : 0);
  if (chance(0.15)) n += pick([-1, 1, 2]);
  const out = [];
  for (let i = 0; i < Math.max(0, n); i++) {
    if (i < entry.args.length) out.push(chance(0.75) ? str() : chance(0.5) ? num() : value());
    else if (entry.input && i === entry.args.length) out.push(value());
    else {
      const q = {};
      for (const k of entry.query || []) if (chance(0.5)) q[k] = chance(0.7) ? str() : value();
      if (chance(0.1)) q[str()] = str();
      out.push(chance(0.9) ? q : value());
    }
  }
  return out;
}

const TIME_UNITS = ['y', 'year', 'years', 'mo', 'month', 'months', 'w', 'wk', 'week', 'd', 'day', 'days', 'h', 'hr', 'hour',
  'm', 'min', 'minute', 's', 'sec', 'second', 'seconds', 'ms', 'msec'];
function timeExpression() {
  if (chance(0.3)) return chance(0.5) ? str() : value();
  let s = pick(['', '-', '+', ' ', '- ', '--']);
  for (let i = int(4) + 1; i > 0; i--) {
    s += pick(['0', '1', '30', '999999999999', '1e3', '1.5', '-', String(int(1e6)), '9'.repeat(int(40)), '']);
    s += pick(['', ' ']) + pick(TIME_UNITS) + pick(['', ' ', '  ', str()]);
  }
  return s;
}

function reference() {
  const entry = () => ({
    type: pick(['function', 'topic-exchange', undefined, str()]),
    name: chance(0.8) ? pick(['m', 'task', 'get', 'constructor', '__proto__', 'toString', str()]) : value(),
    method: pick(['get', 'post', 'put', 'delete', 'GET', 'patch', str(), value()]),
    route: chance(0.8) ? pick(['/', '/a/<x>', '/<x>/<y>', '/<x>/<x>', '/a/<', '/<>', '<x>', '', str()]) : value(),
    args: chance(0.8) ? pick([[], ['x'], ['x', 'y'], ['x', 'x'], [str()]]) : value(),
    query: chance(0.7) ? pick([[], ['limit'], ['continuationToken', 'limit'], [str()]]) : value(),
    input: chance(0.3) ? 'v1/x.json#' : undefined,
    exchange: str(),
    routingKey: chance(0.7) ? [{ name: 'a', multipleWords: chance(0.5) }, { name: 'b', constant: chance(0.5) ? 'c' : undefined }] : value(),
  });
  const r = {
    serviceName: chance(0.8) ? pick(['fuzz', 'queue', str()]) : value(),
    apiVersion: chance(0.8) ? pick(['v1', str()]) : value(),
    exchangePrefix: chance(0.3) ? pick(['exchange/taskcluster-fuzz/v1/', str()]) : undefined,
    entries: chance(0.9) ? Array.from({ length: int(4) }, () => (chance(0.9) ? entry() : value())) : value(),
  };
  return chance(0.9) ? r : value();
}

const fuzzers = [
  function constructAndUse() {
    const cls = tc[pick(serviceNames)];
    const c = attempt(`new ${cls.name}(options)`, () => new cls(options()));
    if (!c) return;
    noToken(`${cls.name} printed`, show(c));
    let json = '';
    try { json = JSON.stringify(c) ?? ''; } catch (_) { /* a BigInt or a throwing toJSON among the options */ }
    noToken(`${cls.name} serialised`, json);
    if (chance(0.3)) attempt('use(options)', () => c.use(chance(0.8) ? options() : value()));
    if (chance(0.1)) attempt('taskclusterPerRequestInstance', () => c.taskclusterPerRequestInstance(value()));
  },
  function buildUrls() {
    const cls = tc[pick(serviceNames)];
    let c;
    try {
      c = new cls({ rootUrl: pick(ROOT_URLS), credentials: { clientId: 'fuzz/c', accessToken: secretToken() },
        serviceDiscoveryScheme: pick(['default', 'k8s-dns']), ...(chance(0.2) ? { authorizedScopes: [str()] } : {}) });
    } catch (_) { return; }
    const names = methodsOf(c);
    if (names.length === 0) return;
    const name = pick(names);
    const m = chance(0.95) ? c[name] : pick([value(), () => 1, tc.Queue.prototype.task]);
    const e = c[name].entryReference;
    const fn = pick(['buildUrl', 'externalBuildUrl', 'buildSignedUrl', 'externalBuildSignedUrl']);
    const a = args(e);
    if (fn.includes('Signed') && chance(0.7)) a.push(chance(0.7) ? { expiration: chance(0.7) ? num() : value() } : value());
    attempt(`${cls.name}.${fn}(${name}, …)`, () => c[fn](m, ...a), isUrl(`${cls.name}.${fn}`));
  },
  function fakeCalls() {
    const cls = tc[pick(serviceNames)];
    const c = attempt(`new fake ${cls.name}`, () => new cls({ rootUrl: pick(ROOT_URLS), fake: {}, credentials: { clientId: 'f', accessToken: secretToken() } }));
    if (!c) return;
    const names = methodsOf(c);
    if (names.length === 0) return;
    const name = pick(names);
    attempt(`fake ${cls.name}.${name}`, () => c[name](...args(c[name].entryReference)));
  },
  function realCallsToAClosedPort() {
    if (!chance(0.05)) return;
    const cls = tc[pick(serviceNames)];
    const c = new cls({ rootUrl: 'http://127.0.0.1:9', retries: 0, timeout: pick([0, 1, 50]),
      credentials: { clientId: 'f', accessToken: secretToken() } });
    const names = methodsOf(c);
    if (names.length === 0) return;
    const name = pick(names);
    attempt(`${cls.name}.${name} to a closed port`, () => c[name](...args(c[name].entryReference)));
  },
  function paginate() {
    if (!chance(0.2)) return;
    const q = new tc.Queue({ rootUrl: 'http://127.0.0.1:9', fake: {} });
    attempt('paginate', () => q.paginate(pick([q.listTaskGroup, q.task, value()]), ...Array.from({ length: int(3) }, () => value())).next());
  },
  function times() {
    const f = pick(['fromNow', 'fromNowJSON']);
    const ref = chance(0.5) ? undefined : pick([new Date(num()), num(), value(), new Date(0), new Date(8.64e15), new Date(-8.64e15)]);
    attempt(`${f}(expr, ref)`, () => tc[f](timeExpression(), ref), (out) => {
      if (f === 'fromNow' && !(out instanceof Date && !Number.isNaN(out.getTime()))) throw new Crash(`fromNow gave ${show(out)}`);
      if (f === 'fromNowJSON' && (typeof out !== 'string' || Number.isNaN(Date.parse(out)))) throw new Crash(`fromNowJSON gave ${show(out)}`);
    });
  },
  function slugids() {
    const f = pick([tc.slugid, tc.slugid.v4, tc.slugid.nice]);
    attempt('slugid', () => f(value()), (s) => { if (!/^[A-Za-z0-9_-]{22}$/.test(s)) throw new Crash(`slugid gave ${show(s)}`); });
  },
  function createClients() {
    const name = chance(0.7) ? pick(['Fuzz', 'X', str()]) : value();
    const cls = attempt('createClient(reference, name)', () => tc.createClient(reference(), name));
    if (typeof cls !== 'function') return;
    const c = attempt('new (createClient(…))(options)', () => new cls(chance(0.5) ? options() : { rootUrl: 'https://tc.example.com', fake: {} }));
    if (!c) return;
    for (const k of Object.getOwnPropertyNames(Object.getPrototypeOf(c))) {
      const m = c[k];
      if (typeof m !== 'function' || k === 'constructor') continue;
      if (m.entryReference) {
        attempt(`created ${String(k)} buildUrl`, () => c.buildUrl(m, ...args(m.entryReference)), isUrl('created buildUrl'));
        if (c._options && c._options.fake) attempt(`created fake ${String(k)}`, () => m.apply(c, args(m.entryReference)));
      } else if (!['use', 'taskclusterPerRequestInstance', 'paginate'].includes(k) && !k.startsWith('_') && !k.includes('uild')) {
        attempt(`created exchange ${String(k)}`, () => m.call(c, chance(0.5) ? { a: str(), b: num() } : value()));
      }
    }
  },
  function temporaryCredentials() {
    const now = Date.now();
    const o = {
      credentials: chance(0.9) ? credentials() : value(),
      scopes: chance(0.8) ? Array.from({ length: int(4) }, () => pick(['*', 'a:b', 'a:*', '', '**', str()])) : value(),
      expiry: chance(0.8) ? pick([new Date(now + num()), new Date(now + 3600e3), new Date(NaN), num(), new Date(8.64e15)]) : value(),
    };
    if (chance(0.4)) o.start = pick([new Date(now), new Date(num()), num(), new Date(-1), value()]);
    if (chance(0.4)) o.clientId = chance(0.7) ? str() : value();
    const out = attempt('createTemporaryCredentials', () => tc.createTemporaryCredentials(chance(0.95) ? o : value()));
    if (out) {
      if (typeof out.accessToken !== 'string' || typeof out.certificate !== 'string') throw new Crash(`temporary credentials: ${show(out)}`);
      // The issuer's token must not be in them (the temporary token is derived, not copied).
      for (const t of tokens) {
        if (out.certificate.includes(t) || out.accessToken.includes(t) || out.clientId.includes(t)) throw new Crash('temporary credentials contain the issuer token');
      }
    }
  },
  function makeRequests() {
    if (!chance(0.05)) return;
    const q = new tc.Queue({ rootUrl: 'http://127.0.0.1:9', credentials: { clientId: 'f', accessToken: secretToken() } });
    const url = pick(['http://127.0.0.1:9/x?bewit=abc', str(), 'not a url', '/relative', 'http://127.0.0.1:9/\0', value()]);
    attempt('makeRequest', () => tc.makeRequest(q, pick(['get', 'post', 'GET', str(), value()]), url, value(), value()));
  },
  function discoveryScheme() {
    attempt('setServiceDiscoveryScheme', () => tc.setServiceDiscoveryScheme(chance(0.3) ? pick(['default', 'k8s-dns']) : value()));
    tc.setServiceDiscoveryScheme('default');
  },
  function events() {
    const names = serviceNames.filter((n) => n.endsWith('Events'));
    const cls = tc[pick(names)];
    const c = attempt(`new ${cls.name}`, () => new cls(chance(0.8) ? { rootUrl: pick(ROOT_URLS) } : options()));
    if (!c) return;
    const topics = Object.getOwnPropertyNames(Object.getPrototypeOf(c)).filter((k) => k !== 'constructor' && typeof c[k] === 'function' && !k.startsWith('_') && !['use', 'taskclusterPerRequestInstance', 'paginate'].includes(k) && !k.includes('uild'));
    if (topics.length) attempt(`${cls.name} topic`, () => c[pick(topics)](chance(0.6) ? Object.fromEntries(Array.from({ length: int(4) }, () => [pick(['taskId', 'runId', 'provisionerId', 'workerType', 'reserved', str()]), value()])) : value()));
  },
];

// ------------------------------------------------------------------ the loop
console.log(`fuzz: seed ${seed}, ${seconds ? `${seconds} s` : 'unbounded'}, wasm stack pointer at ${stackBase}`);
const t0 = Date.now();
const deadline = seconds > 0 ? t0 + seconds * 1000 : Infinity;
let lastReport = t0;
let round = 0;
let current = '';
try {
  health();
  while (Date.now() < deadline) {
    for (let i = 0; i < 200; i++) {
      round++;
      const f = pick(fuzzers);
      current = f.name;
      f();
      checkStack(f.name);
    }
    // Settle what the last batch started (fakes and closed-port calls), then check the module.
    await Promise.all(pendingPromises);
    pendingPromises = [];
    checkStack('the settled promises of the last batch');
    health();
    if (Date.now() - lastReport > 30_000) {
      lastReport = Date.now();
      console.log(`fuzz: ${executions} executions in ${Math.round((lastReport - t0) / 1000)} s`);
    }
  }
} catch (err) {
  console.log(`fuzz: CRASH after ${executions} executions (seed ${seed}, round ${round}, in ${current}):`);
  console.log(err instanceof Crash ? err.message : (err && err.stack) || show(err));
  process.exit(1);
}
console.log(`fuzz: ${executions} executions in ${((Date.now() - t0) / 1000).toFixed(1)} s, seed ${seed}, no crash`);
