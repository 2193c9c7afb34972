#!/usr/bin/env bash
# proxy-bench.sh: HTTP/1.1 keep-alive reverse-proxy throughput and latency of the Phalanx node, side by side
# with nginx and haproxy, all in front of the same backend and measured in the same run.
# A benchmark run by hand, never a test. See README.md beside this file.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODE_DIR=$(dirname "$SCRIPT_DIR")
TEMPLATES=$SCRIPT_DIR/templates

DURATION=${BENCH_DURATION:-10s}
ROUNDS=${BENCH_ROUNDS:-5}
WARMUP=${BENCH_WARMUP:-60s}
CLOSE_WARMUP=${BENCH_CLOSE_WARMUP:-15s}
SETTLE_RUNS=${BENCH_SETTLE_RUNS:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-50}
THREADS=${BENCH_THREADS:-1}
ONLY=${BENCH_ONLY:-nginx,haproxy,node}
OUT_DIR=${BENCH_OUT:-$NODE_DIR/target/bench}
PROXY_CPU=${BENCH_PROXY_CPU:-0}
LOAD_CPU=${BENCH_LOAD_CPU:-1}
READY_TIMEOUT=${BENCH_READY_TIMEOUT:-60}
PHALANX_JAR=${PHALANX_JAR:-$NODE_DIR/target/phalanx-node.jar}
PHALANX_JAVA=${PHALANX_JAVA:-java}
PHALANX_JAVA_OPTS=${PHALANX_JAVA_OPTS:-}
INSTALL=1
# The backend's answer: exactly 100 bytes with the newline nginx adds from the template.
BODY='phalanx bench backend: static response served by nginx over keep-alive, 100 bytes long. 0123456789a'

usage() {
  cat <<EOF
Usage: $0 [options]
  --only LIST          proxies to measure, comma-separated from nginx,haproxy,node (default: all three;
                       the direct backend run always happens)            env BENCH_ONLY
  -d, --duration D     measured wrk run per target and round, e.g. 10s (default 10s) env BENCH_DURATION
  -r, --rounds N       rounds of measured runs, targets interleaved (default 5) env BENCH_ROUNDS
  -w, --warmup D       wrk keep-alive warm-up run per target before the rounds (default 60s: the JVM needs it)
                       env BENCH_WARMUP; it follows BENCH_CLOSE_WARMUP (default 15s) of one request per
                       connection and is followed by BENCH_SETTLE_RUNS (default 3) runs of 5 s that reopen
                       the connections
  -c, --connections N  wrk connections (default 50)                      env BENCH_CONNECTIONS
  -t, --threads N      wrk threads (default 1)                           env BENCH_THREADS
  -o, --out DIR        report and raw outputs (default node/target/bench) env BENCH_OUT
  --no-install         fail instead of installing missing wrk/nginx/haproxy
Other env: PHALANX_JAR (default node/target/phalanx-node.jar), PHALANX_JAVA (java binary),
  PHALANX_JAVA_OPTS (extra JVM flags), BENCH_PROXY_CPU (default 0), BENCH_LOAD_CPU (default 1),
  BENCH_READY_TIMEOUT (seconds to wait for the node's /readyz, default 60).
EOF
}

die() { echo "proxy-bench: $*" >&2; exit 1; }
log() { echo "proxy-bench: $*" >&2; }

while (($#)); do
  case $1 in
    --only) ONLY=${2:?--only needs a list}; shift 2 ;;
    --only=*) ONLY=${1#*=}; shift ;;
    -d | --duration) DURATION=${2:?$1 needs a value}; shift 2 ;;
    --duration=*) DURATION=${1#*=}; shift ;;
    -w | --warmup) WARMUP=${2:?$1 needs a value}; shift 2 ;;
    --warmup=*) WARMUP=${1#*=}; shift ;;
    -r | --rounds) ROUNDS=${2:?$1 needs a value}; shift 2 ;;
    --rounds=*) ROUNDS=${1#*=}; shift ;;
    -c | --connections) CONNECTIONS=${2:?$1 needs a value}; shift 2 ;;
    --connections=*) CONNECTIONS=${1#*=}; shift ;;
    -t | --threads) THREADS=${2:?$1 needs a value}; shift 2 ;;
    --threads=*) THREADS=${1#*=}; shift ;;
    -o | --out) OUT_DIR=${2:?$1 needs a value}; shift 2 ;;
    --out=*) OUT_DIR=${1#*=}; shift ;;
    --no-install) INSTALL=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

