/* SPDX-License-Identifier: MIT */
/*
 * The fault soak and the hostile flood, against the real agent.
 *
 * Both spawn `virtagent -m unix-listen -p SOCK --dry-run ...` and act as
 * the host with their own va_channel over a non-blocking Unix socket and a
 * poll(2) loop.  Faults are raw writes on the socket, between the
 * channel's frames (the agent's framer must resynchronise by itself).
 *
 *   soak  [--jobs N] [--agent PATH] ...   the fault soak (docs/reliability.md)
 *   soak --flood [--garbage-mib N] ...    the hostile flood
 *
 * Exit status 0 when every check passed, 1 when one failed, 2 on a usage
 * or set-up error.  Figures go to stdout; each check prints "ok -" or
 * "FAIL -".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "va_crc32c.h"
#include "virtagent/va_channel.h"
#include "virtagent/va_codec.h"
#include "virtagent/va_framing.h"

/* Calls the host keeps in flight: under the agent's server_max (64), with
 * room for cancelled jobs whose handler still holds a server slot. */
#define WINDOW 48u
/* Slow Info calls in flight at once: the agent runs 4 handlers at once
 * (exec_max), so slow ones must leave room for the pings. */
#define SLOW_MAX 2u
/* Deadline of a call that should never time out: a timeout is a lost frame. */
#define LONG_TIMEOUT_MS 30000u
/* Deadline of the calls meant to time out against --test-delay-ms. */
#define SHORT_TIMEOUT_MS 5u
#define AGENT_DELAY_MS 20u
#define RBUF 65536u
#define CANCEL_RING 256u

static int failures;
#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (cond) {                                                                        \
            printf("ok - ");                                                               \
        } else {                                                                           \
            printf("FAIL - ");                                                             \
            failures++;                                                                    \
        }                                                                                  \
        printf(__VA_ARGS__);                                                               \
        printf("\n");                                                                      \
    } while (0)

static void die(const char *what)
{
    fprintf(stderr, "soak: %s: %s\n", what, strerror(errno));
    exit(2);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* xorshift64*: reproducible garbage */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

/* ---- the agent process ------------------------------------------------------ */

typedef struct agent {
    pid_t pid;
    char dir[64];
    char sock[128];
    char log[128];
} agent;

static void agent_start(agent *a, const char *bin, char *const extra[])
{
    char *argv[32];
    int n = 0;

    snprintf(a->dir, sizeof a->dir, "/tmp/va-soak-XXXXXX");
    if (mkdtemp(a->dir) == NULL) {
        die("mkdtemp");
    }
    snprintf(a->sock, sizeof a->sock, "%s/sock", a->dir);
    snprintf(a->log, sizeof a->log, "%s/agent.log", a->dir);
    argv[n++] = (char *)bin;
    argv[n++] = "-m";
    argv[n++] = "unix-listen";
    argv[n++] = "-p";
    argv[n++] = a->sock;
    argv[n++] = "--dry-run";
    argv[n++] = "-c";
    argv[n++] = "/dev/null";
    for (int i = 0; extra[i] != NULL && n < 31; i++) {
        argv[n++] = extra[i];
    }
    argv[n] = NULL;
    a->pid = fork();
    if (a->pid < 0) {
        die("fork");
    }
    if (a->pid == 0) {
        int fd = open(a->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 2);
            dup2(fd, 1);
        }
        execv(bin, argv);
        _exit(127);
    }
    for (int i = 0; i < 250; i++) {
        struct stat st;
        if (stat(a->sock, &st) == 0) {
            return;
        }
        usleep(20000);
    }
    fprintf(stderr, "soak: the agent did not create %s\n", a->sock);
    kill(a->pid, SIGKILL);
    exit(2);
}

/* SIGTERM, wait; returns the exit status (-1 if killed). */
static int agent_stop(agent *a)
{
    int st = 0;
    kill(a->pid, SIGTERM);
    waitpid(a->pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void agent_cleanup(agent *a)
{
    unlink(a->sock);
    unlink(a->log);
    rmdir(a->dir);
}

/* key=value from the last "stats:" line of the agent's log; UINT64_MAX if absent. */
static char last_stats[4096];
static void agent_read_stats(agent *a)
{
    char line[4096];
    FILE *f = fopen(a->log, "r");
    last_stats[0] = '\0';
    if (f == NULL) {
        return;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char *s = strstr(line, "stats: ");
        if (s != NULL) {
            snprintf(last_stats, sizeof last_stats, " %s", s + 7);
        }
    }
    fclose(f);
}

static uint64_t stat_of(const char *key)
{
    char pat[64];
    const char *p;
    snprintf(pat, sizeof pat, " %s=", key);
    p = strstr(last_stats, pat);
    return p != NULL ? strtoull(p + strlen(pat), NULL, 10) : UINT64_MAX;
}

/* SIGUSR1, then wait for the new stats line. */
static void agent_poll_stats(agent *a)
{
    char before[4096];
    agent_read_stats(a);
    memcpy(before, last_stats, sizeof before);
    kill(a->pid, SIGUSR1);
    for (int i = 0; i < 200; i++) {
        usleep(5000);
        agent_read_stats(a);
        /* the counters move (bytes_in at least) or the line count does */
        if (strcmp(before, last_stats) != 0) {
            return;
        }
    }
}

typedef struct memsample {
    uint64_t rss_kib, hwm_kib;
    uint32_t fds;
} memsample;

static memsample sample(pid_t pid)
{
    char path[64], line[256];
    memsample m = { 0, 0, 0 };
    FILE *f;
    DIR *d;
    struct dirent *e;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (f != NULL) {
        while (fgets(line, sizeof line, f) != NULL) {
            if (strncmp(line, "VmRSS:", 6) == 0) {
                m.rss_kib = strtoull(line + 6, NULL, 10);
            } else if (strncmp(line, "VmHWM:", 6) == 0) {
                m.hwm_kib = strtoull(line + 6, NULL, 10);
            }
        }
        fclose(f);
    }
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    d = opendir(path);
    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] != '.') {
                m.fds++;
            }
        }
        closedir(d);
    }
    return m;
}

/* ---- the host ---------------------------------------------------------------- */

typedef struct host {
    int fd;
    va_channel ch;
    void *mem;
    va_method methods[2];
    bool hello;
    uint64_t served[2];          /* Announce, Event: guest -> host jobs served */
    uint64_t reconnects;
    uint8_t rbuf[RBUF];
} host;

static void h_serve(va_channel *ch, va_job_id job, uint32_t method, const uint8_t *req,
                    uint32_t len, void *ctx)
{
    host *h = ctx;
    (void)req;
    (void)len;
    h->served[method == VA_METHOD_EVENT ? 1 : 0]++;
    (void)va_channel_reply(ch, job, VA_RESULT_CODE_OK, NULL, 0);
}

