/* SPDX-License-Identifier: MIT */
/*
 * virtagent channel: one RPC endpoint on one byte stream, sans-I/O.
 *
 * Binds the job manager (lifecycles), the framing (spec/framing.rl) and the
 * codec (spec/virtagent.proto).  Bytes in (va_channel_input), bytes out
 * (va_channel_output + va_channel_consume), time in (every call takes
 * `now`, in milliseconds of any monotonic clock).  No heap, no syscalls:
 * all memory is one caller-provided region of va_channel_memory_size()
 * bytes.
 *
 * Whatever the peer sends gets a defined outcome, counted in
 * va_channel_stats:
 *   unknown method          -> ERROR UNKNOWN_METHOD response
 *   disabled method         -> ERROR DISABLED response
 *   payload over our cap    -> ERROR TOO_BIG response
 *   too many requests       -> ERROR BUSY response
 *   unknown/stale/forged id -> dropped and counted (late_replies, unknown_cancels)
 *   malformed envelope      -> dropped and counted (decode_errors)
 *   garbage, bad CRC, oversize frames -> skipped by the framer and counted
 * Every job ends in exactly one completion (the manager's guarantee).
 */
#ifndef VIRTAGENT_VA_CHANNEL_H
#define VIRTAGENT_VA_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "virtagent/va_arena.h"
#include "virtagent/va_error.h"
#include "virtagent/va_framing.h"
#include "virtagent/va_manager.h"

