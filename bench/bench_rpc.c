/* SPDX-License-Identifier: MIT */
/*
 * RPC round trips between two processes over a Unix socketpair, measured in
 * the same run as the physical limit (a raw 32-byte ping-pong), pinned to one
 * CPU and unpinned; then pipelined RPCs with 64 in flight in each direction
 * at once.  A benchmark, not a test: prints a table and a JSON line.
 *
 *   bench_rpc [seconds-per-figure]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "virtagent/va_channel.h"
#include "virtagent/va_codec.h"

#include "bench_util.h"

static double secs = 1.0;

static uint64_t now_ms(void)
{
    return now_ns() / 1000000u;
}

static void pin(int cpu)
{
    cpu_set_t set;
    if (cpu < 0) {
        return;
    }
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)sched_setaffinity(0, sizeof set, &set);
}

/* ---- raw ping-pong ---- */

static double raw_pingpong(int cpu)
{
    int sv[2];
    char buf[32];
    uint64_t n = 0, t0, t1;
    pid_t pid;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        return 0;
    }
    pid = fork();
    if (pid == 0) {
        pin(cpu);
        close(sv[0]);
        for (;;) {
            size_t got = 0;
            while (got < sizeof buf) {
                ssize_t r = read(sv[1], buf + got, sizeof buf - got);
                if (r <= 0) {
                    _exit(0);
                }
                got += (size_t)r;
            }
            if (write(sv[1], buf, sizeof buf) != (ssize_t)sizeof buf) {
                _exit(0);
            }
        }
    }
    pin(cpu);
    close(sv[1]);
    memset(buf, 'p', sizeof buf);
    t0 = now_ns();
    do {
        for (int k = 0; k < 1000; k++) {
            size_t got = 0;
            if (write(sv[0], buf, sizeof buf) != (ssize_t)sizeof buf) {
                break;
            }
            while (got < sizeof buf) {
                ssize_t r = read(sv[0], buf + got, sizeof buf - got);
                if (r <= 0) {
                    break;
                }
                got += (size_t)r;
            }
            n++;
        }
        t1 = now_ns();
    } while ((double)(t1 - t0) < secs * 1e9);
    close(sv[0]);
    waitpid(pid, NULL, 0);
    pin(-1);
    return (double)n / ((double)(t1 - t0) / 1e9);
}

/* ---- one channel on one fd, driven by poll ---- */

typedef struct side {
    va_channel ch;
    void *mem;
    int fd;
    va_method methods[1];
    uint64_t completed;
    uint64_t inflight;
    uint64_t failed;
    int want;          /* calls to keep in flight (0: serve only) */
} side;

static void done(va_channel *ch, va_job_id job, va_status st, int32_t code,
                 const uint8_t *resp, uint32_t len, void *ctx)
{
    side *s = ctx;
    (void)ch;
    (void)job;
    (void)code;
    (void)resp;
    (void)len;
    s->inflight--;
    if (st == VA_STATUS_OK) {
        s->completed++;
    } else {
        s->failed++;
    }
}

static void side_init(side *s, int fd, int want)
{
    memset(s, 0, sizeof *s);
    s->fd = fd;
    s->want = want;
    s->mem = bench_channel_open(&s->ch, &s->methods[0]);
    va_channel_attach(&s->ch, now_ms());
}

static void top_up(side *s)
{
    static const uint8_t ping[] = { 0x08, 0x2a }; /* PingRequest{nonce=42} */
    while (s->inflight < (uint64_t)s->want) {
        va_job_id id;
        if (va_channel_call(&s->ch, VA_METHOD_PING, ping, sizeof ping, now_ms(), 0, done, s,
                            &id) != VA_OK) {
            break;
        }
        s->inflight++;
    }
}

