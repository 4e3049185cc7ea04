/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the incremental framing decoder (va_framer_feed).
 *
 * Input byte 0 picks the configuration: bits 0-2 the payload cap, bit 3
 * the mode.
 *   raw mode:        the rest is a program of chunks "len byte, bytes", fed
 *                    as they come (so the fuzzer controls both the stream
 *                    and how it is split).
 *   round-trip mode: the rest is a list of segments "tag, len, bytes"; an
 *                    odd tag is a frame (va_frame_encode of the bytes),
 *                    an even tag is garbage with every 0xA7 (the first
 *                    magic byte) replaced.  The stream is fed in chunks
 *                    whose sizes come from byte 1.
 * Checked after every call: va_framer_valid, payload length <= cap,
 * consumed <= offered (and == offered when no frame is returned), the
 * counters against our own count (frames, frame_bytes, bytes_in) and the
 * accounting invariant of docs/framing.md
 * (bytes_in == frame_bytes + garbage_bytes + pending).
 * At the end: a second framer fed the same stream in one piece delivered
 * the same frames with the same counters (split independence), and in
 * round-trip mode exactly the encoded frames came out, in order, with no
 * error counted and every garbage byte counted as garbage.
 */
#include <string.h>

#include "fuzz_common.h"
#include "virtagent/va_framing.h"

#define FZ_STREAM_MAX (1u << 20)
#define FZ_MAX_PAYLOAD_MAX 4096u

static const uint32_t caps[8] = { 0u, 1u, 8u, 16u, 64u, 255u, 1024u, FZ_MAX_PAYLOAD_MAX };

typedef struct sink {
    va_framer f;
    uint8_t buf[FZ_MAX_PAYLOAD_MAX + VA_FRAME_OVERHEAD];
    uint64_t frames, frame_bytes, bytes_in;
    uint64_t hash;        /* FNV-1a over (len, payload) of every frame */
    /* round-trip mode: the frames we expect, as offsets into the stream */
    const uint32_t *want_off, *want_len;
    uint32_t nwant;
} sink;

static uint8_t stream[FZ_STREAM_MAX];
static uint32_t want_off[FZ_STREAM_MAX / VA_FRAME_OVERHEAD];
static uint32_t want_len[FZ_STREAM_MAX / VA_FRAME_OVERHEAD];
static sink A, B;

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001b3ull;
    }
    return h;
}

static void sink_init(sink *s, uint32_t max)
{
    memset(s, 0, sizeof *s);
    FZ_CHECK(va_framer_init(&s->f, s->buf, max + VA_FRAME_OVERHEAD, max) == VA_OK);
    s->hash = 0xcbf29ce484222325ull;
    FZ_CHECK(va_framer_valid(&s->f));
}

static void check_counters(const sink *s)
{
    const va_framer_stats *st = &s->f.stats;
    FZ_CHECK(va_framer_valid(&s->f));
    FZ_CHECK(st->frames == s->frames);
    FZ_CHECK(st->frame_bytes == s->frame_bytes);
    FZ_CHECK(st->bytes_in == s->bytes_in);
    FZ_CHECK(st->bytes_in == st->frame_bytes + st->garbage_bytes + va_framer_pending(&s->f));
    FZ_CHECK(va_framer_pending(&s->f) <= s->f.cap);
    FZ_CHECK(st->resyncs <= st->frames);
}

/* Feed one chunk completely, checking after every call. */
static void feed(sink *s, const uint8_t *p, size_t n, uint32_t max)
{
    for (;;) {
        size_t used = 0;
        const uint8_t *pl = NULL;
        uint32_t plen = 0;
        int rc = va_framer_feed(&s->f, p, n, &used, &pl, &plen);
        FZ_CHECK(rc == 0 || rc == 1);
        FZ_CHECK(used <= n);
        s->bytes_in += used;
        p += used;
        n -= used;
        if (rc == 1) {
            FZ_CHECK(plen <= max);
            FZ_CHECK(plen == 0u || pl != NULL);
            if (s->want_off != NULL) {
                /* round trip: the next expected frame, byte for byte */
                FZ_CHECK(s->frames < s->nwant);
                FZ_CHECK(plen == s->want_len[s->frames]);
                FZ_CHECK(plen == 0u ||
                         memcmp(pl, stream + s->want_off[s->frames], plen) == 0);
            }
            s->frames++;
            s->frame_bytes += (uint64_t)plen + VA_FRAME_OVERHEAD;
            s->hash = fnv(s->hash, (const uint8_t *)&plen, sizeof plen);
            s->hash = fnv(s->hash, pl, plen);
            check_counters(s);
            continue; /* a call with the rest (maybe 0 bytes) may deliver more */
        }
        FZ_CHECK(n == 0u); /* no frame: all input consumed */
        check_counters(s);
        return;
    }
}

