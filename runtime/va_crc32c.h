/* SPDX-License-Identifier: MIT */
/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by the
 * stream framing layer. zlib-style incremental API: start from 0, feed
 * pieces, the result of each call is the finished CRC of everything so far.
 *
 * Paths: portable slicing-by-8 (always built) and SSE4.2 `crc32` with a
 * 3-way interleave (x86-64 only, picked per call from the CPU feature bits
 * that libgcc fills at start-up: no syscall, no mutable state here).
 * Define VA_CRC32C_PORTABLE_ONLY to build the portable path alone (the Eva
 * proof harness does this; it is the only build-time switch).
 */
#ifndef VIRTAGENT_VA_CRC32C_H
#define VIRTAGENT_VA_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * ACSL (Frama-C WP, proofs/run.sh; docs/proofs.md "Arena, frame encoder,
 * CRC"): reads p[0..n) only, writes nothing.  The CRC value itself is not
 * specified (the tests check it against known vectors and the two paths
 * against each other).  n <= PTRDIFF_MAX: no C object is larger.
 */

/* CRC-32C of p[0..n) appended to a stream whose CRC so far is `crc` (0 to start). */
/*@
  requires n <= PTRDIFF_MAX;
  requires p == \null || \valid_read(p + (0 .. n - 1));
  assigns \nothing;
  ensures p == \null ==> \result == crc;
*/
uint32_t va_crc32c_update(uint32_t crc, const uint8_t *p, size_t n);

/* CRC-32C of p[0..n). */
/*@
  requires n <= PTRDIFF_MAX;
  requires p == \null || \valid_read(p + (0 .. n - 1));
  assigns \nothing;
  ensures p == \null ==> \result == 0;
*/
uint32_t va_crc32c(const uint8_t *p, size_t n);

/* Same result as va_crc32c_update, always through the portable tables (tests, proofs). */
/*@
  requires n <= PTRDIFF_MAX;
  requires p == \null || \valid_read(p + (0 .. n - 1));
  assigns \nothing;
  ensures p == \null ==> \result == crc;
*/
uint32_t va_crc32c_update_portable(uint32_t crc, const uint8_t *p, size_t n);

/* 1 when va_crc32c_update uses the SSE4.2 instruction on this machine, else 0. */
/*@
  assigns \nothing;
  ensures \result == 0 || \result == 1;
*/
int va_crc32c_hw_available(void);

#endif
