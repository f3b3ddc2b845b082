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
 * `nodeRequest(method, url, headers, body, signal)` → `{status, headers: [[name, value]…], body: ReadableStream}`.
 */
export async function nodeRequest(method, url, headers, body, signal) {
  const http = await import(url.startsWith('https:') ? 'node:https' : 'node:http');
  const { Readable } = await import('node:stream');
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, signal }, (res) => {
      const pairs = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
      resolve({ status: res.statusCode, headers: pairs, body: Readable.toWeb(res) });
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
