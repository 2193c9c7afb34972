#!/usr/bin/env bash
# http-cache-tests.sh: runs the HTTP caching conformance suite http-cache-tests (the npm package pinned in
# package.json/package-lock.json next to this script) against a Phalanx node, and optionally against nginx with
# proxy_cache as a reference measured on the same machine. The suite's own origin server runs on loopback; the
# proxy under test has it as its only upstream; the suite's CLI drives the proxy. Writes the suite's result file
# per target (TARGET.json), a summary by the suite's own classification (TARGET-summary.json: required/optimal
# passed and failed, every failure; TARGET-failures.md: the failures as a table) and prints one line per target.
# See docs/cache-conformance.md.
# Everything it starts is stopped by its PID when it ends.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODE_DIR=$(dirname "$SCRIPT_DIR")
REPO_DIR=$(dirname "$NODE_DIR")
# the suite is installed under target/ (npm ci from the package-lock.json next to this script), out of the sources
INSTALL_DIR=${CONFORMANCE_INSTALL:-$NODE_DIR/target/http-cache-tests}
SUITE_DIR=$INSTALL_DIR/node_modules/http-cache-tests

OUT_DIR=${CONFORMANCE_OUT:-$REPO_DIR/docs/cache-conformance}
PHALANX_JAR=${PHALANX_JAR:-$NODE_DIR/target/phalanx-node.jar}
PHALANX_JAVA=${PHALANX_JAVA:-java}
# the route's cache section (YAML flow); "off" = no cache section: the node as a plain proxy (the baseline)
CACHE_SPEC=${CONFORMANCE_CACHE:-"{}"}
# the node's upstream section (default: pooled keep-alive connections, as in production; see
# docs/cache-conformance.md#notes-on-the-set-up)
UPSTREAM_SPEC=${CONFORMANCE_UPSTREAM:-"{}"}
TIMEOUT=${CONFORMANCE_TIMEOUT:-600} # seconds the suite's CLI may take per target
# the proxies' and the origin's logs of the last run
LOG_DIR=${CONFORMANCE_LOGS:-$NODE_DIR/target/cache-conformance-logs}

