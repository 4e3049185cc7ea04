/* SPDX-License-Identifier: MIT */
/*
 * Memory and scale:
 *   1. bytes of core state per job slot and per channel (default and small
 *      configurations);
 *   2. RSS of one process holding 10 000 idle, attached channels (memory
 *      only: an idle channel needs no file descriptor from the core);
 *   3. 1 000 channels active at once in one epoll loop: each host-side
 *      channel keeps one ping in flight to its own guest-side channel served
 *      by a second process's epoll loop over a socketpair; aggregate RPCs/s
 *      and p50/p99 latency.
 *
 *   bench_scale [seconds]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "virtagent/va_channel.h"
#include "virtagent/va_codec.h"

#include "bench_util.h"

#define ACTIVE 1000
#define IDLE 10000

static double secs = 2.0;

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            v = strtol(line + 6, NULL, 10);
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return v;
}

static const va_method ping_method[1] = {
    { .id = VA_METHOD_PING, .name = "ping", .fn = h_ping, .enabled = 1 },
};

/* A small configuration: what one light guest connection needs. */
static void small_config(va_channel_config *cfg)
{
    va_channel_config_default(cfg);
    cfg->limits.client_max = 4;
    cfg->limits.server_max = 4;
    cfg->limits.send_max = 4;
    cfg->limits.exec_max = 2;
    cfg->limits.starve_max = 2;
    cfg->max_payload = 512;
    cfg->keepalive_ms = 0;
    cfg->dead_peer_ms = 0;
    cfg->methods = ping_method;
    cfg->nmethods = 1;
}

typedef struct conn {
    va_channel ch;
    void *mem;
    int fd;
    uint64_t sent_at;
    int busy;
} conn;

static uint64_t *lat;
static size_t nlat, caplat;
static uint64_t completed;

static void done(va_channel *ch, va_job_id job, va_status st, int32_t code,
                 const uint8_t *resp, uint32_t len, void *ctx)
{
    conn *c = ctx;
    (void)ch; (void)job; (void)code; (void)resp; (void)len;
    c->busy = 0;
    if (st == VA_STATUS_OK) {
        completed++;
        if (nlat < caplat) {
            lat[nlat++] = now_ns() - c->sent_at;
        }
    }
}

static void conn_init(conn *c, int fd)
{
    va_channel_config cfg;
    small_config(&cfg);
    size_t need = va_channel_memory_size(&cfg);
    c->mem = malloc(need);
    c->fd = fd;
    c->busy = 0;
    if (c->mem == NULL || va_channel_init(&c->ch, &cfg, c->mem, need) != VA_OK) {
        exit(1);
    }
    va_channel_attach(&c->ch, 0);
}

static void flush(conn *c)
{
    const uint8_t *out;
    size_t n = va_channel_output(&c->ch, &out);
    if (n != 0) {
        ssize_t w = send(c->fd, out, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w > 0) {
            va_channel_consume(&c->ch, (size_t)w, 0);
        }
    }
}

static int readable(conn *c)
{
    uint8_t buf[8192];
    ssize_t r = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (r == 0) {
        return -1;
    }
    if (r > 0) {
        (void)va_channel_input(&c->ch, buf, (size_t)r, 0);
    }
    return 0;
}

static void start_ping(conn *c, const uint8_t *ping, uint32_t len)
{
    va_job_id id;
    if (!c->busy &&
        va_channel_call(&c->ch, VA_METHOD_PING, ping, len, 0, 0, done, c, &id) == VA_OK) {
        c->busy = 1;
        c->sent_at = now_ns();
        flush(c);
    }
}

/* One epoll loop over n connections (level-triggered, read only: writes
 * are small and go out right after each event). */
