#!/usr/bin/env bash
# vip-move.sh: what becomes of a request in flight at the node when its VIP moves to another host, with and
# without listeners[].ipTransparent. A measurement run by hand (root, iproute2, python3, java), never a test.
#
# It builds four network namespaces of its own (phx-vip-a client, phx-vip-b the node, phx-vip-c the new VIP holder,
# phx-vip-s a bridge), runs the node's jar in phx-vip-b behind the VIP 10.250.0.100 with a python backend that
# answers /slow/MS/SIZE after MS milliseconds, sends one request from phx-vip-a, and while the backend holds it
# moves the VIP: deleted on b, added on c, the client's neighbour entry flushed (as a gratuitous ARP does).
# c has no socket for the connection, so it answers the client's next segment with a reset.
#
#   node/bench/vip-move.sh [SIZE...]        default sizes: 1000 4000 10000 100000 (response body bytes)
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JAR=${PHALANX_JAR:-$(dirname "$SCRIPT_DIR")/target/phalanx-node.jar}
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 4000 10000 100000)
[ "$(id -u)" = 0 ] || { echo "vip-move.sh: run as root (it makes network namespaces)" >&2; exit 2; }
[ -f "$JAR" ] || { echo "vip-move.sh: no $JAR; build it with mvn -B -DskipTests package" >&2; exit 2; }
WORK=$(mktemp -d)
NS=(a b c s)

cleanup() {
    for n in "${NS[@]}"; do ip netns del "phx-vip-$n" 2>/dev/null || true; done
}
trap 'cleanup; rm -rf "$WORK"' EXIT

cat > "$WORK/backend.py" <<'EOF'
import http.server, sys, time
MARK = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        _, ms, size = self.path.strip("/").split("/")
        open(MARK, "w").close()                      # the request reached the backend
        time.sleep(int(ms) / 1000.0)
        body = b"x" * int(size)
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", 9100), H).serve_forever()
EOF
cat > "$WORK/client.py" <<'EOF'
import socket, sys
s = socket.create_connection(("10.250.0.100", 8080), timeout=6)
s.sendall(b"GET " + sys.argv[1].encode() + b" HTTP/1.1\r\nHost: vip\r\n\r\n")
data, end = b"", "EOF"
try:
    while True:
        d = s.recv(65536)
        if not d: break
        data += d
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep and b"content-length: " in head.lower():
            if len(body) >= int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0]):
                end = "complete"; break
except OSError as e:
    end = type(e).__name__
head, _, body = data.partition(b"\r\n\r\n")
print("%s, %d body bytes, %s" % (head.split(b"\r\n")[0].decode() if head else "no response", len(body), end))
EOF

run() { # TRANSPARENT SIZE
    local t=$1 size=$2
    cleanup
    for n in "${NS[@]}"; do ip netns add "phx-vip-$n"; ip -n "phx-vip-$n" link set lo up; done
    ip -n phx-vip-s link add br0 type bridge && ip -n phx-vip-s link set br0 up
    for n in a b c; do
        ip link add "phxv$n" type veth peer name "phxp$n"
        ip link set "phxv$n" netns "phx-vip-$n"; ip link set "phxp$n" netns phx-vip-s
        ip -n phx-vip-s link set "phxp$n" master br0; ip -n phx-vip-s link set "phxp$n" up
        ip -n "phx-vip-$n" link set "phxv$n" up
    done
    ip -n phx-vip-a addr add 10.250.0.1/24 dev phxva
    ip -n phx-vip-b addr add 10.250.0.2/24 dev phxvb
    ip -n phx-vip-c addr add 10.250.0.3/24 dev phxvc
    ip -n phx-vip-b addr add 10.250.0.100/32 dev phxvb
    local d="$WORK/run-$t-$size"; mkdir -p "$d"
    printf 'routes: [ { id: all, match: { pathPrefix: / }, pool: p, timeouts: { response: 10s } } ]\npools: [ { id: p, endpoints: [ { address: "127.0.0.1:9100" } ] } ]\n' > "$d/routes.yaml"
    printf 'node: { id: b, stateDir: "%s/state" }\nlisteners: [ { name: web, bind: "0.0.0.0:8080", ipTransparent: %s } ]\nadmin: { bind: "127.0.0.1:9901" }\nconfig: { file: "%s/routes.yaml" }\naccessLog: off\n' \
        "$d" "$([ "$t" = 1 ] && echo true || echo false)" "$d" > "$d/node.yaml"
    ip netns exec phx-vip-b python3 "$WORK/backend.py" "$d/mark" & local bp=$!
    ip netns exec phx-vip-b java -jar "$JAR" --config "$d/node.yaml" > "$d/node.log" 2>&1 & local np=$!
    for _ in $(seq 150); do ip netns exec phx-vip-b curl -sf -o /dev/null http://127.0.0.1:9901/healthz && break; sleep 0.2; done
    ip netns exec phx-vip-a python3 "$WORK/client.py" "/slow/2000/$size" > "$d/client.out" 2>&1 & local cp=$!
    for _ in $(seq 200); do [ -e "$d/mark" ] && break; sleep 0.05; done
    sleep 0.2 # the request is at the backend: in flight at the node when the VIP moves
    ip -n phx-vip-b addr del 10.250.0.100/32 dev phxvb
    ip -n phx-vip-c addr add 10.250.0.100/32 dev phxvc
    ip -n phx-vip-a neigh flush to 10.250.0.100
    wait "$cp" || true
    kill "$np" "$bp" 2>/dev/null || true; wait "$np" "$bp" 2>/dev/null || true
    echo "ipTransparent=$([ "$t" = 1 ] && echo true || echo false) response=$size bytes: $(tail -1 "$d/client.out")"
}

for t in 0 1; do
    for size in "${SIZES[@]}"; do run "$t" "$size"; done
done
