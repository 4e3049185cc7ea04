/* SPDX-License-Identifier: MIT */
/*
 * Framing layer tests: CRC-32C vectors, encoder errors, one named test per
 * wire vector (each decoded in one chunk, one byte at a time and split at
 * every byte boundary), and a random-chunking property test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "va_crc32c.h"
#include "virtagent/va_framing.h"

/* Payload cap used by the wire vectors: small so every-split runs are cheap. */
#define TMAX 300u
#define TCAP (TMAX + VA_FRAME_OVERHEAD)
#define FSZ(n) ((uint64_t)(n) + VA_FRAME_OVERHEAD)
#define VEC_STREAM_MAX 4096u
#define VEC_FRAMES_MAX 8u
/* Frames recorded per decode run (property test streams stay below this). */
#define REC_FRAMES_MAX 512u
#define REC_ARENA (REC_FRAMES_MAX * (TMAX + 1u))

/* ---------- helpers ---------- */

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Header with chosen bytes 2 and 3; the header CRC is always made valid. */
static void put_header(uint8_t *h, uint8_t b2, uint8_t b3, uint32_t len)
{
    h[0] = VA_FRAME_MAGIC0;
    h[1] = VA_FRAME_MAGIC1;
    h[2] = b2;
    h[3] = b3;
    put_le32(h + 4, len);
    put_le32(h + 8, va_crc32c(h, 8));
}

/* Letters only: no 0xA7 in payloads, so vector counters are exact. */
static void fill_payload(uint8_t *p, uint32_t len, uint32_t seed)
{
    for (uint32_t i = 0; i < len; i++) {
        p[i] = (uint8_t)('a' + (i + seed) % 26u);
    }
}

typedef struct vec {
    uint8_t s[VEC_STREAM_MAX];
    size_t len;
    uint8_t exp[VEC_FRAMES_MAX][TMAX];
    uint32_t exp_len[VEC_FRAMES_MAX];
    size_t nexp;
} vec;

static void v_bytes(vec *v, const void *b, size_t n)
{
    assert_true(v->len + n <= VEC_STREAM_MAX);
    memcpy(v->s + v->len, b, n);
    v->len += n;
}

/* Append a valid frame; returns its offset in the stream. */
static size_t v_frame(vec *v, uint32_t len, uint32_t seed, int expect)
{
    uint8_t pl[TMAX];
    size_t at = v->len;
    assert_true(len <= TMAX);
    fill_payload(pl, len, seed);
    int n = va_frame_encode(v->s + v->len, VEC_STREAM_MAX - v->len, pl, len, TMAX);
    assert_int_equal(n, (int)FSZ(len));
    v->len += (size_t)n;
    if (expect) {
        assert_true(v->nexp < VEC_FRAMES_MAX);
        memcpy(v->exp[v->nexp], pl, len);
        v->exp_len[v->nexp] = len;
        v->nexp++;
    }
    return at;
}

typedef struct rec {
    size_t n;
    uint32_t len[REC_FRAMES_MAX];
    size_t off[REC_FRAMES_MAX];
    size_t used;
    uint8_t arena[REC_ARENA];
} rec;

static void rec_frame(rec *r, const uint8_t *pl, uint32_t len)
{
    assert_true(r->n < REC_FRAMES_MAX);
    assert_true(r->used + len <= REC_ARENA);
    memcpy(r->arena + r->used, pl, len);
    r->off[r->n] = r->used;
    r->len[r->n] = len;
    r->used += len;
    r->n++;
}

