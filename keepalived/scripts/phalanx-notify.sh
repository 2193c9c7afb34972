#!/bin/sh
# keepalived notify script: logs every VRRP transition and tells the node (POST /vrrp), so /cluster shows which
# VIPs this node holds. keepalived appends TYPE NAME STATE PRIORITY to the arguments from keepalived.conf.
# usage: phalanx-notify.sh --url http://127.0.0.1:9901 --vips "10.0.0.101 ..." [--log FILE] [--token-file FILE] \
#        TYPE NAME STATE PRIORITY
# It never blocks keepalived for long (curl gives up after 1 s) and always exits 0: a node that is down must not
# hold up a transition.
url=http://127.0.0.1:9901 vips= log=/var/log/keepalived/phalanx-vrrp.log token_file=
while [ $# -gt 0 ]; do
    case "$1" in
        --url) url=$2; shift 2 ;;
        --vips) vips=$2; shift 2 ;;
        --log) log=$2; shift 2 ;;
        --token-file) token_file=$2; shift 2 ;;
        --) shift; break ;;
        -*) echo "phalanx-notify: unknown argument $1" >&2; shift ;;
        *) break ;;
    esac
done
type=$1 name=$2 state=$3 priority=${4:-0}
case "$priority" in ''|*[!0-9]*) priority=0 ;; esac
case "$name" in *[!A-Za-z0-9_.-]*) name=invalid ;; esac
vip_json=
for v in $vips; do vip_json="$vip_json${vip_json:+,}\"$v\""; done
body="{\"instance\":\"$name\",\"state\":\"$state\",\"vips\":[$vip_json],\"priority\":$priority}"
if [ -n "$token_file" ] && [ -r "$token_file" ]; then
    code=$(curl -sS -m 1 -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        -H "Authorization: Bearer $(cat "$token_file")" -d "$body" "$url/vrrp" 2>/dev/null)
else
    code=$(curl -sS -m 1 -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        -d "$body" "$url/vrrp" 2>/dev/null)
fi
line="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ) $type $name $state priority=$priority vips=$vips node=${code:-000}"
echo "$line" >> "$log" 2>/dev/null
command -v logger >/dev/null 2>&1 && logger -t phalanx-vrrp "$line" 2>/dev/null
echo "phalanx-vrrp: $line" >&2
exit 0
