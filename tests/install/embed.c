/* SPDX-License-Identifier: MIT */
/* An embedder built only against the installed headers and library (see
 * tests/install/check.sh): two channels talk through their byte APIs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <virtagent/va_channel.h>
#include <virtagent/va_codec.h>

static int done_ok;

static void echo(va_channel *ch, va_job_id job, uint32_t method, const uint8_t *req,
                 uint32_t len, void *ctx)
{
    (void)method;
    (void)ctx;
    va_channel_reply(ch, job, 0, req, len);
}

static void done(va_channel *ch, va_job_id job, va_status st, int32_t code,
                 const uint8_t *resp, uint32_t len, void *ctx)
{
    (void)ch; (void)job; (void)code; (void)ctx;
    done_ok = st == VA_STATUS_OK && len == 2 && memcmp(resp, "hi", 2) == 0;
}

static void move(va_channel *a, va_channel *b)
{
    const uint8_t *out;
    size_t n = va_channel_output(a, &out);
    uint8_t *tmp = malloc(n + 1);
    memcpy(tmp, out, n);
    va_channel_consume(a, n, 0);
    va_channel_input(b, tmp, n, 0);
    free(tmp);
}

int main(void)
{
    va_method m = { .id = VA_METHOD_PING, .name = "GuestAgent.Ping", .fn = echo, .enabled = 1 };
    va_channel_config cfg;
    va_channel a, b;
    va_job_id id;
    va_channel_config_default(&cfg);
    cfg.methods = &m;
    cfg.nmethods = 1;
    size_t n = va_channel_memory_size(&cfg);
    void *ma = malloc(n), *mb = malloc(n);
    if (va_channel_init(&a, &cfg, ma, n) != VA_OK || va_channel_init(&b, &cfg, mb, n) != VA_OK) {
        return 1;
    }
    va_channel_attach(&a, 0);
    va_channel_attach(&b, 0);
    va_channel_call(&a, VA_METHOD_PING, (const uint8_t *)"hi", 2, 0, 1000, done, NULL, &id);
    for (int i = 0; i < 4; i++) {
        move(&a, &b);
        move(&b, &a);
    }
    printf("embedder: call %s\n", done_ok ? "ok" : "FAILED");
    free(ma);
    free(mb);
    return done_ok ? 0 : 1;
}
