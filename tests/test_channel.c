/* SPDX-License-Identifier: MIT */
/*
 * Two channels talking to each other, in both directions at once, through
 * the sans-I/O API (bytes shuttled by the test), then over the in-memory
 * transport pair with fault injection.  Every call's completion is counted:
 * exactly once, always.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "virtagent/va_channel.h"
#include "virtagent/va_codec.h"
#include "virtagent/va_transport.h"

#define MAXCALLS 4096
#define M_ECHO VA_METHOD_PING
#define M_ASYNC VA_METHOD_INFO
#define M_OFF VA_METHOD_SHUTDOWN

typedef struct peer {
    va_channel ch;
    void *mem;
    va_method methods[3];
    /* async handler: jobs waiting for a reply */
    va_job_id held[256];
    unsigned nheld;
    unsigned cancels_seen;
    unsigned hellos;
} peer;

typedef struct call_rec {
    unsigned done;
    va_status status;
    int32_t code;
    char resp[64];
} call_rec;

static call_rec calls[MAXCALLS];
static unsigned ncalls;
static uint64_t now;

static void h_echo(va_channel *ch, va_job_id job, uint32_t method, const uint8_t *req,
                   uint32_t len, void *ctx)
{
    (void)method;
    (void)ctx;
    assert_int_equal(va_channel_reply(ch, job, 0, req, len), VA_OK);
}

static void h_async(va_channel *ch, va_job_id job, uint32_t method, const uint8_t *req,
                    uint32_t len, void *ctx)
{
    peer *p = ctx;
    (void)ch;
    (void)method;
    (void)req;
    (void)len;
    assert_true(p->nheld < 256);
    p->held[p->nheld++] = job;
}

static void h_async_cancel(va_channel *ch, va_job_id job, void *ctx)
{
    peer *p = ctx;
    (void)ch;
    (void)job;
    p->cancels_seen++;
}

static void on_event(va_channel *ch, const va_channel_event *ev, void *ctx)
{
    peer *p = ctx;
    (void)ch;
    if (ev->kind == VA_CHANNEL_EV_HELLO) {
        p->hellos++;
    }
}

static void done_cb(va_channel *ch, va_job_id job, va_status st, int32_t code,
                    const uint8_t *resp, uint32_t len, void *ctx)
{
    call_rec *c = ctx;
    (void)ch;
    (void)job;
    c->done++;
    assert_int_equal(c->done, 1); /* exactly once */
    c->status = st;
    c->code = code;
    snprintf(c->resp, sizeof c->resp, "%.*s", (int)len, resp ? (const char *)resp : "");
}

static void peer_init(peer *p, uint32_t server_max, uint32_t max_payload)
{
    va_channel_config cfg;
    size_t need;

    memset(p, 0, sizeof *p);
    p->methods[0] = (va_method){ .id = M_ECHO, .name = "echo", .fn = h_echo, .ctx = p, .enabled = 1 };
    p->methods[1] = (va_method){ .id = M_ASYNC, .name = "async", .fn = h_async,
                                 .cancel = h_async_cancel, .ctx = p, .enabled = 1 };
    p->methods[2] = (va_method){ .id = M_OFF, .name = "off", .fn = h_echo, .ctx = p, .enabled = 0 };
    va_channel_config_default(&cfg);
    cfg.limits.server_max = server_max;
    cfg.limits.client_max = 64;
    cfg.max_payload = max_payload;
    cfg.keepalive_ms = 0;
    cfg.dead_peer_ms = 0;
    cfg.methods = p->methods;
    cfg.nmethods = 3;
    cfg.agent_name = "test";
    cfg.agent_version = "0";
    cfg.on_event = on_event;
    cfg.ctx = p;
    need = va_channel_memory_size(&cfg);
    assert_true(need > 0);
    p->mem = malloc(need);
    assert_non_null(p->mem);
    assert_int_equal(va_channel_init(&p->ch, &cfg, p->mem, need), VA_OK);
}

