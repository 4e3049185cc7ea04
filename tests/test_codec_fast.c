/* SPDX-License-Identifier: MIT */
/*
 * The envelope codec's fast path (runtime/va_codec_fast.c) against the
 * general protobuf-c path: same bytes out, same verdict and same fields in,
 * on random envelopes and on random mutations of their encodings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "va_codec_fast.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void random_envelope(Virtagent__Envelope *e, uint8_t *payload)
{
    static const Virtagent__Envelope init = VIRTAGENT__ENVELOPE__INIT;
    static const uint64_t ids[] = { 0, 1, 127, 128, 0x100000003ull, UINT64_MAX, 0xFFFFFFFFull };
    *e = init;
    e->has_kind = (rnd() % 16) != 0;
    e->kind = (Virtagent__Envelope__Kind)(rnd() % 8);
    e->has_id = (rnd() % 4) != 0;
    e->id = (rnd() % 2) ? ids[rnd() % 7] : rnd();
    e->has_method = (rnd() % 2) != 0;
    e->method = (uint32_t)((rnd() % 2) ? rnd() % 0x300 : rnd());
    e->has_payload = (rnd() % 2) != 0;
    e->payload.len = (size_t)(rnd() % 3 ? rnd() % 200 : 0);
    if (!e->has_payload && rnd() % 8 != 0) {
        e->payload.len = 0;
    }
    for (size_t i = 0; i < e->payload.len; i++) {
        payload[i] = (uint8_t)rnd();
    }
    e->payload.data = e->payload.len ? payload : NULL;
}

static void same_envelope(const Virtagent__Envelope *a, const Virtagent__Envelope *b)
{
    assert_int_equal(a->has_id, b->has_id);
    if (a->has_id) {
        assert_true(a->id == b->id);
    }
    assert_int_equal(a->has_kind, b->has_kind);
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->has_method, b->has_method);
    if (a->has_method) {
        assert_int_equal(a->method, b->method);
    }
    assert_int_equal(a->has_payload, b->has_payload);
    assert_int_equal(a->payload.len, b->payload.len);
    if (a->payload.len) {
        assert_memory_equal(a->payload.data, b->payload.data, a->payload.len);
    }
    assert_true((a->status == NULL) == (b->status == NULL));
    assert_true((a->hello == NULL) == (b->hello == NULL));
}

static uint8_t abuf[1 << 16], bbuf[1 << 16];

static void decode_both(const uint8_t *data, size_t len, unsigned *fast_hits)
{
    va_arena a, b;
    Virtagent__Envelope *ea = NULL, *eb = NULL;
    assert_int_equal(va_arena_init(&a, abuf, sizeof abuf, sizeof abuf - 64), VA_OK);
    assert_int_equal(va_arena_init(&b, bbuf, sizeof bbuf, sizeof bbuf - 64), VA_OK);
    int rf = va_codec_fast_decode(&a, data, len, &ea);
    int rg = va_codec_decode_envelope_general(&b, data, len, &eb);
    if (rf == VA_ERR_AGAIN) {
        return;
    }
    (*fast_hits)++;
    if (rf != rg) {
        fail_msg("fast path says %s, general path %s (len %zu)", va_errname(rf), va_errname(rg), len);
    }
    if (rf == VA_OK) {
        same_envelope(ea, eb);
    }
}

static void encode_same_bytes(void **state)
{
    (void)state;
    static uint8_t payload[256], o1[512], o2[512];
    unsigned fast = 0;
    for (int i = 0; i < 200000; i++) {
        Virtagent__Envelope e;
        size_t w1 = 0, w2 = 0, sz = 0;
        random_envelope(&e, payload);
        int r1 = va_codec_encode_envelope(&e, o1, sizeof o1, &w1);
        int r2 = va_codec_encode_envelope_general(&e, o2, sizeof o2, &w2);
        if (va_codec_fast_size(&e, &sz) == VA_OK) {
            fast++;
            assert_int_equal(sz, va_codec_envelope_size(&e));
        }
        assert_int_equal(r1, r2);
        if (r1 == VA_OK) {
            assert_int_equal(w1, w2);
            assert_memory_equal(o1, o2, w1);
            assert_int_equal(va_codec_envelope_size(&e), w1);
        }
        /* a short buffer: same verdict */
        w1 = w2 = 0;
        r1 = va_codec_encode_envelope(&e, o1, 5, &w1);
        r2 = va_codec_encode_envelope_general(&e, o2, 5, &w2);
        assert_int_equal(r1, r2);
    }
    assert_true(fast > 10000); /* the fast path was really exercised */
}

static void decode_same_verdict(void **state)
{
    (void)state;
    static uint8_t payload[256], enc[512], mut[600];
    unsigned fast = 0;
    for (int i = 0; i < 200000; i++) {
        Virtagent__Envelope e;
        size_t w = 0;
        random_envelope(&e, payload);
        if (va_codec_encode_envelope_general(&e, enc, sizeof enc, &w) != VA_OK) {
            /* encode without the rules, so invalid envelopes reach the decoders */
            w = protobuf_c_message_pack(&e.base, enc);
        }
        decode_both(enc, w, &fast);
        /* mutations: flip a byte, truncate, duplicate a prefix, append junk */
        memcpy(mut, enc, w);
        size_t m = w;
        switch (rnd() % 4) {
        case 0:
            if (m) {
                mut[rnd() % m] ^= (uint8_t)(1u << (rnd() % 8));
            }
            break;
        case 1:
            m = m ? (size_t)(rnd() % m) : 0;
            break;
        case 2:
            if (m && m * 2 < sizeof mut) {
                memcpy(mut + m, enc, m);
                m *= 2;
            }
            break;
        default:
            for (int k = 0; k < 4 && m < sizeof mut; k++) {
                mut[m++] = (uint8_t)rnd();
            }
            break;
        }
        decode_both(mut, m, &fast);
    }
    /* random short byte strings with tag-shaped bytes */
    static const uint8_t tags[] = { 0x08, 0x10, 0x18, 0x2A, 0x22, 0x32, 0x80, 0x00, 0x01, 0xFF };
    for (int i = 0; i < 200000; i++) {
        size_t n = (size_t)(rnd() % 24);
        for (size_t k = 0; k < n; k++) {
            mut[k] = (rnd() % 2) ? tags[rnd() % sizeof tags] : (uint8_t)rnd();
        }
        decode_both(mut, n, &fast);
    }
    assert_true(fast > 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode_same_bytes),
        cmocka_unit_test(decode_same_verdict),
    };
    return cmocka_run_group_tests_name("codec-fast", tests, NULL, NULL);
}
