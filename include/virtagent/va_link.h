/* SPDX-License-Identifier: MIT */
/*
 * va_link: drives one sans-I/O va_channel over one fd stream from a va_loop.
 *
 * The glue every embedder of the epoll loop would otherwise rewrite:
 *   readable     -> read into a buffer -> va_channel_input
 *   output ready -> one write per batch -> va_channel_consume (optimistic:
 *                   written at once; WRITE interest only while the socket
 *                   buffer is full, so a level-triggered loop never spins)
 *   deadline     -> the watch's deadline is va_channel_next_deadline, and on
 *                   expiry va_channel_tick (VA_ERR_TIMEOUT: dead peer)
 *   EOF / error / dead peer -> stream closed, channel detached (every call in
 *                   flight completes DISCONNECTED), then the owner's `down`
 *                   callback, which reconnects or exits.
 *
 * Calls and replies made outside the link's own callbacks (a timer, stdin,
 * a delayed handler) must be followed by va_link_kick so their bytes leave.
 * The link owns the stream from va_link_attach until it goes down or
 * va_link_close.  No heap: the read buffer lives in the struct.
 */
#ifndef VIRTAGENT_VA_LINK_H
#define VIRTAGENT_VA_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "virtagent/va_channel.h"
#include "virtagent/va_loop.h"
#include "virtagent/va_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes read per read(2).  One default frame fits many times over; larger
 * frames simply take more reads. */
#define VA_LINK_READ_BUF 65536u
/* Reads per readiness event before going back to the loop, so one chatty
 * peer cannot starve the other watches. */
#define VA_LINK_READS_PER_EVENT 4u

typedef struct va_link va_link;

/* The stream went away.  reason: VA_ERR_CLOSED (EOF, hangup), VA_ERR_IO
 * (sys_errno in the link), VA_ERR_TIMEOUT (peer silent past dead_peer_ms).
 * The stream is already closed and the channel detached. */
typedef void (*va_link_down_fn)(va_link *l, int reason, void *ctx);

struct va_link {
    va_loop *loop;
    va_channel *ch;
    va_fd_stream stream;
    uint32_t watch;
    uint32_t want;        /* events currently asked of the loop */
    bool up;
    int sys_errno;        /* errno of the last VA_ERR_IO */
    va_link_down_fn down;
    void *ctx;
    uint8_t rbuf[VA_LINK_READ_BUF];
};

/* Bind a link to a loop and an initialised channel (not attached). */
int va_link_init(va_link *l, va_loop *loop, va_channel *ch, va_link_down_fn down, void *ctx);

/* Take an open stream (copied; the caller's copy must not be used after),
 * attach the channel (our HELLO is queued first) and start watching.  On
 * error the stream is closed. */
int va_link_attach(va_link *l, const va_fd_stream *s);

/* Write what the channel has pending and re-arm interest and deadline.
 * Call after va_channel_call / va_channel_reply made outside the link's
 * callbacks.  May take the link down (the down callback runs). */
void va_link_kick(va_link *l);

/* Write everything pending, waiting up to timeout_ms for the socket buffer
 * (e.g. to flush a reply before the machine powers off).  VA_OK when the
 * output is empty, VA_ERR_TIMEOUT, or VA_ERR_CLOSED when the link is down. */
int va_link_drain(va_link *l, int timeout_ms);

/* Close the stream and detach the channel without calling `down`. */
void va_link_close(va_link *l);

bool va_link_is_up(const va_link *l);

#ifdef __cplusplus
}
#endif

#endif
