/* SPDX-License-Identifier: MIT */
/*
 * The real agents side by side, in one run, on this machine:
 *   - qemu-ga (Debian's qemu-guest-agent) as a plain process on a Unix
 *     socket, every RPC but guest-ping, guest-sync, guest-sync-delimited and guest-info blocked; the
 *     client sends guest-sync-delimited (with the 0xFF sentinel) first and
 *     then only guest-ping -- never a command that changes anything;
 *   - virtagent (tools/virtagent, --dry-run) on a Unix socket, driven by a
 *     va_channel that serves the host-side methods the agent calls;
 *   - a raw 32-byte socketpair ping-pong, the physical limit.
 * Sequential pings for a fixed time each; prints a table and a JSON line.
 *
 *   bench_agents [path/to/virtagent [seconds]]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "virtagent/va_channel.h"
#include "virtagent/va_codec.h"

#include "bench_util.h"

static double secs = 2.0;

static int connect_unix(const char *path, int tries)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    for (int i = 0; i < tries; i++) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
            return fd;
        }
        if (fd >= 0) {
            close(fd);
        }
        usleep(20000);
    }
    return -1;
}

static pid_t spawn(char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        int dn = open("/dev/null", O_RDWR);
        if (dn >= 0) {
            dup2(dn, 1);
            dup2(dn, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* SIGTERM, then SIGKILL after 2 s: a benchmark never hangs on a peer. */
static void stop(pid_t pid)
{
    if (pid <= 0) {
        return;
    }
    kill(pid, SIGTERM);
    for (int i = 0; i < 200; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            return;
        }
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* ---- raw ---- */

static double raw_pingpong(void)
{
    int sv[2];
    char buf[32];
    uint64_t n = 0, t0, t1;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        return 0;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        while (read(sv[1], buf, sizeof buf) == (ssize_t)sizeof buf &&
               write(sv[1], buf, sizeof buf) == (ssize_t)sizeof buf) {
        }
        _exit(0);
    }
    close(sv[1]);
    memset(buf, 'p', sizeof buf);
    t0 = now_ns();
    do {
        for (int k = 0; k < 500; k++, n++) {
            if (write(sv[0], buf, sizeof buf) != (ssize_t)sizeof buf ||
                read(sv[0], buf, sizeof buf) != (ssize_t)sizeof buf) {
                break;
            }
        }
        t1 = now_ns();
    } while ((double)(t1 - t0) < secs * 1e9);
    close(sv[0]);
    waitpid(pid, NULL, 0);
    return (double)n / ((double)(t1 - t0) / 1e9);
}

/* ---- qemu-ga ---- */

/* Read until `needle` was seen (responses end with a newline). */
static int read_until(int fd, const char *needle)
{
    char buf[4096];
    size_t have = 0;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 3000) <= 0) {
            return -1;
        }
        ssize_t r = read(fd, buf + have, sizeof buf - 1 - have);
        if (r <= 0) {
            return -1;
        }
        have += (size_t)r;
        buf[have] = '\0';
        if (memmem(buf, have, needle, strlen(needle)) != NULL && buf[have - 1] == '\n') {
            return 0;
        }
        if (have > sizeof buf / 2) {
            /* keep the tail */
            memmove(buf, buf + have - 256, 256);
            have = 256;
        }
    }
}

static double qemuga_ping(const char *dir)
{
    static const char *allowed[] = { "guest-ping", "guest-sync", "guest-sync-delimited",
                                     "guest-info", NULL };
    char sock[256], pidf[256], block[4096] = "";
    FILE *f = popen("qemu-ga -b help 2>&1", "r");
    char name[128];
    if (f == NULL) {
        return -1;
    }
    /* block everything but the read-only RPCs we use */
    while (fscanf(f, "%127s", name) == 1) {
        int ok = 0;
        for (int i = 0; allowed[i]; i++) {
            ok |= strcmp(name, allowed[i]) == 0;
        }
        if (!ok && strncmp(name, "guest-", 6) == 0 && strlen(block) + strlen(name) + 2 < sizeof block) {
            if (block[0]) {
                strcat(block, ",");
            }
            strcat(block, name);
        }
    }
    pclose(f);
    snprintf(sock, sizeof sock, "%s/qga.sock", dir);
    snprintf(pidf, sizeof pidf, "%s/qga.pid", dir);
    char *argv[] = { "qemu-ga", "-m", "unix-listen", "-p", sock, "-t", (char *)dir, "-f", pidf,
                     "-b", block, NULL };
    pid_t pid = spawn(argv);
    int fd = connect_unix(sock, 150);
    if (fd < 0) {
        stop(pid);
        return -1;
    }
    static const char sync[] = "\xff{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":4242}}\n";
    static const char ping[] = "{\"execute\":\"guest-ping\"}\n";
    if (write(fd, sync, sizeof sync - 1) < 0 || read_until(fd, "4242") != 0) {
        close(fd);
        stop(pid);
        return -1;
    }
    uint64_t n = 0, t0 = now_ns(), t1;
    do {
        for (int k = 0; k < 100; k++, n++) {
            if (write(fd, ping, sizeof ping - 1) < 0 || read_until(fd, "return") != 0) {
                close(fd);
                stop(pid);
                return -1;
            }
        }
        t1 = now_ns();
    } while ((double)(t1 - t0) < secs * 1e9);
    close(fd);
    stop(pid);
    return (double)n / ((double)(t1 - t0) / 1e9);
}

/* ---- virtagent ---- */

typedef struct host {
    va_channel ch;
    void *mem;
    va_method methods[2];
    int fd;
    int hello;
    uint64_t done, failed;
} host;