for d in "$DURATION" "$WARMUP" "$CLOSE_WARMUP"; do
  [[ $d =~ ^[1-9][0-9]*[smh]?$ ]] || die "duration \"$d\" is not like 5s, 15s, 1m"
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "rounds \"$ROUNDS\" is not a positive number"
[[ $CONNECTIONS =~ ^[1-9][0-9]*$ ]] || die "connections \"$CONNECTIONS\" is not a positive number"
[[ $THREADS =~ ^[1-9][0-9]*$ ]] || die "threads \"$THREADS\" is not a positive number"
((CONNECTIONS >= THREADS)) || die "connections ($CONNECTIONS) must be at least threads ($THREADS)"
[[ $SETTLE_RUNS =~ ^[0-9]+$ ]] || die "BENCH_SETTLE_RUNS \"$SETTLE_RUNS\" is not a number"
[[ $READY_TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "BENCH_READY_TIMEOUT \"$READY_TIMEOUT\" is not a number of seconds"
declare -A WANT=()
IFS=, read -r -a only_list <<<"$ONLY"
for t in "${only_list[@]}"; do
  case $t in
    nginx | haproxy | node) WANT[$t]=1 ;;
    *) die "--only: \"$t\" is not one of nginx, haproxy, node" ;;
  esac
done

# ---- process tracking: everything we start is killed by its PID on exit ----
PIDS=()
RUN_DIR=""
CREATED_POLICY=0

untrack() {
  local keep=() p
  for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
}

# Stops one process we started: TERM, up to 5 s, then KILL; its children (nginx workers) too.
stop_pid() {
  local pid=$1 kid comm i
  local -a kids=()
  if kill -0 "$pid" 2>/dev/null; then
    while read -r kid comm; do kids+=("$kid:$comm"); done < <(ps -o pid=,comm= --ppid "$pid" 2>/dev/null || true)
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    for kid in "${kids[@]}"; do # only if the same program still holds that PID
      [[ $(ps -o comm= -p "${kid%%:*}" 2>/dev/null || true) == "${kid#*:}" ]] && kill -KILL "${kid%%:*}" 2>/dev/null || true
    done
  fi
  wait "$pid" 2>/dev/null || true
  untrack "$pid"
}

cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  ((CREATED_POLICY)) && rm -f /usr/sbin/policy-rc.d
  [[ -n $RUN_DIR && -d $RUN_DIR ]] && rm -rf -- "$RUN_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_bg LOG CMD...: runs CMD in the background, tracked; its PID goes to LAST_PID.
