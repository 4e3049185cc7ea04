/* SPDX-License-Identifier: MIT */
/*
 * Bounded codec for the virtagent wire messages (spec/virtagent.proto).
 *
 * Three parts: the method-id table (O(1) id -> descriptor), a generic
 * validator that walks any decoded message by its protobuf-c descriptor
 * (enum ranges, string and bytes caps, nesting depth), and the per-kind
 * envelope rules. protobuf-c already rejects truncated input, bad wire types
 * and lengths past the end; everything it allocates comes from the arena.
 */
#include <assert.h>
#include <string.h>

#include "virtagent/va_codec.h"

#include "va_codec_fast.h"
#include "virtagent/va_error.h"

/* ---- method ids ---------------------------------------------------------- */

/* Indexed by service index (the high bits of a method id); slot 0 unused. */
static const ProtobufCServiceDescriptor *const va_services[] = {
    [0] = NULL,
    [VA_SERVICE_GUEST] = &virtagent__guest_agent__descriptor,
    [VA_SERVICE_HOST] = &virtagent__host_agent__descriptor,
};

#define VA_N_SERVICES (sizeof(va_services) / sizeof(va_services[0]))

const ProtobufCServiceDescriptor *va_codec_method_service(uint32_t method_id)
{
    uint32_t svc = method_id >> VA_METHOD_SERVICE_SHIFT;
    uint32_t idx = method_id & VA_METHOD_INDEX_MASK;
    const ProtobufCServiceDescriptor *sd;

    if (svc >= VA_N_SERVICES) {
        return NULL;
    }
    sd = va_services[svc];
    if (sd == NULL || idx >= sd->n_methods) {
        return NULL;
    }
    return sd;
}

const ProtobufCMethodDescriptor *va_codec_method(uint32_t method_id)
{
    const ProtobufCServiceDescriptor *sd = va_codec_method_service(method_id);

    if (sd == NULL) {
        return NULL;
    }
    /* spec: method_index = position in the service, declaration order. */
    return &sd->methods[method_id & VA_METHOD_INDEX_MASK];
}

/* Bound on names accepted from the CLI, so a bad argv cannot run away. */
#define VA_METHOD_NAME_MAX 128u

static char ascii_lower(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return (char)(c - 'A' + 'a');
    }
    return c;
}

/* s[0..n) equals NUL-terminated t, ASCII case-insensitively. */
static bool name_eq(const char *s, size_t n, const char *t)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (t[i] == '\0' || ascii_lower(s[i]) != ascii_lower(t[i])) {
            return false;
        }
    }
    return t[n] == '\0';
}

static bool service_matches(const ProtobufCServiceDescriptor *sd,
                            const char *s, size_t n)
{
    return name_eq(s, n, sd->short_name) || name_eq(s, n, sd->name);
}

int va_codec_method_id(const char *name, uint32_t *method_id)
{
    size_t len = 0;
    size_t dot = 0;
    bool has_dot = false;
    bool found = false;
    uint32_t id = 0;
    size_t svc;
    unsigned m;

    if (name == NULL || method_id == NULL) {
        return VA_ERR_INVAL;
    }
    while (len <= VA_METHOD_NAME_MAX && name[len] != '\0') {
        if (name[len] == '.') {
            dot = len;
            has_dot = true;
        }
        len++;
    }
    if (len == 0 || len > VA_METHOD_NAME_MAX) {
        return VA_ERR_NOMETHOD;
    }
    for (svc = 1; svc < VA_N_SERVICES; svc++) {
        const ProtobufCServiceDescriptor *sd = va_services[svc];
        const char *mname = has_dot ? name + dot + 1 : name;
        size_t mlen = has_dot ? len - dot - 1 : len;

        if (sd == NULL) {
            continue;
        }
        if (has_dot && !service_matches(sd, name, dot)) {
            continue;
        }
        for (m = 0; m < sd->n_methods; m++) {
            if (name_eq(mname, mlen, sd->methods[m].name)) {
                if (found) {
                    /* A bare name two services share is ambiguous. */
                    return VA_ERR_INVAL;
                }
                found = true;
                id = VA_METHOD_ID(svc, m);
            }
        }
    }
    if (!found) {
        return VA_ERR_NOMETHOD;
    }
    *method_id = id;
    return VA_OK;
}

