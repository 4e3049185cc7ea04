/* SPDX-License-Identifier: MIT */
/*
 * Writes the seed corpora of the fuzz targets:
 *   fuzz_mkcorpus DIR   ->  files in DIR/framer, DIR/channel, DIR/manager
 * The committed tests/fuzz/corpus/ is this program's output
 * (regenerate: build, then run it with tests/fuzz/corpus).  Seeds are
 * small, valid programs in each target's input format (see the comment at
 * the top of each fuzz_<target>.c): valid frames, a few conversations,
 * operation sequences that walk every lifecycle path.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtagent/va_codec.h"
#include "virtagent/va_framing.h"

typedef struct seed {
    uint8_t b[8192];
    size_t n;
} seed;

static const char *outdir;

static void put(seed *s, const void *p, size_t n)
{
    if (s->n + n > sizeof s->b) {
        fprintf(stderr, "seed too long\n");
        exit(1);
    }
    memcpy(s->b + s->n, p, n);
    s->n += n;
}

static void put8(seed *s, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(s, &b, 1);
}

static void emit(const char *target, const char *name, const seed *s)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s/%s", outdir, target, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(s->b, 1, s->n, f) != s->n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* ---- framer ---- */

static void framer_seeds(void)
{
    seed s;
    uint8_t fr[2048];
    int n;

    /* raw: two valid frames in one chunk, then a frame cut in two chunks */
    memset(&s, 0, sizeof s);
    put8(&s, 6); /* cap 1024, raw */
    {
        uint8_t stream[600];
        size_t len = 0;
        n = va_frame_encode(stream, sizeof stream, (const uint8_t *)"hello", 5, 1024);
        len += (size_t)n;
        n = va_frame_encode(stream + len, sizeof stream - len, (const uint8_t *)"", 0, 1024);
        len += (size_t)n;
        put8(&s, (unsigned)len);
        put(&s, stream, len);
        n = va_frame_encode(fr, sizeof fr, (const uint8_t *)"split across", 12, 1024);
        put8(&s, 5);
        put(&s, fr, 5);
        put8(&s, (unsigned)n - 5u);
        put(&s, fr + 5, (size_t)n - 5u);
    }
    emit("framer", "raw_frames", &s);

    /* raw: garbage, a fake magic, a bad CRC, then a good frame */
    memset(&s, 0, sizeof s);
    put8(&s, 4); /* cap 64 */
    {
        uint8_t junk[] = { 1, 2, 0xA7, 3, 0xA7, 0x5A, 0x10, 0, 9, 9, 9, 9, 0, 0, 0, 0 };
        put8(&s, sizeof junk);
        put(&s, junk, sizeof junk);
        n = va_frame_encode(fr, sizeof fr, (const uint8_t *)"corrupt", 7, 64);
        fr[14] ^= 0x40u;
        put8(&s, (unsigned)n);
        put(&s, fr, (size_t)n);
        n = va_frame_encode(fr, sizeof fr, (const uint8_t *)"good", 4, 64);
        put8(&s, (unsigned)n);
        put(&s, fr, (size_t)n);
    }
    emit("framer", "raw_resync", &s);

    /* raw: an oversize header (length 100 over cap 64) then a frame */
    memset(&s, 0, sizeof s);
    put8(&s, 4);
    {
        uint8_t big[200];
        memset(big, 'x', sizeof big);
        n = va_frame_encode(fr, sizeof fr, big, 100, 1024);
        put8(&s, 12);
        put(&s, fr, 12);
        n = va_frame_encode(fr, sizeof fr, (const uint8_t *)"after", 5, 64);
        put8(&s, (unsigned)n);
        put(&s, fr, (size_t)n);
    }
    emit("framer", "raw_oversize", &s);

    /* round trip: frames between garbage, several caps */
    for (unsigned cap = 0; cap < 8; cap++) {
        char name[64];
        memset(&s, 0, sizeof s);
        put8(&s, 8u | cap);
        put8(&s, cap * 37u); /* chunking seed */
        put8(&s, 0); put8(&s, 3); put(&s, "abc", 3);           /* garbage */
        put8(&s, 1); put8(&s, 10); put(&s, "0123456789", 10); /* frame */
        put8(&s, 1); put8(&s, 0);                              /* empty frame */
        put8(&s, 0); put8(&s, 2); put(&s, "\x5a\x10", 2);
        put8(&s, 3); put8(&s, 20);                             /* long frame */
        for (unsigned i = 0; i < 200; i++) {
            put8(&s, i * 7u);
        }
        snprintf(name, sizeof name, "roundtrip_cap%u", cap);
        emit("framer", name, &s);
    }
}

/* ---- channel ---- */

enum { C_RAW = 0, C_FRAME = 1, C_ENV = 2, C_LOOP = 4, C_OUT = 5, C_CALL = 6, C_CANCEL = 8,
       C_REPLY = 9, C_TICK = 10, C_ATTACH = 11, C_NEXT = 12 };

