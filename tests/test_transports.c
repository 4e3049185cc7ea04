/* SPDX-License-Identifier: MIT */
/*
 * Transport and event-loop tests. One program, two groups chosen by argv[1]:
 *   unit         address parser rows, mem pair, fault stream, event loop
 *   integration  real descriptors: socketpair, Unix, TCP, pty serial, vsock
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "virtagent/va_loop.h"
#include "virtagent/va_transport.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int n = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] != '.') {
            n++;
        }
    }
    closedir(d);
    return n;
}

static uint8_t pattern(size_t i)
{
    return (uint8_t)((i * 131u + 7u) & 0xFFu);
}

/* Read until `want` bytes arrived or `tries` AGAINs in a row (with a short
 * sleep) passed; returns bytes read. */
static size_t read_all(va_stream *s, uint8_t *buf, size_t want, int tries)
{
    size_t have = 0;
    int idle = 0;

    while (have < want && idle < tries) {
        size_t got = 0;
        int ret = va_stream_read(s, buf + have, want - have, &got);

        if (ret == VA_ERR_AGAIN) {
            idle++;
            usleep(1000);
            continue;
        }
        assert_int_equal(ret, VA_OK);
        idle = 0;
        have += got;
    }
    return have;
}

static void write_all(va_stream *s, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    int idle = 0;

    while (done < len) {
        size_t put = 0;
        int ret = va_stream_write(s, buf + done, len - done, &put);

        if (ret == VA_ERR_AGAIN) {
            assert_true(++idle < 5000);
            usleep(1000);
            continue;
        }
        assert_int_equal(ret, VA_OK);
        done += put;
    }
}

/* ------------------------------------------------------------------ */
/* Address parser: one named test per row                               */

#define ANY_CID UINT32_MAX

/* OK(name, spec, kind, path, cid, port, baud) / BAD(name, spec) */
#define ADDR_ROWS(OK, BAD)                                                        \
    OK(unix, "unix:/run/va.sock", VA_ADDR_UNIX, "/run/va.sock", 0, 0, 0)           \
    OK(unix_relative, "unix:va.sock", VA_ADDR_UNIX, "va.sock", 0, 0, 0)            \
    OK(unix_listen, "unix-listen:/tmp/a", VA_ADDR_UNIX_LISTEN, "/tmp/a", 0, 0, 0)  \
    OK(tcp_v4, "tcp:127.0.0.1:4444", VA_ADDR_TCP, "127.0.0.1", 0, 4444, 0)         \
    OK(tcp_name, "tcp:localhost:1", VA_ADDR_TCP, "localhost", 0, 1, 0)             \
    OK(tcp_v6, "tcp:[::1]:65535", VA_ADDR_TCP, "::1", 0, 65535, 0)                 \
    OK(tcp_listen_any, "tcp-listen::0", VA_ADDR_TCP_LISTEN, "", 0, 0, 0)           \
    OK(tcp_listen_v6, "tcp-listen:[::]:80", VA_ADDR_TCP_LISTEN, "::", 0, 80, 0)    \
    OK(vsock, "vsock:2:1234", VA_ADDR_VSOCK, "", 2, 1234, 0)                       \
    OK(vsock_big, "vsock:4294967295:4294967295", VA_ADDR_VSOCK, "", UINT32_MAX,    \
       UINT32_MAX, 0)                                                              \
    OK(vsock_listen, "vsock-listen:1234", VA_ADDR_VSOCK_LISTEN, "", ANY_CID, 1234, \
       0)                                                                          \
    OK(virtio, "virtio-serial:/dev/virtio-ports/org.qemu.guest_agent.0",           \
       VA_ADDR_VIRTIO_SERIAL, "/dev/virtio-ports/org.qemu.guest_agent.0", 0, 0, 0) \
    OK(isa, "isa-serial:/dev/ttyS0", VA_ADDR_ISA_SERIAL, "/dev/ttyS0", 0, 0, 0)    \
    OK(isa_baud, "isa-serial:/dev/ttyS1,baud=115200", VA_ADDR_ISA_SERIAL,          \
       "/dev/ttyS1", 0, 0, 115200)                                                 \
    BAD(empty, "")                                                                 \
    BAD(no_colon, "unix")                                                          \
    BAD(unknown_method, "udp:1.2.3.4:5")                                           \
    BAD(method_prefix, "unixx:/a")                                                 \
    BAD(method_case, "UNIX:/a")                                                    \
    BAD(unix_empty, "unix:")                                                       \
    BAD(unix_abstract, "unix:@abstract")                                           \
    BAD(unix_too_long, "unix:/" "0123456789012345678901234567890123456789"         \
        "0123456789012345678901234567890123456789012345678901234567890123456789")  \
    BAD(tcp_no_port, "tcp:localhost")                                              \
    BAD(tcp_empty_port, "tcp:localhost:")                                          \
    BAD(tcp_port_zero, "tcp:localhost:0")                                          \
    BAD(tcp_port_big, "tcp:localhost:65536")                                       \
    BAD(tcp_port_sign, "tcp:localhost:+80")                                        \
    BAD(tcp_port_space, "tcp:localhost: 80")                                       \
    BAD(tcp_port_alpha, "tcp:localhost:80a")                                       \
    BAD(tcp_empty_host, "tcp::80")                                                 \
    BAD(tcp_bare_v6, "tcp:::1:80")                                                 \
    BAD(tcp_v6_unclosed, "tcp:[::1:80")                                            \
    BAD(tcp_v6_noport, "tcp:[::1]")                                                \
    BAD(tcp_v6_empty, "tcp:[]:80")                                                 \
    BAD(vsock_no_port, "vsock:2")                                                  \
    BAD(vsock_cid_big, "vsock:4294967296:1")                                       \
    BAD(vsock_neg, "vsock:-1:1")                                                   \
    BAD(vsock_listen_cid, "vsock-listen:2:1")                                      \
    BAD(virtio_relative, "virtio-serial:ttyS0")                                    \
    BAD(virtio_baud, "virtio-serial:/dev/vport0p1,baud=9600")                      \
    BAD(isa_empty, "isa-serial:")                                                  \
    BAD(isa_bad_opt, "isa-serial:/dev/ttyS0,speed=9600")                           \
    BAD(isa_baud_zero, "isa-serial:/dev/ttyS0,baud=0")                             \
    BAD(isa_baud_alpha, "isa-serial:/dev/ttyS0,baud=fast")

static void check_addr_ok(const char *spec, va_addr_kind kind, const char *path,
                          uint32_t cid, uint32_t port, uint32_t baud)
{
    va_addr a;

    assert_int_equal(va_addr_parse(&a, spec), VA_OK);
    assert_int_equal(a.kind, kind);
    assert_string_equal(a.path, path);
    assert_int_equal(a.cid, cid);
    assert_int_equal(a.port, port);
    assert_int_equal(a.baud, baud);
}