/* One turn: write pending output, read what is there.  Returns -1 on EOF. */
static int turn(side *s, int block)
{
    static uint8_t buf[1 << 16];
    const uint8_t *out;
    size_t n = va_channel_output(&s->ch, &out);
    struct pollfd p = { .fd = s->fd, .events = POLLIN };

    if (n != 0) {
        ssize_t w = send(s->fd, out, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w > 0) {
            va_channel_consume(&s->ch, (size_t)w, 0);
        }
        if (va_channel_output(&s->ch, &out) != 0) {
            p.events |= POLLOUT;
        }
    }
    /* Block while there is nothing to write: a spinning process would keep
     * the CPU from its peer until the next scheduler tick. */
    if (poll(&p, 1, (block || !(p.events & POLLOUT)) ? 10 : 0) <= 0) {
        return 0;
    }
    if (p.revents & (POLLIN | POLLHUP)) {
        ssize_t r = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r == 0) {
            return -1;
        }
        if (r > 0) {
            (void)va_channel_input(&s->ch, buf, (size_t)r, 0);
        }
    }
    return 0;
}

/* The same I/O pattern as the raw ping-pong: write what is pending, then one
 * blocking read.  Isolates the core's own cost from the event loop's extra
 * syscall.  Returns -1 on EOF. */
static int turn_blocking(side *s)
{
    static uint8_t buf[1 << 16];
    const uint8_t *out;
    size_t n = va_channel_output(&s->ch, &out);
    while (n != 0) {
        ssize_t w = send(s->fd, out, n, MSG_NOSIGNAL);
        if (w <= 0) {
            return -1;
        }
        va_channel_consume(&s->ch, (size_t)w, 0);
        n = va_channel_output(&s->ch, &out);
    }
    ssize_t r = recv(s->fd, buf, sizeof buf, 0);
    if (r <= 0) {
        return -1;
    }
    (void)va_channel_input(&s->ch, buf, (size_t)r, 0);
    return 0;
}

/* Serve (and, with want > 0, also call) until the peer hangs up. */
static void serve(int fd, int want, int cpu, int blocking)
{
    side s;
    pin(cpu);
    side_init(&s, fd, want);
    for (;;) {
        top_up(&s);
        if ((blocking ? turn_blocking(&s) : turn(&s, 1)) < 0) {
            break;
        }
    }
    _exit(0);
}

/* Sequential: one call at a time from the parent.  blocking: both sides
 * drive their channel with a blocking read (the raw ping-pong's pattern);
 * otherwise with poll (an event loop's pattern, one more syscall). */
static double rpc_sequential(int cpu, int blocking)
{
    int sv[2];
    side s;
    uint64_t t0, t1;
    pid_t pid;

    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pid = fork();
    if (pid == 0) {
        close(sv[0]);
        serve(sv[1], 0, cpu, blocking);
    }
    close(sv[1]);
    pin(cpu);
    side_init(&s, sv[0], 1);
    /* warm up: HELLOs and a few calls (the first read may hold only HELLO) */
    while (s.completed < 10) {
        top_up(&s);
        if (blocking) {
            turn_blocking(&s);
        } else {
            turn(&s, 1);
        }
    }
    s.completed = 0;
    t0 = now_ns();
    do {
        for (int k = 0; k < 500; k++) {
            top_up(&s);
            if (blocking) {
                turn_blocking(&s);
            } else {
                turn(&s, 1);
            }
        }
        t1 = now_ns();
    } while ((double)(t1 - t0) < secs * 1e9);
    close(sv[0]);
    waitpid(pid, NULL, 0);
    pin(-1);
    free(s.mem);
    return (double)s.completed / ((double)(t1 - t0) / 1e9);
}

/* Pipelined: 64 in flight from each side at once; counts both sides'
 * completions (the child reports its count through a pipe). */
