# shellcheck shell=bash
# Shared helpers for scripts/run, scripts/test and scripts/bench. Source it; do not execute it.
#
#   ensure_packages [extra packages...]   install what is missing (apt-get), nothing otherwise
#   free_port                             print a free TCP port on 127.0.0.1
#   start_redis DIR PORT                  private redis-server on 127.0.0.1:PORT, state in DIR
#   start_redis_on_free_port DIR          the same on a free port (three tries), which it puts
#                                         in OTPGATE_REDIS_PORT_STARTED
#   stop_redis [DIR]                      stop it (default: the last one started), idempotent
#   build_otpgate DIR TYPE [cmake args] [--target NAME]...
#                                         configure (Ninja) and build into DIR (all targets,
#                                         or only the named ones)
#   stop_pid PID [SECONDS]                SIGTERM, wait, SIGKILL after SECONDS (default 10)
#   pid_alive PID                         true while PID runs (zombies count as gone)
#   otpgate_root                          the repository root (this file's ../..)

# Why: everything here is used under `set -euo pipefail`, so each helper returns a status
# instead of relying on errexit inside command substitutions.

OTPGATE_BASE_PACKAGES=(build-essential cmake ninja-build ccache pkg-config libboost-dev
  libhiredis-dev libssl-dev libcurl4-openssl-dev nlohmann-json3-dev catch2
  libphonenumber-dev libre2-dev libjemalloc-dev zlib1g-dev redis-server redis-tools curl)

otpgate_root() {
  (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
}

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs the base packages plus any given as arguments that are not installed yet.
# apt-get update runs only when something is missing; sudo only when not root.
ensure_packages() {
  local missing=() pkg status
  for pkg in "${OTPGATE_BASE_PACKAGES[@]}" "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing: ${missing[*]}"
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "not root and no sudo: install ${missing[*]} by hand"
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
}

# True when nothing listens on 127.0.0.1:PORT (or on any address with that port).
port_is_free() {
  local port=$1
  if command -v ss >/dev/null; then
    # Any state, not only listening: an outgoing connection's local port cannot be bound either.
    [[ -z $(ss -Hatn "sport = :$port" 2>/dev/null) ]] || return 1
  fi
  # A refused connect is the authoritative answer when ss is missing.
  ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# Prints a free port from 20000-32767, below Linux's default range of ports the kernel hands to
# outgoing connections (32768-60999): a port picked there could be taken by any connection
# before our server binds it (CI failed once so). A race with another process is still possible
# (as with any port picked before binding); callers that start servers check that the server
# came up, and start_redis_on_free_port tries again.
free_port() {
  local port tries
  for ((tries = 0; tries < 200; tries++)); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
    if port_is_free "$port"; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  echo "free_port: no free port found" >&2
  return 1
}

# True while PID exists and is not a zombie (an unreaped child still answers kill -0).
pid_alive() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $stat != Z* ]]
}

# Sends SIGTERM to PID, waits up to SECONDS (default 10) for it to go, then SIGKILLs it.
# Reaps it when it is our child. Idempotent: a PID that is already gone is fine.
stop_pid() {
  local pid=$1 seconds=${2:-10} i
  [[ -n $pid ]] || return 0
  if pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < seconds * 10; i++)); do
      pid_alive "$pid" || break
      sleep 0.1
    done
    if pid_alive "$pid"; then
      echo "pid $pid did not stop within ${seconds}s; sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

OTPGATE_REDIS_DIR=""

# Starts redis-server on 127.0.0.1:PORT with persistence off, pid and log files in DIR, and
# waits until it answers PING. It daemonizes (own session), so a Ctrl-C in the terminal
# reaches only our trap, which stops otpgate first and Redis after it.
start_redis() {
  local dir=$1 port=$2 i
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [[ -s $dir/redis.pid ]] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; then
    echo "start_redis: a redis-server from $dir is still running (pid $(cat "$dir/redis.pid"))" >&2
    return 1
  fi
  rm -f "$dir/redis.pid"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" \
    --save "" --appendonly no --daemonize yes --protected-mode yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null ||
    { echo "start_redis: redis-server failed to start (see $dir/redis.log)" >&2; return 1; }
  OTPGATE_REDIS_DIR=$dir
  # Why the pid check: another server that already held PORT would answer PING too.
  local pid
  for ((i = 0; i < 100; i++)); do
    pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
    if [[ -n $pid ]] && redis-cli -h 127.0.0.1 -p "$port" info server 2>/dev/null |
      tr -d '\r' | grep -qx "process_id:$pid"; then
      return 0
    fi
    sleep 0.1
  done
  echo "start_redis: our redis-server did not answer on 127.0.0.1:$port within 10s; log:" >&2
  tail -n 20 "$dir/redis.log" >&2 || true
  stop_redis "$dir"
  return 1
}

# start_redis on a free port, trying up to three ports; sets OTPGATE_REDIS_PORT_STARTED.
start_redis_on_free_port() {
  local dir=$1 attempt port
  for ((attempt = 1; attempt <= 3; attempt++)); do
    port=$(free_port) || return 1
    if start_redis "$dir" "$port"; then
      # shellcheck disable=SC2034 # read by the scripts that source this file
      OTPGATE_REDIS_PORT_STARTED=$port
      return 0
    fi
    echo "start_redis_on_free_port: port $port failed, trying another" >&2
  done
  return 1
}

# Stops the redis-server started from DIR (default: the last start_redis). Idempotent.
stop_redis() {
  local dir=${1:-$OTPGATE_REDIS_DIR} pid
  [[ -n $dir && -s $dir/redis.pid ]] || return 0
  pid=$(cat "$dir/redis.pid")
  stop_pid "$pid" 10
  rm -f "$dir/redis.pid"
}

# Configures DIR with Ninja for BUILD_TYPE (extra arguments go to cmake) and builds it.
# Re-running reuses the build tree and ccache, so it is cheap when nothing changed.
build_otpgate() {
  local dir=$1 type=$2 root configure=() targets=()
  shift 2
  while (($#)); do
    if [[ $1 == --target ]]; then
      targets+=(--target "$2")
      shift 2
    elif [[ $1 == --target=* || $1 == -t ]]; then
      die "build_otpgate: write --target NAME"
    else
      configure+=("$1")
      shift
    fi
  done
  root=$(otpgate_root)
  # ccache (CMakeLists.txt uses it when installed) hashes paths under the base directory as
  # relative ones, and with NOHASHDIR not the build directory a Debug build's -g would add: a
  # worktree or a second clone then hits the entries another one compiled. (The price: a hit's
  # debug info names the compile directory of the build that filled the entry.)
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
  export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
  log "building $type into $dir"
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "${configure[@]}" >/dev/null
  cmake --build "$dir" -j"$(nproc)" "${targets[@]}"
}
