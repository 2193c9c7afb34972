#!/bin/sh
# keepalived track script: exit 0 while the node's admin /healthz answers 200, non-zero otherwise.
# usage: phalanx-check.sh --url http://127.0.0.1:9901 [--timeout SECONDS] [--token-file FILE]
# The curl timeout must stay below the vrrp_script timeout, so keepalived sees a failure, never a hung check.
url=http://127.0.0.1:9901 timeout=0.8 token_file=
while [ $# -gt 0 ]; do
    case "$1" in
        --url) url=$2; shift 2 ;;
        --timeout) timeout=$2; shift 2 ;;
        --token-file) token_file=$2; shift 2 ;;
        *) echo "phalanx-check: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ -n "$token_file" ] && [ -r "$token_file" ]; then
    exec curl -fsS -o /dev/null -m "$timeout" -H "Authorization: Bearer $(cat "$token_file")" "$url/healthz"
fi
exec curl -fsS -o /dev/null -m "$timeout" "$url/healthz"
