#!/bin/sh
# After `docker network disconnect` + `connect`, the container's interface comes back under another name (eth1)
# and keepalived 2.2.7 does not follow a deleted and re-created interface: even after a reload (SIGHUP) it may send
# adverts but receive none, and then claims every VIP. Give the interface its old name back and restart keepalived,
# as a host would after a NIC was re-plugged (systemctl restart keepalived).  usage: netfix.sh ADDRESS [NAME]
addr=$1 want=${2:-eth0}
dev=$(ip -o -4 addr show | awk -v a="$addr" '{split($4, p, "/"); if (p[1] == a) print $2}' | head -n 1)
[ -n "$dev" ] || { echo "netfix: no interface has $addr" >&2; exit 1; }
if [ "$dev" != "$want" ]; then
    ip link set "$dev" down && ip link set "$dev" name "$want" && ip link set "$want" up || exit 1
fi
pid=$(cat /run/keepalived.pid 2>/dev/null)
if [ -n "$pid" ]; then
    kill -TERM "$pid"
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
fi
# the new keepalived logs to the container's output, like the first one
nohup keepalived --dont-fork --log-console --log-detail -f /etc/keepalived/keepalived.conf >/proc/1/fd/1 2>&1 &
exit 0
