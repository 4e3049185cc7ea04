/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the channel's receive path (framing + decode + manager)
 * with our own activity interleaved.
 *
 * One channel with four methods (echo: replies at once; async: held until
 * the input says reply; off: disabled; ctl: what its first payload byte
 * says - reply, hold, detach the channel, or make a call of its own from
 * inside the handler).  Input byte 0..2: limits, payload cap, timeouts.
 * Then one operation per byte: raw bytes in, a framed payload in (the
 * fuzzer need not find CRCs), a built envelope in (request, response or
 * error naming one of our calls, cancel, hello, keepalive), loopback (our
 * own output fed back to us: our requests reach our methods and their
 * responses our calls), output written, our calls and cancels, replies of
 * held jobs, time advancing + tick (a dead peer detaches), detach/attach.
 *
 * Checked after every operation: va_manager_valid (and on entry/exit of
 * every manager call: the target links the VA_DEBUG_CHECKS build),
 * va_framer_valid, output within the buffer, no call completed twice (in
 * the callback), a call whose job is gone has completed.  At the end the
 * stream goes away (detach), every held handler replies, and then every
 * call made has completed exactly once and no job is live.
 */
#include <string.h>

#include "fuzz_common.h"
#include "virtagent/va_channel.h"
#include "virtagent/va_codec.h"

#define M_ECHO VA_METHOD_PING
#define M_ASYNC VA_METHOD_INFO
#define M_OFF VA_METHOD_SHUTDOWN
#define M_CTL VA_METHOD_CAPABILITIES
#define FZ_CALLS 512u
#define FZ_HELD 256u
#define FZ_OPS 2048u
#define FZ_MEM (1u << 20)

typedef struct call_rec {
    va_job_id id;
    uint32_t done;
    va_status status;
    int refused;   /* va_channel_call failed: no job, no callback */
} call_rec;

typedef struct fz {
    va_channel ch;
    va_method methods[4];
    call_rec calls[FZ_CALLS];
    uint32_t ncalls;
    va_job_id held[FZ_HELD];
    uint32_t nheld;
    uint64_t peer_ids[8]; /* ids of requests we injected, for cancels */
    uint32_t npeer;
    uint64_t now;
    uint32_t nested_calls;
} fz;

static fz F;
static _Alignas(16) uint8_t mem[FZ_MEM];
static uint8_t tmp[1u << 17];
static uint8_t frame[VA_CODEC_PAYLOAD_MAX + 1024u];

static void done_cb(va_channel *ch, va_job_id job, va_status st, int32_t code,
                    const uint8_t *resp, uint32_t len, void *ctx)
{
    call_rec *c = ctx;
    (void)ch;
    (void)code;
    FZ_CHECK(c->id == job && !c->refused);
    c->done++;
    FZ_CHECK(c->done == 1u); /* exactly once: never twice */
    c->status = st;
    FZ_CHECK(resp != NULL || len == 0u);
    if (len != 0u) {
        /* the response is readable for the length given */
        volatile uint8_t sink = resp[len - 1u];
        (void)sink;
    }
}

static void make_call(uint32_t method, const uint8_t *p, uint32_t len, uint64_t timeout)
{
    call_rec *c;
    int rc;
    if (F.ncalls >= FZ_CALLS) {
        return;
    }
    /* reserve the record first: callbacks run inside the call could add
     * calls of their own */
    c = &F.calls[F.ncalls++];
    memset(c, 0, sizeof *c);
    rc = va_channel_call(&F.ch, method, p, len, F.now, timeout, done_cb, c, &c->id);
    FZ_CHECK(rc == VA_OK || rc == VA_ERR_LIMIT || rc == VA_ERR_TOOBIG);
    if (rc != VA_OK) {
        FZ_CHECK(c->done == 0u); /* refused: no callback */
        c->refused = 1;
        c->id = VA_JOB_NONE;
    }
}

static void hold(va_job_id job)
{
    if (F.nheld < FZ_HELD) {
        F.held[F.nheld++] = job;
    } else {
        FZ_CHECK(va_channel_reply(&F.ch, job, 0, NULL, 0) == VA_OK);
    }
}

static void h_echo(va_channel *ch, va_job_id job, uint32_t method, const uint8_t *req,
                   uint32_t len, void *ctx)
{
    (void)method;
    (void)ctx;
    FZ_CHECK(va_channel_reply(ch, job, 0, req, len) == VA_OK);
}

