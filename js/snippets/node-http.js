// Node only: sends a request whose body is a ReadableStream through node:http(s), which applies
// backpressure and sends the declared Content-Length. (Node's fetch keeps every chunk of a
// streamed body until the request ends, so large uploads would grow without bound.)
// Other hosts load this module but never call it.

/** True when running in Node (not Deno, not workerd, not a browser). */
export function isNode() {
  const g = globalThis;
  const ua = (g.navigator && g.navigator.userAgent) || '';
  return !g.Deno && !ua.includes('Cloudflare-Workers') && !!(g.process && g.process.versions && g.process.versions.node);
}

/**
 * True in a browser page or worker. Deno defines `Window` and workerd `WorkerGlobalScope`, but
 * neither is a browser.
 */
export function isBrowser() {
  const g = globalThis;
  const ua = (g.navigator && g.navigator.userAgent) || '';
  if (g.Deno || ua.includes('Cloudflare-Workers')) return false;
  return (typeof Window === 'function' && g instanceof Window) ||
    (typeof WorkerGlobalScope === 'function' && g instanceof WorkerGlobalScope);
}

/**
 * A Node built-in module, reached without import syntax so that bundlers building for browsers
 * find no `node:` import here: `process.getBuiltinModule` (Node >= 20.16), or else the modules
 * that the Node entry points (index.js, index.cjs) registered.
 */
function nodeBuiltin(name) {
  const p = globalThis.process;
  const m = p && typeof p.getBuiltinModule === 'function'
    ? p.getBuiltinModule(name)
    : (globalThis[Symbol.for('taskcluster-wasm.node-builtins')] || {})[name];
  if (!m) throw new TypeError(`request failed: ${name} is not available in this host`);
  return m;
}

/**
 * `nodeRequest(method, url, headers, body, signal)` → `{status, headers: [[name, value]…], body: ReadableStream}`,
 * with `headers` as flat `[name, value, …]` pairs.
 */
export async function nodeRequest(method, url, pairs, body, signal) {
  const http = nodeBuiltin(url.startsWith('https:') ? 'node:https' : 'node:http');
  const { Readable } = nodeBuiltin('node:stream');
  const headers = {};
  for (let i = 0; i < pairs.length; i += 2) headers[pairs[i].toLowerCase()] = pairs[i + 1];
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, signal }, (res) => {
      const out = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) out.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
      resolve({ status: res.statusCode, headers: out, body: Readable.toWeb(res) });
    });
    req.on('error', (err) => {
      const e = new TypeError(`request failed: ${err.message}`);
      e.cause = err;
      reject(e);
    });
    const source = Readable.fromWeb(body);
    source.on('error', (err) => req.destroy(err));
    source.pipe(req);
  });
}

/**
 * `hostFetch(method, url, headers, body, signal, browser)`: the request through the global
 * `fetch` with `redirect: 'manual'` (and no cookies from browsers), resolving like `nodeRequest`.
 * Throws synchronously when the host cannot build the request.
 */
export function hostFetch(method, url, pairs, body, signal, browser) {
  const headers = new Headers();
  for (let i = 0; i < pairs.length; i += 2) headers.append(pairs[i], pairs[i + 1]);
  const init = { method, headers, redirect: 'manual', signal, body };
  // Streamed request bodies need half-duplex mode.
  if (body instanceof ReadableStream) init.duplex = 'half';
  if (browser) init.credentials = 'omit';
  const request = new Request(url, init);
  return globalThis.fetch(request).then((res) => ({ status: res.status, headers: [...res.headers], body: res.body }));
}

/**
 * Node only: a sha256 + sha512 hasher over node:crypto (OpenSSL), much faster than hashing in
 * WebAssembly. `null` elsewhere, or when node:crypto cannot be loaded synchronously.
 */
export function nodeHashers() {
  if (!isNode() || typeof process.getBuiltinModule !== 'function') return null;
  const crypto = process.getBuiltinModule('node:crypto');
  if (!crypto) return null;
  const a = crypto.createHash('sha256');
  const b = crypto.createHash('sha512');
  return {
    update(bytes) {
      a.update(bytes);
      b.update(bytes);
    },
    digest() {
      return [a.digest('hex'), b.digest('hex')];
    },
  };
}