static void h_event(va_channel *ch, const va_channel_event *ev, void *ctx)
{
    (void)ch;
    if (ev->kind == VA_CHANNEL_EV_HELLO) {
        ((host *)ctx)->hello = true;
    }
}

static void host_init(host *h)
{
    va_channel_config cfg;
    size_t need;

    memset(h, 0, sizeof *h);
    h->fd = -1;
    h->methods[0] = (va_method){ .id = VA_METHOD_ANNOUNCE, .name = "HostAgent.Announce",
                                 .fn = h_serve, .ctx = h, .enabled = 1 };
    h->methods[1] = (va_method){ .id = VA_METHOD_EVENT, .name = "HostAgent.Event",
                                 .fn = h_serve, .ctx = h, .enabled = 1 };
    va_channel_config_default(&cfg);
    cfg.methods = h->methods;
    cfg.nmethods = 2;
    cfg.dead_peer_ms = 0; /* EOF tells us; the agent may be busy */
    cfg.agent_name = "soak-host";
    cfg.agent_version = "0";
    cfg.on_event = h_event;
    cfg.ctx = h;
    need = va_channel_memory_size(&cfg);
    h->mem = malloc(need);
    if (h->mem == NULL || va_channel_init(&h->ch, &cfg, h->mem, need) != VA_OK) {
        fprintf(stderr, "soak: cannot set up the host channel\n");
        exit(2);
    }
}

static void host_connect(host *h, const char *path)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    for (int i = 0; i < 500; i++) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            die("socket");
        }
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
            h->fd = fd;
            h->hello = false;
            (void)va_channel_attach(&h->ch, now_ms());
            return;
        }
        close(fd);
        usleep(10000);
    }
    die("connect");
}

static void host_close(host *h)
{
    if (h->fd >= 0) {
        close(h->fd);
        h->fd = -1;
    }
    va_channel_detach(&h->ch);
}

/* Read what is there and feed it.  -1: EOF or error (the stream is closed). */
static int host_read(host *h)
{
    for (int i = 0; i < 16; i++) {
        ssize_t r = read(h->fd, h->rbuf, sizeof h->rbuf);
        if (r > 0) {
            (void)va_channel_input(&h->ch, h->rbuf, (size_t)r, now_ms());
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
            return 0;
        }
        host_close(h);
        return -1;
    }
    return 0;
}

/* Write the channel's pending output without blocking.  -1: stream error. */
static int host_write(host *h)
{
    for (;;) {
        const uint8_t *p;
        size_t n = va_channel_output(&h->ch, &p);
        ssize_t w;
        if (n == 0u) {
            return 0;
        }
        w = write(h->fd, p, n);
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                return 0;
            }
            host_close(h);
            return -1;
        }
        va_channel_consume(&h->ch, (size_t)w, now_ms());
    }
}

/* One turn: write, wait up to wait_ms (or the channel's deadline) for the
 * socket, read, tick.  -1 when the stream went away. */
static int host_pump(host *h, int wait_ms)
{
    struct pollfd p;
    const uint8_t *out;
    uint64_t dl = va_channel_next_deadline(&h->ch);
    uint64_t now = now_ms();

    if (h->fd < 0 || host_write(h) != 0) {
        return -1;
    }
    if (dl != UINT64_MAX && wait_ms > 0) {
        uint64_t left = dl > now ? dl - now : 0;
        if (left < (uint64_t)wait_ms) {
            wait_ms = (int)left;
        }
    }
    p.fd = h->fd;
    p.events = POLLIN;
    if (va_channel_output(&h->ch, &out) != 0u) {
        p.events |= POLLOUT;
    }
    p.revents = 0;
    if (poll(&p, 1, wait_ms) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        if (host_read(h) != 0) {
            return -1;
        }
    }
    (void)va_channel_tick(&h->ch, now_ms());
    return host_write(h);
}

/* Write raw bytes (bypassing the channel) completely, reading meanwhile so
 * neither side's buffers stall.  Only call at a frame boundary (channel
 * output empty) unless the point is to cut a frame.  -1 on stream error. */
static int raw_write(host *h, const uint8_t *p, size_t n)
{
    while (n != 0u) {
        ssize_t w = write(h->fd, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR) {
            host_close(h);
            return -1;
        }
        {
            struct pollfd pf = { .fd = h->fd, .events = POLLIN | POLLOUT, .revents = 0 };
            (void)poll(&pf, 1, 100);
            if ((pf.revents & (POLLIN | POLLHUP | POLLERR)) != 0 && host_read(h) != 0) {
                return -1;
            }
        }
    }
    return 0;
}

/* Flush the channel's output completely (a frame boundary follows). */
static int host_flush(host *h)
{
    const uint8_t *out;
    uint64_t end = now_ms() + 10000u;
    while (va_channel_output(&h->ch, &out) != 0u) {
        if (host_pump(h, 50) != 0 || now_ms() > end) {
            return -1;
        }
    }
    return 0;
}

/* One frame around an envelope, into out; returns its size. */
static size_t make_frame(const Virtagent__Envelope *e, uint8_t *out, size_t cap)
{
    size_t written = 0;
    int n;
    if (va_codec_encode_envelope(e, out + VA_FRAME_HEADER_SIZE, cap - VA_FRAME_OVERHEAD,
                                 &written) != VA_OK) {
        fprintf(stderr, "soak: envelope encoding failed\n");
        exit(2);
    }
    n = va_frame_seal(out, cap, (uint32_t)written, (uint32_t)(cap - VA_FRAME_OVERHEAD));
    if (n < 0) {
        fprintf(stderr, "soak: frame sealing failed\n");
        exit(2);
    }
    return (size_t)n;
}

/* A header with a valid header CRC announcing `len` payload bytes. */
static void make_header(uint8_t *hdr, uint32_t len)
{
    uint32_t c;
    hdr[0] = VA_FRAME_MAGIC0;
    hdr[1] = VA_FRAME_MAGIC1;
    hdr[2] = VA_FRAME_VERSION_BYTE;
    hdr[3] = 0;
    for (int i = 0; i < 4; i++) {
        hdr[4 + i] = (uint8_t)(len >> (8 * i));
    }
    c = va_crc32c(hdr, VA_FRAME_HCRC_COVER);
    for (int i = 0; i < 4; i++) {
        hdr[8 + i] = (uint8_t)(c >> (8 * i));
    }
}

/* A Ping request payload carrying `nonce`. */
static size_t ping_payload(uint64_t nonce, uint8_t *buf, size_t cap)
{
    Virtagent__PingRequest req = VIRTAGENT__PING_REQUEST__INIT;
    size_t len = 0;
    req.has_nonce = 1;
    req.nonce = nonce;
    if (va_codec_encode_payload(VA_METHOD_PING, false, &req.base, buf, cap, &len) != VA_OK) {
        fprintf(stderr, "soak: ping encoding failed\n");
        exit(2);
    }
    return len;
}

