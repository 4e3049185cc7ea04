/* SPDX-License-Identifier: MIT */
/* va_link: one channel over one fd stream, driven by the epoll loop. */
#include "virtagent/va_link.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

int va_link_init(va_link *l, va_loop *loop, va_channel *ch, va_link_down_fn down, void *ctx)
{
    if (l == NULL || loop == NULL || ch == NULL) {
        return VA_ERR_INVAL;
    }
    memset(l, 0, sizeof *l);
    l->loop = loop;
    l->ch = ch;
    l->down = down;
    l->ctx = ctx;
    l->stream.fd = -1;
    return VA_OK;
}

bool va_link_is_up(const va_link *l)
{
    return l != NULL && l->up;
}

/* Stop watching, close, detach.  Detaching completes every call in flight
 * (DISCONNECTED), and those callbacks may call back into the link: `up` is
 * already false, so they see a link that is down. */
static void teardown(va_link *l)
{
    l->up = false;
    (void)va_loop_del(l->loop, l->watch);
    (void)va_stream_close(&l->stream.base);
    va_channel_detach(l->ch);
}

static void go_down(va_link *l, int reason)
{
    if (!l->up) {
        return;
    }
    if (reason == VA_ERR_IO) {
        l->sys_errno = l->stream.sys_errno;
    }
    teardown(l);
    if (l->down != NULL) {
        l->down(l, reason, l->ctx);
    }
}

void va_link_close(va_link *l)
{
    if (l != NULL && l->up) {
        teardown(l);
    }
}

/* Write until the output is empty or the socket buffer is full.  Returns
 * VA_OK (maybe with bytes left) or the stream error. */
static int flush(va_link *l)
{
    for (;;) {
        const uint8_t *p = NULL;
        size_t n = va_channel_output(l->ch, &p);
        size_t put = 0;
        int rc;

        if (n == 0u) {
            return VA_OK;
        }
        rc = va_stream_write(&l->stream.base, p, n, &put);
        if (rc == VA_ERR_AGAIN) {
            return VA_OK;
        }
        if (rc != VA_OK) {
            return rc;
        }
        /* consume may queue the next frames (send slots freed): loop */
        va_channel_consume(l->ch, put, va_loop_now_ms());
        if (put < n) {
            return VA_OK;
        }
    }
}

/* Interest and deadline follow the channel's state after every step. */
static void rearm(va_link *l)
{
    const uint8_t *p = NULL;
    uint32_t want = VA_EV_READ;

    if (va_channel_output(l->ch, &p) != 0u) {
        want |= VA_EV_WRITE;
    }
    if (want != l->want) {
        (void)va_loop_mod_fd(l->loop, l->watch, want);
        l->want = want;
    }
    (void)va_loop_set_deadline(l->loop, l->watch, va_channel_next_deadline(l->ch));
}

void va_link_kick(va_link *l)
{
    int rc;

    if (l == NULL || !l->up) {
        return;
    }
    rc = flush(l);
    if (rc != VA_OK) {
        go_down(l, rc);
        return;
    }
    rearm(l);
}

static void on_ready(va_loop *loop, const va_loop_event *ev, void *arg)
{
    va_link *l = arg;
    int rc = VA_OK;
    (void)loop;

    if (!l->up) {
        return;
    }
    if ((ev->events & (VA_EV_READ | VA_EV_HUP | VA_EV_ERR)) != 0u) {
        for (uint32_t i = 0; i < VA_LINK_READS_PER_EVENT; i++) {
            size_t got = 0;
            rc = va_stream_read(&l->stream.base, l->rbuf, sizeof l->rbuf, &got);
            if (rc != VA_OK) {
                break;
            }
            (void)va_channel_input(l->ch, l->rbuf, got, va_loop_now_ms());
            /* a handler may have taken the link down (e.g. a failed drain) */
            if (!l->up) {
                return;
            }
            if (got < sizeof l->rbuf) {
                break;
            }
        }
        if (rc != VA_OK && rc != VA_ERR_AGAIN) {
            /* answers to what we just read go out before we report EOF:
             * a half-closed peer may still read them */
            (void)flush(l);
            go_down(l, rc);
            return;
        }
    }
    if ((ev->events & VA_EV_DEADLINE) != 0u) {
        if (va_channel_tick(l->ch, ev->now_ms) == VA_ERR_TIMEOUT) {
            go_down(l, VA_ERR_TIMEOUT);
            return;
        }
    }
    va_link_kick(l);
}

int va_link_attach(va_link *l, const va_fd_stream *s)
{
    int rc;

    if (l == NULL || s == NULL || l->up) {
        return VA_ERR_INVAL;
    }
    l->stream = *s;
    rc = va_channel_attach(l->ch, va_loop_now_ms());
    if (rc != VA_OK) {
        (void)va_stream_close(&l->stream.base);
        return rc;
    }
    rc = va_loop_add_fd(l->loop, va_stream_fd(&l->stream.base), VA_EV_READ, on_ready, l,
                        &l->watch);
    if (rc != VA_OK) {
        va_channel_detach(l->ch);
        (void)va_stream_close(&l->stream.base);
        return rc;
    }
    l->want = VA_EV_READ;
    l->up = true;
    l->sys_errno = 0;
    va_link_kick(l);
    return VA_OK;
}

int va_link_drain(va_link *l, int timeout_ms)
{
    uint64_t end = va_loop_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);

    for (;;) {
        const uint8_t *p = NULL;
        struct pollfd pfd;
        uint64_t now;
        int rc;

        if (l == NULL || !l->up) {
            return VA_ERR_CLOSED;
        }
        rc = flush(l);
        if (rc != VA_OK) {
            go_down(l, rc);
            return VA_ERR_CLOSED;
        }
        if (va_channel_output(l->ch, &p) == 0u) {
            rearm(l);
            return VA_OK;
        }
        now = va_loop_now_ms();
        if (now >= end) {
            rearm(l);
            return VA_ERR_TIMEOUT;
        }
        pfd.fd = va_stream_fd(&l->stream.base);
        pfd.events = POLLOUT;
        pfd.revents = 0;
        if (poll(&pfd, 1, (int)(end - now)) < 0 && errno != EINTR) {
            rearm(l);
            return VA_ERR_IO;
        }
    }
}