static void check_addr_bad(const char *spec)
{
    va_addr a;

    memset(&a, 0xA5, sizeof(a));
    assert_int_equal(va_addr_parse(&a, spec), VA_ERR_INVAL);
    /* A failed parse leaves nothing half-filled behind. */
    assert_int_equal(a.kind, VA_ADDR_NONE);
    assert_int_equal(a.path[0], '\0');
}

#define DEF_OK(name, spec, kind, path, cid, port, baud)                  \
    static void test_addr_##name(void **state)                           \
    {                                                                    \
        (void)state;                                                     \
        check_addr_ok(spec, kind, path, cid, port, baud);                \
    }
#define DEF_BAD(name, spec)                                              \
    static void test_addr_bad_##name(void **state)                       \
    {                                                                    \
        (void)state;                                                     \
        check_addr_bad(spec);                                            \
    }
ADDR_ROWS(DEF_OK, DEF_BAD)

static void test_addr_method_form(void **state)
{
    va_addr a;
    va_addr b;
    static const char *const methods[] = {
        "unix", "unix-listen", "tcp", "tcp-listen", "vsock", "vsock-listen",
        "virtio-serial", "isa-serial",
    };
    static const char *const paths[] = {
        "/run/a", "/run/a", "h:1", "h:1", "3:5", "5", "/dev/vport0p1", "/dev/ttyS0",
    };
    char spec[300];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        /* Both forms must agree, and the kind must print back as the method. */
        assert_int_equal(va_addr_from_method(&a, methods[i], paths[i]), VA_OK);
        snprintf(spec, sizeof(spec), "%s:%s", methods[i], paths[i]);
        assert_int_equal(va_addr_parse(&b, spec), VA_OK);
        assert_memory_equal(&a, &b, sizeof(a));
        assert_string_equal(va_addr_kind_name(a.kind), methods[i]);
        assert_int_equal(va_addr_is_listen(&a), strstr(methods[i], "listen") != NULL);
    }
    assert_int_equal(va_addr_from_method(&a, "serial", "/dev/ttyS0"), VA_ERR_INVAL);
    assert_int_equal(va_addr_from_method(&a, "unix", ""), VA_ERR_INVAL);
    assert_int_equal(va_addr_from_method(&a, NULL, "/a"), VA_ERR_INVAL);
    assert_int_equal(va_addr_from_method(&a, "unix", NULL), VA_ERR_INVAL);
    assert_int_equal(va_addr_parse(NULL, "unix:/a"), VA_ERR_INVAL);
    assert_string_equal(va_addr_kind_name(VA_ADDR_NONE), "none");
}

/* ------------------------------------------------------------------ */
/* Mem pair                                                             */

static void test_mem_wraparound(void **state)
{
    uint8_t r0[8];
    uint8_t r1[8];
    uint8_t in[16];
    uint8_t out[16];
    va_mem_pair p;
    va_stream *a;
    va_stream *b;
    size_t n = 0;
    size_t i;
    size_t round;

    (void)state;
    assert_int_equal(va_mem_pair_init(&p, r0, sizeof(r0), r1, sizeof(r1)), VA_OK);
    a = va_mem_pair_stream(&p, 0);
    b = va_mem_pair_stream(&p, 1);
    assert_null(va_mem_pair_stream(&p, 2));
    assert_int_equal(va_stream_fd(a), -1);
    for (i = 0; i < sizeof(in); i++) {
        in[i] = pattern(i);
    }
    /* Odd-sized writes against an 8-byte ring walk the head across the end
     * many times; every byte must come out in order. */
    for (round = 0; round < 20; round++) {
        size_t len = 1 + round % 7;

        assert_int_equal(va_stream_write(a, in + round % 8, len, &n), VA_OK);
        assert_int_equal(n, len);
        assert_int_equal(va_mem_pair_pending(&p, 1), len);
        assert_int_equal(va_stream_read(b, out, sizeof(out), &n), VA_OK);
        assert_int_equal(n, len);
        assert_memory_equal(out, in + round % 8, len);
    }
    /* Full ring: partial write, then AGAIN; reader empty: AGAIN. */
    assert_int_equal(va_stream_write(a, in, 12, &n), VA_OK);
    assert_int_equal(n, 8);
    assert_int_equal(va_stream_write(a, in, 1, &n), VA_ERR_AGAIN);
    assert_int_equal(n, 0);
    assert_int_equal(va_stream_read(a, out, 1, &n), VA_ERR_AGAIN);
    assert_int_equal(va_stream_read(b, out, 3, &n), VA_OK);
    assert_int_equal(n, 3);
    /* writev across the wrap point, split over three buffers. */
    {
        va_iov v[3] = { { in + 8, 1 }, { NULL, 0 }, { in + 9, 4 } };

        assert_int_equal(va_stream_writev(a, v, 3, &n), VA_OK);
        assert_int_equal(n, 3);
    }
    assert_int_equal(va_stream_read(b, out, sizeof(out), &n), VA_OK);
    assert_int_equal(n, 8);
    assert_memory_equal(out, in + 3, 5);
    assert_memory_equal(out + 5, in + 8, 1);
    assert_memory_equal(out + 6, in + 9, 2);
    /* Zero-length operations and bad arguments. */
    assert_int_equal(va_stream_write(a, in, 0, &n), VA_OK);
    assert_int_equal(va_stream_read(b, out, 0, &n), VA_OK);
    assert_int_equal(va_stream_read(b, NULL, 1, &n), VA_ERR_INVAL);
    assert_int_equal(va_stream_writev(a, NULL, VA_IOV_MAX + 1, &n), VA_ERR_INVAL);
    assert_int_equal(va_mem_pair_init(&p, r0, 0, r1, 1), VA_ERR_INVAL);
}

static void test_mem_close(void **state)
{
    uint8_t r0[4];
    uint8_t r1[4];
    uint8_t buf[4];
    va_mem_pair p;
    va_stream *a;
    va_stream *b;
    size_t n;

    (void)state;
    assert_int_equal(va_mem_pair_init(&p, r0, sizeof(r0), r1, sizeof(r1)), VA_OK);
    a = va_mem_pair_stream(&p, 0);
    b = va_mem_pair_stream(&p, 1);
    assert_int_equal(va_stream_write(a, "xyz", 3, &n), VA_OK);
    assert_int_equal(va_stream_write(b, "q", 1, &n), VA_OK);
    assert_int_equal(va_stream_close(a), VA_OK);
    /* The peer drains what was sent before the close, then sees EOF. */
    assert_int_equal(va_stream_read(b, buf, 2, &n), VA_OK);
    assert_int_equal(n, 2);
    assert_int_equal(va_stream_read(b, buf + 2, 2, &n), VA_OK);
    assert_int_equal(n, 1);
    assert_memory_equal(buf, "xyz", 3);
    assert_int_equal(va_stream_read(b, buf, 2, &n), VA_ERR_CLOSED);
    assert_int_equal(va_stream_write(b, "q", 1, &n), VA_ERR_CLOSED);
    /* The closed end itself is dead, and closing twice says so. */
    assert_int_equal(va_stream_read(a, buf, 1, &n), VA_ERR_CLOSED);
    assert_int_equal(va_stream_write(a, "x", 1, &n), VA_ERR_CLOSED);
    assert_int_equal(va_stream_close(a), VA_ERR_CLOSED);
    assert_int_equal(va_stream_close(b), VA_OK);
}

