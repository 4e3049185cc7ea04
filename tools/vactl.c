/* SPDX-License-Identifier: MIT */
/*
 * vactl: the host-side CLI.  Connects to a virtagent, makes one call (or,
 * in session mode, many at once from stdin), and serves the host-side
 * methods the guest calls (Announce, Event) on the same channel.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "va_tool.h"
#include "virtagent/va_channel.h"
#include "virtagent/va_codec.h"
#include "virtagent/va_link.h"
#include "virtagent/va_loop.h"
#include "virtagent/va_transport.h"

#ifndef VA_VERSION
#define VA_VERSION "0.0.0"
#endif

/* Exit codes: documented in --help and docs/vactl.1.md. */
enum {
    EXIT_OK = 0,
    EXIT_REMOTE = 1,   /* the agent answered with an error (incl. disabled, busy) */
    EXIT_USAGE = 2,    /* bad command line */
    EXIT_CONN = 3,     /* could not connect, or disconnected before the answer */
    EXIT_TIMEOUT = 4,  /* no answer within --timeout */
};

#define DEFAULT_TIMEOUT_MS 5000u
#define DEFAULT_BENCH_COUNT 10000u
/* Calls in flight at once in a session; the channel's client limit. */
#define CALLS_MAX 64u
#define LINE_MAX_LEN 4096u

typedef struct pending {
    bool used;
    uint32_t num;       /* session call number, shown as [N] */
    uint32_t method;
    va_job_id job;
    uint64_t t0_ns;
} pending;

typedef struct ctl {
    /* options */
    char method[32];
    char path[VA_ADDR_TEXT_MAX];
    uint64_t timeout_ms;
    bool json;
    bool quiet;
    uint32_t garbage;
    /* mode */
    enum { MODE_ONESHOT, MODE_SESSION, MODE_BENCH } mode;
    /* runtime */
    va_loop loop;
    bool loop_up;
    va_channel ch;
    void *chmem;
    va_link link;
    va_method host_methods[2];
    pending calls[CALLS_MAX];
    uint32_t inflight;
    uint32_t next_num;
    int exit_code;
    bool finished;
    /* session */
    uint32_t stdin_watch;
    bool stdin_eof;
    char line[LINE_MAX_LEN + 1u];
    size_t line_len;
    bool line_overflow;
    /* bench */
    uint64_t bench_count, bench_done, bench_t0;
} ctl;

static ctl C;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *f)
{
    fprintf(f,
"Usage: vactl [OPTION]... COMMAND [ARG]...\n"
"Talk to a virtagent guest agent: call its methods, watch its events.\n"
"\n"
"Options (before the command):\n"
"  -m, --method=METHOD   unix (default), tcp, vsock, virtio-serial, isa-serial\n"
"  -p, --path=PATH       socket path (unix), HOST:PORT (tcp), CID:PORT (vsock), device\n"
"  -t, --timeout=MS      deadline of each call and of the connect (default %u)\n"
"  -j, --json            print results as JSON, one object per line\n"
"  -q, --quiet           print nothing on success (exit status only)\n"
"      --test-garbage=N  TESTING ONLY: write N random bytes before the protocol starts\n"
"  -V, --version         print the version and exit\n"
"  -h, --help            print this help and exit\n"
"\n"
"Commands:\n"
"  ping [--nonce N]             round trip; prints the echoed nonce and the time\n"
"  capabilities                 version, methods (enabled or disabled), limits\n"
"  info                         host name, OS, kernel, uptime, agent version\n"
"  shutdown --mode MODE         MODE: powerdown, halt or reboot (the agent replies,\n"
"                               announces SHUTDOWN_STARTED, then runs its command)\n"
"  call METHOD [--json JSON]    any method by name (Ping, GuestAgent.Info, ...) with a\n"
"                               flat JSON request, e.g. call Ping --json '{\"nonce\":7}'\n"
"  session | monitor            stay connected: print guest announces and events as\n"
"                               they arrive, and run commands read from stdin, one per\n"
"                               line, several at once; results print as they complete:\n"
"                                 ping [N] | info | capabilities | shutdown MODE |\n"
"                                 call METHOD JSON | cancel N | help | quit\n"
"                               stdin EOF or quit: exit once calls in flight are done\n"
"  bench [--count N]            N sequential pings on one connection (default %u);\n"
"                               prints the rate\n"
"\n"
"Exit status:\n"
"  0  ok\n"
"  1  remote error: the agent answered with an error (disabled, bad request, busy...)\n"
"  2  usage error\n"
"  3  connection failure, or disconnected before the answer\n"
"  4  timeout: no answer within --timeout\n"
"A session exits 0, or 3 if the agent went away.\n",
            DEFAULT_TIMEOUT_MS, DEFAULT_BENCH_COUNT);
}

