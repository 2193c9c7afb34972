#!/usr/bin/env bash
# compression-bench.sh: what response compression costs a Phalanx node. wrk (HTTP/1.1 keep-alive) asks one node
# for a 50 KB JSON document without Accept-Encoding and with gzip, br and zstd, and asks nginx with gzip at the same
# level as a reference; all in one run, the targets interleaved in rounds. A benchmark run by hand, never a test.
# See docs/benchmarks.md#response-compression. Everything it starts is stopped by its PID when it ends.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODE_DIR=$(dirname "$SCRIPT_DIR")

DURATION=${BENCH_DURATION:-5s}
ROUNDS=${BENCH_ROUNDS:-2}
WARMUP=${BENCH_WARMUP:-4s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
OUT_DIR=${BENCH_OUT:-$NODE_DIR/target/bench-compression}
PROXY_CPU=${BENCH_PROXY_CPU:-0}
LOAD_CPU=${BENCH_LOAD_CPU:-1}
PHALANX_JAR=${PHALANX_JAR:-$NODE_DIR/target/phalanx-node.jar}
PHALANX_JAVA=${PHALANX_JAVA:-java}
BODY_BYTES=${BENCH_BODY_BYTES:-50000}
GZIP_LEVEL=5 # the node's default gzip level; nginx gets the same

case ${1:-} in
  -h | --help)
    cat <<EOF
Usage: $0   (no options; env BENCH_DURATION=5s BENCH_ROUNDS=2 BENCH_WARMUP=4s BENCH_CONNECTIONS=32
            BENCH_OUT=node/target/bench-compression BENCH_PROXY_CPU=0 BENCH_LOAD_CPU=1 BENCH_BODY_BYTES=50000
            PHALANX_JAR=node/target/phalanx-node.jar PHALANX_JAVA=java)
Build the jar first: mvn -B -DskipTests package. Installs wrk and nginx with apt-get when missing (as root).
EOF
    exit 0 ;;
  "") ;;
  *) echo "compression-bench: no options; see --help" >&2; exit 2 ;;
esac

die() { echo "compression-bench: $*" >&2; exit 1; }
log() { echo "compression-bench: $*" >&2; }
[[ -f $PHALANX_JAR ]] || die "no jar at $PHALANX_JAR (mvn -B -DskipTests package, or set PHALANX_JAR)"

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

RUN_DIR=$(mktemp -d /tmp/phalanx-compression-bench.XXXXXX)
chmod 755 "$RUN_DIR"
mkdir -p "$RUN_DIR/www" "$RUN_DIR/tmp" "$RUN_DIR/node-state" "$OUT_DIR"
rm -f "$OUT_DIR"/wrk-*.txt "$OUT_DIR/report.md"
read -r BACKEND_PORT NGINX_PORT NODE_PORT ADMIN_PORT < <(python3 -c '
import socket
s = [socket.socket() for _ in range(4)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')

# the document: JSON records with some variety, like an API listing
python3 - "$RUN_DIR/www/doc.json" "$BODY_BYTES" <<'PY'
import json, random, sys
random.seed(17)
words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
items, size = [], int(sys.argv[2])
while len(json.dumps(items)) < size:
    i = len(items)
    items.append({"id": i, "sku": "SKU-%06d" % random.randrange(10**6), "name": " ".join(random.sample(words, 3)),
                  "price": round(random.uniform(1, 500), 2), "stock": random.randrange(1000),
                  "tags": random.sample(words, 2), "active": random.random() < 0.8})
open(sys.argv[1], "w").write(json.dumps(items)[:size - 1] + "]")
PY

nginx_conf() { # nginx_conf NAME PORT LOCATION-BODY
  cat >"$RUN_DIR/$1.conf" <<EOF
worker_processes 1;
pid $RUN_DIR/$1.pid;
error_log $RUN_DIR/$1-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 10000000;
    client_body_temp_path $RUN_DIR/tmp/$1-body;
    proxy_temp_path $RUN_DIR/tmp/$1-proxy;
    fastcgi_temp_path $RUN_DIR/tmp/$1-fastcgi;
    uwsgi_temp_path $RUN_DIR/tmp/$1-uwsgi;
    scgi_temp_path $RUN_DIR/tmp/$1-scgi;
    upstream backend { server 127.0.0.1:$BACKEND_PORT; keepalive 64; }
    server {
        listen 127.0.0.1:$2;
        $3
    }
}
EOF
}
nginx_conf backend "$BACKEND_PORT" "location / { root $RUN_DIR/www; default_type application/json; gzip off; }"
nginx_conf proxy "$NGINX_PORT" "location / { proxy_pass http://backend; proxy_http_version 1.1;
            proxy_set_header Connection \"\"; gzip on; gzip_comp_level $GZIP_LEVEL; gzip_min_length 1024;
            gzip_proxied any; gzip_vary on; gzip_types application/json; }"
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
  - { id: all, match: { pathPrefix: / }, pool: backend }   # compression at its defaults
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
  --config "$RUN_DIR/node.yaml"