/* ---- generic validation by descriptor ------------------------------------ */

static bool field_present(const ProtobufCMessage *m,
                          const ProtobufCFieldDescriptor *f)
{
    const uint8_t *base = (const uint8_t *)m;
    const void *ptr;
    uint32_t oneof_case;
    protobuf_c_boolean has;

    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0) {
        memcpy(&oneof_case, base + f->quantifier_offset, sizeof(oneof_case));
        if (oneof_case != f->id) {
            return false;
        }
    }
    if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE) {
        /* Pointer fields: NULL means absent in every syntax. */
        memcpy(&ptr, base + f->offset, sizeof(ptr));
        return ptr != NULL;
    }
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
        (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) == 0) {
        memcpy(&has, base + f->quantifier_offset, sizeof(has));
        return has != 0;
    }
    return true;
}

static int check_message(const ProtobufCMessage *m,
                         const ProtobufCMessageDescriptor *want,
                         unsigned depth);

/* One value of field f stored at p (a struct member or array element). */
static int check_value(const ProtobufCFieldDescriptor *f, const uint8_t *p,
                       unsigned depth)
{
    const char *s;
    const ProtobufCMessage *sub;
    ProtobufCBinaryData bd;
    int32_t ev;
    size_t n;

    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        memcpy(&s, p, sizeof(s));
        if (s == NULL) {
            return VA_ERR_DECODE;
        }
        /* Bounded scan: never read more than cap + 1 bytes. */
        for (n = 0; n <= VA_CODEC_STRING_MAX && s[n] != '\0'; n++) {
        }
        if (n > VA_CODEC_STRING_MAX) {
            return VA_ERR_DECODE;
        }
        return VA_OK;
    case PROTOBUF_C_TYPE_BYTES:
        memcpy(&bd, p, sizeof(bd));
        if (bd.len > 0 && bd.data == NULL) {
            return VA_ERR_DECODE;
        }
        if (bd.len > VA_CODEC_PAYLOAD_MAX) {
            return VA_ERR_TOOBIG;
        }
        return VA_OK;
    case PROTOBUF_C_TYPE_ENUM:
        /* protobuf-c enums are int-sized (PROTOBUF_C__FORCE_ENUM_TO_BE_INT_SIZE). */
        memcpy(&ev, p, sizeof(ev));
        if (protobuf_c_enum_descriptor_get_value(
                (const ProtobufCEnumDescriptor *)f->descriptor, ev) == NULL) {
            return VA_ERR_DECODE;
        }
        return VA_OK;
    case PROTOBUF_C_TYPE_MESSAGE:
        memcpy(&sub, p, sizeof(sub));
        if (sub == NULL) {
            return VA_ERR_DECODE;
        }
        return check_message(sub, (const ProtobufCMessageDescriptor *)f->descriptor,
                             depth + 1u);
    default:
        /* Scalars: every bit pattern protobuf-c produces is a valid value. */
        return VA_OK;
    }
}

static size_t elem_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int32_t);
    default:
        /* Scalars are not inspected; size unused. */
        return 0;
    }
}

static int check_repeated(const ProtobufCMessage *m,
                          const ProtobufCFieldDescriptor *f, unsigned depth)
{
    const uint8_t *base = (const uint8_t *)m;
    const uint8_t *arr;
    size_t count;
    size_t esz = elem_size(f);
    size_t j;
    int ret;

    if (esz == 0) {
        return VA_OK;
    }
    memcpy(&count, base + f->quantifier_offset, sizeof(count));
    if (count == 0) {
        return VA_OK;
    }
    memcpy(&arr, base + f->offset, sizeof(arr));
    if (arr == NULL) {
        return VA_ERR_DECODE;
    }
    /* count elements exist: protobuf-c allocated exactly this array. */
    for (j = 0; j < count; j++) {
        ret = check_value(f, arr + j * esz, depth);
        if (ret != VA_OK) {
            return ret;
        }
    }
    return VA_OK;
}

