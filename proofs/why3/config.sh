#!/bin/sh
# SPDX-License-Identifier: MIT
# Write the Why3 prover config that the proof runs use (z3, cvc4, cvc5).
#   proofs/why3/config.sh SRC_ROOT CONFIG_FILE
# Why3 1.5.1 detects z3 and cvc4 but not cvc5 1.0.3, which is registered
# by hand with the driver next to this script (the CVC4 driver with the
# SMT-LIB logic ALL).  Exits non-zero if a prover is missing.
set -u
top=$1
conf=$2
rm -f "$conf"
WHY3CONFIG=$conf why3 config detect >"$conf.detect.log" 2>&1 || { cat "$conf.detect.log"; exit 2; }
cat >>"$conf" <<EOF

[prover]
command = "cvc5 --tlimit-per=%t000 --lang=smt2 %f"
driver = "$top/proofs/why3/cvc5.drv"
in_place = false
interactive = false
name = "CVC5"
shortcut = "cvc5"
version = "1.0.3"
EOF
provers=$(WHY3CONFIG=$conf why3 config list-provers 2>/dev/null)
for p in "Z3 4.8.12" "CVC4 1.8" "CVC5 1.0.3"; do
    echo "$provers" | grep -qx "$p" || { echo "why3 config: prover $p not available"; exit 2; }
done