/* ---- output --------------------------------------------------------------- */

static const char *code_name(int32_t code, char *buf, size_t len)
{
    const char *n = vt_enum_name(&virtagent__status_code__descriptor, code, buf, len);
    if (n == NULL) {
        snprintf(buf, len, "code %d", (int)code);
        n = buf;
    }
    return n;
}

static int status_exit(va_status st)
{
    switch (st) {
    case VA_STATUS_OK: return EXIT_OK;
    case VA_STATUS_TIMED_OUT: return EXIT_TIMEOUT;
    case VA_STATUS_DISCONNECTED: return EXIT_CONN;
    default: return EXIT_REMOTE;
    }
}

/* Decode and print a result.  Returns the exit code it stands for. */
static int print_result(const pending *p, va_status st, int32_t code, const uint8_t *resp,
                        uint32_t len)
{
    static uint8_t mem[VA_CODEC_ARENA_FOR(VA_DEFAULT_MAX_PAYLOAD)];
    static va_arena arena;
    ProtobufCMessage *m = NULL;
    char mname[48];
    char cbuf[48];
    double ms = (double)(now_ns() - p->t0_ns) / 1e6;
    bool session = C.mode == MODE_SESSION;
    int ex = status_exit(st);

    vt_method_name(p->method, mname, sizeof mname);
    if (st == VA_STATUS_OK) {
        if (arena.base == NULL) {
            (void)va_arena_init(&arena, mem, sizeof mem, SIZE_MAX);
        }
        if (va_codec_decode_payload(&arena, p->method, true, resp, len, &m) != VA_OK) {
            m = NULL;
            ex = EXIT_REMOTE;
        }
    }
    if (C.quiet && ex == EXIT_OK) {
        return ex;
    }
    if (C.json) {
        FILE *f = stdout;
        if (session) {
            fprintf(f, "{\"id\":%" PRIu32 ",\"method\":\"%s\",\"ms\":%.3f,", p->num, mname, ms);
        } else if (m != NULL) {
            vt_print_json(f, m);
            fputc('\n', f);
            return ex;
        } else {
            fputc('{', f);
        }
        if (m != NULL) {
            fputs("\"status\":\"ok\",\"result\":", f);
            vt_print_json(f, m);
        } else {
            fprintf(f, "\"error\":{\"status\":\"%s\"", st == VA_STATUS_OK ? "bad response"
                                                                           : va_status_str(st));
            if (st == VA_STATUS_REMOTE_ERROR || st == VA_STATUS_REJECTED) {
                fprintf(f, ",\"code\":\"%s\",\"message\":", code_name(code, cbuf, sizeof cbuf));
                vt_print_str(f, resp != NULL ? (const char *)resp : "", resp != NULL ? len : 0u,
                             true);
            }
            fputc('}', f);
        }
        fputs("}\n", f);
        return ex;
    }
    if (m != NULL) {
        FILE *f = stdout;
        if (session) {
            fprintf(f, "[%" PRIu32 "] %s: ok (%.3f ms)\n", p->num, mname, ms);
        }
        if (p->method == VA_METHOD_PING) {
            const Virtagent__PingResponse *r = (const Virtagent__PingResponse *)(void *)m;
            fprintf(f, "%spong: nonce %" PRIu64 ", %.3f ms\n", session ? "    " : "", r->nonce,
                    ms);
        } else {
            vt_print_text(f, m, session ? "    " : "");
        }
        return ex;
    }
    {
        FILE *f = session ? stdout : stderr;
        if (session) {
            fprintf(f, "[%" PRIu32 "] %s: ", p->num, mname);
        } else {
            fprintf(f, "vactl: %s: ", mname);
        }
        if (st == VA_STATUS_OK) {
            fputs("malformed response\n", f);
        } else if (st == VA_STATUS_REMOTE_ERROR || st == VA_STATUS_REJECTED) {
            fprintf(f, "%s: %s: ", va_status_str(st), code_name(code, cbuf, sizeof cbuf));
            vt_print_str(f, resp != NULL ? (const char *)resp : "", resp != NULL ? len : 0u, false);
            fputc('\n', f);
        } else if (st == VA_STATUS_TIMED_OUT) {
            fprintf(f, "timed out after %" PRIu64 " ms\n", C.timeout_ms);
        } else {
            fprintf(f, "%s\n", va_status_str(st));
        }
    }
    return ex;
}

