# workerd configuration for the package smoke test (scripts/test copies it next to pkg/ files).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .smokeWorker),
    # The built-in internet service only reaches public addresses; the test server is local.
    (name = "internet", network = (allow = ["public", "local"])),
  ],
);

const smokeWorker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "scenarios.mjs", esModule = embed "scenarios.mjs"),
    (name = "workerd.js", esModule = embed "workerd.js"),
    (name = "core.js", esModule = embed "core.js"),
    (name = "taskcluster_wasm.js", esModule = embed "taskcluster_wasm.js"),
    (name = "taskcluster_wasm_bg.wasm", wasm = embed "taskcluster_wasm_bg.wasm"),
  ],
  bindings = [
    (name = "TC_TEST_ROOT_URL", fromEnvironment = "TC_TEST_ROOT_URL"),
    (name = "TC_TEST_CLIENT_ID", fromEnvironment = "TC_TEST_CLIENT_ID"),
    (name = "TC_TEST_ACCESS_TOKEN", fromEnvironment = "TC_TEST_ACCESS_TOKEN"),
  ],
  compatibilityDate = "2026-11-01",
  globalOutbound = "internet",
);