/* ------------------------------------------------------------------ */
/* Fault stream                                                         */

typedef struct fault_run {
    va_fault_stats wstats;
    va_fault_stats rstats;
    uint8_t got[4096];
    size_t got_len;
    uint32_t write_calls;
} fault_run;

/* Pump 4 KiB from a faulty writer through a 64-byte mem pair to a faulty
 * reader, in lockstep, recording what arrived. */
static void run_faulty(const va_fault_config *wc, const va_fault_config *rc, fault_run *fr)
{
    uint8_t r0[64];
    uint8_t r1[64];
    uint8_t msg[4096];
    va_mem_pair p;
    va_fault_stream w;
    va_fault_stream r;
    size_t sent = 0;
    size_t n;
    int ret;
    int guard;

    memset(fr, 0, sizeof(*fr));
    for (n = 0; n < sizeof(msg); n++) {
        msg[n] = pattern(n);
    }
    assert_int_equal(va_mem_pair_init(&p, r0, sizeof(r0), r1, sizeof(r1)), VA_OK);
    assert_int_equal(va_fault_init(&w, va_mem_pair_stream(&p, 0), wc), VA_OK);
    assert_int_equal(va_fault_init(&r, va_mem_pair_stream(&p, 1), rc), VA_OK);
    for (guard = 0; guard < 100000; guard++) {
        if (sent < sizeof(msg)) {
            ret = va_stream_write(&w.base, msg + sent, sizeof(msg) - sent, &n);
            fr->write_calls++;
            if (ret == VA_OK) {
                sent += n;
            } else if (ret == VA_ERR_CLOSED) {
                sent = sizeof(msg);
            } else {
                assert_int_equal(ret, VA_ERR_AGAIN);
            }
        }
        ret = va_stream_read(&r.base, fr->got + fr->got_len, sizeof(fr->got) - fr->got_len, &n);
        if (ret == VA_OK) {
            fr->got_len += n;
        } else if (ret == VA_ERR_CLOSED) {
            break;
        } else {
            assert_int_equal(ret, VA_ERR_AGAIN);
        }
        if (sent == sizeof(msg) && fr->got_len == sizeof(msg)) {
            break;
        }
    }
    assert_true(guard < 100000);
    fr->wstats = w.stats;
    fr->rstats = r.stats;
    (void)va_stream_close(&w.base);
    (void)va_stream_close(&r.base);
}

static void test_fault_short_and_again(void **state)
{
    va_fault_config wc = { .seed = 1, .max_write_chunk = 5, .again_ppm = 300000 };
    va_fault_config rc = { .seed = 2, .max_read_chunk = 3, .again_ppm = 300000 };
    fault_run *fr = malloc(sizeof(*fr));
    size_t i;

    (void)state;
    assert_non_null(fr);
    run_faulty(&wc, &rc, fr);
    /* Chunking and AGAIN storms delay bytes but never lose or change them. */
    assert_int_equal(fr->got_len, 4096);
    for (i = 0; i < fr->got_len; i++) {
        assert_int_equal(fr->got[i], pattern(i));
    }
    assert_true(fr->wstats.short_writes > 100);
    assert_true(fr->rstats.short_reads > 100);
    assert_true(fr->wstats.agains > 50);
    assert_true(fr->rstats.agains > 50);
    assert_int_equal(fr->wstats.bytes_written, 4096);
    assert_int_equal(fr->rstats.bytes_read, 4096);
    assert_int_equal(fr->rstats.corrupted, 0);
    free(fr);
}

static void test_fault_deterministic(void **state)
{
    va_fault_config wc = { .seed = 42, .max_write_chunk = 17, .again_ppm = 100000 };
    va_fault_config rc = { .seed = 43, .max_read_chunk = 11, .again_ppm = 200000,
                           .corrupt_ppm = 20000 };
    fault_run *a = malloc(sizeof(*a));
    fault_run *b = malloc(sizeof(*b));

    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    run_faulty(&wc, &rc, a);
    run_faulty(&wc, &rc, b);
    /* Same seeds: the same faults at the same places, byte for byte. */
    assert_memory_equal(&a->wstats, &b->wstats, sizeof(a->wstats));
    assert_memory_equal(&a->rstats, &b->rstats, sizeof(a->rstats));
    assert_int_equal(a->write_calls, b->write_calls);
    assert_int_equal(a->got_len, b->got_len);
    assert_memory_equal(a->got, b->got, a->got_len);
    assert_true(a->rstats.corrupted > 0);
    /* Another seed gives another run. */
    rc.seed = 44;
    run_faulty(&wc, &rc, b);
    assert_true(memcmp(&a->rstats, &b->rstats, sizeof(a->rstats)) != 0);
    free(a);
    free(b);
}

static void test_fault_corrupt_counts(void **state)
{
    va_fault_config wc = { .seed = 5 };
    va_fault_config rc = { .seed = 6, .corrupt_ppm = VA_FAULT_PPM };
    fault_run *fr = malloc(sizeof(*fr));
    size_t i;

    (void)state;
    assert_non_null(fr);
    run_faulty(&wc, &rc, fr);
    assert_int_equal(fr->got_len, 4096);
    assert_int_equal(fr->rstats.corrupted, 4096);
    /* Every byte flipped: none may survive unchanged. */
    for (i = 0; i < fr->got_len; i++) {
        assert_int_not_equal(fr->got[i], pattern(i));
    }
    free(fr);
}

