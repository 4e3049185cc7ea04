/* SPDX-License-Identifier: MIT */
/* Shared tool helpers: descriptor-driven printing and a flat JSON mapper. */
#include "va_tool.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "virtagent/va_error.h"

/* ---- escaping ------------------------------------------------------------ */

/* Length of a valid UTF-8 sequence at s (1..4), 0 if invalid.  Rejects
 * overlongs, surrogates and code points past U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t len;

    if (s[0] < 0x80u) {
        return 1;
    }
    if (s[0] >= 0xc2u && s[0] <= 0xdfu) {
        len = 2;
        cp = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0u && s[0] <= 0xefu) {
        len = 3;
        cp = s[0] & 0x0fu;
    } else if (s[0] >= 0xf0u && s[0] <= 0xf4u) {
        len = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0u) != 0x80u) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if ((len == 3 && (cp < 0x800u || (cp >= 0xd800u && cp <= 0xdfffu))) ||
        (len == 4 && (cp < 0x10000u || cp > 0x10ffffu))) {
        return 0;
    }
    return len;
}

void vt_print_str(FILE *f, const char *s, size_t n, bool json)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    if (json) {
        fputc('"', f);
    }
    while (i < n) {
        unsigned char c = u[i];
        size_t k;

        if (c == '"' && json) {
            fputs("\\\"", f);
        } else if (c == '\\') {
            fputs("\\\\", f);
        } else if (c == '\n') {
            fputs("\\n", f);
        } else if (c == '\t') {
            fputs("\\t", f);
        } else if (c < 0x20u || c == 0x7fu) {
            fprintf(f, json ? "\\u%04x" : "\\x%02x", c);
        } else if (c < 0x80u) {
            fputc(c, f);
        } else if ((k = utf8_len(u + i, n - i)) != 0u) {
            /* C1 controls (U+0080..U+009F) can drive terminals too */
            if (k == 2 && c == 0xc2u && u[i + 1] < 0xa0u) {
                fprintf(f, json ? "\\u%04x" : "\\u%04x", u[i + 1]);
            } else {
                fwrite(u + i, 1, k, f);
            }
            i += k;
            continue;
        } else {
            fputs(json ? "\\ufffd" : "\\x", f);
            if (!json) {
                fprintf(f, "%02x", c);
            }
        }
        i++;
    }
    if (json) {
        fputc('"', f);
    }
}

const char *vt_enum_name(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t len)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
    size_t i;

    if (v == NULL || len == 0u) {
        return NULL;
    }
    for (i = 0; v->name[i] != '\0' && i + 1u < len; i++) {
        buf[i] = (char)tolower((unsigned char)v->name[i]);
    }
    buf[i] = '\0';
    return buf;
}

/* ---- printing ------------------------------------------------------------- */

typedef enum style { S_JSON, S_TEXT, S_INLINE } style;

static void print_msg(FILE *f, const ProtobufCMessage *m, style st, const char *indent, int depth);

static void print_scalar(FILE *f, const ProtobufCFieldDescriptor *fd, const void *p, style st,
                         const char *indent, int depth)
{
    bool json = st == S_JSON;

    switch (fd->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        fprintf(f, "%" PRId32, *(const int32_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        fprintf(f, "%" PRIu32, *(const uint32_t *)p);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        fprintf(f, "%" PRId64, *(const int64_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        fprintf(f, "%" PRIu64, *(const uint64_t *)p);
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        fprintf(f, "%g", (double)*(const float *)p);
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        fprintf(f, "%g", *(const double *)p);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        fputs(*(const protobuf_c_boolean *)p ? "true" : "false", f);
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        char buf[64];
        int v = *(const int *)p;
        const char *name = vt_enum_name(fd->descriptor, v, buf, sizeof buf);
        if (name != NULL) {
            vt_print_str(f, name, strlen(name), json);
        } else {
            fprintf(f, "%d", v);
        }
        break;
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        vt_print_str(f, s, strlen(s), json);
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        if (json) {
            fputc('"', f);
        }
        for (size_t i = 0; i < b->len; i++) {
            fprintf(f, "%02x", b->data[i]);
        }
        if (json) {
            fputc('"', f);
        }
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        print_msg(f, *(ProtobufCMessage *const *)p, st == S_TEXT ? S_INLINE : st, indent,
                  depth + 1);
        break;
    default:
        fputs(json ? "null" : "?", f);
        break;
    }
}

static size_t elem_size(const ProtobufCFieldDescriptor *fd)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int);
    default:
        return 4;
    }
}

/* Whether an optional field is set, for proto2 (has_ flags) and pointers. */
static bool field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
    const char *base = (const char *)m;

    if (fd->type == PROTOBUF_C_TYPE_STRING || fd->type == PROTOBUF_C_TYPE_MESSAGE) {
        return *(char *const *)(const void *)(base + fd->offset) != NULL;
    }
    if (fd->label == PROTOBUF_C_LABEL_OPTIONAL) {
        return *(const protobuf_c_boolean *)(const void *)(base + fd->quantifier_offset) != 0;
    }
    return fd->label == PROTOBUF_C_LABEL_REQUIRED;
}