/* Feed data[0..n) in one call sequence, collecting every frame. */
static void feed_all(va_framer *f, const uint8_t *data, size_t n, rec *r)
{
    size_t off = 0;
    for (;;) {
        const uint8_t *pl = NULL;
        uint32_t plen = 0;
        size_t c = 0;
        int ret = va_framer_feed(f, data + off, n - off, &c, &pl, &plen);
        assert_true(va_framer_valid(f));
        assert_true(c <= n - off);
        off += c;
        if (ret == 1) {
            /* The payload lives in the framer's buffer. */
            assert_non_null(pl);
            assert_true(plen <= f->max_payload);
            assert_true(pl >= f->buf && pl + plen <= f->buf + f->cap);
            rec_frame(r, pl, plen);
            continue;
        }
        assert_int_equal(ret, 0);
        assert_int_equal(off, n);
        break;
    }
    /* Accounting: every byte taken is in a frame, dropped, or still held. */
    assert_true(f->stats.bytes_in ==
                f->stats.frame_bytes + f->stats.garbage_bytes + va_framer_pending(f));
}

/* Decode s with chunks of `chunk` bytes (0 = one call), or split at `split`. */
static void decode(const uint8_t *s, size_t len, size_t chunk, size_t split, uint8_t *buf,
                   uint32_t cap, uint32_t max, va_framer *f, rec *r)
{
    memset(r, 0, offsetof(rec, arena));
    assert_int_equal(va_framer_init(f, buf, cap, max), VA_OK);
    if (chunk == 0) {
        feed_all(f, s, split, r);
        feed_all(f, s + split, len - split, r);
        return;
    }
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = (len - off < chunk) ? len - off : chunk;
        feed_all(f, s + off, n, r);
    }
}