static void test_fault_disconnect(void **state)
{
    uint8_t r0[64];
    uint8_t r1[64];
    uint8_t buf[64];
    va_mem_pair p;
    va_fault_stream w;
    va_fault_config wc = { .seed = 9, .disconnect_after = 7 };
    va_fault_config storm = { .seed = 9, .again_ppm = VA_FAULT_PPM };
    va_stream *peer;
    size_t n;

    (void)state;
    assert_int_equal(va_mem_pair_init(&p, r0, sizeof(r0), r1, sizeof(r1)), VA_OK);
    peer = va_mem_pair_stream(&p, 1);
    assert_int_equal(va_fault_init(&w, va_mem_pair_stream(&p, 0), &wc), VA_OK);
    assert_int_equal(va_stream_write(&w.base, "abcd", 4, &n), VA_OK);
    assert_int_equal(n, 4);
    /* The write crossing the limit stops exactly at byte 7 (mid-frame). */
    assert_int_equal(va_stream_write(&w.base, "efghij", 6, &n), VA_OK);
    assert_int_equal(n, 3);
    assert_true(w.stats.disconnected);
    assert_int_equal(va_stream_write(&w.base, "k", 1, &n), VA_ERR_CLOSED);
    assert_int_equal(va_stream_read(&w.base, buf, 1, &n), VA_ERR_CLOSED);
    assert_int_equal(va_stream_fd(&w.base), -1);
    assert_int_equal(read_all(peer, buf, 7, 1), 7);
    assert_memory_equal(buf, "abcdefg", 7);
    assert_int_equal(va_stream_read(peer, buf, 1, &n), VA_ERR_CLOSED);
    assert_int_equal(va_stream_close(&w.base), VA_OK);
    assert_int_equal(va_stream_close(&w.base), VA_ERR_CLOSED);

    /* again_ppm at 100%: nothing ever passes, and each refusal is counted. */
    assert_int_equal(va_mem_pair_init(&p, r0, sizeof(r0), r1, sizeof(r1)), VA_OK);
    assert_int_equal(va_fault_init(&w, va_mem_pair_stream(&p, 0), &storm), VA_OK);
    for (n = 0; n < 10; n++) {
        size_t put;

        assert_int_equal(va_stream_write(&w.base, "x", 1, &put), VA_ERR_AGAIN);
    }
    assert_int_equal(w.stats.agains, 10);
    assert_int_equal(va_mem_pair_pending(&p, 1), 0);
    storm.again_ppm = VA_FAULT_PPM + 1;
    assert_int_equal(va_fault_init(&w, peer, &storm), VA_ERR_INVAL);
}

/* ------------------------------------------------------------------ */
/* Event loop                                                           */

typedef struct trace {
    int order[16];
    size_t n;
    uint32_t events[16];
} trace;

static trace g_trace;

static void record_cb(va_loop *loop, const va_loop_event *ev, void *arg)
{
    (void)loop;
    if (g_trace.n < 16) {
        g_trace.events[g_trace.n] = ev->events;
        g_trace.order[g_trace.n++] = (int)(intptr_t)arg;
    }
}

static void test_loop_timers_in_order(void **state)
{
    va_loop loop;
    uint32_t id[5];
    uint64_t t0;

    (void)state;
    memset(&g_trace, 0, sizeof(g_trace));
    assert_int_equal(va_loop_init(&loop), VA_OK);
    t0 = va_loop_now_ms();
    assert_int_equal(va_loop_add_timer(&loop, 30, 0, record_cb, (void *)3, &id[0]), VA_OK);
    assert_int_equal(va_loop_add_timer(&loop, 10, 0, record_cb, (void *)1, &id[1]), VA_OK);
    assert_int_equal(va_loop_add_timer(&loop, 20, 0, record_cb, (void *)2, &id[2]), VA_OK);
    assert_int_equal(va_loop_add_timer(&loop, 25, 0, record_cb, (void *)9, &id[3]), VA_OK);
    /* Cancelled before it fires: must never be seen. */
    assert_int_equal(va_loop_del(&loop, id[3]), VA_OK);
    assert_int_equal(va_loop_del(&loop, id[3]), VA_ERR_STALE);
    /* Moving a timer's deadline is a plain store. */
    assert_int_equal(va_loop_add_timer(&loop, 1000, 0, record_cb, (void *)4, &id[4]), VA_OK);
    assert_int_equal(va_loop_set_deadline(&loop, id[4], t0 + 40), VA_OK);
    /* run returns once no watch is left. */
    assert_int_equal(va_loop_run(&loop), VA_OK);
    assert_true(va_loop_now_ms() - t0 >= 40);
    assert_true(va_loop_now_ms() - t0 < 900);
    assert_int_equal(g_trace.n, 4);
    assert_int_equal(g_trace.order[0], 1);
    assert_int_equal(g_trace.order[1], 2);
    assert_int_equal(g_trace.order[2], 3);
    assert_int_equal(g_trace.order[3], 4);
    assert_int_equal(g_trace.events[0], VA_EV_TIMER);
    /* One-shot timers are gone after firing. */
    assert_int_equal(va_loop_del(&loop, id[0]), VA_ERR_STALE);
    va_loop_fini(&loop);
}

static int g_ticks;

static void tick_cb(va_loop *loop, const va_loop_event *ev, void *arg)
{
    (void)arg;
    if (++g_ticks == 3) {
        assert_int_equal(va_loop_del(loop, ev->id), VA_OK);
        va_loop_stop(loop);
    }
}

static void test_loop_repeating_and_ties(void **state)
{
    va_loop loop;
    uint32_t id;
    uint32_t a;
    uint32_t b;
    uint64_t now;

    (void)state;
    g_ticks = 0;
    memset(&g_trace, 0, sizeof(g_trace));
    assert_int_equal(va_loop_init(&loop), VA_OK);
    assert_int_equal(va_loop_add_timer(&loop, 5, 5, tick_cb, NULL, &id), VA_OK);
    assert_int_equal(va_loop_run(&loop), VA_OK);
    assert_int_equal(g_ticks, 3);
    assert_int_equal(va_loop_del(&loop, id), VA_ERR_STALE);
    /* Equal deadlines fire in the order they were added. */
    now = va_loop_now_ms();
    assert_int_equal(va_loop_add_timer(&loop, 1000, 0, record_cb, (void *)7, &a), VA_OK);
    assert_int_equal(va_loop_add_timer(&loop, 1000, 0, record_cb, (void *)8, &b), VA_OK);
    assert_int_equal(va_loop_set_deadline(&loop, b, now), VA_OK);
    assert_int_equal(va_loop_set_deadline(&loop, a, now), VA_OK);
    assert_int_equal(va_loop_run_once(&loop, 0), VA_OK);
    assert_int_equal(g_trace.n, 2);
    assert_int_equal(g_trace.order[0], 7);
    assert_int_equal(g_trace.order[1], 8);
    va_loop_fini(&loop);
}

typedef struct fd_ctx {
    int reads;
    int writes;
    int deadlines;
    int hups;
} fd_ctx;

