#!/usr/bin/env bash
# Thaman's one entry point.
#   ./build.sh [build]   set up, then build dist/chrome, dist/firefox and their store
#                        packages dist/thaman-{chrome,firefox}-<version>.zip (web-ext lint)
#   ./build.sh demo      build, then show the extension on a bundled demo feed
#   ./build.sh test      build, then run every test; last line: "N passed, N failed"
#   ./build.sh bench     build, then the core's Criterion bench and the browser bench
#                        (no extension twice, the extension, its counter hidden; rotating;
#                        arguments go to bench/run.mjs; see bench/README.md)
#   ./build.sh fuzz      the property tests of every decoder and of the tracker, long
#                        (THAMAN_FUZZ_CASES, default 20000; ./build.sh test runs 256)
#   ./build.sh shots     build, then make every image the README shows again (docs/,
#                        en and ar, light and dark; docs/shots.json records what they show)
#   ./build.sh source    dist/thaman-source-<version>.zip: the committed sources (git archive)
#   ./build.sh setup     only install what is missing (idempotent; seconds when done)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
WASM_PACK_VERSION=0.15.1
E2E="$ROOT/tests/e2e"
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- set-up of a fresh machine ------------------------------------------------
setup() {
  local apt=()
  [ -x /usr/bin/chromium ] || apt+=(chromium)
  [ -x /usr/bin/chromedriver ] || apt+=(chromium-driver)
  # UI languages other than en-US (the Arabic interface is tested).
  [ -f /usr/lib/chromium/locales/ar.pak ] || apt+=(chromium-l10n)
  # Firefox ESR: the same end-to-end tests run in it (tests/e2e/firefox.mjs).
  [ -x /usr/bin/firefox-esr ] || apt+=(firefox-esr)
  ls /usr/lib/firefox-esr/browser/extensions/langpack-ar@* >/dev/null 2>&1 || apt+=(firefox-esr-l10n-ar)
  command -v fc-list >/dev/null && fc-list | grep -qi 'Noto Sans Arabic' || apt+=(fonts-noto-ui-core)
  if [ ${#apt[@]} -gt 0 ]; then
    say "installing ${apt[*]} (Debian packages)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${apt[@]}" >/dev/null
  fi

  rustup target list --installed | grep -qx wasm32-unknown-unknown || {
    say "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }

  # wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock exactly.
  [ -f Cargo.lock ] || cargo generate-lockfile
  local wbg
  wbg=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wbg" ]; then
    say "installing wasm-bindgen-cli $wbg (a few minutes, once)"
    cargo install wasm-bindgen-cli --version "$wbg" --force
  fi
  if [ "$(wasm-pack --version 2>/dev/null)" != "wasm-pack $WASM_PACK_VERSION" ]; then
    say "installing wasm-pack $WASM_PACK_VERSION (a few minutes, once)"
    cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked --force
  fi

  # npm packages (wasm-opt and web-ext for the build, puppeteer-core for the
  # browser tests), each from its committed lockfile.
  npm_ci "$ROOT/tools"
  npm_ci "$E2E"
}

npm_ci() { # installs a folder's npm packages when its lockfile changed
  local stamp="$1/node_modules/.thaman-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$1/package-lock.json" "$stamp"; then
    say "installing npm packages in ${1#"$ROOT"/}"
    (cd "$1" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    cp "$1/package-lock.json" "$stamp"
  fi
}

# --- build ----------------------------------------------------------------------
version() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' manifest.json; }

# The wasm builds, one per browser context (Cargo features of the same name).
CONTEXTS="background overlay popup pages"

build() {
  setup
  local out="$ROOT/dist/chrome"
  rm -rf "$out"
  mkdir -p "$out"
  cp -R extension/. "$out/"
  cp manifest.json "$out/manifest.json"
  sensor_constants "$out"
  # One wasm module per context (Cargo features): the service worker, the
  # overlay frame on every social page, the popup, and the summary and
  # options pages each load only their own code.
  local ctx
  for ctx in $CONTEXTS; do
    say "building the wasm core for the $ctx (release)"
    local pkg="$ROOT/target/pkg/$ctx"
    # Paths of this checkout and of the crate cache stay out of the binary, so
    # the same sources give the same bytes anywhere (store reviewers rebuild it).
    RUSTFLAGS="--remap-path-prefix=$ROOT=/thaman --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo" \
      wasm-pack --quiet build --mode no-install --release --target web --no-typescript --no-pack \
      --out-dir "$pkg" --out-name thaman -- --no-default-features --features "$ctx" >&2
    mkdir -p "$out/pkg/$ctx"
    cp "$pkg/thaman.js" "$out/pkg/$ctx/thaman.js"
    # binaryen from npm (tools/): Debian's wasm-opt 108 breaks wasm-bindgen's
    # externref table. Features are read from the module's target_features.
    "$ROOT/tools/node_modules/.bin/wasm-opt" -Oz "$pkg/thaman_bg.wasm" -o "$out/pkg/$ctx/thaman_bg.wasm"
  done
  # dist/firefox and both store packages (every manifest difference is there).
  python3 tools/package.py "$ROOT/dist" >/dev/null
  local v; v=$(version)
  (cd "$ROOT/dist" && sha256sum chrome/pkg/*/* firefox/pkg/*/* thaman-*-"$v".zip > SHA256SUMS)
  local sizes="" raw gz
  for ctx in $CONTEXTS; do
    raw=$(stat -c %s "$out/pkg/$ctx/thaman_bg.wasm"); gz=$(gzip -9c "$out/pkg/$ctx/thaman_bg.wasm" | wc -c)
    sizes+=" $ctx $((raw / 1024))/$((gz / 1024))"
  done
  say "built $out and dist/firefox (wasm KB raw/gzip:$sizes), dist/thaman-{chrome,firefox}-$(version).zip"
}

# The numbers the sensor shares with the core: build.rs writes them from
# src/limits.rs into its OUT_DIR as constants.js; cargo says where.
sensor_constants() {
  local dir
  dir=$(cargo check --quiet --lib --message-format=json | python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "build-script-executed" and m.get("out_dir") and "/build/thaman-" in m["out_dir"]:
        print(m["out_dir"])')
  [ -f "$dir/constants.js" ] || { echo "build.rs wrote no constants.js (out dir: ${dir:-none})" >&2; return 1; }
  cp "$dir/constants.js" "$1/constants.js"
}

# --- test -------------------------------------------------------------------------
PASSED=0
FAILED=0
test_all() {
  build
  local logs="$ROOT/target/test-logs"
  mkdir -p "$logs"
  local status

  say "format and lints: cargo fmt --check, cargo clippy -D warnings (native and each wasm context)"
  status=0; lints 2>&1 | tee "$logs/lints.log" || status=$?
  stage_result node "$logs/lints.log" "$status"

  say "core tests (native)"
  status=0; cargo test --color never 2>&1 | tee "$logs/cargo.log" || status=$?
  stage_result cargo "$logs/cargo.log" "$status"

  say "wasm tests in headless Chromium"
  status=0
  WASM_BINDGEN_TEST_TIMEOUT=60 wasm-pack test --mode no-install --headless --chrome \
    --chromedriver /usr/bin/chromedriver 2>&1 | tee "$logs/wasm.log" || status=$?
  stage_result cargo "$logs/wasm.log" "$status"

  say "store packages: web-ext lint (Firefox's own checks) on dist/firefox"
  status=0; lint_firefox 2>&1 | tee "$logs/lint.log" || status=$?
  stage_result node "$logs/lint.log" "$status"

  # The two browsers' suites run side by side (each test file still runs
  # alone within its browser): they share nothing (temporary profiles, port 0,
  # their own screenshot folders), and most of their time is waiting on
  # timers, so this halves the stage's wall time. THAMAN_E2E_SERIAL=1 runs
  # them one after the other.
  local chrome_status=0 firefox_status=0 firefox_pid
  e2e_chrome() { (cd "$E2E" && node --test --test-concurrency=1 --test-reporter=spec ./*.test.mjs) > "$logs/e2e.log" 2>&1; }
  e2e_firefox() {
    (cd "$E2E" && THAMAN_BROWSER=firefox THAMAN_SHOTS="$ROOT/target/screenshots/firefox" \
      node --test --test-concurrency=1 --test-reporter=spec ./*.test.mjs) > "$logs/e2e-firefox.log" 2>&1
  }
  if [ -n "${THAMAN_E2E_SERIAL:-}" ]; then
    say "end-to-end tests: dist/chrome in Chromium, then dist/firefox in Firefox ESR"
    e2e_chrome || chrome_status=$?
    e2e_firefox || firefox_status=$?
  else
    say "end-to-end tests: dist/chrome in Chromium and dist/firefox in Firefox ESR, side by side"
    e2e_firefox & firefox_pid=$!
    e2e_chrome || chrome_status=$?
    wait "$firefox_pid" || firefox_status=$?
  fi
  say "end-to-end tests: dist/chrome in Chromium"
  cat "$logs/e2e.log"
  stage_result node "$logs/e2e.log" "$chrome_status"
  say "end-to-end tests: dist/firefox in Firefox ESR (the same tests, where Firefox allows)"
  cat "$logs/e2e-firefox.log"
  stage_result node "$logs/e2e-firefox.log" "$firefox_status"

  echo "screenshots: $ROOT/target/screenshots"
  # A CI log is read from its end: the failures go there too, with their reasons.
  [ "$FAILED" = 0 ] || failures "$logs"/*.log
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" = 0 ]
}

# Each log's failed tests with their reasons (node's "✖ failing tests:"
# section, cargo's "failures:"), at most 60 lines a log.
failures() {
  local log
  say "what failed, and why"
  for log in "$@"; do
    awk -v name="$(basename "$log")" '
      /^✖ failing tests:/ || /^failures:$/ { if (!shown++) print "--- " name; on = 1; n = 0 }
      on && /^ℹ (tests|suites|pass|fail)|^test result:|^\x1b\[1m==>/ { on = 0 }
      on && n++ < 60 { print }' "$log"
  done
}

# rustfmt and clippy (warnings are errors): natively with the tests, and the
# wasm library of each context as build() builds it. One check per line, and
# "ℹ pass N" / "ℹ fail N" for the counts.
lints() {
  local pass=0 fail=0 ctx
  lint_step() { # name, command...
    local name=$1; shift
    if "$@"; then echo "ok $name"; pass=$((pass + 1)); else echo "FAILED $name"; fail=$((fail + 1)); fi
  }
  lint_step "cargo fmt --check" cargo fmt --check
  lint_step "clippy native" cargo clippy --color never --all-targets -- -D warnings
  for ctx in $CONTEXTS; do
    lint_step "clippy wasm32 $ctx" cargo clippy --color never --target wasm32-unknown-unknown --lib \
      --no-default-features --features "$ctx" -- -D warnings
  done
  printf 'ℹ pass %d\nℹ fail %d\n' "$pass" "$fail"
  [ "$fail" = 0 ]
}

# Mozilla's add-on linter on the Firefox build: any error or warning fails.
# Prints "ℹ pass 1" or "ℹ fail 1" for the count.
lint_firefox() {
  local out
  out=$("$ROOT/tools/node_modules/.bin/web-ext" lint --source-dir "$ROOT/dist/firefox" --output=json 2>/dev/null) || true
  if printf '%s' "$out" | python3 -c 'import json,sys
d = json.load(sys.stdin)
for kind in ("errors", "warnings"):
    for m in d[kind]: print(kind[:-1], m["code"], m.get("file") or "", m.get("line") or "", m["message"])
print("web-ext lint:", d["summary"])
sys.exit(1 if d["errors"] or d["warnings"] else 0)'; then printf 'ℹ pass 1\nℹ fail 0\n'; else printf 'ℹ pass 0\nℹ fail 1\n'; return 1; fi
}

stage_result() { # kind, log, exit status
  local p f
  if [ "$1" = node ]; then
    p=$( (grep -Eo '^ℹ pass [0-9]+' "$2" || true) | awk '{s+=$3} END {print s+0}')
    f=$( (grep -Eo '^ℹ fail [0-9]+' "$2" || true) | awk '{s+=$3} END {print s+0}')
  else
    p=$( (grep -Eo 'test result: .* [0-9]+ passed' "$2" || true) | (grep -Eo '[0-9]+ passed' || true) | awk '{s+=$1} END {print s+0}')
    f=$( (grep -Eo 'test result: .* [0-9]+ failed' "$2" || true) | (grep -Eo '[0-9]+ failed' || true) | awk '{s+=$1} END {print s+0}')
  fi
  # A stage that failed without reporting a failed test (a compile error, a crash) counts as one.
  if [ "$3" != 0 ] && [ "$f" = 0 ]; then f=1; fi
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
}

demo() {
  build
  local args=()
  [ -n "${DISPLAY:-}" ] && args+=(--headful)
  node "$E2E/demo.mjs" "${args[@]}"
}

bench() {
  build
  say "core throughput (Criterion, native)"
  cargo bench --bench core -- --quick
  say "what Thaman costs a page (Chromium: none, none2, with, hidden; the worker's cold start)"
  node "$ROOT/bench/run.mjs" "$@"
}

# The committed sources, for a store's reviewers to rebuild the wasm from.
source_bundle() {
  local zip="$ROOT/dist/thaman-source-$(version).zip"
  mkdir -p "$ROOT/dist"
  git -C "$ROOT" archive --format=zip --prefix="thaman-$(version)/" -o "$zip" HEAD
  say "wrote $zip (HEAD $(git -C "$ROOT" rev-parse --short HEAD)); rebuild with ./build.sh build"
}

case "${1:-build}" in
  setup) setup ;;
  build) build ;;
  test) test_all ;;
  demo) demo ;;
  shots) build; say "every README image, made again (docs/)"; node "$E2E/shots.mjs" ;;
  source) source_bundle ;;
  bench) shift; bench "$@" ;;
  fuzz) setup; say "property tests, ${THAMAN_FUZZ_CASES:-20000} cases each"; THAMAN_FUZZ_CASES="${THAMAN_FUZZ_CASES:-20000}" cargo test --release --test fuzz ;;
  *) echo "usage: $0 [build|test|demo|shots|bench|fuzz|source|setup]" >&2; exit 2 ;;
esac