static int stats_equal(const va_framer_stats *a, const va_framer_stats *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

/* ---------- wire vectors ---------- */

typedef struct expect {
    uint64_t frames, garbage, bad_header, oversize, bad_crc, resyncs, pending;
} expect;

static rec g_rec_a;
static rec g_rec_b;
static vec g_vec;
static uint8_t g_buf[TCAP];

static void check_against(const vec *v, const rec *r, const va_framer *f, const expect *e)
{
    assert_int_equal(r->n, v->nexp);
    for (size_t i = 0; i < r->n; i++) {
        assert_int_equal(r->len[i], v->exp_len[i]);
        assert_memory_equal(r->arena + r->off[i], v->exp[i], v->exp_len[i]);
    }
    assert_int_equal(f->stats.frames, e->frames);
    assert_int_equal(f->stats.garbage_bytes, e->garbage);
    assert_int_equal(f->stats.bad_header, e->bad_header);
    assert_int_equal(f->stats.oversize, e->oversize);
    assert_int_equal(f->stats.bad_crc, e->bad_crc);
    assert_int_equal(f->stats.resyncs, e->resyncs);
    assert_int_equal(va_framer_pending(f), e->pending);
    assert_int_equal(f->stats.bytes_in, v->len);
}

static void run_vector(void (*build)(vec *), const expect *e)
{
    vec *v = &g_vec;
    va_framer f;
    va_framer_stats whole;

    memset(v, 0, sizeof *v);
    build(v);

    /* One chunk. */
    decode(v->s, v->len, 0, v->len, g_buf, TCAP, TMAX, &f, &g_rec_a);
    check_against(v, &g_rec_a, &f, e);
    whole = f.stats;

    /* One byte at a time: identical frames and counters. */
    decode(v->s, v->len, 1, 0, g_buf, TCAP, TMAX, &f, &g_rec_b);
    check_against(v, &g_rec_b, &f, e);
    assert_true(stats_equal(&whole, &f.stats));

    /* Every split point. */
    for (size_t split = 0; split <= v->len; split++) {
        decode(v->s, v->len, 0, split, g_buf, TCAP, TMAX, &f, &g_rec_b);
        check_against(v, &g_rec_b, &f, e);
        assert_true(stats_equal(&whole, &f.stats));
    }
}

/* Positive rows: every intact frame is delivered. */
static void b_valid(vec *v) { v_frame(v, 5, 0, 1); }
static void b_empty(vec *v) { v_frame(v, 0, 0, 1); }
static void b_max(vec *v) { v_frame(v, TMAX, 3, 1); }
static void b_two(vec *v)
{
    v_frame(v, 17, 1, 1);
    v_frame(v, 40, 2, 1);
}
static void b_garbage_before(vec *v)
{
    v_bytes(v, "\x01\x02\x03\x5A\x10\x00\xff", 7);
    v_frame(v, 9, 0, 1);
}
static void b_garbage_between(vec *v)
{
    v_frame(v, 9, 0, 1);
    v_bytes(v, "junk!", 5);
    v_frame(v, 10, 1, 1);
}
/* Garbage inside a frame: the frame is lost, the next one found inside it. */
static void b_garbage_inside(vec *v)
{
    uint8_t tmp[FSZ(50)];
    vec w;
    memset(&w, 0, sizeof w);
    v_frame(&w, 50, 0, 0);
    memcpy(tmp, w.s, w.len);
    v_bytes(v, tmp, 30);
    v_bytes(v, "XYZ", 3);
    v_bytes(v, tmp + 30, w.len - 30);
    v_frame(v, 20, 5, 1);
}
static void b_fake_magic(vec *v)
{
    v_bytes(v, "zz\xA7\x5A\x10\x00\xff\xff", 8);
    v_frame(v, 12, 0, 1);
}
static void b_magic_twice(vec *v)
{
    v_bytes(v, "\xA7", 1);
    v_frame(v, 3, 0, 1);
}
/* Peer restarted mid-frame: the new frame starts inside what we took as payload. */
static void b_truncated_then_full(vec *v)
{
    vec w;
    memset(&w, 0, sizeof w);
    v_frame(&w, 100, 9, 0);
    v_bytes(v, w.s, 42);
    v_frame(v, 100, 1, 1);
    v_frame(v, 7, 2, 1);
}
static void b_truncated_header_then_full(vec *v)
{
    vec w;
    memset(&w, 0, sizeof w);
    v_frame(&w, 100, 9, 0);
    v_bytes(v, w.s, 7);
    v_frame(v, 30, 1, 1);
}
static void b_trailing_partial(vec *v)
{
    vec w;
    memset(&w, 0, sizeof w);
    v_frame(v, 8, 0, 1);
    v_frame(&w, 20, 0, 0);
    v_bytes(v, w.s, 19);
}

/*
 * The header of a len-8 frame cut right after its 12 bytes, then a whole
 * frame.  With a trailer over the payload only, the cut header plus the next
 * header's first 8 bytes and its CRC formed a valid frame and the real frame
 * was lost (the old format's alias).  The trailer covers the header too: the
 * cut header now fails its CRC and the real frame inside it is found.
 */
static void b_len8_cut_header(vec *v)
{
    uint8_t h[12];
    put_header(h, VA_FRAME_VERSION_BYTE, 0, 8);
    v_bytes(v, h, 12);
    v_frame(v, 30, 0, 1);
}

/* Negative rows: a bad frame is dropped and counted, the next one found. */
static void b_oversize(vec *v)
{
    uint8_t h[12];
    put_header(h, VA_FRAME_VERSION_BYTE, 0, TMAX + 1u);
    v_bytes(v, h, 12);
    v_frame(v, 4, 0, 1);
}
static void b_bad_hcrc(vec *v)
{
    size_t at = v_frame(v, 20, 0, 0);
    v->s[at + 9] ^= 0x01u;
    v_frame(v, 21, 1, 1);
}
static void b_bad_pcrc(vec *v)
{
    size_t at = v_frame(v, 20, 0, 0);
    v->s[at + 12 + 4] ^= 0x20u;
    v_frame(v, 21, 1, 1);
}
static void b_bad_trailer(vec *v)
{
    size_t at = v_frame(v, 20, 0, 0);
    v->s[at + 12 + 20 + 3] ^= 0x80u;
    v_frame(v, 21, 1, 1);
}
static void b_reserved_nibble(vec *v)
{
    uint8_t h[12];
    put_header(h, VA_FRAME_VERSION_BYTE | 0x01u, 0, 4);
    v_bytes(v, h, 12);
    v_bytes(v, "abcd\0\0\0\0", 8);
    v_frame(v, 6, 0, 1);
}
static void b_reserved_byte3(vec *v)
{
    uint8_t h[12];
    put_header(h, VA_FRAME_VERSION_BYTE, 0x40, 4);
    v_bytes(v, h, 12);
    v_frame(v, 6, 0, 1);
}
static void b_wrong_version(vec *v)
{
    uint8_t h[12];
    put_header(h, 0x20, 0, 0);
    v_bytes(v, h, 12);
    v_frame(v, 6, 0, 1);
}
static void b_only_garbage(vec *v)
{
    for (int i = 0; i < 200; i++) {
        uint8_t b = (uint8_t)(i * 37 + 11);
        if (b == VA_FRAME_MAGIC0) {
            b = 0;
        }
        v_bytes(v, &b, 1);
    }
}
/* A header swallowing the next real frame's header must not hide it. */
static void b_bad_header_over_frame(vec *v)
{
    v_bytes(v, "\xA7\x5A\x10\x00\x05", 5);
    v_frame(v, 33, 0, 1);
}

/* X(name, builder, frames, garbage, bad_header, oversize, bad_crc, resyncs, pending) */
#define POSITIVE_VECTORS(X)                                                          \
    X(valid, b_valid, 1, 0, 0, 0, 0, 0, 0)                                           \
    X(empty_payload, b_empty, 1, 0, 0, 0, 0, 0, 0)                                   \
    X(max_payload, b_max, 1, 0, 0, 0, 0, 0, 0)                                       \
    X(two_frames, b_two, 2, 0, 0, 0, 0, 0, 0)                                        \
    X(garbage_before, b_garbage_before, 1, 7, 0, 0, 0, 1, 0)                         \
    X(garbage_between, b_garbage_between, 2, 5, 0, 0, 0, 1, 0)                       \
    X(garbage_inside, b_garbage_inside, 1, FSZ(50) + 3, 0, 0, 1, 1, 0)               \
    X(fake_magic_in_garbage, b_fake_magic, 1, 8, 1, 0, 0, 1, 0)                      \
    X(magic_byte_twice, b_magic_twice, 1, 1, 0, 0, 0, 1, 0)                          \
    X(truncated_then_full, b_truncated_then_full, 2, 42, 0, 0, 1, 1, 0)              \
    X(truncated_header_then_full, b_truncated_header_then_full, 1, 7, 1, 0, 0, 1, 0) \
    X(trailing_partial, b_trailing_partial, 1, 0, 0, 0, 0, 0, 19)                   \
    X(len8_cut_header, b_len8_cut_header, 1, 12, 0, 0, 1, 1, 0)

#define NEGATIVE_VECTORS(X)                                                          \
    X(oversize_length, b_oversize, 1, 12, 0, 1, 0, 1, 0)                             \
    X(bad_header_crc, b_bad_hcrc, 1, FSZ(20), 1, 0, 0, 1, 0)                         \
    X(bad_payload_crc, b_bad_pcrc, 1, FSZ(20), 0, 0, 1, 1, 0)                        \
    X(bad_trailer, b_bad_trailer, 1, FSZ(20), 0, 0, 1, 1, 0)                         \
    X(reserved_bits_set, b_reserved_nibble, 1, 20, 1, 0, 0, 1, 0)                    \
    X(reserved_byte_set, b_reserved_byte3, 1, 12, 1, 0, 0, 1, 0)                     \
    X(wrong_version, b_wrong_version, 1, 12, 1, 0, 0, 1, 0)                          \
    X(only_garbage, b_only_garbage, 0, 200, 0, 0, 0, 0, 0)                           \
    X(bad_header_over_frame, b_bad_header_over_frame, 1, 5, 1, 0, 0, 1, 0)

#define DEFINE_VECTOR_TEST(name, builder, fr, gb, bh, ov, bc, rs, pend) \
    static void test_vec_##name(void **state)                            \
    {                                                                    \
        static const expect e = { fr, gb, bh, ov, bc, rs, pend };        \
        (void)state;                                                     \
        run_vector(builder, &e);                                         \
    }
POSITIVE_VECTORS(DEFINE_VECTOR_TEST)
NEGATIVE_VECTORS(DEFINE_VECTOR_TEST)

/* ---------- CRC-32C ---------- */

static void test_crc32c_vectors(void **state)
{
    static const uint8_t zeros[32] = { 0 };
    uint8_t ones[32];
    uint8_t inc[32];
    (void)state;
    memset(ones, 0xFF, sizeof ones);
    for (int i = 0; i < 32; i++) {
        inc[i] = (uint8_t)i;
    }
    /* Check value from the CRC catalogue, and RFC 3720 B.4 vectors. */
    assert_int_equal(va_crc32c((const uint8_t *)"123456789", 9), 0xE3069283u);
    assert_int_equal(va_crc32c(zeros, 32), 0x8A9136AAu);
    assert_int_equal(va_crc32c(ones, 32), 0x62A8AB43u);
    assert_int_equal(va_crc32c(inc, 32), 0x46DD794Eu);
    assert_int_equal(va_crc32c(zeros, 0), 0u);
    assert_int_equal(va_crc32c_update_portable(0, (const uint8_t *)"123456789", 9),
                     0xE3069283u);
    /* Incremental: any split gives the same CRC. */
    for (size_t k = 0; k <= 9; k++) {
        const uint8_t *s = (const uint8_t *)"123456789";
        assert_int_equal(va_crc32c_update(va_crc32c(s, k), s + k, 9 - k), 0xE3069283u);
    }
}

static uint64_t rng_state;
static uint32_t rnd(void)
{
    /* xorshift64*: deterministic, seedable. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static uint8_t g_big[3u * 8192u * 4u + 64u];

static void test_crc32c_paths_agree(void **state)
{
    (void)state;
    rng_state = 0x1234567ull;
    for (size_t i = 0; i < sizeof g_big; i++) {
        g_big[i] = (uint8_t)rnd();
    }
    /* Lengths around the 8-byte, SHORT and LONG block edges, odd offsets. */
    static const size_t lens[] = { 0, 1, 7, 8, 9, 63, 767, 768, 769, 1000, 24575,
                                   24576, 24577, 3u * 8192u * 4u };
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        for (size_t off = 0; off < 8; off++) {
            uint32_t a = va_crc32c(g_big + off, lens[i]);
            uint32_t b = va_crc32c_update_portable(0, g_big + off, lens[i]);
            assert_int_equal(a, b);
        }
    }
    for (int i = 0; i < 2000; i++) {
        size_t off = rnd() % 64u;
        size_t len = rnd() % (sizeof g_big - off);
        size_t cut = len ? rnd() % len : 0;
        uint32_t a = va_crc32c_update(va_crc32c(g_big + off, cut), g_big + off + cut, len - cut);
        assert_int_equal(a, va_crc32c_update_portable(0, g_big + off, len));
    }
}

