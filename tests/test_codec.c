/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for va_arena and va_codec: wire vectors (one named test per
 * row), round trips of every message, caps, arena bounds, method ids.
 * Expectations are written by hand here, never read back from gen/.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "virtagent/va_arena.h"
#include "virtagent/va_codec.h"
#include "virtagent/va_error.h"

/* ---- arena with guard bytes ---------------------------------------------- */

#define GUARD_LEN 256u
#define GUARD_BYTE 0xA5u
#define MEM_MAX ((size_t)1024 * 1024)

static _Alignas(max_align_t) uint8_t g_mem[MEM_MAX + GUARD_LEN];
static _Alignas(max_align_t) uint8_t g_mem2[MEM_MAX + GUARD_LEN];

/* Arena over g_mem[0..size) with GUARD_LEN guard bytes right after it. */
static void arena_with_guard(va_arena *a, uint8_t *mem, size_t size)
{
    assert_true(size <= MEM_MAX);
    memset(mem, 0, size);
    memset(mem + size, GUARD_BYTE, GUARD_LEN);
    assert_int_equal(va_arena_init(a, mem, size, SIZE_MAX), VA_OK);
    assert_int_equal(a->cap, size);
}

static void assert_guard(const uint8_t *mem, size_t size)
{
    size_t i;

    for (i = 0; i < GUARD_LEN; i++) {
        assert_int_equal(mem[size + i], GUARD_BYTE);
    }
}

/* ---- wire vectors -------------------------------------------------------- */

#define K_REQ VIRTAGENT__ENVELOPE__KIND__REQUEST
#define K_RSP VIRTAGENT__ENVELOPE__KIND__RESPONSE
#define K_ERR VIRTAGENT__ENVELOPE__KIND__ERROR
#define K_CAN VIRTAGENT__ENVELOPE__KIND__CANCEL
#define K_HEL VIRTAGENT__ENVELOPE__KIND__HELLO
#define K_KAL VIRTAGENT__ENVELOPE__KIND__KEEPALIVE
#define K_NONE VIRTAGENT__ENVELOPE__KIND__KIND_UNSPECIFIED

#define FF8 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff

/*
 * X(name, expected result, expected kind, expected id, bytes...)
 * Envelope tags: id 0x08, kind 0x10, method 0x18, status 0x22,
 * payload 0x2a, hello 0x32. Kind and id are checked only for VA_OK rows.
 */
#define ENVELOPE_VECTORS(X)                                                   \
    /* -- accepted -- */                                                     \
    X(keepalive, VA_OK, K_KAL, 0, 0x10, 0x06)                                 \
    X(keepalive_nonce, VA_OK, K_KAL, 42, 0x08, 0x2a, 0x10, 0x06)              \
    X(request_ping, VA_OK, K_REQ, 1, 0x08, 0x01, 0x10, 0x01, 0x18, 0x80, 0x02) \
    X(request_ping_payload, VA_OK, K_REQ, 7,                                  \
      0x08, 0x07, 0x10, 0x01, 0x18, 0x80, 0x02, 0x2a, 0x02, 0x08, 0x05)       \
    X(request_empty_payload, VA_OK, K_REQ, 7,                                 \
      0x08, 0x07, 0x10, 0x01, 0x18, 0x80, 0x02, 0x2a, 0x00)                   \
    X(request_id_max, VA_OK, K_REQ, UINT64_MAX,                               \
      0x08, FF8, 0xff, 0x01, 0x10, 0x01, 0x18, 0x80, 0x02)                    \
    X(request_unknown_method_decodes, VA_OK, K_REQ, 1,                        \
      0x08, 0x01, 0x10, 0x01, 0x18, 0xff, 0x01)                               \
    X(response_payload, VA_OK, K_RSP, 3, 0x08, 0x03, 0x10, 0x02, 0x2a, 0x02, 0x08, 0x05) \
    X(response_status_ok, VA_OK, K_RSP, 3, 0x08, 0x03, 0x10, 0x02, 0x22, 0x02, 0x08, 0x00) \
    X(error_with_id, VA_OK, K_ERR, 3,                                         \
      0x08, 0x03, 0x10, 0x03, 0x22, 0x05, 0x08, 0x01, 0x12, 0x01, 0x78)       \
    X(error_connection_level, VA_OK, K_ERR, 0, 0x10, 0x03, 0x22, 0x02, 0x08, 0x0a) \
    X(cancel, VA_OK, K_CAN, 9, 0x08, 0x09, 0x10, 0x04)                        \
    X(hello, VA_OK, K_HEL, 0,                                                 \
      0x10, 0x05, 0x32, 0x07, 0x08, 0x01, 0x10, 0x80, 0x20, 0x18, 0x04)       \
    X(fields_out_of_order, VA_OK, K_KAL, 42, 0x10, 0x06, 0x08, 0x2a)          \
    X(duplicate_field_last_wins, VA_OK, K_KAL, 0, 0x10, 0x01, 0x10, 0x06)     \
    X(non_minimal_varint, VA_OK, K_KAL, 0, 0x10, 0x86, 0x00)                  \
    X(unknown_varint_field, VA_OK, K_KAL, 0, 0x10, 0x06, 0xf8, 0x07, 0x01)    \
    X(unknown_len_field, VA_OK, K_KAL, 0, 0x10, 0x06, 0xfa, 0x07, 0x03, 0x61, 0x62, 0x63) \
    X(unknown_fixed64_field, VA_OK, K_KAL, 0, 0x10, 0x06, 0xf9, 0x07, FF8)    \
    X(unknown_fixed32_field, VA_OK, K_KAL, 0, 0x10, 0x06, 0xfd, 0x07, 0x01, 0x02, 0x03, 0x04) \
    X(unknown_field_in_status, VA_OK, K_ERR, 0,                               \
      0x10, 0x03, 0x22, 0x05, 0x08, 0x0a, 0xf8, 0x07, 0x01)                   \
    /* -- rejected: framing / wire format -- */                              \
    X(truncated_tag_only, VA_ERR_DECODE, K_NONE, 0, 0x10)                     \
    X(truncated_varint, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x06, 0x08, 0x80)     \
    X(truncated_tag_varint, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x06, 0xf8)       \
    X(truncated_len_value, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x06, 0x2a, 0x05, 0x01, 0x02) \
    X(truncated_fixed64, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x06, 0xf9, 0x07, 0x01, 0x02) \
    X(huge_length_32, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x06, 0x2a, 0xff, 0xff, 0xff, 0xff, 0x0f) \
    X(huge_length_64, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x06, 0x2a, FF8, 0xff, 0x01) \
    X(huge_length_unknown, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x06, 0xfa, 0x07, 0xff, 0xff, 0xff, 0xff, 0x0f) \
    X(overlong_varint, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x06, 0x08, FF8, 0xff, 0xff, 0x01) \
    X(wrong_wire_type_kind_len, VA_ERR_DECODE, K_NONE, 0, 0x12, 0x01, 0x06)   \
    X(wrong_wire_type_payload_varint, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x06, 0x28, 0x01) \
    X(wrong_wire_type_id_fixed64, VA_ERR_DECODE, K_NONE, 0, 0x09, FF8, 0x10, 0x06) \
    X(wrong_wire_type_status_varint, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x03, 0x20, 0x01) \
    X(field_number_zero, VA_ERR_DECODE, K_NONE, 0, 0x00, 0x01, 0x10, 0x06)    \
    X(group_start_unknown, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x06, 0xfb, 0x07, 0xfc, 0x07) \
    X(group_end_stray, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x06, 0xfc, 0x07)      \
    X(wire_type_6, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x06, 0xfe, 0x07, 0x00)    \
    X(wire_type_7, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x06, 0xff, 0x07, 0x00)    \
    X(status_truncated_inner, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x03, 0x22, 0x01, 0x08) \
    X(status_inner_wrong_wire, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x03, 0x22, 0x02, 0x0a, 0x00) \
    X(hello_string_past_end, VA_ERR_DECODE, K_NONE, 0,                        \
      0x10, 0x05, 0x32, 0x08, 0x08, 0x01, 0x10, 0x01, 0x18, 0x01, 0x2a, 0x10) \
    /* -- rejected: kind -- */                                               \
    X(kind_missing, VA_ERR_DECODE, K_NONE, 0, 0x08, 0x01)                     \
    X(kind_unspecified, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x00)                 \
    X(kind_one_past_last, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x07)               \
    X(kind_huge, VA_ERR_DECODE, K_NONE, 0, 0x10, 0xff, 0xff, 0xff, 0xff, 0x07) \
    X(kind_negative, VA_ERR_DECODE, K_NONE, 0, 0x10, FF8, 0xff, 0x01)         \
    /* -- rejected: per-kind presence rules -- */                            \
    X(request_missing_id, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x01, 0x18, 0x80, 0x02) \
    X(request_missing_method, VA_ERR_DECODE, K_NONE, 0, 0x08, 0x01, 0x10, 0x01) \
    X(request_with_status, VA_ERR_DECODE, K_NONE, 0,                          \
      0x08, 0x01, 0x10, 0x01, 0x18, 0x80, 0x02, 0x22, 0x02, 0x08, 0x00)       \
    X(request_with_hello, VA_ERR_DECODE, K_NONE, 0, 0x08, 0x01, 0x10, 0x01, 0x18, 0x80, 0x02, \
      0x32, 0x07, 0x08, 0x01, 0x10, 0x80, 0x20, 0x18, 0x04)                   \
    X(response_missing_id, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x02)              \
    X(error_missing_status, VA_ERR_DECODE, K_NONE, 0, 0x08, 0x01, 0x10, 0x03) \
    X(error_with_payload, VA_ERR_DECODE, K_NONE, 0,                           \
      0x08, 0x01, 0x10, 0x03, 0x22, 0x02, 0x08, 0x01, 0x2a, 0x00)             \
    X(cancel_missing_id, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x04)                \
    X(cancel_with_payload, VA_ERR_DECODE, K_NONE, 0, 0x08, 0x01, 0x10, 0x04, 0x2a, 0x00) \
    X(hello_missing, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x05)                    \
    X(hello_missing_max_inflight, VA_ERR_DECODE, K_NONE, 0,                   \
      0x10, 0x05, 0x32, 0x05, 0x08, 0x01, 0x10, 0x80, 0x20)                   \
    X(hello_missing_version, VA_ERR_DECODE, K_NONE, 0,                        \
      0x10, 0x05, 0x32, 0x05, 0x10, 0x80, 0x20, 0x18, 0x04)                   \
    X(hello_with_id, VA_ERR_DECODE, K_NONE, 0, 0x08, 0x01,                    \
      0x10, 0x05, 0x32, 0x07, 0x08, 0x01, 0x10, 0x80, 0x20, 0x18, 0x04)       \
    X(keepalive_with_payload, VA_ERR_DECODE, K_NONE, 0, 0x10, 0x06, 0x2a, 0x00) \
    X(keepalive_with_hello, VA_ERR_DECODE, K_NONE, 0,                         \
      0x10, 0x06, 0x32, 0x07, 0x08, 0x01, 0x10, 0x80, 0x20, 0x18, 0x04)

