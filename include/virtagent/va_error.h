/* SPDX-License-Identifier: MIT */
/*
 * virtagent error codes: one X-macro table gives the names, the numbers and
 * the strings, so they can never drift apart.
 */
#ifndef VIRTAGENT_VA_ERROR_H
#define VIRTAGENT_VA_ERROR_H

/* X(name, value, text) */
#define VA_ERRORS(X)                                                         \
    X(VA_OK,               0,  "success")                                    \
    X(VA_ERR_INVAL,       -1,  "invalid argument")                           \
    X(VA_ERR_STALE,       -2,  "stale or forged job handle")                 \
    X(VA_ERR_STATE,       -3,  "event not legal in the job's state")         \
    X(VA_ERR_FULL,        -4,  "job pool exhausted")                         \
    X(VA_ERR_LIMIT,       -5,  "configured limit reached")                   \
    X(VA_ERR_BUSY,        -6,  "server queue full: request rejected (BUSY)") \
    X(VA_ERR_NOSPACE,     -7,  "output buffer too small")                    \
    X(VA_ERR_TOOBIG,      -8,  "frame or message over the configured cap")   \
    X(VA_ERR_CORRUPT,     -9,  "integrity check failed")                     \
    X(VA_ERR_DECODE,      -10, "malformed message")                          \
    X(VA_ERR_NOMEM,       -11, "decode arena exhausted")                     \
    X(VA_ERR_NOMETHOD,    -12, "unknown method")                             \
    X(VA_ERR_DISABLED,    -13, "method disabled")                            \
    X(VA_ERR_PROTO,       -14, "protocol violation")                         \
    X(VA_ERR_IO,          -15, "transport I/O error")                        \
    X(VA_ERR_CLOSED,      -16, "stream closed")                              \
    X(VA_ERR_AGAIN,       -17, "try again")                                  \
    X(VA_ERR_TIMEOUT,     -18, "timed out")                                  \
    X(VA_ERR_NOTSUP,      -19, "not supported on this system")

#define VA_ERR_ENUM_ROW_(name, value, text) name = (value),
typedef enum va_err { VA_ERRORS(VA_ERR_ENUM_ROW_) } va_err;
#undef VA_ERR_ENUM_ROW_

/* Number of codes in the table; codes run from 0 down to -(VA_ERR_COUNT - 1). */
#define VA_ERR_COUNT 20

/* Static string for an error code; never NULL ("unknown error" if out of range). */
const char *va_strerror(int err);

/* Static identifier ("VA_ERR_BUSY") for an error code; never NULL. */
const char *va_errname(int err);

#endif