/* ---------- API edges ---------- */

static void test_init_rejects(void **state)
{
    va_framer f;
    (void)state;
    assert_int_equal(va_framer_init(NULL, g_buf, TCAP, TMAX), VA_ERR_INVAL);
    assert_int_equal(va_framer_init(&f, NULL, TCAP, TMAX), VA_ERR_INVAL);
    assert_int_equal(va_framer_init(&f, g_buf, TCAP - 1u, TMAX), VA_ERR_INVAL);
    assert_int_equal(va_framer_init(&f, g_buf, UINT32_MAX, VA_FRAME_PAYLOAD_LIMIT + 1u),
                     VA_ERR_INVAL);
    assert_int_equal(va_framer_init(&f, g_buf, TCAP, TMAX), VA_OK);
    assert_true(va_framer_valid(&f));
}

static void test_encode_errors(void **state)
{
    uint8_t out[64];
    uint8_t pl[8] = { 0 };
    (void)state;
    assert_int_equal(va_frame_size(0), VA_FRAME_OVERHEAD);
    assert_int_equal(va_frame_encode(NULL, 64, pl, 8, 64), VA_ERR_INVAL);
    assert_int_equal(va_frame_encode(out, 64, NULL, 8, 64), VA_ERR_INVAL);
    assert_int_equal(va_frame_encode(out, 64, pl, 8, 7), VA_ERR_TOOBIG);
    assert_int_equal(va_frame_encode(out, 23, pl, 8, 64), VA_ERR_NOSPACE);
    assert_int_equal(va_frame_encode(out, 24, pl, 8, 64), 24);
    assert_int_equal(va_frame_seal(out, 24, 8, VA_FRAME_PAYLOAD_LIMIT + 1u), VA_ERR_TOOBIG);
    assert_int_equal(va_frame_seal(out, 23, 8, 64), VA_ERR_NOSPACE);
}