start_bg() {
  local logfile=$1; shift
  "$@" >"$logfile" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# ---- tools ----
ensure_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
  command -v haproxy >/dev/null || [[ -x /usr/sbin/haproxy ]] || missing+=(haproxy)
  command -v taskset >/dev/null || die "taskset is missing (package util-linux)"
  command -v python3 >/dev/null || die "python3 is missing (used to pick free ports and probe HTTP)"
  ((${#missing[@]})) || return 0
  ((INSTALL)) || die "missing: ${missing[*]}; install them or run without --no-install"
  ((EUID == 0)) || die "missing: ${missing[*]}; run as root to install them with apt-get"
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then # keep the packages' services from starting
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    CREATED_POLICY=1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 update
  DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 install --no-install-recommends "${missing[@]}"
  if ((CREATED_POLICY)); then rm -f /usr/sbin/policy-rc.d; CREATED_POLICY=0; fi
}
ensure_tools
export PATH=$PATH:/usr/sbin:/sbin
for cpu in "$PROXY_CPU" "$LOAD_CPU"; do
  taskset -c "$cpu" true 2>/dev/null || die "cannot pin to CPU $cpu (this machine has $(nproc) cores); set BENCH_PROXY_CPU / BENCH_LOAD_CPU"
done
[[ $PROXY_CPU != "$LOAD_CPU" ]] || log "warning: proxy and load generator share CPU $PROXY_CPU"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# ---- run directory, ports, configs ----
RUN_DIR=$(mktemp -d /tmp/phalanx-bench.XXXXXX)
chmod 755 "$RUN_DIR"
mkdir -p "$RUN_DIR/node-state" "$RUN_DIR/backend-tmp" "$RUN_DIR/proxy-tmp" "$OUT_DIR"
rm -rf -- "$OUT_DIR"/wrk-*.txt "$OUT_DIR"/*.log "$OUT_DIR/report.md" "$OUT_DIR/configs"
mkdir -p "$OUT_DIR/configs"

read -r BACKEND_PORT NGINX_PORT HAPROXY_PORT NODE_PORT NODE_ADMIN_PORT < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)

# render TEMPLATE OUTPUT PROXY_PORT: fills the @VARS@ of one template.
render() {
  sed -e "s|@RUN_DIR@|$RUN_DIR|g" -e "s|@BACKEND_PORT@|$BACKEND_PORT|g" -e "s|@PROXY_PORT@|$3|g" \
    -e "s|@ADMIN_PORT@|$NODE_ADMIN_PORT|g" -e "s|@BODY@|$BODY|g" "$TEMPLATES/$1" >"$RUN_DIR/$2"
  ! grep -n '@[A-Z][A-Z_]*@' "$RUN_DIR/$2" || die "template $1 has an unknown placeholder"
  cp "$RUN_DIR/$2" "$OUT_DIR/configs/$2"
}
render backend-nginx.conf backend-nginx.conf "$BACKEND_PORT"
render proxy-nginx.conf proxy-nginx.conf "$NGINX_PORT"
render haproxy.cfg haproxy.cfg "$HAPROXY_PORT"
render node.yaml node.yaml "$NODE_PORT"
render routes.yaml routes.yaml "$NODE_PORT"

# probe URL STATUS [BODY]: exit 0 when the answer matches, 1 on another answer, 2 on no answer (message on stdout).
cat >"$RUN_DIR/probe.py" <<'PY'
import sys, urllib.request, urllib.error
url, want_status = sys.argv[1], int(sys.argv[2])
want_body = sys.argv[3].encode() if len(sys.argv) > 3 else None
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never an env proxy
try:
    with opener.open(url, timeout=2) as r:
        status, body = r.status, r.read()
except urllib.error.HTTPError as e:
    status, body = e.code, e.read()
except Exception as e:
    print(f"no answer from {url}: {e}")
    sys.exit(2)
if status != want_status or (want_body is not None and body != want_body):
    print(f"{url} answered {status} {body[:200]!r}, expected {want_status}" + (" and the backend's body" if want_body else ""))
    sys.exit(1)
PY

# wait_answer NAME PID TIMEOUT URL STATUS [BODY]: waits until URL answers as expected while PID lives.
# On failure sets FAIL_REASON and returns 1.
wait_answer() {
  local name=$1 pid=$2 timeout=$3 deadline msg=""; shift 3
  deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      local rc=0; wait "$pid" 2>/dev/null || rc=$?
      FAIL_REASON="$name exited with status $rc before answering${msg:+ (last probe: $msg)}"
      return 1
    fi
    if msg=$(python3 "$RUN_DIR/probe.py" "$@"); then return 0; fi
    sleep 0.25
  done
  FAIL_REASON="$name did not answer as expected within ${timeout}s (last probe: $msg)"
  return 1
}

# ---- measurement ----
# Every target is started first and stays up (idle ones cost nothing); then the measured runs are interleaved in
# rounds (direct, nginx, haproxy, node, direct, nginx, ...), so a change in the machine's state during the run (this
# VM's speed moves by up to 20 % from one minute to the next) falls on every target alike. Figures are the medians
# over the rounds; the ratios are the medians of the per-round ratios.
declare -A RESULT=() STATUS=() PID_OF=() URL_OF=()
ORDER=(direct nginx haproxy node)
declare -A LABEL=([direct]="direct (backend, no proxy)" [nginx]=nginx [haproxy]=haproxy [node]="phalanx node")

# parse_wrk FILE: prints "rps p50_ms p99_ms non2xx socket_errors requests".
parse_wrk() {
  awk '
    function ms(v) {
      if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
      if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
      if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
      if (v ~ /m$/) return substr(v, 1, length(v) - 1) * 60000
      if (v ~ /h$/) return substr(v, 1, length(v) - 1) * 3600000
      return v + 0
    }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    / requests in / { reqs = $1 }
    /Socket errors:/ { gsub(",", ""); sock = $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { non = $NF }
    /^Requests\/sec:/ { rps = $2 }
    END { if (rps == "" || p99 == "") exit 1; printf "%.2f %.3f %.3f %d %d %d\n", rps, p50, p99, non, sock, reqs }
  ' "$1"
}

# cpu_ticks PID: CPU time (clock ticks, user + system) used so far by PID and its children (nginx workers).
cpu_ticks() {
  local p t total=0
  for p in "$1" $(ps -o pid= --ppid "$1" 2>/dev/null || true); do
    t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null) || continue
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
CLK_TCK=$(getconf CLK_TCK)

# run_wrk DURATION URL OUTFILE [WRK ARGS...]: one wrk run on the load CPU, tracked so Ctrl-C stops it.
run_wrk() {
  local rc=0 d=$1 url=$2 out=$3
  shift 3
  start_bg "$out" taskset -c "$LOAD_CPU" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$d" --latency "$@" "$url"
  local pid=$LAST_PID
  wait "$pid" || rc=$?
  untrack "$pid"
  return "$rc"
}

# warm TARGET: one request per connection, then the keep-alive warm-up run, then short runs that close and reopen
# the connections. Every target gets the same runs; they are for the JVM's JIT. Without the first phase, every
# burst of 50 new connections after a long keep-alive run made the JIT compile connection set-up code and throw away
# hot code whose type profiles had never seen it: bursts of 4-5 ms stalls for 100-200 ms at the start of each
# measured run (seen with an event-loop iteration probe and -XX:+PrintCompilation), about 1 % of the requests.
warm() {
  local target=$1 url=${URL_OF[$1]} i
  log "$target: warm-up $CLOSE_WARMUP with Connection: close, $WARMUP keep-alive, then $SETTLE_RUNS reconnecting runs of 5 s"
  run_wrk "$CLOSE_WARMUP" "$url" "$OUT_DIR/wrk-$target-warmup-close.txt" -H "Connection: close" || {
    STATUS[$target]="FAILED: wrk warm-up failed (see wrk-$target-warmup-close.txt)"; return; }
  run_wrk "$WARMUP" "$url" "$OUT_DIR/wrk-$target-warmup.txt" || {
    STATUS[$target]="FAILED: wrk warm-up failed (see wrk-$target-warmup.txt)"; return; }
  for ((i = 1; i <= SETTLE_RUNS; i++)); do
    run_wrk 5s "$url" "$OUT_DIR/wrk-$target-settle-$i.txt" || {
      STATUS[$target]="FAILED: wrk settle run failed (see wrk-$target-settle-$i.txt)"; return; }
  done
}

# measure_round TARGET R: a 1 s run that reopens the connections (not counted), then the measured run of round R.
measure_round() {
  local target=$1 r=$2 url=${URL_OF[$1]} pid=${PID_OF[$1]} parsed t0 c0 t1 c1
  run_wrk 1s "$url" "$OUT_DIR/wrk-$target-pre-$r.txt" || {
    STATUS[$target]="FAILED: wrk failed (see wrk-$target-pre-$r.txt)"; return; }
  t0=$(date +%s%N) c0=$(cpu_ticks "$pid")
  run_wrk "$DURATION" "$url" "$OUT_DIR/wrk-$target-$r.txt" || {
    STATUS[$target]="FAILED: wrk failed (see wrk-$target-$r.txt)"; return; }
  t1=$(date +%s%N) c1=$(cpu_ticks "$pid")
  kill -0 "$pid" 2>/dev/null || { STATUS[$target]="FAILED: $target died during round $r"; return; }
  parsed=$(parse_wrk "$OUT_DIR/wrk-$target-$r.txt") || {
    STATUS[$target]="FAILED: cannot read wrk-$target-$r.txt"; return; }
  # appends the process's CPU use over the run (% of one core) and requests served per CPU-second
  RESULT[$target,$r]=$(awk -v c=$((c1 - c0)) -v hz="$CLK_TCK" -v ns=$((t1 - t0)) '{
    cpu = c / hz; pct = 100 * cpu / (ns / 1e9)
    printf "%s %.0f %.0f\n", $0, pct, (cpu > 0 ? $6 / cpu : 0) }' <<<"$parsed")
  log "$target round $r: $(awk '{printf "%s req/s, p50 %s ms, p99 %s ms, errors %d, CPU %s%%", $1, $2, $3, $4 + $5, $7}' <<<"${RESULT[$target,$r]}")"
}

# start_proxy TARGET LOGNAME URL CMD...: starts one proxy on the proxy CPU and checks that it forwards.
start_proxy() {
  local target=$1 logname=$2 url=$3; shift 3
  start_bg "$OUT_DIR/$logname" taskset -c "$PROXY_CPU" "$@"
  PID_OF[$target]=$LAST_PID URL_OF[$target]=$url
  wait_answer "$target" "$LAST_PID" 15 "$url" 200 "$BODY"$'\n' || STATUS[$target]="FAILED: $FAIL_REASON (see $logname)"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "run dir $RUN_DIR, output $OUT_DIR"
log "ports: backend $BACKEND_PORT, nginx $NGINX_PORT, haproxy $HAPROXY_PORT, node $NODE_PORT (admin $NODE_ADMIN_PORT)"

start_bg "$OUT_DIR/backend-nginx.log" taskset -c "$LOAD_CPU" nginx -p "$RUN_DIR/" -e "$RUN_DIR/backend-nginx-error.log" \
  -c "$RUN_DIR/backend-nginx.conf" -g 'daemon off;'
PID_OF[direct]=$LAST_PID URL_OF[direct]="http://127.0.0.1:$BACKEND_PORT/"
wait_answer backend "${PID_OF[direct]}" 15 "${URL_OF[direct]}" 200 "$BODY"$'\n' ||
  die "the backend did not start: $FAIL_REASON; $(cat "$RUN_DIR/backend-nginx-error.log" 2>/dev/null || true)"

if [[ -n ${WANT[nginx]:-} ]]; then
  start_proxy nginx proxy-nginx.log "http://127.0.0.1:$NGINX_PORT/" \
    nginx -p "$RUN_DIR/" -e "$RUN_DIR/proxy-nginx-error.log" -c "$RUN_DIR/proxy-nginx.conf" -g 'daemon off;'
else STATUS[nginx]="skipped (--only)"; fi

if [[ -n ${WANT[haproxy]:-} ]]; then
  start_proxy haproxy haproxy.log "http://127.0.0.1:$HAPROXY_PORT/" haproxy -db -f "$RUN_DIR/haproxy.cfg"
else STATUS[haproxy]="skipped (--only)"; fi

if [[ -z ${WANT[node]:-} ]]; then
  STATUS[node]="skipped (--only)"
elif [[ ! -f $PHALANX_JAR ]]; then
  STATUS[node]="FAILED: no jar at $PHALANX_JAR (build it with mvn -B -DskipTests package, or set PHALANX_JAR)"
elif ! command -v "$PHALANX_JAVA" >/dev/null; then
  STATUS[node]="FAILED: java binary \"$PHALANX_JAVA\" not found (set PHALANX_JAVA)"
else
  # shellcheck disable=SC2086 # PHALANX_JAVA_OPTS is a list of flags
  # the collections and safepoints (node-gc.log) and the JIT's compilations (node.log) show what a bad round had
  start_bg "$OUT_DIR/node.log" taskset -c "$PROXY_CPU" "$PHALANX_JAVA" -XX:ActiveProcessorCount=1 -Xms1g -Xmx1g -Xmn768m \
    "-Xlog:gc,safepoint:file=$OUT_DIR/node-gc.log:uptime" -XX:+PrintCompilation \
    $PHALANX_JAVA_OPTS -jar "$PHALANX_JAR" --config "$RUN_DIR/node.yaml"
  PID_OF[node]=$LAST_PID URL_OF[node]="http://127.0.0.1:$NODE_PORT/"
  log "node: waiting up to ${READY_TIMEOUT}s for GET /readyz on 127.0.0.1:$NODE_ADMIN_PORT"
  if ! wait_answer node "${PID_OF[node]}" "$READY_TIMEOUT" "http://127.0.0.1:$NODE_ADMIN_PORT/readyz" 200; then
    STATUS[node]="FAILED: node never became ready: $FAIL_REASON (see node.log)"
  elif ! wait_answer node "${PID_OF[node]}" 5 "${URL_OF[node]}" 200 "$BODY"$'\n'; then
    STATUS[node]="FAILED: node is ready but does not forward to the backend: $FAIL_REASON (see node.log)"
  fi
fi

live() { [[ -n ${PID_OF[$1]:-} && -z ${STATUS[$1]:-} ]]; }
for t in "${ORDER[@]}"; do if live "$t"; then warm "$t"; fi; done
for ((r = 1; r <= ROUNDS; r++)); do
  log "round $r of $ROUNDS"
  for t in "${ORDER[@]}"; do if live "$t"; then measure_round "$t" "$r"; fi; done
done
for t in nginx haproxy node; do if [[ -n ${PID_OF[$t]:-} ]]; then stop_pid "${PID_OF[$t]}"; fi; done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- figures: medians over the rounds ----
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
field() { awk -v i="$3" '{print $i}' <<<"${RESULT[$1,$2]}"; }
measured() { [[ -z ${STATUS[$1]:-} && -n ${RESULT[$1,1]:-} ]]; }
# med TARGET FIELD: the median of one field over the rounds
med() {
  local r
  for ((r = 1; r <= ROUNDS; r++)); do
    if [[ -n ${RESULT[$1,$r]:-} ]]; then field "$1" "$r" "$2"; fi
  done | median
}
# med_ratio TARGET FIELD: the median over the rounds of TARGET's field divided by nginx's in the same round
med_ratio() {
  local r
  for ((r = 1; r <= ROUNDS; r++)); do
    if [[ -n ${RESULT[$1,$r]:-} && -n ${RESULT[nginx,$r]:-} ]]; then
      awk -v a="$(field "$1" "$r" "$2")" -v b="$(field nginx "$r" "$2")" 'BEGIN { if (b > 0) print a / b }'
    fi
  done | median
}
sum_errors() {
  local r s=0
  for ((r = 1; r <= ROUNDS; r++)); do
    if [[ -n ${RESULT[$1,$r]:-} ]]; then s=$((s + $(field "$1" "$r" 4) + $(field "$1" "$r" 5))); fi
  done
  echo "$s"
}

table() {
  echo "| target | requests/s | p50 (ms) | p99 (ms) | errors | req/s vs nginx | p99 vs nginx | CPU % | req per CPU-s |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  local t rr pr
  for t in "${ORDER[@]}"; do
    if ! measured "$t"; then
      echo "| ${LABEL[$t]} | ${STATUS[$t]:-not run} | | | | | | | |"
      continue
    fi
    rr="-" pr="-"
    if measured nginx; then
      rr=$(med_ratio "$t" 1 | xargs printf '%.2f')
      pr=$(med_ratio "$t" 3 | xargs printf '%.2f')
    fi
    printf '| %s | %.0f | %.3f | %.3f | %d | %s | %s | %.0f | %.0f |\n' "${LABEL[$t]}" "$(med "$t" 1)" "$(med "$t" 2)" \
      "$(med "$t" 3)" "$(sum_errors "$t")" "$rr" "$pr" "$(med "$t" 7)" "$(med "$t" 8)"
  done
}

rounds_table() {
  local t r line
  line="| round |"; for t in "${ORDER[@]}"; do if measured "$t"; then line+=" ${LABEL[$t]} |"; fi; done; echo "$line"
  line="|---|"; for t in "${ORDER[@]}"; do if measured "$t"; then line+="---:|"; fi; done; echo "$line"
  for ((r = 1; r <= ROUNDS; r++)); do
    line="| $r |"
    for t in "${ORDER[@]}"; do
      measured "$t" || continue
      if [[ -n ${RESULT[$t,$r]:-} ]]; then
        line+=$(awk '{ printf " %.0f req/s, p99 %.3f ms |", $1, $3 }' <<<"${RESULT[$t,$r]}")
      else line+=" - |"; fi
    done
    echo "$line"
  done
}

verdict() {
  if ! measured node || ! measured nginx; then
    echo "Floor check: not possible in this run (needs both nginx and the node measured)."
    return
  fi
  awk -v rr="$(med_ratio node 1)" -v pr="$(med_ratio node 3)" -v e="$(sum_errors node)" 'BEGIN {
    ok = (rr >= 0.8 && pr <= 1.5 && e == 0)
    printf "Floor check (node vs nginx, medians of the per-round ratios): throughput %.2fx (floor >= 0.80x) %s, p99 %.2fx (ceiling <= 1.50x) %s, node errors %d %s -> %s\n",
      rr, (rr >= 0.8 ? "ok" : "BELOW"), pr, (pr <= 1.5 ? "ok" : "ABOVE"), e, (e == 0 ? "ok" : "NOT ZERO"), (ok ? "PASS" : "FAIL")
  }'
}

# ---- report ----
first_line() { "$@" 2>&1 | head -n 1 || true; }
if [[ -f $PHALANX_JAR ]]; then
  JAR_INFO="$PHALANX_JAR ($(date -r "$PHALANX_JAR" '+%Y-%m-%d %H:%M:%S'))"
else JAR_INFO="$PHALANX_JAR (absent)"; fi

{
  echo "# Phalanx proxy benchmark"
  echo
  echo "$(date '+%Y-%m-%d %H:%M:%S %Z'), $(uname -srm), $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo))."
  echo "Load average at start $LOAD_START, at end $LOAD_END (a busy machine lowers every figure; compare ratios, not absolutes)."
  echo
  echo "HTTP/1.1 keep-alive, GET / answered by the backend with a $((${#BODY} + 1))-byte body."
  echo "wrk -t$THREADS -c$CONNECTIONS --latency. Per target: a $CLOSE_WARMUP warm-up of one request per connection, a $WARMUP"
  echo "keep-alive warm-up and $SETTLE_RUNS runs of 5 s (connections reopened); then $ROUNDS rounds, each running every target"
  echo "in turn for 1 s (not counted) and $DURATION (measured)."
  echo "Proxy pinned to CPU $PROXY_CPU (one worker/thread); backend nginx and wrk share CPU $LOAD_CPU."
  echo
  echo "Medians over the $ROUNDS rounds; the ratios are the medians of the per-round ratios to nginx."
  echo
  table
  echo
  verdict
  echo
  echo "CPU % is the measured process's own CPU time over the measured run (100 = one full core; for the direct row it"
  echo "is the backend's). A proxy well below 100 was not the bottleneck: the load CPU was; then compare req per CPU-s."
  echo "Errors are wrk's \"Non-2xx or 3xx responses\" (it counts status >= 400) plus its socket errors (connect, read,"
  echo "write, timeout), summed over the rounds."
  echo
  echo "## Rounds"
  echo
  rounds_table
  echo
  echo "## Versions"
  echo "- $(first_line nginx -v)"
  echo "- $(first_line haproxy -v)"
  echo "- $(first_line wrk -v)"
  echo "- $(first_line "$PHALANX_JAVA" -version) ($(command -v "$PHALANX_JAVA" || echo "$PHALANX_JAVA"))"
  echo "- phalanx jar: $JAR_INFO, worktree commit $(git -C "$NODE_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
  echo "Raw wrk outputs: \`wrk-<target>-warmup.txt\`, \`wrk-<target>-settle-<i>.txt\`, \`wrk-<target>-<round>.txt\`;"
  echo "process logs \`*.log\`; configs in \`configs/\`."
} >"$OUT_DIR/report.md"

echo
table
echo
rounds_table
echo
verdict
echo
echo "Report: $OUT_DIR/report.md"
for t in nginx haproxy node; do
  [[ ${STATUS[$t]:-} == FAILED* ]] && exit 1
done
exit 0