static void fd_cb(va_loop *loop, const va_loop_event *ev, void *arg)
{
    fd_ctx *c = arg;
    char buf[16];

    (void)loop;
    if (ev->events & VA_EV_READ) {
        c->reads++;
        /* Drain, or level-triggered epoll reports it again. */
        while (read(ev->fd, buf, sizeof(buf)) > 0) {
        }
    }
    if (ev->events & VA_EV_WRITE) {
        c->writes++;
    }
    if (ev->events & VA_EV_DEADLINE) {
        c->deadlines++;
    }
    if (ev->events & VA_EV_HUP) {
        c->hups++;
    }
}

static void deleter_cb(va_loop *loop, const va_loop_event *ev, void *arg)
{
    (void)ev;
    /* Delete the other watch, whose event is in this very batch: if the
     * loop called it anyway, its own del of us would fail as stale. */
    assert_int_equal(va_loop_del(loop, *(uint32_t *)arg), VA_OK);
    g_trace.n++;
}

static void test_loop_fd_and_deadline(void **state)
{
    va_loop loop;
    fd_ctx c = { 0 };
    int p[2];
    int q[2];
    uint32_t id;
    uint32_t id2;
    uint64_t t0;
    int fds0 = count_fds();

    (void)state;
    assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(va_loop_init(&loop), VA_OK);
    assert_int_equal(va_loop_add_fd(&loop, p[0], VA_EV_READ, fd_cb, &c, &id), VA_OK);
    /* Nothing readable: the wait ends on the watch's deadline instead. */
    t0 = va_loop_now_ms();
    assert_int_equal(va_loop_set_deadline(&loop, id, t0 + 15), VA_OK);
    assert_int_equal(va_loop_run_once(&loop, 1000), VA_OK);
    assert_int_equal(c.deadlines, 1);
    assert_int_equal(c.reads, 0);
    assert_true(va_loop_now_ms() - t0 >= 15);
    /* The deadline was consumed: the next wait is the max_wait. */
    t0 = va_loop_now_ms();
    assert_int_equal(va_loop_run_once(&loop, 20), VA_OK);
    assert_int_equal(c.deadlines, 1);
    assert_true(va_loop_now_ms() - t0 >= 20);
    /* Readable. */
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(va_loop_run_once(&loop, 1000), VA_OK);
    assert_int_equal(c.reads, 1);
    /* Watch the write end for writability through mod. */
    assert_int_equal(va_loop_add_fd(&loop, p[1], 0, fd_cb, &c, &id2), VA_OK);
    assert_int_equal(va_loop_run_once(&loop, 0), VA_OK);
    assert_int_equal(c.writes, 0);
    assert_int_equal(va_loop_mod_fd(&loop, id2, VA_EV_WRITE), VA_OK);
    assert_int_equal(va_loop_run_once(&loop, 0), VA_OK);
    assert_int_equal(c.writes, 1);
    /* Closing the write end hangs up the read end. */
    assert_int_equal(va_loop_del(&loop, id2), VA_OK);
    assert_int_equal(va_loop_mod_fd(&loop, id2, VA_EV_READ), VA_ERR_STALE);
    close(p[1]);
    assert_int_equal(va_loop_run_once(&loop, 1000), VA_OK);
    assert_true(c.hups >= 1);
    assert_int_equal(va_loop_del(&loop, id), VA_OK);
    close(p[0]);

    /* Two ready watches in one batch, each deleting the other: whichever
     * runs first, the other must be skipped. */
    assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(pipe2(q, O_NONBLOCK | O_CLOEXEC), 0);
    memset(&g_trace, 0, sizeof(g_trace));
    assert_int_equal(va_loop_add_fd(&loop, p[0], VA_EV_READ, deleter_cb, &id2, &id), VA_OK);
    assert_int_equal(va_loop_add_fd(&loop, q[0], VA_EV_READ, deleter_cb, &id, &id2), VA_OK);
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(write(q[1], "x", 1), 1);
    assert_int_equal(va_loop_run_once(&loop, 1000), VA_OK);
    assert_int_equal(g_trace.n, 1);
    /* Exactly one of the two is still registered. */
    assert_int_equal((va_loop_del(&loop, id) == VA_OK) + (va_loop_del(&loop, id2) == VA_OK), 1);
    assert_int_equal(va_loop_add_fd(&loop, -1, VA_EV_READ, fd_cb, &c, &id), VA_ERR_INVAL);
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
    va_loop_fini(&loop);
    assert_int_equal(count_fds(), fds0);
}

static int g_signo;

static void sig_cb(va_loop *loop, const va_loop_event *ev, void *arg)
{
    (void)arg;
    assert_true(ev->events & VA_EV_SIGNAL);
    g_signo = ev->signo;
    va_loop_stop(loop);
}

static void test_loop_signal(void **state)
{
    va_loop loop;
    uint32_t id;
    uint32_t id2;
    sigset_t cur;
    int fds0 = count_fds();

    (void)state;
    g_signo = 0;
    assert_int_equal(va_loop_init(&loop), VA_OK);
    assert_int_equal(va_loop_add_signal(&loop, SIGUSR1, sig_cb, NULL, &id), VA_OK);
    assert_int_equal(va_loop_add_signal(&loop, SIGTERM, sig_cb, NULL, &id2), VA_OK);
    assert_int_equal(va_loop_add_signal(&loop, SIGKILL, sig_cb, NULL, &id2), VA_ERR_INVAL);
    /* Without the loop this would kill the test; with it, it is an event. */
    assert_int_equal(raise(SIGTERM), 0);
    assert_int_equal(va_loop_run(&loop), VA_OK);
    assert_int_equal(g_signo, SIGTERM);
    assert_int_equal(kill(getpid(), SIGUSR1), 0);
    assert_int_equal(va_loop_run(&loop), VA_OK);
    assert_int_equal(g_signo, SIGUSR1);
    /* Deleting the watch unblocks the signal again. */
    assert_int_equal(va_loop_del(&loop, id), VA_OK);
    assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
    assert_false(sigismember(&cur, SIGUSR1));
    assert_true(sigismember(&cur, SIGTERM));
    va_loop_fini(&loop);
    assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
    assert_false(sigismember(&cur, SIGTERM));
    assert_int_equal(count_fds(), fds0);
}

/* ------------------------------------------------------------------ */
/* Integration: real descriptors                                        */

/* Fill a stream until AGAIN (proving partial writes are reported), then
 * drain the other end and check every byte. Returns bytes moved. */
