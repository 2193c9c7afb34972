#!/bin/sh
# Entry point of the chaos-test containers (one image for every role).
#   node     keepalived + the Phalanx node; /etc/phalanx/node.yaml and /etc/keepalived/keepalived.conf are
#            copied in by the fixture. Address changes are logged with timestamps (ip -ts monitor) so the tests
#            can tell when a VIP arrived or left. SIGTERM drains the node; when the node exits, keepalived stops.
#   backend  NAME PORT: a small HTTP/1.1 keep-alive server answering JSON that names itself
#   etcd     ARGS...: etcd
role=$1
[ $# -gt 0 ] && shift
case "$role" in
node)
    mkdir -p /var/log/phalanx /var/log/keepalived
    chown keepalived_script /var/log/keepalived
    echo "--- start $(date -u +%Y-%m-%dT%H:%M:%S.%6N)" >> /var/log/phalanx/vip-events.log
    ip -ts monitor address >> /var/log/phalanx/vip-events.log 2>&1 &
    # Every VIP is also a local address on lo (not announced: the fixture sets arp_ignore=1, arp_announce=2), so
    # keepalived only decides which node answers ARP for it. A packet that still reaches this node after keepalived
    # removed the VIP from eth0 (the client's ARP entry is not updated yet) is accepted and answered here instead of
    # dropped, retransmitted and reset by the new holder (docs/failover.md, "Planned moves").
    for vip in $PHALANX_LOCAL_VIPS; do
        ip addr add "$vip/32" dev lo || exit 3
    done
    # keepalived 2.2.7 ends a config test of a good file with SIGTERM (143); a bad one exits 1-5 with the reasons
    keepalived -t -f /etc/keepalived/keepalived.conf 2>&1
    rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 143 ]; then
        echo "entrypoint: keepalived.conf does not pass keepalived -t (exit $rc)" >&2
        exit 3
    fi
    keepalived --dont-fork --log-console --log-detail -f /etc/keepalived/keepalived.conf &
    kpid=$!
    # shellcheck disable=SC2086
    java $JAVA_OPTS -jar /opt/phalanx/phalanx-node.jar --config /etc/phalanx/node.yaml &
    jpid=$!
    trap 'kill -TERM $jpid 2>/dev/null' TERM INT
    wait $jpid
    code=$?
    while kill -0 $jpid 2>/dev/null; do
        wait $jpid
        code=$?
    done
    echo "entrypoint: node exited with $code; stopping keepalived" >&2
    kill -TERM $kpid 2>/dev/null
    wait $kpid
    exit $code
    ;;
backend)
    exec python3 /opt/phalanx/backend.py "$@"
    ;;
etcd)
    exec etcd "$@"
    ;;
*)
    echo "entrypoint: unknown role '$role' (node, backend NAME PORT, etcd ARGS...)" >&2
    exit 2
    ;;
esac
