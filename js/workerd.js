// taskcluster-wasm entry point for workerd / Cloudflare Workers, which import .wasm files as
// compiled WebAssembly.Module objects and cannot fetch them at run time.
import wasmModule from './taskcluster_wasm_bg.wasm';
import { initSync } from './taskcluster_wasm.js';

initSync({ module: wasmModule });

export * from './api.js';
export { default } from './api.js';
