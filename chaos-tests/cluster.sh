#!/usr/bin/env bash
# The chaos suite's containerised cluster, by hand: 3 etcd, 3 Phalanx nodes with keepalived, 3 backends, VIPs.
#   chaos-tests/cluster.sh up       build what is missing (node jar, images), start dockerd if no engine answers,
#                                   start the cluster and leave it running; prints the addresses
#   chaos-tests/cluster.sh status   containers and which node holds which VIP
#   chaos-tests/cluster.sh down     remove the containers and the network; stop dockerd if `up` started it
# CHAOS_SUBNET=10.99.7.0/24 moves the bridge network (default 172.31.250.0/24). Runs the same fixture code as the
# chaos tests (dev.phalanx.chaos.cluster.ClusterMain from the test classes). Needs root (dockerd, debootstrap).
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=${1:-}
case "$cmd" in
    up|down|status) ;;
    *) echo "usage: chaos-tests/cluster.sh up|down|status" >&2; exit 2 ;;
esac
if [ "$cmd" = up ] || [ ! -f chaos-tests/target/chaos-classpath.txt ]; then
    mvn -B -ntp -q -pl chaos-tests -am -DskipTests package
fi
export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost
exec java -cp "chaos-tests/target/test-classes:$(cat chaos-tests/target/chaos-classpath.txt)" \
    -Dchaos.projectDir="$PWD" -Dchaos.reportDir="$PWD/chaos-tests/target" \
    -Dchaos.subnet="${CHAOS_SUBNET:-172.31.250.0/24}" \
    dev.phalanx.chaos.cluster.ClusterMain "$cmd"
