// Service classes, built from API and exchange references exactly as the official Node client
// builds them (same names, options, argument order, checks and error fields), over the
// WebAssembly core. `createClient(reference, name)` is public: it also builds clients for
// references that are not bundled, such as a live deployment's.
import * as wasm from './taskcluster_wasm.js';
import { mergeOptions, definedOnly, hideSecrets } from './options.js';

const SCHEMES = ['default', 'k8s-dns'];
let defaultScheme = 'default';

/** Sets the service discovery scheme (`'default'` or `'k8s-dns'`) for clients created later. */
export function setServiceDiscoveryScheme(scheme) {
  if (!SCHEMES.includes(scheme)) {
    throw new Error(`Invalid Taskcluster client service discovery scheme: ${scheme}`);
  }
  defaultScheme = scheme;
}

function isProduction() {
  const g = globalThis;
  try {
    if (g.process && g.process.env) return g.process.env.NODE_ENV === 'production';
    if (g.Deno && g.Deno.env) return g.Deno.env.get('NODE_ENV') === 'production';
  } catch (_) {
    // no permission to read the environment: not production as far as we can tell
  }
  return false;
}

const clone = (v) => (v === undefined ? undefined : structuredClone(v));

function serviceNameOf(reference) {
  if (reference.serviceName) return reference.serviceName;
  if (reference.name) return reference.name;
  if (reference.baseUrl) return reference.baseUrl.split('//')[1].split('.')[0];
  if (reference.exchangePrefix) return reference.exchangePrefix.split('/')[1].replace('taskcluster-', '');
  return undefined;
}

/** The routing-key binding of an exchange entry, as the Node client computes it. */
function binding(prefix, entry, pattern) {
  if (typeof pattern !== 'string') {
    if (pattern === undefined || pattern === null) pattern = {};
    if (!(pattern instanceof Object)) throw new Error('routingKeyPattern must be an object');
    pattern = entry.routingKey.map((key) => {
      if (key.constant) return key.constant;
      const value = pattern[key.name];
      if (typeof value === 'number') return String(value);
      if (typeof value === 'string') {
        if (!key.multipleWords && value.includes('.')) {
          throw new Error(`routingKey value ${JSON.stringify(value)} for ${key.name} cannot contain dots as it does not hold multiple words`);
        }
        return value;
      }
      if (value === null || value === undefined) return key.multipleWords ? '#' : '*';
      throw new Error(`routingKey value for ${key.name} must be a string, a number, null or undefined`);
    }).join('.');
  }
  return { exchange: prefix + entry.exchange, routingKeyPattern: pattern, routingKeyReference: clone(entry.routingKey) };
}

/**
 * A call whose payload is first checked against the method's JSON schema (`validate: true`):
 * the validator is a module of its own, imported on first use, so a client without the option
 * never loads it. An invalid payload rejects before any request.
 */
async function validated(client, e, serviceName, args) {
  const { checkPayload } = await import('./validate.js');
  checkPayload(serviceName, e.name, args[e.args.length]);
  return call(client._wasm, e.handle, args);
}

/**
 * Builds a client class from an API or exchanges reference. `name` is for messages only.
 */