static double rpc_pipelined(int want)
{
    int sv[2], pp[2];
    side s;
    uint64_t t0, t1, child_done = 0, start_done;
    pid_t pid;

    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    if (pipe(pp) != 0) {
        return 0;
    }
    pid = fork();
    if (pid == 0) {
        side c;
        close(sv[0]);
        close(pp[0]);
        side_init(&c, sv[1], want);
        uint64_t end = now_ns() + (uint64_t)((secs + 0.2) * 1e9);
        uint64_t mark = 0;
        int marked = 0;
        while (now_ns() < end) {
            top_up(&c);
            if (turn(&c, 0) < 0) {
                break;
            }
            if (!marked && now_ns() + (uint64_t)(secs * 1e9) < end) {
                /* still warming up */
                mark = c.completed;
            } else {
                marked = 1;
            }
        }
        uint64_t n = c.completed - mark;
        if (write(pp[1], &n, sizeof n) != (ssize_t)sizeof n) {
            _exit(1);
        }
        _exit(0);
    }
    close(sv[1]);
    close(pp[1]);
    side_init(&s, sv[0], want);
    uint64_t warm = now_ns() + 200000000u;
    while (now_ns() < warm) {
        top_up(&s);
        turn(&s, 0);
    }
    start_done = s.completed;
    t0 = now_ns();
    do {
        top_up(&s);
        turn(&s, 0);
        t1 = now_ns();
    } while ((double)(t1 - t0) < secs * 1e9);
    uint64_t mine = s.completed - start_done;
    /* keep serving until the child reports */
    struct pollfd p = { .fd = pp[0], .events = POLLIN };
    while (poll(&p, 1, 0) == 0) {
        top_up(&s);
        turn(&s, 0);
    }
    if (read(pp[0], &child_done, sizeof child_done) != (ssize_t)sizeof child_done) {
        child_done = 0;
    }
    close(sv[0]);
    waitpid(pid, NULL, 0);
    free(s.mem);
    return (double)(mine + child_done) / ((double)(t1 - t0) / 1e9);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        secs = strtod(argv[1], NULL);
    }
    signal(SIGPIPE, SIG_IGN);
    double raw_pinned = raw_pingpong(0);
    double rpc_pinned = rpc_sequential(0, 0);
    double blk_pinned = rpc_sequential(0, 1);
    double raw_free = raw_pingpong(-1);
    double rpc_free = rpc_sequential(-1, 0);
    double blk_free = rpc_sequential(-1, 1);
    double pipe64 = rpc_pipelined(64);

    printf("%-44s %14s %8s\n", "figure", "per second", "ratio");
    printf("%-44s %14.0f %8s\n", "raw 32-byte ping-pong, pinned (1 CPU)", raw_pinned, "1.00");
    printf("%-44s %14.0f %8.2f\n", "sequential RPC, poll driver, pinned", rpc_pinned,
           rpc_pinned / raw_pinned);
    printf("%-44s %14.0f %8.2f\n", "sequential RPC, blocking driver, pinned", blk_pinned,
           blk_pinned / raw_pinned);
    printf("%-44s %14.0f %8s\n", "raw 32-byte ping-pong, unpinned", raw_free, "1.00");
    printf("%-44s %14.0f %8.2f\n", "sequential RPC, poll driver, unpinned", rpc_free,
           rpc_free / raw_free);
    printf("%-44s %14.0f %8.2f\n", "sequential RPC, blocking driver, unpinned", blk_free,
           blk_free / raw_free);
    printf("%-44s %14.0f\n", "pipelined RPCs, 64 in flight each way (total)", pipe64);
    printf("JSON {\"bench\":\"rpc\",\"raw_pinned\":%.0f,\"rpc_pinned\":%.0f,"
           "\"rpc_blocking_pinned\":%.0f,\"raw_unpinned\":%.0f,\"rpc_unpinned\":%.0f,"
           "\"rpc_blocking_unpinned\":%.0f,\"pipelined64\":%.0f}\n",
           raw_pinned, rpc_pinned, blk_pinned, raw_free, rpc_free, blk_free, pipe64);
    return 0;
}
