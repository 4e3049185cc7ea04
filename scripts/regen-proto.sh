#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerate gen/virtagent.pb-c.{c,h} from spec/virtagent.proto.
#
#   scripts/regen-proto.sh [OUTDIR]     (OUTDIR defaults to gen/)
#
# Deterministic: protoc-c runs from the repository root with a relative
# proto path, so the output never names OUTDIR or a temporary directory and a
# freshness test can regenerate into a temp dir and diff against gen/.
# Exit 77 (meson's "skipped") when protoc-c is missing or not the pinned
# version, because other versions emit different code; set
# VA_REGEN_ANY_VERSION=1 to override (and expect a diff).
set -eu

PIN_PROTOC_C="protobuf-c 1.4.1"
PIN_LIBPROTOC="libprotoc 3.21.12"

root=$(cd "$(dirname "$0")/.." && pwd)
outdir=${1:-"$root/gen"}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

if ! command -v protoc-c >/dev/null 2>&1; then
    echo "regen-proto: protoc-c not found" >&2
    exit 77
fi
ver=$(protoc-c --version 2>&1 | tr '\n' ' ')
case "$ver" in
    *"$PIN_PROTOC_C"*"$PIN_LIBPROTOC"*) ;;
    *)
        if [ "${VA_REGEN_ANY_VERSION:-0}" != 1 ]; then
            echo "regen-proto: need '$PIN_PROTOC_C' / '$PIN_LIBPROTOC', found: $ver" >&2
            exit 77
        fi
        ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Fixed working directory + relative paths: the generated files embed
# "virtagent.proto" and "virtagent.pb-c.h", never an absolute path.
cd "$root/spec"
protoc-c --proto_path=. --c_out="$tmp" virtagent.proto

for ext in c h; do
    f="virtagent.pb-c.$ext"
    {
        printf '/* SPDX-License-Identifier: MIT */\n'
        printf '/*\n'
        printf ' * GENERATED FILE - DO NOT EDIT.\n'
        printf ' * Source:     spec/virtagent.proto\n'
        printf ' * Generator:  %s / %s\n' "$PIN_PROTOC_C" "$PIN_LIBPROTOC"
        printf ' * Regenerate: scripts/regen-proto.sh [OUTDIR]\n'
        printf ' */\n'
        # protoc-c emits no #line directives; strip any so diffs stay readable.
        grep -v '^#line ' "$tmp/$f" || true
    } > "$outdir/$f.tmp"
    mv "$outdir/$f.tmp" "$outdir/$f"
done
echo "regen-proto: wrote $outdir/virtagent.pb-c.c $outdir/virtagent.pb-c.h"
