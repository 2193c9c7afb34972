#!/usr/bin/env bash
# tls-bench.sh: TLS handshakes per second of the Phalanx node side by side with nginx, in the same run: full
# TLS 1.3 handshakes (a new session every connection) and resumed TLS 1.3 handshakes (session tickets), one
# HTTP/1.0 request per connection. A benchmark run by hand, never a test. See README.md beside this file.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODE_DIR=$(dirname "$SCRIPT_DIR")
TEMPLATES=$SCRIPT_DIR/templates

DURATION=${BENCH_DURATION:-15}
WARMUP=${BENCH_WARMUP:-30}
CLIENTS=${BENCH_CLIENTS:-4}
KEY=${BENCH_KEY:-rsa}
RSA_SIGNER=${BENCH_RSA_SIGNER:-auto}
ONLY=${BENCH_ONLY:-nginx,node}
OUT_DIR=${BENCH_OUT:-$NODE_DIR/target/tls-bench}
PROXY_CPU=${BENCH_PROXY_CPU:-0}
LOAD_CPU=${BENCH_LOAD_CPU:-1}
READY_TIMEOUT=${BENCH_READY_TIMEOUT:-60}
PHALANX_JAR=${PHALANX_JAR:-$NODE_DIR/target/phalanx-node.jar}
PHALANX_JAVA=${PHALANX_JAVA:-java}
PHALANX_JAVA_OPTS=${PHALANX_JAVA_OPTS:-}
BODY='phalanx bench backend: static response served by nginx over keep-alive, 100 bytes long. 0123456789a'

usage() {
  cat <<USAGE
Usage: $0 [options]
  --only LIST          targets from nginx,node (default both)                 env BENCH_ONLY
  -d, --duration S     seconds measured per target and mode (default 15)      env BENCH_DURATION
  -w, --warmup S       seconds of full handshakes before measuring (default 30; the JVM needs it) env BENCH_WARMUP
  -c, --clients N      parallel openssl s_time clients (default 4)            env BENCH_CLIENTS
  -k, --key rsa|ecdsa  server key: RSA 2048 or ECDSA P-256 (default rsa)      env BENCH_KEY
  --rsa-signer MODE    the node's tls.rsaSigner: auto, libcrypto, boringssl (default auto) env BENCH_RSA_SIGNER
  -o, --out DIR        report and raw outputs (default node/target/tls-bench) env BENCH_OUT
Other env: PHALANX_JAR, PHALANX_JAVA, PHALANX_JAVA_OPTS, BENCH_PROXY_CPU (default 0), BENCH_LOAD_CPU (default 1),
  BENCH_READY_TIMEOUT (seconds to wait for the node's /readyz, default 60).
USAGE
}

die() { echo "tls-bench: $*" >&2; exit 1; }
log() { echo "tls-bench: $*" >&2; }

while (($#)); do
  case $1 in
    --only) ONLY=${2:?--only needs a list}; shift 2 ;;
    -d | --duration) DURATION=${2:?$1 needs a value}; shift 2 ;;
    -w | --warmup) WARMUP=${2:?$1 needs a value}; shift 2 ;;
    -c | --clients) CLIENTS=${2:?$1 needs a value}; shift 2 ;;
    -k | --key) KEY=${2:?$1 needs a value}; shift 2 ;;
    --rsa-signer) RSA_SIGNER=${2:?$1 needs a value}; shift 2 ;;
    -o | --out) OUT_DIR=${2:?$1 needs a value}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
done
[[ $KEY == rsa || $KEY == ecdsa ]] || die "--key is rsa or ecdsa"
[[ $RSA_SIGNER == auto || $RSA_SIGNER == libcrypto || $RSA_SIGNER == boringssl ]] ||
  die "--rsa-signer is auto, libcrypto or boringssl"
declare -A WANT=()
IFS=, read -ra picked <<<"$ONLY"
for t in "${picked[@]}"; do
  [[ $t == nginx || $t == node ]] || die "--only takes nginx and/or node, not $t"
  WANT[$t]=1
done
[[ -z ${WANT[node]:-} || -f $PHALANX_JAR ]] || die "no jar at $PHALANX_JAR; build it with mvn -B -DskipTests package"
for tool in openssl nginx taskset python3; do
  command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || die "$tool is missing (apt-get install openssl nginx util-linux python3)"
done
export PATH=$PATH:/usr/sbin:/sbin
for cpu in "$PROXY_CPU" "$LOAD_CPU"; do
  taskset -c "$cpu" true 2>/dev/null || die "cannot pin to CPU $cpu; set BENCH_PROXY_CPU / BENCH_LOAD_CPU"
done