static void print_channel_stats(const char *who, va_channel *ch)
{
    const va_channel_stats *s = va_channel_get_stats(ch);
    printf("%s channel: frames in/out %" PRIu64 "/%" PRIu64 ", bytes in/out %" PRIu64 "/%" PRIu64
           ", requests in/out %" PRIu64 "/%" PRIu64 ", responses in/out %" PRIu64 "/%" PRIu64
           ", errors in/out %" PRIu64 "/%" PRIu64 ", cancels out %" PRIu64 "\n",
           who, s->frames_in, s->frames_out, s->bytes_in, s->bytes_out, s->requests_in,
           s->requests_out, s->responses_in, s->responses_out, s->errors_in, s->errors_out,
           s->cancels_out);
    printf("%s channel: late_replies %" PRIu64 ", duplicate_replies %" PRIu64
           ", unknown_cancels %" PRIu64 ", decode_errors %" PRIu64 ", protocol_errors %" PRIu64
           ", busy_sent %" PRIu64 ", control_dropped %" PRIu64 ", attaches/detaches %" PRIu64
           "/%" PRIu64 "\n",
           who, s->late_replies, s->duplicate_replies, s->unknown_cancels, s->decode_errors,
           s->protocol_errors, s->busy_sent, s->control_dropped, s->attaches, s->detaches);
    printf("%s framer: garbage_bytes %" PRIu64 ", bad_header %" PRIu64 ", oversize %" PRIu64
           ", bad_crc %" PRIu64 ", resyncs %" PRIu64 "\n",
           who, s->framer.garbage_bytes, s->framer.bad_header, s->framer.oversize,
           s->framer.bad_crc, s->framer.resyncs);
}

/* ============================ the fault soak ================================= */

enum kind { K_PING, K_PING_CANCEL, K_SLOW_OK, K_SLOW_CANCEL, K_SLOW_TIMEOUT, K_CAPS, K_COUNT };
static const char *const kind_name[K_COUNT] = {
    "ping", "ping+cancel", "slow info", "slow info+cancel", "slow info, 5 ms deadline",
    "capabilities",
};

enum fault { F_GARBAGE, F_BAD_CRC, F_CUT_CRAFTED, F_MAGIC, F_OVERSIZE, F_CUT_PENDING, F_COUNT };
static const char *const fault_name[F_COUNT] = {
    "garbage burst (random bytes)", "frame with a bad payload CRC",
    "disconnect mid-frame (half a crafted frame, then close)",
    "garbage burst (magic-laden, bad header CRCs)", "oversize length header (valid CRC)",
    "disconnect mid-frame (half the channel's own pending frame, then close)",
};

typedef struct soak {
    host h;
    uint64_t target;             /* jobs wanted in each direction */
    uint64_t jobs, issued, completed; /* jobs: host->guest jobs planned so far */
    uint8_t *count;              /* completions per job (index = our job number) */
    uint8_t *kind;
    uint32_t inflight, slow_inflight;
    uint64_t by_status[K_COUNT][VA_STATUS_COUNT];
    uint64_t busy, bad_nonce, remote_other, refused;
    uint64_t faults[F_COUNT];
    uint64_t cancels_ok, cancels_late, double_completions;
    struct { va_job_id job; uint64_t seq; } ring[CANCEL_RING];
    uint32_t ring_len;
    uint8_t arena_mem[16384];
    va_arena arena;
} soak;

static soak S;

static void call_done(va_channel *ch, va_job_id job, va_status st, int32_t code,
                      const uint8_t *resp, uint32_t len, void *ctx)
{
    uint64_t seq = (uint64_t)(uintptr_t)ctx;
    (void)ch;
    (void)job;
    if (seq >= S.issued || S.count[seq] != 0u) {
        /* exactly once: a second completion (or one for a job never issued) */
        S.double_completions++;
        return;
    }
    S.count[seq] = 1;
    S.completed++;
    S.inflight--;
    if (S.kind[seq] >= K_SLOW_OK && S.kind[seq] <= K_SLOW_TIMEOUT) {
        S.slow_inflight--;
    }
    S.by_status[S.kind[seq]][st]++;
    if (st == VA_STATUS_REMOTE_ERROR || st == VA_STATUS_REJECTED) {
        if (code == VIRTAGENT__STATUS_CODE__BUSY) {
            S.busy++;
        } else if (!(code == VIRTAGENT__STATUS_CODE__CANCELLED)) {
            S.remote_other++;
        }
    }
    if (st == VA_STATUS_OK && S.kind[seq] <= K_PING_CANCEL) {
        ProtobufCMessage *m = NULL;
        if (va_codec_decode_payload(&S.arena, VA_METHOD_PING, true, resp, len, &m) != VA_OK ||
            !((Virtagent__PingResponse *)(void *)m)->has_nonce ||
            ((Virtagent__PingResponse *)(void *)m)->nonce != seq) {
            S.bad_nonce++;
        }
    }
}

static enum kind pick_kind(uint64_t seq)
{
    enum kind k = K_PING;
    switch (seq % 1000u) {
    case 250: k = K_SLOW_CANCEL; break;
    case 500: k = K_SLOW_TIMEOUT; break;
    case 750: k = K_SLOW_OK; break;
    default:
        if (seq % 100u == 37u) {
            k = K_PING_CANCEL;
        } else if (seq % 100u == 71u) {
            k = K_CAPS;
        }
        break;
    }
    if (k >= K_SLOW_OK && k <= K_SLOW_TIMEOUT && S.slow_inflight >= SLOW_MAX) {
        k = K_PING;
    }
    return k;
}

/* Issue calls until the window is full.  Returns calls issued. */
static uint32_t issue(void)
{
    uint32_t n = 0;
    while (S.issued < S.jobs && S.inflight < WINDOW && S.h.fd >= 0) {
        uint8_t buf[32];
        uint64_t seq = S.issued;
        enum kind k = pick_kind(seq);
        uint32_t method = VA_METHOD_PING;
        uint64_t timeout = LONG_TIMEOUT_MS;
        size_t len = 0;
        va_job_id job;
        int rc;

        if (k == K_PING || k == K_PING_CANCEL) {
            len = ping_payload(seq, buf, sizeof buf);
        } else if (k == K_CAPS) {
            method = VA_METHOD_CAPABILITIES;
        } else {
            method = VA_METHOD_INFO;
            if (k == K_SLOW_TIMEOUT) {
                timeout = SHORT_TIMEOUT_MS;
            }
        }
        S.kind[seq] = (uint8_t)k;
        S.issued++; /* before the call: a completion may come at once */
        S.inflight++;
        if (k >= K_SLOW_OK && k <= K_SLOW_TIMEOUT) {
            S.slow_inflight++;
        }
        rc = va_channel_call(&S.h.ch, method, buf, (uint32_t)len, now_ms(), timeout, call_done,
                             (void *)(uintptr_t)seq, &job);
        if (rc != VA_OK) {
            /* not issued after all (the peer's limit): undo, try later */
            S.issued--;
            S.inflight--;
            if (k >= K_SLOW_OK && k <= K_SLOW_TIMEOUT) {
                S.slow_inflight--;
            }
            S.refused++;
            break;
        }
        n++;
        if ((k == K_PING_CANCEL || k == K_SLOW_CANCEL) && S.ring_len < CANCEL_RING) {
            S.ring[S.ring_len].job = job;
            S.ring[S.ring_len].seq = seq;
            S.ring_len++;
        }
    }
    return n;
}

