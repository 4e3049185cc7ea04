/* SPDX-License-Identifier: MIT */
/* CRC-32C: portable slicing-by-8 plus an SSE4.2 path; see va_crc32c.h. */
#include "va_crc32c.h"

#include <string.h>

#include "va_crc32c_tables.h"

/* CRC-32C is defined with an all-ones preset and an all-ones final xor. */
#define VA_CRC32C_XOROUT 0xFFFFFFFFu
/* Slicing-by-8 consumes this many bytes per table round. */
#define VA_CRC32C_SLICE 8u

#if !defined(VA_CRC32C_PORTABLE_ONLY) && defined(__x86_64__) && \
    (defined(__GNUC__) || defined(__clang__))
#define VA_CRC32C_HAVE_SSE42 1
#include <nmmintrin.h>
/*
 * Block sizes of the 3-way interleave: three independent crc32 chains hide
 * the instruction's 3-cycle latency. They must equal the lengths the zero
 * operator tables were generated for (scripts/gen-crc32c-tables.py).
 */
#define VA_CRC32C_LONG  8192u
#define VA_CRC32C_SHORT 256u
_Static_assert(VA_CRC32C_LONG == VA_CRC32C_TABLES_LONG, "regenerate CRC tables");
_Static_assert(VA_CRC32C_SHORT == VA_CRC32C_TABLES_SHORT, "regenerate CRC tables");
#else
#define VA_CRC32C_HAVE_SSE42 0
#endif

/*
 * Raw (no pre/post xor) slicing-by-8 over p[0..n). Indexed rather than
 * pointer-bumping so Eva bounds every read from `i + 8 <= n` alone.
 */
/*@
  requires n <= PTRDIFF_MAX;
  requires \valid_read(p + (0 .. n - 1));
  assigns \nothing;
*/
static uint32_t va_crc32c_raw_sw(uint32_t crc, const uint8_t *p, size_t n)
{
    size_t i = 0;
    /* i <= PTRDIFF_MAX (not i <= n): enough for WP (i + 8 cannot wrap) and
     * provable by Eva's intervals too (proofs/eva_framing.sh checks it). */
    /*@ loop invariant i <= PTRDIFF_MAX;
        loop assigns i, crc;
        loop variant n - i; */
    while (i + VA_CRC32C_SLICE <= n) {
        /* Byte order: the table layout assumes the first byte is lowest. */
        uint32_t lo = crc ^ ((uint32_t)p[i] | ((uint32_t)p[i + 1u] << 8) |
                             ((uint32_t)p[i + 2u] << 16) | ((uint32_t)p[i + 3u] << 24));
        uint32_t hi = (uint32_t)p[i + 4u] | ((uint32_t)p[i + 5u] << 8) |
                      ((uint32_t)p[i + 6u] << 16) | ((uint32_t)p[i + 7u] << 24);
        /* Every index masked, also >> 24 (no-op, same code): WP bounds each
         * index from the mask alone. */
        crc = va_crc32c_tab[7][lo & 0xFFu] ^ va_crc32c_tab[6][(lo >> 8) & 0xFFu] ^
              va_crc32c_tab[5][(lo >> 16) & 0xFFu] ^ va_crc32c_tab[4][(lo >> 24) & 0xFFu] ^
              va_crc32c_tab[3][hi & 0xFFu] ^ va_crc32c_tab[2][(hi >> 8) & 0xFFu] ^
              va_crc32c_tab[1][(hi >> 16) & 0xFFu] ^ va_crc32c_tab[0][(hi >> 24) & 0xFFu];
        i += VA_CRC32C_SLICE;
    }
    /*@ loop invariant i <= PTRDIFF_MAX;
        loop assigns i, crc;
        loop variant n - i; */
    while (i < n) {
        crc = (crc >> 8) ^ va_crc32c_tab[0][(crc ^ p[i]) & 0xFFu];
        i++;
    }
    return crc;
}

uint32_t va_crc32c_update_portable(uint32_t crc, const uint8_t *p, size_t n)
{
    if (p == NULL) {
        return crc;
    }
    return va_crc32c_raw_sw(crc ^ VA_CRC32C_XOROUT, p, n) ^ VA_CRC32C_XOROUT;
}

