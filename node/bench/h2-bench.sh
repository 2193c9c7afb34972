#!/usr/bin/env bash
# h2-bench.sh: HTTP/2 request throughput (h2c with prior knowledge, h2load) of the Phalanx node side by side with
# nginx, both in front of the same HTTP/1.1 backend and measured in the same run. A benchmark run by hand, never a
# test. See README.md beside this file.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODE_DIR=$(dirname "$SCRIPT_DIR")
TEMPLATES=$SCRIPT_DIR/templates

DURATION=${BENCH_DURATION:-15}      # seconds, measured h2load run per target
WARMUP=${BENCH_WARMUP:-30}          # seconds, h2load warm-up run before it (the JVM's JIT needs it)
CLIENTS=${BENCH_CLIENTS:-16}        # h2load connections
STREAMS=${BENCH_STREAMS:-32}        # concurrent streams per connection
ONLY=${BENCH_ONLY:-nginx,node}
OUT_DIR=${BENCH_OUT:-$NODE_DIR/target/bench-h2}
PROXY_CPU=${BENCH_PROXY_CPU:-0}
LOAD_CPU=${BENCH_LOAD_CPU:-1}
READY_TIMEOUT=${BENCH_READY_TIMEOUT:-60}
PHALANX_JAR=${PHALANX_JAR:-$NODE_DIR/target/phalanx-node.jar}
PHALANX_JAVA=${PHALANX_JAVA:-java}
PHALANX_JAVA_OPTS=${PHALANX_JAVA_OPTS:-}
BODY='phalanx bench backend: static response served by nginx over keep-alive, 100 bytes long. 0123456789a'

die() { echo "h2-bench: $*" >&2; exit 1; }
log() { echo "h2-bench: $*" >&2; }

while (($#)); do
  case $1 in
    --only) ONLY=${2:?--only needs a list}; shift 2 ;;
    -d | --duration) DURATION=${2:?$1 needs seconds}; shift 2 ;;
    -w | --warmup) WARMUP=${2:?$1 needs seconds}; shift 2 ;;
    -c | --clients) CLIENTS=${2:?$1 needs a value}; shift 2 ;;
    -m | --streams) STREAMS=${2:?$1 needs a value}; shift 2 ;;
    -o | --out) OUT_DIR=${2:?$1 needs a value}; shift 2 ;;
    -h | --help) sed -n '2,4p' "$0"; echo "options: --only nginx,node  -d SECONDS  -w SECONDS  -c CLIENTS  -m STREAMS  -o DIR"; exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
  esac
done

for t in h2load nginx taskset curl; do
  command -v "$t" >/dev/null || [[ -x /usr/sbin/$t ]] || die "$t is missing (Debian: apt-get install nghttp2-client nginx util-linux curl)"
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ ,$ONLY, != *,node,* || -f $PHALANX_JAR ]] || die "no jar at $PHALANX_JAR; build it with mvn -B -DskipTests package"

PIDS=()
RUN_DIR=$(mktemp -d /tmp/phalanx-h2-bench.XXXXXX)
mkdir -p "$OUT_DIR/configs" "$RUN_DIR/backend-tmp" "$RUN_DIR/proxy-tmp"

