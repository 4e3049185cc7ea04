/* SPDX-License-Identifier: MIT */
/* Internal helpers shared by the transport sources; not installed. */
#ifndef VIRTAGENT_VA_TRANSPORT_INT_H
#define VIRTAGENT_VA_TRANSPORT_INT_H

#include <stdbool.h>

/* errno -> va_err: EAGAIN -> AGAIN, hangups -> CLOSED, rest -> IO. */
int va_errno_to_err(int e, bool is_tty);
/* Add O_NONBLOCK and FD_CLOEXEC to an fd we did not create ourselves. */
int va_fd_set_flags(int fd);

#endif
