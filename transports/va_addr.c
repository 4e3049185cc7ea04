/* SPDX-License-Identifier: MIT */
/* Address parser: "method:rest" and "-m method -p rest" forms. */
#include <string.h>

#include "virtagent/va_transport.h"

/* VMADDR_CID_ANY from <linux/vm_sockets.h>, kept here so the parser stays
 * free of Linux headers. */
#define VA_VSOCK_CID_ANY UINT32_MAX

typedef struct method_row {
    const char *name;
    va_addr_kind kind;
} method_row;

/* Method names as the CLI spells them (-m NAME); matched whole, not by prefix. */
static const method_row va_methods[] = {
    { "unix", VA_ADDR_UNIX },
    { "unix-listen", VA_ADDR_UNIX_LISTEN },
    { "tcp", VA_ADDR_TCP },
    { "tcp-listen", VA_ADDR_TCP_LISTEN },
    { "vsock", VA_ADDR_VSOCK },
    { "vsock-listen", VA_ADDR_VSOCK_LISTEN },
    { "virtio-serial", VA_ADDR_VIRTIO_SERIAL },
    { "isa-serial", VA_ADDR_ISA_SERIAL },
};

#define N_METHODS (sizeof(va_methods) / sizeof(va_methods[0]))

const char *va_addr_kind_name(va_addr_kind kind)
{
    size_t i;

    for (i = 0; i < N_METHODS; i++) {
        if (va_methods[i].kind == kind) {
            return va_methods[i].name;
        }
    }
    return "none";
}

bool va_addr_is_listen(const va_addr *a)
{
    return a != NULL && (a->kind == VA_ADDR_UNIX_LISTEN ||
                         a->kind == VA_ADDR_TCP_LISTEN ||
                         a->kind == VA_ADDR_VSOCK_LISTEN);
}

/* Decimal u32 of exactly len characters, no sign, no spaces, <= max. */
static int parse_u32(const char *s, size_t len, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (len == 0 || len > 10) {
        return VA_ERR_INVAL;
    }
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return VA_ERR_INVAL;
        }
        v = v * 10u + (uint64_t)(s[i] - '0');
    }
    if (v > max) {
        return VA_ERR_INVAL;
    }
    *out = (uint32_t)v;
    return VA_OK;
}

static int copy_text(char *dst, const char *src, size_t len, size_t max)
{
    if (len >= max || memchr(src, '\0', len) != NULL) {
        return VA_ERR_INVAL;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
    return VA_OK;
}

/* host:port or [v6]:port; an empty host is allowed only when listening. */
static int parse_host_port(va_addr *a, const char *s, bool listen)
{
    const char *colon;
    const char *host = s;
    size_t host_len;
    int ret;

    if (s[0] == '[') {
        const char *close = strchr(s, ']');

        if (close == NULL || close[1] != ':') {
            return VA_ERR_INVAL;
        }
        host = s + 1;
        host_len = (size_t)(close - host);
        colon = close + 1;
        if (host_len == 0) {
            return VA_ERR_INVAL;
        }
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL) {
            return VA_ERR_INVAL;
        }
        host_len = (size_t)(colon - s);
        /* A bare IPv6 literal is ambiguous with the port: require brackets. */
        if (memchr(s, ':', host_len) != NULL) {
            return VA_ERR_INVAL;
        }
    }
    if (host_len == 0 && !listen) {
        return VA_ERR_INVAL;
    }
    ret = copy_text(a->path, host, host_len, sizeof(a->path));
    if (ret != VA_OK) {
        return ret;
    }
    ret = parse_u32(colon + 1, strlen(colon + 1), UINT16_MAX, &a->port);
    if (ret != VA_OK) {
        return ret;
    }
    /* Port 0 asks the kernel for an ephemeral port: only meaningful for bind. */
    if (a->port == 0 && !listen) {
        return VA_ERR_INVAL;
    }
    return VA_OK;
}

