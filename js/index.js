// taskcluster-wasm entry point for browsers, workers, Node >= 20 and Deno.
// Plain ESM: it loads the WebAssembly module with top-level await, then exports the API.
// For workerd / Cloudflare Workers use the "workerd" export condition (workerd.js).
import init from './taskcluster_wasm.js';

const wasmUrl = new URL('./taskcluster_wasm_bg.wasm', import.meta.url);

async function load() {
  const g = globalThis;
  if (wasmUrl.protocol === 'file:') {
    if (g.Deno && typeof g.Deno.readFile === 'function') {
      return init({ module_or_path: await g.Deno.readFile(wasmUrl) });
    }
    if (g.process && g.process.versions && g.process.versions.node) {
      const { readFile } = await import('node:fs/promises');
      return init({ module_or_path: await readFile(wasmUrl) });
    }
  }
  return init({ module_or_path: wasmUrl });
}

await load();

export * from './api.js';
export { default } from './api.js';
