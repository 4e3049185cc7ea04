/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the benchmark programs (not part of the library). */
#ifndef VIRTAGENT_BENCH_UTIL_H
#define VIRTAGENT_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

#include "virtagent/va_channel.h"

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

#endif
