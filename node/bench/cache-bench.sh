#!/usr/bin/env bash
# cache-bench.sh: cache-hit throughput and latency of one Phalanx node against nginx proxy_cache hits. Both proxies
# cache the same document from the same backend (Cache-Control: max-age=3600) and wrk (HTTP/1.1 keep-alive, with
# --latency) asks each for it in interleaved rounds of one run, and the node once more on a route without the cache
# (what a hit saves over relaying); each proxy is pinned to one core with one worker
# (the node with one event loop), wrk and the backend to the other core. Every answer is checked to be a hit before
# and the backend's request count after. A benchmark run by hand, never a test.
# See docs/benchmarks.md#cache-hits. Everything it starts is stopped by its PID when it ends.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODE_DIR=$(dirname "$SCRIPT_DIR")

DURATION=${BENCH_DURATION:-10s}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-20s}
CONNECTIONS=${BENCH_CONNECTIONS:-50}
OUT_DIR=${BENCH_OUT:-$NODE_DIR/target/bench-cache}
PROXY_CPU=${BENCH_PROXY_CPU:-0}
LOAD_CPU=${BENCH_LOAD_CPU:-1}
PHALANX_JAR=${PHALANX_JAR:-$NODE_DIR/target/phalanx-node.jar}
PHALANX_JAVA=${PHALANX_JAVA:-java}
BODY_BYTES=${BENCH_BODY_BYTES:-4096}
CACHE_SPEC=${BENCH_CACHE:-"{}"} # the node's route cache section (YAML flow)

case ${1:-} in
  -h | --help)
    cat <<EOF
Usage: $0   (no options; env BENCH_DURATION=10s BENCH_ROUNDS=3 BENCH_WARMUP=20s BENCH_CONNECTIONS=50
            BENCH_OUT=node/target/bench-cache BENCH_PROXY_CPU=0 BENCH_LOAD_CPU=1 BENCH_BODY_BYTES=4096
            BENCH_CACHE='{}' PHALANX_JAR=node/target/phalanx-node.jar PHALANX_JAVA=java)
Build the jar first: mvn -B -pl node -am package -DskipTests. Installs wrk and nginx with apt-get when missing
(as root).
EOF
    exit 0 ;;
  "") ;;
  *) echo "cache-bench: no options; see --help" >&2; exit 2 ;;
esac

