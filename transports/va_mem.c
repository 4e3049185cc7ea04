/* SPDX-License-Identifier: MIT */
/* In-memory stream pair over two caller-owned bounded rings (tests, fuzzing). */
#include <string.h>

#include "virtagent/va_transport.h"

static va_mem_end *end_of(va_stream *s)
{
    return (va_mem_end *)(void *)s;
}

/* Copy up to cap bytes out of the ring, in at most two pieces (wrap). */
static size_t ring_get(va_mem_ring *r, uint8_t *buf, size_t cap)
{
    size_t n = cap < r->len ? cap : r->len;
    size_t first = r->cap - r->head;

    if (n == 0) {
        return 0;
    }
    if (first > n) {
        first = n;
    }
    memcpy(buf, r->buf + r->head, first);
    memcpy(buf + first, r->buf, n - first);
    r->head = (r->head + n) % r->cap;
    r->len -= n;
    return n;
}

static size_t ring_put(va_mem_ring *r, const uint8_t *buf, size_t len)
{
    size_t room = r->cap - r->len;
    size_t n = len < room ? len : room;
    size_t tail = (r->head + r->len) % r->cap;
    size_t first = r->cap - tail;

    if (n == 0) {
        /* nothing to copy; buf may be NULL for an empty iovec */
        return 0;
    }
    if (first > n) {
        first = n;
    }
    memcpy(r->buf + tail, buf, first);
    memcpy(r->buf, buf + first, n - first);
    r->len += n;
    return n;
}

static int mem_read(va_stream *s, uint8_t *buf, size_t cap, size_t *got)
{
    va_mem_end *e = end_of(s);
    va_mem_pair *p = e->pair;
    va_mem_ring *r = &p->ring[1u - e->side];

    if (p->closed[e->side]) {
        return VA_ERR_CLOSED;
    }
    if (r->len == 0) {
        /* Like a socket: EOF only after every byte the peer sent is read. */
        return p->closed[1u - e->side] ? VA_ERR_CLOSED : VA_ERR_AGAIN;
    }
    *got = ring_get(r, buf, cap);
    return VA_OK;
}

static int mem_writev(va_stream *s, const va_iov *iov, size_t iovcnt, size_t *put)
{
    va_mem_end *e = end_of(s);
    va_mem_pair *p = e->pair;
    va_mem_ring *r = &p->ring[e->side];
    size_t i;
    size_t total = 0;

    /* Writing to a closed peer is EPIPE on a socket: the stream is over. */
    if (p->closed[e->side] || p->closed[1u - e->side]) {
        return VA_ERR_CLOSED;
    }
    if (r->len == r->cap) {
        return VA_ERR_AGAIN;
    }
    for (i = 0; i < iovcnt && r->len < r->cap; i++) {
        total += ring_put(r, iov[i].base, iov[i].len);
    }
    *put = total;
    return VA_OK;
}

static int mem_write(va_stream *s, const uint8_t *buf, size_t len, size_t *put)
{
    va_iov one = { .base = buf, .len = len };

    return mem_writev(s, &one, 1, put);
}

static int mem_close(va_stream *s)
{
    va_mem_end *e = end_of(s);

    if (e->pair->closed[e->side]) {
        return VA_ERR_CLOSED;
    }
    e->pair->closed[e->side] = true;
    /* Bytes the closed side never read are dropped, as a socket would. */
    e->pair->ring[1u - e->side].len = 0;
    return VA_OK;
}

static int mem_fd(const va_stream *s)
{
    (void)s;
    return -1;
}

static const va_stream_ops va_mem_ops = {
    .read = mem_read,
    .write = mem_write,
    .writev = mem_writev,
    .close = mem_close,
    .fd = mem_fd,
};

int va_mem_pair_init(va_mem_pair *p, uint8_t *buf0, size_t cap0,
                     uint8_t *buf1, size_t cap1)
{
    uint32_t i;

    if (p == NULL || buf0 == NULL || buf1 == NULL || cap0 == 0 || cap1 == 0) {
        return VA_ERR_INVAL;
    }
    memset(p, 0, sizeof(*p));
    p->ring[0].buf = buf0;
    p->ring[0].cap = cap0;
    p->ring[1].buf = buf1;
    p->ring[1].cap = cap1;
    for (i = 0; i < 2; i++) {
        p->end[i].base.ops = &va_mem_ops;
        p->end[i].pair = p;
        p->end[i].side = i;
    }
    return VA_OK;
}

va_stream *va_mem_pair_stream(va_mem_pair *p, uint32_t side)
{
    if (p == NULL || side > 1) {
        return NULL;
    }
    return &p->end[side].base;
}

size_t va_mem_pair_pending(const va_mem_pair *p, uint32_t side)
{
    if (p == NULL || side > 1) {
        return 0;
    }
    return p->ring[1u - side].len;
}