static void compare(const sink *a, const sink *b)
{
    /* spec (docs/framing.md): any chunking gives the same frames and the
     * same counters */
    FZ_CHECK(a->frames == b->frames);
    FZ_CHECK(a->hash == b->hash);
    FZ_CHECK(memcmp(&a->f.stats, &b->f.stats, sizeof a->f.stats) == 0);
    FZ_CHECK(va_framer_pending(&a->f) == va_framer_pending(&b->f));
}

static void finish(sink *s)
{
    uint64_t pending = va_framer_pending(&s->f);
    uint64_t garbage = s->f.stats.garbage_bytes;
    va_framer_reset(&s->f);
    /* reset counts the pending bytes as garbage */
    FZ_CHECK(va_framer_pending(&s->f) == 0u);
    FZ_CHECK(s->f.stats.garbage_bytes == garbage + pending);
    check_counters(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_reader r = { data, size };
    uint8_t cfg = fz_u8(&r);
    uint32_t max = caps[cfg & 7u];
    int roundtrip = (cfg & 8u) != 0u;
    uint32_t len = 0;

    sink_init(&A, max);
    sink_init(&B, max);
    if (!roundtrip) {
        /* raw: "n, n bytes" chunks; n >= 0x80 means a long chunk */
        while (r.n != 0u) {
            uint8_t c = fz_u8(&r);
            size_t want = (c & 0x80u) ? (size_t)(c & 0x7Fu) * 61u : c;
            size_t got;
            const uint8_t *p = fz_bytes(&r, want, &got);
            FZ_CHECK(len + got <= FZ_STREAM_MAX);
            memcpy(stream + len, p, got);
            len += (uint32_t)got;
            feed(&A, p, got, max);
        }
    } else {
        uint8_t seed = fz_u8(&r);
        uint32_t nwant = 0, garbage = 0, resyncs = 0;
        int dropped = 0;
        uint32_t x = 0x9E3779B9u ^ seed;
        uint32_t off = 0;
        while (r.n != 0u) {
            uint8_t tag = fz_u8(&r);
            size_t want = fz_u8(&r);
            size_t got;
            const uint8_t *p;
            if (tag & 2u) {
                want *= 17u; /* long segment */
            }
            p = fz_bytes(&r, want, &got);
            if (tag & 1u) {
                uint32_t plen = (uint32_t)got < max ? (uint32_t)got : max;
                int n = va_frame_encode(stream + len, FZ_STREAM_MAX - len, p, plen, max);
                FZ_CHECK(n == (int)va_frame_size(plen));
                want_off[nwant] = len + VA_FRAME_HEADER_SIZE;
                want_len[nwant] = plen;
                nwant++;
                resyncs += (uint32_t)dropped;
                dropped = 0;
                len += (uint32_t)n;
            } else {
                for (size_t i = 0; i < got; i++) {
                    uint8_t b = p[i];
                    stream[len++] = (b == VA_FRAME_MAGIC0) ? 0u : b;
                }
                garbage += (uint32_t)got;
                dropped |= got != 0u;
            }
        }
        A.want_off = want_off;
        A.want_len = want_len;
        A.nwant = nwant;
        B.want_off = want_off;
        B.want_len = want_len;
        B.nwant = nwant;
        while (off < len) {
            uint32_t n;
            x = x * 1103515245u + 12345u;
            /* mostly small chunks, sometimes large ones */
            n = (x >> 16) & 0x1Fu;
            if ((x >> 28) == 0u) {
                n = (x >> 8) & 0xFFFu;
            }
            n = n == 0u ? 1u : n;
            if (n > len - off) {
                n = len - off;
            }
            feed(&A, stream + off, n, max);
            off += n;
        }
        /* every encoded frame came out, nothing else, nothing lost */
        FZ_CHECK(A.frames == nwant);
        FZ_CHECK(A.f.stats.garbage_bytes == garbage);
        FZ_CHECK(A.f.stats.bad_header == 0u && A.f.stats.oversize == 0u &&
                 A.f.stats.bad_crc == 0u);
        FZ_CHECK(A.f.stats.resyncs == resyncs);
        FZ_CHECK(va_framer_pending(&A.f) == 0u);
    }
    feed(&B, stream, len, max);
    compare(&A, &B);
    finish(&A);
    return 0;
}
