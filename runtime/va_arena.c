/* SPDX-License-Identifier: MIT */
/*
 * Bump allocator; see include/virtagent/va_arena.h for why it exists.
 * All size arithmetic compares against the space left before adding, so no
 * expression can wrap whatever size protobuf-c (i.e. the peer) asks for.
 */
#include <assert.h>

#include "virtagent/va_arena.h"
#include "virtagent/va_error.h"

#if defined(__x86_64__) && !defined(__FRAMAC__)
/* The WP proof models VA_ARENA_ALIGN as 16 (see va_arena.h). */
_Static_assert(VA_ARENA_ALIGN == 16, "VA_ARENA_ALIGN differs from the proof model");
#endif

void *va_arena_pb_alloc(void *allocator_data, size_t size)
{
    return va_arena_alloc((va_arena *)allocator_data, size);
}

void va_arena_pb_free(void *allocator_data, void *pointer)
{
    /* Memory is reclaimed wholesale by va_arena_reset(); nothing to do. */
    (void)allocator_data;
    (void)pointer;
}

bool va_arena_valid(const va_arena *a)
{
    if (a == NULL) {
        return false;
    }
    if (a->base == NULL && a->cap != 0) {
        return false;
    }
    if (((uintptr_t)a->base % VA_ARENA_ALIGN) != 0) {
        return false;
    }
    if (a->used > a->cap || a->peak > a->cap || a->used > a->peak) {
        return false;
    }
    if (a->pb.allocator_data != a || a->pb.alloc != va_arena_pb_alloc ||
        a->pb.free != va_arena_pb_free) {
        return false;
    }
    return true;
}

int va_arena_init(va_arena *a, void *buf, size_t len, size_t cap)
{
    uint8_t *p;
    size_t pad;

    if (a == NULL || (buf == NULL && len > 0)) {
        return VA_ERR_INVAL;
    }
    a->base = (uint8_t *)buf;
    a->cap = 0;
    if (buf != NULL) {
        /*
         * Align the start so every allocation is max_align_t aligned: step
         * to the first aligned byte, at most len bytes in (the padding is
         * below VA_ARENA_ALIGN).  A walk rather than the closed form
         * (ALIGN - addr % ALIGN) % ALIGN so WP sees base's own alignment
         * test (docs/proofs.md, "Arena"); same result, <= 15 steps, once.
         */
        p = (uint8_t *)buf;
        pad = 0;
        /*@ loop invariant 0 <= pad <= len && pad < VA_ARENA_ALIGN;
            loop invariant p == (uint8_t *)buf + pad;
            loop assigns p, pad;
            loop variant len - pad; */
        while (pad < len && pad + 1u < VA_ARENA_ALIGN && ((uintptr_t)p % VA_ARENA_ALIGN) != 0) {
            p++;
            pad++;
        }
        if (((uintptr_t)p % VA_ARENA_ALIGN) == 0) {
            a->base = p;
            a->cap = len - pad;
        } else {
            /* Buffer too short to hold even one aligned byte. */
            a->base = NULL;
        }
    }
    /*@ assert a->base == \null || (uintptr_t)a->base % VA_ARENA_ALIGN == 0; */
    /*@ assert a->base == \null ==> a->cap == 0; */
    if (a->cap > cap) {
        a->cap = cap;
    }
    a->used = 0;
    a->peak = 0;
    a->allocs = 0;
    a->failures = 0;
    a->pb.alloc = va_arena_pb_alloc;
    a->pb.free = va_arena_pb_free;
    a->pb.allocator_data = a;
    /*@ assert va_arena_fields(a); */
    assert(va_arena_valid(a));
    return VA_OK;
}

void va_arena_reset(va_arena *a)
{
    if (a == NULL) {
        return;
    }
    assert(va_arena_valid(a));
    a->used = 0;
}

void *va_arena_alloc(va_arena *a, size_t size)
{
    size_t avail;
    size_t rem;
    size_t pad;
    uint8_t *p;

    if (a == NULL) {
        return NULL;
    }
    assert(va_arena_valid(a));
    if (a->base == NULL) {
        /* No usable buffer: refuse everything, even size 0 (NULL + 0 is UB). */
        a->failures++;
        return NULL;
    }
    avail = a->cap - a->used;
    if (size > avail) {
        a->failures++;
        return NULL;
    }
    p = a->base + a->used;
    /*
     * Round the step up so the next allocation stays aligned; size <= avail
     * here, and pad is clamped to what is left, so used never exceeds cap.
     * When the clamp bites, the arena is simply full afterwards.
     */
    rem = size % VA_ARENA_ALIGN;
    pad = (rem == 0) ? 0 : (VA_ARENA_ALIGN - rem);
    if (pad > avail - size) {
        pad = avail - size;
    }
    a->used += size + pad;
    if (a->used > a->peak) {
        a->peak = a->used;
    }
    a->allocs++;
    assert(va_arena_valid(a));
    return p;
}

ProtobufCAllocator *va_arena_allocator(va_arena *a)
{
    if (a == NULL) {
        return NULL;
    }
    return &a->pb;
}

size_t va_arena_remaining(const va_arena *a)
{
    if (a == NULL) {
        return 0;
    }
    return a->cap - a->used;
}