static size_t fill_then_drain(va_stream *w, va_stream *r)
{
    static uint8_t chunk[65536];
    static uint8_t in[65536];
    size_t total = 0;
    size_t checked = 0;
    size_t n;
    int ret;
    int spins = 0;

    for (;;) {
        for (n = 0; n < sizeof(chunk); n++) {
            chunk[n] = pattern(total + n);
        }
        ret = va_stream_write(w, chunk, sizeof(chunk), &n);
        if (ret == VA_ERR_AGAIN) {
            break;
        }
        assert_int_equal(ret, VA_OK);
        assert_true(n > 0 && n <= sizeof(chunk));
        total += n;
        assert_true(++spins < 10000);
    }
    assert_true(total > 0);
    while (checked < total) {
        size_t got = read_all(r, in, total - checked < sizeof(in) ? total - checked : sizeof(in), 1000);

        assert_true(got > 0);
        for (n = 0; n < got; n++) {
            assert_int_equal(in[n], pattern(checked + n));
        }
        checked += got;
    }
    assert_int_equal(va_stream_read(r, in, 1, &n), VA_ERR_AGAIN);
    return total;
}

static volatile sig_atomic_t g_sigpipes;

static void count_sigpipe(int signo)
{
    (void)signo;
    g_sigpipes++;
}

static void check_eof(va_stream *a, va_stream *b)
{
    struct sigaction sa = { .sa_handler = count_sigpipe };
    struct sigaction old;
    uint8_t buf[8];
    size_t n;
    int ret;
    int i;

    /* Count SIGPIPE rather than trust the inherited disposition (a parent
     * that ignores it would hide a missing MSG_NOSIGNAL). */
    g_sigpipes = 0;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGPIPE, &sa, &old), 0);
    assert_int_equal(va_stream_close(a), VA_OK);
    assert_int_equal(va_stream_close(a), VA_ERR_CLOSED);
    assert_int_equal(va_stream_read(b, buf, sizeof(buf), &n), VA_ERR_CLOSED);
    /* Writing to a closed peer reports CLOSED and raises no SIGPIPE (the
     * test would die). The first write may still be accepted by the kernel. */
    for (i = 0; i < 3; i++) {
        ret = va_stream_write(b, "x", 1, &n);
        if (ret != VA_OK) {
            break;
        }
        usleep(1000);
    }
    assert_int_equal(ret, VA_ERR_CLOSED);
    assert_int_equal(g_sigpipes, 0);
    assert_int_equal(sigaction(SIGPIPE, &old, NULL), 0);
    assert_int_equal(va_stream_close(b), VA_OK);
}

static void test_socketpair_roundtrip(void **state)
{
    va_fd_stream a;
    va_fd_stream b;
    int sv[2];
    int fds0 = count_fds();
    uint8_t buf[32];
    size_t n;
    va_iov v[3] = { { "head", 4 }, { "", 0 }, { "-payload-tail", 13 } };

    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(va_fd_stream_init(&a, sv[0]), VA_OK);
    assert_int_equal(va_fd_stream_init(&b, sv[1]), VA_OK);
    assert_true(a.is_socket);
    assert_int_equal(va_stream_fd(&a.base), sv[0]);
    assert_true(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
    assert_true(fcntl(sv[0], F_GETFD) & FD_CLOEXEC);
    assert_int_equal(va_stream_read(&b.base, buf, sizeof(buf), &n), VA_ERR_AGAIN);
    assert_int_equal(va_stream_writev(&a.base, v, 3, &n), VA_OK);
    assert_int_equal(n, 17);
    assert_int_equal(read_all(&b.base, buf, 17, 100), 17);
    assert_memory_equal(buf, "head-payload-tail", 17);
    assert_true(fill_then_drain(&a.base, &b.base) > 4096);
    assert_true(fill_then_drain(&b.base, &a.base) > 4096);
    check_eof(&a.base, &b.base);
    assert_int_equal(count_fds(), fds0);
}

static void test_unix_listen_connect(void **state)
{
    char dir[] = "/tmp/va-test-XXXXXX";
    char spec[200];
    char path[150];
    va_addr la;
    va_addr ca;
    va_listener l;
    va_listener l2;
    va_fd_stream srv;
    va_fd_stream cli;
    struct stat st;
    int fds0 = count_fds();

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/agent.sock", dir);
    snprintf(spec, sizeof(spec), "unix-listen:%s", path);
    assert_int_equal(va_addr_parse(&la, spec), VA_OK);
    snprintf(spec, sizeof(spec), "unix:%s", path);
    assert_int_equal(va_addr_parse(&ca, spec), VA_OK);

    /* Nobody listening yet: a clear I/O error, with errno kept. */
    assert_int_equal(va_transport_open(&cli, &ca, 1000), VA_ERR_IO);
    assert_int_equal(cli.sys_errno, ENOENT);

    assert_int_equal(va_listener_open(&l, &la), VA_OK);
    assert_int_equal(va_listener_accept(&l, &srv), VA_ERR_AGAIN);
    assert_int_equal(va_transport_open(&cli, &ca, 1000), VA_OK);
    assert_int_equal(va_listener_accept(&l, &srv), VA_OK);
    assert_true(fcntl(srv.fd, F_GETFL) & O_NONBLOCK);
    assert_true(fcntl(cli.fd, F_GETFD) & FD_CLOEXEC);
    assert_true(fill_then_drain(&cli.base, &srv.base) > 0);
    assert_true(fill_then_drain(&srv.base, &cli.base) > 0);

    /* A live listener owns the path: a second one is refused, path kept. */
    assert_int_equal(va_listener_open(&l2, &la), VA_ERR_IO);
    assert_int_equal(l2.sys_errno, EADDRINUSE);
    assert_int_equal(stat(path, &st), 0);
    check_eof(&cli.base, &srv.base);

    /* Closing the listener removes its socket file. */
    assert_int_equal(va_listener_close(&l), VA_OK);
    assert_int_equal(stat(path, &st), -1);

    /* A stale socket (its listener died without cleanup) is replaced. */
    {
        struct sockaddr_un sun = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);

        memcpy(sun.sun_path, path, strlen(path) + 1);
        assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
        close(fd);
    }
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(va_listener_open(&l, &la), VA_OK);
    assert_int_equal(va_listener_close(&l), VA_OK);

    /* Something that is not a socket is never removed. */
    {
        int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

        assert_true(fd >= 0);
        close(fd);
    }
    assert_int_equal(va_listener_open(&l, &la), VA_ERR_IO);
    assert_int_equal(l.sys_errno, EEXIST);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    unlink(path);

    /* Wrong kinds are rejected before any syscall. */
    assert_int_equal(va_listener_open(&l, &ca), VA_ERR_INVAL);
    assert_int_equal(va_transport_open(&cli, &la, 0), VA_ERR_INVAL);
    assert_int_equal(rmdir(dir), 0);
    assert_int_equal(count_fds(), fds0);
}

