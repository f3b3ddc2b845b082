// taskcluster-wasm entry point for browsers and web workers (the "browser" export condition),
// for bundlers (webpack, Rollup, Vite, esbuild) and plain pages alike. `cargo xtask pkg`
// bundles it with the modules it imports into one ES module whose graph has no `node:`
// import: Node-only code reaches Node's built-ins through `process.getBuiltinModule`.
//
// The WebAssembly module is referenced as `new URL('./taskcluster_wasm_bg.wasm',
// import.meta.url)`, the pattern bundlers recognise to emit the file beside the bundle, and is
// instantiated with top-level await, so the API is ready once the import resolves (as with
// index.js). Bundles must therefore be ES modules (esbuild: `--format=esm`).
import init from './taskcluster_wasm.js';

await init({ module_or_path: new URL('./taskcluster_wasm_bg.wasm', import.meta.url) });

export * from './api.js';
export { default } from './api.js';
