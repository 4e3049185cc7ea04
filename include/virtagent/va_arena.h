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
#ifdef __FRAMAC__
/* Frama-C 25 cannot parse _Alignof: the proof uses the x86-64 value, which
 * va_arena.c checks at compile time (docs/proofs.md, Assumptions). */
#define VA_ARENA_ALIGN ((size_t)16)
#else
#define VA_ARENA_ALIGN (_Alignof(max_align_t))
#endif

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
 * protobuf-c's alloc/free for an arena (allocator_data is the arena); what
 * va_arena_allocator() hands out.  Public only so the invariant below can
 * name them; call va_arena_alloc() instead.  Contracts below the invariant.
 */
void *va_arena_pb_alloc(void *allocator_data, size_t size);
void va_arena_pb_free(void *allocator_data, void *pointer);

/*
 * ACSL (proved by Frama-C WP, proofs/run.sh; docs/proofs.md "Arena").
 * va_arena_fields: what va_arena_valid() checks, field by field.
 * va_arena_inv: that, plus the memory facts a caller of va_arena_init
 * promised (the buffer stays valid and does not hold the struct).
 */
/*@
  predicate va_arena_fields{L}(va_arena *a) =
    (a->base == \null ==> a->cap == 0) &&
    (uintptr_t)a->base % VA_ARENA_ALIGN == 0 &&
    a->used <= a->peak <= a->cap &&
    a->pb.allocator_data == (void *)a &&
    a->pb.alloc == &va_arena_pb_alloc && a->pb.free == &va_arena_pb_free;

  predicate va_arena_inv{L}(va_arena *a) =
    \valid(a) && va_arena_fields(a) &&
    \valid(a->base + (0 .. a->cap - 1)) &&
    \separated(a, a->base + (0 .. a->cap - 1));
*/

/*@
  requires allocator_data == \null || va_arena_inv((va_arena *)allocator_data);
  assigns ((va_arena *)allocator_data)->used, ((va_arena *)allocator_data)->peak,
          ((va_arena *)allocator_data)->allocs, ((va_arena *)allocator_data)->failures;
  ensures allocator_data != \null ==> va_arena_inv((va_arena *)allocator_data);
  ensures \result != \null ==> \valid((uint8_t *)\result + (0 .. size - 1));
*/
void *va_arena_pb_alloc(void *allocator_data, size_t size);
/*@ assigns \nothing; */
void va_arena_pb_free(void *allocator_data, void *pointer);

/*
 * Bind 'a' to buf[0..len). The usable size is len minus the padding needed to
 * align buf, further limited to 'cap' (pass SIZE_MAX for "the whole buffer").
 * Returns VA_OK, or VA_ERR_INVAL if a is NULL or buf is NULL with len > 0.
 */
/*@
  requires a == \null || \valid(a);
  requires buf == \null || \valid((uint8_t *)buf + (0 .. len - 1));
  requires a != \null && buf != \null ==> \separated(a, (uint8_t *)buf + (0 .. len - 1));
  assigns *a;
  behavior inval:
    assumes a == \null || (buf == \null && len > 0);
    assigns \nothing;
    ensures \result == VA_ERR_INVAL;
  behavior ok:
    assumes a != \null && (buf != \null || len == 0);
    assigns *a;
    ensures \result == VA_OK;
    ensures va_arena_inv(a);
    ensures a->used == 0 && a->peak == 0 && a->allocs == 0 && a->failures == 0;
    ensures a->cap <= cap && a->cap <= len;
    ensures buf == \null ==> a->base == \null;
    ensures a->base != \null ==>
      0 <= a->base - (uint8_t *)buf < VA_ARENA_ALIGN &&
      a->base - (uint8_t *)buf <= len &&
      a->cap == \min(len - (a->base - (uint8_t *)buf), cap);
  complete behaviors;
  disjoint behaviors;
*/
int va_arena_init(va_arena *a, void *buf, size_t len, size_t cap);

/* Forget every allocation (the memory is reused); counters are kept. */
/*@
  requires a == \null || va_arena_inv(a);
  assigns a->used;
  behavior null:
    assumes a == \null;
    assigns \nothing;
  behavior ok:
    assumes a != \null;
    assigns a->used;
    ensures a->used == 0;
    ensures va_arena_inv(a);
  complete behaviors;
  disjoint behaviors;
*/
void va_arena_reset(va_arena *a);

/*
 * 'size' bytes aligned to VA_ARENA_ALIGN, or NULL if they do not fit (the
 * failure is counted). Never overflows: any size up to SIZE_MAX is safe to
 * ask for. A zero-size request succeeds without consuming space.
 */
/*@
  requires a == \null || va_arena_inv(a);
  assigns a->used, a->peak, a->allocs, a->failures;
  behavior null:
    assumes a == \null;
    assigns \nothing;
    ensures \result == \null;
  behavior no_base:
    assumes a != \null && a->base == \null;
    assigns a->failures;
    ensures \result == \null;
    ensures a->failures == (uint64_t)(\old(a->failures) + 1);
    ensures va_arena_inv(a);
  behavior too_big:
    assumes a != \null && a->base != \null && size > a->cap - a->used;
    assigns a->failures;
    ensures \result == \null;
    ensures a->failures == (uint64_t)(\old(a->failures) + 1);
    ensures va_arena_inv(a);
  behavior ok:
    assumes a != \null && a->base != \null && size <= a->cap - a->used;
    assigns a->used, a->peak, a->allocs;
    ensures \result == \old(a->base + a->used);
    ensures \old(a->used) + size <= a->used <= a->cap;
    ensures a->peak >= a->used && a->peak >= \old(a->peak);
    ensures a->allocs == (uint64_t)(\old(a->allocs) + 1);
    ensures va_arena_inv(a);
    ensures \valid((uint8_t *)\result + (0 .. size - 1));
    ensures \separated(a, (uint8_t *)\result + (0 .. size - 1));
  complete behaviors;
  disjoint behaviors;
*/
void *va_arena_alloc(va_arena *a, size_t size);

/* The protobuf-c allocator backed by 'a' (valid as long as 'a' is). */
/*@
  assigns \nothing;
  ensures a == \null ==> \result == \null;
  ensures a != \null ==> \result == &a->pb;
*/
ProtobufCAllocator *va_arena_allocator(va_arena *a);

/* Bytes still available (ignoring alignment padding of the next request). */
/*@
  requires a == \null || (\valid_read(a) && a->used <= a->cap);
  assigns \nothing;
  ensures a == \null ==> \result == 0;
  ensures a != \null ==> \result == a->cap - a->used;
*/
size_t va_arena_remaining(const va_arena *a);

/* Invariant: mirrors what every public function relies on. */
/*@
  requires a == \null || \valid_read(a);
  assigns \nothing;
  ensures \result != 0 <==> (a != \null && va_arena_fields((va_arena *)a));
*/
bool va_arena_valid(const va_arena *a);

#endif
