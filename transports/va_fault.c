/* SPDX-License-Identifier: MIT */
/* Fault-injection stream: short I/O, EAGAIN storms, corruption, disconnects. */
#include "virtagent/va_transport.h"

static va_fault_stream *fault_of(va_stream *s)
{
    return (va_fault_stream *)(void *)s;
}

/* splitmix64: tiny, full-period, and good enough to pick faults; the point
 * is that a seed replays the same run, not cryptographic quality. */
static uint64_t next_rand(va_fault_stream *f)
{
    uint64_t z = (f->rng += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static bool chance(va_fault_stream *f, uint32_t ppm)
{
    if (ppm == 0) {
        return false;
    }
    return next_rand(f) % VA_FAULT_PPM < ppm;
}

static uint64_t passed(const va_fault_stream *f)
{
    return f->stats.bytes_read + f->stats.bytes_written;
}

/* Shared prologue: closed, disconnect reached, or a spurious AGAIN. */
static int fault_gate(va_fault_stream *f)
{
    if (f->closed || f->stats.disconnected) {
        return VA_ERR_CLOSED;
    }
    if (chance(f, f->cfg.again_ppm)) {
        f->stats.agains++;
        return VA_ERR_AGAIN;
    }
    return VA_OK;
}

/* How many of want bytes this call may move: chunk limit, then the bytes
 * left before the disconnect point. *cut says whether the chunk cut it. */
static size_t fault_limit(va_fault_stream *f, size_t want, size_t max_chunk, bool *cut)
{
    size_t n = want;

    *cut = false;
    if (max_chunk > 0) {
        size_t chunk = (size_t)(next_rand(f) % max_chunk) + 1u;

        if (chunk < n) {
            n = chunk;
            *cut = true;
        }
    }
    if (f->cfg.disconnect_after > 0) {
        uint64_t left = f->cfg.disconnect_after - passed(f);

        if (left < n) {
            n = (size_t)left;
        }
    }
    return n;
}

/* After counting bytes: at the disconnect point, drop the inner stream so
 * the peer sees the connection end exactly there (mid-frame). */
static void fault_check_disconnect(va_fault_stream *f)
{
    if (f->cfg.disconnect_after > 0 && passed(f) >= f->cfg.disconnect_after &&
        !f->stats.disconnected) {
        f->stats.disconnected = true;
        (void)va_stream_close(f->inner);
    }
}

static int fault_read(va_stream *s, uint8_t *buf, size_t cap, size_t *got)
{
    va_fault_stream *f = fault_of(s);
    size_t n;
    size_t i;
    bool cut;
    int ret = fault_gate(f);

    if (ret != VA_OK) {
        return ret;
    }
    n = fault_limit(f, cap, f->cfg.max_read_chunk, &cut);
    ret = va_stream_read(f->inner, buf, n, got);
    if (ret != VA_OK) {
        return ret;
    }
    if (cut && *got == n) {
        f->stats.short_reads++;
    }
    for (i = 0; i < *got; i++) {
        if (chance(f, f->cfg.corrupt_ppm)) {
            /* XOR with a non-zero byte: the value always changes. */
            buf[i] ^= (uint8_t)(next_rand(f) % 255u + 1u);
            f->stats.corrupted++;
        }
    }
    f->stats.bytes_read += *got;
    fault_check_disconnect(f);
    return VA_OK;
}

static int fault_writev(va_stream *s, const va_iov *iov, size_t iovcnt, size_t *put)
{
    va_fault_stream *f = fault_of(s);
    va_iov cut_iov[VA_IOV_MAX];
    size_t total = 0;
    size_t n;
    size_t left;
    size_t used = 0;
    size_t i;
    bool cut;
    int ret = fault_gate(f);

    if (ret != VA_OK) {
        return ret;
    }
    for (i = 0; i < iovcnt; i++) {
        total += iov[i].len;
    }
    n = fault_limit(f, total, f->cfg.max_write_chunk, &cut);
    /* Truncate the vector to n bytes; still one call on the inner stream. */
    left = n;
    for (i = 0; i < iovcnt && left > 0; i++) {
        cut_iov[used] = iov[i];
        if (cut_iov[used].len > left) {
            cut_iov[used].len = left;
        }
        left -= cut_iov[used].len;
        used++;
    }
    ret = va_stream_writev(f->inner, cut_iov, used, put);
    if (ret != VA_OK) {
        return ret;
    }
    if (cut && *put == n) {
        f->stats.short_writes++;
    }
    f->stats.bytes_written += *put;
    fault_check_disconnect(f);
    return VA_OK;
}

static int fault_write(va_stream *s, const uint8_t *buf, size_t len, size_t *put)
{
    va_iov one = { .base = buf, .len = len };

    return fault_writev(s, &one, 1, put);
}

static int fault_close(va_stream *s)
{
    va_fault_stream *f = fault_of(s);

    if (f->closed) {
        return VA_ERR_CLOSED;
    }
    f->closed = true;
    if (f->stats.disconnected) {
        /* The inner stream was already closed at the disconnect point. */
        return VA_OK;
    }
    return va_stream_close(f->inner);
}

static int fault_fd(const va_stream *s)
{
    const va_fault_stream *f = (const va_fault_stream *)(const void *)s;

    return f->stats.disconnected ? -1 : va_stream_fd(f->inner);
}

static const va_stream_ops va_fault_ops = {
    .read = fault_read,
    .write = fault_write,
    .writev = fault_writev,
    .close = fault_close,
    .fd = fault_fd,
};

int va_fault_init(va_fault_stream *f, va_stream *inner, const va_fault_config *cfg)
{
    if (f == NULL || inner == NULL || cfg == NULL || cfg->again_ppm > VA_FAULT_PPM ||
        cfg->corrupt_ppm > VA_FAULT_PPM) {
        return VA_ERR_INVAL;
    }
    f->base.ops = &va_fault_ops;
    f->inner = inner;
    f->cfg = *cfg;
    f->rng = cfg->seed;
    f->stats = (va_fault_stats){ 0 };
    f->closed = false;
    return VA_OK;
}
