#!/bin/sh
# SPDX-License-Identifier: MIT
# Install every build, test and proof dependency on Debian 12, idempotently.
# Used by both README commands and by .ci/run.
set -eu
PKGS="build-essential pkg-config python3 meson ninja-build ragel protobuf-c-compiler \
libprotobuf-c-dev libcmocka-dev frama-c-base why3 z3 cvc4 cvc5 graphviz valgrind \
clang-14 libclang-rt-14-dev qemu-guest-agent procps util-linux"
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "setup: installing:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
echo "setup: all dependencies present"