/* The exact wire bytes of a known frame (guards against layout drift). */
static void test_encode_wire_bytes(void **state)
{
    uint8_t out[32];
    uint8_t h[8] = { 0xA7, 0x5A, 0x10, 0x00, 0x03, 0x00, 0x00, 0x00 };
    (void)state;
    assert_int_equal(va_frame_encode(out, sizeof out, (const uint8_t *)"abc", 3, 64), 19);
    assert_memory_equal(out, h, 8);
    uint32_t hc = va_crc32c(h, 8);
    assert_int_equal(out[8] | (out[9] << 8) | (out[10] << 16) | ((uint32_t)out[11] << 24), hc);
    assert_memory_equal(out + 12, "abc", 3);
    /* trailer: CRC-32C of the 15 header and payload bytes = 0xED11F6A0 (worked
     * out independently with a bitwise CRC-32C), little-endian on the wire */
    assert_int_equal(out[15], 0xA0);
    assert_int_equal(out[16], 0xF6);
    assert_int_equal(out[17], 0x11);
    assert_int_equal(out[18], 0xED);
}

static void test_seal_zero_copy(void **state)
{
    uint8_t out[64];
    va_framer f;
    rec *r = &g_rec_a;
    (void)state;
    memcpy(out + VA_FRAME_HEADER_SIZE, "zero-copy", 9);
    assert_int_equal(va_frame_seal(out, sizeof out, 9, TMAX), (int)FSZ(9));
    decode(out, FSZ(9), 0, (size_t)FSZ(9), g_buf, TCAP, TMAX, &f, r);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->len[0], 9);
    assert_memory_equal(r->arena, "zero-copy", 9);
}

