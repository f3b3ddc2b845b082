// Object uploads and downloads, and artifact downloads, over the WebAssembly core (which does
// the protocol: negotiation, hashing, retries, fresh URLs, Range resume, verification).
//
// The API calls go through the public methods of the `object` / `queue` the caller passes, as
// in the official client: a client of this package, a subclass, a wrapper, a mock, a plain
// object with the same methods, or a `fake` client (which then makes no request at all).
// Transfer retries follow the official defaults (retries 5, delayFactor 100,
// randomizationFactor 0.25, maxDelay 30 s) unless the call's own options set them; the API
// client's options never change them.
import * as wasm from './taskcluster_wasm.js';
import { Object as ObjectClient } from './apis.js';
import { withCallerStack } from './client.js';

const g = globalThis;
const ua = (g.navigator && g.navigator.userAgent) || '';
// Only Node's fetch sends a ReadableStream body with a fixed Content-Length (which presigned
// URLs require); browsers, Deno and workerd send it chunked.
const streamsFixedLength = !g.Deno && !ua.includes('Cloudflare-Workers') && !!(g.process && g.process.versions && g.process.versions.node);
const isNodeReadable = (v) => v && typeof v.pipe === 'function' && typeof v.read === 'function' && !(v instanceof g.ReadableStream);
const isNodeWritable = (v) => v && typeof v.write === 'function' && typeof v.end === 'function' && !(v instanceof g.WritableStream);

function needMethods(value, what, names) {
  if (!value || (typeof value !== 'object' && typeof value !== 'function')) {
    throw new Error(`${what} must be an object with ${names.join(' and ')} methods`);
  }
  for (const name of names) {
    if (typeof value[name] !== 'function') {
      throw new Error(`${what} has no ${name} method`);
    }
  }
}

