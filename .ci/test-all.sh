#!/usr/bin/env bash
# The README's test command: installs what the tests need when it is missing, then runs every test
# (unit tests with Surefire, integration tests with Failsafe) with paranoid Netty leak detection.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }
apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "test-all: missing $*; install them (as root: apt-get install $*)" >&2
    exit 2
  fi
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

need java || apt_install openjdk-17-jdk-headless
need mvn || apt_install maven
# TLS tests: real openssl s_client and curl; the benchmark and the testssl.sh scan use h2load, nginx, testssl.sh
need openssl || apt_install openssl
need curl || apt_install curl
# the etcd ITs start their own etcd (etcd 3.4) and use etcdctl; the etcd TLS test makes certificates with openssl (installed above)
{ need etcd && need etcdctl; } || apt_install etcd-server etcd-client
# the node's build compiles its RSA signing shim (node/src/main/c) with gcc, the C library headers and the JDK's
# jni.h (in openjdk-17-jdk-headless); RsaShimTest and RsaSignerIT need it built
{ need gcc && [ -f /usr/include/stdio.h ]; } || apt_install gcc libc6-dev
# HTTP/2 tests: h2load and nghttp (Http2ProxyIT)
need h2load && need nghttp || apt_install nghttp2-client
# chaos tests (chaos-tests/): a Docker engine and its CLI (the fixture starts dockerd itself when no engine answers,
# and stops it after), debootstrap for the base image (built once, then cached by the engine), openssl (above) for
# the TLS scenarios
{ need dockerd && need docker; } || apt_install docker.io
need debootstrap || apt_install debootstrap

# ansible/: ansible-lint and ansible-playbook (Debian's ansible 7.x and ansible-lint); nft checks the firewall table
{ need ansible-playbook && need ansible-lint; } || apt_install ansible ansible-lint
need nft || apt_install nftables
# CacheConformanceIT runs node/conformance/http-cache-tests.sh: the npm package http-cache-tests (installed by the
# script with npm ci from its package-lock.json) needs node and npm
{ need node && need npm; } || apt_install nodejs npm
# keepalived -t checks the rendered keepalived.conf in ansible/tests/check.sh (its service stays off: no config)
need keepalived || apt_install keepalived

mvn -B -ntp verify "$@"
# the roles and playbooks: lint, syntax check, every template rendered for three nodes and checked (under a minute)
ansible/tests/check.sh node/target/phalanx-node.jar
