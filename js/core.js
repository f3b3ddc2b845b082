// taskcluster-wasm: the JavaScript API over the WebAssembly core.
// Shared by every entry point (index.js, workerd.js); it never initializes the module itself.
import * as wasm from './taskcluster_wasm.js';

import { config, mergeOptions, getDefaults } from './options.js';
import { call } from './client.js';

export { config };

/**
 * Low-level call: `request(options, entry, ...args)`, where `entry` is a reference entry plus
 * `serviceName` (and optionally `apiVersion`), and `args` are the URL arguments, then the
 * payload, then the query options, as for the generated methods.
 */
export function request(options, entry, ...args) {
  const client = new wasm.WasmClient(mergeOptions(options));
  const handle = new wasm.WasmEntry(entry);
  const free = () => {
    client.free();
    handle.free();
  };
  try {
    return call(client, handle, args).finally(free);
  } catch (err) {
    free();
    throw err;
  }
}

function splitOptions(entry, args) {
  const n = entry.args.length + (entry.query && entry.query.length ? 1 : 0);
  if (args.length > n && args[args.length - 1] && typeof args[args.length - 1] === 'object') {
    return [args.slice(0, -1), args[args.length - 1]];
  }
  return [args, {}];
}

/** The URL of a call (`buildUrl(options, entry, ...args)`), without signing. */
export function buildUrl(options, entry, ...args) {
  const client = new wasm.WasmClient(mergeOptions(options));
  const handle = new wasm.WasmEntry(entry);
  try {
    return client.buildUrl(handle, args, false);
  } finally {
    client.free();
    handle.free();
  }
}

/**
 * A URL with a bewit for a GET call, usable without credentials:
 * `buildSignedUrl(options, entry, ...args, {expiration: seconds})` (default 900 s).
 */
export function buildSignedUrl(options, entry, ...rest) {
  const [args, { expiration = 15 * 60 }] = splitOptions(entry, rest);
  const client = new wasm.WasmClient(mergeOptions(options));
  const handle = new wasm.WasmEntry(entry);
  try {
    return client.buildSignedUrl(handle, args, expiration, false);
  } finally {
    client.free();
    handle.free();
  }
}

/** A `Date` offset from now (or from `reference`) by a time expression such as `'2 hours'`. */
export function fromNow(offset, reference) {
  return wasm.fromNow(offset, reference);
}

/** `fromNow(offset, reference).toJSON()`. */
export function fromNowJSON(offset, reference) {
  return wasm.fromNowJSON(offset, reference);
}

/** A nice slugid; `slugid.v4()` and `slugid.nice()` are also available. */
export function slugid() {
  return wasm.slugidNice();
}
slugid.nice = () => wasm.slugidNice();
slugid.v4 = () => wasm.slugidV4();

/** Temporary credentials issued by permanent ones (`options.credentials`, default from `config()`). */
export function createTemporaryCredentials(options) {
  const opts = { ...(options || {}) };
  if (opts.credentials === undefined) opts.credentials = getDefaults().credentials;
  return wasm.createTemporaryCredentials(opts);
}

/** `{rootUrl, credentials}` from the TASKCLUSTER_* environment variables. */
export function fromEnvVars() {
  return wasm.fromEnvVars();
}

const taskcluster = {
  config,
  request,
  buildUrl,
  buildSignedUrl,
  fromNow,
  fromNowJSON,
  slugid,
  createTemporaryCredentials,
  fromEnvVars,
};
export default taskcluster;