stop_pid() { # TERM, up to 5 s, then KILL; children (nginx workers) go with their master
  local pid=$1 i
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  rm -rf -- "$RUN_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
BACKEND_PORT=$(free_port); NGINX_PORT=$(free_port); NODE_PORT=$(free_port); NODE_ADMIN_PORT=$(free_port)

render() {
  sed -e "s|@RUN_DIR@|$RUN_DIR|g" -e "s|@BACKEND_PORT@|$BACKEND_PORT|g" -e "s|@PROXY_PORT@|$3|g" \
    -e "s|@ADMIN_PORT@|$NODE_ADMIN_PORT|g" -e "s|@BODY@|$BODY|g" "$TEMPLATES/$1" >"$RUN_DIR/$2"
  cp "$RUN_DIR/$2" "$OUT_DIR/configs/$2"
}
render backend-nginx.conf backend-nginx.conf "$BACKEND_PORT"
render proxy-nginx-h2c.conf proxy-nginx.conf "$NGINX_PORT"
render node-h2c.yaml node.yaml "$NODE_PORT"
render routes.yaml routes.yaml "$NODE_PORT"

start_bg() { local logfile=$1; shift; "$@" >"$logfile" 2>&1 & LAST_PID=$!; PIDS+=("$LAST_PID"); }

# wait_h2 URL: until a prior-knowledge HTTP/2 GET answers with the backend's body
wait_h2() {
  local i
  for ((i = 0; i < READY_TIMEOUT * 4; i++)); do
    [[ $(curl -s --max-time 2 --http2-prior-knowledge "$1" 2>/dev/null) == "$BODY" ]] && return 0
    sleep 0.25
  done
  return 1
}

cpu_ticks() { # utime+stime of a process and its children (in clock ticks)
  local pid total=0
  for pid in "$1" $(ps -o pid= --ppid "$1" 2>/dev/null); do
    [[ -r /proc/$pid/stat ]] && total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}

declare -A RESULT=()
# measure NAME URL PID: warm-up, then the measured h2load run; RESULT = "rps 2xx total failed cpu%"
measure() {
  local name=$1 url=$2 pid=${3:-} t0 t1 hz rps ok total failed cpu="-"
  log "$name: warm-up ${WARMUP}s"
  taskset -c "$LOAD_CPU" h2load -t 1 -c "$CLIENTS" -m "$STREAMS" -D "$WARMUP" "$url" >"$OUT_DIR/h2load-$name-warmup.txt" 2>&1 || true
  log "$name: measured run ${DURATION}s"
  [[ -n $pid ]] && t0=$(cpu_ticks "$pid")
  taskset -c "$LOAD_CPU" h2load -t 1 -c "$CLIENTS" -m "$STREAMS" -D "$DURATION" "$url" >"$OUT_DIR/h2load-$name.txt" 2>&1 || true
  if [[ -n $pid ]]; then
    t1=$(cpu_ticks "$pid"); hz=$(getconf CLK_TCK)
    cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v d="$DURATION" 'BEGIN { printf "%.0f", (b - a) / hz / d * 100 }')
  fi
  rps=$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' "$OUT_DIR/h2load-$name.txt")
  ok=$(awk '/^status codes:/ { print $3 }' "$OUT_DIR/h2load-$name.txt")
  total=$(awk '/^requests:/ { print $2 }' "$OUT_DIR/h2load-$name.txt")
  failed=$(awk '/^requests:/ { print $10 }' "$OUT_DIR/h2load-$name.txt")
  RESULT[$name]="${rps:-0} ${ok:-0} ${total:-0} ${failed:-?} $cpu"
}

start_bg "$OUT_DIR/backend.log" taskset -c "$LOAD_CPU" "$NGINX" -e "$RUN_DIR/backend-nginx-error.log" -p "$RUN_DIR" -c "$RUN_DIR/backend-nginx.conf" -g 'daemon off;'
BACKEND_PID=$LAST_PID
if [[ ,$ONLY, == *,nginx,* ]]; then
  start_bg "$OUT_DIR/nginx.log" taskset -c "$PROXY_CPU" "$NGINX" -e "$RUN_DIR/proxy-nginx-error.log" -p "$RUN_DIR" -c "$RUN_DIR/proxy-nginx.conf" -g 'daemon off;'
  pid=$LAST_PID
  wait_h2 "http://127.0.0.1:$NGINX_PORT/" || die "nginx does not answer h2c on $NGINX_PORT (see $OUT_DIR/nginx.log)"
  measure nginx "http://127.0.0.1:$NGINX_PORT/" "$pid"
  stop_pid "$pid"
fi
if [[ ,$ONLY, == *,node,* ]]; then
  # shellcheck disable=SC2086
  start_bg "$OUT_DIR/node.log" taskset -c "$PROXY_CPU" "$PHALANX_JAVA" -XX:ActiveProcessorCount=1 -Xms1g -Xmx1g -Xmn768m \
    $PHALANX_JAVA_OPTS -jar "$PHALANX_JAR" --config "$RUN_DIR/node.yaml"
  pid=$LAST_PID
  wait_h2 "http://127.0.0.1:$NODE_PORT/" || die "the node does not answer h2c on $NODE_PORT (see $OUT_DIR/node.log)"
  measure node "http://127.0.0.1:$NODE_PORT/" "$pid"
  stop_pid "$pid"
fi
stop_pid "$BACKEND_PID"

{
  echo "# HTTP/2 (h2c) proxy throughput, $(date -u +%FT%TZ) on $(hostname)"
  echo
  echo "h2load -t1 -c$CLIENTS -m$STREAMS, ${WARMUP}s warm-up + ${DURATION}s measured; proxy on core $PROXY_CPU, backend + h2load on core $LOAD_CPU."
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); nginx $("$NGINX" -v 2>&1 | sed 's|.*/||'); $(h2load --version | head -1)"
  echo
  echo "| proxy | req/s | 2xx | requests | failed | proxy CPU % | vs nginx |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for name in nginx node; do
    [[ -n ${RESULT[$name]:-} ]] || continue
    read -r rps ok total failed cpu <<<"${RESULT[$name]}"
    base=$(awk '{print $1}' <<<"${RESULT[nginx]:-0}")
    vs=$(awk -v a="$rps" -v b="$base" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    echo "| $name | $rps | $ok | $total | $failed | $cpu | $vs |"
  done
} | tee "$OUT_DIR/report.md"
