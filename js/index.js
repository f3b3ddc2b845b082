// taskcluster-wasm entry point for Node >= 20 and Deno (the "default" export condition), and
// for pages that import the package as plain ESM without a bundler. Bundlers building for
// browsers take browser.js (the "browser" condition), `require()` takes index.cjs, and workerd
// takes workerd.js.
// Plain ESM: it loads the WebAssembly module with top-level await, then exports the API.
import init, { initSync } from './taskcluster_wasm.js';

const wasmUrl = new URL('./taskcluster_wasm_bg.wasm', import.meta.url);

async function load() {
  const g = globalThis;
  if (wasmUrl.protocol === 'file:') {
    if (g.Deno && typeof g.Deno.readFile === 'function') {
      return init({ module_or_path: await g.Deno.readFile(wasmUrl) });
    }
    if (g.process && g.process.versions && g.process.versions.node) {
      if (typeof g.process.getBuiltinModule !== 'function') {
        // Node < 20.16: the modules snippets/node-http.js needs, which it cannot import itself.
        g[Symbol.for('taskcluster-wasm.node-builtins')] = {
          'node:http': await import('node:http'),
          'node:https': await import('node:https'),
          'node:stream': await import('node:stream'),
        };
      }
      // Read and compiled synchronously: no file handle, no task queue round trips, and V8
      // compiles functions lazily anyway (measured faster to the first call than the async path).
      const fs = typeof g.process.getBuiltinModule === 'function'
        ? g.process.getBuiltinModule('node:fs')
        : await import('node:fs');
      return initSync({ module: fs.readFileSync(wasmUrl) });
    }
  }
  return init({ module_or_path: wasmUrl });
}

await load();

export * from './api.js';
export { default } from './api.js';