/* ---- calls ------------------------------------------------------------------ */

static void maybe_finish(void)
{
    if (C.mode == MODE_SESSION && C.stdin_eof && C.inflight == 0u) {
        C.finished = true;
        va_loop_stop(&C.loop);
    }
}

static int start_call(uint32_t method, const ProtobufCMessage *req);

static void call_done(va_channel *ch, va_job_id job, va_status st, int32_t code,
                      const uint8_t *resp, uint32_t len, void *ctx)
{
    pending *p = ctx;
    int ex;
    (void)ch;
    (void)job;

    p->used = false;
    C.inflight--;
    if (C.mode == MODE_BENCH) {
        if (st != VA_STATUS_OK) {
            C.exit_code = print_result(p, st, code, resp, len);
            C.finished = true;
            va_loop_stop(&C.loop);
            return;
        }
        if (++C.bench_done < C.bench_count) {
            Virtagent__PingRequest r = VIRTAGENT__PING_REQUEST__INIT;
            r.has_nonce = 1;
            r.nonce = C.bench_done;
            if (start_call(VA_METHOD_PING, &r.base) != EXIT_OK) {
                C.exit_code = EXIT_REMOTE;
                C.finished = true;
                va_loop_stop(&C.loop);
            }
            return;
        }
        C.finished = true;
        va_loop_stop(&C.loop);
        return;
    }
    ex = print_result(p, st, code, resp, len);
    if (C.mode == MODE_ONESHOT) {
        C.exit_code = ex;
        C.finished = true;
        va_loop_stop(&C.loop);
        return;
    }
    fflush(stdout);
    maybe_finish();
}

/* Encode and send; returns an exit code (EXIT_OK when the call is on its way). */
static int start_call(uint32_t method, const ProtobufCMessage *req)
{
    uint8_t buf[VA_DEFAULT_MAX_PAYLOAD];
    size_t len = 0;
    pending *p = NULL;
    int rc;

    for (uint32_t i = 0; i < CALLS_MAX; i++) {
        if (!C.calls[i].used) {
            p = &C.calls[i];
            break;
        }
    }
    if (p == NULL) {
        fprintf(stderr, "vactl: too many calls in flight (%u)\n", CALLS_MAX);
        return EXIT_REMOTE;
    }
    rc = va_codec_encode_payload(method, false, req, buf, sizeof buf, &len);
    if (rc != VA_OK) {
        fprintf(stderr, "vactl: cannot encode the request: %s\n", va_strerror(rc));
        return EXIT_USAGE;
    }
    p->num = ++C.next_num;
    p->method = method;
    p->t0_ns = now_ns();
    rc = va_channel_call(&C.ch, method, buf, (uint32_t)len, va_loop_now_ms(), C.timeout_ms,
                         call_done, p, &p->job);
    if (rc != VA_OK) {
        fprintf(stderr, "vactl: cannot call: %s\n", va_strerror(rc));
        return rc == VA_ERR_TOOBIG ? EXIT_USAGE : EXIT_REMOTE;
    }
    p->used = true;
    C.inflight++;
    return EXIT_OK;
}

/* Build a request from a command and its arguments (argv style).  Returns
 * EXIT_OK with *method and the message in msgbuf, or EXIT_USAGE. */
static _Alignas(max_align_t) uint8_t msgbuf[1024];
static char strpool[VT_JSON_POOL];

