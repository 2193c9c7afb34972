#!/bin/sh
# Compiles phalanx_rsa.c into OUT_DIR/libphalanx_rsa.so (run by the node module's Maven build, phase
# process-classes). A machine that cannot build it (no gcc, no C headers, a JRE without jni.h, not Linux x86-64)
# gets one line saying so and a jar without the shim: the node then signs RSA keys with BoringSSL.
# A compile error with everything present fails the build.
# Usage: build.sh OUT_DIR JDK_HOME
set -eu
out=$1
jdk=$2
src=$(dirname "$0")/phalanx_rsa.c
cc=${CC:-gcc}
skip() {
  echo "phalanx_rsa: not built ($1); the node will sign RSA keys with BoringSSL"
  exit 0
}
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || skip "not Linux x86-64"
command -v "$cc" >/dev/null 2>&1 || skip "no $cc (apt-get install gcc)"
printf '#include <stdio.h>\n#include <dlfcn.h>\n' | "$cc" -E -x c - >/dev/null 2>&1 ||
  skip "no C library headers (apt-get install libc6-dev)"
[ -f "$jdk/include/jni.h" ] && [ -f "$jdk/include/linux/jni_md.h" ] ||
  skip "no jni.h under $jdk/include (a JDK, not a JRE, is needed)"
mkdir -p "$out"
"$cc" -O2 -Wall -Wextra -std=c11 -D_GNU_SOURCE -fPIC -shared -fvisibility=hidden \
  -Wl,-z,noexecstack -Wl,-z,relro -Wl,-z,now \
  -I"$jdk/include" -I"$jdk/include/linux" -o "$out/libphalanx_rsa.so" "$src" -ldl
echo "phalanx_rsa: built $out/libphalanx_rsa.so"
