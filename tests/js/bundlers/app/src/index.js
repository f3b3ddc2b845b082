// A browser app that uses the package as an application would: `import` by name, built by
// each bundler with its default settings.
import taskcluster from 'taskcluster-wasm';
import { scenario } from './scenario.js';

window.runScenario = (vars) => scenario(taskcluster, vars);
window.ready = true;