/* Cancel the calls issued a turn ago (so most are on the wire by now). */
static void cancel_pending(void)
{
    for (uint32_t i = 0; i < S.ring_len; i++) {
        if (va_channel_cancel(&S.h.ch, S.ring[i].job) == VA_OK) {
            S.cancels_ok++;
        } else {
            S.cancels_late++; /* it completed first: a legal race */
        }
    }
    S.ring_len = 0;
}

static void reconnect(const char *sock)
{
    host_connect(&S.h, sock);
    S.h.reconnects++;
}

/* Inject one fault.  Garbage goes in at a frame boundary (the channel's
 * output flushed first); a cut leaves half a frame on the wire and closes. */
static void inject(enum fault f, const char *sock)
{
    static uint8_t g[8192];
    uint8_t frame[256];
    size_t n = 0;

    if (f != F_CUT_PENDING && host_flush(&S.h) != 0) {
        reconnect(sock);
        return;
    }
    S.faults[f]++;
    switch (f) {
    case F_GARBAGE:
        n = 1u + rnd() % sizeof g;
        for (size_t i = 0; i < n; i++) {
            g[i] = (uint8_t)rnd();
        }
        break;
    case F_MAGIC:
        /* magic, version, then a wrong header CRC, over and over */
        n = 1u + rnd() % sizeof g;
        for (size_t i = 0; i < n; i++) {
            uint64_t r = rnd();
            g[i] = (r & 3u) == 0u ? VA_FRAME_MAGIC0 : (r & 3u) == 1u ? VA_FRAME_MAGIC1
                 : (r & 3u) == 2u ? VA_FRAME_VERSION_BYTE : (uint8_t)(r >> 8);
        }
        break;
    case F_BAD_CRC: {
        va_envelope_storage st = VA_ENVELOPE_STORAGE_INIT;
        uint8_t pl[16];
        size_t pn = ping_payload(7, pl, sizeof pl);
        n = make_frame(va_envelope_request(&st, 0x4000000000000000ull | rnd() >> 2,
                                           VA_METHOD_PING, pl, pn), g, sizeof g);
        g[n - 1] ^= 0x5Au; /* the trailer no longer matches */
        break;
    }
    case F_OVERSIZE:
        make_header(g, VA_DEFAULT_MAX_PAYLOAD + VA_ENVELOPE_OVERHEAD + 1u +
                           (uint32_t)(rnd() % (1u << 29)));
        n = VA_FRAME_HEADER_SIZE;
        break;
    case F_CUT_CRAFTED: {
        va_envelope_storage st = VA_ENVELOPE_STORAGE_INIT;
        uint8_t pl[16];
        size_t pn = ping_payload(9, pl, sizeof pl);
        size_t fn = make_frame(va_envelope_request(&st, 0x4000000000000001ull, VA_METHOD_PING,
                                                   pl, pn), frame, sizeof frame);
        (void)raw_write(&S.h, frame, fn / 2u);
        host_close(&S.h);
        reconnect(sock);
        return;
    }
    case F_CUT_PENDING: {
        const uint8_t *out;
        size_t pend = va_channel_output(&S.h.ch, &out);
        if (pend >= VA_FRAME_HEADER_SIZE) {
            uint32_t flen = (uint32_t)out[4] | (uint32_t)out[5] << 8 | (uint32_t)out[6] << 16 |
                            (uint32_t)out[7] << 24;
            size_t half = (flen + VA_FRAME_OVERHEAD) / 2u;
            if (raw_write(&S.h, out, half) == 0) {
                va_channel_consume(&S.h.ch, half, now_ms());
            }
        } else {
            /* nothing pending: cut a crafted frame instead */
            uint8_t pl[16];
            va_envelope_storage st = VA_ENVELOPE_STORAGE_INIT;
            size_t pn = ping_payload(9, pl, sizeof pl);
            size_t fn = make_frame(va_envelope_request(&st, 0x4000000000000002ull,
                                                       VA_METHOD_PING, pl, pn),
                                   frame, sizeof frame);
            (void)raw_write(&S.h, frame, fn / 2u);
        }
        host_close(&S.h);
        reconnect(sock);
        return;
    }
    default:
        return;
    }
    if (raw_write(&S.h, g, n) != 0) {
        reconnect(sock);
    }
}