static void peer_fini(peer *p)
{
    free(p->mem);
}

/* Move up to `max` bytes from a to b, in chunks of `chunk` bytes. */
static size_t move(peer *a, peer *b, size_t chunk, size_t max)
{
    const uint8_t *out;
    size_t n = va_channel_output(&a->ch, &out);
    size_t moved = 0;
    if (n > max) {
        n = max;
    }
    while (moved < n) {
        size_t k = n - moved < chunk ? n - moved : chunk;
        /* copy first: consume may compact a's buffer */
        uint8_t tmp[65536];
        assert_true(k <= sizeof tmp);
        memcpy(tmp, out + moved, k);
        assert_int_equal(va_channel_input(&b->ch, tmp, k, now), VA_OK);
        moved += k;
    }
    va_channel_consume(&a->ch, moved, now);
    return moved;
}

static void settle(peer *a, peer *b, size_t chunk)
{
    for (int i = 0; i < 10000; i++) {
        size_t m = move(a, b, chunk, SIZE_MAX) + move(b, a, chunk, SIZE_MAX);
        if (m == 0) {
            return;
        }
    }
    fail_msg("channels never settled");
}

static call_rec *new_call(void)
{
    assert_true(ncalls < MAXCALLS);
    memset(&calls[ncalls], 0, sizeof calls[ncalls]);
    return &calls[ncalls++];
}

static va_job_id call(peer *p, uint32_t method, const char *payload, uint64_t timeout, call_rec **rec)
{
    va_job_id id = 0;
    call_rec *c = new_call();
    int rc = va_channel_call(&p->ch, method, (const uint8_t *)payload, (uint32_t)strlen(payload),
                             now, timeout, done_cb, c, &id);
    assert_int_equal(rc, VA_OK);
    if (rec) {
        *rec = c;
    }
    return id;
}

static peer A, B;