die() { echo "cache-bench: $*" >&2; exit 1; }
log() { echo "cache-bench: $*" >&2; }
[[ -f $PHALANX_JAR ]] || die "no jar at $PHALANX_JAR (mvn -B -pl node -am package -DskipTests, or set PHALANX_JAR)"

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
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  [[ -n $RUN_DIR && -d $RUN_DIR ]] && rm -rf -- "$RUN_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
if ((${#missing[@]})); then
  ((EUID == 0)) || die "missing: ${missing[*]}; run as root to install them with apt-get"
  created_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then # keep the nginx package's own service from starting
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && created_policy=1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 update >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 install --no-install-recommends "${missing[@]}" >/dev/null
  ((created_policy)) && rm -f /usr/sbin/policy-rc.d
fi
export PATH=$PATH:/usr/sbin:/sbin

RUN_DIR=$(mktemp -d /tmp/phalanx-cache-bench.XXXXXX)
chmod 755 "$RUN_DIR"
mkdir -p "$RUN_DIR/www" "$RUN_DIR/tmp" "$RUN_DIR/nginx-cache" "$RUN_DIR/node-state" "$OUT_DIR"
rm -f "$OUT_DIR"/wrk-*.txt "$OUT_DIR/report.md"
read -r BACKEND_PORT NGINX_PORT NODE_PORT ADMIN_PORT < <(python3 -c '
import socket
s = [socket.socket() for _ in range(4)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')
head -c "$BODY_BYTES" /dev/urandom | base64 -w 100 | head -c "$BODY_BYTES" >"$RUN_DIR/www/page.html"

cat >"$RUN_DIR/backend.conf" <<EOF
worker_processes 1;
user $(id -un) $(id -gn);
pid $RUN_DIR/backend.pid;
error_log $RUN_DIR/backend-error.log warn;
events { worker_connections 1024; }
http {
    access_log $RUN_DIR/backend-access.log;
    client_body_temp_path $RUN_DIR/tmp/backend-body;
    proxy_temp_path $RUN_DIR/tmp/backend-proxy;
    fastcgi_temp_path $RUN_DIR/tmp/backend-fastcgi;
    uwsgi_temp_path $RUN_DIR/tmp/backend-uwsgi;
    scgi_temp_path $RUN_DIR/tmp/backend-scgi;
    server {
        listen 127.0.0.1:$BACKEND_PORT;
        location / { root $RUN_DIR/www; default_type text/html; add_header Cache-Control "max-age=3600"; }
    }
}
EOF
# nginx as a cache: one worker, the cache on disk under the run dir (a hot file stays in the page cache), hits
# served with sendfile as nginx does by default for cached files
cat >"$RUN_DIR/proxy.conf" <<EOF
worker_processes 1;
user $(id -un) $(id -gn);
pid $RUN_DIR/proxy.pid;
error_log $RUN_DIR/proxy-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 10000000;
    client_body_temp_path $RUN_DIR/tmp/proxy-body;
    proxy_temp_path $RUN_DIR/tmp/proxy-proxy;
    fastcgi_temp_path $RUN_DIR/tmp/proxy-fastcgi;
    uwsgi_temp_path $RUN_DIR/tmp/proxy-uwsgi;
    scgi_temp_path $RUN_DIR/tmp/proxy-scgi;
    proxy_cache_path $RUN_DIR/nginx-cache levels=1:2 keys_zone=bench:8m max_size=100m inactive=60m;
    upstream backend { server 127.0.0.1:$BACKEND_PORT; keepalive 16; }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache bench;
            proxy_cache_lock on;
            add_header X-Cache-Status \$upstream_cache_status;
        }
    }
}
EOF
cat >"$RUN_DIR/node.yaml" <<EOF
node: { id: bench, stateDir: $RUN_DIR/node-state, workerThreads: 1 }
listeners:
  - { name: web, bind: "127.0.0.1:$NODE_PORT" }
admin: { bind: "127.0.0.1:$ADMIN_PORT" }
config: { file: $RUN_DIR/routes.yaml }
accessLog: "off"
EOF
cat >"$RUN_DIR/routes.yaml" <<EOF
routes:
  - id: all
    match: { pathPrefix: / }
    pool: backend
    cache: $CACHE_SPEC
  - id: proxied # the same page without the cache, for what a hit saves over relaying
    match: { pathPrefix: /proxied/ }
    stripPrefix: /proxied
    pool: backend
pools:
  - { id: backend, endpoints: [ "127.0.0.1:$BACKEND_PORT" ] }
EOF

start() { # start LOG CPU CMD...
  local logf=$1 cpu=$2; shift 2
  taskset -c "$cpu" "$@" >"$OUT_DIR/$logf" 2>&1 &
  PIDS+=($!)
}
wait_url() { # wait_url URL SECONDS
  local i
  for ((i = 0; i < $2 * 4; i++)); do
    curl -s -o /dev/null --max-time 2 -f "$1" && return 0
    sleep 0.25
  done
  die "$1 did not answer within $2 s (logs in $OUT_DIR)"
}
start backend-nginx.log "$LOAD_CPU" nginx -p "$RUN_DIR/" -c "$RUN_DIR/backend.conf" -g 'daemon off;'
start proxy-nginx.log "$PROXY_CPU" nginx -p "$RUN_DIR/" -c "$RUN_DIR/proxy.conf" -g 'daemon off;'
NGINX_PID=${PIDS[-1]}
start node.log "$PROXY_CPU" "$PHALANX_JAVA" -XX:ActiveProcessorCount=1 -Xms1g -Xmx1g -Xmn768m -jar "$PHALANX_JAR" \
  run --config "$RUN_DIR/node.yaml"
NODE_PID=${PIDS[-1]}
wait_url "http://127.0.0.1:$BACKEND_PORT/page.html" 15
wait_url "http://127.0.0.1:$NGINX_PORT/page.html" 15
wait_url "http://127.0.0.1:$ADMIN_PORT/readyz" 60
wait_url "http://127.0.0.1:$NODE_PORT/page.html" 10

TARGETS=(node nginx node-no-cache)
url_of() {
  case $1 in
    nginx) echo "http://127.0.0.1:$NGINX_PORT/page.html" ;;
    node) echo "http://127.0.0.1:$NODE_PORT/page.html" ;;
    node-no-cache) echo "http://127.0.0.1:$NODE_PORT/proxied/page.html" ;;
  esac
}
for t in nginx node; do # the second request must be a hit, with the whole body
  curl -s -o /dev/null "$(url_of "$t")"
  hdr=$(curl -s -D - -o "$RUN_DIR/out" "$(url_of "$t")")
  if [[ $t == nginx ]]; then
    grep -qi '^x-cache-status: HIT' <<<"$hdr" || die "nginx did not answer from its cache: $hdr"
  else
    grep -qi '^cache-status:.*hit' <<<"$hdr" || die "the node did not answer from its cache (no Cache-Status hit): $hdr"
  fi
  cmp -s "$RUN_DIR/out" "$RUN_DIR/www/page.html" || die "$t answered another body"
