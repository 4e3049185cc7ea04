/* SPDX-License-Identifier: MIT */
/*
 * virtagent transports: one non-blocking byte-stream abstraction (va_stream)
 * and its implementations: fd streams (Unix, TCP, vsock, virtio-serial,
 * isa-serial), an in-memory pair for tests, and a fault-injection wrapper.
 *
 * The core is sans-I/O; these are the thin adapters that own descriptors.
 * All objects are caller-owned (no heap in this library): declare the struct,
 * call its _init/_open function, and close it when done.
 *
 * Stream semantics (every implementation):
 *   VA_OK         some bytes moved; *got / *put says how many (may be partial)
 *   VA_ERR_AGAIN  nothing could be done now; wait for readiness and retry
 *   VA_ERR_CLOSED end of stream or peer hangup (after draining buffered bytes)
 *   VA_ERR_IO     any other failure (fd streams keep errno in sys_errno)
 *   VA_ERR_INVAL  bad arguments
 * EINTR is retried internally; writes never raise SIGPIPE on sockets.
 * A zero-length read or write returns VA_OK with a zero count.
 */
#ifndef VIRTAGENT_VA_TRANSPORT_H
#define VIRTAGENT_VA_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtagent/va_error.h"

/* ------------------------------------------------------------------ */
/* Stream abstraction                                                   */

typedef struct va_stream va_stream;

/* One buffer of a batched write; mirrors struct iovec without <sys/uio.h>. */
typedef struct va_iov {
    const void *base;
    size_t len;
} va_iov;

/* Most buffers one writev accepts; the core sends header + payload + trailer,
 * so a handful suffices, and a fixed bound keeps the copy on the stack. */
#define VA_IOV_MAX 16

/* Every slot is filled by every implementation (no NULL slot is ever called). */
typedef struct va_stream_ops {
    int (*read)(va_stream *s, uint8_t *buf, size_t cap, size_t *got);
    int (*write)(va_stream *s, const uint8_t *buf, size_t len, size_t *put);
    int (*writev)(va_stream *s, const va_iov *iov, size_t iovcnt, size_t *put);
    int (*close)(va_stream *s);
    int (*fd)(const va_stream *s);
} va_stream_ops;

struct va_stream {
    const va_stream_ops *ops;
};

/* Dispatchers: check arguments, zero the count, then call the ops slot. */
int va_stream_read(va_stream *s, void *buf, size_t cap, size_t *got);
int va_stream_write(va_stream *s, const void *buf, size_t len, size_t *put);
/* One system call for all buffers (sendmsg/writev); iovcnt <= VA_IOV_MAX. */
int va_stream_writev(va_stream *s, const va_iov *iov, size_t iovcnt, size_t *put);
/* Releases the stream's resources; further calls return VA_ERR_CLOSED. */
int va_stream_close(va_stream *s);
/* The descriptor to poll, or -1 for streams without one (mem pair). */
int va_stream_fd(const va_stream *s);

/* ------------------------------------------------------------------ */
/* Addresses                                                            */

typedef enum va_addr_kind {
    VA_ADDR_NONE = 0,
    VA_ADDR_UNIX,           /* unix:/path                 */
    VA_ADDR_UNIX_LISTEN,    /* unix-listen:/path          */
    VA_ADDR_TCP,            /* tcp:host:port, tcp:[v6]:port */
    VA_ADDR_TCP_LISTEN,     /* tcp-listen:host:port (host may be empty: any) */
    VA_ADDR_VSOCK,          /* vsock:cid:port             */
    VA_ADDR_VSOCK_LISTEN,   /* vsock-listen:port          */
    VA_ADDR_VIRTIO_SERIAL,  /* virtio-serial:/dev/virtio-ports/NAME */
    VA_ADDR_ISA_SERIAL,     /* isa-serial:/dev/ttyS0[,baud=N] */
} va_addr_kind;

/* Longest path or host name kept; Unix socket paths are further limited to
 * what fits sun_path (VA_ADDR_UNIX_PATH_MAX, the Linux value minus the NUL). */
#define VA_ADDR_TEXT_MAX 256
#define VA_ADDR_UNIX_PATH_MAX 107

typedef struct va_addr {
    va_addr_kind kind;
    char path[VA_ADDR_TEXT_MAX]; /* socket/device path, or TCP host ("" = any) */
    uint32_t cid;                /* vsock context id (listen: VMADDR_CID_ANY) */
    uint32_t port;               /* TCP or vsock port; TCP listen may use 0 */
    uint32_t baud;               /* isa-serial speed; 0 keeps the current one */
} va_addr;

/* "method:rest" form. VA_ERR_INVAL (and *out zeroed) on any malformed input. */
int va_addr_parse(va_addr *out, const char *spec);
/* "-m METHOD -p PATH" form: method is one of the names above (without the
 * colon), path is the text after the colon in the one-string form. */
int va_addr_from_method(va_addr *out, const char *method, const char *path);
/* Static method name for a kind ("unix-listen"), "none" if unknown. */
const char *va_addr_kind_name(va_addr_kind kind);
/* True for the *-listen kinds (use va_listener_open), false for the rest. */
bool va_addr_is_listen(const va_addr *a);

/* ------------------------------------------------------------------ */
/* fd streams                                                           */

