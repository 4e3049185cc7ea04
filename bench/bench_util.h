/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the benchmark programs (not part of the library). */
#ifndef VIRTAGENT_BENCH_UTIL_H
#define VIRTAGENT_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "virtagent/va_channel.h"
#include "virtagent/va_codec.h"

/* Monotonic time in nanoseconds. */
static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The ping method every benchmark serves: echo the request. */
static inline void h_ping(va_channel *ch, va_job_id job, uint32_t method, const uint8_t *req,
                          uint32_t len, void *ctx)
{
    (void)method;
    (void)ctx;
    (void)va_channel_reply(ch, job, 0, req, len);
}

/* The pipelining configuration both RPC benchmarks use (64 calls in flight
 * each way, no keepalive), serving `ping`; allocates the channel's memory
 * (benchmarks may); the caller attaches.  Exits on failure. */
static inline void *bench_channel_open(va_channel *ch, va_method *ping)
{
    va_channel_config cfg;
    void *mem;
    size_t need;

    *ping = (va_method){ .id = VA_METHOD_PING, .name = "ping", .fn = h_ping, .enabled = 1 };
    va_channel_config_default(&cfg);
    cfg.limits.client_max = 64;
    cfg.limits.server_max = 64;
    cfg.limits.send_max = 128;
    cfg.limits.exec_max = 64;
    cfg.max_payload = 256;
    cfg.keepalive_ms = 0;
    cfg.dead_peer_ms = 0;
    cfg.methods = ping;
    cfg.nmethods = 1;
    need = va_channel_memory_size(&cfg);
    mem = malloc(need);
    if (mem == NULL || va_channel_init(ch, &cfg, mem, need) != VA_OK) {
        fprintf(stderr, "channel init failed\n");
        exit(1);
    }
    return mem;
}

#endif