static void h_async(va_channel *ch, va_job_id job, uint32_t method, const uint8_t *req,
                    uint32_t len, void *ctx)
{
    (void)ch;
    (void)method;
    (void)req;
    (void)len;
    (void)ctx;
    hold(job);
}

static void h_ctl(va_channel *ch, va_job_id job, uint32_t method, const uint8_t *req,
                  uint32_t len, void *ctx)
{
    uint8_t what = len != 0u ? req[0] : 0u;
    (void)method;
    (void)ctx;
    switch (what % 5u) {
    case 1:
        hold(job);
        break;
    case 2:
        /* the handler tears the stream down from inside the input path */
        hold(job);
        va_channel_detach(ch);
        break;
    case 3:
        /* a call of our own from inside a handler, then the reply */
        if (F.nested_calls < 16u) {
            F.nested_calls++;
            make_call(M_ECHO, req, len, 0);
        }
        FZ_CHECK(va_channel_reply(ch, job, 0, req, len) == VA_OK);
        break;
    case 4:
        FZ_CHECK(va_channel_reply(ch, job, 7, (const uint8_t *)"ctl error", 9) == VA_OK);
        break;
    default:
        FZ_CHECK(va_channel_reply(ch, job, 0, req, len) == VA_OK);
        break;
    }
}

static void h_cancel(va_channel *ch, va_job_id job, void *ctx)
{
    (void)ch;
    (void)job;
    (void)ctx;
}

static void feed(const uint8_t *p, size_t n)
{
    int rc = va_channel_input(&F.ch, p, n, F.now);
    FZ_CHECK(rc == VA_OK || (rc == VA_ERR_CLOSED && !va_channel_is_attached(&F.ch)));
}

static void feed_frame(const uint8_t *payload, uint32_t len)
{
    int n = va_frame_encode(frame, sizeof frame, payload, len, F.ch.frame_cap);
    if (n > 0) {
        feed(frame, (size_t)n);
    }
}

static uint64_t pick_id(fz_reader *r)
{
    uint8_t b = fz_u8(r);
    if ((b & 0xC0u) == 0x80u && F.ncalls != 0u) {
        return F.calls[b % F.ncalls].id; /* one of our calls */
    }
    if ((b & 0xC0u) == 0xC0u && F.npeer != 0u) {
        return F.peer_ids[b % F.npeer]; /* a request we injected */
    }
    return b & 0x3Fu; /* small ids, 0 included */
}

static const uint32_t method_tab[8] = { M_ECHO, M_ASYNC, M_OFF, M_CTL, 0x1F1u, 0u, 511u, 512u };

static void inject_envelope(fz_reader *r)
{
    va_envelope_storage st = VA_ENVELOPE_STORAGE_INIT;
    Virtagent__Envelope *e = NULL;
    uint8_t kind = fz_u8(r);
    uint64_t id = pick_id(r);
    uint32_t method = method_tab[fz_u8(r) & 7u];
    size_t plen;
    const uint8_t *p;
    char text[32];
    uint8_t enc[2048];
    size_t n = 0;

    plen = fz_u8(r);
    if (plen & 0x80u) {
        plen = (plen & 0x7Fu) * 24u; /* up to ~3 KiB: over small caps */
    }
    p = fz_bytes(r, plen, &plen);
    memset(text, 0, sizeof text);
    memcpy(text, p, plen < sizeof text - 1u ? plen : sizeof text - 1u);
    for (size_t i = 0; i < sizeof text; i++) {
        if (text[i] == '\0') {
            break;
        }
        if ((uint8_t)text[i] >= 0x80u) {
            text[i] = '?'; /* keep strings valid UTF-8 */
        }
    }
    switch (kind % 8u) {
    case 0:
        e = va_envelope_request(&st, id, method, p, plen);
        if (F.npeer < 8u) {
            F.peer_ids[F.npeer++] = id;
        } else {
            F.peer_ids[id % 8u] = id;
        }
        break;
    case 1:
        e = va_envelope_response(&st, id, method, p, plen);
        break;
    case 2:
        e = va_envelope_error(&st, true, id, method, (int32_t)(kind >> 3) % 12, text);
        break;
    case 3:
        e = va_envelope_error(&st, false, 0, 0, (int32_t)(kind >> 3) % 12, text);
        break;
    case 4:
        e = va_envelope_cancel(&st, id);
        break;
    case 5:
        e = va_envelope_hello(&st, 1u + (kind >> 7), (uint32_t)(plen * 8u), kind >> 3, 0,
                              text, "fz");
        break;
    case 6:
        e = va_envelope_keepalive(&st);
        break;
    default:
        /* a request with an id of zero or a method outside the space */
        e = va_envelope_request(&st, kind & 1u ? 0u : id, 0xFFFFu, p, plen);
        break;
    }
    if (e != NULL && va_codec_encode_envelope(e, enc, sizeof enc, &n) == VA_OK) {
        feed_frame(enc, (uint32_t)n);
    }
}

