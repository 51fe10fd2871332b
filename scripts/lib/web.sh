# shellcheck shell=bash
# The console's build (web/), for scripts/run and scripts/test. Source it after
# scripts/lib/common.sh (it uses ensure_packages, log, die and otpgate_root); do not execute it.
#
#   build_console      install nodejs and npm when missing, `npm ci` in web/ only when
#                      node_modules is missing or package-lock.json changed since the last
#                      install, then build web/dist (index.html and assets/[name]-[hash].*)
#   test_console       build_console's install step, then the console's unit tests (npm test)
#   ensure_browser     install Debian's chromium when missing (the browser tests drive it
#                      headless through playwright-core); prints nothing when it is there

# Why a stamp and not npm's own check: `npm ci` deletes and reinstalls node_modules every time
# (seconds, and network); comparing the lock file's hash with the one installed is instant.
console_dir() {
  printf '%s/web\n' "$(otpgate_root)"
}

# Installs nodejs and npm (Debian's) when either command is missing.
ensure_node() {
  if command -v node >/dev/null && command -v npm >/dev/null; then
    return 0
  fi
  ensure_packages nodejs npm
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    die "nodejs and npm are still missing after installing them"
  fi
}

# npm ci when node_modules is missing or package-lock.json differs from the installed one.
install_console_deps() {
  local dir stamp want have=""
  dir=$(console_dir)
  [[ -f $dir/package-lock.json ]] || die "web/package-lock.json is missing"
  ensure_node
  stamp=$dir/node_modules/.otpgate-lock.sha256
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  [[ -s $stamp ]] && have=$(cat "$stamp")
  if [[ -d $dir/node_modules && $have == "$want" ]]; then
    return 0
  fi
  log "installing the console's npm packages (web/package-lock.json)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in web/ failed"
  printf '%s\n' "$want" >"$stamp"
}

build_console() {
  local dir
  dir=$(console_dir)
  install_console_deps
  log "building the console into web/dist"
  (cd "$dir" && node build.mjs) || die "the console build (web/build.mjs) failed"
}

test_console() {
  local dir
  dir=$(console_dir)
  install_console_deps
  (cd "$dir" && npm test --silent)
}

ensure_browser() {
  if command -v chromium >/dev/null; then
    return 0
  fi
  ensure_packages chromium
  command -v chromium >/dev/null || die "chromium is still missing after installing it"
}