static void test_reset_drops_partial(void **state)
{
    vec *v = &g_vec;
    va_framer f;
    (void)state;
    memset(v, 0, sizeof *v);
    v_frame(v, 30, 0, 1);
    decode(v->s, 20, 0, 20, g_buf, TCAP, TMAX, &f, &g_rec_a);
    assert_int_equal(g_rec_a.n, 0);
    assert_int_equal(va_framer_pending(&f), 20);
    va_framer_reset(&f);
    assert_int_equal(va_framer_pending(&f), 0);
    assert_int_equal(f.stats.garbage_bytes, 20);
    /* After the reset a whole frame decodes normally. */
    feed_all(&f, v->s, v->len, &g_rec_a);
    assert_int_equal(g_rec_a.n, 1);
    assert_int_equal(f.stats.resyncs, 0);
}

static void test_feed_rejects_null(void **state)
{
    va_framer f;
    const uint8_t *pl;
    uint32_t plen;
    size_t c;
    (void)state;
    assert_int_equal(va_framer_init(&f, g_buf, TCAP, TMAX), VA_OK);
    assert_int_equal(va_framer_feed(NULL, g_buf, 1, &c, &pl, &plen), VA_ERR_INVAL);
    assert_int_equal(va_framer_feed(&f, NULL, 1, &c, &pl, &plen), VA_ERR_INVAL);
    assert_int_equal(va_framer_feed(&f, g_buf, 1, NULL, &pl, &plen), VA_ERR_INVAL);
    assert_int_equal(va_framer_feed(&f, NULL, 0, &c, &pl, &plen), 0);
    assert_int_equal(c, 0);
}

