#!/bin/sh
# SPDX-License-Identifier: MIT
# Eva on the framing decoder: gen/va_framing.c + the portable CRC-32C path,
# driven by proofs/eva_framing.c. Exits non-zero on any alarm
# (-eva-warn-key alarm=error: Frama-C otherwise exits 0 with alarms).
# Gated by proofs/run.sh (0 alarms; ~40 s CPU, docs/proofs.md).
# Usage: proofs/eva_framing.sh [SRC_ROOT [BUILD_DIR]]   (run.sh passes both)
set -eu
top=$(cd "${1:-$(dirname "$0")/..}" && pwd)
cd "$top"
FRAMAC=${FRAMAC:-frama-c}
want="25.0-beta (Manganese)"
have=$("$FRAMAC" -version)
if [ "$have" != "$want" ]; then
    echo "eva_framing: expected frama-c '$want', found '$have'" >&2
fi
# -c11: the sources use _Static_assert. VA_CRC32C_PORTABLE_ONLY drops the
# SSE4.2 path (intrinsics); it is the only build difference from production.
exec "$FRAMAC" -c11 -machdep x86_64 \
    -cpp-extra-args="-I$top/include -I$top/runtime -I$top/gen -DVA_CRC32C_PORTABLE_ONLY" \
    -eva -eva-warn-key alarm=error -eva-interprocedural-splits -eva-no-show-progress \
    proofs/eva_framing.c gen/va_framing.c runtime/va_crc32c.c