/** A Node Readable (any async iterable of bytes) as a ReadableStream, read on demand. */
function readableOf(source) {
  const it = source[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await it.next();
      if (done) controller.close();
      else controller.enqueue(typeof value === 'string' ? new TextEncoder().encode(value) : value);
    },
    async cancel(reason) {
      if (typeof it.return === 'function') await it.return(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * A Node Writable (or anything with `write` and `end`) as a WritableStream, with
 * `stream.pipeline` semantics: it pauses only when `write()` returns `false`, until `'drain'`,
 * and fails on `'error'` or an early `'close'`.
 */
function writableOf(w) {
  const on = typeof w.on === 'function' && typeof w.once === 'function';
  let failure = null;
  const waiters = new Set();
  const fail = (err) => {
    if (!failure) failure = err || new Error('the output stream closed before the download ended');
    for (const { reject } of waiters) reject(failure);
    waiters.clear();
  };
  let finished = false;
  const wait = (events) => new Promise((resolve, reject) => {
    if (failure) return reject(failure);
    const waiter = { resolve, reject };
    waiters.add(waiter);
    for (const e of events) {
      w.once(e, () => {
        if (waiters.delete(waiter)) resolve();
      });
    }
  });
  if (on) {
    w.on('error', fail);
    w.once('finish', () => { finished = true; });
    w.once('close', () => { if (!finished) fail(null); });
  }
  return new WritableStream({
    async write(chunk) {
      if (failure) throw failure;
      if (w.write(chunk) === false && on) await wait(['drain']);
    },
    async close() {
      if (failure) throw failure;
      // A real Writable is done at 'finish'; a look-alike without that state, once ended.
      const real = on && typeof w.writableFinished === 'boolean';
      const done = real && !finished && !w.writableFinished ? wait(['finish']) : null;
      w.end();
      if (done) await done;
    },
    abort(reason) {
      if (typeof w.destroy === 'function') w.destroy(reason instanceof Error ? reason : undefined);
    },
  });
}

async function source(streamFactory) {
  let v = await streamFactory();
  if (isNodeReadable(v)) v = readableOf(v);
  // Elsewhere a stream is collected into a Blob (browsers may keep large Blobs on disk).
  if (!streamsFixedLength && v instanceof g.ReadableStream) v = await new Response(v).blob();
  return v;
}

async function sink(streamFactory) {
  const w = await streamFactory();
  return isNodeWritable(w) ? writableOf(w) : w;
}

function needFactory(what, streamFactory) {
  if (typeof streamFactory !== 'function') throw new Error(`${what}: streamFactory must be a function`);
}

/**
 * Uploads an object: `upload({projectId, name, expires, uploadId?, contentType, contentLength,
 * object, streamFactory, onProgress?, retries?, delayFactor?, randomizationFactor?, maxDelay?,
 * timeout?, idleTimeout?})`. `object` is called through `createUpload` and `finishUpload`.
 * `streamFactory` returns a Uint8Array, ArrayBuffer, Blob/File, ReadableStream or (in Node) a
 * Readable, afresh on every call. Resolves to `{uploadId, hashes: {sha256, sha512}}`.
 */
export async function upload({ object, streamFactory, ...options }) {
  needFactory('upload', streamFactory);
  needMethods(object, 'upload: options.object', ['createUpload', 'finishUpload']);
  return withCallerStack(wasm.objectUpload(object, options, () => source(streamFactory)));
}

/**
 * Downloads an object into the streams `streamFactory` returns (WritableStream, or a Node
 * Writable), verifying its hashes before closing the stream. `object` is called through
 * `startDownload`. Resolves to the content type.
 */
export async function download({ object, streamFactory, ...options }) {
  needFactory('download', streamFactory);
  needMethods(object, 'download: options.object', ['startDownload']);
  const r = await withCallerStack(wasm.objectDownload(object, options, () => sink(streamFactory)));
  return r.contentType;
}

function streamed(start) {
  const { readable, writable } = new TransformStream();
  let used = false;
  const factory = () => {
    if (used) throw new Error('a streamed download cannot start again from the beginning');
    used = true;
    return writable;
  };
  const result = start(factory);
  result.catch((err) => {
    // Once the core holds the stream it aborts it itself; before the first byte, do it here
    // so that readers of the stream see the failure too.
    if (!used) writable.abort(err).catch(() => {});
  });
  return { stream: readable, result };
}

/**
 * A download as a ReadableStream: `{stream, result}`. The stream closes only after the hashes
 * are verified (and errors otherwise); `result` resolves to `{contentType, hashes, length}`.
 */
export function downloadStream({ object, ...options }) {
  needMethods(object, 'downloadStream: options.object', ['startDownload']);
  return streamed((factory) => wasm.objectDownload(object, options, factory));
}

function artifactCall(what, { queue, rootUrl, ...options }, factory, allowReference) {
  needMethods(queue, `${what}: options.queue`, [options.runId === undefined ? 'latestArtifact' : 'artifact']);
  // An `object` artifact is fetched with a new Object client of the same deployment, signed
  // with the artifact's credentials (as the official client does).
  const objectFor = (credentials) => {
    const root = rootUrl || (queue._options && (queue._options._trueRootUrl || queue._options.rootUrl));
    if (!root) {
      throw new Error(`${what}: an object artifact needs the deployment's root URL; pass options.rootUrl`);
    }
    return new ObjectClient({ rootUrl: root, credentials });
  };
  return wasm.artifactDownload(queue, options, factory, allowReference, objectFor);
}

/**
 * Downloads an artifact of any storage type: `downloadArtifact({taskId, runId?, name, queue,
 * streamFactory, ...})`. `queue` is called through `latestArtifact` (or `artifact` with a
 * `runId`). Resolves to the content type.
 */
export async function downloadArtifact({ streamFactory, ...options }) {
  needFactory('downloadArtifact', streamFactory);
  const r = await withCallerStack(artifactCall('downloadArtifact', options, () => sink(streamFactory), true));
  return r.contentType;
}

/** Like `downloadArtifact`, but refuses `reference` artifacts, whose URL the task chose. */
export async function downloadManagedArtifact({ streamFactory, ...options }) {
  needFactory('downloadManagedArtifact', streamFactory);
  const r = await withCallerStack(artifactCall('downloadManagedArtifact', options, () => sink(streamFactory), false));
  return r.contentType;
}

/** An artifact as a ReadableStream: `{stream, result}` (see `downloadStream`). */
export function downloadArtifactStream({ managed = false, ...options }) {
  needMethods(options.queue, 'downloadArtifactStream: options.queue', [options.runId === undefined ? 'latestArtifact' : 'artifact']);
  return streamed((factory) => artifactCall('downloadArtifactStream', options, factory, !managed));
}