export function createClient(reference, name) {
  if (!name || typeof name !== 'string') name = 'Unknown';
  const serviceName = serviceNameOf(reference);
  const apiVersion = reference.apiVersion || 'v1';
  const functions = reference.entries.filter((e) => e.type === 'function' || (!e.type && e.route));

  class Client {
    constructor(options) {
      if (options && options.baseUrl) throw new Error('baseUrl has been deprecated!');
      if (options && options.exchangePrefix) throw new Error('exchangePrefix has been deprecated!');
      const merged = mergeOptions(options);
      if (!merged.rootUrl) throw new Error('Must provide a rootUrl');
      merged.serviceDiscoveryScheme = merged.serviceDiscoveryScheme || defaultScheme;
      // The token stays readable but is never printed or serialised (see hideSecrets).
      this._options = hideSecrets(merged);
      this._wasm = new wasm.WasmClient({ ...merged, fake: undefined });
      this._serviceName = serviceName;
      if (merged.fake) {
        if (isProduction()) {
          throw new Error('taskcluster-wasm client created in "fake" mode, when NODE_ENV == "production"');
        }
        this.fakeCalls = {};
        for (const e of functions) this.fakeCalls[e.name] = [];
      }
    }

    /** A new client with some options changed (the root URL is the true one, even under k8s-dns). */
    use(optionsUpdates) {
      return new Client({ ...this._options, ...definedOnly(optionsUpdates || {}) });
    }

    /** A client for one request context: `use({traceId})`. */
    taskclusterPerRequestInstance({ traceId } = {}) {
      return this.use({ traceId });
    }

    _entryOf(args, what) {
      if (args.length === 0) {
        throw new Error(`${what}(method, arg1, arg2, ...) takes a least one argument!`);
      }
      const method = args.shift();
      const entry = method && method.entryReference;
      if (!entry || !entry.route || Client.prototype[entry.name] !== method) {
        throw new Error(`method in ${what}(method, arg1, arg2, ...) must be an API method from the same object!`);
      }
      return entry;
    }

    _buildUrl(external, args) {
      const entry = this._entryOf(args, 'buildUrl');
      return this._wasm.buildUrl(entry.handle, args, external);
    }

    _buildSignedUrl(external, args) {
      const entry = this._entryOf(args, 'buildSignedUrl');
      if (entry.method !== 'get') throw new Error('buildSignedUrl only works for GET requests');
      let expiration = 15 * 60;
      const n = entry.args.length + ((entry.query || []).length ? 1 : 0);
      if (args.length > n) {
        const options = args.pop();
        expiration = (options && options.expiration) || expiration;
        if (typeof expiration !== 'number') throw new Error('options.expiration must be a number');
      }
      // The common case crosses into WebAssembly once with one string: every URL argument a
      // string without NUL, joined by NUL. Anything else takes the general path (and its errors).
      if (args.length === entry.args.length && args.every((a) => typeof a === 'string' && !a.includes('\0'))) {
        return this._wasm.buildSignedUrlText(entry.handle, args.join('\0'), expiration, external);
      }
      return this._wasm.buildSignedUrl(entry.handle, args, expiration, external);
    }

    /** `buildUrl(method, ...args)`: the URL of a call, unsigned. */
    buildUrl(...args) {
      return this._buildUrl(false, args);
    }

    /** Like `buildUrl`, but under the root URL even with `k8s-dns`. */
    externalBuildUrl(...args) {
      return this._buildUrl(true, args);
    }

    /** `buildSignedUrl(method, ...args, {expiration})`: a GET URL with a bewit (default 15 minutes). */
    buildSignedUrl(...args) {
      return this._buildSignedUrl(false, args);
    }

    /** Like `buildSignedUrl`, but under the root URL even with `k8s-dns`. */
    externalBuildSignedUrl(...args) {
      return this._buildSignedUrl(true, args);
    }

    /**
     * `paginate(method, ...args)`: every page of a paginated call, as an async iterator that
     * follows `continuationToken` (`for await (const page of queue.paginate(queue.listTaskGroup, id))`).
     */
    async *paginate(method, ...args) {
      const entry = method && method.entryReference;
      if (!entry || Client.prototype[entry.name] !== method) {
        throw new Error('method in paginate(method, arg1, arg2, ...) must be an API method from the same object!');
      }
      if (!(entry.query || []).includes('continuationToken')) {
        throw new Error(`${entry.name} does not take a continuationToken, so it has no pages`);
      }
      const n = entry.args.length + (entry.input ? 1 : 0);
      const fixed = args.slice(0, n);
      let query = { ...(args[n] || {}) };
      for (;;) {
        const page = await method.apply(this, [...fixed, query]);
        yield page;
        if (!page || !page.continuationToken) return;
        query = { ...query, continuationToken: page.continuationToken };
      }
    }
  }
  Object.defineProperty(Client, 'name', { value: name });

  for (const entry of functions) {
    // The wasm module is initialized after this module is evaluated, so the parsed entry is
    // made on first use.
    let handle = null;
    const e = {
      ...entry,
      get handle() {
        return handle || (handle = new wasm.WasmEntry({ ...entry, serviceName, apiVersion }));
      },
    };
    // As the official client's methods: bad arguments throw synchronously, before any request;
    // a fake's answer is returned as it is.
    const method = function (...args) {
      if (this._options.fake) return fakeCall(this, e, args);
      if (this._options.validate && entry.input) return withCallerStack(validated(this, e, serviceName, args));
      return call(this._wasm, e.handle, args);
    };
    Object.defineProperty(method, 'name', { value: entry.name });
    method.entryReference = e;
    Client.prototype[entry.name] = method;
  }

  for (const entry of reference.entries.filter((x) => x.type === 'topic-exchange')) {
    Client.prototype[entry.name] = function (routingKeyPattern) {
      return binding(reference.exchangePrefix, entry, routingKeyPattern);
    };
  }
  return Client;
}

