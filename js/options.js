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