static int parse_mode(const char *s, Virtagent__ShutdownRequest__Mode *m)
{
    if (strcasecmp(s, "powerdown") == 0 || strcasecmp(s, "poweroff") == 0) {
        *m = VIRTAGENT__SHUTDOWN_REQUEST__MODE__POWERDOWN;
    } else if (strcasecmp(s, "halt") == 0) {
        *m = VIRTAGENT__SHUTDOWN_REQUEST__MODE__HALT;
    } else if (strcasecmp(s, "reboot") == 0) {
        *m = VIRTAGENT__SHUTDOWN_REQUEST__MODE__REBOOT;
    } else {
        fprintf(stderr, "vactl: shutdown: bad mode '%s' (powerdown, halt or reboot)\n", s);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int parse_u64(const char *s, uint64_t *out, const char *what)
{
    char *end = NULL;
    unsigned long long v;
    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-') {
        fprintf(stderr, "vactl: bad %s: '%s'\n", what, s);
        return EXIT_USAGE;
    }
    *out = (uint64_t)v;
    return EXIT_OK;
}

static int build_request(int argc, char **argv, uint32_t *method, ProtobufCMessage **out)
{
    const char *cmd = argv[0];

    if (strcmp(cmd, "ping") == 0) {
        Virtagent__PingRequest *r = (Virtagent__PingRequest *)(void *)msgbuf;
        uint64_t nonce = (uint64_t)now_ns();
        virtagent__ping_request__init(r);
        if (argc == 3 && strcmp(argv[1], "--nonce") == 0) {
            if (parse_u64(argv[2], &nonce, "nonce") != EXIT_OK) {
                return EXIT_USAGE;
            }
        } else if (argc == 2) {
            if (parse_u64(argv[1], &nonce, "nonce") != EXIT_OK) {
                return EXIT_USAGE;
            }
        } else if (argc != 1) {
            fprintf(stderr, "vactl: usage: ping [--nonce N]\n");
            return EXIT_USAGE;
        }
        r->has_nonce = 1;
        r->nonce = nonce;
        *method = VA_METHOD_PING;
        *out = &r->base;
        return EXIT_OK;
    }
    if (strcmp(cmd, "info") == 0 || strcmp(cmd, "capabilities") == 0 ||
        strcmp(cmd, "caps") == 0) {
        if (argc != 1) {
            fprintf(stderr, "vactl: %s takes no arguments\n", cmd);
            return EXIT_USAGE;
        }
        if (strcmp(cmd, "info") == 0) {
            virtagent__info_request__init((Virtagent__InfoRequest *)(void *)msgbuf);
            *method = VA_METHOD_INFO;
        } else {
            virtagent__capabilities_request__init((Virtagent__CapabilitiesRequest *)(void *)msgbuf);
            *method = VA_METHOD_CAPABILITIES;
        }
        *out = (ProtobufCMessage *)(void *)msgbuf;
        return EXIT_OK;
    }
    if (strcmp(cmd, "shutdown") == 0) {
        Virtagent__ShutdownRequest *r = (Virtagent__ShutdownRequest *)(void *)msgbuf;
        Virtagent__ShutdownRequest__Mode mode;
        const char *ms = NULL;
        virtagent__shutdown_request__init(r);
        if (argc == 3 && strcmp(argv[1], "--mode") == 0) {
            ms = argv[2];
        } else if (argc == 2 && strncmp(argv[1], "--mode=", 7) == 0) {
            ms = argv[1] + 7;
        } else if (argc == 2 && argv[1][0] != '-') {
            ms = argv[1];
        } else {
            fprintf(stderr, "vactl: usage: shutdown --mode powerdown|halt|reboot\n");
            return EXIT_USAGE;
        }
        if (parse_mode(ms, &mode) != EXIT_OK) {
            return EXIT_USAGE;
        }
        r->has_mode = 1;
        r->mode = mode;
        *method = VA_METHOD_SHUTDOWN;
        *out = &r->base;
        return EXIT_OK;
    }
    if (strcmp(cmd, "call") == 0) {
        const ProtobufCMethodDescriptor *md;
        const char *json = "{}";
        char err[160];
        if (argc == 4 && strcmp(argv[2], "--json") == 0) {
            json = argv[3];
        } else if (argc == 3 && strncmp(argv[2], "--json=", 7) == 0) {
            json = argv[2] + 7;
        } else if (argc == 3) {
            json = argv[2];
        } else if (argc != 2) {
            fprintf(stderr, "vactl: usage: call METHOD [--json '{...}']\n");
            return EXIT_USAGE;
        }
        if (va_codec_method_id(argv[1], method) != VA_OK ||
            (md = va_codec_method(*method)) == NULL) {
            fprintf(stderr, "vactl: unknown method '%s'\n", argv[1]);
            return EXIT_USAGE;
        }
        if (md->input->sizeof_message > sizeof msgbuf) {
            fprintf(stderr, "vactl: request type too large\n");
            return EXIT_USAGE;
        }
        if (vt_json_to_message(json, md->input, msgbuf, strpool, sizeof strpool, err,
                               sizeof err) != VA_OK) {
            fprintf(stderr, "vactl: call %s: %s\n", argv[1], err);
            return EXIT_USAGE;
        }
        *out = (ProtobufCMessage *)(void *)msgbuf;
        return EXIT_OK;
    }
    fprintf(stderr, "vactl: unknown command '%s' (try --help)\n", cmd);
    return EXIT_USAGE;
}

/* ---- host-side methods (the guest calls these) ------------------------------ */

static void h_host(va_channel *ch, va_job_id job, uint32_t method, const uint8_t *req,
                   uint32_t len, void *ctx)
{
    static uint8_t mem[VA_CODEC_ARENA_FOR(VA_DEFAULT_MAX_PAYLOAD)];
    static va_arena arena;
    ProtobufCMessage *m = NULL;
    (void)ctx;

    if (arena.base == NULL) {
        (void)va_arena_init(&arena, mem, sizeof mem, SIZE_MAX);
    }
    if (va_codec_decode_payload(&arena, method, false, req, len, &m) != VA_OK) {
        static const char msg[] = "request did not decode";
        (void)va_channel_reply(ch, job, VIRTAGENT__STATUS_CODE__BAD_REQUEST,
                               (const uint8_t *)msg, (uint32_t)strlen(msg));
        return;
    }
    if (C.mode == MODE_SESSION) {
        if (C.json) {
            fputs(method == VA_METHOD_ANNOUNCE ? "{\"event\":\"announce\",\"data\":"
                                               : "{\"event\":\"guest_event\",\"data\":", stdout);
            vt_print_json(stdout, m);
            fputs("}\n", stdout);
        } else if (method == VA_METHOD_ANNOUNCE) {
            const Virtagent__AnnounceRequest *a = (const Virtagent__AnnounceRequest *)(void *)m;
            const char *v = a->agent_version != NULL ? a->agent_version : "?";
            fputs("guest announced: version ", stdout);
            vt_print_str(stdout, v, strlen(v), false);
            printf(", protocol %" PRIu32 ", methods:", a->protocol_version);
            for (size_t i = 0; i < a->n_capabilities; i++) {
                const char *n = a->capabilities[i]->name != NULL ? a->capabilities[i]->name : "?";
                fputs(i == 0 ? " " : ", ", stdout);
                vt_print_str(stdout, n, strlen(n), false);
                if (!a->capabilities[i]->enabled) {
                    fputs(" (disabled)", stdout);
                }
            }
            fputc('\n', stdout);
        } else {
            const Virtagent__EventRequest *e = (const Virtagent__EventRequest *)(void *)m;
            char kb[48];
            const char *k = vt_enum_name(&virtagent__event_request__kind__descriptor, e->kind, kb,
                                         sizeof kb);
            printf("guest event: %s", k != NULL ? k : "?");
            if (e->text != NULL) {
                fputs(" (", stdout);
                vt_print_str(stdout, e->text, strlen(e->text), false);
                fputc(')', stdout);
            }
            fputc('\n', stdout);
        }
        fflush(stdout);
    }
    /* AnnounceResponse and EventResponse are empty messages */
    (void)va_channel_reply(ch, job, VA_RESULT_CODE_OK, NULL, 0);
}

/* ---- session: commands from stdin --------------------------------------------- */

static void session_help(void)
{
    puts("commands: ping [N] | info | capabilities | shutdown MODE | call METHOD [JSON] |"
         " cancel N | help | quit");
}

static void session_cancel(const char *arg)
{
    uint64_t n = 0;
    if (arg == NULL || parse_u64(arg, &n, "call number") != EXIT_OK) {
        puts("usage: cancel N");
        return;
    }
    for (uint32_t i = 0; i < CALLS_MAX; i++) {
        if (C.calls[i].used && C.calls[i].num == n) {
            /* the completion (cancelled) prints the result */
            if (va_channel_cancel(&C.ch, C.calls[i].job) != VA_OK) {
                printf("[%" PRIu64 "] cannot cancel\n", n);
            }
            return;
        }
    }
    printf("[%" PRIu64 "] no such call in flight\n", n);
}

static void session_line(char *line)
{
    char *argv[4] = { NULL, NULL, NULL, NULL };
    int argc = 0;
    char *s = line;
    uint32_t method = 0;
    ProtobufCMessage *req = NULL;

    /* words; for `call` the rest after the method is one JSON argument */
    while (*s != '\0' && argc < 4) {
        while (*s == ' ' || *s == '\t') {
            s++;
        }
        if (*s == '\0') {
            break;
        }
        if (argc == 2 && strcmp(argv[0], "call") == 0) {
            argv[argc++] = s;
            break;
        }
        argv[argc++] = s;
        while (*s != '\0' && *s != ' ' && *s != '\t') {
            s++;
        }
        if (*s != '\0') {
            *s++ = '\0';
        }
    }
    if (argc == 0 || argv[0][0] == '#') {
        return;
    }
    if (strcmp(argv[0], "quit") == 0 || strcmp(argv[0], "exit") == 0) {
        C.stdin_eof = true;
        (void)va_loop_del(&C.loop, C.stdin_watch);
        maybe_finish();
        return;
    }
    if (strcmp(argv[0], "help") == 0) {
        session_help();
        return;
    }
    if (strcmp(argv[0], "cancel") == 0) {
        session_cancel(argv[1]);
        return;
    }
    if (build_request(argc, argv, &method, &req) != EXIT_OK) {
        return;
    }
    if (start_call(method, req) == EXIT_OK && !C.json && !C.quiet) {
        char n[48];
        printf("[%" PRIu32 "] sent %s\n", C.next_num, vt_method_name(method, n, sizeof n));
    }
    va_link_kick(&C.link);
}

static void on_stdin(va_loop *loop, const va_loop_event *ev, void *arg)
{
    char buf[4096];
    ssize_t n;
    (void)loop;
    (void)ev;
    (void)arg;

    n = read(0, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (n <= 0) {
        C.stdin_eof = true;
        (void)va_loop_del(&C.loop, C.stdin_watch);
        if (C.line_len != 0u && !C.line_overflow) {
            C.line[C.line_len] = '\0';
            C.line_len = 0;
            session_line(C.line);
        }
        maybe_finish();
        return;
    }
    for (ssize_t i = 0; i < n && !C.finished; i++) {
        char c = buf[i];
        if (c == '\n') {
            C.line[C.line_len] = '\0';
            if (C.line_overflow) {
                puts("line too long: ignored");
            } else {
                session_line(C.line);
            }
            C.line_len = 0;
            C.line_overflow = false;
            if (C.stdin_eof) {
                break; /* quit */
            }
        } else if (C.line_len < LINE_MAX_LEN) {
            C.line[C.line_len++] = c == '\r' ? ' ' : c;
        } else {
            C.line_overflow = true;
        }
    }
    fflush(stdout);
}

/* ---- connection ------------------------------------------------------------------ */

static void on_link_down(va_link *l, int reason, void *ctx)
{
    (void)l;
    (void)ctx;
    if (C.finished) {
        return;
    }
    if (C.mode == MODE_SESSION) {
        if (C.json) {
            printf("{\"event\":\"disconnected\",\"reason\":\"%s\"}\n", va_strerror(reason));
        } else {
            printf("disconnected: %s\n", reason == VA_ERR_CLOSED ? "the agent closed the stream"
                                                                 : va_strerror(reason));
        }
        fflush(stdout);
    }
    /* calls in flight already completed DISCONNECTED during the detach */
    C.exit_code = EXIT_CONN;
    C.finished = true;
    va_loop_stop(&C.loop);
}

static void write_garbage(int fd, uint32_t n)
{
    uint64_t x = now_ns() | 1u;
    uint8_t buf[256];
    while (n > 0u) {
        uint32_t k = n < sizeof buf ? n : (uint32_t)sizeof buf;
        for (uint32_t i = 0; i < k; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[i] = (uint8_t)x;
        }
        if (write(fd, buf, k) != (ssize_t)k) {
            return;
        }
        n -= k;
    }
}

static int connect_agent(void)
{
    va_addr addr;
    va_fd_stream s;
    va_channel_config cfg;
    size_t need;
    int rc;

    if (va_addr_from_method(&addr, C.method, C.path) != VA_OK || va_addr_is_listen(&addr)) {
        fprintf(stderr, "vactl: bad address: -m %s -p '%s'\n", C.method, C.path);
        return EXIT_USAGE;
    }
    C.host_methods[0] = (va_method){ .id = VA_METHOD_ANNOUNCE, .name = "HostAgent.Announce",
                                     .fn = h_host, .enabled = 1 };
    C.host_methods[1] = (va_method){ .id = VA_METHOD_EVENT, .name = "HostAgent.Event",
                                     .fn = h_host, .enabled = 1 };
    va_channel_config_default(&cfg);
    cfg.limits.client_max = CALLS_MAX;
    cfg.methods = C.host_methods;
    cfg.nmethods = 2;
    cfg.agent_name = "vactl";
    cfg.agent_version = VA_VERSION;
    if (C.mode == MODE_ONESHOT) {
        cfg.keepalive_ms = 0; /* the call's deadline covers a silent agent */
        cfg.dead_peer_ms = 0;
    }
    need = va_channel_memory_size(&cfg);
    C.chmem = malloc(need);
    if (C.chmem == NULL || va_channel_init(&C.ch, &cfg, C.chmem, need) != VA_OK) {
        fprintf(stderr, "vactl: cannot set up the channel\n");
        return EXIT_CONN;
    }
    if (va_loop_init(&C.loop) != VA_OK) {
        fprintf(stderr, "vactl: cannot create the event loop\n");
        return EXIT_CONN;
    }
    C.loop_up = true;
    rc = va_transport_open(&s, &addr, (int)C.timeout_ms);
    if (rc != VA_OK) {
        fprintf(stderr, "vactl: cannot connect to %s:%s: %s%s%s\n", va_addr_kind_name(addr.kind),
                addr.path, va_strerror(rc), s.sys_errno != 0 ? ": " : "",
                s.sys_errno != 0 ? strerror(s.sys_errno) : "");
        return rc == VA_ERR_TIMEOUT ? EXIT_TIMEOUT : EXIT_CONN;
    }
    if (C.garbage != 0u) {
        write_garbage(s.fd, C.garbage);
    }
    (void)va_link_init(&C.link, &C.loop, &C.ch, on_link_down, NULL);
    if (va_link_attach(&C.link, &s) != VA_OK) {
        fprintf(stderr, "vactl: cannot attach the stream\n");
        return EXIT_CONN;
    }
    return EXIT_OK;
}

/* ---- main ------------------------------------------------------------------------ */

static const struct option longopts[] = {
    { "method", required_argument, NULL, 'm' },
    { "path", required_argument, NULL, 'p' },
    { "timeout", required_argument, NULL, 't' },
    { "json", no_argument, NULL, 'j' },
    { "quiet", no_argument, NULL, 'q' },
    { "test-garbage", required_argument, NULL, 'G' },
    { "version", no_argument, NULL, 'V' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

static int run_bench(int argc, char **argv)
{
    uint64_t count = DEFAULT_BENCH_COUNT;
    Virtagent__PingRequest r = VIRTAGENT__PING_REQUEST__INIT;
    double s;

    if (argc == 3 && strcmp(argv[1], "--count") == 0) {
        if (parse_u64(argv[2], &count, "count") != EXIT_OK || count == 0u) {
            return EXIT_USAGE;
        }
    } else if (argc != 1) {
        fprintf(stderr, "vactl: usage: bench [--count N]\n");
        return EXIT_USAGE;
    }
    C.bench_count = count;
    C.bench_t0 = now_ns();
    r.has_nonce = 1;
    r.nonce = 0;
    if (start_call(VA_METHOD_PING, &r.base) != EXIT_OK) {
        return EXIT_REMOTE;
    }
    va_link_kick(&C.link);
    while (!C.finished && va_loop_run_once(&C.loop, -1) == VA_OK) {
    }
    if (C.bench_done < C.bench_count) {
        return C.exit_code != EXIT_OK ? C.exit_code : EXIT_CONN;
    }
    s = (double)(now_ns() - C.bench_t0) / 1e9;
    if (C.json) {
        printf("{\"count\":%" PRIu64 ",\"seconds\":%.6f,\"per_second\":%.0f,\"rtt_us\":%.3f}\n",
               count, s, (double)count / s, s * 1e6 / (double)count);
    } else {
        printf("bench: %" PRIu64 " sequential pings in %.3f s: %.0f pings/s, %.2f us per "
               "round trip\n", count, s, (double)count / s, s * 1e6 / (double)count);
    }
    return EXIT_OK;
}

static int run(int argc, char **argv)
{
    const char *cmd;
    int c;
    int rc;

    snprintf(C.method, sizeof C.method, "unix");
    C.timeout_ms = DEFAULT_TIMEOUT_MS;
    C.exit_code = EXIT_OK;
    while ((c = getopt_long(argc, argv, "+m:p:t:jqVh", longopts, NULL)) != -1) {
        uint64_t v = 0;
        switch (c) {
        case 'm':
            snprintf(C.method, sizeof C.method, "%s", optarg);
            break;
        case 'p':
            if (strlen(optarg) >= sizeof C.path) {
                fprintf(stderr, "vactl: path too long\n");
                return EXIT_USAGE;
            }
            snprintf(C.path, sizeof C.path, "%s", optarg);
            break;
        case 't':
            if (parse_u64(optarg, &v, "timeout") != EXIT_OK || v == 0u || v > INT32_MAX) {
                return EXIT_USAGE;
            }
            C.timeout_ms = v;
            break;
        case 'j': C.json = true; break;
        case 'q': C.quiet = true; break;
        case 'G':
            if (parse_u64(optarg, &v, "garbage size") != EXIT_OK || v > 1000000u) {
                return EXIT_USAGE;
            }
            C.garbage = (uint32_t)v;
            break;
        case 'V': printf("vactl %s (protocol %u)\n", VA_VERSION, VA_PROTOCOL_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (C.path[0] == '\0') {
        fprintf(stderr, "vactl: -p PATH is required (the agent's socket or device)\n");
        return EXIT_USAGE;
    }
    argc -= optind;
    argv += optind;
    cmd = argv[0];
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(cmd, "session") == 0 || strcmp(cmd, "monitor") == 0) {
        if (argc != 1) {
            fprintf(stderr, "vactl: %s takes no arguments\n", cmd);
            return EXIT_USAGE;
        }
        C.mode = MODE_SESSION;
        setvbuf(stdout, NULL, _IOLBF, 0);
        rc = connect_agent();
        if (rc != EXIT_OK) {
            return rc;
        }
        if (va_loop_add_fd(&C.loop, 0, VA_EV_READ, on_stdin, NULL, &C.stdin_watch) != VA_OK) {
            /* stdin that epoll refuses (a regular file, /dev/null): no commands */
            C.stdin_eof = true;
            puts("(stdin is not pollable: monitoring only; stop with Ctrl-C)");
        }
        while (!C.finished && va_loop_run_once(&C.loop, -1) == VA_OK) {
        }
        va_link_close(&C.link);
        return C.exit_code;
    }
    if (strcmp(cmd, "bench") == 0) {
        C.mode = MODE_BENCH;
        rc = connect_agent();
        if (rc != EXIT_OK) {
            return rc;
        }
        rc = run_bench(argc, argv);
        va_link_close(&C.link);
        return rc;
    }
    {
        uint32_t method = 0;
        ProtobufCMessage *req = NULL;
        C.mode = MODE_ONESHOT;
        rc = build_request(argc, argv, &method, &req);
        if (rc != EXIT_OK) {
            return rc;
        }
        rc = connect_agent();
        if (rc != EXIT_OK) {
            return rc;
        }
        rc = start_call(method, req);
        if (rc != EXIT_OK) {
            return rc;
        }
        va_link_kick(&C.link);
        while (!C.finished && va_loop_run_once(&C.loop, -1) == VA_OK) {
        }
        va_link_close(&C.link);
        return C.exit_code;
    }
}

int main(int argc, char **argv)
{
    int rc = run(argc, argv);
    /* leave no descriptor behind (valgrind --track-fds checks it) */
    if (C.loop_up) {
        va_loop_fini(&C.loop);
    }
    free(C.chmem);
    return rc;
}