/*
 * Walk m against its descriptor. Recursion depth is bounded by
 * VA_CODEC_DEPTH_MAX (and the schema is non-recursive, so real messages stay
 * far below it).
 */
static int check_message(const ProtobufCMessage *m,
                         const ProtobufCMessageDescriptor *want,
                         unsigned depth)
{
    const ProtobufCMessageDescriptor *d;
    const ProtobufCFieldDescriptor *f;
    unsigned i;
    int ret;

    if (depth > VA_CODEC_DEPTH_MAX) {
        return VA_ERR_DECODE;
    }
    if (m == NULL || m->descriptor == NULL ||
        (want != NULL && m->descriptor != want)) {
        return VA_ERR_DECODE;
    }
    d = m->descriptor;
    for (i = 0; i < d->n_fields; i++) {
        f = &d->fields[i];
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            ret = check_repeated(m, f, depth);
        } else if (field_present(m, f)) {
            ret = check_value(f, (const uint8_t *)m + f->offset, depth);
        } else {
            ret = VA_OK;
        }
        if (ret != VA_OK) {
            return ret;
        }
    }
    return VA_OK;
}

/* ---- envelope rules ------------------------------------------------------ */

enum {
    F_ID = 1u << 0,
    F_METHOD = 1u << 1,
    F_STATUS = 1u << 2,
    F_PAYLOAD = 1u << 3,
    F_HELLO = 1u << 4,
};

struct kind_rule {
    bool valid;
    uint8_t required;
    uint8_t allowed;
};

/* spec: per-kind envelope fields (docs/messages.md, "Kinds"). */
static const struct kind_rule kind_rules[] = {
    [VIRTAGENT__ENVELOPE__KIND__KIND_UNSPECIFIED] = { false, 0, 0 },
    [VIRTAGENT__ENVELOPE__KIND__REQUEST] =
        { true, F_ID | F_METHOD, F_ID | F_METHOD | F_PAYLOAD },
    [VIRTAGENT__ENVELOPE__KIND__RESPONSE] =
        { true, F_ID, F_ID | F_METHOD | F_STATUS | F_PAYLOAD },
    [VIRTAGENT__ENVELOPE__KIND__ERROR] =
        { true, F_STATUS, F_ID | F_METHOD | F_STATUS },
    [VIRTAGENT__ENVELOPE__KIND__CANCEL] = { true, F_ID, F_ID | F_METHOD },
    [VIRTAGENT__ENVELOPE__KIND__HELLO] = { true, F_HELLO, F_HELLO },
    [VIRTAGENT__ENVELOPE__KIND__KEEPALIVE] = { true, 0, F_ID },
};

#define VA_N_KINDS (sizeof(kind_rules) / sizeof(kind_rules[0]))

static uint8_t envelope_fields(const Virtagent__Envelope *e)
{
    uint8_t present = 0;

    if (e->has_id) {
        present |= F_ID;
    }
    if (e->has_method) {
        present |= F_METHOD;
    }
    if (e->status != NULL) {
        present |= F_STATUS;
    }
    if (e->has_payload) {
        present |= F_PAYLOAD;
    }
    if (e->hello != NULL) {
        present |= F_HELLO;
    }
    return present;
}

/* VA_OK, VA_ERR_TOOBIG (payload over cap) or VA_ERR_DECODE (any other rule). */
static int check_envelope(const Virtagent__Envelope *e)
{
    const struct kind_rule *r;
    uint8_t present;
    int ret;

    ret = check_message(&e->base, &virtagent__envelope__descriptor, 0);
    if (ret != VA_OK) {
        return ret;
    }
    /* spec: kind is mandatory and never KIND_UNSPECIFIED. */
    if (!e->has_kind || (int)e->kind < 0 || (size_t)e->kind >= VA_N_KINDS) {
        return VA_ERR_DECODE;
    }
    r = &kind_rules[e->kind];
    if (!r->valid) {
        return VA_ERR_DECODE;
    }
    present = envelope_fields(e);
    if ((present & r->required) != r->required ||
        (present & (uint8_t)~r->allowed) != 0) {
        return VA_ERR_DECODE;
    }
    /* A payload flagged absent but non-empty would be silently dropped. */
    if (!e->has_payload && e->payload.len != 0) {
        return VA_ERR_DECODE;
    }
    /* spec: HELLO states version and both limits; the rest is optional. */
    if (e->hello != NULL &&
        (!e->hello->has_protocol_version || !e->hello->has_max_frame ||
         !e->hello->has_max_inflight)) {
        return VA_ERR_DECODE;
    }
    return VA_OK;
}

