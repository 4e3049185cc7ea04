/* SPDX-License-Identifier: MIT */
/*
 * virtagent: the guest agent daemon.
 *
 * Serves GuestAgent (ping, capabilities, info, shutdown) to the host over
 * one stream and calls HostAgent (announce, events) on it, both at once on
 * the same channel.  One host connection at a time: on a *-listen method
 * the next connection waits in the listen backlog until the current one
 * ends (like qemu-ga); on a device or an outgoing connection, the agent
 * reopens/reconnects with backoff whenever the stream goes away.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <syslog.h>
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

#define DEFAULT_CONFIG "/etc/virtagent/virtagent.conf"
#define DEFAULT_VIRTIO_PATH "/dev/virtio-ports/org.virtagent.0"
#define DEFAULT_ISA_PATH "/dev/ttyS0"
/* Host HELLO -> our heartbeat period unless configured. */
#define DEFAULT_HEARTBEAT_MS 30000u
/* Reconnect backoff: first retry, doubling up to the cap; reset by a HELLO
 * (a real host answered), so a flapping device does not spin. */
#define BACKOFF_MIN_MS 100u
#define BACKOFF_MAX_MS 2000u
/* Deadline of our own calls to the host (announce, events). */
#define HOST_CALL_TIMEOUT_MS 10000u
/* How long the reply to Shutdown (and the SHUTDOWN_STARTED event) may take
 * to leave before the command runs anyway. */
#define SHUTDOWN_FLUSH_MS 2000
/* How long AGENT_STOPPING may take to leave at SIGTERM. */
#define STOP_FLUSH_MS 500
/* Largest --test-events-per-heartbeat: the host's in-flight limit (64 by
 * default) refuses more anyway. */
#define TEST_EVENTS_MAX 1024u
/* Delayed (test) requests held at once; exec_max bounds it further. */
#define HELD_MAX 64u
#define NGUEST 4u
#define LIST_MAX 512u

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

typedef struct opts {
    char method[32];
    char path[VA_ADDR_TEXT_MAX];
    char allow[LIST_MAX];
    char block[LIST_MAX];
    char pidfile[256];
    char shutdown_cmd[512];
    bool have_allow, have_block;
    bool syslog;
    bool dry_run;
    int verbose;
    uint32_t heartbeat_ms;
    uint32_t test_delay_ms;
    uint32_t test_events;
} opts;

typedef struct held {
    va_job_id job;
    uint32_t timer;
    bool used;
} held;

typedef struct agent {
    opts o;
    va_addr addr;
    va_loop loop;
    va_listener lis;
    uint32_t lis_watch;
    bool listening;
    va_channel ch;
    void *chmem;
    va_link link;
    va_method methods[NGUEST];
    char names[NGUEST][48];
    uint32_t retry_timer;
    bool retry_armed;
    uint32_t backoff_ms;
    bool hello_seen;
    bool open_failed_logged;
    held held[HELD_MAX];
    uint64_t heartbeats;
    /* guest -> host calls: made, refused at call time (limit), and how
     * each completed (exactly once, indexed by va_status) */
    uint64_t host_calls, host_refused;
    uint64_t host_done[VA_STATUS_COUNT];
    size_t chmem_size;
} agent;

static agent A;
static const uint32_t guest_ids[NGUEST] = {
    VA_METHOD_PING, VA_METHOD_CAPABILITIES, VA_METHOD_INFO, VA_METHOD_SHUTDOWN,
};

/* ---- logging -------------------------------------------------------------- */

