#!/bin/sh
# SPDX-License-Identifier: MIT
# Set up, build and run the demo (the README demo command).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/setup.sh >/dev/null
if [ -f build/build.ninja ]; then
    meson setup --reconfigure build >/dev/null
else
    meson setup build >/dev/null
fi
ninja -C build >/dev/null
exec "$top/build/tools/va_demo"
