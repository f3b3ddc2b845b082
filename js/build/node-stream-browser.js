// Stands in for `node:stream` in the browser build (browser.js), so that its module graph
// has no `node:` import. Loaded only when a Node stream is passed in, which happens only in
// Node; there it is Node's own module, reached through `process.getBuiltinModule`.
const p = globalThis.process;
const stream = p && typeof p.getBuiltinModule === 'function' ? p.getBuiltinModule('node:stream') : undefined;
if (!stream) {
  throw new TypeError('Node streams are not supported here: pass a ReadableStream/WritableStream, Blob or Uint8Array');
}
export const { Readable, Writable } = stream;