static void vlog(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vlog(int prio, const char *fmt, ...)
{
    va_list ap;
    int max = A.o.verbose > 0 ? LOG_DEBUG : LOG_INFO;

    if (prio > max) {
        return;
    }
    va_start(ap, fmt);
    if (A.o.syslog) {
        vsyslog(prio, fmt, ap);
    } else {
        static const char *const names[] = { "emerg", "alert", "crit", "error",
                                             "warning", "notice", "info", "debug" };
        fprintf(stderr, "virtagent: %s: ", names[prio & 7]);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    }
    va_end(ap);
}

/* ---- options and config file ------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f,
"Usage: virtagent [OPTION]...\n"
"The virtagent guest agent: serves the host's RPCs (ping, capabilities, info,\n"
"shutdown) over one stream and tells the host about itself (announce, events).\n"
"\n"
"  -m, --method=METHOD      transport: virtio-serial (default), isa-serial,\n"
"                           unix-listen, unix, vsock-listen, vsock, tcp-listen, tcp\n"
"  -p, --path=PATH          device or socket path (virtio-serial default:\n"
"                           " DEFAULT_VIRTIO_PATH ", isa-serial: " DEFAULT_ISA_PATH "),\n"
"                           HOST:PORT for tcp, CID:PORT (vsock) or PORT (vsock-listen)\n"
"  -c, --config=FILE        read options from FILE (default " DEFAULT_CONFIG "\n"
"                           if it exists); command-line options win\n"
"  -a, --allow-rpcs=LIST    enable only these methods (comma-separated, e.g.\n"
"                           ping,info); '?' lists the methods\n"
"  -b, --block-rpcs=LIST    disable these methods; '?' lists the methods\n"
"                           Precedence: every method starts enabled; with an\n"
"                           allow list, methods not on it are disabled; then every\n"
"                           method on the block list is disabled (block wins).\n"
"                           A disabled method is answered with a DISABLED error\n"
"                           and shown as disabled by capabilities.\n"
"  -f, --pidfile=FILE       write (and lock) the process id in FILE\n"
"  -l, --syslog             log to syslog instead of stderr\n"
"  -v, --verbose            log every request and host call (debug)\n"
"      --heartbeat-ms=N     send a HEARTBEAT event every N ms (default %u; 0: never)\n"
"      --shutdown-command=CMD\n"
"                           run CMD with /bin/sh for Shutdown, the mode (powerdown,\n"
"                           halt, reboot) as $1; default: shutdown -P|-H|-r now\n"
"  -n, --dry-run            log the shutdown command instead of running it\n"
"      --test-delay-ms=N    TESTING ONLY: answer Info after N ms (a slow method for\n"
"                           timeout and cancel tests)\n"
"      --test-events-per-heartbeat=N\n"
"                           TESTING ONLY: send N HEARTBEAT events per period (at\n"
"                           most %u; the soak test's guest->host load); calls the\n"
"                           host's in-flight limit refuses are counted, not logged\n"
"  -V, --version            print the version and exit\n"
"  -h, --help               print this help and exit\n"
"\n"
"Config file: lines 'key = value' (an optional [general] header, '#' comments);\n"
"keys are the long option names: method, path, allow-rpcs, block-rpcs, pidfile,\n"
"syslog, verbose, heartbeat-ms, shutdown-command, dry-run (booleans: true/false).\n"
"\n"
"On each host connection the agent sends HostAgent.Announce (version and\n"
"methods) after the host's HELLO, then HEARTBEAT events; SHUTDOWN_STARTED\n"
"before a shutdown command runs, AGENT_STOPPING on SIGTERM/SIGINT.\n"
"SIGUSR1 logs the counters (host calls, channel stats, memory); so does a stop.\n"
"Exit status: 0 stopped by a signal, 1 runtime failure, 2 usage or config error.\n",
            DEFAULT_HEARTBEAT_MS, TEST_EVENTS_MAX);
}

static int copy_opt(char *dst, size_t cap, const char *src, const char *what)
{
    if (strlen(src) >= cap) {
        fprintf(stderr, "virtagent: %s too long\n", what);
        return -1;
    }
    memcpy(dst, src, strlen(src) + 1u);
    return 0;
}

static int parse_u32(const char *s, uint32_t *out, const char *what)
{
    char *end = NULL;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > UINT32_MAX || s[0] == '-') {
        fprintf(stderr, "virtagent: bad %s: '%s'\n", what, s);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int parse_bool(const char *s, bool *out, const char *what)
{
    if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0 || strcasecmp(s, "yes") == 0) {
        *out = true;
    } else if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0 ||
               strcasecmp(s, "no") == 0) {
        *out = false;
    } else {
        fprintf(stderr, "virtagent: bad %s: '%s' (true or false)\n", what, s);
        return -1;
    }
    return 0;
}

/* One option by long name, from the command line or the config file. */
static int set_opt(opts *o, const char *key, const char *val)
{
    uint32_t u = 0;

    if (strcmp(key, "method") == 0) {
        return copy_opt(o->method, sizeof o->method, val, "method");
    } else if (strcmp(key, "path") == 0) {
        return copy_opt(o->path, sizeof o->path, val, "path");
    } else if (strcmp(key, "allow-rpcs") == 0) {
        o->have_allow = true;
        return copy_opt(o->allow, sizeof o->allow, val, "allow-rpcs");
    } else if (strcmp(key, "block-rpcs") == 0) {
        o->have_block = true;
        return copy_opt(o->block, sizeof o->block, val, "block-rpcs");
    } else if (strcmp(key, "pidfile") == 0) {
        return copy_opt(o->pidfile, sizeof o->pidfile, val, "pidfile");
    } else if (strcmp(key, "shutdown-command") == 0) {
        return copy_opt(o->shutdown_cmd, sizeof o->shutdown_cmd, val, "shutdown-command");
    } else if (strcmp(key, "syslog") == 0) {
        return parse_bool(val, &o->syslog, key);
    } else if (strcmp(key, "dry-run") == 0) {
        return parse_bool(val, &o->dry_run, key);
    } else if (strcmp(key, "verbose") == 0) {
        bool b = false;
        if (parse_u32(val, &u, key) == 0) {
            o->verbose = (int)(u > 8u ? 8u : u);
            return 0;
        }
        if (parse_bool(val, &b, key) != 0) {
            return -1;
        }
        o->verbose = b ? 1 : 0;
        return 0;
    } else if (strcmp(key, "heartbeat-ms") == 0) {
        return parse_u32(val, &o->heartbeat_ms, key);
    } else if (strcmp(key, "test-delay-ms") == 0) {
        return parse_u32(val, &o->test_delay_ms, key);
    } else if (strcmp(key, "test-events-per-heartbeat") == 0) {
        if (parse_u32(val, &o->test_events, key) != 0) {
            return -1;
        }
        if (o->test_events > TEST_EVENTS_MAX) {
            fprintf(stderr, "virtagent: test-events-per-heartbeat: at most %u\n",
                    TEST_EVENTS_MAX);
            return -1;
        }
        return 0;
    }
    fprintf(stderr, "virtagent: unknown option '%s'\n", key);
    return -1;
}

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r')) {
        *--e = '\0';
    }
    return s;
}

