#!/usr/bin/env bash
# Fast checks of ansible/ (well under a minute): ansible-lint (production profile), ansible-playbook --syntax-check
# of site.yml and rolling-update.yml, and tests/render.yml (every template rendered for three nodes and checked with
# the node's validate, nft -c, systemd-analyze verify and, when installed, keepalived -t).
#   ansible/tests/check.sh [JAR]     JAR defaults to node/target/phalanx-node.jar (build it first)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$here/.." && pwd)
jar=$(realpath "${1:-$repo/node/target/phalanx-node.jar}")
cd "$here"
export ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP=${TMPDIR:-/tmp}/phalanx-ansible-$$ ANSIBLE_HOME=${TMPDIR:-/tmp}/phalanx-ansible-$$
trap 'rm -rf "$ANSIBLE_LOCAL_TEMP"' EXIT

echo "== ansible-lint"
ansible-lint --nocolor -q --profile production
echo "== syntax-check"
ansible-playbook --syntax-check site.yml rolling-update.yml

echo "== render.yml"
[ -f "$jar" ] || { echo "check.sh: $jar is missing; build it with mvn -B -DskipTests package" >&2; exit 2; }
keepalived_dir=${KEEPALIVED_DIR:-$repo/keepalived}
[ -d "$keepalived_dir/templates" ] || { echo "check.sh: no keepalived templates in $keepalived_dir" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$ANSIBLE_LOCAL_TEMP" "$out"' EXIT
nft_check="true %s"
if [ "$(id -u)" = 0 ] && command -v nft >/dev/null; then nft_check="nft -c -f %s"; fi
unit_check="true"
if command -v systemd-analyze >/dev/null; then unit_check="systemd-analyze verify --man=no"; fi
keepalived_test=false
if command -v keepalived >/dev/null; then keepalived_test=true; fi
# keepalived -t resolves script_user on this machine, which has no keepalived_script user: test with one it has
script_user=keepalived_script
id keepalived_script >/dev/null 2>&1 || script_user=nobody
ansible-playbook -i tests/inventory.yml tests/render.yml \
    -e render_out="$out" -e render_jar="$jar" -e validate_helper="$here/roles/phalanx_node/files/phalanx-validate" \
    -e keepalived_repo_dir="$keepalived_dir" -e "nft_check='$nft_check'" -e keepalived_test=$keepalived_test \
    -e keepalived_script_user=$script_user \
    -e "unit_check='$unit_check'"
echo "check.sh: ok (firewall checked with: ${nft_check%% *}, unit with: ${unit_check%% *}," \
    "keepalived -t: $keepalived_test)"
