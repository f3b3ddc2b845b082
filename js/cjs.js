// taskcluster-wasm entry point for `require()` in Node (the "require" export condition).
// `cargo xtask pkg` bundles it with the modules it imports into index.cjs (CommonJS), which
// instantiates the WebAssembly module synchronously, so `require('taskcluster-wasm')` gives
// the same API as `import`, at once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initSync } from './taskcluster_wasm.js';

// Node < 20.16 has no process.getBuiltinModule, which snippets/node-http.js uses.
if (typeof process.getBuiltinModule !== 'function') {
  globalThis[Symbol.for('taskcluster-wasm.node-builtins')] = {
    'node:http': require('node:http'),
    'node:https': require('node:https'),
    'node:stream': require('node:stream'),
  };
}
initSync({ module: readFileSync(join(__dirname, 'taskcluster_wasm_bg.wasm')) });

export * from './api.js';
export { default } from './api.js';