#ifdef __cplusplus
extern "C" {
#endif

/* spec: the protocol version a HELLO carries; a peer with another major
 * version is counted (version_mismatch) and served on a best-effort basis. */
#define VA_PROTOCOL_VERSION 1u
/* Bytes of envelope around an RPC payload, at most: id, kind, method,
 * status with a message of at most VA_ERROR_TEXT_MAX bytes, field tags. */
#define VA_ENVELOPE_OVERHEAD 256u
/* Longest error text carried in an ERROR response (longer is truncated). */
#define VA_ERROR_TEXT_MAX 128u
/* Default largest RPC payload (request or response message), both ways. */
#define VA_DEFAULT_MAX_PAYLOAD 4096u
/* Smallest max_frame a peer may announce; smaller announcements are ignored. */
#define VA_MIN_PEER_FRAME 512u
/* Control frames (HELLO, KEEPALIVE, CANCEL, job-less ERROR) that fit in
 * the output buffer beside the job frames; beyond, they are dropped and
 * counted (control_dropped): the peer's deadline then covers the loss. */
#define VA_CONTROL_FRAMES 32u
/* Method ids are (service << 8) | index; services 1..15, index < 32 are
 * dispatchable in O(1). */
#define VA_METHOD_SPACE 512u

typedef struct va_channel va_channel;

/* A method we serve.  The handler runs the request and calls
 * va_channel_reply(ch, job, ...) now or later.  `req` is valid until the
 * reply (or until the job is cancelled). */
typedef void (*va_method_fn)(va_channel *ch, va_job_id job, uint32_t method,
                             const uint8_t *req, uint32_t len, void *ctx);
/* Optional: the job's result is no longer wanted (peer cancelled, timeout,
 * disconnect); the handler should still reply, which is then discarded. */
typedef void (*va_method_cancel_fn)(va_channel *ch, va_job_id job, void *ctx);

typedef struct va_method {
    uint32_t id;                 /* VA_METHOD_ID(service, index) */
    const char *name;            /* "GuestAgent.Ping", for capabilities */
    va_method_fn fn;
    va_method_cancel_fn cancel;  /* may be NULL */
    void *ctx;
    uint8_t enabled;             /* 0: answered DISABLED */
} va_method;

/* A call we made is over (exactly once).  For VA_STATUS_OK, resp/len is
 * the response payload; for VA_STATUS_REMOTE_ERROR and
 * VA_STATUS_REJECTED, code is the peer's status code and resp/len its
 * error text; otherwise resp is NULL.  Valid during the call only. */
typedef void (*va_call_done_fn)(va_channel *ch, va_job_id job, va_status status,
                                int32_t code, const uint8_t *resp, uint32_t len,
                                void *ctx);

typedef enum va_channel_event_kind {
    VA_CHANNEL_EV_HELLO = 1,     /* the peer's HELLO arrived */
    VA_CHANNEL_EV_PEER_ERROR,    /* a connection-level ERROR from the peer */
} va_channel_event_kind;

typedef struct va_channel_event {
    va_channel_event_kind kind;
    uint32_t peer_version;
    uint32_t peer_max_frame;
    uint32_t peer_max_inflight;
    const char *peer_name;       /* may be NULL; valid during the call */
    const char *peer_agent_version;
    int32_t code;
    const char *text;
} va_channel_event;

typedef struct va_channel_config {
    va_limits limits;            /* job limits (va_limits_default) */
    uint32_t max_payload;        /* largest RPC payload, both ways */
    uint32_t keepalive_ms;       /* send KEEPALIVE when idle this long; 0: never */
    uint32_t dead_peer_ms;       /* nothing from the peer this long: dead; 0: never */
    uint32_t server_timeout_ms;  /* deadline of a request we serve; 0: none */
    const va_method *methods;    /* what we serve */
    uint32_t nmethods;
    const char *agent_name;      /* announced in HELLO */
    const char *agent_version;
    void (*on_event)(va_channel *ch, const va_channel_event *ev, void *ctx);
    void *ctx;                   /* for on_event */
} va_channel_config;

/* Defaults: va_limits_default, VA_DEFAULT_MAX_PAYLOAD, keepalive 5 s,
 * dead peer 20 s, no server timeout, no methods. */
void va_channel_config_default(va_channel_config *cfg);

typedef struct va_channel_stats {
    uint64_t frames_in, frames_out, bytes_in, bytes_out;
    uint64_t requests_in, responses_in, errors_in, cancels_in, hellos_in, keepalives_in;
    uint64_t requests_out, responses_out, errors_out, cancels_out, keepalives_out;
    uint64_t decode_errors;      /* frames whose envelope did not decode */
    uint64_t protocol_errors;    /* envelopes that break a protocol rule */
    uint64_t unknown_method;     /* answered UNKNOWN_METHOD */
    uint64_t disabled_method;    /* answered DISABLED */
    uint64_t too_big;            /* answered TOO_BIG */
    uint64_t busy_sent;          /* answered BUSY */
    uint64_t late_replies;       /* response for a dead/unknown job: dropped */
    uint64_t duplicate_replies;  /* second response for a job: dropped */
    uint64_t unknown_cancels;    /* cancel for no live request: dropped */
    uint64_t duplicate_ids;      /* request reusing a live id: dropped */
    uint64_t control_dropped;    /* control frame with no room: dropped */
    uint64_t version_mismatch;
    uint64_t dead_peer;          /* times the peer went silent past dead_peer_ms */
    uint64_t attaches, detaches;
    va_framer_stats framer;      /* garbage, bad headers, oversize, bad CRC */
    uint64_t arena_failures;     /* decodes refused for memory */
} va_channel_stats;

/* Per-slot record of the channel (private). */
typedef struct va_chan_slot {
    uint64_t peer_id;            /* server job: the peer's request id */
    va_call_done_fn done;        /* client job: completion */
    void *ctx;
    uint32_t method;
    uint32_t len;                /* payload bytes held in the slot's store */
    int32_t code;                /* result code held (server job) */
    uint32_t pad;
} va_chan_slot;

/* A job frame in the output buffer, waiting to be written out (private). */
typedef struct va_out_frame {
    uint64_t end;                /* absolute output position after its last byte */
    va_job_id job;
    uint32_t server;             /* 1: server job, 0: client job */
    uint32_t pad;
} va_out_frame;

/* Peer request id -> slot map entry (private). */
typedef struct va_peer_ent {
    uint64_t peer_id;            /* 0: empty */
    uint32_t slot;
    uint32_t pad;
} va_peer_ent;

/* The channel.  Allocate it yourself; the fields are private. */
struct va_channel {
    va_manager m;
    va_framer framer;
    va_arena arena;
    va_channel_config cfg;
    va_chan_slot *slots;
    uint8_t *store;              /* cap * max_payload bytes */
    uint8_t *out;                /* output buffer */
    uint32_t out_cap, out_head, out_tail;
    uint64_t out_pos;            /* absolute position of out[out_head] */
    va_out_frame *fifo;          /* job frames in the output buffer */
    uint32_t fifo_cap, fifo_head, fifo_len;
    va_peer_ent *map;
    uint32_t map_mask;
    uint32_t frame_cap;          /* our largest frame payload (envelope) */
    uint32_t peer_frame_cap;     /* the peer's, from its HELLO */
    uint32_t peer_inflight;      /* the peer's server limit, from its HELLO */
    uint8_t method_index[VA_METHOD_SPACE]; /* (service << 5 | index) -> methods[i] + 1 */
    uint8_t attached;
    uint8_t hello_seen;
    uint64_t last_rx, last_tx;
    va_channel_stats stats;
};

/* Bytes of memory a channel with this configuration needs. */
size_t va_channel_memory_size(const va_channel_config *cfg);

/* cfg is copied (methods and strings are referenced, keep them alive).
 * mem: va_channel_memory_size(cfg) bytes, any alignment, owned by the
 * caller for the channel's lifetime.  VA_ERR_INVAL on a bad config. */
int va_channel_init(va_channel *ch, const va_channel_config *cfg, void *mem, size_t mem_len);

/* A new stream: framing restarts, our HELLO is queued first.  Requests
 * queued while detached follow it. */
int va_channel_attach(va_channel *ch, uint64_t now);
/* The stream is gone: pending output is dropped, every job in flight
 * completes with VA_STATUS_DISCONNECTED (handlers still running keep their
 * execute slot until they reply). */
void va_channel_detach(va_channel *ch);

/* Bytes from the peer; any split, any content.  VA_ERR_CLOSED when
 * detached. */
int va_channel_input(va_channel *ch, const uint8_t *data, size_t len, uint64_t now);
/* Bytes to write: *data points at all pending output (one write per batch). */
size_t va_channel_output(const va_channel *ch, const uint8_t **data);
/* n bytes of that output were written. */
void va_channel_consume(va_channel *ch, size_t n, uint64_t now);

/* Timers: job deadlines, keepalive.  VA_ERR_TIMEOUT when the peer has been
 * silent past dead_peer_ms (detach and reconnect). */
int va_channel_tick(va_channel *ch, uint64_t now);
/* When va_channel_tick next has work, or UINT64_MAX. */
uint64_t va_channel_next_deadline(const va_channel *ch);

/* Call a method of the peer.  timeout_ms 0: none.  Errors: VA_ERR_TOOBIG
 * (payload over our or the peer's cap), VA_ERR_LIMIT (our client limit or
 * the peer's announced limit reached).  `done` is called exactly once
 * unless this returns an error. */
int va_channel_call(va_channel *ch, uint32_t method, const uint8_t *payload, uint32_t len,
                    uint64_t now, uint64_t timeout_ms, va_call_done_fn done, void *ctx,
                    va_job_id *out);
int va_channel_cancel(va_channel *ch, va_job_id job);

/* Answer a request we serve.  code 0 (VA_RESULT_CODE_OK): payload is the
 * response message; otherwise payload is an error text.  A payload over
 * the cap is replaced by a TOO_BIG error.  VA_ERR_STALE for a dead job. */
int va_channel_reply(va_channel *ch, va_job_id job, int32_t code, const uint8_t *payload,
                     uint32_t len);

const va_channel_stats *va_channel_get_stats(va_channel *ch);
/* Jobs live (ours and the peer's). */
uint32_t va_channel_live(const va_channel *ch);
int va_channel_is_attached(const va_channel *ch);

#ifdef __cplusplus
}
#endif

#endif