/* ---- bounded unpack ------------------------------------------------------ */

/* Any non-NULL pointer for protobuf-c when the caller passes (NULL, 0). */
static const uint8_t va_empty[1];

static int unpack_bounded(va_arena *a, const ProtobufCMessageDescriptor *d,
                          const uint8_t *data, size_t len,
                          ProtobufCMessage **out)
{
    uint64_t failures_before;
    ProtobufCMessage *m;

    va_arena_reset(a);
    failures_before = a->failures;
    m = protobuf_c_message_unpack(d, va_arena_allocator(a), len,
                                  data != NULL ? data : va_empty);
    if (m == NULL) {
        /* protobuf-c reports both cases as NULL; the arena knows which. */
        return (a->failures != failures_before) ? VA_ERR_NOMEM : VA_ERR_DECODE;
    }
    *out = m;
    return VA_OK;
}

/* The general path: protobuf-c, then the spec's rules. */
int va_codec_decode_envelope_general(va_arena *a, const uint8_t *data, size_t len,
                                     Virtagent__Envelope **out)
{
    ProtobufCMessage *m = NULL;
    int ret;

    ret = unpack_bounded(a, &virtagent__envelope__descriptor, data, len, &m);
    if (ret != VA_OK) {
        return ret;
    }
    if (check_envelope((const Virtagent__Envelope *)m) != VA_OK) {
        /* Peer data over a cap is just another malformed frame here. */
        va_arena_reset(a);
        return VA_ERR_DECODE;
    }
    *out = (Virtagent__Envelope *)m;
    return VA_OK;
}

int va_codec_decode_envelope(va_arena *a, const uint8_t *data, size_t len,
                             Virtagent__Envelope **out)
{
    int ret;

    if (out != NULL) {
        *out = NULL;
    }
    if (a == NULL || out == NULL || (data == NULL && len > 0)) {
        return VA_ERR_INVAL;
    }
    assert(va_arena_valid(a));
    ret = va_codec_fast_decode(a, data, len, out);
    if (ret != VA_ERR_AGAIN) {
        return ret;
    }
    return va_codec_decode_envelope_general(a, data, len, out);
}

/* ---- packing ------------------------------------------------------------- */

static int pack_bounded(const ProtobufCMessage *m, uint8_t *out, size_t cap,
                        size_t *written)
{
    size_t need = protobuf_c_message_get_packed_size(m);
    size_t got;

    *written = need;
    if (need > cap) {
        return VA_ERR_NOSPACE;
    }
    if (need > 0 && out == NULL) {
        return VA_ERR_INVAL;
    }
    got = protobuf_c_message_pack(m, out);
    assert(got == need);
    *written = got;
    return VA_OK;
}

size_t va_codec_envelope_size(const Virtagent__Envelope *e)
{
    size_t n = 0;

    if (e == NULL) {
        return 0;
    }
    if (va_codec_fast_size(e, &n) == VA_OK) {
        return n;
    }
    return protobuf_c_message_get_packed_size(&e->base);
}

int va_codec_encode_envelope_general(const Virtagent__Envelope *e, uint8_t *out,
                                     size_t cap, size_t *written)
{
    int ret;

    /* Send only what our own decoder would accept from a peer. */
    ret = check_envelope(e);
    if (ret == VA_ERR_TOOBIG) {
        return VA_ERR_TOOBIG;
    }
    if (ret != VA_OK) {
        return VA_ERR_INVAL;
    }
    return pack_bounded(&e->base, out, cap, written);
}

