/* SPDX-License-Identifier: MIT */
/*
 * The core path of one RPC without the kernel: two channels in one process,
 * bytes handed from one to the other directly, `inflight` calls kept in
 * flight from each side.  Reports ns and (under callgrind) instructions per
 * completed RPC, each RPC being request encode + frame + CRC + decode +
 * dispatch + handler + response encode + frame + CRC + decode + completion.
 *
 *   bench_channel [rpcs [inflight]]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "virtagent/va_channel.h"
#include "virtagent/va_codec.h"

#include "bench_util.h"

typedef struct side {
    va_channel ch;
    void *mem;
    va_method methods[1];
    uint64_t completed, inflight;
} side;

static void done(va_channel *ch, va_job_id job, va_status st, int32_t code,
                 const uint8_t *resp, uint32_t len, void *ctx)
{
    side *s = ctx;
    (void)ch; (void)job; (void)code; (void)resp; (void)len;
    s->inflight--;
    s->completed += (st == VA_STATUS_OK);
}

static void side_init(side *s)
{
    memset(s, 0, sizeof *s);
    s->mem = bench_channel_open(&s->ch, &s->methods[0]);
    va_channel_attach(&s->ch, 0);
}

static void top_up(side *s, uint64_t want)
{
    static const uint8_t ping[] = { 0x08, 0x2a };
    va_job_id id;
    while (s->inflight < want &&
           va_channel_call(&s->ch, VA_METHOD_PING, ping, sizeof ping, 0, 0, done, s, &id) == VA_OK) {
        s->inflight++;
    }
}

static void move(side *a, side *b)
{
    static uint8_t tmp[1 << 17];
    const uint8_t *out;
    size_t n = va_channel_output(&a->ch, &out);
    if (n > sizeof tmp) {
        n = sizeof tmp;
    }
    memcpy(tmp, out, n);
    va_channel_consume(&a->ch, n, 0);
    (void)va_channel_input(&b->ch, tmp, n, 0);
}

int main(int argc, char **argv)
{
    uint64_t target = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000u;
    uint64_t want = argc > 2 ? strtoull(argv[2], NULL, 10) : 64u;
    side a, b;
    struct timespec t0, t1;

    side_init(&a);
    side_init(&b);
    move(&a, &b);
    move(&b, &a);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (a.completed + b.completed < target) {
        top_up(&a, want);
        top_up(&b, want);
        move(&a, &b);
        move(&b, &a);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
    uint64_t n = a.completed + b.completed;
    printf("channel core path: %" PRIu64 " RPCs, %.0f ns per RPC (both ends, one thread), "
           "%.0f RPCs/s\n", n, ns / (double)n, (double)n / (ns / 1e9));
    printf("JSON {\"bench\":\"channel\",\"rpcs\":%" PRIu64 ",\"ns_per_rpc\":%.1f}\n", n,
           ns / (double)n);
    return 0;
}
