// Option defaults shared by every client (the Node client's `config()`), internal to the package.
let defaults = {};

/** Shallow-merges `options` into the defaults every client starts from (later calls win). */
export function config(options) {
  defaults = { ...defaults, ...definedOnly(options || {}) };
}

/** The defaults, for functions that fall back to them (createTemporaryCredentials). */
export function getDefaults() {
  return defaults;
}

/** `options` without its `undefined` values. */
export function definedOnly(options) {
  const out = {};
  for (const [k, v] of Object.entries(options)) {
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Options merged like the Node client: given options first, then `config()` defaults. */
export function mergeOptions(options) {
  return { ...defaults, ...definedOnly(options || {}) };
}

/**
 * `options` for a client to keep as `_options`: a shallow copy whose `credentials` is a copy
 * with `accessToken` as a non-enumerable accessor. Code reads and writes
 * `client._options.credentials.accessToken` as before, but printing or serialising a client
 * (`console.log`, `util.inspect`, `Deno.inspect`, `JSON.stringify`, a browser console's
 * preview) never shows the token: those list enumerable properties only and do not call
 * accessors. The caller's objects are not changed.
 */
export function hideSecrets(options) {
  const creds = options.credentials;
  if (!creds || typeof creds !== 'object') return options;
  let token = creds.accessToken;
  const copy = { ...creds };
  delete copy.accessToken;
  // Not enumerable (the default for defineProperty), and an accessor: never printed.
  Object.defineProperty(copy, 'accessToken', { get: () => token, set: (v) => { token = v; }, configurable: true });
  return { ...options, credentials: copy };
}