static void ch_header(seed *s, unsigned c0, unsigned c1, unsigned c2)
{
    memset(s, 0, sizeof *s);
    put8(s, c0);
    put8(s, c1);
    put8(s, c2);
}

static void ch_call(seed *s, unsigned method_sel, unsigned timeout_sel, const char *payload)
{
    put8(s, C_CALL);
    put8(s, method_sel);
    put8(s, timeout_sel);
    put8(s, (unsigned)strlen(payload));
    put(s, payload, strlen(payload));
}

static void ch_loop_all(seed *s)
{
    put8(s, C_LOOP | 0x80u);
}

static void ch_frame_env(seed *s, Virtagent__Envelope *e)
{
    uint8_t enc[1024];
    size_t n = 0;
    if (va_codec_encode_envelope(e, enc, sizeof enc, &n) != 0 || n > 255) {
        fprintf(stderr, "envelope\n");
        exit(1);
    }
    put8(s, C_FRAME);
    put8(s, (unsigned)n);
    put(s, enc, n);
}

static void channel_seeds(void)
{
    seed s;
    va_envelope_storage st = VA_ENVELOPE_STORAGE_INIT;

    /* loopback conversation: echo, async held then replied, ctl variants */
    ch_header(&s, 0x15, 0x1B, 0x00);
    ch_call(&s, 0, 0, "ping");
    ch_call(&s, 1, 2, "slow");
    ch_call(&s, 3, 0, "\x03" "nested");
    ch_loop_all(&s);
    ch_loop_all(&s);
    put8(&s, C_REPLY); put8(&s, 0);
    ch_loop_all(&s);
    ch_loop_all(&s);
    ch_loop_all(&s);
    emit("channel", "loopback_calls", &s);

    /* cancel and timeout, with the late reply looping back */
    ch_header(&s, 0x00, 0x09, 0x01);
    ch_call(&s, 1, 1, "a");
    ch_call(&s, 1, 3, "b");
    ch_loop_all(&s);
    put8(&s, C_CANCEL); put8(&s, 1);
    put8(&s, C_TICK); put8(&s, 10);
    ch_loop_all(&s);
    put8(&s, C_REPLY | 0x10u); put8(&s, 0);
    put8(&s, C_REPLY); put8(&s, 0);
    ch_loop_all(&s);
    put8(&s, C_NEXT);
    ch_loop_all(&s);
    emit("channel", "cancel_timeout", &s);

    /* a hostile peer: requests for every method, forged responses,
     * cancels, a hello with small limits, errors with and without id */
    ch_header(&s, 0x7F, 0x3F, 0x0E);
    ch_frame_env(&s, va_envelope_hello(&st, 1, 512, 2, 0, "peer", "1"));
    ch_frame_env(&s, va_envelope_request(&st, 7, VA_METHOD_PING, (const uint8_t *)"hi", 2));
    ch_frame_env(&s, va_envelope_request(&st, 8, VA_METHOD_INFO, (const uint8_t *)"x", 1));
    ch_frame_env(&s, va_envelope_request(&st, 9, VA_METHOD_SHUTDOWN, NULL, 0));
    ch_frame_env(&s, va_envelope_request(&st, 10, 0x1F1, NULL, 0));
    ch_frame_env(&s, va_envelope_request(&st, 8, VA_METHOD_INFO, NULL, 0));
    ch_frame_env(&s, va_envelope_cancel(&st, 8));
    ch_frame_env(&s, va_envelope_response(&st, 0x100000000ull, VA_METHOD_PING, NULL, 0));
    ch_frame_env(&s, va_envelope_error(&st, true, 3, VA_METHOD_PING, 3, "busy"));
    ch_frame_env(&s, va_envelope_error(&st, false, 0, 0, 5, "bye"));
    ch_frame_env(&s, va_envelope_keepalive(&st));
    put8(&s, C_OUT); put8(&s, 255);
    put8(&s, C_TICK); put8(&s, 200);
    emit("channel", "hostile_peer", &s);

    /* built envelopes naming our calls: responses, busy, errors */
    ch_header(&s, 0x00, 0x3F, 0x00);
    ch_call(&s, 0, 0, "one");
    ch_call(&s, 1, 0, "two");
    ch_call(&s, 3, 0, "three");
    put8(&s, C_OUT); put8(&s, 255);
    put8(&s, C_ENV); put8(&s, 1); put8(&s, 0x80); put8(&s, 0); put8(&s, 2); put(&s, "ok", 2);
    put8(&s, C_ENV); put8(&s, 2 | (3u << 3)); put8(&s, 0x81); put8(&s, 1); put8(&s, 0);
    put8(&s, C_ENV); put8(&s, 4); put8(&s, 0xC0); put8(&s, 1); put8(&s, 0);
    put8(&s, C_ENV); put8(&s, 0); put8(&s, 0x05); put8(&s, 3); put8(&s, 1); put8(&s, 2);
    put8(&s, C_ENV); put8(&s, 5); put8(&s, 0); put8(&s, 0); put8(&s, 80);
    for (unsigned i = 0; i < 80; i++) {
        put8(&s, 'a' + i % 26u);
    }
    emit("channel", "envelopes", &s);

    /* detach in the middle, calls while detached, reattach */
    ch_header(&s, 0x05, 0x12, 0x00);
    ch_call(&s, 0, 0, "before");
    ch_call(&s, 3, 0, "\x02" "detach-from-handler");
    ch_loop_all(&s);
    ch_call(&s, 0, 0, "while detached");
    put8(&s, C_ATTACH);
    ch_loop_all(&s);
    ch_loop_all(&s);
    put8(&s, C_ATTACH | 0x80u);
    put8(&s, C_ATTACH);
    ch_call(&s, 1, 2, "after");
    ch_loop_all(&s);
    emit("channel", "detach_reattach", &s);

    /* raw garbage and a cut frame between real ones */
    ch_header(&s, 0x00, 0x00, 0x00);
    put8(&s, C_RAW); put8(&s, 9); put(&s, "\xA7\x5A\x10\x00garb", 8); put8(&s, 0);
    ch_frame_env(&s, va_envelope_request(&st, 1, VA_METHOD_PING, (const uint8_t *)"p", 1));
    ch_loop_all(&s);
    emit("channel", "garbage", &s);

    /* keepalive and dead peer */
    ch_header(&s, 0x00, 0x00, 0x0C);
    put8(&s, C_TICK); put8(&s, 11);
    put8(&s, C_NEXT);
    put8(&s, C_NEXT);
    put8(&s, C_TICK); put8(&s, 120);
    ch_call(&s, 0, 0, "late");
    put8(&s, C_ATTACH);
    ch_loop_all(&s);
    emit("channel", "keepalive_dead_peer", &s);
}