static int parse_vsock(va_addr *a, const char *s, bool listen)
{
    const char *colon = strchr(s, ':');

    if (listen) {
        /* vsock-listen:port binds to any cid, which is what a guest wants. */
        a->cid = VA_VSOCK_CID_ANY;
        return parse_u32(s, strlen(s), UINT32_MAX, &a->port);
    }
    if (colon == NULL) {
        return VA_ERR_INVAL;
    }
    if (parse_u32(s, (size_t)(colon - s), UINT32_MAX, &a->cid) != VA_OK) {
        return VA_ERR_INVAL;
    }
    return parse_u32(colon + 1, strlen(colon + 1), UINT32_MAX, &a->port);
}

/* Serial options: ",baud=N" after the device path. */
static int parse_serial(va_addr *a, const char *s, bool allow_baud)
{
    const char *comma = strchr(s, ',');
    size_t path_len = comma != NULL ? (size_t)(comma - s) : strlen(s);
    int ret;

    if (path_len == 0 || s[0] != '/') {
        return VA_ERR_INVAL;
    }
    ret = copy_text(a->path, s, path_len, sizeof(a->path));
    if (ret != VA_OK || comma == NULL) {
        return ret;
    }
    if (!allow_baud || strncmp(comma, ",baud=", 6) != 0) {
        return VA_ERR_INVAL;
    }
    ret = parse_u32(comma + 6, strlen(comma + 6), UINT32_MAX, &a->baud);
    if (ret == VA_OK && a->baud == 0) {
        ret = VA_ERR_INVAL;
    }
    return ret;
}

static int parse_rest(va_addr *a, const char *rest)
{
    size_t len = strlen(rest);

    switch (a->kind) {
    case VA_ADDR_UNIX:
    case VA_ADDR_UNIX_LISTEN:
        /* Abstract sockets ("@name") are not supported: paths only. */
        if (len == 0 || len > VA_ADDR_UNIX_PATH_MAX || rest[0] == '@') {
            return VA_ERR_INVAL;
        }
        return copy_text(a->path, rest, len, sizeof(a->path));
    case VA_ADDR_TCP:
        return parse_host_port(a, rest, false);
    case VA_ADDR_TCP_LISTEN:
        return parse_host_port(a, rest, true);
    case VA_ADDR_VSOCK:
        return parse_vsock(a, rest, false);
    case VA_ADDR_VSOCK_LISTEN:
        return parse_vsock(a, rest, true);
    case VA_ADDR_VIRTIO_SERIAL:
        return parse_serial(a, rest, false);
    case VA_ADDR_ISA_SERIAL:
        return parse_serial(a, rest, true);
    case VA_ADDR_NONE:
    default:
        return VA_ERR_INVAL;
    }
}

static int from_method(va_addr *out, const char *method, size_t mlen, const char *rest)
{
    size_t i;
    int ret = VA_ERR_INVAL;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < N_METHODS; i++) {
        if (strlen(va_methods[i].name) == mlen &&
            memcmp(va_methods[i].name, method, mlen) == 0) {
            out->kind = va_methods[i].kind;
            ret = parse_rest(out, rest);
            break;
        }
    }
    if (ret != VA_OK) {
        memset(out, 0, sizeof(*out));
    }
    return ret;
}

int va_addr_parse(va_addr *out, const char *spec)
{
    const char *colon;

    if (out == NULL) {
        return VA_ERR_INVAL;
    }
    if (spec == NULL || (colon = strchr(spec, ':')) == NULL) {
        memset(out, 0, sizeof(*out));
        return VA_ERR_INVAL;
    }
    return from_method(out, spec, (size_t)(colon - spec), colon + 1);
}

int va_addr_from_method(va_addr *out, const char *method, const char *path)
{
    if (out == NULL) {
        return VA_ERR_INVAL;
    }
    if (method == NULL || path == NULL) {
        memset(out, 0, sizeof(*out));
        return VA_ERR_INVAL;
    }
    return from_method(out, method, strlen(method), path);
}