/**
 * A call through a WasmClient `w`: the first attempt goes to the host in one crossing
 * (`w.call`, which throws synchronously on bad arguments, as the official client's methods do);
 * only when it fails does the rest of the retry loop run in WebAssembly (`w.call` again, given
 * the failure). Errors get the caller's stack, as with `withCallerStack`.
 */
export function call(w, handle, args) {
  return settle(w, handle, args, w.call(handle, args));
}

async function settle(w, handle, args, first) {
  try {
    return await first;
  } catch (failure) {
    // An Error is the package's own (signing failed); anything else is a failed attempt.
    return await withCallerStack(failure instanceof Error ? first : w.call(handle, args, failure));
  }
}

/**
 * Resolves as `promise` does; on rejection, gives the error the stack of the async code that
 * awaited the call (errors made inside WebAssembly only have glue frames). Only the failure
 * path does any work.
 */
export async function withCallerStack(promise) {
  try {
    return await promise;
  } catch (err) {
    // Only the package's own errors (which carry `kind`); a caller's error keeps its stack.
    if (err instanceof Error && typeof err.kind === 'string' && 'mayHaveBeenSent' in err) {
      // Made here, after the await: V8 and SpiderMonkey add the awaiting callers.
      const here = new Error().stack;
      if (typeof here === 'string') {
        const frames = here.split('\n').filter((l) => /^\s+at |@/.test(l));
        err.stack = `${err.name}: ${err.message}\n${frames.join('\n')}`;
      }
    }
    throw err;
  }
}

function fakeCall(client, e, args) {
  // The same argument checks as a real call, then a record of the call.
  client._wasm.call(e.handle, args, null);
  const n = e.args.length + (e.input ? 1 : 0);
  const record = {};
  if (e.input && args[n - 1] !== undefined) record.payload = clone(args[n - 1]);
  const query = args[n] || null;
  if (query !== null) record.query = clone(query);
  e.args.forEach((k, i) => { record[k] = clone(args[i]); });
  client.fakeCalls[e.name].push(record);
  const impl = client._options.fake[e.name];
  if (!impl) {
    return Promise.reject(new Error(`Faked ${client._serviceName} object does not have an implementation of ${e.name}`));
  }
  return impl.apply(client, args);
}

/**
 * One request (no retries) for a client instance to an absolute URL:
 * `makeRequest(client, method, url, payload, query)`. Resolves to `{statusCode, headers, body}`
 * for statuses below 400 and rejects with a Taskcluster error otherwise.
 */
export async function makeRequest(client, method, url, payload, query) {
  return withCallerStack(client._wasm.makeRequest(method, url, payload, query || undefined));
}

const classNameOf = (service, exchanges) =>
  service.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('') + (exchanges ? 'Events' : '');

/**
 * Builds client classes for whatever a live deployment's `/references/` lists, including
 * services and methods newer than the bundled references: resolves to `{Queue, QueueEvents, ...}`.
 */
export async function discover(rootUrl) {
  if (!rootUrl || typeof rootUrl !== 'string') throw new Error('discover(rootUrl) needs a rootUrl');
  const base = rootUrl.replace(/\/+$/, '');
  const get = async (path) => {
    // A path, or (as real deployments write them) an absolute URL under the root URL.
    let url = base + path;
    if (path.startsWith(base + '/')) url = path;
    else if (!path.startsWith('/')) throw new Error(`the manifest lists ${JSON.stringify(path)}, which is neither a path nor a URL under ${base}`);
    const res = await fetch(url);
    if (!res.ok) {
      const err = new Error(`GET ${url} answered ${res.status}`);
      err.statusCode = res.status;
      throw err;
    }
    return res.json();
  };
  const manifest = await get('/references/manifest.json');
  const out = {};
  await Promise.all((manifest.references || []).map(async (path) => {
    const reference = await get(path);
    const schema = String(reference.$schema || '');
    const exchanges = 'exchangePrefix' in reference || /exchanges-reference/.test(schema);
    const api = !exchanges && (/api-reference/.test(schema) || (reference.entries || []).some((e) => e.type === 'function'));
    if (!reference.serviceName || !(api || exchanges)) return; // logs, metrics, …
    const name = classNameOf(reference.serviceName, exchanges);
    out[name] = createClient(reference, name);
  }));
  return out;
}