PIDS=()
RUN_DIR=
untrack() { local keep=() p; for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done; PIDS=("${keep[@]}"); }
stop_pid() { # TERM, then KILL after 5 s; only our own children
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  untrack "$pid"
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
start_bg() { local logfile=$1; shift; "$@" >"$logfile" 2>&1 & LAST_PID=$!; PIDS+=("$LAST_PID"); }

RUN_DIR=$(mktemp -d /tmp/phalanx-tls-bench.XXXXXX)
chmod 755 "$RUN_DIR"
mkdir -p "$RUN_DIR/node-state" "$RUN_DIR/backend-tmp" "$RUN_DIR/proxy-tmp" "$OUT_DIR/configs"
rm -f "$OUT_DIR"/s_time-*.txt "$OUT_DIR"/*.log "$OUT_DIR/report.md"
read -r BACKEND_PORT NGINX_PORT NODE_PORT NODE_ADMIN_PORT < <(python3 -c '
import socket
s = [socket.socket() for _ in range(4)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))')

# the server certificate, made for this run
if [[ $KEY == rsa ]]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$RUN_DIR/server.key" 2>/dev/null
else
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$RUN_DIR/server.key" 2>/dev/null
fi
openssl req -x509 -key "$RUN_DIR/server.key" -out "$RUN_DIR/server.crt" -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost 2>/dev/null

render() {
  sed -e "s|@RUN_DIR@|$RUN_DIR|g" -e "s|@BACKEND_PORT@|$BACKEND_PORT|g" -e "s|@PROXY_PORT@|$3|g" \
    -e "s|@ADMIN_PORT@|$NODE_ADMIN_PORT|g" -e "s|@BODY@|$BODY|g" -e "s|@RSA_SIGNER@|$RSA_SIGNER|g" "$TEMPLATES/$1" >"$RUN_DIR/$2"
  ! grep -n '@[A-Z][A-Z_]*@' "$RUN_DIR/$2" || die "template $1 has an unknown placeholder"
  cp "$RUN_DIR/$2" "$OUT_DIR/configs/$2"
}
render backend-nginx.conf backend-nginx.conf "$BACKEND_PORT"
render tls-nginx.conf proxy-nginx.conf "$NGINX_PORT"
render tls-node.yaml node.yaml "$NODE_PORT"
render routes.yaml routes.yaml "$NODE_PORT"

# probe_tls PORT: 0 when a TLS GET / through the proxy returns the backend's body
probe_tls() {
  printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 openssl s_client -connect "127.0.0.1:$1" -servername localhost \
    -quiet -ign_eof 2>/dev/null | grep -q "0123456789a"
}
wait_ready() { # NAME PID PORT
  local deadline=$((SECONDS + READY_TIMEOUT))
  while ((SECONDS < deadline)); do
    kill -0 "$2" 2>/dev/null || { FAIL_REASON="$1 exited before answering"; return 1; }
    probe_tls "$3" && return 0
    sleep 0.5
  done
  FAIL_REASON="$1 did not answer over TLS within ${READY_TIMEOUT}s"
  return 1
}

cpu_ticks() { # PID: user+system clock ticks of PID and its children
  local p t total=0
  for p in "$1" $(ps -o pid= --ppid "$1" 2>/dev/null || true); do
    t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null) || continue
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
CLK_TCK=$(getconf CLK_TCK)

# run_clients MODE SECONDS PORT OUTPREFIX: CLIENTS parallel s_time on the load CPU; prints connections made
run_clients() {
  local mode=$1 secs=$2 port=$3 prefix=$4 i pids=() total=0 n
  for ((i = 0; i < CLIENTS; i++)); do
    start_bg "$prefix-$i.txt" taskset -c "$LOAD_CPU" openssl s_time -connect "127.0.0.1:$port" -tls1_3 \
      "-$mode" -time "$secs" -www /
    pids+=("$LAST_PID")
  done
  for i in "${pids[@]}"; do wait "$i" || true; untrack "$i"; done
  for ((i = 0; i < CLIENTS; i++)); do
    # "1234 connections in 15 real seconds, ..." (the last such line is the run's total)
    n=$(awk '/connections in [0-9]+ real seconds/ { c = $1 } END { print c + 0 }' "$prefix-$i.txt")
    total=$((total + n))
  done
  echo "$total"
}

declare -A RESULT=() STATUS=()
# measure TARGET PID PORT: warm-up, then full and resumed runs with the proxy's CPU use
measure() {
  local target=$1 pid=$2 port=$3 mode n t0 c0 t1 c1
  log "$target: warm-up ${WARMUP}s of full handshakes"
  run_clients new "$WARMUP" "$port" "$OUT_DIR/s_time-$target-warmup" >/dev/null
  for mode in new reuse; do
    log "$target: measuring $mode for ${DURATION}s"
    t0=$(date +%s%N) c0=$(cpu_ticks "$pid")
    n=$(run_clients "$mode" "$DURATION" "$port" "$OUT_DIR/s_time-$target-$mode")
    t1=$(date +%s%N) c1=$(cpu_ticks "$pid")
    kill -0 "$pid" 2>/dev/null || { STATUS[$target]="FAILED: $target died during the run"; return; }
    RESULT[$target-$mode]=$(awk -v n="$n" -v c=$((c1 - c0)) -v hz="$CLK_TCK" -v ns=$((t1 - t0)) 'BEGIN {
      secs = ns / 1e9; cpu = c / hz
      printf "%.0f %.0f %.0f\n", n / secs, 100 * cpu / secs, (cpu > 0 ? n / cpu : 0) }')
    log "$target $mode: $(awk '{printf "%s handshakes/s, proxy CPU %s%%, %s per CPU-second", $1, $2, $3}' <<<"${RESULT[$target-$mode]}")"
  done
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
start_bg "$OUT_DIR/backend-nginx.log" taskset -c "$LOAD_CPU" nginx -p "$RUN_DIR/" -e "$RUN_DIR/backend-nginx-error.log" \
  -c "$RUN_DIR/backend-nginx.conf" -g 'daemon off;'
sleep 1

if [[ -n ${WANT[nginx]:-} ]]; then
  start_bg "$OUT_DIR/proxy-nginx.log" taskset -c "$PROXY_CPU" nginx -p "$RUN_DIR/" -e "$RUN_DIR/proxy-nginx-error.log" \
    -c "$RUN_DIR/proxy-nginx.conf" -g 'daemon off;'
  pid=$LAST_PID
  if wait_ready nginx "$pid" "$NGINX_PORT"; then measure nginx "$pid" "$NGINX_PORT"; else STATUS[nginx]="FAILED: $FAIL_REASON"; fi
  stop_pid "$pid"
fi
if [[ -n ${WANT[node]:-} ]]; then
  # shellcheck disable=SC2086
  start_bg "$OUT_DIR/node.log" taskset -c "$PROXY_CPU" "$PHALANX_JAVA" -XX:ActiveProcessorCount=1 -Xms1g -Xmx1g -Xmn768m \
    $PHALANX_JAVA_OPTS -jar "$PHALANX_JAR" --config "$RUN_DIR/node.yaml"
  pid=$LAST_PID
  if wait_ready node "$pid" "$NODE_PORT"; then measure node "$pid" "$NODE_PORT"; else STATUS[node]="FAILED: $FAIL_REASON"; fi
  stop_pid "$pid"
fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo "# TLS handshake benchmark"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(openssl version | cut -d' ' -f1-2) clients; server key $KEY;"
  signer=$(grep -ho 'RSA handshakes signed by .*' "$OUT_DIR/node.log" 2>/dev/null | head -1 || true)
  [[ -z $signer ]] || echo "node (rsaSigner: $RSA_SIGNER): $signer."
  echo "TLS 1.3, one HTTP/1.0 GET per connection; $CLIENTS parallel \`openssl s_time\` on CPU $LOAD_CPU (with the backend),"
  echo "proxy on CPU $PROXY_CPU; warm-up ${WARMUP}s, ${DURATION}s measured per mode; load average before/after: $LOAD_START / $LOAD_END."
  echo
  echo "| target | full handshakes/s | proxy CPU % | full per CPU-s | resumed handshakes/s | proxy CPU % | resumed per CPU-s |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for t in nginx node; do
    [[ -n ${WANT[$t]:-} ]] || continue
    if [[ -n ${STATUS[$t]:-} || -z ${RESULT[$t-new]:-} ]]; then echo "| $t | ${STATUS[$t]:-no result} | | | | | |"; continue; fi
    read -r fr fc fp <<<"${RESULT[$t-new]}"
    read -r rr rc rp <<<"${RESULT[$t-reuse]}"
    echo "| $t | $fr | $fc | $fp | $rr | $rc | $rp |"
  done
  if [[ -n ${RESULT[nginx-new]:-} && -n ${RESULT[node-new]:-} ]]; then
    echo
    awk -v a="${RESULT[node-new]}" -v b="${RESULT[nginx-new]}" -v c="${RESULT[node-reuse]}" -v d="${RESULT[nginx-reuse]}" 'BEGIN {
      split(a, A, " "); split(b, B, " "); split(c, C, " "); split(d, D, " ")
      printf "node / nginx: full %.2f (per CPU-second %.2f), resumed %.2f (per CPU-second %.2f)\n",
        A[1] / B[1], (B[3] > 0 ? A[3] / B[3] : 0), C[1] / D[1], (D[3] > 0 ? C[3] / D[3] : 0) }'
  fi
} | tee "$OUT_DIR/report.md"
for t in nginx node; do [[ -z ${STATUS[$t]:-} ]] || exit 1; done
