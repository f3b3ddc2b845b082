# Shared by scripts/test and scripts/demo: idempotent installs and the local deployment.
# shellcheck shell=bash
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH" DEBIAN_FRONTEND=noninteractive

install_target() { rustup target add wasm32-unknown-unknown; }

install_chromium() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then echo "chromium present"; return; fi
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
}

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock.
wasm_bindgen_version() { awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3}' Cargo.lock; }
install_wasm_bindgen() {
  local wb; wb=$(wasm_bindgen_version)
  if wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $wb"; then echo "wasm-bindgen $wb present"; return; fi
  # Not --locked: its lockfile pins a webpki-roots the registry here does not serve.
  cargo install wasm-bindgen-cli --version "$wb" --no-default-features
}

install_npm() { (cd tests/js && npm install --no-audit --no-fund); }

random_token() { head -c 33 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

# start_devserver OUT_JSON [flags...]: starts the local deployment in the background on a free
# port, waits for its start-up line in OUT_JSON, and sets DEVSERVER_PID, ROOT_URL, CLIENT_ID.
start_devserver() {
  local out=$1; shift
  rm -f "$out"
  target/debug/tc-devserver --port 0 --references references "$@" > "$out" &
  DEVSERVER_PID=$!
  for _ in $(seq 200); do [ -s "$out" ] && break; sleep 0.05; done
  [ -s "$out" ] || { echo "the local deployment did not start"; return 1; }
  ROOT_URL=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).rootUrl)' "$out")
  CLIENT_ID=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).clientId)' "$out")
}