#define VEC_ARENA 4096u

static void run_vector(const uint8_t *data, size_t len, int expect,
                       Virtagent__Envelope__Kind kind, uint64_t id)
{
    va_arena a;
    Virtagent__Envelope *e = (Virtagent__Envelope *)(uintptr_t)1;
    uint8_t out[VEC_ARENA];
    size_t n = 0;
    int ret;

    arena_with_guard(&a, g_mem, VEC_ARENA);
    ret = va_codec_decode_envelope(&a, data, len, &e);
    assert_int_equal(ret, expect);
    assert_guard(g_mem, VEC_ARENA);
    if (expect != VA_OK) {
        assert_null(e);
        return;
    }
    assert_non_null(e);
    assert_true(e->has_kind);
    assert_int_equal(e->kind, kind);
    assert_int_equal(e->has_id ? e->id : 0, id);
    /* What we accept we can send back, and it means the same. */
    assert_int_equal(va_codec_encode_envelope(e, out, sizeof(out), &n), VA_OK);
    ret = va_codec_decode_envelope(&a, out, n, &e);
    assert_int_equal(ret, VA_OK);
    assert_int_equal(e->kind, kind);
    assert_int_equal(e->has_id ? e->id : 0, id);
}

#define VEC_DEFINE(name, expect, kind, id, ...)                               \
    static const uint8_t vec_##name[] = { __VA_ARGS__ };                      \
    static void test_vec_##name(void **state)                                 \
    {                                                                         \
        (void)state;                                                          \
        run_vector(vec_##name, sizeof(vec_##name), (expect), (kind), (id));   \
    }
#define VEC_REGISTER(name, expect, kind, id, ...) cmocka_unit_test(test_vec_##name),

ENVELOPE_VECTORS(VEC_DEFINE)

static void test_vec_empty_input(void **state)
{
    (void)state;
    /* No kind at all: zero bytes is not a valid envelope. */
    run_vector(NULL, 0, VA_ERR_DECODE, K_NONE, 0);
}

/* ---- generated vectors: caps --------------------------------------------- */

static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;

    while (v >= 0x80u) {
        p[n++] = (uint8_t)(v | 0x80u);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

static uint8_t g_wire[MEM_MAX];

/* ERROR envelope whose status message is 'slen' bytes of 'a'. */
static size_t error_with_message(uint8_t *p, size_t slen)
{
    uint8_t inner[8];
    size_t ilen = 0;
    size_t n = 0;

    inner[ilen++] = 0x08; /* code */
    inner[ilen++] = 0x05;
    inner[ilen++] = 0x12; /* message */
    ilen += put_varint(inner + ilen, slen);
    p[n++] = 0x10;
    p[n++] = 0x03;
    p[n++] = 0x22;
    n += put_varint(p + n, ilen + slen);
    memcpy(p + n, inner, ilen);
    n += ilen;
    memset(p + n, 'a', slen);
    return n + slen;
}

static void test_string_at_cap_accepted(void **state)
{
    va_arena a;
    Virtagent__Envelope *e = NULL;
    size_t n = error_with_message(g_wire, VA_CODEC_STRING_MAX);

    (void)state;
    arena_with_guard(&a, g_mem, 16384);
    assert_int_equal(va_codec_decode_envelope(&a, g_wire, n, &e), VA_OK);
    assert_int_equal(strlen(e->status->message), VA_CODEC_STRING_MAX);
    assert_guard(g_mem, 16384);
}

static void test_string_over_cap_rejected(void **state)
{
    va_arena a;
    Virtagent__Envelope *e = NULL;
    size_t n = error_with_message(g_wire, VA_CODEC_STRING_MAX + 1);

    (void)state;
    arena_with_guard(&a, g_mem, 16384);
    assert_int_equal(va_codec_decode_envelope(&a, g_wire, n, &e), VA_ERR_DECODE);
    assert_null(e);
    assert_guard(g_mem, 16384);
}

/* KEEPALIVE-free REQUEST with a payload of 'plen' bytes. */
static size_t request_with_payload(uint8_t *p, size_t plen)
{
    size_t n = 0;

    p[n++] = 0x08;
    p[n++] = 0x01;
    p[n++] = 0x10;
    p[n++] = 0x01;
    p[n++] = 0x18;
    p[n++] = 0x80;
    p[n++] = 0x02;
    p[n++] = 0x2a;
    n += put_varint(p + n, plen);
    memset(p + n, 0x5a, plen);
    return n + plen;
}

static void test_payload_at_cap_accepted(void **state)
{
    va_arena a;
    Virtagent__Envelope *e = NULL;
    size_t n = request_with_payload(g_wire, VA_CODEC_PAYLOAD_MAX);

    (void)state;
    arena_with_guard(&a, g_mem, MEM_MAX);
    assert_int_equal(va_codec_decode_envelope(&a, g_wire, n, &e), VA_OK);
    assert_int_equal(e->payload.len, VA_CODEC_PAYLOAD_MAX);
    assert_int_equal(e->payload.data[VA_CODEC_PAYLOAD_MAX - 1], 0x5a);
}

static void test_payload_over_cap_rejected(void **state)
{
    va_arena a;
    Virtagent__Envelope *e = NULL;
    size_t n = request_with_payload(g_wire, VA_CODEC_PAYLOAD_MAX + 1);

    (void)state;
    arena_with_guard(&a, g_mem, MEM_MAX);
    assert_int_equal(va_codec_decode_envelope(&a, g_wire, n, &e), VA_ERR_DECODE);
    assert_null(e);
}

static void test_bytes_larger_than_arena_nomem(void **state)
{
    va_arena a;
    Virtagent__Envelope *e = (Virtagent__Envelope *)(uintptr_t)1;
    size_t n = request_with_payload(g_wire, 4000);
    uint64_t fails;

    (void)state;
    arena_with_guard(&a, g_mem, 1024);
    fails = a.failures;
    assert_int_equal(va_codec_decode_envelope(&a, g_wire, n, &e), VA_ERR_NOMEM);
    assert_null(e);
    assert_true(a.failures > fails);
    assert_true(a.peak <= 1024);
    assert_guard(g_mem, 1024);
}

/* Every arena size from 0 up: NOMEM or OK, never a byte past the arena. */
static void test_arena_size_sweep(void **state)
{
    va_arena a;
    Virtagent__Envelope *e = NULL;
    size_t n = error_with_message(g_wire, 300);
    size_t size;
    size_t first_ok = 0;
    int ret;

    (void)state;
    for (size = 0; size <= 2048; size++) {
        arena_with_guard(&a, g_mem, size);
        ret = va_codec_decode_envelope(&a, g_wire, n, &e);
        assert_guard(g_mem, size);
        if (ret == VA_OK) {
            if (first_ok == 0) {
                first_ok = size;
            }
            assert_int_equal(strlen(e->status->message), 300);
        } else {
            /* Once it fits it keeps fitting: failures are only below. */
            assert_int_equal(ret, VA_ERR_NOMEM);
            assert_int_equal(first_ok, 0);
            assert_null(e);
        }
    }
    assert_true(first_ok > 300);
}

/* An unknown field nested 'depth' times (LEN inside LEN): stored raw. */
static void test_deeply_nested_unknown_field(void **state)
{
    va_arena a;
    Virtagent__Envelope *e = NULL;
    uint8_t tmp[4096];
    size_t len = 0;
    size_t n;
    unsigned d;

    (void)state;
    /* Build inside-out: innermost is a varint unknown field. */
    tmp[0] = 0x08;
    tmp[1] = 0x01;
    len = 2;
    for (d = 0; d < 600; d++) {
        uint8_t hdr[8];
        size_t h = 0;

        hdr[h++] = 0xfa; /* field 127, LEN */
        hdr[h++] = 0x07;
        h += put_varint(hdr + h, len);
        assert_true(len + h <= sizeof(tmp));
        memmove(tmp + h, tmp, len);
        memcpy(tmp, hdr, h);
        len += h;
    }
    n = 0;
    g_wire[n++] = 0x10;
    g_wire[n++] = 0x06;
    memcpy(g_wire + n, tmp, len);
    n += len;
    arena_with_guard(&a, g_mem, 16384);
    assert_int_equal(va_codec_decode_envelope(&a, g_wire, n, &e), VA_OK);
    assert_int_equal(e->base.n_unknown_fields, 1);
    /* Not parsed recursively: memory is one copy, not one per level. */
    assert_true(a.peak < 2 * n + 1024);
    assert_guard(g_mem, 16384);
}

/*
 * Worst shape we know for memory per input byte: many 2-byte unknown fields
 * (each costs protobuf-c a scan record and an unknown-field record). The
 * bound is VA_CODEC_ARENA_FOR(len); a regression in protobuf-c or in the
 * arena would break it.
 */
static void test_arena_bound_unknown_field_flood(void **state)
{
    va_arena a;
    Virtagent__Envelope *e = NULL;
    size_t n = 0;
    size_t i;

    (void)state;
    g_wire[n++] = 0x10;
    g_wire[n++] = 0x06;
    for (i = 0; i < 2048; i++) {
        g_wire[n++] = 0x38; /* field 7, varint: unknown */
        g_wire[n++] = 0x01;
    }
    arena_with_guard(&a, g_mem, VA_CODEC_ARENA_FOR(n));
    assert_int_equal(va_codec_decode_envelope(&a, g_wire, n, &e), VA_OK);
    assert_int_equal(e->base.n_unknown_fields, 2048);
    assert_guard(g_mem, VA_CODEC_ARENA_FOR(n));
}

static void test_arena_bound_repeated_flood(void **state)
{
    va_arena a;
    va_arena a2;
    ProtobufCMessage *m = NULL;
    size_t n = 0;
    size_t i;

    (void)state;
    /* CapabilitiesResponse with many empty MethodInfo entries (3 0x1a 0x00). */
    /* 4096 (a power of two) is where protobuf-c's scan slabs waste most. */
    for (i = 0; i < 4096; i++) {
        g_wire[n++] = 0x1a;
        g_wire[n++] = 0x00;
    }
    arena_with_guard(&a, g_mem, VA_CODEC_ARENA_FOR(n));
    assert_int_equal(va_codec_decode_payload(&a, VA_METHOD_CAPABILITIES, true,
                                             g_wire, n, &m), VA_OK);
    assert_int_equal(((Virtagent__CapabilitiesResponse *)m)->n_methods, 4096);
    assert_guard(g_mem, VA_CODEC_ARENA_FOR(n));
    /* Same input with an eighth of the bound must fail cleanly, not overrun. */
    arena_with_guard(&a2, g_mem2, VA_CODEC_ARENA_FOR(n) / 8);
    assert_int_equal(va_codec_decode_payload(&a2, VA_METHOD_CAPABILITIES, true,
                                             g_wire, n, &m), VA_ERR_NOMEM);
    assert_guard(g_mem2, VA_CODEC_ARENA_FOR(n) / 8);
}

/* ---- envelope encode ----------------------------------------------------- */

static void test_encode_nospace_reports_need(void **state)
{
    va_envelope_storage s = VA_ENVELOPE_STORAGE_INIT;
    static const uint8_t pl[] = { 0x08, 0x05 };
    uint8_t out[64];
    size_t need = 0;
    size_t n = 0;
    Virtagent__Envelope *e = va_envelope_request(&s, 7, VA_METHOD_PING, pl, sizeof(pl));

    (void)state;
    assert_int_equal(va_codec_encode_envelope(e, out, sizeof(out), &need), VA_OK);
    assert_int_equal(need, va_codec_envelope_size(e));
    memset(out, GUARD_BYTE, sizeof(out));
    assert_int_equal(va_codec_encode_envelope(e, out, need - 1, &n), VA_ERR_NOSPACE);
    assert_int_equal(n, need);
    for (n = 0; n < sizeof(out); n++) {
        assert_int_equal(out[n], GUARD_BYTE);
    }
    assert_int_equal(va_codec_encode_envelope(e, out, need, &n), VA_OK);
    assert_int_equal(n, need);
    assert_int_equal(out[need], GUARD_BYTE);
}

static void test_encode_rejects_invalid(void **state)
{
    va_envelope_storage s = VA_ENVELOPE_STORAGE_INIT;
    uint8_t out[64];
    size_t n;
    Virtagent__Envelope *e;

    (void)state;
    e = va_envelope_request(&s, 7, VA_METHOD_PING, NULL, 0);
    e->has_id = 0;
    assert_int_equal(va_codec_encode_envelope(e, out, sizeof(out), &n), VA_ERR_INVAL);
    e = va_envelope_keepalive(&s);
    e->kind = (Virtagent__Envelope__Kind)99;
    assert_int_equal(va_codec_encode_envelope(e, out, sizeof(out), &n), VA_ERR_INVAL);
    e = va_envelope_cancel(&s, 1);
    e->payload.len = 3; /* non-empty but has_payload unset: would be dropped */
    e->payload.data = out;
    assert_int_equal(va_codec_encode_envelope(e, out, sizeof(out), &n), VA_ERR_INVAL);
    e = va_envelope_error(&s, true, 1, 0, VIRTAGENT__STATUS_CODE__BUSY, NULL);
    e->status = NULL;
    assert_int_equal(va_codec_encode_envelope(e, out, sizeof(out), &n), VA_ERR_INVAL);
    assert_int_equal(va_codec_encode_envelope(NULL, out, sizeof(out), &n), VA_ERR_INVAL);
}

static void test_encode_payload_over_cap_toobig(void **state)
{
    va_envelope_storage s = VA_ENVELOPE_STORAGE_INIT;
    size_t n;
    Virtagent__Envelope *e = va_envelope_request(&s, 1, VA_METHOD_PING, g_wire,
                                                 VA_CODEC_PAYLOAD_MAX + 1);

    (void)state;
    assert_int_equal(va_codec_encode_envelope(e, g_mem, MEM_MAX, &n), VA_ERR_TOOBIG);
}

static void test_encode_long_string_inval(void **state)
{
    va_envelope_storage s = VA_ENVELOPE_STORAGE_INIT;
    static char msg[VA_CODEC_STRING_MAX + 2];
    uint8_t out[4096];
    size_t n;
    Virtagent__Envelope *e;

    (void)state;
    memset(msg, 'm', VA_CODEC_STRING_MAX + 1);
    msg[VA_CODEC_STRING_MAX + 1] = '\0';
    e = va_envelope_error(&s, true, 1, 0, VIRTAGENT__STATUS_CODE__INTERNAL, msg);
    assert_int_equal(va_codec_encode_envelope(e, out, sizeof(out), &n), VA_ERR_INVAL);
    msg[VA_CODEC_STRING_MAX] = '\0';
    assert_int_equal(va_codec_encode_envelope(e, out, sizeof(out), &n), VA_OK);
}

/* Every builder produces an envelope that survives encode -> decode. */
static void test_builders_round_trip(void **state)
{
    va_envelope_storage s = VA_ENVELOPE_STORAGE_INIT;
    static const uint8_t pl[] = { 0x08, 0x2a };
    uint8_t out[256];
    size_t n;
    va_arena a;
    Virtagent__Envelope *d;

    (void)state;
    arena_with_guard(&a, g_mem, 4096);

    assert_int_equal(va_codec_encode_envelope(
        va_envelope_request(&s, 0x1234567890ULL, VA_METHOD_INFO, pl, sizeof(pl)),
        out, sizeof(out), &n), VA_OK);
    assert_int_equal(va_codec_decode_envelope(&a, out, n, &d), VA_OK);
    assert_int_equal(d->kind, K_REQ);
    assert_int_equal(d->id, 0x1234567890ULL);
    assert_int_equal(d->method, VA_METHOD_INFO);
    assert_int_equal(d->payload.len, sizeof(pl));
    assert_memory_equal(d->payload.data, pl, sizeof(pl));

    assert_int_equal(va_codec_encode_envelope(
        va_envelope_response(&s, 5, VA_METHOD_PING, NULL, 0), out, sizeof(out), &n), VA_OK);
    assert_int_equal(va_codec_decode_envelope(&a, out, n, &d), VA_OK);
    assert_int_equal(d->kind, K_RSP);
    assert_int_equal(d->id, 5);
    assert_int_equal(d->payload.len, 0);

    assert_int_equal(va_codec_encode_envelope(
        va_envelope_error(&s, true, 6, VA_METHOD_SHUTDOWN,
                          VIRTAGENT__STATUS_CODE__DISABLED, "disabled by policy"),
        out, sizeof(out), &n), VA_OK);
    assert_int_equal(va_codec_decode_envelope(&a, out, n, &d), VA_OK);
    assert_int_equal(d->kind, K_ERR);
    assert_int_equal(d->id, 6);
    assert_int_equal(d->status->code, VIRTAGENT__STATUS_CODE__DISABLED);
    assert_string_equal(d->status->message, "disabled by policy");

    assert_int_equal(va_codec_encode_envelope(
        va_envelope_error(&s, false, 0, 0, VIRTAGENT__STATUS_CODE__PROTOCOL_ERROR, NULL),
        out, sizeof(out), &n), VA_OK);
    assert_int_equal(va_codec_decode_envelope(&a, out, n, &d), VA_OK);
    assert_false(d->has_id);
    assert_null(d->status->message);

    assert_int_equal(va_codec_encode_envelope(va_envelope_cancel(&s, 77), out,
                                              sizeof(out), &n), VA_OK);
    assert_int_equal(va_codec_decode_envelope(&a, out, n, &d), VA_OK);
    assert_int_equal(d->kind, K_CAN);
    assert_int_equal(d->id, 77);

    assert_int_equal(va_codec_encode_envelope(va_envelope_keepalive(&s), out,
                                              sizeof(out), &n), VA_OK);
    assert_int_equal(n, 2);
    assert_int_equal(va_codec_decode_envelope(&a, out, n, &d), VA_OK);
    assert_int_equal(d->kind, K_KAL);

    assert_int_equal(va_codec_encode_envelope(
        va_envelope_hello(&s, 1, 65536, 8, 5000, "virtagent", "0.1.0"),
        out, sizeof(out), &n), VA_OK);
    assert_int_equal(va_codec_decode_envelope(&a, out, n, &d), VA_OK);
    assert_int_equal(d->kind, K_HEL);
    assert_int_equal(d->hello->protocol_version, 1);
    assert_int_equal(d->hello->max_frame, 65536);
    assert_int_equal(d->hello->max_inflight, 8);
    assert_int_equal(d->hello->keepalive_ms, 5000);
    assert_string_equal(d->hello->agent_name, "virtagent");
    assert_string_equal(d->hello->agent_version, "0.1.0");
    assert_guard(g_mem, 4096);
}

/* ---- payload round trips ------------------------------------------------- */

static uint8_t g_pl1[8192];
static uint8_t g_pl2[8192];

/* encode -> decode -> encode must reproduce the bytes; returns the decode. */
static ProtobufCMessage *round_trip(va_arena *a, uint32_t method, bool resp,
                                    const ProtobufCMessage *m)
{
    ProtobufCMessage *d = NULL;
    size_t n1 = 0;
    size_t n2 = 0;

    assert_int_equal(va_codec_encode_payload(method, resp, m, g_pl1, sizeof(g_pl1), &n1), VA_OK);
    assert_int_equal(va_codec_decode_payload(a, method, resp, g_pl1, n1, &d), VA_OK);
    assert_non_null(d);
    assert_ptr_equal(d->descriptor, m->descriptor);
    assert_int_equal(va_codec_encode_payload(method, resp, d, g_pl2, sizeof(g_pl2), &n2), VA_OK);
    assert_int_equal(n1, n2);
    assert_memory_equal(g_pl1, g_pl2, n1);
    return d;
}

static void test_rt_ping(void **state)
{
    va_arena a;
    Virtagent__PingRequest rq = VIRTAGENT__PING_REQUEST__INIT;
    Virtagent__PingResponse rs = VIRTAGENT__PING_RESPONSE__INIT;
    Virtagent__PingRequest *drq;
    Virtagent__PingResponse *drs;

    (void)state;
    arena_with_guard(&a, g_mem, 4096);
    rq.has_nonce = 1;
    rq.nonce = 0x1122334455667788ULL;
    drq = (Virtagent__PingRequest *)round_trip(&a, VA_METHOD_PING, false, &rq.base);
    assert_true(drq->has_nonce);
    assert_int_equal(drq->nonce, 0x1122334455667788ULL);
    rs.has_nonce = 1;
    rs.nonce = UINT64_MAX;
    drs = (Virtagent__PingResponse *)round_trip(&a, VA_METHOD_PING, true, &rs.base);
    assert_int_equal(drs->nonce, UINT64_MAX);
    assert_guard(g_mem, 4096);
}

static void test_rt_capabilities(void **state)
{
    va_arena a;
    Virtagent__CapabilitiesRequest rq = VIRTAGENT__CAPABILITIES_REQUEST__INIT;
    Virtagent__CapabilitiesResponse rs = VIRTAGENT__CAPABILITIES_RESPONSE__INIT;
    Virtagent__MethodInfo mi[2] = { VIRTAGENT__METHOD_INFO__INIT, VIRTAGENT__METHOD_INFO__INIT };
    Virtagent__MethodInfo *mp[2] = { &mi[0], &mi[1] };
    Virtagent__Limits lim = VIRTAGENT__LIMITS__INIT;
    Virtagent__CapabilitiesResponse *d;

    (void)state;
    arena_with_guard(&a, g_mem, 4096);
    (void)round_trip(&a, VA_METHOD_CAPABILITIES, false, &rq.base);
    mi[0].name = (char *)"GuestAgent.Ping";
    mi[0].has_id = 1;
    mi[0].id = VA_METHOD_PING;
    mi[0].has_enabled = 1;
    mi[0].enabled = 1;
    mi[1].name = (char *)"GuestAgent.Shutdown";
    mi[1].has_id = 1;
    mi[1].id = VA_METHOD_SHUTDOWN;
    mi[1].has_enabled = 1;
    mi[1].enabled = 0;
    lim.has_max_frame = 1;
    lim.max_frame = 65536;
    lim.has_max_inflight = 1;
    lim.max_inflight = 16;
    lim.has_max_payload = 1;
    lim.max_payload = 60000;
    rs.has_protocol_version = 1;
    rs.protocol_version = 1;
    rs.agent_version = (char *)"0.1.0";
    rs.n_methods = 2;
    rs.methods = mp;
    rs.limits = &lim;
    d = (Virtagent__CapabilitiesResponse *)round_trip(&a, VA_METHOD_CAPABILITIES, true, &rs.base);
    assert_int_equal(d->n_methods, 2);
    assert_string_equal(d->methods[1]->name, "GuestAgent.Shutdown");
    assert_int_equal(d->methods[1]->id, VA_METHOD_SHUTDOWN);
    assert_false(d->methods[1]->enabled);
    assert_int_equal(d->limits->max_inflight, 16);
    assert_string_equal(d->agent_version, "0.1.0");
    assert_guard(g_mem, 4096);
}

static void test_rt_info(void **state)
{
    va_arena a;
    Virtagent__InfoRequest rq = VIRTAGENT__INFO_REQUEST__INIT;
    Virtagent__InfoResponse rs = VIRTAGENT__INFO_RESPONSE__INIT;
    Virtagent__InfoResponse *d;

    (void)state;
    arena_with_guard(&a, g_mem, 4096);
    (void)round_trip(&a, VA_METHOD_INFO, false, &rq.base);
    rs.hostname = (char *)"guest1";
    rs.os_name = (char *)"Debian GNU/Linux";
    rs.os_version = (char *)"12";
    rs.kernel_release = (char *)"6.1.0-18-amd64";
    rs.has_uptime_seconds = 1;
    rs.uptime_seconds = 123456;
    rs.agent_version = (char *)"0.1.0";
    d = (Virtagent__InfoResponse *)round_trip(&a, VA_METHOD_INFO, true, &rs.base);
    assert_string_equal(d->hostname, "guest1");
    assert_string_equal(d->os_name, "Debian GNU/Linux");
    assert_string_equal(d->os_version, "12");
    assert_string_equal(d->kernel_release, "6.1.0-18-amd64");
    assert_int_equal(d->uptime_seconds, 123456);
    assert_string_equal(d->agent_version, "0.1.0");
}

static void test_rt_shutdown(void **state)
{
    va_arena a;
    Virtagent__ShutdownRequest rq = VIRTAGENT__SHUTDOWN_REQUEST__INIT;
    Virtagent__ShutdownResponse rs = VIRTAGENT__SHUTDOWN_RESPONSE__INIT;
    Virtagent__ShutdownRequest *d;

    (void)state;
    arena_with_guard(&a, g_mem, 4096);
    rq.has_mode = 1;
    rq.mode = VIRTAGENT__SHUTDOWN_REQUEST__MODE__REBOOT;
    d = (Virtagent__ShutdownRequest *)round_trip(&a, VA_METHOD_SHUTDOWN, false, &rq.base);
    assert_int_equal(d->mode, VIRTAGENT__SHUTDOWN_REQUEST__MODE__REBOOT);
    (void)round_trip(&a, VA_METHOD_SHUTDOWN, true, &rs.base);
}

static void test_rt_announce(void **state)
{
    va_arena a;
    Virtagent__AnnounceRequest rq = VIRTAGENT__ANNOUNCE_REQUEST__INIT;
    Virtagent__AnnounceResponse rs = VIRTAGENT__ANNOUNCE_RESPONSE__INIT;
    Virtagent__MethodInfo mi = VIRTAGENT__METHOD_INFO__INIT;
    Virtagent__MethodInfo *mp[1] = { &mi };
    Virtagent__AnnounceRequest *d;

    (void)state;
    arena_with_guard(&a, g_mem, 4096);
    mi.name = (char *)"GuestAgent.Info";
    mi.has_id = 1;
    mi.id = VA_METHOD_INFO;
    rq.has_protocol_version = 1;
    rq.protocol_version = 1;
    rq.agent_version = (char *)"0.1.0";
    rq.n_capabilities = 1;
    rq.capabilities = mp;
    d = (Virtagent__AnnounceRequest *)round_trip(&a, VA_METHOD_ANNOUNCE, false, &rq.base);
    assert_int_equal(d->n_capabilities, 1);
    assert_string_equal(d->capabilities[0]->name, "GuestAgent.Info");
    (void)round_trip(&a, VA_METHOD_ANNOUNCE, true, &rs.base);
}

static void test_rt_event(void **state)
{
    va_arena a;
    Virtagent__EventRequest rq = VIRTAGENT__EVENT_REQUEST__INIT;
    Virtagent__EventResponse rs = VIRTAGENT__EVENT_RESPONSE__INIT;
    Virtagent__EventRequest *d;

    (void)state;
    arena_with_guard(&a, g_mem, 4096);
    rq.has_kind = 1;
    rq.kind = VIRTAGENT__EVENT_REQUEST__KIND__SHUTDOWN_STARTED;
    rq.has_timestamp_ms = 1;
    rq.timestamp_ms = 1700000000000ULL;
    rq.text = (char *)"systemd: powering off";
    d = (Virtagent__EventRequest *)round_trip(&a, VA_METHOD_EVENT, false, &rq.base);
    assert_int_equal(d->kind, VIRTAGENT__EVENT_REQUEST__KIND__SHUTDOWN_STARTED);
    assert_int_equal(d->timestamp_ms, 1700000000000ULL);
    assert_string_equal(d->text, "systemd: powering off");
    (void)round_trip(&a, VA_METHOD_EVENT, true, &rs.base);
}

/* Envelope and payload decoded with two arenas, as the core will. */
static void test_request_in_envelope(void **state)
{
    va_arena ea;
    va_arena pa;
    va_envelope_storage s = VA_ENVELOPE_STORAGE_INIT;
    Virtagent__ShutdownRequest rq = VIRTAGENT__SHUTDOWN_REQUEST__INIT;
    Virtagent__Envelope *e;
    ProtobufCMessage *m;
    uint8_t pl[64];
    uint8_t frame[128];
    size_t pn;
    size_t fn;

    (void)state;
    arena_with_guard(&ea, g_mem, 4096);
    arena_with_guard(&pa, g_mem2, 4096);
    rq.has_mode = 1;
    rq.mode = VIRTAGENT__SHUTDOWN_REQUEST__MODE__HALT;
    assert_int_equal(va_codec_encode_payload(VA_METHOD_SHUTDOWN, false, &rq.base,
                                             pl, sizeof(pl), &pn), VA_OK);
    assert_int_equal(va_codec_encode_envelope(
        va_envelope_request(&s, 42, VA_METHOD_SHUTDOWN, pl, pn),
        frame, sizeof(frame), &fn), VA_OK);
    assert_int_equal(va_codec_decode_envelope(&ea, frame, fn, &e), VA_OK);
    /* Payload bytes live in the envelope arena: same arena is refused. */
    assert_int_equal(va_codec_decode_payload(&ea, e->method, false, e->payload.data,
                                             e->payload.len, &m), VA_ERR_INVAL);
    assert_int_equal(va_codec_decode_payload(&pa, e->method, false, e->payload.data,
                                             e->payload.len, &m), VA_OK);
    assert_int_equal(((Virtagent__ShutdownRequest *)m)->mode,
                     VIRTAGENT__SHUTDOWN_REQUEST__MODE__HALT);
}

/* ---- payload negatives --------------------------------------------------- */

static void test_payload_bad_enum_rejected(void **state)
{
    va_arena a;
    ProtobufCMessage *m = (ProtobufCMessage *)(uintptr_t)1;
    static const uint8_t bad_mode[] = { 0x08, 0x09 };       /* Shutdown mode 9 */
    static const uint8_t bad_event[] = { 0x08, 0x63 };      /* Event kind 99 */
    static const uint8_t neg_mode[] = { 0x08, FF8, 0xff, 0x01 };
    static const uint8_t good_mode[] = { 0x08, 0x03 };      /* REBOOT */

    (void)state;
    arena_with_guard(&a, g_mem, 4096);
    assert_int_equal(va_codec_decode_payload(&a, VA_METHOD_SHUTDOWN, false, bad_mode,
                                             sizeof(bad_mode), &m), VA_ERR_DECODE);
    assert_null(m);
    assert_int_equal(va_codec_decode_payload(&a, VA_METHOD_SHUTDOWN, false, neg_mode,
                                             sizeof(neg_mode), &m), VA_ERR_DECODE);
    assert_int_equal(va_codec_decode_payload(&a, VA_METHOD_EVENT, false, bad_event,
                                             sizeof(bad_event), &m), VA_ERR_DECODE);
    assert_int_equal(va_codec_decode_payload(&a, VA_METHOD_SHUTDOWN, false, good_mode,
                                             sizeof(good_mode), &m), VA_OK);
}

static void test_payload_string_caps(void **state)
{
    va_arena a;
    ProtobufCMessage *m = NULL;
    size_t n = 0;

    (void)state;
    /* InfoResponse.hostname (field 1) exactly at the cap, then one over. */
    g_wire[n++] = 0x0a;
    n += put_varint(g_wire + n, VA_CODEC_STRING_MAX);
    memset(g_wire + n, 'h', VA_CODEC_STRING_MAX);
    n += VA_CODEC_STRING_MAX;
    arena_with_guard(&a, g_mem, 8192);
    assert_int_equal(va_codec_decode_payload(&a, VA_METHOD_INFO, true, g_wire, n, &m), VA_OK);
    assert_int_equal(strlen(((Virtagent__InfoResponse *)m)->hostname), VA_CODEC_STRING_MAX);
    n = 0;
    g_wire[n++] = 0x0a;
    n += put_varint(g_wire + n, VA_CODEC_STRING_MAX + 1);
    memset(g_wire + n, 'h', VA_CODEC_STRING_MAX + 1);
    n += VA_CODEC_STRING_MAX + 1;
    assert_int_equal(va_codec_decode_payload(&a, VA_METHOD_INFO, true, g_wire, n, &m),
                     VA_ERR_DECODE);
    assert_null(m);
    /* A repeated element's string is checked too (MethodInfo.name). */
    n = 0;
    g_wire[n++] = 0x1a;
    n += put_varint(g_wire + n, 1 + 2 + VA_CODEC_STRING_MAX + 1);
    g_wire[n++] = 0x0a;
    n += put_varint(g_wire + n, VA_CODEC_STRING_MAX + 1);
    memset(g_wire + n, 'n', VA_CODEC_STRING_MAX + 1);
    n += VA_CODEC_STRING_MAX + 1;
    assert_int_equal(va_codec_decode_payload(&a, VA_METHOD_CAPABILITIES, true, g_wire, n, &m),
                     VA_ERR_DECODE);
    assert_guard(g_mem, 8192);
}

static void test_payload_misc_errors(void **state)
{
    va_arena a;
    ProtobufCMessage *m = NULL;
    Virtagent__PingRequest rq = VIRTAGENT__PING_REQUEST__INIT;
    Virtagent__InfoResponse big = VIRTAGENT__INFO_RESPONSE__INIT;
    static char longs[VA_CODEC_STRING_MAX + 2];
    static const uint8_t truncated[] = { 0x08 };
    uint8_t out[64];
    size_t n = 99;

    (void)state;
    arena_with_guard(&a, g_mem, 4096);
    assert_int_equal(va_codec_decode_payload(&a, 0x0999, false, truncated, 0, &m),
                     VA_ERR_NOMETHOD);
    assert_int_equal(va_codec_decode_payload(&a, VA_METHOD_PING, false, truncated,
                                             sizeof(truncated), &m), VA_ERR_DECODE);
    assert_int_equal(va_codec_decode_payload(&a, VA_METHOD_PING, false, g_wire,
                                             VA_CODEC_PAYLOAD_MAX + 1, &m), VA_ERR_DECODE);
    assert_int_equal(va_codec_decode_payload(&a, VA_METHOD_PING, false, NULL, 0, &m), VA_OK);
    assert_int_equal(va_codec_decode_payload(NULL, VA_METHOD_PING, false, NULL, 0, &m),
                     VA_ERR_INVAL);
    /* Wrong message type for the method / side. */
    assert_int_equal(va_codec_encode_payload(VA_METHOD_PING, true, &rq.base, out,
                                             sizeof(out), &n), VA_ERR_INVAL);
    assert_int_equal(va_codec_encode_payload(VA_METHOD_INFO, false, &rq.base, out,
                                             sizeof(out), &n), VA_ERR_INVAL);
    assert_int_equal(va_codec_encode_payload(0, false, &rq.base, out, sizeof(out), &n),
                     VA_ERR_NOMETHOD);
    rq.has_nonce = 1;
    rq.nonce = UINT64_MAX;
    assert_int_equal(va_codec_encode_payload(VA_METHOD_PING, false, &rq.base, out, 3, &n),
                     VA_ERR_NOSPACE);
    assert_int_equal(n, 11);
    memset(longs, 'x', sizeof(longs) - 1);
    big.hostname = longs;
    assert_int_equal(va_codec_encode_payload(VA_METHOD_INFO, true, &big.base, g_pl1,
                                             sizeof(g_pl1), &n), VA_ERR_INVAL);
}

/* ---- method ids ---------------------------------------------------------- */

struct method_row {
    const char *service;
    const char *name;
    uint32_t id;
    const ProtobufCMessageDescriptor *in;
    const ProtobufCMessageDescriptor *out;
};

/* Hand-written: the wire ABI. A reordered .proto fails here. */
static const struct method_row method_rows[] = {
    { "GuestAgent", "Ping", 0x0100, &virtagent__ping_request__descriptor,
      &virtagent__ping_response__descriptor },
    { "GuestAgent", "Capabilities", 0x0101, &virtagent__capabilities_request__descriptor,
      &virtagent__capabilities_response__descriptor },
    { "GuestAgent", "Info", 0x0102, &virtagent__info_request__descriptor,
      &virtagent__info_response__descriptor },
    { "GuestAgent", "Shutdown", 0x0103, &virtagent__shutdown_request__descriptor,
      &virtagent__shutdown_response__descriptor },
    { "HostAgent", "Announce", 0x0200, &virtagent__announce_request__descriptor,
      &virtagent__announce_response__descriptor },
    { "HostAgent", "Event", 0x0201, &virtagent__event_request__descriptor,
      &virtagent__event_response__descriptor },
};

#define N_METHOD_ROWS (sizeof(method_rows) / sizeof(method_rows[0]))

static void test_method_ids_every_method(void **state)
{
    char buf[128];
    uint32_t id;
    size_t i;
    size_t j;

    (void)state;
    for (i = 0; i < N_METHOD_ROWS; i++) {
        const struct method_row *r = &method_rows[i];
        const ProtobufCMethodDescriptor *md = va_codec_method(r->id);

        assert_non_null(md);
        assert_string_equal(md->name, r->name);
        assert_ptr_equal(md->input, r->in);
        assert_ptr_equal(md->output, r->out);
        assert_string_equal(va_codec_method_service(r->id)->short_name, r->service);

        id = 0;
        assert_int_equal(va_codec_method_id(r->name, &id), VA_OK);
        assert_int_equal(id, r->id);
        snprintf(buf, sizeof(buf), "%s.%s", r->service, r->name);
        assert_int_equal(va_codec_method_id(buf, &id), VA_OK);
        assert_int_equal(id, r->id);
        snprintf(buf, sizeof(buf), "virtagent.%s.%s", r->service, r->name);
        assert_int_equal(va_codec_method_id(buf, &id), VA_OK);
        assert_int_equal(id, r->id);
        /* CLI convenience: case-insensitive. */
        for (j = 0; buf[j] != '\0'; j++) {
            if (buf[j] >= 'A' && buf[j] <= 'Z') {
                buf[j] = (char)(buf[j] - 'A' + 'a');
            }
        }
        assert_int_equal(va_codec_method_id(buf, &id), VA_OK);
        assert_int_equal(id, r->id);
    }
    /* Nothing in the services that this table does not know about. */
    assert_int_equal(virtagent__guest_agent__descriptor.n_methods +
                     virtagent__host_agent__descriptor.n_methods, N_METHOD_ROWS);
    assert_true(virtagent__guest_agent__descriptor.n_methods <= VA_METHOD_INDEX_MASK + 1u);
    assert_true(virtagent__host_agent__descriptor.n_methods <= VA_METHOD_INDEX_MASK + 1u);
    assert_int_equal(VA_METHOD_PING, 0x0100);
    assert_int_equal(VA_METHOD_EVENT, 0x0201);
}

static void test_method_ids_unknown_rejected(void **state)
{
    static const uint32_t bad[] = {
        0x0000, 0x0001, 0x00ff, 0x0104, 0x01ff, 0x0202, 0x0300, 0x0301,
        0x1000, 0x10100, 0x20100, 0xffff, 0x80000100u, UINT32_MAX,
    };
    static const char *const bad_names[] = {
        "", "Pong", "HostAgent.Ping", "GuestAgent.", "GuestAgent", ".Ping",
        "virtagent.HostAgent.Info", "other.GuestAgent.Ping", "Ping ", "Pin",
        "GuestAgent.Ping.Ping",
    };
    uint32_t id = 0xdead;
    char longname[300];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(va_codec_method(bad[i]));
        assert_null(va_codec_method_service(bad[i]));
    }
    for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        assert_int_equal(va_codec_method_id(bad_names[i], &id), VA_ERR_NOMETHOD);
        assert_int_equal(id, 0xdead);
    }
    memset(longname, 'P', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(va_codec_method_id(longname, &id), VA_ERR_NOMETHOD);
    assert_int_equal(va_codec_method_id(NULL, &id), VA_ERR_INVAL);
    assert_int_equal(va_codec_method_id("Ping", NULL), VA_ERR_INVAL);
}

/* ---- arena --------------------------------------------------------------- */

static void test_arena_alignment(void **state)
{
    va_arena a;
    uint8_t *prev_end = NULL;
    size_t sz;

    (void)state;
    /* Misaligned start: the arena aligns itself and shrinks accordingly. */
    assert_int_equal(va_arena_init(&a, g_mem + 1, 4096, SIZE_MAX), VA_OK);
    assert_int_equal((uintptr_t)a.base % VA_ARENA_ALIGN, 0);
    assert_ptr_equal(a.base, g_mem + VA_ARENA_ALIGN);
    assert_int_equal(a.cap, 4096 - (VA_ARENA_ALIGN - 1));
    for (sz = 1; sz <= 100; sz++) {
        uint8_t *p = va_arena_alloc(&a, sz);

        assert_non_null(p);
        assert_int_equal((uintptr_t)p % VA_ARENA_ALIGN, 0);
        assert_true(p >= a.base);
        assert_true(p + sz <= a.base + a.cap);
        if (prev_end != NULL) {
            assert_true(p >= prev_end);
        }
        prev_end = p + sz;
        memset(p, 0xee, sz);
        if (a.cap - a.used < 128) {
            break;
        }
    }
    assert_true(va_arena_valid(&a));
}

static void test_arena_exhaustion_and_reset(void **state)
{
    va_arena a;
    uint8_t *p1;
    uint8_t *p2;

    (void)state;
    arena_with_guard(&a, g_mem, 64);
    p1 = va_arena_alloc(&a, 40);
    assert_non_null(p1);
    assert_int_equal(a.used, 48); /* rounded up to the next aligned slot */
    assert_null(va_arena_alloc(&a, 17));
    assert_int_equal(a.failures, 1);
    p2 = va_arena_alloc(&a, 16);
    assert_non_null(p2);
    assert_int_equal(a.used, 64);
    assert_null(va_arena_alloc(&a, 1));
    assert_int_equal(a.failures, 2);
    assert_int_equal(a.peak, 64);
    assert_int_equal(a.allocs, 2);
    va_arena_reset(&a);
    assert_int_equal(a.used, 0);
    assert_int_equal(a.peak, 64);      /* peak survives reset */
    assert_int_equal(a.failures, 2);   /* so do counters */
    assert_ptr_equal(va_arena_alloc(&a, 64), p1);
    assert_guard(g_mem, 64);
}

static void test_arena_odd_cap_tail(void **state)
{
    va_arena a;

    (void)state;
    /* cap not a multiple of the alignment: the last block may end unaligned. */
    arena_with_guard(&a, g_mem, VA_ARENA_ALIGN * 2 + 1);
    assert_non_null(va_arena_alloc(&a, 1));
    assert_non_null(va_arena_alloc(&a, VA_ARENA_ALIGN + 1));
    assert_int_equal(a.used, a.cap);
    assert_null(va_arena_alloc(&a, 1));
    assert_non_null(va_arena_alloc(&a, 0)); /* zero bytes still fit */
    assert_true(va_arena_valid(&a));
    assert_guard(g_mem, VA_ARENA_ALIGN * 2 + 1);
}

static void test_arena_huge_sizes(void **state)
{
    va_arena a;
    static const size_t huge[] = {
        SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - VA_ARENA_ALIGN + 1, SIZE_MAX / 2 + 1,
        ((size_t)1 << (sizeof(size_t) * 8 - 1)), 4097,
    };
    size_t i;

    (void)state;
    arena_with_guard(&a, g_mem, 4096);
    assert_non_null(va_arena_alloc(&a, 16));
    for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
        assert_null(va_arena_alloc(&a, huge[i]));
        assert_int_equal(a.used, 16); /* a refused request changes nothing */
        assert_true(va_arena_valid(&a));
    }
    assert_int_equal(a.failures, sizeof(huge) / sizeof(huge[0]));
    /* Through the protobuf-c allocator too. */
    assert_null(a.pb.alloc(a.pb.allocator_data, SIZE_MAX));
    assert_non_null(va_arena_alloc(&a, 4096 - 16));
    assert_guard(g_mem, 4096);
}