static void tcp_roundtrip(const char *host, bool must_work)
{
    char spec[100];
    va_addr la;
    va_addr ca;
    va_listener l;
    va_fd_stream srv;
    va_fd_stream cli;
    uint32_t port = 0;
    int one = 0;
    socklen_t len = sizeof(one);
    int fds0 = count_fds();
    int ret;

    snprintf(spec, sizeof(spec), "tcp-listen:%s:0", host);
    assert_int_equal(va_addr_parse(&la, spec), VA_OK);
    ret = va_listener_open(&l, &la);
    if (ret != VA_OK && !must_work) {
        printf("# tcp %s unavailable (%s, errno %d): skipped\n", host, va_errname(ret),
               l.sys_errno);
        return;
    }
    assert_int_equal(ret, VA_OK);
    assert_int_equal(va_listener_port(&l, &port), VA_OK);
    assert_true(port > 0);
    snprintf(spec, sizeof(spec), "tcp:%s:%u", host, (unsigned)port);
    assert_int_equal(va_addr_parse(&ca, spec), VA_OK);
    assert_int_equal(va_transport_open(&cli, &ca, 2000), VA_OK);
    /* The connection may take a moment to reach the accept queue. */
    for (ret = VA_ERR_AGAIN; ret == VA_ERR_AGAIN;) {
        ret = va_listener_accept(&l, &srv);
        if (ret == VA_ERR_AGAIN) {
            usleep(1000);
        }
    }
    assert_int_equal(ret, VA_OK);
    assert_int_equal(getsockopt(cli.fd, IPPROTO_TCP, TCP_NODELAY, &one, &len), 0);
    assert_int_equal(one, 1);
    assert_int_equal(getsockopt(srv.fd, IPPROTO_TCP, TCP_NODELAY, &one, &len), 0);
    assert_int_equal(one, 1);
    assert_true(fill_then_drain(&cli.base, &srv.base) > 0);
    assert_true(fill_then_drain(&srv.base, &cli.base) > 0);
    check_eof(&srv.base, &cli.base);
    assert_int_equal(va_listener_close(&l), VA_OK);
    assert_int_equal(count_fds(), fds0);
}

static void test_tcp_loopback(void **state)
{
    (void)state;
    tcp_roundtrip("127.0.0.1", true);
    tcp_roundtrip("[::1]", false);
}

static void test_tcp_refused(void **state)
{
    va_addr a;
    va_listener l;
    va_fd_stream s;
    uint32_t port;
    char spec[64];

    (void)state;
    /* Take an ephemeral port, release it, and connect: nobody is there. */
    assert_int_equal(va_addr_parse(&a, "tcp-listen:127.0.0.1:0"), VA_OK);
    assert_int_equal(va_listener_open(&l, &a), VA_OK);
    assert_int_equal(va_listener_port(&l, &port), VA_OK);
    assert_int_equal(va_listener_close(&l), VA_OK);
    snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%u", (unsigned)port);
    assert_int_equal(va_addr_parse(&a, spec), VA_OK);
    assert_int_equal(va_transport_open(&s, &a, 1000), VA_ERR_IO);
    assert_int_equal(s.sys_errno, ECONNREFUSED);
}

static void test_pty_serial(void **state)
{
    va_addr a;
    va_fd_stream ser;
    va_fd_stream master;
    struct termios tio;
    char spec[128];
    uint8_t buf[16];
    /* Bytes a cooked tty would rewrite or act on: CR, ^C, ^D, DEL, 0xff. */
    static const uint8_t raw[] = { 'a', '\r', '\n', 0x03, 0x04, 0x7f, 0xff, 0x00, 'z' };
    int m;
    size_t n;
    int fds0 = count_fds();

    (void)state;
    m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    assert_true(m >= 0);
    assert_int_equal(grantpt(m), 0);
    assert_int_equal(unlockpt(m), 0);
    snprintf(spec, sizeof(spec), "isa-serial:%s,baud=115200", ptsname(m));
    assert_int_equal(va_addr_parse(&a, spec), VA_OK);
    assert_int_equal(va_transport_open(&ser, &a, 0), VA_OK);
    assert_true(ser.is_tty);
    assert_int_equal(tcgetattr(ser.fd, &tio), 0);
    assert_int_equal(tio.c_lflag & (ICANON | ECHO | ISIG), 0);
    assert_int_equal(tio.c_iflag & (ICRNL | IXON), 0);
    assert_int_equal(tio.c_oflag & OPOST, 0);
    assert_int_equal(cfgetospeed(&tio), B115200);
    assert_int_equal(va_fd_stream_init(&master, m), VA_OK);

    /* Host -> guest and back, every byte intact, no echo. */
    write_all(&master.base, raw, sizeof(raw));
    assert_int_equal(read_all(&ser.base, buf, sizeof(raw), 200), sizeof(raw));
    assert_memory_equal(buf, raw, sizeof(raw));
    assert_int_equal(va_stream_read(&master.base, buf, sizeof(buf), &n), VA_ERR_AGAIN);
    write_all(&ser.base, raw, sizeof(raw));
    assert_int_equal(read_all(&master.base, buf, sizeof(raw), 200), sizeof(raw));
    assert_memory_equal(buf, raw, sizeof(raw));

    /* The guest side goes away: the host side reads CLOSED (EIO on a pty). */
    assert_int_equal(va_stream_close(&ser.base), VA_OK);
    assert_int_equal(va_stream_read(&master.base, buf, sizeof(buf), &n), VA_ERR_CLOSED);
    assert_int_equal(va_stream_close(&master.base), VA_OK);

    /* Unsupported speed, and a missing device. */
    snprintf(spec, sizeof(spec), "isa-serial:/dev/null,baud=12345");
    assert_int_equal(va_addr_parse(&a, spec), VA_OK);
    assert_int_equal(va_transport_open(&ser, &a, 0), VA_ERR_INVAL);
    assert_int_equal(va_addr_parse(&a, "virtio-serial:/dev/virtio-ports/va-none"), VA_OK);
    assert_int_equal(va_transport_open(&ser, &a, 0), VA_ERR_IO);
    assert_int_equal(ser.sys_errno, ENOENT);
    /* A non-tty opened as isa-serial fails on the termios step, no leak. */
    assert_int_equal(va_addr_parse(&a, "isa-serial:/dev/null"), VA_OK);
    assert_int_equal(va_transport_open(&ser, &a, 0), VA_ERR_IO);
    assert_int_equal(ser.sys_errno, ENOTTY);
    assert_int_equal(count_fds(), fds0);
}

static void test_virtio_serial_chardev(void **state)
{
    va_addr a;
    va_fd_stream s;
    uint8_t buf[4];
    size_t n;

    (void)state;
    /* No virtio port here; /dev/null is a character device opened the same
     * way (no termios), and reads from it are an immediate EOF. */
    assert_int_equal(va_addr_parse(&a, "virtio-serial:/dev/null"), VA_OK);
    assert_int_equal(va_transport_open(&s, &a, 0), VA_OK);
    assert_false(s.is_tty);
    assert_false(s.is_socket);
    assert_int_equal(va_stream_write(&s.base, "abc", 3, &n), VA_OK);
    assert_int_equal(n, 3);
    assert_int_equal(va_stream_read(&s.base, buf, sizeof(buf), &n), VA_ERR_CLOSED);
    assert_int_equal(va_stream_close(&s.base), VA_OK);
}