static int run_soak(const char *bin, uint64_t jobs, uint32_t fault_every, uint32_t sample_ms,
                    uint32_t events, uint64_t rss_margin_kib)
{
    char hb[16], ev[16], dl[16];
    char *extra[] = { "--heartbeat-ms", hb, "--test-events-per-heartbeat", ev,
                      "--test-delay-ms", dl, NULL };
    agent a;
    memsample idle, warm = { 0, 0, 0 }, last, peak = { 0, 0, 0 };
    bool warmed = false;
    uint64_t t0, t_sample, next_fault;
    uint32_t fault_i = 0;
    int status;

    snprintf(hb, sizeof hb, "1");
    snprintf(ev, sizeof ev, "%u", events);
    snprintf(dl, sizeof dl, "%u", AGENT_DELAY_MS);
    memset(&S, 0, sizeof S);
    S.target = jobs;
    S.jobs = jobs;
    S.count = calloc(jobs, 1);
    S.kind = calloc(jobs, 1);
    if (S.count == NULL || S.kind == NULL) {
        die("calloc");
    }
    (void)va_arena_init(&S.arena, S.arena_mem, sizeof S.arena_mem, SIZE_MAX);
    host_init(&S.h);
    agent_start(&a, bin, extra);
    usleep(100000);
    idle = sample(a.pid);
    printf("agent pid %d: idle (listening, no host) RSS %" PRIu64 " KiB, fds %u\n", (int)a.pid,
           idle.rss_kib, idle.fds);
    printf("soak: >= %" PRIu64 " jobs each way, window %u, a fault every %u jobs, agent "
           "--heartbeat-ms 1 --test-events-per-heartbeat %u --test-delay-ms %u\n",
           jobs, WINDOW, fault_every, events, AGENT_DELAY_MS);
    fflush(stdout);
    host_connect(&S.h, a.sock);
    t0 = now_ms();
    t_sample = t0 + sample_ms;
    next_fault = fault_every;
    uint64_t next_mark = S.target / 10u;
    while (S.issued < S.jobs || S.inflight != 0u || S.h.served[0] + S.h.served[1] < S.target) {
        if (S.h.fd < 0) {
            reconnect(a.sock);
        }
        if (S.issued == S.jobs && S.h.served[0] + S.h.served[1] < S.target) {
            /* guest->host is behind: more host->guest jobs meanwhile */
            uint64_t more = 65536u;
            S.count = realloc(S.count, S.jobs + more);
            S.kind = realloc(S.kind, S.jobs + more);
            if (S.count == NULL || S.kind == NULL) {
                die("realloc");
            }
            memset(S.count + S.jobs, 0, more);
            S.jobs += more;
        }
        cancel_pending();
        (void)issue();
        if (S.issued >= next_fault) {
            next_fault += fault_every;
            inject((enum fault)(fault_i++ % F_COUNT), a.sock);
            continue;
        }
        (void)host_pump(&S.h, 100);
        if (now_ms() >= t_sample || S.issued >= next_mark) {
            last = sample(a.pid);
            t_sample = now_ms() + sample_ms;
            while (next_mark <= S.issued) {
                next_mark += S.target / 10u + 1u;
            }
            if (!warmed && S.issued >= S.target / 10u) {
                warm = last;
                warmed = true;
            }
            if (last.rss_kib > peak.rss_kib) {
                peak.rss_kib = last.rss_kib;
            }
            if (last.fds > peak.fds) {
                peak.fds = last.fds;
            }
            printf("  t=%5.1fs issued %8" PRIu64 " completed %8" PRIu64
                   " served(g->h) %8" PRIu64 " | agent RSS %" PRIu64 " KiB HWM %" PRIu64
                   " KiB fds %u\n",
                   (double)(now_ms() - t0) / 1000.0, S.issued, S.completed,
                   S.h.served[0] + S.h.served[1], last.rss_kib, last.hwm_kib, last.fds);
            fflush(stdout);
        }
    }
    /* let the last guest->host calls land, then the final sample */
    for (uint64_t end = now_ms() + 200u; now_ms() < end;) {
        (void)host_pump(&S.h, 20);
    }
    last = sample(a.pid);
    if (!warmed) {
        warm = last;
    }
    uint64_t dur = now_ms() - t0;
    host_close(&S.h);
    memsample after = last;
    for (int i = 0; i < 200; i++) {
        usleep(10000);
        after = sample(a.pid);
        if (after.fds == idle.fds) {
            break;
        }
    }
    status = agent_stop(&a);
    agent_read_stats(&a);

    /* ---- figures ---- */
    uint64_t served = S.h.served[0] + S.h.served[1];
    printf("\n== fault soak: %.1f s, %.0f host->guest jobs/s ==\n", (double)dur / 1000.0,
           (double)S.completed * 1000.0 / (double)(dur ? dur : 1));
    printf("host->guest jobs issued %" PRIu64 ", completed %" PRIu64 "\n", S.issued, S.completed);
    printf("  %-26s %9s %9s %9s %9s %9s %9s\n", "kind", "ok", "remote", "cancelled", "timed out",
           "disconn", "rejected");
    for (int k = 0; k < K_COUNT; k++) {
        printf("  %-26s", kind_name[k]);
        for (int s = 0; s < VA_STATUS_COUNT; s++) {
            printf(" %9" PRIu64, S.by_status[k][s]);
        }
        printf("\n");
    }
    printf("  remote errors: BUSY %" PRIu64 ", other (not CANCELLED) %" PRIu64
           "; calls refused locally (peer's limit) %" PRIu64 "\n",
           S.busy, S.remote_other, S.refused);
    printf("  cancels: %" PRIu64 " taken, %" PRIu64 " too late (the call had completed)\n",
           S.cancels_ok, S.cancels_late);
    printf("guest->host jobs served by the host: %" PRIu64 " (announce %" PRIu64 ", events %" PRIu64
           ")\n", served, S.h.served[0], S.h.served[1]);
    printf("agent's own count: calls %" PRIu64 ", refused at call time %" PRIu64 ", ok %" PRIu64
           ", timed out %" PRIu64 ", disconnected %" PRIu64 ", remote error %" PRIu64
           ", cancelled %" PRIu64 ", rejected %" PRIu64 "\n",
           stat_of("host_calls"), stat_of("host_refused"), stat_of("host_ok"),
           stat_of("host_timed_out"), stat_of("host_disconnected"), stat_of("host_remote_error"),
           stat_of("host_cancelled"), stat_of("host_rejected"));
    printf("total jobs, both directions: %" PRIu64 "\n", S.completed + served);
    printf("faults injected:\n");
    for (int f = 0; f < F_COUNT; f++) {
        printf("  %-72s %6" PRIu64 "\n", fault_name[f], S.faults[f]);
    }
    printf("  %-72s %6" PRIu64 "\n", "reconnects", S.h.reconnects);
    printf("agent RSS: idle %" PRIu64 " KiB, after warm-up %" PRIu64 " KiB, peak sample %" PRIu64
           " KiB, end %" PRIu64 " KiB, VmHWM %" PRIu64 " KiB\n",
           idle.rss_kib, warm.rss_kib, peak.rss_kib, last.rss_kib, last.hwm_kib);
    printf("agent fds: idle %u, peak sample %u, connected at end %u, after the host left %u\n",
           idle.fds, peak.fds, last.fds, after.fds);
    print_channel_stats("host", &S.h.ch);
    printf("agent stats:%s", last_stats);

    /* ---- checks ---- */
    uint64_t never = 0;
    for (uint64_t i = 0; i < S.issued; i++) {
        never += S.count[i] == 0u;
    }
    CHECK(S.issued >= S.target && served >= S.target,
          "at least %" PRIu64 " jobs each way (host->guest %" PRIu64 ", guest->host %" PRIu64 ")",
          S.target, S.issued, served);
    CHECK(S.double_completions == 0, "no job completed twice (%" PRIu64 ")", S.double_completions);
    CHECK(never == 0 && S.completed == S.issued, "every job completed exactly once (%" PRIu64
          " never completed)", never);
    CHECK(S.bad_nonce == 0, "every ping answer carries its own nonce (%" PRIu64 " wrong)",
          S.bad_nonce);
    CHECK(S.by_status[K_PING][VA_STATUS_TIMED_OUT] + S.by_status[K_CAPS][VA_STATUS_TIMED_OUT] +
              S.by_status[K_SLOW_OK][VA_STATUS_TIMED_OUT] == 0,
          "no call with a long deadline timed out (no frame lost to garbage)");
    CHECK(S.remote_other == 0, "no unexpected remote error (%" PRIu64 ")", S.remote_other);
    CHECK(S.by_status[K_SLOW_TIMEOUT][VA_STATUS_OK] == 0,
          "no 5 ms call against a 20 ms method succeeded");
    CHECK(S.by_status[K_PING][VA_STATUS_OK] > S.issued / 2, "most pings succeeded");
    CHECK(stat_of("host_calls") != UINT64_MAX &&
              stat_of("host_calls") == stat_of("host_ok") + stat_of("host_remote_error") +
                                           stat_of("host_cancelled") +
                                           stat_of("host_timed_out") +
                                           stat_of("host_disconnected") + stat_of("host_rejected"),
          "agent: every guest->host call completed exactly once");
    CHECK(stat_of("host_timed_out") == 0, "agent: no guest->host call timed out");
    CHECK(stat_of("host_ok") <= served,
          "agent ok (%" PRIu64 ") <= served by the host (%" PRIu64 "); the difference are "
          "answers cut by disconnects", stat_of("host_ok"), served);
    CHECK(last.rss_kib <= warm.rss_kib + rss_margin_kib,
          "RSS flat: end %" PRIu64 " KiB <= after warm-up %" PRIu64 " KiB + %" PRIu64 " KiB",
          last.rss_kib, warm.rss_kib, rss_margin_kib);
    CHECK(after.fds == idle.fds, "agent fds back to idle (%u == %u)", after.fds, idle.fds);
    CHECK(peak.fds <= idle.fds + 1u, "agent fds while connected <= idle + 1 (%u)", peak.fds);
    CHECK(status == 0, "agent exited 0 on SIGTERM (%d)", status);
    agent_cleanup(&a);
    free(S.count);
    free(S.kind);
    free(S.h.mem);
    return failures == 0 ? 0 : 1;
}