/**
 * `pipeBody(body, writer, hashers, skip, idleMs, onProgress, base, total)`: copies a response body (a
 * ReadableStream) into a WritableStreamDefaultWriter, hashing each chunk with `hashers.update`
 * after dropping the first `skip` bytes, so the bytes never pass through WebAssembly memory.
 * `onProgress(base + bytesWritten, total)` follows each chunk.
 * Writes are pipelined up to the writer's high-water mark (`writer.ready`), as `pipeTo` does.
 * Never rejects: resolves `{written}`, or `{written, error}` with `sink: true` when the writer
 * failed and `stalled: true` when no byte came for `idleMs`.
 */
export async function pipeBody(body, writer, hashers, skip, idleMs, onProgress, base, total) {
  const reader = body.getReader();
  let written = 0;
  let sinkError;
  let lastWrite;
  let stalled = false;
  // Only time spent waiting for the body counts: a slow writer is not a stalled server.
  let reading = false;
  let last = Date.now();
  const timer = setInterval(() => {
    if (reading && Date.now() - last >= idleMs) {
      stalled = true;
      reader.cancel().catch(() => {});
    }
  }, Math.min(idleMs, 1000));
  const fail = (error) => {
    reader.cancel(error).catch(() => {});
    return { written, error };
  };
  try {
    for (;;) {
      last = Date.now();
      reading = true;
      const { done, value } = await reader.read();
      reading = false;
      if (stalled) return { written, error: new Error('stalled'), stalled: true };
      if (done) break;
      let chunk = value;
      if (skip > 0) {
        const n = Math.min(skip, chunk.length);
        skip -= n;
        chunk = chunk.subarray(n);
        if (chunk.length === 0) continue;
      }
      // (waiting only under backpressure: an await per chunk costs a turn of the event loop)
      if (!(writer.desiredSize > 0)) {
        try {
          await writer.ready;
        } catch (e) {
          sinkError ??= e;
        }
      }
      if (sinkError !== undefined) return { ...fail(sinkError), sink: true };
      hashers.update(chunk);
      written += chunk.length;
      lastWrite = writer.write(chunk).catch((e) => {
        sinkError ??= e;
      });
      if (typeof onProgress === 'function') onProgress(base + written, total);
    }
    // Every chunk handed over must have been written before the body counts as written
    // (writes complete in order, so the last one settles after all the others).
    await lastWrite;
    if (sinkError !== undefined) return { written, error: sinkError, sink: true };
    return { written };
  } catch (e) {
    return fail(e);
  } finally {
    clearInterval(timer);
  }
}

/**
 * One attempt of an API call, all on the host: `fetch(url, init)` with a plain init object
 * (`redirect: 'manual'`, no cookies from browsers), the body read and parsed as JSON by the host.
 * A per-attempt timeout (`timeoutMs > 0`) covers the whole exchange, body included; it aborts
 * the request only when it fires. Resolves to the parsed body (`undefined` when the response is
 * not JSON) for statuses below 400. Rejects with `{status, text, requestId}` for an HTTP error,
 * `{hidden: true}` for a redirect the host hid, `{decode: true}` for a body that is not JSON, and
 * `{error, timedOut}` when the request failed. Called straight from WebAssembly for a call's
 * first attempt (the package's JS glue awaits it, so a call that succeeds at once runs no Rust
 * future), and from the retry loop for the others.
 */
export async function fetchJson(url, method, auth, trace, body, timeoutMs, browser) {
  // An object instead of a body (a string): what a first attempt made from the package's JS
  // glue failed with, which the retry loop in WebAssembly replays through here.
  if (typeof body === 'object') throw body;
  const headers = {};
  if (auth !== undefined) headers.authorization = auth;
  if (trace !== undefined) headers['x-taskcluster-trace-id'] = trace;
  const init = { method, headers, redirect: 'manual' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = body;
  }
  if (browser) init.credentials = 'omit';
  let timer;
  let timedOut = false;
  if (timeoutMs > 0) {
    const controller = new AbortController();
    init.signal = controller.signal;
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
  }
  let res;
  let text;
  try {
    res = await globalThis.fetch(url, init);
    if (res.status !== 0) text = await res.text();
  } catch (error) {
    throw { error, timedOut };
  } finally {
    clearTimeout(timer);
  }
  const status = res.status;
  if (status === 0) throw { hidden: true };
  if (status >= 400) throw { status, text, requestId: res.headers.get('x-for-request-id') };
  if (text === '' || !/^\s*application\/json/i.test(res.headers.get('content-type') || '')) return undefined;
  try {
    return JSON.parse(text);
  } catch (_) {
    throw { decode: true };
  }
}