static void test_vsock(void **state)
{
    va_addr la;
    va_addr ca;
    va_listener l;
    va_fd_stream cli;
    va_fd_stream srv;
    uint32_t port;
    char spec[64];
    int ret;
    int fds0 = count_fds();

    (void)state;
    /* A port unlikely to be taken; vsock has no ephemeral bind via port 0
     * on every kernel, so pick one from the pid. */
    port = 40000u + (uint32_t)getpid() % 20000u;
    snprintf(spec, sizeof(spec), "vsock-listen:%u", (unsigned)port);
    assert_int_equal(va_addr_parse(&la, spec), VA_OK);
    ret = va_listener_open(&l, &la);
    if (ret == VA_ERR_NOTSUP) {
        printf("# vsock: AF_VSOCK not available on this host (errno %d)\n", l.sys_errno);
        skip();
    }
    assert_int_equal(ret, VA_OK);
    /* Loopback needs the vsock_loopback transport (CID 1). */
    snprintf(spec, sizeof(spec), "vsock:1:%u", (unsigned)port);
    assert_int_equal(va_addr_parse(&ca, spec), VA_OK);
    ret = va_transport_open(&cli, &ca, 500);
    if (ret != VA_OK) {
        printf("# vsock: listen works, loopback connect to cid 1 failed (%s, errno %d): "
               "no vsock_loopback transport; skipped\n", va_errname(ret), cli.sys_errno);
        assert_int_equal(va_listener_close(&l), VA_OK);
        assert_int_equal(count_fds(), fds0);
        skip();
    }
    for (ret = VA_ERR_AGAIN; ret == VA_ERR_AGAIN;) {
        ret = va_listener_accept(&l, &srv);
    }
    assert_int_equal(ret, VA_OK);
    assert_true(fill_then_drain(&cli.base, &srv.base) > 0);
    check_eof(&cli.base, &srv.base);
    assert_int_equal(va_listener_close(&l), VA_OK);
    assert_int_equal(count_fds(), fds0);
}

/* An echo server driven by the loop over a Unix socketpair: the fd watch
 * wants WRITE only while it has bytes queued, as the embedding note says. */
typedef struct echo {
    va_fd_stream *s;
    uint32_t id;
    uint8_t buf[256];
    size_t len;
    bool closed;
} echo;

static void echo_cb(va_loop *loop, const va_loop_event *ev, void *arg)
{
    echo *e = arg;
    size_t n;
    int ret;

    if ((ev->events & VA_EV_READ) && e->len < sizeof(e->buf)) {
        ret = va_stream_read(&e->s->base, e->buf + e->len, sizeof(e->buf) - e->len, &n);
        if (ret == VA_ERR_CLOSED) {
            e->closed = true;
            (void)va_loop_del(loop, e->id);
            va_loop_stop(loop);
            return;
        }
        if (ret == VA_OK) {
            e->len += n;
        }
    }
    if (e->len > 0 && va_stream_write(&e->s->base, e->buf, e->len, &n) == VA_OK) {
        memmove(e->buf, e->buf + n, e->len - n);
        e->len -= n;
    }
    assert_int_equal(va_loop_mod_fd(loop, e->id, VA_EV_READ | (e->len > 0 ? VA_EV_WRITE : 0u)),
                     VA_OK);
}

static void test_loop_echo_socket(void **state)
{
    va_loop loop;
    va_fd_stream a;
    va_fd_stream b;
    echo e = { 0 };
    int sv[2];
    uint8_t buf[64];
    int fds0 = count_fds();

    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(va_fd_stream_init(&a, sv[0]), VA_OK);
    assert_int_equal(va_fd_stream_init(&b, sv[1]), VA_OK);
    assert_int_equal(va_loop_init(&loop), VA_OK);
    e.s = &b;
    assert_int_equal(va_loop_add_fd(&loop, va_stream_fd(&b.base), VA_EV_READ, echo_cb, &e,
                                    &e.id), VA_OK);
    write_all(&a.base, (const uint8_t *)"ping", 4);
    assert_int_equal(va_loop_run_once(&loop, 1000), VA_OK);
    assert_int_equal(read_all(&a.base, buf, 4, 200), 4);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(va_stream_close(&a.base), VA_OK);
    assert_int_equal(va_loop_run(&loop), VA_OK);
    assert_true(e.closed);
    assert_int_equal(va_stream_close(&b.base), VA_OK);
    va_loop_fini(&loop);
    assert_int_equal(count_fds(), fds0);
}

/* ------------------------------------------------------------------ */

#define REG_OK(name, spec, kind, path, cid, port, baud) cmocka_unit_test(test_addr_##name),
#define REG_BAD(name, spec) cmocka_unit_test(test_addr_bad_##name),

int main(int argc, char **argv)
{
    const struct CMUnitTest unit[] = {
        ADDR_ROWS(REG_OK, REG_BAD)
        cmocka_unit_test(test_addr_method_form),
        cmocka_unit_test(test_mem_wraparound),
        cmocka_unit_test(test_mem_close),
        cmocka_unit_test(test_fault_short_and_again),
        cmocka_unit_test(test_fault_deterministic),
        cmocka_unit_test(test_fault_corrupt_counts),
        cmocka_unit_test(test_fault_disconnect),
        cmocka_unit_test(test_loop_timers_in_order),
        cmocka_unit_test(test_loop_repeating_and_ties),
        cmocka_unit_test(test_loop_fd_and_deadline),
        cmocka_unit_test(test_loop_signal),
    };
    const struct CMUnitTest integration[] = {
        cmocka_unit_test(test_socketpair_roundtrip),
        cmocka_unit_test(test_unix_listen_connect),
        cmocka_unit_test(test_tcp_loopback),
        cmocka_unit_test(test_tcp_refused),
        cmocka_unit_test(test_pty_serial),
        cmocka_unit_test(test_virtio_serial_chardev),
        cmocka_unit_test(test_vsock),
        cmocka_unit_test(test_loop_echo_socket),
    };

    if (argc > 1 && strcmp(argv[1], "unit") == 0) {
        return cmocka_run_group_tests_name("unit", unit, NULL, NULL);
    }
    if (argc > 1 && strcmp(argv[1], "integration") == 0) {
        return cmocka_run_group_tests_name("integration", integration, NULL, NULL);
    }
    fprintf(stderr, "usage: %s unit|integration\n", argc > 0 ? argv[0] : "test_transports");
    return 2;
}