/* ============================ the hostile flood =============================== */

typedef struct flood {
    host h;
    agent a;
    uint64_t limit_kib;
    memsample peak;
    bool ping_ok;
    uint64_t ping_nonce;
} flood;

static flood F;

static void watch_mem(void)
{
    memsample m = sample(F.a.pid);
    if (m.hwm_kib > F.peak.hwm_kib) {
        F.peak.hwm_kib = m.hwm_kib;
    }
    if (m.rss_kib > F.peak.rss_kib) {
        F.peak.rss_kib = m.rss_kib;
    }
}

static void ping_done(va_channel *ch, va_job_id job, va_status st, int32_t code,
                      const uint8_t *resp, uint32_t len, void *ctx)
{
    uint8_t mem[4096];
    va_arena ar;
    ProtobufCMessage *m = NULL;
    (void)ch;
    (void)job;
    (void)code;
    (void)ctx;
    (void)va_arena_init(&ar, mem, sizeof mem, SIZE_MAX);
    F.ping_ok = st == VA_STATUS_OK &&
                va_codec_decode_payload(&ar, VA_METHOD_PING, true, resp, len, &m) == VA_OK &&
                ((Virtagent__PingResponse *)(void *)m)->nonce == F.ping_nonce;
    F.ping_nonce = UINT64_MAX; /* done */
}

/* A ping through the host channel; true if it came back with its nonce. */
static bool flood_ping(const char *when)
{
    uint8_t pl[16];
    va_job_id job;
    uint64_t start = now_ms();
    uint64_t nonce = rnd() >> 1;
    size_t n = ping_payload(nonce, pl, sizeof pl);

    F.ping_ok = false;
    F.ping_nonce = nonce;
    if (F.h.fd < 0 || va_channel_call(&F.h.ch, VA_METHOD_PING, pl, (uint32_t)n, now_ms(), 10000,
                                      ping_done, NULL, &job) != VA_OK) {
        CHECK(false, "ping %s: could not call", when);
        return false;
    }
    while (F.ping_nonce != UINT64_MAX && F.h.fd >= 0) {
        (void)host_pump(&F.h, 50);
    }
    CHECK(F.ping_ok, "ping %s answered (%.1f ms)", when, (double)(now_ms() - start));
    return F.ping_ok;
}

/* Write raw bytes, pumping the channel and sampling memory as we go. */
static int flood_write(const uint8_t *p, size_t n)
{
    static uint64_t last_sample;
    if (raw_write(&F.h, p, n) != 0) {
        return -1;
    }
    if (now_ms() - last_sample >= 100u) {
        last_sample = now_ms();
        watch_mem();
        (void)va_channel_tick(&F.h.ch, now_ms());
    }
    return 0;
}