typedef struct va_fd_stream {
    va_stream base;
    int fd;
    bool is_socket; /* send/sendmsg with MSG_NOSIGNAL rather than write */
    bool is_tty;    /* EIO on a tty master means the other side hung up */
    int sys_errno;  /* errno of the last VA_ERR_IO, for diagnostics only */
} va_fd_stream;

/* Adopt an open descriptor (made non-blocking and close-on-exec). On success
 * the stream owns it; on failure it is left open and still the caller's.
 * Writes use MSG_NOSIGNAL on sockets only: a pipe given here can still raise
 * SIGPIPE, so daemons adopting pipes should ignore that signal. */
int va_fd_stream_init(va_fd_stream *s, int fd);

/* Open a non-listen address: connect a socket, or open a serial device.
 * timeout_ms bounds a connect in progress (< 0: wait forever).
 * Errors: VA_ERR_INVAL (listen kind, bad address), VA_ERR_NOTSUP (address
 * family missing on this host, e.g. no vsock), VA_ERR_TIMEOUT, VA_ERR_IO. */
int va_transport_open(va_fd_stream *s, const va_addr *a, int timeout_ms);

/* A listening socket: Unix, TCP or vsock. */
typedef struct va_listener {
    int fd;
    va_addr_kind kind;
    int sys_errno;
    /* Unix only: the node we bound, so close removes it only if still ours. */
    bool owns_path;
    uint64_t path_dev;
    uint64_t path_ino;
    char path[VA_ADDR_TEXT_MAX];
} va_listener;

/* Bind and listen. A Unix path that exists is removed only if it is a socket
 * nobody accepts on (stale); a live socket or a non-socket gives VA_ERR_IO
 * with sys_errno EADDRINUSE / EEXIST. */
int va_listener_open(va_listener *l, const va_addr *a);
/* Accept one connection, VA_ERR_AGAIN if none is pending. */
int va_listener_accept(va_listener *l, va_fd_stream *out);
/* The bound port (TCP or vsock), useful after listening on port 0. */
int va_listener_port(const va_listener *l, uint32_t *port);
int va_listener_close(va_listener *l);

/* ------------------------------------------------------------------ */
/* In-memory pair (tests): two streams over two bounded rings, no fd.   */

typedef struct va_mem_ring {
    uint8_t *buf;
    size_t cap;
    size_t head; /* index of the oldest byte */
    size_t len;  /* bytes stored */
} va_mem_ring;

typedef struct va_mem_pair va_mem_pair;

typedef struct va_mem_end {
    va_stream base;
    va_mem_pair *pair;
    uint32_t side; /* 0 or 1: writes into ring[side], reads ring[1 - side] */
} va_mem_end;

struct va_mem_pair {
    va_mem_end end[2];
    va_mem_ring ring[2];
    bool closed[2];
};

/* buf0 (cap0 bytes) carries side 0 -> side 1, buf1 the other way. */
int va_mem_pair_init(va_mem_pair *p, uint8_t *buf0, size_t cap0,
                     uint8_t *buf1, size_t cap1);
/* Stream for side 0 or 1; NULL for any other side. */
va_stream *va_mem_pair_stream(va_mem_pair *p, uint32_t side);
/* Bytes waiting to be read by `side` (an embedder's "readable" test). */
size_t va_mem_pair_pending(const va_mem_pair *p, uint32_t side);

/* ------------------------------------------------------------------ */
/* Fault injection: wraps any stream, deterministic for a seed.         */

/* Probabilities are in parts per million, so configs stay integral. */
#define VA_FAULT_PPM 1000000u

typedef struct va_fault_config {
    uint64_t seed;
    size_t max_read_chunk;      /* 0: no limit; else each read moves 1..max */
    size_t max_write_chunk;     /* 0: no limit; else each write moves 1..max */
    uint32_t again_ppm;         /* chance a call returns a spurious AGAIN */
    uint32_t corrupt_ppm;       /* chance each byte read is flipped */
    uint64_t disconnect_after;  /* 0: never; else close after this many
                                   bytes (reads + writes) have passed */
} va_fault_config;

typedef struct va_fault_stats {
    uint64_t bytes_read;
    uint64_t bytes_written;
    uint64_t short_reads;   /* reads cut by max_read_chunk */
    uint64_t short_writes;  /* writes cut by max_write_chunk */
    uint64_t agains;        /* spurious VA_ERR_AGAIN returned */
    uint64_t corrupted;     /* bytes flipped */
    bool disconnected;      /* disconnect_after reached */
} va_fault_stats;

typedef struct va_fault_stream {
    va_stream base;
    va_stream *inner;
    va_fault_config cfg;
    uint64_t rng;
    va_fault_stats stats;
    bool closed;
} va_fault_stream;

/* Corruption applies to bytes read (the receiver's view), so the wrapped
 * side sees damaged frames without copying the caller's const write data.
 * At the disconnect point the inner stream is closed at once (the peer sees
 * EOF mid-frame) and va_stream_fd turns -1: drop any loop watch on the old
 * fd when an operation returns VA_ERR_CLOSED. Closing the fault stream
 * closes the inner stream if that has not happened yet. */
int va_fault_init(va_fault_stream *f, va_stream *inner, const va_fault_config *cfg);

#endif