done
KEEPALIVE=() # hits must keep the client's connection (wrk would otherwise reconnect for every hit)
for t in nginx node; do
  trace=$(curl -sv -o /dev/null "$(url_of "$t")" -o /dev/null "$(url_of "$t")" 2>&1 || true)
  if [[ $trace == *"Re-using existing connection"* && ${trace,,} != *"< connection: close"* ]]; then
    KEEPALIVE+=("$t: yes")
  else
    KEEPALIVE+=("$t: NO"); log "warning: $t closes the connection after a hit"
  fi
done
curl -s -o "$RUN_DIR/out" -f "$(url_of node-no-cache)" && cmp -s "$RUN_DIR/out" "$RUN_DIR/www/page.html" ||
  die "the node's route without cache did not relay the page"
backend_lines() { wc -l <"$RUN_DIR/backend-access.log"; }
backend_during=0 # requests that reached the backend while a cache was measured

parse_wrk() { # parse_wrk FILE: "rps p50_ms p99_ms errors"
  awk '
    function ms(v) {
      if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
      if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
      if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
      return v + 0
    }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { err += $NF }
    /^Requests\/sec:/ { rps = $2 }
    END { if (rps == "" || p99 == "") exit 1; printf "%.0f %.3f %.3f %d\n", rps, p50, p99, err }
  ' "$1"
}
run() { # run TARGET DURATION OUT
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$2" --latency "$(url_of "$1")" >"$3"
}
for t in "${TARGETS[@]}"; do log "$t: warm-up $WARMUP"; run "$t" "$WARMUP" "$OUT_DIR/wrk-$t-warmup.txt"; done
declare -A RPS=() P50=() P99=()
for ((r = 1; r <= ROUNDS; r++)); do
  for t in "${TARGETS[@]}"; do
    before=$(backend_lines)
    run "$t" "$DURATION" "$OUT_DIR/wrk-$t-$r.txt"
    sleep 1 # requests still in flight when wrk stopped are logged by the backend within this
    [[ $t == node-no-cache ]] || backend_during=$((backend_during + $(backend_lines) - before))
    read -r rps p50 p99 errors < <(parse_wrk "$OUT_DIR/wrk-$t-$r.txt") || die "no figures in wrk-$t-$r.txt"
    RPS[$t,$r]=$rps P50[$t,$r]=$p50 P99[$t,$r]=$p99
    ((errors == 0)) || log "warning: $t round $r had $errors errors or non-2xx answers (wrk-$t-$r.txt)"
    log "round $r $t: $rps req/s, p50 $p50 ms, p99 $p99 ms"
  done
done
kill -0 "$NODE_PID" && kill -0 "$NGINX_PID" || die "a proxy died during the run"

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { local r; for ((r = 1; r <= ROUNDS; r++)); do eval "echo \${$1[$2,$r]}"; done; }
ratio() { # ratio ARRAY TARGET: per round TARGET/nginx, then the median
  local r
  for ((r = 1; r <= ROUNDS; r++)); do eval "awk -v a=\${$1[$2,$r]} -v b=\${$1[nginx,$r]} 'BEGIN { print a / b }'"; done | median
}
{
  echo "# Cache hits: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "$BODY_BYTES-byte page, Cache-Control max-age=3600, wrk -t1 -c$CONNECTIONS --latency, warm-up $WARMUP per proxy,"
  echo "$ROUNDS interleaved rounds of $DURATION; proxies on CPU $PROXY_CPU (one worker / one event loop), wrk and backend on"
  echo "CPU $LOAD_CPU. Medians over the rounds; ratios per round, then their median."
  echo
  echo "| target | req/s | p50 (ms) | p99 (ms) | req/s vs nginx | p99 vs nginx |"
  echo "|---|---:|---:|---:|---:|---:|"
  for t in "${TARGETS[@]}"; do
    printf '| %s | %s | %s | %s | %.2f | %.2f |\n' "$t" "$(col RPS "$t" | median)" "$(col P50 "$t" | median)" \
      "$(col P99 "$t" | median)" "$(ratio RPS "$t")" "$(ratio P99 "$t")"
  done
  echo
  for t in "${TARGETS[@]}"; do
    echo "per round $t: req/s $(col RPS "$t" | tr '\n' ' ')p99 ms $(col P99 "$t" | tr '\n' ' ')"
  done
  echo "requests that reached the backend while the caches were measured: $backend_during"
  echo "hits keep the client's connection: ${KEEPALIVE[*]}"
} | tee "$OUT_DIR/report.md"
