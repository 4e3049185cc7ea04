/* SPDX-License-Identifier: MIT */
/* Opening transports: socket connect/listen/accept and serial devices. */
#include <errno.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "virtagent/va_transport.h"
#include "va_transport_int.h"

/* Pending connections the kernel queues for a listener: several host tools
 * may connect at once, but the agent serves them one by one. */
#define VA_LISTEN_BACKLOG 16

/* Close without clobbering the errno we are about to report. */
static void close_keep_errno(int fd)
{
    int e = errno;

    (void)close(fd);
    errno = e;
}

static int family_err(int e)
{
    /* The kernel has no such address family (no vsock module, no IPv6). */
    if (e == EAFNOSUPPORT || e == EPROTONOSUPPORT || e == ENODEV) {
        return VA_ERR_NOTSUP;
    }
    return VA_ERR_IO;
}

static void set_nodelay(int fd)
{
    int one = 1;

    /* RPC frames are small and latency-bound; Nagle only delays them. Failure
     * costs latency, not correctness, so it is not an error. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Wait for a non-blocking connect to finish; returns 0 or an errno. */
static int wait_connect(int fd, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    int r;
    int soerr = 0;
    socklen_t len = sizeof(soerr);

    do {
        r = poll(&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        return errno;
    }
    if (r == 0) {
        return ETIMEDOUT;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) {
        return errno;
    }
    return soerr;
}

/* socket + connect (waiting at most timeout_ms); fd or -1 with errno set. */
static int connect_sa(int family, const struct sockaddr *sa, socklen_t salen,
                      int timeout_ms)
{
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int e = 0;

    if (fd < 0) {
        return -1;
    }
    if (connect(fd, sa, salen) < 0) {
        e = errno;
        if (e == EINPROGRESS || e == EINTR) {
            e = wait_connect(fd, timeout_ms);
        }
    }
    if (e != 0) {
        (void)close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int fill_sun(struct sockaddr_un *sun, const char *path)
{
    size_t len = strlen(path);

    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    if (len == 0 || len >= sizeof(sun->sun_path)) {
        return VA_ERR_INVAL;
    }
    memcpy(sun->sun_path, path, len + 1);
    return VA_OK;
}

static int open_unix(const va_addr *a, int timeout_ms, int *fd, int *err)
{
    struct sockaddr_un sun;

    if (fill_sun(&sun, a->path) != VA_OK) {
        return VA_ERR_INVAL;
    }
    *fd = connect_sa(AF_UNIX, (const struct sockaddr *)&sun, sizeof(sun), timeout_ms);
    if (*fd < 0) {
        *err = errno;
        return errno == ETIMEDOUT ? VA_ERR_TIMEOUT : VA_ERR_IO;
    }
    return VA_OK;
}

static int open_tcp(const va_addr *a, int timeout_ms, int *fd, int *err)
{
    struct addrinfo hints = { 0 };
    struct addrinfo *res = NULL;
    struct addrinfo *ai;
    char port[8];
    int ret = VA_ERR_IO;

    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    (void)snprintf(port, sizeof(port), "%u", (unsigned)a->port);
    if (getaddrinfo(a->path, port, &hints, &res) != 0) {
        *err = ENOENT;
        return VA_ERR_IO;
    }
    *err = ECONNREFUSED;
    /* Try every address the resolver gave (e.g. ::1 then 127.0.0.1). */
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        *fd = connect_sa(ai->ai_family, ai->ai_addr, ai->ai_addrlen, timeout_ms);
        if (*fd >= 0) {
            set_nodelay(*fd);
            ret = VA_OK;
            break;
        }
        *err = errno;
        ret = errno == ETIMEDOUT ? VA_ERR_TIMEOUT : VA_ERR_IO;
    }
    freeaddrinfo(res);
    return ret;
}

static int open_vsock(const va_addr *a, int timeout_ms, int *fd, int *err)
{
    struct sockaddr_vm svm;

    memset(&svm, 0, sizeof(svm));
    svm.svm_family = AF_VSOCK;
    svm.svm_cid = a->cid;
    svm.svm_port = a->port;
    *fd = connect_sa(AF_VSOCK, (const struct sockaddr *)&svm, sizeof(svm), timeout_ms);
    if (*fd < 0) {
        *err = errno;
        if (errno == ETIMEDOUT) {
            return VA_ERR_TIMEOUT;
        }
        return family_err(errno);
    }
    return VA_OK;
}

static speed_t baud_to_speed(uint32_t baud)
{
    /* The rates a virtual or real 16550 UART is commonly set to. */
    switch (baud) {
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 921600: return B921600;
    default: return B0;
    }
}

static int open_serial(const va_addr *a, int *fd, int *err)
{
    struct termios tio;
    speed_t speed = B0;
    int ret = VA_OK;

    if (a->kind == VA_ADDR_ISA_SERIAL && a->baud != 0) {
        speed = baud_to_speed(a->baud);
        if (speed == B0) {
            return VA_ERR_INVAL;
        }
    }
    /* O_NOCTTY: the agent must never acquire the port as its terminal. */
    *fd = open(a->path, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (*fd < 0) {
        *err = errno;
        return VA_ERR_IO;
    }
    if (a->kind != VA_ADDR_ISA_SERIAL) {
        return VA_OK;
    }
    /* Raw mode: no echo, no line editing, no CR/LF mapping, 8 bits, so the
     * byte stream reaches the framer untouched. */
    if (tcgetattr(*fd, &tio) < 0) {
        ret = VA_ERR_IO;
        goto out;
    }
    cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    if (speed != B0 && (cfsetispeed(&tio, speed) < 0 || cfsetospeed(&tio, speed) < 0)) {
        ret = VA_ERR_IO;
        goto out;
    }
    if (tcsetattr(*fd, TCSANOW, &tio) < 0) {
        ret = VA_ERR_IO;
        goto out;
    }
    /* Drop whatever was queued before we owned the line. */
    (void)tcflush(*fd, TCIOFLUSH);
out:
    if (ret != VA_OK) {
        *err = errno;
        close_keep_errno(*fd);
        *fd = -1;
    }
    return ret;
}

int va_transport_open(va_fd_stream *s, const va_addr *a, int timeout_ms)
{
    int fd = -1;
    int err = 0;
    int ret;

    if (s == NULL || a == NULL) {
        return VA_ERR_INVAL;
    }
    s->fd = -1;
    s->sys_errno = 0;
    switch (a->kind) {
    case VA_ADDR_UNIX:
        ret = open_unix(a, timeout_ms, &fd, &err);
        break;
    case VA_ADDR_TCP:
        ret = open_tcp(a, timeout_ms, &fd, &err);
        break;
    case VA_ADDR_VSOCK:
        ret = open_vsock(a, timeout_ms, &fd, &err);
        break;
    case VA_ADDR_VIRTIO_SERIAL:
    case VA_ADDR_ISA_SERIAL:
        ret = open_serial(a, &fd, &err);
        break;
    default:
        ret = VA_ERR_INVAL;
        break;
    }
    if (ret != VA_OK) {
        s->sys_errno = err;
        return ret;
    }
    ret = va_fd_stream_init(s, fd);
    if (ret != VA_OK) {
        err = s->sys_errno;
        (void)close(fd);
        s->sys_errno = err;
    }
    return ret;
}

/* ------------------------------------------------------------------ */
/* Listeners                                                            */

/*
 * A path left by a dead listener makes bind fail with EADDRINUSE. Remove it
 * only when it is a socket and connecting to it is refused: a live listener
 * (another agent) is kept, and so is anything that is not a socket.
 */
static int clear_stale_unix(const struct sockaddr_un *sun, int *err)
{
    struct stat st;
    int fd;

    if (lstat(sun->sun_path, &st) < 0) {
        if (errno == ENOENT) {
            return VA_OK;
        }
        *err = errno;
        return VA_ERR_IO;
    }
    if (!S_ISSOCK(st.st_mode)) {
        *err = EEXIST;
        return VA_ERR_IO;
    }
    fd = connect_sa(AF_UNIX, (const struct sockaddr *)sun, sizeof(*sun), 1000);
    if (fd >= 0) {
        (void)close(fd);
        *err = EADDRINUSE;
        return VA_ERR_IO;
    }
    if (errno != ECONNREFUSED) {
        /* EAGAIN (backlog full) also means somebody is alive there. */
        *err = errno == EAGAIN ? EADDRINUSE : errno;
        return VA_ERR_IO;
    }
    if (unlink(sun->sun_path) < 0 && errno != ENOENT) {
        *err = errno;
        return VA_ERR_IO;
    }
    return VA_OK;
}

static int listen_unix(va_listener *l, const va_addr *a)
{
    struct sockaddr_un sun;
    struct stat st;
    int ret;

    if (fill_sun(&sun, a->path) != VA_OK) {
        return VA_ERR_INVAL;
    }
    ret = clear_stale_unix(&sun, &l->sys_errno);
    if (ret != VA_OK) {
        return ret;
    }
    l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->fd < 0) {
        goto fail;
    }
    if (bind(l->fd, (const struct sockaddr *)&sun, sizeof(sun)) < 0) {
        goto fail;
    }
    /* Remember the node so close only unlinks the socket we created. */
    if (lstat(sun.sun_path, &st) == 0) {
        l->owns_path = true;
        l->path_dev = (uint64_t)st.st_dev;
        l->path_ino = (uint64_t)st.st_ino;
        memcpy(l->path, a->path, strlen(a->path) + 1);
    }
    if (listen(l->fd, VA_LISTEN_BACKLOG) < 0) {
        goto fail;
    }
    return VA_OK;
fail:
    l->sys_errno = errno;
    return VA_ERR_IO;
}

static int listen_sa(va_listener *l, int family, const struct sockaddr *sa, socklen_t salen)
{
    int one = 1;

    l->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->fd < 0) {
        l->sys_errno = errno;
        return family_err(errno);
    }
    /* A restarted daemon must rebind despite connections in TIME_WAIT. */
    if (family != AF_VSOCK &&
        setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
        goto fail;
    }
    if (bind(l->fd, sa, salen) < 0 || listen(l->fd, VA_LISTEN_BACKLOG) < 0) {
        goto fail;
    }
    return VA_OK;
fail:
    l->sys_errno = errno;
    close_keep_errno(l->fd);
    l->fd = -1;
    return family_err(l->sys_errno);
}

static int listen_tcp(va_listener *l, const va_addr *a)
{
    struct addrinfo hints = { 0 };
    struct addrinfo *res = NULL;
    char port[8];
    int ret;

    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    (void)snprintf(port, sizeof(port), "%u", (unsigned)a->port);
    if (getaddrinfo(a->path[0] != '\0' ? a->path : NULL, port, &hints, &res) != 0) {
        l->sys_errno = ENOENT;
        return VA_ERR_IO;
    }
    /* One socket on the first address: a listener per family would need a
     * list of fds, and "[::]" already accepts IPv4 on Linux by default. */
    ret = listen_sa(l, res->ai_family, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return ret;
}

static int listen_vsock(va_listener *l, const va_addr *a)
{
    struct sockaddr_vm svm;

    memset(&svm, 0, sizeof(svm));
    svm.svm_family = AF_VSOCK;
    svm.svm_cid = a->cid;
    svm.svm_port = a->port;
    return listen_sa(l, AF_VSOCK, (const struct sockaddr *)&svm, sizeof(svm));
}

int va_listener_open(va_listener *l, const va_addr *a)
{
    int ret;

    if (l == NULL) {
        return VA_ERR_INVAL;
    }
    memset(l, 0, sizeof(*l));
    l->fd = -1;
    if (a == NULL) {
        return VA_ERR_INVAL;
    }
    l->kind = a->kind;
    switch (a->kind) {
    case VA_ADDR_UNIX_LISTEN:
        ret = listen_unix(l, a);
        break;
    case VA_ADDR_TCP_LISTEN:
        ret = listen_tcp(l, a);
        break;
    case VA_ADDR_VSOCK_LISTEN:
        ret = listen_vsock(l, a);
        break;
    default:
        ret = VA_ERR_INVAL;
        break;
    }
    if (ret != VA_OK) {
        int e = l->sys_errno;

        (void)va_listener_close(l);
        l->sys_errno = e;
    }
    return ret;
}

int va_listener_accept(va_listener *l, va_fd_stream *out)
{
    int fd;
    int ret;

    if (l == NULL || out == NULL || l->fd < 0) {
        return VA_ERR_INVAL;
    }
    out->fd = -1;
    do {
        fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        /* A connection reset before accept is the peer's problem, not ours. */
        if (errno == ECONNABORTED) {
            return VA_ERR_AGAIN;
        }
        l->sys_errno = errno;
        ret = va_errno_to_err(errno, false);
        return ret == VA_ERR_CLOSED ? VA_ERR_IO : ret;
    }
    if (l->kind == VA_ADDR_TCP_LISTEN) {
        set_nodelay(fd);
    }
    ret = va_fd_stream_init(out, fd);
    if (ret != VA_OK) {
        (void)close(fd);
    }
    return ret;
}

int va_listener_port(const va_listener *l, uint32_t *port)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (l == NULL || port == NULL || l->fd < 0) {
        return VA_ERR_INVAL;
    }
    if (getsockname(l->fd, (struct sockaddr *)&ss, &len) < 0) {
        return VA_ERR_IO;
    }
    switch (ss.ss_family) {
    case AF_INET:
        *port = ntohs(((const struct sockaddr_in *)(const void *)&ss)->sin_port);
        return VA_OK;
    case AF_INET6:
        *port = ntohs(((const struct sockaddr_in6 *)(const void *)&ss)->sin6_port);
        return VA_OK;
    case AF_VSOCK:
        *port = ((const struct sockaddr_vm *)(const void *)&ss)->svm_port;
        return VA_OK;
    default:
        return VA_ERR_INVAL;
    }
}

int va_listener_close(va_listener *l)
{
    struct stat st;
    int ret = VA_OK;

    if (l == NULL) {
        return VA_ERR_INVAL;
    }
    /* Unlink before close so no client connects to a path we are leaving,
     * and only if the node is still the one we bound (not a successor's). */
    if (l->owns_path && lstat(l->path, &st) == 0 &&
        (uint64_t)st.st_dev == l->path_dev && (uint64_t)st.st_ino == l->path_ino) {
        (void)unlink(l->path);
    }
    l->owns_path = false;
    if (l->fd >= 0 && close(l->fd) < 0 && errno != EINTR) {
        l->sys_errno = errno;
        ret = VA_ERR_IO;
    }
    l->fd = -1;
    return ret;
}