NODE_PID=${PIDS[-1]}
wait_url "http://127.0.0.1:$BACKEND_PORT/doc.json" 15
wait_url "http://127.0.0.1:$NGINX_PORT/doc.json" 15
wait_url "http://127.0.0.1:$ADMIN_PORT/readyz" 60
wait_url "http://127.0.0.1:$NODE_PORT/doc.json" 10

TARGETS=(node-identity node-gzip node-br node-zstd nginx-gzip)
url_of() { [[ $1 == nginx-* ]] && echo "http://127.0.0.1:$NGINX_PORT/doc.json" || echo "http://127.0.0.1:$NODE_PORT/doc.json"; }
coding_of() { echo "${1#*-}"; }
declare -A BYTES=() RPS=()
for t in "${TARGETS[@]}"; do # each answer checked: the coding asked for, and the bytes per response
  c=$(coding_of "$t")
  hdr=$(curl -s -D - -o "$RUN_DIR/out" -H "Accept-Encoding: ${c/identity/}" "$(url_of "$t")")
  [[ $c == identity ]] || grep -qi "^content-encoding: $c" <<<"$hdr" || die "$t did not answer with $c: $hdr"
  BYTES[$t]=$(stat -c %s "$RUN_DIR/out")
done

run() { # run TARGET DURATION OUT
  local c; c=$(coding_of "$1")
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$2" -H "Accept-Encoding: ${c/identity/}" "$(url_of "$1")" >"$3"
}
for t in "${TARGETS[@]}"; do log "$t: warm-up $WARMUP"; run "$t" "$WARMUP" "$OUT_DIR/wrk-$t-warmup.txt"; done
for ((r = 1; r <= ROUNDS; r++)); do
  for t in "${TARGETS[@]}"; do
    run "$t" "$DURATION" "$OUT_DIR/wrk-$t-$r.txt"
    RPS[$t,$r]=$(awk '/^Requests\/sec:/ { print $2 }' "$OUT_DIR/wrk-$t-$r.txt")
    ! grep -q "Non-2xx\|Socket errors" "$OUT_DIR/wrk-$t-$r.txt" || log "warning: $t round $r had errors (wrk-$t-$r.txt)"
    log "round $r $t: ${RPS[$t,$r]} req/s"
  done
done
kill -0 "$NODE_PID" && kill -0 "$NGINX_PID" || die "a proxy died during the run"

# figures: mean req/s over the rounds; ratios per round against the same round's runs, then averaged
mean() { awk '{ s += $1; n++ } END { printf "%.0f", s / n }'; }
ratio() { # ratio A B: mean over rounds of A/B
  local r
  for ((r = 1; r <= ROUNDS; r++)); do awk -v a="${RPS[$1,$r]}" -v b="${RPS[$2,$r]}" 'BEGIN { print a / b }'; done |
    awk '{ s += $1; n++ } END { printf "%.2f", s / n }'
}
{
  echo "# Response compression: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "$BODY_BYTES-byte JSON, wrk -t1 -c$CONNECTIONS, $ROUNDS rounds of $DURATION, proxies on CPU $PROXY_CPU, wrk and backend on CPU $LOAD_CPU."
  echo
  echo "| target | req/s | vs node identity | bytes per response |"
  echo "|---|---|---|---|"
  for t in "${TARGETS[@]}"; do
    rps=$(for ((r = 1; r <= ROUNDS; r++)); do echo "${RPS[$t,$r]}"; done | mean)
    echo "| $t | $rps | $(ratio "$t" node-identity) | ${BYTES[$t]} |"
  done
  echo
  echo "node gzip / nginx gzip: $(ratio node-gzip nginx-gzip)"
} | tee "$OUT_DIR/report.md"
