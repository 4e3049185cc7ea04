#!/bin/sh
# SPDX-License-Identifier: MIT
# runtime/ is sans-I/O and heap-free: its objects may import only the
# symbols below (memory/string helpers the compiler may emit, the protobuf-c
# library that the codec drives with our own arena allocator, and the
# compiler's stack protector, the generated protobuf descriptors of
# libvirtagent_pb, and __assert_fail for programmer-error asserts, which
# NDEBUG builds compile out).  Anything else -- malloc, free, read, write,
# poll, clock_gettime, printf, ... -- fails this test.
set -eu
lib=$1
allowed='^(__asan_[a-z0-9_]+|__ubsan_[a-z0-9_]+|memcpy|memmove|memset|memcmp|strlen|strnlen|protobuf_c_[a-z0-9_]+|virtagent__[a-z0-9_]+|__assert_fail|__stack_chk_fail|_GLOBAL_OFFSET_TABLE_|__cpu_indicator_init|__cpu_model)$'
bad=$(nm -u "$lib" | awk '/ U /{print $2}' | sort -u | grep -Ev "$allowed" || true)
# symbols the library defines itself are resolved inside the archive
defined=$(nm --defined-only "$lib" | awk 'NF==3{print $3}' | sort -u)
out=""
for s in $bad; do
    if ! printf '%s\n' "$defined" | grep -qx "$s"; then
        out="$out $s"
    fi
done
if [ -n "$out" ]; then
    echo "runtime-symbols: FAIL - runtime/ imports forbidden symbols:$out"
    exit 1
fi
echo "runtime-symbols: ok - runtime/ imports only: $(nm -u "$lib" | awk '/ U /{print $2}' | sort -u | grep -Ev '^$' | while read s; do printf '%s\n' "$defined" | grep -qx "$s" || printf '%s ' "$s"; done)"
