/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer targets: a byte reader over the fuzz input and a
 * check macro that aborts (libFuzzer reports the abort as a crash and saves
 * the input; the cmocka replay tests report it as a failure).
 */
#ifndef VA_FUZZ_COMMON_H
#define VA_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A property the target checks: never compiled out (no NDEBUG dependency). */
#define FZ_CHECK(cond)                                                         \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__,        \
                    __LINE__, #cond);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

typedef struct fz_reader {
    const uint8_t *p;
    size_t n;
} fz_reader;

/* Next byte, or 0 once the input is used up (so every input is a program). */
static inline uint8_t fz_u8(fz_reader *r)
{
    uint8_t v;
    if (r->n == 0u) {
        return 0u;
    }
    v = *r->p;
    r->p++;
    r->n--;
    return v;
}

static inline uint16_t fz_u16(fz_reader *r)
{
    uint16_t lo = fz_u8(r);
    return (uint16_t)(lo | (uint16_t)(fz_u8(r) << 8));
}

/* Up to `want` bytes of the input, in place; *got says how many. */
static inline const uint8_t *fz_bytes(fz_reader *r, size_t want, size_t *got)
{
    const uint8_t *p = r->p;
    if (want > r->n) {
        want = r->n;
    }
    r->p += want;
    r->n -= want;
    *got = want;
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