static void check_state(void)
{
    const uint8_t *out;
    size_t n = va_channel_output(&F.ch, &out);
    FZ_CHECK(va_manager_valid(&F.ch.m));
    FZ_CHECK(va_framer_valid(&F.ch.framer));
    FZ_CHECK(n <= F.ch.out_cap);
    FZ_CHECK(F.ch.fifo_len <= F.ch.fifo_cap);
    for (uint32_t i = 0; i < F.ncalls; i++) {
        FZ_CHECK(F.calls[i].done <= 1u);
        if (!F.calls[i].refused && va_manager_slot(&F.ch.m, F.calls[i].id) == VA_NIL) {
            FZ_CHECK(F.calls[i].done == 1u);
        }
    }
}

static void reply_held(uint32_t k, uint8_t code)
{
    va_job_id job = F.held[k];
    static const uint8_t big[VA_CODEC_PAYLOAD_MAX];
    int rc;
    F.held[k] = F.held[--F.nheld];
    switch (code % 4u) {
    case 0:
        rc = va_channel_reply(&F.ch, job, 0, (const uint8_t *)"done", 4);
        break;
    case 1:
        rc = va_channel_reply(&F.ch, job, 9, (const uint8_t *)"failed", 6);
        break;
    case 2:
        /* over every cap: replaced by a TOO_BIG error */
        rc = va_channel_reply(&F.ch, job, 0, big, sizeof big);
        break;
    default:
        rc = va_channel_reply(&F.ch, job, 0, NULL, 0);
        break;
    }
    /* stale when the job was released (disconnect while queued) */
    FZ_CHECK(rc == VA_OK || rc == VA_ERR_STALE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t payload_caps[4] = { 32u, 128u, 512u, 1024u };
    static const uint32_t timeouts[4] = { 0u, 5u, 50u, 400u };
    fz_reader r = { data, size };
    uint8_t c0 = fz_u8(&r), c1 = fz_u8(&r), c2 = fz_u8(&r);
    va_channel_config cfg;
    size_t need;
    uint32_t ops = 0;

    memset(&F, 0, sizeof F);
    F.now = 1000;
    F.methods[0] = (va_method){ .id = M_ECHO, .name = "echo", .fn = h_echo, .enabled = 1 };
    F.methods[1] = (va_method){ .id = M_ASYNC, .name = "async", .fn = h_async,
                                .cancel = h_cancel, .enabled = 1 };
    F.methods[2] = (va_method){ .id = M_OFF, .name = "off", .fn = h_echo, .enabled = 0 };
    F.methods[3] = (va_method){ .id = M_CTL, .name = "ctl", .fn = h_ctl,
                                .cancel = h_cancel, .enabled = 1 };
    va_channel_config_default(&cfg);
    cfg.limits.send_max = 1u + (c0 & 3u);
    cfg.limits.exec_max = 1u + ((c0 >> 2) & 3u);
    cfg.limits.starve_max = 1u + ((c0 >> 4) & 3u);
    cfg.limits.client_max = 1u + (c1 & 7u);
    cfg.limits.server_max = 1u + ((c1 >> 3) & 7u);
    cfg.max_payload = payload_caps[(c0 >> 6) & 3u];
    cfg.server_timeout_ms = timeouts[c2 & 3u];
    cfg.keepalive_ms = (c2 & 4u) ? 10u : 0u;
    cfg.dead_peer_ms = (c2 & 8u) ? 100u : 0u;
    cfg.methods = F.methods;
    cfg.nmethods = 4;
    cfg.agent_name = "fuzz";
    cfg.agent_version = "0";
    need = va_channel_memory_size(&cfg);
    FZ_CHECK(need != 0u && need <= sizeof mem);
    FZ_CHECK(va_channel_init(&F.ch, &cfg, mem, need) == VA_OK);
    FZ_CHECK(va_channel_attach(&F.ch, F.now) == VA_OK);
    check_state();

    while (r.n != 0u && ops++ < FZ_OPS) {
        uint8_t op = fz_u8(&r);
        size_t n;
        const uint8_t *p;
        switch (op % 13u) {
        case 0: /* raw bytes from the peer */
            n = fz_u8(&r);
            if (op & 0x80u) {
                n *= 16u;
            }
            p = fz_bytes(&r, n, &n);
            feed(p, n);
            break;
        case 1: /* a framed payload from the peer */
            n = fz_u8(&r);
            if (op & 0x80u) {
                n *= 8u;
            }
            p = fz_bytes(&r, n, &n);
            feed_frame(p, (uint32_t)n);
            break;
        case 2:
        case 3:
            inject_envelope(&r);
            break;
        case 4: { /* loopback: our output comes back to us */
            const uint8_t *out;
            size_t avail = va_channel_output(&F.ch, &out);
            n = (op & 0x80u) ? avail : (size_t)fz_u8(&r) * 8u + 1u;
            if (n > avail) {
                n = avail;
            }
            if (n > sizeof tmp) {
                n = sizeof tmp;
            }
            memcpy(tmp, out, n);
            va_channel_consume(&F.ch, n, F.now);
            feed(tmp, n);
            break;
        }
        case 5: { /* output written to a peer we do not model */
            const uint8_t *out;
            size_t avail = va_channel_output(&F.ch, &out);
            n = (size_t)fz_u8(&r) * 4u;
            va_channel_consume(&F.ch, n < avail ? n : avail, F.now);
            break;
        }
        case 6:
        case 7: { /* a call of ours */
            uint8_t m = fz_u8(&r);
            uint8_t t = fz_u8(&r);
            size_t len = fz_u8(&r);
            if (m & 0x80u) {
                len *= 12u;
            }
            p = fz_bytes(&r, len, &len);
            make_call(method_tab[m & 7u], p, (uint32_t)len, timeouts[t & 3u]);
            break;
        }
        case 8: { /* cancel one of our calls */
            uint8_t k = fz_u8(&r);
            if (F.ncalls != 0u) {
                int rc = va_channel_cancel(&F.ch, F.calls[k % F.ncalls].id);
                FZ_CHECK(rc == VA_OK || rc == VA_ERR_STALE || rc == VA_ERR_STATE);
            }
            break;
        }
        case 9: { /* a held handler replies */
            uint8_t k = fz_u8(&r);
            if (F.nheld != 0u) {
                reply_held(k % F.nheld, op >> 4);
            }
            break;
        }
        case 10: { /* time passes */
            uint8_t dt = fz_u8(&r);
            F.now += dt;
            if (va_channel_tick(&F.ch, F.now) == VA_ERR_TIMEOUT) {
                va_channel_detach(&F.ch);
            }
            break;
        }
        case 11:
            if (op & 0x80u) {
                va_channel_detach(&F.ch);
            } else if (!va_channel_is_attached(&F.ch)) {
                FZ_CHECK(va_channel_attach(&F.ch, F.now) == VA_OK);
            }
            break;
        default: /* jump to the next deadline */
            if (va_channel_next_deadline(&F.ch) != UINT64_MAX &&
                va_channel_next_deadline(&F.ch) > F.now) {
                F.now = va_channel_next_deadline(&F.ch);
            }
            if (va_channel_tick(&F.ch, F.now) == VA_ERR_TIMEOUT) {
                va_channel_detach(&F.ch);
            }
            break;
        }
        check_state();
    }

    /* the end of the stream: calls made while detached are queued for the
     * next stream, so attach once to give them one, then detach */
    if (!va_channel_is_attached(&F.ch)) {
        FZ_CHECK(va_channel_attach(&F.ch, F.now) == VA_OK);
    }
    va_channel_detach(&F.ch);
    check_state();
    while (F.nheld != 0u) {
        reply_held(F.nheld - 1u, 0);
        check_state();
    }
    FZ_CHECK(va_channel_live(&F.ch) == 0u);
    for (uint32_t i = 0; i < F.ncalls; i++) {
        FZ_CHECK(F.calls[i].done == (F.calls[i].refused ? 0u : 1u));
    }
    return 0;
}