int va_codec_encode_envelope(const Virtagent__Envelope *e, uint8_t *out,
                             size_t cap, size_t *written)
{
    int ret;

    if (written != NULL) {
        *written = 0;
    }
    if (e == NULL || written == NULL) {
        return VA_ERR_INVAL;
    }
    ret = va_codec_fast_encode(e, out, cap, written);
    if (ret != VA_ERR_AGAIN) {
        return ret;
    }
    return va_codec_encode_envelope_general(e, out, cap, written);
}

/* ---- payloads ------------------------------------------------------------ */

static const ProtobufCMessageDescriptor *payload_descriptor(uint32_t method_id,
                                                            bool is_response)
{
    const ProtobufCMethodDescriptor *md = va_codec_method(method_id);

    if (md == NULL) {
        return NULL;
    }
    return is_response ? md->output : md->input;
}

/* [p, p+n) overlaps the arena buffer: decoding would overwrite its input. */
static bool overlaps_arena(const va_arena *a, const uint8_t *p, size_t n)
{
    uintptr_t lo = (uintptr_t)p;
    uintptr_t ab = (uintptr_t)a->base;

    if (p == NULL || a->base == NULL || n == 0 || a->cap == 0) {
        return false;
    }
    return lo < ab + a->cap && ab < lo + n;
}

int va_codec_decode_payload(va_arena *a, uint32_t method_id, bool is_response,
                            const uint8_t *data, size_t len,
                            ProtobufCMessage **out)
{
    const ProtobufCMessageDescriptor *d;
    ProtobufCMessage *m = NULL;
    int ret;

    if (out != NULL) {
        *out = NULL;
    }
    if (a == NULL || out == NULL || (data == NULL && len > 0)) {
        return VA_ERR_INVAL;
    }
    assert(va_arena_valid(a));
    if (overlaps_arena(a, data, len)) {
        return VA_ERR_INVAL;
    }
    d = payload_descriptor(method_id, is_response);
    if (d == NULL) {
        return VA_ERR_NOMETHOD;
    }
    /* spec: a payload is at most VA_CODEC_PAYLOAD_MAX bytes. */
    if (len > VA_CODEC_PAYLOAD_MAX) {
        return VA_ERR_DECODE;
    }
    ret = unpack_bounded(a, d, data, len, &m);
    if (ret != VA_OK) {
        return ret;
    }
    if (check_message(m, d, 0) != VA_OK) {
        va_arena_reset(a);
        return VA_ERR_DECODE;
    }
    *out = m;
    return VA_OK;
}

int va_codec_encode_payload(uint32_t method_id, bool is_response,
                            const ProtobufCMessage *m, uint8_t *out,
                            size_t cap, size_t *written)
{
    const ProtobufCMessageDescriptor *d;
    size_t need;
    int ret;

    if (written != NULL) {
        *written = 0;
    }
    if (m == NULL || written == NULL) {
        return VA_ERR_INVAL;
    }
    d = payload_descriptor(method_id, is_response);
    if (d == NULL) {
        return VA_ERR_NOMETHOD;
    }
    ret = check_message(m, d, 0);
    if (ret == VA_ERR_TOOBIG) {
        return VA_ERR_TOOBIG;
    }
    if (ret != VA_OK) {
        return VA_ERR_INVAL;
    }
    need = protobuf_c_message_get_packed_size(m);
    if (need > VA_CODEC_PAYLOAD_MAX) {
        return VA_ERR_TOOBIG;
    }
    return pack_bounded(m, out, cap, written);
}

/* ---- builders ------------------------------------------------------------ */

static void envelope_reset(va_envelope_storage *s)
{
    static const va_envelope_storage init = VA_ENVELOPE_STORAGE_INIT;

    *s = init;
}

/* protobuf-c's field is non-const; the encoder only reads through it. */
static uint8_t *unconst_bytes(const uint8_t *p)
{
    return (uint8_t *)(uintptr_t)p;
}

static char *unconst_str(const char *p)
{
    return (char *)(uintptr_t)p;
}