static void print_msg(FILE *f, const ProtobufCMessage *m, style st, const char *indent, int depth)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *)m;
    bool first = true;

    if (depth > VT_DEPTH_MAX) {
        fputs(st == S_JSON ? "null" : "...", f);
        return;
    }
    if (st == S_JSON) {
        fputc('{', f);
    }
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        const void *p = base + fd->offset;

        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(const void *)(base + fd->quantifier_offset);
            const char *arr = *(char *const *)p;
            if (st == S_JSON) {
                fprintf(f, "%s\"%s\":[", first ? "" : ",", fd->name);
            } else if (st == S_INLINE) {
                fprintf(f, "%s%s=[", first ? "" : " ", fd->name);
            } else {
                fprintf(f, "%s%s:%s\n", indent, fd->name, n == 0u ? " (none)" : "");
            }
            for (size_t k = 0; k < n; k++) {
                const void *e = arr + k * elem_size(fd);
                if (st == S_TEXT) {
                    fprintf(f, "%s  - ", indent);
                } else if (k != 0u) {
                    fputs(st == S_JSON ? "," : " ", f);
                }
                print_scalar(f, fd, e, st, indent, depth);
                if (st == S_TEXT) {
                    fputc('\n', f);
                }
            }
            if (st != S_TEXT) {
                fputc(']', f);
            }
            first = false;
            continue;
        }
        if (!field_present(m, fd)) {
            continue;
        }
        if (st == S_JSON) {
            fprintf(f, "%s\"%s\":", first ? "" : ",", fd->name);
        } else if (st == S_INLINE) {
            fprintf(f, "%s%s=", first ? "" : " ", fd->name);
        } else {
            fprintf(f, "%s%s: ", indent, fd->name);
        }
        print_scalar(f, fd, p, st, indent, depth);
        if (st == S_TEXT) {
            fputc('\n', f);
        }
        first = false;
    }
    if (st == S_JSON) {
        fputc('}', f);
    } else if (st == S_TEXT && first) {
        fprintf(f, "%s(empty)\n", indent);
    }
}

void vt_print_json(FILE *f, const ProtobufCMessage *m)
{
    print_msg(f, m, S_JSON, "", 0);
}

void vt_print_text(FILE *f, const ProtobufCMessage *m, const char *indent)
{
    print_msg(f, m, S_TEXT, indent, 0);
}

/* ---- flat JSON -> message --------------------------------------------------- */

typedef struct jp {
    const char *s;
    size_t i, n;
    char *pool;
    size_t pool_len, pool_used;
    char *err;
    size_t err_len;
} jp;

static int jfail(jp *p, const char *what)
{
    snprintf(p->err, p->err_len, "bad JSON at offset %zu: %s", p->i, what);
    return VA_ERR_INVAL;
}

static void jws(jp *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                           p->s[p->i] == '\r')) {
        p->i++;
    }
}

static int pool_put(jp *p, uint32_t c)
{
    if (p->pool_used + 1u >= p->pool_len) {
        return jfail(p, "strings too long");
    }
    p->pool[p->pool_used++] = (char)c;
    return VA_OK;
}

static int hex4(jp *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p->i < p->n ? p->s[p->i++] : '\0';
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= (uint32_t)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            v |= (uint32_t)(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            v |= (uint32_t)(c - 'A' + 10);
        } else {
            return jfail(p, "bad \\u escape");
        }
    }
    *out = v;
    return VA_OK;
}

