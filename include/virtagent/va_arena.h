/* SPDX-License-Identifier: MIT */
/*
 * va_arena: a bump allocator over a caller-owned buffer with a hard cap.
 *
 * Why: decoding a peer's message must never use more memory than the caller
 * budgeted, and the runtime never calls malloc. protobuf-c takes a
 * ProtobufCAllocator; the arena provides one whose free is a no-op, so every
 * byte a decode may touch lies inside [base, base + cap). Everything decoded
 * with an arena dies at the next va_arena_reset() (the codec resets on each
 * decode).
 *
 * Public because va_codec.h (used by the core, transports and the CLI) takes
 * an arena; the caller owns the struct and the buffer.
 */
#ifndef VIRTAGENT_VA_ARENA_H
#define VIRTAGENT_VA_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

/* Every allocation starts on this boundary, as malloc would guarantee. */
#define VA_ARENA_ALIGN (_Alignof(max_align_t))

typedef struct va_arena {
    uint8_t *base;      /* first aligned byte of the caller's buffer */
    size_t cap;         /* usable bytes from base: min(aligned length, cap) */
    size_t used;        /* bytes handed out since the last reset */
    size_t peak;        /* highest 'used' since init (sizing aid) */
    uint64_t allocs;    /* successful allocations since init */
    uint64_t failures;  /* refused allocations since init */
    ProtobufCAllocator pb; /* protobuf-c view: alloc from the arena, free no-op */
} va_arena;

/*
 * Bind 'a' to buf[0..len). The usable size is len minus the padding needed to
 * align buf, further limited to 'cap' (pass SIZE_MAX for "the whole buffer").
 * Returns VA_OK, or VA_ERR_INVAL if a is NULL or buf is NULL with len > 0.
 */
int va_arena_init(va_arena *a, void *buf, size_t len, size_t cap);

/* Forget every allocation (the memory is reused); counters are kept. */
void va_arena_reset(va_arena *a);

/*
 * 'size' bytes aligned to VA_ARENA_ALIGN, or NULL if they do not fit (the
 * failure is counted). Never overflows: any size up to SIZE_MAX is safe to
 * ask for. A zero-size request succeeds without consuming space.
 */
void *va_arena_alloc(va_arena *a, size_t size);

/* The protobuf-c allocator backed by 'a' (valid as long as 'a' is). */
ProtobufCAllocator *va_arena_allocator(va_arena *a);

/* Bytes still available (ignoring alignment padding of the next request). */
size_t va_arena_remaining(const va_arena *a);

/* Invariant: mirrors what every public function relies on. */
bool va_arena_valid(const va_arena *a);

#endif