static void test_arena_init_edges(void **state)
{
    va_arena a;

    (void)state;
    assert_int_equal(va_arena_init(NULL, g_mem, 16, SIZE_MAX), VA_ERR_INVAL);
    assert_int_equal(va_arena_init(&a, NULL, 16, SIZE_MAX), VA_ERR_INVAL);
    /* No buffer at all: valid, empty, refuses everything. */
    assert_int_equal(va_arena_init(&a, NULL, 0, SIZE_MAX), VA_OK);
    assert_null(va_arena_alloc(&a, 0));
    assert_null(va_arena_alloc(&a, 1));
    /* Buffer shorter than the alignment padding. */
    assert_int_equal(va_arena_init(&a, g_mem + 1, 3, SIZE_MAX), VA_OK);
    assert_int_equal(a.cap, 0);
    assert_null(va_arena_alloc(&a, 1));
    /* Cap below the buffer length wins. */
    assert_int_equal(va_arena_init(&a, g_mem, 4096, 100), VA_OK);
    assert_int_equal(a.cap, 100);
    assert_null(va_arena_alloc(&a, 101));
    assert_non_null(va_arena_alloc(&a, 100));
    /* free is a no-op and tolerated. */
    a.pb.free(a.pb.allocator_data, a.base);
    assert_int_equal(a.used, 100);
    assert_ptr_equal(va_arena_allocator(&a), &a.pb);
    assert_null(va_arena_allocator(NULL));
    assert_null(va_arena_alloc(NULL, 1));
    assert_int_equal(va_arena_remaining(&a), 0);
    assert_false(va_arena_valid(NULL));
}

