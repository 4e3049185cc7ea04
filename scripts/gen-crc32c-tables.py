#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the constant CRC-32C tables used by runtime/va_crc32c.c.

Usage: gen-crc32c-tables.py OUTPUT.h

Tables:
  va_crc32c_tab[8][256]   slicing-by-8 tables (reflected polynomial 0x82F63B78)
  va_crc32c_long[4][256]  operator "append VA_CRC32C_LONG zero bytes" (hardware 3-way path)
  va_crc32c_short[4][256] operator "append VA_CRC32C_SHORT zero bytes"
Tables are const so the runtime has no mutable global state and no init race.
"""
import sys

POLY = 0x82F63B78  # CRC-32C (Castagnoli), bit-reflected
LONG = 8192        # must match VA_CRC32C_LONG in runtime/va_crc32c.c
SHORT = 256        # must match VA_CRC32C_SHORT in runtime/va_crc32c.c


def step_byte(crc, byte):
    crc ^= byte
    for _ in range(8):
        crc = (crc >> 1) ^ (POLY if crc & 1 else 0)
    return crc


def slicing_tables():
    t0 = [step_byte(i, 0) for i in range(256)]
    tabs = [t0]
    for _ in range(7):
        prev = tabs[-1]
        tabs.append([(prev[i] >> 8) ^ t0[prev[i] & 0xFF] for i in range(256)])
    return tabs


def zeros_tables(nbytes, t0):
    # The operator is linear over GF(2): compute it on the 32 basis vectors,
    # then each table entry is the XOR of the images of its set bits.
    basis = []
    for bit in range(32):
        crc = 1 << bit
        for _ in range(nbytes):
            crc = (crc >> 8) ^ t0[crc & 0xFF]
        basis.append(crc)

    def op(x):
        r = 0
        b = 0
        while x:
            if x & 1:
                r ^= basis[b]
            x >>= 1
            b += 1
        return r

    return [[op(i << (8 * k)) for i in range(256)] for k in range(4)]


def emit(out, name, tabs):
    out.append("static const uint32_t %s[%d][256] = {" % (name, len(tabs)))
    for t in tabs:
        out.append("    {")
        for i in range(0, 256, 6):
            out.append("        " + " ".join("0x%08Xu," % v for v in t[i:i + 6]))
        out.append("    },")
    out.append("};")
    out.append("")


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: gen-crc32c-tables.py OUTPUT.h\n")
        return 2
    tabs = slicing_tables()
    out = [
        "/* SPDX-License-Identifier: MIT */",
        "/*",
        " * GENERATED FILE - DO NOT EDIT.",
        " * Source:     scripts/gen-crc32c-tables.py",
        " * Regenerate: scripts/regen-framing.sh gen/",
        " */",
        "#ifndef VA_CRC32C_TABLES_H",
        "#define VA_CRC32C_TABLES_H",
        "",
        "#include <stdint.h>",
        "",
        "#define VA_CRC32C_TABLES_LONG %du" % LONG,
        "#define VA_CRC32C_TABLES_SHORT %du" % SHORT,
        "",
    ]
    emit(out, "va_crc32c_tab", tabs)
    emit(out, "va_crc32c_long", zeros_tables(LONG, tabs[0]))
    emit(out, "va_crc32c_short", zeros_tables(SHORT, tabs[0]))
    out.append("#endif")
    with open(sys.argv[1], "w") as fh:
        fh.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