/* ---- manager ---- */

enum { M_SADD = 0, M_CSUB = 1, M_EXEC = 2, M_SSEND = 3, M_CSEND = 4, M_READ = 5,
       M_SCANCEL = 6, M_CCANCEL = 7, M_EXPIRE = 8, M_DISC = 10, M_FORGE = 11,
       M_WRONG = 12, M_RETURN = 13 };

static void manager_seeds(void)
{
    seed s;

    /* happy paths both ways, send_max 1 exec_max 1 starve 1 */
    memset(&s, 0, sizeof s);
    put8(&s, 0x00); put8(&s, 0x3F); put8(&s, 0x00);
    put8(&s, M_SADD); put8(&s, 0);
    put8(&s, M_CSUB); put8(&s, 0);
    put8(&s, M_CSEND); put8(&s, 0);
    put8(&s, M_EXEC); put8(&s, 1);
    put8(&s, M_SSEND); put8(&s, 1);
    put8(&s, M_READ); put8(&s, 0);
    emit("manager", "happy", &s);

    /* starvation: many server jobs, queued client jobs, auto send_done */
    memset(&s, 0, sizeof s);
    put8(&s, 0x10); put8(&s, 0x3F); put8(&s, 0x03);
    for (int i = 0; i < 3; i++) {
        put8(&s, M_CSUB); put8(&s, 0);
    }
    for (int i = 0; i < 6; i++) {
        put8(&s, M_SADD); put8(&s, 0);
    }
    put8(&s, M_DISC);
    emit("manager", "starvation_auto", &s);

    /* cancels, timeouts, busy answers, forged and wrong-kind handles */
    memset(&s, 0, sizeof s);
    put8(&s, 0x25); put8(&s, 0x1B); put8(&s, 0x04);
    put8(&s, M_SADD); put8(&s, 3);
    put8(&s, M_SADD); put8(&s, 5);
    put8(&s, M_CSUB); put8(&s, 2);
    put8(&s, M_CSUB); put8(&s, 7);
    put8(&s, M_SCANCEL); put8(&s, 3);
    put8(&s, M_CCANCEL); put8(&s, 0);
    put8(&s, M_READ | 0x20u); put8(&s, 1);
    put8(&s, M_EXPIRE); put8(&s, 4);
    put8(&s, M_EXPIRE); put8(&s, 8);
    put8(&s, M_FORGE); put8(&s, 1); put8(&s, 1); put8(&s, 0);
    put8(&s, M_WRONG); put8(&s, 0);
    put8(&s, M_RETURN);
    put8(&s, M_DISC);
    put8(&s, M_RETURN);
    emit("manager", "cancel_timeout_forged", &s);

    /* re-entrant: synchronous handlers and submissions from completions */
    memset(&s, 0, sizeof s);
    put8(&s, 0x00); put8(&s, 0x12); put8(&s, 0x07);
    for (int i = 0; i < 8; i++) {
        put8(&s, (unsigned)(i & 1)); put8(&s, (unsigned)i);
        put8(&s, M_READ); put8(&s, (unsigned)i);
    }
    put8(&s, M_DISC);
    put8(&s, M_EXPIRE); put8(&s, 8);
    emit("manager", "reentrant", &s);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR (with framer/ channel/ manager/ in it)\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    framer_seeds();
    channel_seeds();
    manager_seeds();
    return 0;
}