/* Decode failure leaves no usable message, and the arena is reused. */
static void test_decode_resets_arena(void **state)
{
    va_arena a;
    Virtagent__Envelope *e = NULL;
    static const uint8_t ka[] = { 0x10, 0x06 };

    (void)state;
    arena_with_guard(&a, g_mem, 4096);
    assert_non_null(va_arena_alloc(&a, 1000));
    assert_int_equal(va_codec_decode_envelope(&a, ka, sizeof(ka), &e), VA_OK);
    assert_ptr_equal((uint8_t *)e, a.base); /* reset: starts at the base */
    assert_int_equal(va_codec_decode_envelope(&a, NULL, 5, &e), VA_ERR_INVAL);
    assert_int_equal(va_codec_decode_envelope(NULL, ka, sizeof(ka), &e), VA_ERR_INVAL);
    assert_int_equal(va_codec_decode_envelope(&a, ka, sizeof(ka), NULL), VA_ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ENVELOPE_VECTORS(VEC_REGISTER)
        cmocka_unit_test(test_vec_empty_input),
        cmocka_unit_test(test_string_at_cap_accepted),
        cmocka_unit_test(test_string_over_cap_rejected),
        cmocka_unit_test(test_payload_at_cap_accepted),
        cmocka_unit_test(test_payload_over_cap_rejected),
        cmocka_unit_test(test_bytes_larger_than_arena_nomem),
        cmocka_unit_test(test_arena_size_sweep),
        cmocka_unit_test(test_deeply_nested_unknown_field),
        cmocka_unit_test(test_arena_bound_unknown_field_flood),
        cmocka_unit_test(test_arena_bound_repeated_flood),
        cmocka_unit_test(test_encode_nospace_reports_need),
        cmocka_unit_test(test_encode_rejects_invalid),
        cmocka_unit_test(test_encode_payload_over_cap_toobig),
        cmocka_unit_test(test_encode_long_string_inval),
        cmocka_unit_test(test_builders_round_trip),
        cmocka_unit_test(test_rt_ping),
        cmocka_unit_test(test_rt_capabilities),
        cmocka_unit_test(test_rt_info),
        cmocka_unit_test(test_rt_shutdown),
        cmocka_unit_test(test_rt_announce),
        cmocka_unit_test(test_rt_event),
        cmocka_unit_test(test_request_in_envelope),
        cmocka_unit_test(test_payload_bad_enum_rejected),
        cmocka_unit_test(test_payload_string_caps),
        cmocka_unit_test(test_payload_misc_errors),
        cmocka_unit_test(test_method_ids_every_method),
        cmocka_unit_test(test_method_ids_unknown_rejected),
        cmocka_unit_test(test_arena_alignment),
        cmocka_unit_test(test_arena_exhaustion_and_reset),
        cmocka_unit_test(test_arena_odd_cap_tail),
        cmocka_unit_test(test_arena_huge_sizes),
        cmocka_unit_test(test_arena_init_edges),
        cmocka_unit_test(test_decode_resets_arena),
    };

    return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}