usage() {
  cat <<EOF
Usage: $0 [phalanx] [nginx] [--id TEST-ID]
  phalanx      run the suite against a Phalanx node (the default when no target is named)
  nginx        run it against nginx with proxy_cache (the reference; nginx must be installed)
  --id ID      run one test only and print what the client and the origin saw (no result files written)
Environment: CONFORMANCE_OUT=docs/cache-conformance (where the result files go), CONFORMANCE_CACHE='{}' (the
  route's cache section as YAML flow, e.g. '{ staleIfError: 1m }'; off = a plain proxy), CONFORMANCE_TIMEOUT=600
  (seconds per target), CONFORMANCE_UPSTREAM (the node's upstream section), CONFORMANCE_INSTALL, CONFORMANCE_LOGS,
  PHALANX_JAR=node/target/phalanx-node.jar, PHALANX_JAVA=java.
Needs node and npm (the pinned suite is installed with npm ci into node/target/http-cache-tests when missing), java
and the node jar (mvn -B -pl node -am package -DskipTests), nginx for the nginx target, python3 and curl.
EOF
}

TARGETS=()
TEST_ID=""
while (($#)); do
  case $1 in
    phalanx | nginx) TARGETS+=("$1") ;;
    --id) TEST_ID=${2:?--id needs a test id}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "http-cache-tests: unknown argument $1; see --help" >&2; exit 2 ;;
  esac
  shift
done
((${#TARGETS[@]})) || TARGETS=(phalanx)

die() { echo "http-cache-tests: $*" >&2; exit 1; }
log() { echo "http-cache-tests: $*" >&2; }

command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed (apt-get install nodejs npm)"
command -v python3 >/dev/null && command -v curl >/dev/null || die "python3 and curl are needed"
export PATH=$PATH:/usr/sbin:/sbin

PIDS=()
RUN_DIR=""
stop_pid() { # TERM, up to 5 s, then KILL; the process's direct children (nginx workers) too
  local pid=$1 kids i
  kids=$(ps -o pid= --ppid "$pid" 2>/dev/null || true)
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  for i in $kids; do kill -KILL "$i" 2>/dev/null || true; done
  wait "$pid" 2>/dev/null || true
}
stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  PIDS=()
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_all
  if [[ -n $RUN_DIR && -d $RUN_DIR ]]; then
    mkdir -p "$LOG_DIR" && cp "$RUN_DIR"/*.log "$RUN_DIR"/*.yaml "$RUN_DIR"/*.conf "$LOG_DIR"/ 2>/dev/null || true
    rm -rf -- "$RUN_DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# the suite, exactly as pinned by package-lock.json; the registry is whatever npm is configured with
LOCK_SUM=$(cat "$SCRIPT_DIR/package.json" "$SCRIPT_DIR/package-lock.json" | sha256sum | cut -d' ' -f1)
if [[ ! -f $SUITE_DIR/cli.mjs || $(cat "$INSTALL_DIR/installed.sha256" 2>/dev/null) != "$LOCK_SUM" ]]; then
  log "installing the suite with npm ci into $INSTALL_DIR"
  mkdir -p "$INSTALL_DIR"
  cp "$SCRIPT_DIR/package.json" "$SCRIPT_DIR/package-lock.json" "$INSTALL_DIR/"
  (cd "$INSTALL_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$LOCK_SUM" >"$INSTALL_DIR/installed.sha256"
fi
SUITE_VERSION=$(node -p "require('$SUITE_DIR/package.json').version")

RUN_DIR=$(mktemp -d /tmp/phalanx-cache-conformance.XXXXXX)
chmod 755 "$RUN_DIR"
mkdir -p "$OUT_DIR"
free_ports() { # free_ports N: N free loopback ports
  python3 -c '
import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
[x.bind(("127.0.0.1", 0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))' "$1"
}
wait_port() { # wait_port PORT SECONDS PID: something answers HTTP on the port, and PID still runs
  local i
  for ((i = 0; i < $2 * 4; i++)); do
    kill -0 "$3" 2>/dev/null || return 1
    curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/" && return 0
    sleep 0.25
  done
  return 1
}
start() { # start LOGFILE CMD...: in the background, its PID remembered
  local logf=$1; shift
  "$@" >"$logf" 2>&1 &
  PIDS+=($!)
}

start_origin() { # the suite's origin server, bound to loopback by loopback.cjs
  ORIGIN_PORT=$(free_ports 1)
  (cd "$SUITE_DIR" && exec env npm_package_config_protocol=http npm_config_port="$ORIGIN_PORT" \
    npm_config_pidfile="$RUN_DIR/origin.pid" node --require "$SCRIPT_DIR/loopback.cjs" server/server.mjs) \
    >"$RUN_DIR/origin.log" 2>&1 &
  PIDS+=($!)
  wait_port "$ORIGIN_PORT" 20 "${PIDS[-1]}" || die "the suite's origin server did not start: $(cat "$RUN_DIR/origin.log")"
}

start_phalanx() { # start_phalanx: a node whose only route goes to the origin, with CACHE_SPEC as its cache section
  local port admin cache_line=""
  read -r port admin < <(free_ports 2)
  mkdir -p "$RUN_DIR/node-state"
  [[ $CACHE_SPEC == off ]] || cache_line="cache: $CACHE_SPEC"
  cat >"$RUN_DIR/node.yaml" <<EOF
node: { id: conformance, stateDir: $RUN_DIR/node-state, workerThreads: 2 }
listeners:
  - { name: web, bind: "127.0.0.1:$port" }
admin: { bind: "127.0.0.1:$admin" }
config: { file: $RUN_DIR/routes.yaml }
accessLog: $RUN_DIR/phalanx-access.log
# no pooled upstream connections by default: with pooling, a few requests per run got a spurious 502 "upstream
# reset" (see docs/cache-conformance.md), which the suite counts as setup failures of unrelated tests
upstream: $UPSTREAM_SPEC
EOF
  cat >"$RUN_DIR/routes.yaml" <<EOF
routes:
  - id: origin
    match: { pathPrefix: / }
    pool: origin
    $cache_line
pools:
  - { id: origin, endpoints: [ "127.0.0.1:$ORIGIN_PORT" ] }
EOF
  [[ -f $PHALANX_JAR ]] || die "no jar at $PHALANX_JAR (mvn -B -pl node -am package -DskipTests, or set PHALANX_JAR)"
  start "$RUN_DIR/phalanx.log" "$PHALANX_JAVA" -Xms256m -Xmx512m -jar "$PHALANX_JAR" run --config "$RUN_DIR/node.yaml"
  local i
  for ((i = 0; i < 240; i++)); do
    kill -0 "${PIDS[-1]}" 2>/dev/null || die "the node exited: $(tail -20 "$RUN_DIR/phalanx.log")"
    curl -s -o /dev/null --max-time 2 -f "http://127.0.0.1:$admin/readyz" && break
    sleep 0.25
  done
  ((i < 240)) || die "the node did not become ready in 60 s: $(tail -20 "$RUN_DIR/phalanx.log")"
  TARGET_PORT=$port
}

start_nginx() { # start_nginx: nginx with proxy_cache as the suite's own nginx set-up has it (docker/nginx)
  local port nginx
  nginx=$(command -v nginx || true)
  [[ -n $nginx ]] || die "nginx is not installed (apt-get install nginx-light)"
  port=$(free_ports 1)
  mkdir -p "$RUN_DIR/nginx-cache" "$RUN_DIR/nginx-tmp"
  cat >"$RUN_DIR/nginx.conf" <<EOF
worker_processes 1;
user $(id -un) $(id -gn);
pid $RUN_DIR/nginx.pid;
error_log $RUN_DIR/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log $RUN_DIR/nginx-access.log;
    client_body_temp_path $RUN_DIR/nginx-tmp/body;
    proxy_temp_path $RUN_DIR/nginx-tmp/proxy;
    fastcgi_temp_path $RUN_DIR/nginx-tmp/fastcgi;
    uwsgi_temp_path $RUN_DIR/nginx-tmp/uwsgi;
    scgi_temp_path $RUN_DIR/nginx-tmp/scgi;
    proxy_cache_path $RUN_DIR/nginx-cache levels=1:2 keys_zone=conformance:8m max_size=100m inactive=600m;
    server {
        listen 127.0.0.1:$port;
        location / {
            proxy_pass http://127.0.0.1:$ORIGIN_PORT;
            proxy_cache conformance;
            proxy_cache_revalidate on;
        }
    }
}
EOF
  start "$RUN_DIR/nginx.log" "$nginx" -p "$RUN_DIR/" -c "$RUN_DIR/nginx.conf" -g 'daemon off;'
  wait_port "$port" 20 "${PIDS[-1]}" || die "nginx did not start: $(cat "$RUN_DIR/nginx.log" "$RUN_DIR/nginx-error.log" 2>/dev/null)"
  TARGET_PORT=$port
}

run_suite() { # run_suite NAME: the CLI against TARGET_PORT
  local name=$1 rc=0
  if [[ -n $TEST_ID ]]; then
    (cd "$SUITE_DIR" && env npm_config_base="http://127.0.0.1:$TARGET_PORT" npm_package_config_id="$TEST_ID" \
      timeout "$TIMEOUT" node --no-warnings cli.mjs) || rc=$?
    return "$rc"
  fi
  log "$name: running the suite ($SUITE_VERSION) against 127.0.0.1:$TARGET_PORT"
  (cd "$SUITE_DIR" && env npm_config_base="http://127.0.0.1:$TARGET_PORT" npm_package_config_id="" \
    timeout "$TIMEOUT" node --no-warnings cli.mjs) >"$RUN_DIR/$name.json" 2>"$RUN_DIR/$name.err" || rc=$?
  ((rc == 0)) || die "$name: the suite's CLI failed (exit $rc): $(tail -5 "$RUN_DIR/$name.err")"
  node -e 'JSON.parse(require("fs").readFileSync(process.argv[1]))' "$RUN_DIR/$name.json" 2>/dev/null ||
    die "$name: the suite's CLI wrote no JSON: $(head -c 500 "$RUN_DIR/$name.json"; tail -5 "$RUN_DIR/$name.err")"
  cp "$RUN_DIR/$name.json" "$OUT_DIR/$name.json"
  node "$SCRIPT_DIR/summarize.mjs" "$OUT_DIR/$name.json" --suite "$SUITE_DIR" --failures --target "$name" --suite-version "$SUITE_VERSION" \
    >"$OUT_DIR/$name-summary.json"
  node "$SCRIPT_DIR/summarize.mjs" "$OUT_DIR/$name.json" --suite "$SUITE_DIR" --markdown --target "$name" \
    >"$OUT_DIR/$name-failures.md"
  node -e '
    const s = JSON.parse(require("fs").readFileSync(process.argv[1]))
    console.log(`${s.target}: required ${s.required.passed} passed, ${s.required.failed} failed (of ${s.required.total}); ` +
      `optional ${s.optimal.passed} passed, ${s.optimal.failed} failed (of ${s.optimal.total})`)' "$OUT_DIR/$name-summary.json"
}

for target in "${TARGETS[@]}"; do
  start_origin
  case $target in
    phalanx)
      start_phalanx
      name=phalanx
      [[ $CACHE_SPEC != off ]] || name=phalanx-no-cache ;;
    nginx)
      start_nginx
      name=nginx ;;
  esac
  run_suite "$name"
  stop_all
done
[[ -n $TEST_ID ]] || log "result files in $OUT_DIR"
