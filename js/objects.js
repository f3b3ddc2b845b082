// Object uploads and downloads, and artifact downloads, over the WebAssembly core (which does
// the protocol: negotiation, hashing, retries, fresh URLs, Range resume, verification).
import * as wasm from './taskcluster_wasm.js';

const g = globalThis;
const ua = (g.navigator && g.navigator.userAgent) || '';
// Only Node's fetch sends a ReadableStream body with a fixed Content-Length (which presigned
// URLs require); browsers, Deno and workerd send it chunked.
const streamsFixedLength = !g.Deno && !ua.includes('Cloudflare-Workers') && !!(g.process && g.process.versions && g.process.versions.node);
const isNodeReadable = (v) => v && typeof v.pipe === 'function' && typeof v.read === 'function' && !(v instanceof g.ReadableStream);
const isNodeWritable = (v) => v && typeof v.write === 'function' && typeof v.end === 'function' && !(v instanceof g.WritableStream);
const nodeStream = () => import('node:stream');

function wasmClient(client, what) {
  if (!client || !client._wasm) throw new Error(`${what} must be a client instance of this package`);
  return client._wasm;
}

async function source(streamFactory) {
  let v = await streamFactory();
  if (isNodeReadable(v)) v = (await nodeStream()).Readable.toWeb(v);
  // Elsewhere a stream is collected into a Blob (browsers may keep large Blobs on disk).
  if (!streamsFixedLength && v instanceof g.ReadableStream) v = await new Response(v).blob();
  return v;
}

async function sink(streamFactory) {
  const w = await streamFactory();
  return isNodeWritable(w) ? (await nodeStream()).Writable.toWeb(w) : w;
}

/**
 * Uploads an object: `upload({projectId, name, expires, uploadId?, contentType, contentLength,
 * object, streamFactory, onProgress?, retries?, delayFactor?, randomizationFactor?, maxDelay?})`.
 * `streamFactory` returns a Uint8Array, ArrayBuffer, Blob/File, ReadableStream or (in Node) a
 * Readable, afresh on every call. Resolves to `{uploadId, hashes: {sha256, sha512}}`.
 */
export function upload({ object, streamFactory, ...options }) {
  if (typeof streamFactory !== 'function') throw new Error('upload: streamFactory must be a function');
  return wasm.objectUpload(wasmClient(object, 'upload: options.object'), options, () => source(streamFactory));
}

/**
 * Downloads an object into the streams `streamFactory` returns (WritableStream, or a Node
 * Writable), verifying its hashes before closing the stream. Resolves to the content type.
 */
export async function download({ object, streamFactory, ...options }) {
  if (typeof streamFactory !== 'function') throw new Error('download: streamFactory must be a function');
  const r = await wasm.objectDownload(wasmClient(object, 'download: options.object'), options, () => sink(streamFactory));
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
  const client = wasmClient(object, 'downloadStream: options.object');
  return streamed((factory) => wasm.objectDownload(client, options, factory));
}

/**
 * Downloads an artifact of any storage type: `downloadArtifact({taskId, runId?, name, queue,
 * streamFactory, ...})`. Resolves to the content type.
 */
export async function downloadArtifact({ queue, streamFactory, ...options }) {
  const r = await wasm.artifactDownload(wasmClient(queue, 'downloadArtifact: options.queue'), options, () => sink(streamFactory), true);
  return r.contentType;
}

/** Like `downloadArtifact`, but refuses `reference` artifacts, whose URL the task chose. */
export async function downloadManagedArtifact({ queue, streamFactory, ...options }) {
  const r = await wasm.artifactDownload(wasmClient(queue, 'downloadManagedArtifact: options.queue'), options, () => sink(streamFactory), false);
  return r.contentType;
}

/** An artifact as a ReadableStream: `{stream, result}` (see `downloadStream`). */
export function downloadArtifactStream({ queue, managed = false, ...options }) {
  const client = wasmClient(queue, 'downloadArtifactStream: options.queue');
  return streamed((factory) => wasm.artifactDownload(client, options, factory, !managed));
}
