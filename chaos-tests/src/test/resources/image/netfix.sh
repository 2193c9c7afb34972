#!/bin/sh
# After `docker network disconnect` + `connect`, the container's interface comes back under another name (eth1)
# and keepalived 2.2 keeps its sockets on the old one. Give the interface its old name back and reload keepalived,
# as a host would after a NIC was re-plugged.  usage: netfix.sh ADDRESS [NAME]
addr=$1 want=${2:-eth0}
dev=$(ip -o -4 addr show | awk -v a="$addr" '{split($4, p, "/"); if (p[1] == a) print $2}' | head -n 1)
[ -n "$dev" ] || { echo "netfix: no interface has $addr" >&2; exit 1; }
if [ "$dev" != "$want" ]; then
    ip link set "$dev" down && ip link set "$dev" name "$want" && ip link set "$want" up || exit 1
fi
pid=$(cat /run/keepalived.pid 2>/dev/null)
[ -n "$pid" ] && kill -HUP "$pid"
exit 0