/* A JSON string into the pool (NUL-terminated); *out points at it. */
static int jstring(jp *p, char **out)
{
    size_t start = p->pool_used;
    int rc = VA_OK;

    if (p->i >= p->n || p->s[p->i] != '"') {
        return jfail(p, "string expected");
    }
    p->i++;
    for (;;) {
        unsigned char c;
        if (p->i >= p->n) {
            return jfail(p, "unterminated string");
        }
        c = (unsigned char)p->s[p->i++];
        if (c == '"') {
            break;
        }
        if (c < 0x20u) {
            return jfail(p, "control character in string");
        }
        if (c != '\\') {
            rc = pool_put(p, c);
        } else {
            char e = p->i < p->n ? p->s[p->i++] : '\0';
            uint32_t cp = 0;
            switch (e) {
            case '"': case '\\': case '/': rc = pool_put(p, (uint32_t)e); break;
            case 'b': rc = pool_put(p, '\b'); break;
            case 'f': rc = pool_put(p, '\f'); break;
            case 'n': rc = pool_put(p, '\n'); break;
            case 'r': rc = pool_put(p, '\r'); break;
            case 't': rc = pool_put(p, '\t'); break;
            case 'u':
                rc = hex4(p, &cp);
                if (rc == VA_OK && (cp == 0u || (cp >= 0xd800u && cp <= 0xdfffu))) {
                    /* NUL would truncate; surrogate pairs are not needed for
                     * any request field */
                    return jfail(p, "\\u0000 and surrogates not supported");
                }
                if (rc == VA_OK && cp < 0x80u) {
                    rc = pool_put(p, cp);
                } else if (rc == VA_OK && cp < 0x800u) {
                    rc = pool_put(p, 0xc0u | (cp >> 6));
                    rc = rc == VA_OK ? pool_put(p, 0x80u | (cp & 0x3fu)) : rc;
                } else if (rc == VA_OK) {
                    rc = pool_put(p, 0xe0u | (cp >> 12));
                    rc = rc == VA_OK ? pool_put(p, 0x80u | ((cp >> 6) & 0x3fu)) : rc;
                    rc = rc == VA_OK ? pool_put(p, 0x80u | (cp & 0x3fu)) : rc;
                }
                break;
            default:
                return jfail(p, "bad escape");
            }
        }
        if (rc != VA_OK) {
            return rc;
        }
    }
    rc = pool_put(p, 0);
    *out = p->pool + start;
    return rc;
}

static int set_int(jp *p, const ProtobufCFieldDescriptor *fd, void *dst, const char *num)
{
    char *end = NULL;
    bool neg = num[0] == '-';
    long long sv = 0;
    unsigned long long uv = 0;

    errno = 0;
    if (neg) {
        sv = strtoll(num, &end, 10);
    } else {
        uv = strtoull(num, &end, 10);
    }
    if (errno != 0 || end == num || *end != '\0') {
        return jfail(p, "integer out of range");
    }
    switch (fd->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (neg ? sv < INT32_MIN : uv > INT32_MAX) {
            return jfail(p, "integer out of range");
        }
        *(int32_t *)dst = neg ? (int32_t)sv : (int32_t)uv;
        return VA_OK;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (neg || uv > UINT32_MAX) {
            return jfail(p, "integer out of range");
        }
        *(uint32_t *)dst = (uint32_t)uv;
        return VA_OK;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (!neg && uv > INT64_MAX) {
            return jfail(p, "integer out of range");
        }
        *(int64_t *)dst = neg ? (int64_t)sv : (int64_t)uv;
        return VA_OK;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (neg) {
            return jfail(p, "integer out of range");
        }
        *(uint64_t *)dst = (uint64_t)uv;
        return VA_OK;
    case PROTOBUF_C_TYPE_ENUM:
        if (neg ? sv < INT32_MIN : uv > INT32_MAX) {
            return jfail(p, "integer out of range");
        }
        *(int *)dst = neg ? (int)sv : (int)uv;
        if (protobuf_c_enum_descriptor_get_value(fd->descriptor, *(int *)dst) == NULL) {
            return jfail(p, "unknown enum value");
        }
        return VA_OK;
    default:
        return jfail(p, "number given for a non-numeric field");
    }
}

/* Enum by name, ASCII case-insensitively ("powerdown" or "POWERDOWN"). */
static int set_enum_name(jp *p, const ProtobufCFieldDescriptor *fd, void *dst, const char *name)
{
    const ProtobufCEnumDescriptor *ed = fd->descriptor;
    for (unsigned k = 0; k < ed->n_values; k++) {
        if (strcasecmp(ed->values[k].name, name) == 0) {
            *(int *)dst = ed->values[k].value;
            return VA_OK;
        }
    }
    return jfail(p, "unknown enum name");
}