static int run_flood(const char *bin, uint64_t garbage_mib, uint64_t oversize, uint64_t forged,
                     uint64_t burst)
{
    char *extra[] = { "--heartbeat-ms", "1000", NULL };
    static uint8_t g[65536];
    uint8_t frame[512];
    memsample idle;
    uint64_t t0, chmem, base_kib;
    int status;

    host_init(&F.h);
    agent_start(&F.a, bin, extra);
    usleep(100000);
    agent_poll_stats(&F.a);
    chmem = stat_of("chmem");
    if (chmem == UINT64_MAX) {
        fprintf(stderr, "soak: the agent printed no stats line\n");
        kill(F.a.pid, SIGKILL);
        return 2;
    }
    idle = sample(F.a.pid);
    base_kib = idle.rss_kib;
    /* the cap: RSS after start-up (code, libc, loop; the channel region is
     * malloc'ed but untouched) + the whole channel region, touched */
    F.limit_kib = base_kib + (chmem + 1023u) / 1024u;
    printf("agent pid %d: RSS after start-up %" PRIu64 " KiB, channel region %" PRIu64
           " bytes: cap %" PRIu64 " KiB, check peak <= cap + 2048 KiB = %" PRIu64 " KiB\n",
           (int)F.a.pid, base_kib, chmem, F.limit_kib, F.limit_kib + 2048u);
    host_connect(&F.h, F.a.sock);
    while (!F.h.hello && F.h.fd >= 0) {
        (void)host_pump(&F.h, 50);
    }
    (void)flood_ping("at start");
    t0 = now_ms();

    /* 1. garbage: random bytes with magic-laden stretches; a ping every 64 MiB */
    printf("-- 1. %" PRIu64 " MiB of garbage\n", garbage_mib);
    fflush(stdout);
    {
        uint64_t sent = 0, total = garbage_mib << 20, t = now_ms();
        while (sent < total) {
            size_t n = sizeof g;
            for (size_t i = 0; i < n; i += 8) {
                uint64_t r = rnd();
                memcpy(g + i, &r, 8);
            }
            /* one magic-laden stretch per chunk: headers that fail their CRC */
            for (size_t i = 0; i < 256; i += 4) {
                g[i] = VA_FRAME_MAGIC0;
                g[i + 1] = VA_FRAME_MAGIC1;
                g[i + 2] = VA_FRAME_VERSION_BYTE;
                g[i + 3] = 0;
            }
            if (n > total - sent) {
                n = (size_t)(total - sent);
            }
            if (flood_write(g, n) != 0) {
                break;
            }
            sent += n;
            if (sent % (64u << 20) == 0u && sent != total) {
                /* flush so the next bytes start at ... garbage; the ping
                 * frame itself follows garbage, the framer must find it */
                if (!flood_ping("during the garbage")) {
                    break;
                }
            }
            (void)host_pump(&F.h, 0);
        }
        uint64_t dt = now_ms() - t;
        printf("   sent %" PRIu64 " MiB in %.1f s (%.0f MiB/s through the agent)\n", sent >> 20,
               (double)dt / 1000.0, (double)(sent >> 20) * 1000.0 / (double)(dt ? dt : 1));
        (void)flood_ping("after the garbage");
    }

    /* 2. oversize length headers, valid header CRC */
    printf("-- 2. %" PRIu64 " oversize length headers\n", oversize);
    {
        uint64_t sent = 0;
        while (sent < oversize) {
            size_t n = 0;
            while (n + VA_FRAME_HEADER_SIZE <= sizeof g && sent < oversize) {
                uint32_t len = VA_DEFAULT_MAX_PAYLOAD + VA_ENVELOPE_OVERHEAD + 1u +
                               (uint32_t)(rnd() % (VA_FRAME_PAYLOAD_LIMIT - 8192u));
                make_header(g + n, len);
                n += VA_FRAME_HEADER_SIZE;
                sent++;
            }
            if (flood_write(g, n) != 0) {
                break;
            }
            (void)host_pump(&F.h, 0);
        }
        (void)flood_ping("after the oversize headers");
    }

    /* 3. forged ids: responses, errors and cancels naming no live job */
    printf("-- 3. %" PRIu64 " forged responses, %" PRIu64 " forged errors, %" PRIu64
           " forged cancels\n", forged, forged, forged);
    agent_poll_stats(&F.a);
    uint64_t late0 = stat_of("late_replies"), dup0 = stat_of("duplicate_replies");
    uint64_t uc0 = stat_of("unknown_cancels");
    {
        static const uint8_t body[] = { 0x08, 0x01 };
        for (uint64_t i = 0; i < forged * 3u;) {
            size_t n = 0;
            while (n + 128u <= sizeof g && i < forged * 3u) {
                va_envelope_storage st = VA_ENVELOPE_STORAGE_INIT;
                /* half random 64-bit ids, half in the agent's own id shape
                 * (generation << 32 | slot) with a generation it has not
                 * reached: both must be rejected, never misrouted */
                uint64_t id = (i & 1u) ? (rnd() | (1ull << 63))
                                       : ((uint64_t)(0x40000000u + (uint32_t)(rnd() % 1000u)) << 32) |
                                             (rnd() % 128u);
                Virtagent__Envelope *e =
                    i % 3u == 0u ? va_envelope_response(&st, id, VA_METHOD_EVENT, body, sizeof body)
                    : i % 3u == 1u ? va_envelope_error(&st, true, id, VA_METHOD_EVENT,
                                                       VIRTAGENT__STATUS_CODE__INTERNAL, "forged")
                                   : va_envelope_cancel(&st, id);
                n += make_frame(e, g + n, 128u);
                i++;
            }
            if (flood_write(g, n) != 0) {
                break;
            }
            (void)host_pump(&F.h, 0);
        }
        (void)flood_ping("after the forged ids");
        agent_poll_stats(&F.a);
        uint64_t late = stat_of("late_replies") - late0;
        uint64_t dup = stat_of("duplicate_replies") - dup0;
        uint64_t uc = stat_of("unknown_cancels") - uc0;
        printf("   agent: late_replies +%" PRIu64 ", duplicate_replies +%" PRIu64
               ", unknown_cancels +%" PRIu64 "\n", late, dup, uc);
        CHECK(late + dup == 2u * forged, "every forged response/error dropped and counted");
        CHECK(uc == forged, "every forged cancel dropped and counted");
    }

    /* 4. requests far beyond the admission limit, answers unread */
    printf("-- 4. %" PRIu64 " pipelined requests, not reading the answers\n", burst);
    {
        const va_channel_stats *hs = va_channel_get_stats(&F.h.ch);
        uint64_t late0h = hs->late_replies, resp0 = hs->responses_in, err0 = hs->errors_in;
        uint64_t written = 0, wbytes = 0, t = now_ms();
        bool stalled = false;
        agent_poll_stats(&F.a);
        uint64_t busy0 = stat_of("busy_sent"), cd0 = stat_of("control_dropped");
        uint64_t req0 = stat_of("requests_in");
        /* write without reading until every request is out or the agent
         * stops taking bytes for 2 s (backpressure) */
        while (written < burst) {
            va_envelope_storage st = VA_ENVELOPE_STORAGE_INIT;
            uint8_t pl[16];
            size_t pn = ping_payload(written, pl, sizeof pl);
            size_t fn = make_frame(va_envelope_request(&st, (1ull << 62) + written, VA_METHOD_PING,
                                                       pl, pn), frame, sizeof frame);
            size_t off = 0;
            uint64_t since = now_ms();
            while (off < fn) {
                ssize_t w = write(F.h.fd, frame + off, fn - off);
                if (w > 0) {
                    off += (size_t)w;
                    wbytes += (uint64_t)w;
                    since = now_ms();
                    continue;
                }
                if (w < 0 && errno != EAGAIN && errno != EINTR) {
                    break;
                }
                if (now_ms() - since > 2000u) {
                    stalled = true;
                    break;
                }
                usleep(1000);
                watch_mem();
            }
            if (stalled || off < fn) {
                /* finish the cut frame later: keep the stream framed */
                memmove(frame, frame + off, fn - off);
                fn -= off;
                while (fn != 0u) {
                    struct pollfd pf = { .fd = F.h.fd, .events = POLLIN | POLLOUT, .revents = 0 };
                    ssize_t w;
                    (void)poll(&pf, 1, 100);
                    if ((pf.revents & POLLIN) != 0 && host_read(&F.h) != 0) {
                        break;
                    }
                    w = write(F.h.fd, frame, fn);
                    if (w > 0) {
                        memmove(frame, frame + w, fn - (size_t)w);
                        fn -= (size_t)w;
                    }
                }
                written++;
                break;
            }
            written++;
            if (written % 1024u == 0u) {
                watch_mem();
            }
        }
        watch_mem();
        agent_poll_stats(&F.a);
        uint64_t busy = stat_of("busy_sent") - busy0, cd = stat_of("control_dropped") - cd0;
        uint64_t reqs = stat_of("requests_in") - req0;
        printf("   wrote %" PRIu64 " requests (%" PRIu64 " bytes) in %.1f s without reading%s\n",
               written, wbytes, (double)(now_ms() - t) / 1000.0,
               stalled ? "; the agent stopped taking bytes (backpressure)" : "");
        printf("   agent so far: requests_in +%" PRIu64 ", busy_sent +%" PRIu64
               ", control_dropped +%" PRIu64 " (answers dropped: no room in its bounded "
               "output buffer)\n", reqs, busy, cd);
        /* now read everything the agent has for us */
        uint64_t quiet_since = now_ms();
        uint64_t seen = 0;
        while (now_ms() - quiet_since < 1000u && F.h.fd >= 0) {
            (void)host_pump(&F.h, 50);
            uint64_t s = hs->late_replies - late0h;
            if (s != seen) {
                seen = s;
                quiet_since = now_ms();
            }
        }
        agent_poll_stats(&F.a);
        busy = stat_of("busy_sent") - busy0;
        cd = stat_of("control_dropped") - cd0;
        reqs = stat_of("requests_in") - req0;
        uint64_t oks = hs->responses_in - resp0, errs = hs->errors_in - err0;
        printf("   after reading: answers received %" PRIu64 " (ok %" PRIu64 ", BUSY errors %" PRIu64
               "); agent requests_in +%" PRIu64 ", busy_sent +%" PRIu64 ", control_dropped +%" PRIu64
               "\n", seen, oks, errs, reqs, busy, cd);
        CHECK(reqs == written, "the agent read every request (%" PRIu64 " of %" PRIu64 ")", reqs,
              written);
        CHECK(seen == oks + errs && oks + errs + cd == written,
              "every request answered ok or BUSY, or its BUSY dropped and counted "
              "(%" PRIu64 " + %" PRIu64 " + %" PRIu64 " == %" PRIu64 ")", oks, errs, cd, written);
        CHECK(errs <= busy, "BUSY answers received <= BUSY sent");
        (void)flood_ping("after the admission flood (the agent resumed)");
        /* and a pipelined burst within the limit, read as it goes: all served */
        uint64_t ok1 = hs->responses_in;
        for (uint64_t i = 0; i < 32u; i++) {
            va_envelope_storage st = VA_ENVELOPE_STORAGE_INIT;
            uint8_t pl[16];
            size_t pn = ping_payload(i, pl, sizeof pl);
            size_t fn = make_frame(va_envelope_request(&st, (1ull << 61) + i, VA_METHOD_PING, pl,
                                                       pn), frame, sizeof frame);
            (void)raw_write(&F.h, frame, fn);
        }
        for (uint64_t end = now_ms() + 3000u; now_ms() < end && hs->responses_in - ok1 < 32u;) {
            (void)host_pump(&F.h, 20);
        }
        CHECK(hs->responses_in - ok1 == 32u, "32 pipelined requests afterwards: all answered ok "
              "(%" PRIu64 ")", hs->responses_in - ok1);
    }
    watch_mem();
    uint64_t dur = now_ms() - t0;
    agent_poll_stats(&F.a);
    printf("\n== hostile flood: %.1f s ==\n", (double)dur / 1000.0);
    printf("agent memory: RSS at start-up %" PRIu64 " KiB, peak RSS sample %" PRIu64
           " KiB, VmHWM %" PRIu64 " KiB; cap %" PRIu64 " KiB (+2048 KiB margin)\n",
           base_kib, F.peak.rss_kib, F.peak.hwm_kib, F.limit_kib);
    print_channel_stats("host", &F.h.ch);
    printf("agent stats:%s", last_stats);
    CHECK(F.peak.hwm_kib <= F.limit_kib + 2048u,
          "agent VmHWM %" PRIu64 " KiB <= cap %" PRIu64 " KiB + 2048 KiB", F.peak.hwm_kib,
          F.limit_kib);
    CHECK(stat_of("garbage_bytes") >= garbage_mib << 20, "agent counted the garbage");
    CHECK(stat_of("oversize") >= oversize, "agent counted every oversize header (%" PRIu64 ")",
          stat_of("oversize"));
    CHECK(stat_of("attaches") == 1u, "one connection throughout: the flood never made the agent "
          "drop the host");
    host_close(&F.h);
    status = agent_stop(&F.a);
    CHECK(status == 0, "agent exited 0 on SIGTERM (%d)", status);
    agent_cleanup(&F.a);
    free(F.h.mem);
    return failures == 0 ? 0 : 1;
}