/* ---------- property test ---------- */

#define PROP_STREAMS 300
#define PROP_STREAM_MAX 65536u

static uint8_t g_pstream[PROP_STREAM_MAX];
static uint8_t g_pexp[REC_ARENA];

/*
 * Random streams of intact frames with random garbage between them:
 * random bytes, fake magics, truncated headers and truncated frames (a peer
 * restart). Every intact frame must come out once, in order, whatever the
 * chunking. Truncated frames are kept at least two max-frame lengths apart:
 * docs/framing.md explains why two restarts inside one frame may lose one.
 */
static void test_property_random_chunking(void **state)
{
    static va_framer f;
    (void)state;
    rng_state = 0xC0FFEE1234ull;
    for (int s = 0; s < PROP_STREAMS; s++) {
        size_t len = 0;
        size_t nexp = 0;
        size_t exp_used = 0;
        uint32_t exp_len[REC_FRAMES_MAX];
        size_t exp_off[REC_FRAMES_MAX];
        uint64_t exp_frame_bytes = 0;
        size_t since_trunc = 2u * FSZ(TMAX);

        while (nexp < 60) {
            uint32_t kind = rnd() % 8u;
            if (kind == 0 && len + 64 < PROP_STREAM_MAX) {
                uint32_t n = rnd() % 40u;
                for (uint32_t i = 0; i < n; i++) {
                    g_pstream[len++] = (uint8_t)rnd();
                }
                since_trunc += n;
            } else if (kind == 1 && len + 64 < PROP_STREAM_MAX) {
                /* 2..8 bytes: a cut header whose CRC bytes are missing, so it
                 * cannot turn valid by chance (9..11 bytes could, 1 in 2^8..2^24,
                 * which would make it a truncated frame). */
                uint32_t n = 2u + rnd() % 7u;
                uint8_t h[12];
                put_header(h, VA_FRAME_VERSION_BYTE, 0, rnd() % (TMAX + 1u));
                memcpy(g_pstream + len, h, n);
                len += n;
                since_trunc += n;
            } else if (kind == 2 && since_trunc >= 2u * FSZ(TMAX) &&
                       len + 2u * FSZ(TMAX) < PROP_STREAM_MAX) {
                uint32_t plen = rnd() % (TMAX + 1u);
                uint8_t pl[TMAX];
                for (uint32_t i = 0; i < plen; i++) {
                    pl[i] = (uint8_t)rnd();
                }
                int n = va_frame_encode(g_pstream + len, PROP_STREAM_MAX - len, pl, plen, TMAX);
                assert_true(n > 0);
                /* Truncated: at least the trailer is missing, so the bytes
                 * that follow cannot complete it by chance (1 in 2^32). */
                uint32_t cut = rnd() % ((uint32_t)n - VA_FRAME_TRAILER_SIZE);
                len += cut;
                since_trunc = 0;
            } else if (len + 2u * FSZ(TMAX) < PROP_STREAM_MAX) {
                uint32_t plen = (rnd() % 10u == 0) ? TMAX : rnd() % (TMAX + 1u);
                uint8_t *pl = g_pexp + exp_used;
                for (uint32_t i = 0; i < plen; i++) {
                    pl[i] = (uint8_t)rnd();
                }
                int n = va_frame_encode(g_pstream + len, PROP_STREAM_MAX - len, pl, plen, TMAX);
                assert_int_equal(n, (int)FSZ(plen));
                len += (size_t)n;
                since_trunc += (size_t)n;
                exp_len[nexp] = plen;
                exp_off[nexp] = exp_used;
                exp_used += plen;
                exp_frame_bytes += (uint64_t)n;
                nexp++;
            } else {
                break;
            }
        }

        /*
         * Tail: a truncated frame near the end still waits for its declared
         * length; zero bytes (never a magic) let it complete and fail, so
         * the frames inside it come out.
         */
        memset(g_pstream + len, 0, FSZ(TMAX));
        len += FSZ(TMAX);

        /* Random chunking, including empty calls. */
        memset(&g_rec_a, 0, offsetof(rec, arena));
        assert_int_equal(va_framer_init(&f, g_buf, TCAP, TMAX), VA_OK);
        size_t off = 0;
        while (off < len) {
            size_t maxc = (rnd() % 4u == 0) ? 3u : 700u;
            size_t n = rnd() % (maxc + 1u);
            if (n > len - off) {
                n = len - off;
            }
            feed_all(&f, g_pstream + off, n, &g_rec_a);
            off += n;
        }
        assert_int_equal(g_rec_a.n, nexp);
        for (size_t i = 0; i < nexp; i++) {
            assert_int_equal(g_rec_a.len[i], exp_len[i]);
            assert_memory_equal(g_rec_a.arena + g_rec_a.off[i], g_pexp + exp_off[i],
                                exp_len[i]);
        }
        assert_int_equal(f.stats.frame_bytes, exp_frame_bytes);
        assert_int_equal(f.stats.bytes_in, len);
        va_framer_stats chunked = f.stats;

        /* One chunk gives identical counters. */
        decode(g_pstream, len, 0, len, g_buf, TCAP, TMAX, &f, &g_rec_b);
        assert_true(stats_equal(&chunked, &f.stats));
    }
}