static int load_config(opts *o, const char *path, bool must_exist)
{
    char line[1024];
    unsigned lineno = 0;
    FILE *f = fopen(path, "r");

    if (f == NULL) {
        if (!must_exist && errno == ENOENT) {
            return 0;
        }
        fprintf(stderr, "virtagent: cannot read config %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char *s = trim(line);
        char *eq;
        lineno++;
        if (*s == '\0' || *s == '#' || *s == ';' || *s == '[') {
            continue; /* comments and section headers ([general]) */
        }
        eq = strchr(s, '=');
        if (eq == NULL) {
            fprintf(stderr, "virtagent: %s:%u: 'key = value' expected\n", path, lineno);
            fclose(f);
            return -1;
        }
        *eq = '\0';
        if (set_opt(o, trim(s), trim(eq + 1)) != 0) {
            fprintf(stderr, "virtagent: in %s line %u\n", path, lineno);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}

static const struct option longopts[] = {
    { "method", required_argument, NULL, 'm' },
    { "path", required_argument, NULL, 'p' },
    { "config", required_argument, NULL, 'c' },
    { "allow-rpcs", required_argument, NULL, 'a' },
    { "block-rpcs", required_argument, NULL, 'b' },
    { "pidfile", required_argument, NULL, 'f' },
    { "syslog", no_argument, NULL, 'l' },
    { "verbose", no_argument, NULL, 'v' },
    { "heartbeat-ms", required_argument, NULL, 'H' },
    { "shutdown-command", required_argument, NULL, 'S' },
    { "dry-run", no_argument, NULL, 'n' },
    { "test-delay-ms", required_argument, NULL, 'T' },
    { "test-events-per-heartbeat", required_argument, NULL, 'E' },
    { "version", no_argument, NULL, 'V' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

static void list_methods(void)
{
    printf("methods (for --allow-rpcs / --block-rpcs, any case, with or without "
           "'GuestAgent.'):\n");
    for (uint32_t i = 0; i < NGUEST; i++) {
        char n[48];
        printf("  %s\n", vt_method_name(guest_ids[i], n, sizeof n));
    }
}

/* Returns -1 on error, 1 if the program should exit 0 (help), 0 to run. */
static int parse_args(opts *o, int argc, char **argv)
{
    const char *config = NULL;
    int c;

    /* pass 1: only --config, so the file is read before the command line */
    opterr = 0;
    while ((c = getopt_long(argc, argv, "m:p:c:a:b:f:lvnVh", longopts, NULL)) != -1) {
        if (c == 'c') {
            config = optarg;
        }
    }
    if (load_config(o, config != NULL ? config : DEFAULT_CONFIG, config != NULL) != 0) {
        return -1;
    }
    optind = 0; /* glibc: full reset */
    opterr = 1;
    while ((c = getopt_long(argc, argv, "m:p:c:a:b:f:lvnVh", longopts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'm': rc = set_opt(o, "method", optarg); break;
        case 'p': rc = set_opt(o, "path", optarg); break;
        case 'c': break;
        case 'a': rc = set_opt(o, "allow-rpcs", optarg); break;
        case 'b': rc = set_opt(o, "block-rpcs", optarg); break;
        case 'f': rc = set_opt(o, "pidfile", optarg); break;
        case 'l': o->syslog = true; break;
        case 'v': o->verbose++; break;
        case 'H': rc = set_opt(o, "heartbeat-ms", optarg); break;
        case 'S': rc = set_opt(o, "shutdown-command", optarg); break;
        case 'n': o->dry_run = true; break;
        case 'T': rc = set_opt(o, "test-delay-ms", optarg); break;
        case 'E': rc = set_opt(o, "test-events-per-heartbeat", optarg); break;
        case 'V': printf("virtagent %s (protocol %u)\n", VA_VERSION, VA_PROTOCOL_VERSION); return 1;
        case 'h': usage(stdout); return 1;
        default: usage(stderr); return -1;
        }
        if (rc != 0) {
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "virtagent: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if ((o->have_allow && strcmp(o->allow, "?") == 0) ||
        (o->have_block && strcmp(o->block, "?") == 0)) {
        list_methods();
        return 1;
    }
    return 0;
}

/* Apply a comma-separated list: set `enabled` to `value` for the named
 * methods (or, for an allow list, to !value for the others). */
static int apply_list(const char *list, bool allow)
{
    char buf[LIST_MAX];
    bool named[NGUEST] = { false };
    char *save = NULL;

    memcpy(buf, list, strlen(list) + 1u);
    for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        uint32_t id = 0;
        uint32_t i;
        tok = trim(tok);
        if (*tok == '\0') {
            continue;
        }
        if (va_codec_method_id(tok, &id) != VA_OK) {
            fprintf(stderr, "virtagent: unknown method '%s' in --%s-rpcs (try '?')\n", tok,
                    allow ? "allow" : "block");
            return -1;
        }
        for (i = 0; i < NGUEST && guest_ids[i] != id; i++) {
        }
        if (i == NGUEST) {
            fprintf(stderr, "virtagent: '%s' is not a method the agent serves\n", tok);
            return -1;
        }
        named[i] = true;
    }
    for (uint32_t i = 0; i < NGUEST; i++) {
        if (allow && !named[i]) {
            A.methods[i].enabled = 0;
        } else if (!allow && named[i]) {
            A.methods[i].enabled = 0;
        }
    }
    return 0;
}

/* ---- host calls (guest -> host) -------------------------------------------- */

static void host_call_done(va_channel *ch, va_job_id job, va_status st, int32_t code,
                           const uint8_t *resp, uint32_t len, void *ctx)
{
    char n[48];
    (void)ch;
    (void)job;
    (void)resp;
    (void)len;
    if ((uint32_t)st < sizeof A.host_done / sizeof A.host_done[0]) {
        A.host_done[st]++;
    }
    if (st == VA_STATUS_OK) {
        vlog(LOG_DEBUG, "%s: ok", vt_method_name((uint32_t)(uintptr_t)ctx, n, sizeof n));
    } else {
        vlog(LOG_DEBUG, "%s: %s (code %d)", vt_method_name((uint32_t)(uintptr_t)ctx, n, sizeof n),
             va_status_str(st), (int)code);
    }
}

/* quiet: a refusal for the in-flight limit is counted, not logged (the
 * test event burst hits it by design). */
static int host_call(uint32_t method, const ProtobufCMessage *req, bool quiet)
{
    uint8_t buf[VA_DEFAULT_MAX_PAYLOAD];
    size_t len = 0;
    va_job_id job;
    int rc;

    if (!va_link_is_up(&A.link)) {
        return VA_ERR_CLOSED;
    }
    rc = va_codec_encode_payload(method, false, req, buf, sizeof buf, &len);
    if (rc == VA_OK) {
        rc = va_channel_call(&A.ch, method, buf, (uint32_t)len, va_loop_now_ms(),
                             HOST_CALL_TIMEOUT_MS, host_call_done, (void *)(uintptr_t)method, &job);
    }
    if (rc == VA_OK) {
        A.host_calls++;
    } else if (rc == VA_ERR_LIMIT) {
        A.host_refused++;
    }
    if (rc != VA_OK && !(quiet && rc == VA_ERR_LIMIT)) {
        char n[48];
        vlog(LOG_WARNING, "cannot call %s: %s", vt_method_name(method, n, sizeof n),
             va_strerror(rc));
    }
    return rc;
}

static uint64_t realtime_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int send_event(Virtagent__EventRequest__Kind kind, const char *text, bool quiet)
{
    Virtagent__EventRequest ev = VIRTAGENT__EVENT_REQUEST__INIT;
    ev.has_kind = 1;
    ev.kind = kind;
    ev.has_timestamp_ms = 1;
    ev.timestamp_ms = realtime_ms();
    ev.text = (char *)(uintptr_t)text;
    return host_call(VA_METHOD_EVENT, &ev.base, quiet);
}

static void fill_method_infos(Virtagent__MethodInfo *mi, Virtagent__MethodInfo **ptrs)
{
    for (uint32_t i = 0; i < NGUEST; i++) {
        virtagent__method_info__init(&mi[i]);
        mi[i].name = A.names[i];
        mi[i].has_id = 1;
        mi[i].id = A.methods[i].id;
        mi[i].has_enabled = 1;
        mi[i].enabled = A.methods[i].enabled;
        ptrs[i] = &mi[i];
    }
}

static void announce(void)
{
    Virtagent__AnnounceRequest req = VIRTAGENT__ANNOUNCE_REQUEST__INIT;
    Virtagent__MethodInfo mi[NGUEST];
    Virtagent__MethodInfo *ptrs[NGUEST];

    fill_method_infos(mi, ptrs);
    req.has_protocol_version = 1;
    req.protocol_version = VA_PROTOCOL_VERSION;
    req.agent_version = (char *)(uintptr_t)VA_VERSION;
    req.n_capabilities = NGUEST;
    req.capabilities = ptrs;
    (void)host_call(VA_METHOD_ANNOUNCE, &req.base, false);
}

static void on_channel_event(va_channel *ch, const va_channel_event *ev, void *ctx)
{
    (void)ch;
    (void)ctx;
    if (ev->kind == VA_CHANNEL_EV_HELLO) {
        vlog(LOG_DEBUG, "host said hello (protocol %u)", ev->peer_version);
        A.hello_seen = true;
        A.backoff_ms = BACKOFF_MIN_MS;
        announce();
    } else {
        vlog(LOG_WARNING, "host reported a connection error (code %d)", (int)ev->code);
    }
}

static void on_heartbeat(va_loop *loop, const va_loop_event *ev, void *arg)
{
    (void)loop;
    (void)ev;
    (void)arg;
    if (va_link_is_up(&A.link) && A.hello_seen) {
        A.heartbeats++;
        (void)send_event(VIRTAGENT__EVENT_REQUEST__KIND__HEARTBEAT, NULL, false);
        /* testing only: a burst, until the host's in-flight limit refuses */
        for (uint32_t i = 1; i < A.o.test_events; i++) {
            if (send_event(VIRTAGENT__EVENT_REQUEST__KIND__HEARTBEAT, NULL, true) != VA_OK) {
                break;
            }
        }
        va_link_kick(&A.link);
    }
}

/* ---- GuestAgent handlers ------------------------------------------------------ */

static void reply_msg(va_channel *ch, va_job_id job, uint32_t method, const ProtobufCMessage *m)
{
    uint8_t buf[VA_DEFAULT_MAX_PAYLOAD];
    size_t len = 0;
    int rc = va_codec_encode_payload(method, true, m, buf, sizeof buf, &len);

    if (rc != VA_OK) {
        static const char msg[] = "response encoding failed";
        (void)va_channel_reply(ch, job, VIRTAGENT__STATUS_CODE__INTERNAL, (const uint8_t *)msg,
                               (uint32_t)strlen(msg));
        return;
    }
    (void)va_channel_reply(ch, job, VA_RESULT_CODE_OK, buf, (uint32_t)len);
}

static void reply_err(va_channel *ch, va_job_id job, int32_t code, const char *text)
{
    (void)va_channel_reply(ch, job, code, (const uint8_t *)text, (uint32_t)strlen(text));
}

/* Decode a request; on failure answer BAD_REQUEST and return NULL. */
static ProtobufCMessage *decode_req(va_channel *ch, va_job_id job, uint32_t method,
                                    const uint8_t *req, uint32_t len)
{
    static uint8_t mem[VA_CODEC_ARENA_FOR(VA_DEFAULT_MAX_PAYLOAD)];
    static va_arena arena;
    ProtobufCMessage *m = NULL;

    if (arena.base == NULL) {
        (void)va_arena_init(&arena, mem, sizeof mem, SIZE_MAX);
    }
    if (va_codec_decode_payload(&arena, method, false, req, len, &m) != VA_OK) {
        reply_err(ch, job, VIRTAGENT__STATUS_CODE__BAD_REQUEST, "request did not decode");
        return NULL;
    }
    return m;
}

static void h_ping(va_channel *ch, va_job_id job, uint32_t method, const uint8_t *req,
                   uint32_t len, void *ctx)
{
    Virtagent__PingRequest *r = (Virtagent__PingRequest *)decode_req(ch, job, method, req, len);
    Virtagent__PingResponse resp = VIRTAGENT__PING_RESPONSE__INIT;
    (void)ctx;
    if (r == NULL) {
        return;
    }
    resp.has_nonce = r->has_nonce;
    resp.nonce = r->nonce;
    vlog(LOG_DEBUG, "ping (nonce %llu)", (unsigned long long)r->nonce);
    reply_msg(ch, job, method, &resp.base);
}

static void h_capabilities(va_channel *ch, va_job_id job, uint32_t method, const uint8_t *req,
                           uint32_t len, void *ctx)
{
    Virtagent__CapabilitiesResponse resp = VIRTAGENT__CAPABILITIES_RESPONSE__INIT;
    Virtagent__Limits lim = VIRTAGENT__LIMITS__INIT;
    Virtagent__MethodInfo mi[NGUEST];
    Virtagent__MethodInfo *ptrs[NGUEST];
    (void)ctx;

    if (decode_req(ch, job, method, req, len) == NULL) {
        return;
    }
    vlog(LOG_DEBUG, "capabilities");
    fill_method_infos(mi, ptrs);
    lim.has_max_frame = 1;
    lim.max_frame = VA_DEFAULT_MAX_PAYLOAD + VA_ENVELOPE_OVERHEAD;
    lim.has_max_inflight = 1;
    lim.max_inflight = A.ch.m.lim.server_max;
    lim.has_max_payload = 1;
    lim.max_payload = VA_DEFAULT_MAX_PAYLOAD;
    resp.has_protocol_version = 1;
    resp.protocol_version = VA_PROTOCOL_VERSION;
    resp.agent_version = (char *)(uintptr_t)VA_VERSION;
    resp.n_methods = NGUEST;
    resp.methods = ptrs;
    resp.limits = &lim;
    reply_msg(ch, job, method, &resp.base);
}

/* NAME= and VERSION_ID= of os-release(5), quotes removed. */
static void os_release(char *name, size_t nlen, char *ver, size_t vlen)
{
    static const char *const paths[] = { "/etc/os-release", "/usr/lib/os-release" };
    char line[512];
    FILE *f = NULL;

    snprintf(name, nlen, "Linux");
    ver[0] = '\0';
    for (size_t i = 0; i < 2 && f == NULL; i++) {
        f = fopen(paths[i], "r");
    }
    if (f == NULL) {
        return;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char *v = strchr(line, '=');
        char *dst;
        size_t cap;
        if (v == NULL) {
            continue;
        }
        *v++ = '\0';
        if (strcmp(line, "NAME") == 0) {
            dst = name;
            cap = nlen;
        } else if (strcmp(line, "VERSION_ID") == 0) {
            dst = ver;
            cap = vlen;
        } else {
            continue;
        }
        v = trim(v);
        if (*v == '"' || *v == '\'') {
            size_t l = strlen(v);
            if (l >= 2 && v[l - 1] == v[0]) {
                v[l - 1] = '\0';
            }
            v++;
        }
        snprintf(dst, cap, "%s", v);
    }
    fclose(f);
}

static void reply_info(va_channel *ch, va_job_id job)
{
    Virtagent__InfoResponse resp = VIRTAGENT__INFO_RESPONSE__INIT;
    char host[256] = "";
    char osname[128];
    char osver[64];
    struct utsname u;
    double up = 0;
    FILE *f;

    (void)gethostname(host, sizeof host - 1u);
    os_release(osname, sizeof osname, osver, sizeof osver);
    memset(&u, 0, sizeof u);
    (void)uname(&u);
    f = fopen("/proc/uptime", "r");
    if (f != NULL) {
        if (fscanf(f, "%lf", &up) != 1) {
            up = 0;
        }
        fclose(f);
    }
    resp.hostname = host;
    resp.os_name = osname;
    resp.os_version = osver;
    resp.kernel_release = u.release;
    resp.has_uptime_seconds = 1;
    resp.uptime_seconds = (uint64_t)up;
    resp.agent_version = (char *)(uintptr_t)VA_VERSION;
    reply_msg(ch, job, VA_METHOD_INFO, &resp.base);
}

static void on_held_timer(va_loop *loop, const va_loop_event *ev, void *arg)
{
    held *h = arg;
    (void)loop;
    (void)ev;
    if (!h->used) {
        return;
    }
    h->used = false;
    reply_info(&A.ch, h->job);
    va_link_kick(&A.link);
}

static void h_info(va_channel *ch, va_job_id job, uint32_t method, const uint8_t *req,
                   uint32_t len, void *ctx)
{
    (void)ctx;
    if (decode_req(ch, job, method, req, len) == NULL) {
        return;
    }
    vlog(LOG_DEBUG, "info");
    if (A.o.test_delay_ms != 0u) {
        for (uint32_t i = 0; i < HELD_MAX; i++) {
            held *h = &A.held[i];
            if (!h->used && va_loop_add_timer(&A.loop, A.o.test_delay_ms, 0, on_held_timer, h,
                                              &h->timer) == VA_OK) {
                h->used = true;
                h->job = job;
                return;
            }
        }
        reply_err(ch, job, VIRTAGENT__STATUS_CODE__BUSY, "too many delayed requests");
        return;
    }
    reply_info(ch, job);
}

/* The host cancelled a (delayed) Info, or the stream went away: stop the
 * timer and answer now; the channel discards the answer. */
static void h_info_cancel(va_channel *ch, va_job_id job, void *ctx)
{
    (void)ctx;
    for (uint32_t i = 0; i < HELD_MAX; i++) {
        held *h = &A.held[i];
        if (h->used && h->job == job) {
            h->used = false;
            (void)va_loop_del(&A.loop, h->timer);
            vlog(LOG_INFO, "info request cancelled by the host");
            reply_err(ch, job, VIRTAGENT__STATUS_CODE__CANCELLED, "cancelled");
            return;
        }
    }
}

static const char *mode_name(Virtagent__ShutdownRequest__Mode m)
{
    switch (m) {
    case VIRTAGENT__SHUTDOWN_REQUEST__MODE__POWERDOWN: return "powerdown";
    case VIRTAGENT__SHUTDOWN_REQUEST__MODE__HALT: return "halt";
    case VIRTAGENT__SHUTDOWN_REQUEST__MODE__REBOOT: return "reboot";
    default: return NULL;
    }
}

static void run_shutdown(const char *mode)
{
    const char *flag = strcmp(mode, "halt") == 0 ? "-H" : strcmp(mode, "reboot") == 0 ? "-r" : "-P";
    pid_t pid;

    if (A.o.dry_run) {
        if (A.o.shutdown_cmd[0] != '\0') {
            vlog(LOG_NOTICE, "dry-run: would run: /bin/sh -c '%s' %s", A.o.shutdown_cmd, mode);
        } else {
            vlog(LOG_NOTICE, "dry-run: would run: shutdown %s now", flag);
        }
        return;
    }
    pid = fork();
    if (pid < 0) {
        vlog(LOG_ERR, "shutdown: fork failed: %s", strerror(errno));
        return;
    }
    if (pid == 0) {
        sigset_t none;
        /* the loop blocked signals for its signalfd: give the command a
         * normal mask */
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (A.o.shutdown_cmd[0] != '\0') {
            execl("/bin/sh", "sh", "-c", A.o.shutdown_cmd, "virtagent-shutdown", mode,
                  (char *)NULL);
        } else {
            execlp("shutdown", "shutdown", flag, "now", (char *)NULL);
        }
        _exit(127);
    }
    vlog(LOG_NOTICE, "shutdown (%s): started command, pid %d", mode, (int)pid);
}

static void h_shutdown(va_channel *ch, va_job_id job, uint32_t method, const uint8_t *req,
                       uint32_t len, void *ctx)
{
    Virtagent__ShutdownRequest *r =
        (Virtagent__ShutdownRequest *)decode_req(ch, job, method, req, len);
    Virtagent__ShutdownResponse resp = VIRTAGENT__SHUTDOWN_RESPONSE__INIT;
    const char *mode;
    char text[64];
    (void)ctx;

    if (r == NULL) {
        return;
    }
    mode = r->has_mode ? mode_name(r->mode) : NULL;
    if (mode == NULL) {
        reply_err(ch, job, VIRTAGENT__STATUS_CODE__BAD_REQUEST,
                  "mode required: powerdown, halt or reboot");
        return;
    }
    vlog(LOG_NOTICE, "shutdown requested by the host (%s)", mode);
    /* spec (issue): the reply is flushed before the action starts, and the
     * host hears SHUTDOWN_STARTED before the command runs */
    reply_msg(ch, job, method, &resp.base);
    snprintf(text, sizeof text, "%s%s", mode, A.o.dry_run ? " (dry run)" : "");
    (void)send_event(VIRTAGENT__EVENT_REQUEST__KIND__SHUTDOWN_STARTED, text, false);
    if (va_link_drain(&A.link, SHUTDOWN_FLUSH_MS) != VA_OK) {
        vlog(LOG_WARNING, "shutdown: reply not flushed to the host, going ahead");
    }
    run_shutdown(mode);
}

/* ---- connection management ----------------------------------------------------- */

static void try_open(void);

static void on_retry(va_loop *loop, const va_loop_event *ev, void *arg)
{
    (void)loop;
    (void)ev;
    (void)arg;
    A.retry_armed = false;
    try_open();
}

static void schedule_retry(void)
{
    if (A.retry_armed) {
        return;
    }
    if (va_loop_add_timer(&A.loop, A.backoff_ms, 0, on_retry, NULL, &A.retry_timer) == VA_OK) {
        A.retry_armed = true;
    }
    A.backoff_ms = A.backoff_ms * 2u > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : A.backoff_ms * 2u;
}

static const char *reason_text(int reason)
{
    return reason == VA_ERR_TIMEOUT ? "host silent (dead peer)"
         : reason == VA_ERR_CLOSED ? "closed by the host"
         : va_strerror(reason);
}

static void on_link_down(va_link *l, int reason, void *ctx)
{
    (void)l;
    (void)ctx;
    /* a held (delayed) request has no host any more */
    for (uint32_t i = 0; i < HELD_MAX; i++) {
        if (A.held[i].used) {
            A.held[i].used = false;
            (void)va_loop_del(&A.loop, A.held[i].timer);
            reply_err(&A.ch, A.held[i].job, VIRTAGENT__STATUS_CODE__UNAVAILABLE, "disconnected");
        }
    }
    if (A.listening) {
        vlog(LOG_DEBUG, "host disconnected: %s; waiting for the next connection",
             reason_text(reason));
        (void)va_loop_mod_fd(&A.loop, A.lis_watch, VA_EV_READ);
    } else {
        vlog(A.hello_seen ? LOG_INFO : LOG_DEBUG, "stream down: %s; reopening",
             reason_text(reason));
        schedule_retry();
    }
    A.hello_seen = false;
}

static void attach(const va_fd_stream *s)
{
    int rc;
    A.hello_seen = false;
    rc = va_link_attach(&A.link, s);
    if (rc != VA_OK) {
        vlog(LOG_ERR, "cannot attach the stream: %s", va_strerror(rc));
        if (!A.listening) {
            schedule_retry();
        }
    }
}

static void try_open(void)
{
    va_fd_stream s;
    int rc = va_transport_open(&s, &A.addr, 1000);

    if (rc != VA_OK) {
        vlog(A.open_failed_logged ? LOG_DEBUG : LOG_WARNING, "cannot open %s:%s: %s%s%s; retrying",
             va_addr_kind_name(A.addr.kind), A.addr.path, va_strerror(rc),
             s.sys_errno != 0 ? ": " : "", s.sys_errno != 0 ? strerror(s.sys_errno) : "");
        A.open_failed_logged = true;
        schedule_retry();
        return;
    }
    A.open_failed_logged = false;
    vlog(LOG_DEBUG, "opened %s", va_addr_kind_name(A.addr.kind));
    attach(&s);
}

static void on_accept(va_loop *loop, const va_loop_event *ev, void *arg)
{
    va_fd_stream s;
    int rc;
    (void)loop;
    (void)ev;
    (void)arg;

    if (va_link_is_up(&A.link)) {
        /* not reached: the watch is off while a host is connected */
        (void)va_loop_mod_fd(&A.loop, A.lis_watch, 0);
        return;
    }
    rc = va_listener_accept(&A.lis, &s);
    if (rc == VA_ERR_AGAIN) {
        return;
    }
    if (rc != VA_OK) {
        vlog(LOG_WARNING, "accept failed: %s", strerror(A.lis.sys_errno));
        return;
    }
    vlog(LOG_DEBUG, "host connected");
    /* spec (design): one host at a time; the next waits in the backlog */
    (void)va_loop_mod_fd(&A.loop, A.lis_watch, 0);
    attach(&s);
}

/* ---- signals, pidfile ------------------------------------------------------------ */

/* One line of counters (SIGUSR1 and at stop): what the soak and flood tests
 * compare with the host's view.  Keys are stable: key=value, space separated. */
static void log_stats(void)
{
    const va_channel_stats *s = va_channel_get_stats(&A.ch);
    const va_framer_stats *f = &s->framer;

    vlog(LOG_INFO,
         "stats: heartbeats=%llu host_calls=%llu host_refused=%llu host_ok=%llu "
         "host_remote_error=%llu host_cancelled=%llu host_timed_out=%llu "
         "host_disconnected=%llu host_rejected=%llu live=%u chmem=%zu "
         "frames_in=%llu frames_out=%llu bytes_in=%llu bytes_out=%llu requests_in=%llu "
         "responses_out=%llu errors_out=%llu responses_in=%llu errors_in=%llu "
         "cancels_in=%llu busy_sent=%llu late_replies=%llu duplicate_replies=%llu "
         "unknown_cancels=%llu duplicate_ids=%llu control_dropped=%llu decode_errors=%llu "
         "protocol_errors=%llu unknown_method=%llu too_big=%llu arena_failures=%llu "
         "dead_peer=%llu attaches=%llu detaches=%llu garbage_bytes=%llu bad_header=%llu "
         "oversize=%llu bad_crc=%llu resyncs=%llu",
         (unsigned long long)A.heartbeats, (unsigned long long)A.host_calls,
         (unsigned long long)A.host_refused, (unsigned long long)A.host_done[VA_STATUS_OK],
         (unsigned long long)A.host_done[VA_STATUS_REMOTE_ERROR],
         (unsigned long long)A.host_done[VA_STATUS_CANCELLED],
         (unsigned long long)A.host_done[VA_STATUS_TIMED_OUT],
         (unsigned long long)A.host_done[VA_STATUS_DISCONNECTED],
         (unsigned long long)A.host_done[VA_STATUS_REJECTED], va_channel_live(&A.ch),
         A.chmem_size, (unsigned long long)s->frames_in, (unsigned long long)s->frames_out,
         (unsigned long long)s->bytes_in, (unsigned long long)s->bytes_out,
         (unsigned long long)s->requests_in, (unsigned long long)s->responses_out,
         (unsigned long long)s->errors_out, (unsigned long long)s->responses_in,
         (unsigned long long)s->errors_in, (unsigned long long)s->cancels_in,
         (unsigned long long)s->busy_sent, (unsigned long long)s->late_replies,
         (unsigned long long)s->duplicate_replies, (unsigned long long)s->unknown_cancels,
         (unsigned long long)s->duplicate_ids, (unsigned long long)s->control_dropped,
         (unsigned long long)s->decode_errors, (unsigned long long)s->protocol_errors,
         (unsigned long long)s->unknown_method, (unsigned long long)s->too_big,
         (unsigned long long)s->arena_failures, (unsigned long long)s->dead_peer,
         (unsigned long long)s->attaches, (unsigned long long)s->detaches,
         (unsigned long long)f->garbage_bytes, (unsigned long long)f->bad_header,
         (unsigned long long)f->oversize, (unsigned long long)f->bad_crc,
         (unsigned long long)f->resyncs);
}

static void on_signal(va_loop *loop, const va_loop_event *ev, void *arg)
{
    (void)arg;
    if (ev->signo == SIGUSR1) {
        log_stats();
        return;
    }
    if (ev->signo == SIGCHLD) {
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            if (WIFEXITED(status)) {
                vlog(WEXITSTATUS(status) == 0 ? LOG_INFO : LOG_WARNING,
                     "shutdown command (pid %d) exited with %d", (int)pid, WEXITSTATUS(status));
            } else {
                vlog(LOG_WARNING, "shutdown command (pid %d) killed", (int)pid);
            }
        }
        return;
    }
    vlog(LOG_INFO, "signal %d: stopping", ev->signo);
    if (va_link_is_up(&A.link) && A.hello_seen) {
        (void)send_event(VIRTAGENT__EVENT_REQUEST__KIND__AGENT_STOPPING, NULL, false);
        (void)va_link_drain(&A.link, STOP_FLUSH_MS);
    }
    va_loop_stop(loop);
}

static int pid_fd = -1;

static int write_pidfile(const char *path)
{
    char buf[32];
    int n;

    pid_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (pid_fd < 0) {
        vlog(LOG_ERR, "pidfile %s: %s", path, strerror(errno));
        return -1;
    }
    if (lockf(pid_fd, F_TLOCK, 0) < 0) {
        vlog(LOG_ERR, "pidfile %s is locked: another virtagent is running", path);
        close(pid_fd);
        pid_fd = -1;
        return -1;
    }
    n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
    if (ftruncate(pid_fd, 0) < 0 || write(pid_fd, buf, (size_t)n) != n) {
        vlog(LOG_ERR, "pidfile %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- main ------------------------------------------------------------------------- */

static int setup_channel(void)
{
    va_channel_config cfg;
    size_t need;

    for (uint32_t i = 0; i < NGUEST; i++) {
        static const va_method_fn fns[NGUEST] = { h_ping, h_capabilities, h_info, h_shutdown };
        A.methods[i] = (va_method){
            .id = guest_ids[i],
            .name = vt_method_name(guest_ids[i], A.names[i], sizeof A.names[i]),
            .fn = fns[i],
            .cancel = guest_ids[i] == VA_METHOD_INFO ? h_info_cancel : NULL,
            .ctx = NULL,
            .enabled = 1,
        };
    }
    if ((A.o.have_allow && apply_list(A.o.allow, true) != 0) ||
        (A.o.have_block && apply_list(A.o.block, false) != 0)) {
        return -1;
    }
    va_channel_config_default(&cfg);
    cfg.methods = A.methods;
    cfg.nmethods = NGUEST;
    cfg.agent_name = "virtagent";
    cfg.agent_version = VA_VERSION;
    cfg.on_event = on_channel_event;
    need = va_channel_memory_size(&cfg);
    A.chmem_size = need;
    A.chmem = malloc(need);
    if (A.chmem == NULL || va_channel_init(&A.ch, &cfg, A.chmem, need) != VA_OK) {
        fprintf(stderr, "virtagent: cannot set up the channel\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const int stop_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1 };
    uint32_t id;
    int rc;

    snprintf(A.o.method, sizeof A.o.method, "virtio-serial");
    A.o.heartbeat_ms = DEFAULT_HEARTBEAT_MS;
    A.backoff_ms = BACKOFF_MIN_MS;
    rc = parse_args(&A.o, argc, argv);
    if (rc != 0) {
        return rc > 0 ? 0 : EXIT_USAGE;
    }
    if (A.o.path[0] == '\0') {
        if (strcmp(A.o.method, "virtio-serial") == 0) {
            snprintf(A.o.path, sizeof A.o.path, DEFAULT_VIRTIO_PATH);
        } else if (strcmp(A.o.method, "isa-serial") == 0) {
            snprintf(A.o.path, sizeof A.o.path, DEFAULT_ISA_PATH);
        }
    }
    if (va_addr_from_method(&A.addr, A.o.method, A.o.path) != VA_OK) {
        fprintf(stderr, "virtagent: bad address: -m %s -p '%s'\n", A.o.method, A.o.path);
        return EXIT_USAGE;
    }
    if (setup_channel() != 0) {
        return EXIT_USAGE;
    }
    if (A.o.syslog) {
        openlog("virtagent", LOG_PID, LOG_DAEMON);
    }
    signal(SIGPIPE, SIG_IGN);
    if (va_loop_init(&A.loop) != VA_OK) {
        vlog(LOG_ERR, "cannot create the event loop");
        return EXIT_RUNTIME;
    }
    if (A.o.pidfile[0] != '\0' && write_pidfile(A.o.pidfile) != 0) {
        return EXIT_RUNTIME;
    }
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) {
        (void)va_loop_add_signal(&A.loop, stop_signals[i], on_signal, NULL, &id);
    }
    if (A.o.heartbeat_ms != 0u) {
        (void)va_loop_add_timer(&A.loop, A.o.heartbeat_ms, A.o.heartbeat_ms, on_heartbeat, NULL,
                                &id);
    }
    (void)va_link_init(&A.link, &A.loop, &A.ch, on_link_down, NULL);
    if (va_addr_is_listen(&A.addr)) {
        rc = va_listener_open(&A.lis, &A.addr);
        if (rc != VA_OK) {
            vlog(LOG_ERR, "cannot listen on %s:%s: %s", va_addr_kind_name(A.addr.kind),
                 A.addr.path, A.lis.sys_errno != 0 ? strerror(A.lis.sys_errno) : va_strerror(rc));
            return EXIT_RUNTIME;
        }
        A.listening = true;
        (void)va_loop_add_fd(&A.loop, A.lis.fd, VA_EV_READ, on_accept, NULL, &A.lis_watch);
        vlog(LOG_INFO, "listening on %s:%s%s", va_addr_kind_name(A.addr.kind), A.addr.path,
             A.o.dry_run ? " (dry run: shutdown runs nothing)" : "");
    } else {
        vlog(LOG_INFO, "using %s:%s%s", va_addr_kind_name(A.addr.kind), A.addr.path,
             A.o.dry_run ? " (dry run: shutdown runs nothing)" : "");
        try_open();
    }
    rc = va_loop_run(&A.loop);
    va_link_close(&A.link);
    log_stats();
    if (A.listening) {
        (void)va_listener_close(&A.lis);
    }
    va_loop_fini(&A.loop);
    if (pid_fd >= 0) {
        (void)unlink(A.o.pidfile);
        close(pid_fd);
    }
    free(A.chmem);
    vlog(LOG_INFO, "stopped");
    return rc == VA_OK ? 0 : EXIT_RUNTIME;
}
