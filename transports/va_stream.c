/* SPDX-License-Identifier: MIT */
/* Stream dispatchers and the fd stream (sockets, ttys, char devices). */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "virtagent/va_transport.h"
#include "va_transport_int.h"

int va_stream_read(va_stream *s, void *buf, size_t cap, size_t *got)
{
    if (s == NULL || s->ops == NULL || got == NULL || (buf == NULL && cap > 0)) {
        return VA_ERR_INVAL;
    }
    *got = 0;
    if (cap == 0) {
        return VA_OK;
    }
    return s->ops->read(s, buf, cap, got);
}

int va_stream_write(va_stream *s, const void *buf, size_t len, size_t *put)
{
    if (s == NULL || s->ops == NULL || put == NULL || (buf == NULL && len > 0)) {
        return VA_ERR_INVAL;
    }
    *put = 0;
    if (len == 0) {
        return VA_OK;
    }
    return s->ops->write(s, buf, len, put);
}

int va_stream_writev(va_stream *s, const va_iov *iov, size_t iovcnt, size_t *put)
{
    size_t i;
    size_t total = 0;

    if (s == NULL || s->ops == NULL || put == NULL || iovcnt > VA_IOV_MAX ||
        (iov == NULL && iovcnt > 0)) {
        return VA_ERR_INVAL;
    }
    *put = 0;
    for (i = 0; i < iovcnt; i++) {
        if (iov[i].base == NULL && iov[i].len > 0) {
            return VA_ERR_INVAL;
        }
        if (iov[i].len > SIZE_MAX - total) {
            return VA_ERR_INVAL;
        }
        total += iov[i].len;
    }
    if (total == 0) {
        return VA_OK;
    }
    return s->ops->writev(s, iov, iovcnt, put);
}

int va_stream_close(va_stream *s)
{
    if (s == NULL || s->ops == NULL) {
        return VA_ERR_INVAL;
    }
    return s->ops->close(s);
}

int va_stream_fd(const va_stream *s)
{
    if (s == NULL || s->ops == NULL) {
        return -1;
    }
    return s->ops->fd(s);
}

/* ------------------------------------------------------------------ */

int va_errno_to_err(int e, bool is_tty)
{
    switch (e) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
        return VA_ERR_AGAIN;
    case EPIPE:
    case ECONNRESET:
    case ENOTCONN:
    case ESHUTDOWN:
        return VA_ERR_CLOSED;
    case EIO:
        /* A pty master reads EIO once the slave side is closed: a hangup. */
        return is_tty ? VA_ERR_CLOSED : VA_ERR_IO;
    default:
        return VA_ERR_IO;
    }
}

static va_fd_stream *fd_of(va_stream *s)
{
    return (va_fd_stream *)(void *)s;
}

static int fd_fail(va_fd_stream *f, int e)
{
    int ret = va_errno_to_err(e, f->is_tty);

    if (ret == VA_ERR_IO) {
        f->sys_errno = e;
    }
    return ret;
}

static int fd_read(va_stream *s, uint8_t *buf, size_t cap, size_t *got)
{
    va_fd_stream *f = fd_of(s);
    ssize_t n;

    if (f->fd < 0) {
        return VA_ERR_CLOSED;
    }
    do {
        n = read(f->fd, buf, cap);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return fd_fail(f, errno);
    }
    if (n == 0) {
        return VA_ERR_CLOSED;
    }
    *got = (size_t)n;
    return VA_OK;
}

static int fd_writev(va_stream *s, const va_iov *iov, size_t iovcnt, size_t *put)
{
    va_fd_stream *f = fd_of(s);
    struct iovec v[VA_IOV_MAX];
    struct msghdr msg = { 0 };
    size_t i;
    size_t used = 0;
    ssize_t n;

    if (f->fd < 0) {
        return VA_ERR_CLOSED;
    }
    for (i = 0; i < iovcnt; i++) {
        /* Empty buffers are dropped: sendmsg accepts them, but skipping keeps
         * the count honest for the kernel's UIO_MAXIOV check. */
        if (iov[i].len > 0) {
            v[used].iov_base = (void *)(uintptr_t)iov[i].base;
            v[used].iov_len = iov[i].len;
            used++;
        }
    }
    msg.msg_iov = v;
    msg.msg_iovlen = used;
    do {
        if (f->is_socket) {
            /* MSG_NOSIGNAL: a closed peer must give EPIPE, never SIGPIPE. */
            n = sendmsg(f->fd, &msg, MSG_NOSIGNAL);
        } else {
            n = writev(f->fd, v, (int)used);
        }
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return fd_fail(f, errno);
    }
    *put = (size_t)n;
    return VA_OK;
}

static int fd_write(va_stream *s, const uint8_t *buf, size_t len, size_t *put)
{
    va_iov one = { .base = buf, .len = len };

    return fd_writev(s, &one, 1, put);
}

static int fd_close(va_stream *s)
{
    va_fd_stream *f = fd_of(s);
    int fd = f->fd;

    if (fd < 0) {
        return VA_ERR_CLOSED;
    }
    f->fd = -1;
    /* Linux releases the descriptor even when close reports EINTR, so it is
     * never retried (a retry could close a descriptor reused meanwhile). */
    if (close(fd) < 0 && errno != EINTR) {
        f->sys_errno = errno;
        return VA_ERR_IO;
    }
    return VA_OK;
}

static int fd_fd(const va_stream *s)
{
    return ((const va_fd_stream *)(const void *)s)->fd;
}

static const va_stream_ops va_fd_stream_ops = {
    .read = fd_read,
    .write = fd_write,
    .writev = fd_writev,
    .close = fd_close,
    .fd = fd_fd,
};

int va_fd_set_flags(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
        return VA_ERR_IO;
    }
    fl = fcntl(fd, F_GETFD);
    if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0) {
        return VA_ERR_IO;
    }
    return VA_OK;
}

int va_fd_stream_init(va_fd_stream *s, int fd)
{
    struct stat st;

    if (s == NULL || fd < 0) {
        return VA_ERR_INVAL;
    }
    s->base.ops = &va_fd_stream_ops;
    s->fd = -1;
    s->is_socket = false;
    s->is_tty = false;
    s->sys_errno = 0;
    if (fstat(fd, &st) < 0 || va_fd_set_flags(fd) != VA_OK) {
        s->sys_errno = errno;
        return VA_ERR_IO;
    }
    s->is_socket = S_ISSOCK(st.st_mode);
    s->is_tty = isatty(fd) == 1;
    s->fd = fd;
    return VA_OK;
}