static Virtagent__Envelope *envelope_with_payload(va_envelope_storage *s,
                                                  Virtagent__Envelope__Kind kind,
                                                  uint64_t id, uint32_t method_id,
                                                  const uint8_t *payload,
                                                  size_t len)
{
    if (s == NULL) {
        return NULL;
    }
    envelope_reset(s);
    s->env.has_kind = 1;
    s->env.kind = kind;
    s->env.has_id = 1;
    s->env.id = id;
    s->env.has_method = 1;
    s->env.method = method_id;
    /* An empty message serializes to zero bytes; omit the field then. */
    s->env.has_payload = (len > 0) ? 1 : 0;
    s->env.payload.len = len;
    s->env.payload.data = (len > 0) ? unconst_bytes(payload) : NULL;
    return &s->env;
}

Virtagent__Envelope *va_envelope_request(va_envelope_storage *s, uint64_t id,
                                         uint32_t method_id,
                                         const uint8_t *payload, size_t len)
{
    return envelope_with_payload(s, VIRTAGENT__ENVELOPE__KIND__REQUEST, id,
                                 method_id, payload, len);
}

Virtagent__Envelope *va_envelope_response(va_envelope_storage *s, uint64_t id,
                                          uint32_t method_id,
                                          const uint8_t *payload, size_t len)
{
    return envelope_with_payload(s, VIRTAGENT__ENVELOPE__KIND__RESPONSE, id,
                                 method_id, payload, len);
}

Virtagent__Envelope *va_envelope_error(va_envelope_storage *s, bool id_present,
                                       uint64_t id, uint32_t method_id,
                                       int32_t code, const char *message)
{
    if (s == NULL) {
        return NULL;
    }
    envelope_reset(s);
    s->env.has_kind = 1;
    s->env.kind = VIRTAGENT__ENVELOPE__KIND__ERROR;
    s->env.has_id = id_present ? 1 : 0;
    s->env.id = id_present ? id : 0;
    s->env.has_method = (method_id != 0) ? 1 : 0;
    s->env.method = method_id;
    s->status.has_code = 1;
    s->status.code = code;
    s->status.message = unconst_str(message);
    s->env.status = &s->status;
    return &s->env;
}

Virtagent__Envelope *va_envelope_cancel(va_envelope_storage *s, uint64_t id)
{
    if (s == NULL) {
        return NULL;
    }
    envelope_reset(s);
    s->env.has_kind = 1;
    s->env.kind = VIRTAGENT__ENVELOPE__KIND__CANCEL;
    s->env.has_id = 1;
    s->env.id = id;
    return &s->env;
}

Virtagent__Envelope *va_envelope_keepalive(va_envelope_storage *s)
{
    if (s == NULL) {
        return NULL;
    }
    envelope_reset(s);
    s->env.has_kind = 1;
    s->env.kind = VIRTAGENT__ENVELOPE__KIND__KEEPALIVE;
    return &s->env;
}

Virtagent__Envelope *va_envelope_hello(va_envelope_storage *s,
                                       uint32_t protocol_version,
                                       uint32_t max_frame,
                                       uint32_t max_inflight,
                                       uint32_t keepalive_ms,
                                       const char *agent_name,
                                       const char *agent_version)
{
    if (s == NULL) {
        return NULL;
    }
    envelope_reset(s);
    s->env.has_kind = 1;
    s->env.kind = VIRTAGENT__ENVELOPE__KIND__HELLO;
    s->hello.has_protocol_version = 1;
    s->hello.protocol_version = protocol_version;
    s->hello.has_max_frame = 1;
    s->hello.max_frame = max_frame;
    s->hello.has_max_inflight = 1;
    s->hello.max_inflight = max_inflight;
    s->hello.has_keepalive_ms = (keepalive_ms != 0) ? 1 : 0;
    s->hello.keepalive_ms = keepalive_ms;
    s->hello.agent_name = unconst_str(agent_name);
    s->hello.agent_version = unconst_str(agent_version);
    s->env.hello = &s->hello;
    return &s->env;
}
