#!/bin/sh
# SPDX-License-Identifier: MIT
# `meson install` into a temporary DESTDIR, then build an embedder against
# the installed headers with pkg-config, linked to the shared and to the
# static library, and run both.
#   check.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
meson install -C "$build" --no-rebuild --destdir "$tmp" >/dev/null
pc=$(find "$tmp" -name virtagent.pc | head -1)
[ -n "$pc" ] || { echo "install: no virtagent.pc installed"; exit 1; }
pcdir=$(dirname "$pc")
# point the .pc at the DESTDIR copy
sed "s|^prefix=|prefix=$tmp|" "$pc" > "$tmp/virtagent.pc"
cflags=$(PKG_CONFIG_PATH="$tmp" pkg-config --cflags virtagent)
libs=$(PKG_CONFIG_PATH="$tmp" pkg-config --libs virtagent)
libdir=$(PKG_CONFIG_PATH="$tmp" pkg-config --variable=libdir virtagent)
cc -std=c11 -Wall -Werror "$src/tests/install/embed.c" $cflags $libs -lprotobuf-c -o "$tmp/embed_shared"
LD_LIBRARY_PATH="$libdir" "$tmp/embed_shared"
cc -std=c11 -Wall -Werror "$src/tests/install/embed.c" $cflags "$libdir/libvirtagent.a" -lprotobuf-c \
    -o "$tmp/embed_static"
"$tmp/embed_static"
for f in va_channel.h va_manager.h va_codec.h virtagent.pb-c.h; do
    [ -f "$(PKG_CONFIG_PATH="$tmp" pkg-config --variable=includedir virtagent)/virtagent/$f" ] ||
        { echo "install: header $f missing"; exit 1; }
done
echo "install: headers, pkg-config, shared and static library work for an embedder"
