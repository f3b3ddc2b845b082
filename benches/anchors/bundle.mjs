// esbuild entry for the anchors that run in Node and Deno from one file: the official browser
// client (taskcluster-client-web, which has no Node build of its own) and the hawk npm package.
// benches/run.mjs bundles it to target/bench/anchors.mjs (--platform=node --format=esm).
export * as clientWeb from 'taskcluster-client-web/src/index.js';
export { default as hawk } from 'hawk';