static void loop(conn *cs, int n, int client, double run_secs)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event evs[256];
    static const uint8_t ping[] = { 0x08, 0x2a };
    for (int i = 0; i < n; i++) {
        struct epoll_event e = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &e);
        flush(&cs[i]);
    }
    uint64_t end = run_secs > 0 ? now_ns() + (uint64_t)(run_secs * 1e9) : UINT64_MAX;
    /* O(1) per event: a connection's next ping starts when its last one
     * completes, right after its readable event */
    for (int i = 0; client && i < n; i++) {
        start_ping(&cs[i], ping, sizeof ping);
    }
    while (now_ns() < end) {
        int k = epoll_wait(ep, evs, 256, 100);
        for (int j = 0; j < k; j++) {
            conn *c = &cs[evs[j].data.u32];
            if (readable(c) < 0) {
                close(ep);
                return;
            }
            if (client) {
                start_ping(c, ping, sizeof ping);
            }
            flush(c);
        }
    }
    close(ep);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    va_channel_config def, small;
    if (argc > 1) {
        secs = strtod(argv[1], NULL);
    }
    va_channel_config_default(&def);
    small_config(&small);

    /* 1. sizes */
    printf("%-52s %10s\n", "memory", "bytes");
    printf("%-52s %10zu\n", "core state per job slot (va_job)", sizeof(va_job));
    printf("%-52s %10zu\n", "channel per-slot record (va_chan_slot)", sizeof(va_chan_slot));
    printf("%-52s %10zu\n", "channel struct (va_channel)", sizeof(va_channel));
    printf("%-52s %10zu\n", "channel region, default config (128 jobs, 4 KiB)",
           va_channel_memory_size(&def));
    printf("%-52s %10zu\n", "channel region, small config (8 jobs, 512 B)",
           va_channel_memory_size(&small));
    size_t idle_bytes = sizeof(va_channel) + va_channel_memory_size(&small);

    /* 2. 10 000 idle channels */
    long rss0 = rss_kib();
    conn *idle = calloc(IDLE, sizeof *idle);
    for (int i = 0; i < IDLE; i++) {
        conn_init(&idle[i], -1);
        /* touch: an attached channel has written its HELLO */
        const uint8_t *out;
        (void)va_channel_output(&idle[i].ch, &out);
    }
    long rss1 = rss_kib();
    double per_idle = (double)(rss1 - rss0) * 1024.0 / IDLE;
    printf("%-52s %10ld\n", "RSS before idle channels (KiB)", rss0);
    printf("%-52s %10ld\n", "RSS with 10 000 idle channels (KiB)", rss1);
    printf("%-52s %10.0f\n", "RSS per idle channel (bytes)", per_idle);
    for (int i = 0; i < IDLE; i++) {
        free(idle[i].mem);
    }
    free(idle);

    /* 3. 1 000 active channels, one epoll loop per side */
    struct rlimit rl = { 8192, 8192 };
    (void)setrlimit(RLIMIT_NOFILE, &rl);
    int fds[ACTIVE][2];
    for (int i = 0; i < ACTIVE; i++) {
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds[i]) != 0) {
            perror("socketpair");
            return 1;
        }
    }
    pid_t pid = fork();
    if (pid == 0) {
        conn *srv = calloc(ACTIVE, sizeof *srv);
        for (int i = 0; i < ACTIVE; i++) {
            close(fds[i][0]);
            conn_init(&srv[i], fds[i][1]);
        }
        loop(srv, ACTIVE, 0, 0);
        _exit(0);
    }
    conn *cli = calloc(ACTIVE, sizeof *cli);
    for (int i = 0; i < ACTIVE; i++) {
        close(fds[i][1]);
        conn_init(&cli[i], fds[i][0]);
    }
    caplat = 20000000;
    lat = malloc(caplat * sizeof *lat);
    loop(cli, ACTIVE, 1, 0.3); /* warm up */
    nlat = 0;
    completed = 0;
    uint64_t t0 = now_ns();
    loop(cli, ACTIVE, 1, secs);
    double el = (double)(now_ns() - t0) / 1e9;
    for (int i = 0; i < ACTIVE; i++) {
        close(cli[i].fd);
    }
    waitpid(pid, NULL, 0);
    qsort(lat, nlat, sizeof *lat, cmp_u64);
    double p50 = nlat ? (double)lat[nlat / 2] / 1e3 : 0;
    double p99 = nlat ? (double)lat[nlat * 99 / 100] / 1e3 : 0;
    printf("%-52s %10.0f\n", "1 000 active channels: aggregate RPCs/s", (double)completed / el);
    printf("%-52s %10.1f\n", "1 000 active channels: p50 latency (us)", p50);
    printf("%-52s %10.1f\n", "1 000 active channels: p99 latency (us)", p99);
    printf("JSON {\"bench\":\"scale\",\"sizeof_va_job\":%zu,\"channel_default\":%zu,"
           "\"channel_small\":%zu,\"idle_channel_bytes\":%zu,\"rss_per_idle_channel\":%.0f,"
           "\"active1000_rps\":%.0f,\"p50_us\":%.1f,\"p99_us\":%.1f}\n",
           sizeof(va_job), va_channel_memory_size(&def), va_channel_memory_size(&small),
           idle_bytes, per_idle, (double)completed / el, p50, p99);
    return 0;
}