/* Hostile input: any bytes give a defined outcome, bounded and accounted. */
static void test_random_bytes_accounting(void **state)
{
    static va_framer f;
    (void)state;
    rng_state = 0xBADC0DEull;
    assert_int_equal(va_framer_init(&f, g_buf, TCAP, TMAX), VA_OK);
    memset(&g_rec_a, 0, offsetof(rec, arena));
    for (int i = 0; i < 200; i++) {
        size_t n = rnd() % 4096u;
        for (size_t k = 0; k < n; k++) {
            /* Bias towards magic and header bytes to reach deep states. */
            uint32_t r = rnd() % 8u;
            g_pstream[k] = r == 0 ? 0xA7 : r == 1 ? 0x5A : r == 2 ? 0x10 : (uint8_t)rnd();
        }
        feed_all(&f, g_pstream, n, &g_rec_a);
        g_rec_a.n = 0;
        g_rec_a.used = 0;
    }
}

int main(void)
{
#define VECTOR_ENTRY(name, ...) cmocka_unit_test(test_vec_##name),
    const struct CMUnitTest tests[] = {
        POSITIVE_VECTORS(VECTOR_ENTRY)
        NEGATIVE_VECTORS(VECTOR_ENTRY)
        cmocka_unit_test(test_crc32c_vectors),
        cmocka_unit_test(test_crc32c_paths_agree),
        cmocka_unit_test(test_init_rejects),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_encode_wire_bytes),
        cmocka_unit_test(test_seal_zero_copy),
        cmocka_unit_test(test_reset_drops_partial),
        cmocka_unit_test(test_feed_rejects_null),
        cmocka_unit_test(test_property_random_chunking),
        cmocka_unit_test(test_random_bytes_accounting),
    };
#undef VECTOR_ENTRY
    return cmocka_run_group_tests(tests, NULL, NULL);
}