/* ================================== main ====================================== */

static void usage(FILE *f)
{
    fprintf(f,
"Usage: soak [--agent PATH] [--jobs N] [--fault-every N] [--events N] [--sample-ms N]\n"
"       soak --flood [--agent PATH] [--garbage-mib N] [--oversize N] [--forged N]\n"
"            [--burst N]\n"
"The fault soak (default) or the hostile flood against the real virtagent.\n"
"  --agent PATH       the agent binary (default build/tools/virtagent)\n"
"  --jobs N           jobs in each direction, at least (default 50000; the full\n"
"                     run is 1000000): host->guest calls continue until the\n"
"                     host has also served N guest->host calls\n"
"  --fault-every N    inject a fault every N jobs (default 2000)\n"
"  --events N         agent --test-events-per-heartbeat (default 64)\n"
"  --sample-ms N      RSS/fd sampling period (default 2000)\n"
"  --rss-margin-kib N RSS growth allowed after warm-up (default 512; sanitizer\n"
"                     builds need more: ASan quarantines the memory libc frees)\n"
"  --garbage-mib N    flood: MiB of garbage (default 64; the full run is 1024)\n"
"  --oversize N       flood: oversize length headers (default 1000000)\n"
"  --forged N         flood: forged responses, errors and cancels each (default 100000)\n"
"  --burst N          flood: requests written without reading (default 100000)\n");
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        { "agent", required_argument, NULL, 'a' },
        { "jobs", required_argument, NULL, 'j' },
        { "fault-every", required_argument, NULL, 'F' },
        { "events", required_argument, NULL, 'e' },
        { "sample-ms", required_argument, NULL, 's' },
        { "rss-margin-kib", required_argument, NULL, 'r' },
        { "flood", no_argument, NULL, 'f' },
        { "garbage-mib", required_argument, NULL, 'g' },
        { "oversize", required_argument, NULL, 'o' },
        { "forged", required_argument, NULL, 'i' },
        { "burst", required_argument, NULL, 'b' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *bin = "build/tools/virtagent";
    uint64_t rss_margin = 512;
    uint64_t jobs = 50000, garbage = 64, oversize = 1000000, forged = 100000, burst = 100000;
    uint32_t fault_every = 2000, events = 64, sample_ms = 2000;
    bool do_flood = false;
    int c;

    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'a': bin = optarg; break;
        case 'j': jobs = strtoull(optarg, NULL, 10); break;
        case 'F': fault_every = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'e': events = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 's': sample_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'r': rss_margin = strtoull(optarg, NULL, 10); break;
        case 'f': do_flood = true; break;
        case 'g': garbage = strtoull(optarg, NULL, 10); break;
        case 'o': oversize = strtoull(optarg, NULL, 10); break;
        case 'i': forged = strtoull(optarg, NULL, 10); break;
        case 'b': burst = strtoull(optarg, NULL, 10); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (jobs == 0 || fault_every == 0 || sample_ms == 0) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    return do_flood ? run_flood(bin, garbage, oversize, forged, burst)
                 : run_soak(bin, jobs, fault_every, sample_ms, events, rss_margin);
}