static int member(jp *p, const ProtobufCMessageDescriptor *desc, void *msg)
{
    const ProtobufCFieldDescriptor *fd;
    char *key = NULL;
    char *base = msg;
    void *dst;
    int rc = jstring(p, &key);

    if (rc != VA_OK) {
        return rc;
    }
    fd = protobuf_c_message_descriptor_get_field_by_name(desc, key);
    if (fd == NULL) {
        snprintf(p->err, p->err_len, "%s has no field '%.64s'", desc->short_name, key);
        return VA_ERR_INVAL;
    }
    if (fd->label == PROTOBUF_C_LABEL_REPEATED || fd->type == PROTOBUF_C_TYPE_MESSAGE ||
        fd->type == PROTOBUF_C_TYPE_BYTES || fd->type == PROTOBUF_C_TYPE_FLOAT ||
        fd->type == PROTOBUF_C_TYPE_DOUBLE) {
        snprintf(p->err, p->err_len, "field '%s': only integer, bool, enum and string fields "
                 "can be given in JSON", fd->name);
        return VA_ERR_INVAL;
    }
    jws(p);
    if (p->i >= p->n || p->s[p->i] != ':') {
        return jfail(p, "':' expected");
    }
    p->i++;
    jws(p);
    dst = base + fd->offset;
    if (p->i < p->n && p->s[p->i] == '"') {
        char *str = NULL;
        rc = jstring(p, &str);
        if (rc != VA_OK) {
            return rc;
        }
        if (fd->type == PROTOBUF_C_TYPE_STRING) {
            *(char **)dst = str;
        } else if (fd->type == PROTOBUF_C_TYPE_ENUM) {
            rc = set_enum_name(p, fd, dst, str);
        } else {
            return jfail(p, "string given for a non-string field");
        }
    } else if (p->i < p->n && (p->s[p->i] == 't' || p->s[p->i] == 'f')) {
        bool v = p->s[p->i] == 't';
        const char *word = v ? "true" : "false";
        size_t wl = strlen(word);
        if (p->n - p->i < wl || strncmp(p->s + p->i, word, wl) != 0) {
            return jfail(p, "value expected");
        }
        p->i += wl;
        if (fd->type != PROTOBUF_C_TYPE_BOOL) {
            return jfail(p, "bool given for a non-bool field");
        }
        *(protobuf_c_boolean *)dst = v;
    } else if (p->i < p->n && (p->s[p->i] == '-' || isdigit((unsigned char)p->s[p->i]))) {
        char num[32];
        size_t k = 0;
        while (p->i < p->n && k + 1u < sizeof num &&
               (p->s[p->i] == '-' || isdigit((unsigned char)p->s[p->i]))) {
            num[k++] = p->s[p->i++];
        }
        num[k] = '\0';
        if (p->i < p->n && (p->s[p->i] == '.' || p->s[p->i] == 'e' || p->s[p->i] == 'E' ||
                            isdigit((unsigned char)p->s[p->i]))) {
            return jfail(p, "only integers are supported");
        }
        rc = set_int(p, fd, dst, num);
    } else if (p->i < p->n && (p->s[p->i] == '{' || p->s[p->i] == '[')) {
        return jfail(p, "nested objects and arrays are not supported");
    } else if (p->n - p->i >= 4u && strncmp(p->s + p->i, "null", 4) == 0) {
        /* null: leave the field unset */
        p->i += 4;
        return VA_OK;
    } else {
        return jfail(p, "value expected");
    }
    if (rc == VA_OK && fd->label == PROTOBUF_C_LABEL_OPTIONAL &&
        fd->type != PROTOBUF_C_TYPE_STRING) {
        *(protobuf_c_boolean *)(void *)(base + fd->quantifier_offset) = 1;
    }
    return rc;
}

int vt_json_to_message(const char *json, const ProtobufCMessageDescriptor *desc, void *msg,
                       char *pool, size_t pool_len, char *err, size_t err_len)
{
    jp p = { .s = json, .n = strlen(json), .pool = pool, .pool_len = pool_len,
             .err = err, .err_len = err_len };
    int rc;

    protobuf_c_message_init(desc, msg);
    if (p.n > VT_JSON_MAX) {
        snprintf(err, err_len, "JSON longer than %u bytes", VT_JSON_MAX);
        return VA_ERR_INVAL;
    }
    jws(&p);
    if (p.i >= p.n || p.s[p.i] != '{') {
        return jfail(&p, "'{' expected");
    }
    p.i++;
    jws(&p);
    if (p.i < p.n && p.s[p.i] == '}') {
        p.i++;
    } else {
        for (;;) {
            jws(&p);
            rc = member(&p, desc, msg);
            if (rc != VA_OK) {
                return rc;
            }
            jws(&p);
            if (p.i < p.n && p.s[p.i] == ',') {
                p.i++;
                continue;
            }
            if (p.i < p.n && p.s[p.i] == '}') {
                p.i++;
                break;
            }
            return jfail(&p, "',' or '}' expected");
        }
    }
    jws(&p);
    if (p.i != p.n) {
        return jfail(&p, "trailing characters");
    }
    return VA_OK;
}