static void h_empty(va_channel *ch, va_job_id job, uint32_t method, const uint8_t *req,
                    uint32_t len, void *ctx)
{
    (void)method;
    (void)req;
    (void)len;
    (void)ctx;
    (void)va_channel_reply(ch, job, 0, NULL, 0);
}

static void on_event(va_channel *ch, const va_channel_event *ev, void *ctx)
{
    (void)ch;
    if (ev->kind == VA_CHANNEL_EV_HELLO) {
        ((host *)ctx)->hello = 1;
    }
}

static void done(va_channel *ch, va_job_id job, va_status st, int32_t code,
                 const uint8_t *resp, uint32_t len, void *ctx)
{
    host *h = ctx;
    (void)ch; (void)job; (void)code; (void)resp; (void)len;
    if (st == VA_STATUS_OK) {
        h->done++;
    } else {
        h->failed++;
    }
}

/* Flush output, then wait for input and feed it. */
static int host_turn(host *h)
{
    static uint8_t buf[65536];
    const uint8_t *out;
    size_t n = va_channel_output(&h->ch, &out);
    while (n != 0) {
        ssize_t w = write(h->fd, out, n);
        if (w <= 0) {
            return -1;
        }
        va_channel_consume(&h->ch, (size_t)w, now_ns() / 1000000u);
        n = va_channel_output(&h->ch, &out);
    }
    /* a synchronous client: a blocking read (with a receive timeout set
     * at connect) is one syscall, where poll + read is two */
    ssize_t r = read(h->fd, buf, sizeof buf);
    if (r <= 0) {
        return -1;
    }
    return va_channel_input(&h->ch, buf, (size_t)r, now_ns() / 1000000u);
}

static double virtagent_ping(const char *bin, const char *dir)
{
    char sock[256];
    host h;
    va_channel_config cfg;
    snprintf(sock, sizeof sock, "%s/va.sock", dir);
    char *argv[] = { (char *)bin, "-m", "unix-listen", "-p", sock, "--dry-run", NULL };
    pid_t pid = spawn(argv);
    memset(&h, 0, sizeof h);
    h.fd = connect_unix(sock, 150);
    if (h.fd < 0) {
        stop(pid);
        return -1;
    }
    struct timeval tv = { 3, 0 };
    (void)setsockopt(h.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    h.methods[0] = (va_method){ .id = VA_METHOD_ANNOUNCE, .name = "announce", .fn = h_empty, .enabled = 1 };
    h.methods[1] = (va_method){ .id = VA_METHOD_EVENT, .name = "event", .fn = h_empty, .enabled = 1 };
    va_channel_config_default(&cfg);
    cfg.methods = h.methods;
    cfg.nmethods = 2;
    cfg.keepalive_ms = 0;
    cfg.dead_peer_ms = 0;
    cfg.on_event = on_event;
    cfg.ctx = &h;
    size_t need = va_channel_memory_size(&cfg);
    h.mem = malloc(need);
    if (h.mem == NULL || va_channel_init(&h.ch, &cfg, h.mem, need) != VA_OK) {
        stop(pid);
        return -1;
    }
    va_channel_attach(&h.ch, now_ns() / 1000000u);
    while (!h.hello) {
        if (host_turn(&h) < 0) {
            stop(pid);
            return -1;
        }
    }
    static const uint8_t ping[] = { 0x08, 0x2a };
    uint64_t t0 = now_ns(), t1;
    do {
        for (int k = 0; k < 100; k++) {
            uint64_t before = h.done + h.failed;
            va_job_id id;
            if (va_channel_call(&h.ch, VA_METHOD_PING, ping, sizeof ping, now_ns() / 1000000u,
                                3000, done, &h, &id) != VA_OK) {
                break;
            }
            while (h.done + h.failed == before) {
                if (host_turn(&h) < 0) {
                    stop(pid);
                    return -1;
                }
            }
        }
        t1 = now_ns();
    } while ((double)(t1 - t0) < secs * 1e9);
    close(h.fd);
    stop(pid);
    free(h.mem);
    return h.failed ? -1 : (double)h.done / ((double)(t1 - t0) / 1e9);
}

int main(int argc, char **argv)
{
    const char *bin = argc > 1 ? argv[1] : "build/tools/virtagent";
    char dir[] = "/tmp/va-bench-XXXXXX";
    if (argc > 2) {
        secs = strtod(argv[2], NULL);
    }
    signal(SIGPIPE, SIG_IGN);
    if (mkdtemp(dir) == NULL) {
        return 1;
    }
    double raw = raw_pingpong();
    double qga = qemuga_ping(dir);
    double va = access(bin, X_OK) == 0 ? virtagent_ping(bin, dir) : -1;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", dir);
    }
    printf("%-48s %12s %10s\n", "sequential pings, unpinned", "per second", "x raw");
    printf("%-48s %12.0f %10.2f\n", "raw 32-byte socketpair ping-pong", raw, 1.0);
    printf("%-48s %12.0f %10.2f\n", "qemu-ga guest-ping (Unix socket)", qga, qga / raw);
    printf("%-48s %12.0f %10.2f\n", "virtagent ping (Unix socket, vactl-style host)", va, va / raw);
    if (qga > 0 && va > 0) {
        printf("%-48s %12s %10.2f\n", "virtagent / qemu-ga", "", va / qga);
    }
    printf("JSON {\"bench\":\"agents\",\"raw\":%.0f,\"qemu_ga\":%.0f,\"virtagent\":%.0f}\n", raw,
           qga, va);
    return 0;
}
