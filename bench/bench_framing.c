/* SPDX-License-Identifier: MIT */
/*
 * Framing throughput: decode and encode at 64 B, 1 KiB and 64 KiB payloads,
 * CRC included. Decode is fed in 64 KiB reads, as a transport would.
 * Prints a table; registered with meson benchmark(), not test().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "va_crc32c.h"
#include "virtagent/va_framing.h"

#define BENCH_MAX_PAYLOAD (64u * 1024u)
#define BENCH_STREAM_BYTES (32u * 1024u * 1024u) /* per pass */
#define BENCH_READ_SIZE (64u * 1024u)            /* transport read size */
#define BENCH_MIN_SECONDS 0.5

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint8_t g_frame_buf[BENCH_MAX_PAYLOAD + VA_FRAME_OVERHEAD];

static double bench_decode(const uint8_t *stream, size_t len, size_t nframes)
{
    va_framer f;
    uint64_t bytes = 0;
    uint64_t sink = 0;
    double t0 = now_s();
    double t = 0;
    do {
        if (va_framer_init(&f, g_frame_buf, sizeof g_frame_buf, BENCH_MAX_PAYLOAD) != VA_OK) {
            abort();
        }
        for (size_t off = 0; off < len;) {
            size_t n = len - off < BENCH_READ_SIZE ? len - off : BENCH_READ_SIZE;
            size_t used = 0;
            for (;;) {
                const uint8_t *pl;
                uint32_t plen;
                size_t c;
                int r = va_framer_feed(&f, stream + off + used, n - used, &c, &pl, &plen);
                used += c;
                if (r != 1) {
                    break;
                }
                sink += plen + pl[0];
            }
            off += n;
        }
        if (f.stats.frames != nframes || f.stats.garbage_bytes != 0) {
            fprintf(stderr, "decode mismatch\n");
            abort();
        }
        bytes += len;
        t = now_s() - t0;
    } while (t < BENCH_MIN_SECONDS);
    if (sink == 0) {
        fprintf(stderr, "impossible\n");
    }
    return (double)bytes / t / 1e9;
}

static double bench_encode(uint8_t *out, size_t cap, const uint8_t *payload, uint32_t plen,
                           size_t nframes)
{
    uint64_t bytes = 0;
    double t0 = now_s();
    double t = 0;
    do {
        size_t off = 0;
        for (size_t i = 0; i < nframes; i++) {
            int n = va_frame_encode(out + off, cap - off, payload, plen, BENCH_MAX_PAYLOAD);
            if (n < 0) {
                abort();
            }
            off += (size_t)n;
        }
        bytes += off;
        t = now_s() - t0;
    } while (t < BENCH_MIN_SECONDS);
    return (double)bytes / t / 1e9;
}

static double bench_crc(const uint8_t *p, size_t n, int portable)
{
    uint64_t bytes = 0;
    uint32_t acc = 0;
    double t0 = now_s();
    double t = 0;
    do {
        acc ^= portable ? va_crc32c_update_portable(0, p, n) : va_crc32c(p, n);
        bytes += n;
        t = now_s() - t0;
    } while (t < BENCH_MIN_SECONDS);
    if (acc == 1u) {
        fprintf(stderr, "(unlikely)\n");
    }
    return (double)bytes / t / 1e9;
}

int main(void)
{
    static const uint32_t sizes[] = { 64u, 1024u, 64u * 1024u };
    uint8_t *stream = malloc(BENCH_STREAM_BYTES + BENCH_MAX_PAYLOAD + VA_FRAME_OVERHEAD);
    uint8_t *payload = malloc(BENCH_MAX_PAYLOAD);
    if (stream == NULL || payload == NULL) {
        return 1;
    }
    for (uint32_t i = 0; i < BENCH_MAX_PAYLOAD; i++) {
        payload[i] = (uint8_t)(i * 131u + 7u);
    }

    printf("CRC-32C: hw path %s\n", va_crc32c_hw_available() ? "SSE4.2" : "not available");
    double dec_gbs[3] = { 0, 0, 0 }, enc_gbs[3] = { 0, 0, 0 };
    printf("%-10s %12s %12s %10s\n", "payload", "decode GB/s", "encode GB/s", "frames");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint32_t plen = sizes[s];
        size_t nframes = BENCH_STREAM_BYTES / va_frame_size(plen);
        size_t cap = BENCH_STREAM_BYTES + BENCH_MAX_PAYLOAD + VA_FRAME_OVERHEAD;
        double enc = bench_encode(stream, cap, payload, plen, nframes);
        double dec = bench_decode(stream, nframes * va_frame_size(plen), nframes);
        printf("%-10u %12.2f %12.2f %10zu\n", plen, dec, enc, nframes);
        dec_gbs[s] = dec;
        enc_gbs[s] = enc;
    }
    printf("%-10s %12s %12s\n", "crc len", "hw GB/s", "table GB/s");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        printf("%-10u %12.2f %12.2f\n", sizes[s], bench_crc(payload, sizes[s], 0),
               bench_crc(payload, sizes[s], 1));
    }
    printf("JSON {\"bench\":\"framing\",\"decode_gbs\":{\"64\":%.2f,\"1024\":%.2f,\"65536\":%.2f},"
           "\"encode_gbs\":{\"64\":%.2f,\"1024\":%.2f,\"65536\":%.2f}}\n",
           dec_gbs[0], dec_gbs[1], dec_gbs[2], enc_gbs[0], enc_gbs[1], enc_gbs[2]);
    free(stream);
    free(payload);
    return 0;
}