static int setup(void **state)
{
    (void)state;
    ncalls = 0;
    now = 1000;
    peer_init(&A, 16, 1024);
    peer_init(&B, 16, 1024);
    assert_int_equal(va_channel_attach(&A.ch, now), VA_OK);
    assert_int_equal(va_channel_attach(&B.ch, now), VA_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_true(va_manager_valid(&A.ch.m));
    assert_true(va_manager_valid(&B.ch.m));
    peer_fini(&A);
    peer_fini(&B);
    return 0;
}

static void calls_both_ways_at_once(void **state)
{
    (void)state;
    char buf[32];
    /* HELLOs first: then each side keeps within the other's limit (16) */
    settle(&A, &B, 1 << 16);
    for (int i = 0; i < 80; i++) {
        snprintf(buf, sizeof buf, "a%d", i);
        call(&A, M_ECHO, buf, 0, NULL);
        snprintf(buf, sizeof buf, "b%d", i);
        call(&B, M_ECHO, buf, 0, NULL);
        if (i % 16 == 15) {
            settle(&A, &B, 1 << 16);
        }
    }
    settle(&A, &B, 1 << 16);
    for (unsigned i = 0; i < ncalls; i++) {
        char want[32];
        snprintf(want, sizeof want, "%c%u", (i % 2) ? 'b' : 'a', i / 2);
        assert_int_equal(calls[i].done, 1);
        assert_int_equal(calls[i].status, VA_STATUS_OK);
        assert_string_equal(calls[i].resp, want);
    }
    assert_int_equal(A.hellos, 1);
    assert_int_equal(B.hellos, 1);
    assert_int_equal(va_channel_live(&A.ch), 0);
    assert_int_equal(va_channel_live(&B.ch), 0);
}

static void one_byte_at_a_time(void **state)
{
    (void)state;
    for (int i = 0; i < 10; i++) {
        call(&A, M_ECHO, "x", 0, NULL);
        call(&B, M_ECHO, "y", 0, NULL);
    }
    settle(&A, &B, 1);
    for (unsigned i = 0; i < ncalls; i++) {
        assert_int_equal(calls[i].status, VA_STATUS_OK);
    }
}

static void unknown_disabled_and_too_big(void **state)
{
    (void)state;
    call_rec *unk, *off, *ok;
    call(&A, 0x1F1, "?", 0, &unk);
    call(&A, M_OFF, "!", 0, &off);
    call(&A, M_ECHO, "fine", 0, &ok);
    settle(&A, &B, 4096);
    assert_int_equal(unk->status, VA_STATUS_REMOTE_ERROR);
    assert_int_equal(unk->code, VIRTAGENT__STATUS_CODE__UNKNOWN_METHOD);
    assert_int_equal(off->status, VA_STATUS_REMOTE_ERROR);
    assert_int_equal(off->code, VIRTAGENT__STATUS_CODE__DISABLED);
    assert_string_equal(off->resp, "method disabled");
    assert_int_equal(ok->status, VA_STATUS_OK);
    assert_int_equal(va_channel_get_stats(&B.ch)->unknown_method, 1);
    assert_int_equal(va_channel_get_stats(&B.ch)->disabled_method, 1);
    /* over our own cap: refused at once, no callback */
    static uint8_t big[2048];
    va_job_id id;
    call_rec *c = new_call();
    assert_int_equal(va_channel_call(&A.ch, M_ECHO, big, sizeof big, now, 0, done_cb, c, &id),
                     VA_ERR_TOOBIG);
    assert_int_equal(c->done, 0);
}

static void peer_limits_from_hello(void **state)
{
    (void)state;
    /* B accepts at most 4 requests and 512-byte payloads */
    peer_fini(&B);
    peer_init(&B, 4, 512);
    assert_int_equal(va_channel_attach(&B.ch, now), VA_OK);
    settle(&A, &B, 4096);
    va_job_id id;
    static uint8_t mid[800];
    call_rec *c = new_call();
    assert_int_equal(va_channel_call(&A.ch, M_ECHO, mid, sizeof mid, now, 0, done_cb, c, &id),
                     VA_ERR_TOOBIG);
    for (int i = 0; i < 4; i++) {
        call(&A, M_ASYNC, "hold", 0, NULL);
    }
    c = new_call();
    assert_int_equal(va_channel_call(&A.ch, M_ASYNC, (const uint8_t *)"x", 1, now, 0, done_cb, c, &id),
                     VA_ERR_LIMIT);
    settle(&A, &B, 4096);
    assert_int_equal(B.nheld, 4);
    for (unsigned i = 0; i < B.nheld; i++) {
        assert_int_equal(va_channel_reply(&B.ch, B.held[i], 0, (const uint8_t *)"r", 1), VA_OK);
    }
    settle(&A, &B, 4096);
    assert_int_equal(va_channel_live(&A.ch), 0);
}

static void busy_when_queue_full(void **state)
{
    (void)state;
    peer_fini(&B);
    peer_init(&B, 2, 1024);
    assert_int_equal(va_channel_attach(&B.ch, now), VA_OK);
    /* A calls before it has seen B's hello: B must answer BUSY, not drop */
    call_rec *c[5];
    for (int i = 0; i < 5; i++) {
        call(&A, M_ASYNC, "q", 0, &c[i]);
    }
    settle(&A, &B, 4096);
    int busy = 0;
    for (int i = 0; i < 5; i++) {
        if (c[i]->done) {
            assert_int_equal(c[i]->status, VA_STATUS_REJECTED);
            assert_int_equal(c[i]->code, VIRTAGENT__STATUS_CODE__BUSY);
            busy++;
        }
    }
    assert_int_equal(busy, 3);
    assert_int_equal(va_channel_get_stats(&B.ch)->busy_sent, 3);
}

static void cancel_travels_to_peer(void **state)
{
    (void)state;
    call_rec *c;
    va_job_id id = call(&A, M_ASYNC, "long", 0, &c);
    settle(&A, &B, 4096);
    assert_int_equal(B.nheld, 1);
    assert_int_equal(va_channel_cancel(&A.ch, id), VA_OK);
    assert_int_equal(c->status, VA_STATUS_CANCELLED);
    settle(&A, &B, 4096);
    assert_int_equal(B.cancels_seen, 1);
    assert_int_equal(va_channel_get_stats(&B.ch)->cancels_in, 1);
    /* the handler's reply after the cancel is discarded, nothing is sent */
    assert_int_equal(va_channel_reply(&B.ch, B.held[0], 0, (const uint8_t *)"late", 4), VA_OK);
    const uint8_t *out;
    assert_int_equal(va_channel_output(&B.ch, &out), 0);
    assert_int_equal(va_channel_live(&B.ch), 0);
    assert_int_equal(c->done, 1);
}

/* Regression (fuzz finding error_reply_text_out_of_scope): the text of an
 * error reply reaches the caller intact. */
static void error_reply_text_reaches_caller(void **state)
{
    (void)state;
    call_rec *c;
    call(&A, M_ASYNC, "job", 0, &c);
    settle(&A, &B, 4096);
    assert_int_equal(B.nheld, 1);
    assert_int_equal(va_channel_reply(&B.ch, B.held[0], 9, (const uint8_t *)"handler failed", 14),
                     VA_OK);
    settle(&A, &B, 4096);
    assert_int_equal(c->done, 1);
    assert_int_equal(c->status, VA_STATUS_REMOTE_ERROR);
    assert_int_equal(c->code, 9);
    assert_string_equal(c->resp, "handler failed");
}

static void timeout_then_late_reply_dropped(void **state)
{
    (void)state;
    call_rec *c;
    call(&A, M_ASYNC, "slow", 50, &c);
    settle(&A, &B, 4096);
    assert_int_equal(va_channel_next_deadline(&A.ch), now + 50);
    now += 50;
    assert_int_equal(va_channel_tick(&A.ch, now), VA_OK);
    assert_int_equal(c->status, VA_STATUS_TIMED_OUT);
    /* B answers before it sees A's cancel: the reply arrives late */
    assert_int_equal(va_channel_reply(&B.ch, B.held[0], 0, (const uint8_t *)"late", 4), VA_OK);
    move(&B, &A, 4096, SIZE_MAX);
    assert_int_equal(va_channel_get_stats(&A.ch)->late_replies, 1);
    settle(&A, &B, 4096);
    assert_int_equal(va_channel_get_stats(&B.ch)->unknown_cancels, 1);
    assert_int_equal(c->done, 1);
}

/* Regression (found by tests/soak): a reply fed at a `now` past the call's
 * deadline, with no tick in between (the embedder read before it ticked,
 * e.g. epoll reported the readable socket and the deadline in one wake-up),
 * was delivered as OK.  The deadline wins: the call times out, the reply is
 * late. */
static void reply_after_deadline_without_tick(void **state)
{
    (void)state;
    call_rec *c;
    call(&A, M_ASYNC, "slow", 50, &c);
    settle(&A, &B, 4096);
    assert_int_equal(va_channel_reply(&B.ch, B.held[0], 0, (const uint8_t *)"late", 4), VA_OK);
    now += 60;
    move(&B, &A, 4096, SIZE_MAX);
    assert_int_equal(c->done, 1);
    assert_int_equal(c->status, VA_STATUS_TIMED_OUT);
    assert_int_equal(va_channel_get_stats(&A.ch)->late_replies, 1);
    /* a reply inside its deadline is still delivered */
    call(&A, M_ASYNC, "quick", 50, &c);
    settle(&A, &B, 4096);
    assert_int_equal(va_channel_reply(&B.ch, B.held[1], 0, (const uint8_t *)"ok", 2), VA_OK);
    now += 49;
    move(&B, &A, 4096, SIZE_MAX);
    assert_int_equal(c->status, VA_STATUS_OK);
    settle(&A, &B, 4096);
}

static void garbage_between_and_inside_frames(void **state)
{
    (void)state;
    uint32_t x = 42;
    for (int round = 0; round < 50; round++) {
        call(&A, M_ECHO, "g", 0, NULL);
        /* garbage straight into B's input, between A's frames */
        uint8_t junk[97];
        for (size_t i = 0; i < sizeof junk; i++) {
            x = x * 1103515245u + 12345u;
            junk[i] = (uint8_t)(x >> 16);
        }
        junk[3] = 0xA7;
        junk[4] = 0x5A; /* a fake magic */
        assert_int_equal(va_channel_input(&B.ch, junk, sizeof junk, now), VA_OK);
        settle(&A, &B, 7);
    }
    for (unsigned i = 0; i < ncalls; i++) {
        assert_int_equal(calls[i].status, VA_STATUS_OK);
    }
    assert_true(va_channel_get_stats(&B.ch)->framer.garbage_bytes >= 50u * 90u);
}

static void detach_completes_and_reattach_works(void **state)
{
    (void)state;
    call_rec *held, *queued;
    call(&A, M_ASYNC, "hold", 0, &held);
    settle(&A, &B, 4096);
    call(&A, M_ECHO, "unsent", 0, &queued);
    /* the stream breaks with A's second request still in its buffer */
    va_channel_detach(&A.ch);
    va_channel_detach(&B.ch);
    assert_int_equal(held->status, VA_STATUS_DISCONNECTED);
    assert_int_equal(queued->status, VA_STATUS_DISCONNECTED);
    /* B's handler still runs; its late reply is discarded */
    assert_int_equal(va_channel_reply(&B.ch, B.held[0], 0, (const uint8_t *)"x", 1), VA_OK);
    assert_int_equal(va_channel_live(&B.ch), 0);
    /* a call made while detached waits for the next stream, behind HELLO */
    call_rec *later;
    call(&A, M_ECHO, "after", 0, &later);
    assert_int_equal(va_channel_input(&A.ch, (const uint8_t *)"x", 1, now), VA_ERR_CLOSED);
    assert_int_equal(va_channel_attach(&A.ch, now), VA_OK);
    assert_int_equal(va_channel_attach(&B.ch, now), VA_OK);
    settle(&A, &B, 13);
    assert_int_equal(later->status, VA_STATUS_OK);
    assert_string_equal(later->resp, "after");
    assert_int_equal(A.hellos, 2);
}

/* Cancelled while its request was still being written (ABANDONED), the
 * call's reply is a late reply, not a duplicate (explorer finding). */
static void reply_to_abandoned_call_is_late(void **state)
{
    (void)state;
    call_rec *c;
    settle(&A, &B, 4096);
    va_job_id id = call(&A, M_ECHO, "abandon", 0, &c);
    /* the frame is in A's output, not yet consumed: the job is SENDING */
    assert_int_equal(va_channel_cancel(&A.ch, id), VA_OK);
    assert_int_equal(c->status, VA_STATUS_CANCELLED);
    /* B gets the request and answers; A has not reported send_done yet */
    const uint8_t *out;
    size_t n = va_channel_output(&A.ch, &out);
    uint8_t tmp[4096];
    memcpy(tmp, out, n);
    assert_int_equal(va_channel_input(&B.ch, tmp, n, now), VA_OK);
    move(&B, &A, 4096, SIZE_MAX);
    assert_int_equal(va_channel_get_stats(&A.ch)->late_replies, 1);
    assert_int_equal(va_channel_get_stats(&A.ch)->duplicate_replies, 0);
    va_channel_consume(&A.ch, n, now);
    settle(&A, &B, 4096);
    assert_int_equal(c->done, 1);
    assert_int_equal(va_channel_live(&A.ch), 0);
}

static void keepalive_and_dead_peer(void **state)
{
    (void)state;
    A.ch.cfg.keepalive_ms = 100;
    A.ch.cfg.dead_peer_ms = 350;
    settle(&A, &B, 4096);
    assert_int_equal(va_channel_next_deadline(&A.ch), now + 100);
    now += 100;
    assert_int_equal(va_channel_tick(&A.ch, now), VA_OK);
    assert_int_equal(va_channel_get_stats(&A.ch)->keepalives_out, 1);
    settle(&A, &B, 4096);
    assert_int_equal(va_channel_get_stats(&B.ch)->keepalives_in, 1);
    /* B stays silent: A declares it dead 350 ms after its last byte */
    now += 249;
    assert_int_equal(va_channel_tick(&A.ch, now), VA_OK);
    now += 101;
    assert_int_equal(va_channel_tick(&A.ch, now), VA_ERR_TIMEOUT);
    assert_int_equal(va_channel_get_stats(&A.ch)->dead_peer, 1);
}

/* Frame an envelope and feed it to a channel, as a hostile peer would. */
static void inject(peer *to, Virtagent__Envelope *e)
{
    uint8_t env[512], frame[600];
    size_t n = 0;
    assert_int_equal(va_codec_encode_envelope(e, env, sizeof env, &n), VA_OK);
    int len = va_frame_encode(frame, sizeof frame, env, (uint32_t)n, 4096);
    assert_true(len > 0);
    assert_int_equal(va_channel_input(&to->ch, frame, (size_t)len, now), VA_OK);
}

static void forged_and_duplicate_ids(void **state)
{
    (void)state;
    va_envelope_storage st = VA_ENVELOPE_STORAGE_INIT;
    call_rec *c;
    va_job_id id = call(&A, M_ASYNC, "real", 0, &c);
    settle(&A, &B, 4096);
    /* forged responses: wrong generation, wrong slot, id 0 */
    inject(&A, va_envelope_response(&st, id + (1ull << 32), M_ASYNC, NULL, 0));
    inject(&A, va_envelope_response(&st, id ^ 5u, M_ASYNC, NULL, 0));
    assert_int_equal(va_channel_get_stats(&A.ch)->late_replies, 2);
    assert_int_equal(c->done, 0);
    /* forged cancel and a duplicate live request id at B */
    inject(&B, va_envelope_cancel(&st, 0xdeadbeefull));
    assert_int_equal(va_channel_get_stats(&B.ch)->unknown_cancels, 1);
    inject(&B, va_envelope_request(&st, id, M_ASYNC, (const uint8_t *)"dup", 3));
    assert_int_equal(va_channel_get_stats(&B.ch)->duplicate_ids, 1);
    assert_int_equal(B.nheld, 1);
    /* the real job is untouched */
    assert_int_equal(va_channel_reply(&B.ch, B.held[0], 0, (const uint8_t *)"ok", 2), VA_OK);
    settle(&A, &B, 4096);
    assert_int_equal(c->status, VA_STATUS_OK);
    assert_string_equal(c->resp, "ok");
    /* a malformed envelope inside a valid frame is dropped and counted */
    uint8_t bad[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f };
    uint8_t frame[64];
    int len = va_frame_encode(frame, sizeof frame, bad, sizeof bad, 4096);
    assert_int_equal(va_channel_input(&B.ch, frame, (size_t)len, now), VA_OK);
    assert_int_equal(va_channel_get_stats(&B.ch)->decode_errors, 1);
    /* a reply to a client job or to a job that already replied is refused */
    assert_int_equal(va_channel_reply(&A.ch, id, 0, NULL, 0), VA_ERR_STALE);
}

/* ---- over the in-memory transport pair with faults ---- */

static size_t pump_stream(peer *p, va_stream *s)
{
    const uint8_t *out;
    size_t n = va_channel_output(&p->ch, &out), put = 0, moved = 0;
    uint8_t buf[4096];
    size_t got = 0;
    if (n != 0 && va_stream_write(s, out, n, &put) == VA_OK) {
        va_channel_consume(&p->ch, put, now);
        moved += put;
    }
    while (va_stream_read(s, buf, sizeof buf, &got) == VA_OK && got != 0) {
        (void)va_channel_input(&p->ch, buf, got, now);
        moved += got;
    }
    return moved;
}

/* Calls both ways through two streams with faults; every call ends exactly
 * once (ok, or timed out when a corrupted frame was dropped). */
static void run_over_streams(va_stream *sa, va_stream *sb, uint32_t corrupt_ppm)
{
    va_fault_stream fa, fb;
    va_fault_config cfg = { .seed = 7, .max_read_chunk = 13, .max_write_chunk = 29,
                            .again_ppm = 200000, .corrupt_ppm = corrupt_ppm,
                            .disconnect_after = 0 };
    assert_int_equal(va_fault_init(&fa, sa, &cfg), VA_OK);
    cfg.seed = 8;
    assert_int_equal(va_fault_init(&fb, sb, &cfg), VA_OK);
    unsigned issued = 0;
    for (int step = 0; step < 20000; step++) {
        now++;
        if (step % 7 == 0 && issued < 1500) {
            va_job_id id;
            call_rec *c = new_call();
            peer *p = (step % 14 == 0) ? &A : &B;
            if (va_channel_call(&p->ch, M_ECHO, (const uint8_t *)"fi", 2, now, 200, done_cb, c,
                                &id) == VA_OK) {
                issued++;
            } else {
                ncalls--;
            }
        }
        pump_stream(&A, &fa.base);
        pump_stream(&B, &fb.base);
        (void)va_channel_tick(&A.ch, now);
        (void)va_channel_tick(&B.ch, now);
    }
    /* let every deadline pass, then count: each call ended exactly once */
    now += 1000;
    (void)va_channel_tick(&A.ch, now);
    (void)va_channel_tick(&B.ch, now);
    unsigned ok = 0, timed_out = 0;
    for (unsigned i = 0; i < ncalls; i++) {
        assert_int_equal(calls[i].done, 1);
        ok += calls[i].status == VA_STATUS_OK;
        timed_out += calls[i].status == VA_STATUS_TIMED_OUT;
    }
    assert_int_equal(ok + timed_out, ncalls);
    assert_true(ok > ncalls / 2);
    if (corrupt_ppm == 0) {
        assert_int_equal(ok, ncalls);
    }
    print_message("%u calls, %u ok, %u timed out (corrupted frames: %llu)\n",
                  ncalls, ok, timed_out,
                  (unsigned long long)(va_channel_get_stats(&A.ch)->framer.bad_crc +
                                       va_channel_get_stats(&B.ch)->framer.bad_crc));
}

static void fault_injection_exactly_once(void **state)
{
    (void)state;
    static uint8_t r0[8192], r1[8192];
    va_mem_pair pair;
    assert_int_equal(va_mem_pair_init(&pair, r0, sizeof r0, r1, sizeof r1), VA_OK);
    run_over_streams(va_mem_pair_stream(&pair, 0), va_mem_pair_stream(&pair, 1), 300);
}

/* The same over a real kernel socketpair (short reads and writes, EAGAIN
 * storms from the fault wrapper, no corruption: every call succeeds). */
static void real_socketpair_exactly_once(void **state)
{
    (void)state;
    int sv[2];
    va_fd_stream a, b;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(va_fd_stream_init(&a, sv[0]), VA_OK);
    assert_int_equal(va_fd_stream_init(&b, sv[1]), VA_OK);
    run_over_streams(&a.base, &b.base, 0);
    va_stream_close(&a.base);
    va_stream_close(&b.base);
}

/* Methods of any service 1..15 with index < 32 are served (the HostAgent
 * methods live at 0x02xx); ids outside that space are refused at init and
 * answered UNKNOWN_METHOD on the wire, never misrouted. */
static void methods_of_every_service(void **state)
{
    va_channel ch;
    va_channel_config cfg;
    va_method m[3];
    static uint8_t mem[1 << 20];
    call_rec *host, *last, *beyond;
    (void)state;

    va_channel_config_default(&cfg);
    m[0] = (va_method){ .id = VA_METHOD_EVENT, .name = "ev", .fn = h_echo, .enabled = 1 };
    m[1] = (va_method){ .id = VA_METHOD_ID(15, 31), .name = "last", .fn = h_echo, .enabled = 1 };
    m[2] = (va_method){ .id = VA_METHOD_ID(1, 32), .name = "bad", .fn = h_echo, .enabled = 1 };
    cfg.methods = m;
    cfg.nmethods = 3;
    assert_true(va_channel_memory_size(&cfg) <= sizeof mem);
    assert_int_equal(va_channel_init(&ch, &cfg, mem, sizeof mem), VA_ERR_INVAL);
    m[2].id = VA_METHOD_ID(16, 0);
    assert_int_equal(va_channel_init(&ch, &cfg, mem, sizeof mem), VA_ERR_INVAL);
    m[2].id = VA_METHOD_ID(0, 1);
    assert_int_equal(va_channel_init(&ch, &cfg, mem, sizeof mem), VA_ERR_INVAL);

    /* B serves a HostAgent method and the last dispatchable id */
    B.methods[0].id = VA_METHOD_EVENT;
    B.methods[1].id = VA_METHOD_ID(15, 31);
    B.methods[1].fn = h_echo;
    cfg.methods = B.methods;
    cfg.nmethods = 3;
    cfg.keepalive_ms = 0;
    cfg.dead_peer_ms = 0;
    cfg.max_payload = 1024;
    cfg.limits.server_max = 16;
    free(B.mem);
    B.mem = malloc(va_channel_memory_size(&cfg));
    assert_non_null(B.mem);
    assert_int_equal(va_channel_init(&B.ch, &cfg, B.mem, va_channel_memory_size(&cfg)), VA_OK);
    assert_int_equal(va_channel_attach(&B.ch, now), VA_OK);
    call(&A, VA_METHOD_EVENT, "host", 0, &host);
    call(&A, VA_METHOD_ID(15, 31), "last", 0, &last);
    call(&A, VA_METHOD_ID(2, 32), "beyond", 0, &beyond);
    settle(&A, &B, 4096);
    assert_int_equal(host->status, VA_STATUS_OK);
    assert_string_equal(host->resp, "host");
    assert_int_equal(last->status, VA_STATUS_OK);
    assert_string_equal(last->resp, "last");
    assert_int_equal(beyond->status, VA_STATUS_REMOTE_ERROR);
    assert_int_equal(beyond->code, VIRTAGENT__STATUS_CODE__UNKNOWN_METHOD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(calls_both_ways_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(one_byte_at_a_time, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_disabled_and_too_big, setup, teardown),
        cmocka_unit_test_setup_teardown(peer_limits_from_hello, setup, teardown),
        cmocka_unit_test_setup_teardown(busy_when_queue_full, setup, teardown),
        cmocka_unit_test_setup_teardown(cancel_travels_to_peer, setup, teardown),
        cmocka_unit_test_setup_teardown(error_reply_text_reaches_caller, setup, teardown),
        cmocka_unit_test_setup_teardown(timeout_then_late_reply_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(reply_after_deadline_without_tick, setup, teardown),
        cmocka_unit_test_setup_teardown(garbage_between_and_inside_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(detach_completes_and_reattach_works, setup, teardown),
        cmocka_unit_test_setup_teardown(keepalive_and_dead_peer, setup, teardown),
        cmocka_unit_test_setup_teardown(reply_to_abandoned_call_is_late, setup, teardown),
        cmocka_unit_test_setup_teardown(forged_and_duplicate_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(fault_injection_exactly_once, setup, teardown),
        cmocka_unit_test_setup_teardown(real_socketpair_exactly_once, setup, teardown),
        cmocka_unit_test_setup_teardown(methods_of_every_service, setup, teardown),
    };
    return cmocka_run_group_tests_name("channel", tests, NULL, NULL);
}