#if VA_CRC32C_HAVE_SSE42
static uint64_t va_crc32c_load64(const uint8_t *p)
{
    uint64_t v;
    /* memcpy: unaligned-safe, compiles to one load. */
    memcpy(&v, p, sizeof v);
    return v;
}

/* Apply a precomputed "append N zero bytes" operator to a raw CRC. */
static uint32_t va_crc32c_shift(const uint32_t zeros[4][256], uint32_t crc)
{
    return zeros[0][crc & 0xFFu] ^ zeros[1][(crc >> 8) & 0xFFu] ^
           zeros[2][(crc >> 16) & 0xFFu] ^ zeros[3][crc >> 24];
}

/*
 * Raw hardware CRC. Three chains over consecutive blocks, then merged:
 * crc(A|B) = shift_len(B)(crc(A)) ^ crc_from_zero(B).
 */
__attribute__((target("sse4.2")))
static uint32_t va_crc32c_raw_hw(uint32_t crc, const uint8_t *p, size_t n)
{
    uint64_t c0 = crc;

    while (n >= 3u * VA_CRC32C_LONG) {
        uint64_t c1 = 0;
        uint64_t c2 = 0;
        const uint8_t *end = p + VA_CRC32C_LONG;
        do {
            c0 = _mm_crc32_u64(c0, va_crc32c_load64(p));
            c1 = _mm_crc32_u64(c1, va_crc32c_load64(p + VA_CRC32C_LONG));
            c2 = _mm_crc32_u64(c2, va_crc32c_load64(p + 2u * VA_CRC32C_LONG));
            p += sizeof(uint64_t);
        } while (p < end);
        c0 = va_crc32c_shift(va_crc32c_long, (uint32_t)c0) ^ c1;
        c0 = va_crc32c_shift(va_crc32c_long, (uint32_t)c0) ^ c2;
        p += 2u * VA_CRC32C_LONG;
        n -= 3u * VA_CRC32C_LONG;
    }
    while (n >= 3u * VA_CRC32C_SHORT) {
        uint64_t c1 = 0;
        uint64_t c2 = 0;
        const uint8_t *end = p + VA_CRC32C_SHORT;
        do {
            c0 = _mm_crc32_u64(c0, va_crc32c_load64(p));
            c1 = _mm_crc32_u64(c1, va_crc32c_load64(p + VA_CRC32C_SHORT));
            c2 = _mm_crc32_u64(c2, va_crc32c_load64(p + 2u * VA_CRC32C_SHORT));
            p += sizeof(uint64_t);
        } while (p < end);
        c0 = va_crc32c_shift(va_crc32c_short, (uint32_t)c0) ^ c1;
        c0 = va_crc32c_shift(va_crc32c_short, (uint32_t)c0) ^ c2;
        p += 2u * VA_CRC32C_SHORT;
        n -= 3u * VA_CRC32C_SHORT;
    }
    while (n >= sizeof(uint64_t)) {
        c0 = _mm_crc32_u64(c0, va_crc32c_load64(p));
        p += sizeof(uint64_t);
        n -= sizeof(uint64_t);
    }
    uint32_t c = (uint32_t)c0;
    while (n > 0u) {
        c = _mm_crc32_u8(c, *p);
        p++;
        n--;
    }
    return c;
}

static int va_crc32c_cpu_has_sse42(void)
{
    /* Reads the feature word libgcc/compiler-rt filled at start-up. */
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}
#endif

int va_crc32c_hw_available(void)
{
#if VA_CRC32C_HAVE_SSE42
    return va_crc32c_cpu_has_sse42();
#else
    return 0;
#endif
}

uint32_t va_crc32c_update(uint32_t crc, const uint8_t *p, size_t n)
{
    if (p == NULL) {
        return crc;
    }
#if VA_CRC32C_HAVE_SSE42
    if (va_crc32c_cpu_has_sse42()) {
        return va_crc32c_raw_hw(crc ^ VA_CRC32C_XOROUT, p, n) ^ VA_CRC32C_XOROUT;
    }
#endif
    return va_crc32c_raw_sw(crc ^ VA_CRC32C_XOROUT, p, n) ^ VA_CRC32C_XOROUT;
}

uint32_t va_crc32c(const uint8_t *p, size_t n)
{
    return va_crc32c_update(0u, p, n);
}
