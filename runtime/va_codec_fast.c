/* SPDX-License-Identifier: MIT */
/*
 * Fast path of the envelope codec for the envelopes on the data path:
 * REQUEST, RESPONSE, CANCEL and KEEPALIVE, whose fields are only id (1),
 * kind (2), method (3) and payload (5).  protobuf-c's reflective pack and
 * unpack cost ~1 500 instructions per envelope; this costs ~100.
 *
 * Equivalence with the general path (protobuf-c + check_envelope) is the
 * rule: the encoder writes the exact bytes protobuf_c_message_pack writes
 * (fields in number order, presence from has_*), and the decoder accepts
 * an input only when it can decide it exactly as the general path would;
 * anything else -- status, hello, unknown fields, repeated fields, a varint
 * longer than its field needs, other wire types -- returns VA_ERR_AGAIN and
 * the caller takes the general path.  tests/test_codec.c checks both paths
 * against each other on random envelopes.
 */
#include "va_codec_fast.h"

#include <string.h>

/* Field tags: (number << 3) | wire type. */
#define TAG_ID 0x08u      /* 1, varint */
#define TAG_KIND 0x10u    /* 2, varint */
#define TAG_METHOD 0x18u  /* 3, varint */
#define TAG_PAYLOAD 0x2Au /* 5, length-delimited */

#define VARINT32_MAX_BYTES 5u
#define VARINT64_MAX_BYTES 10u

/* Presence rules of the fast kinds (the general path's kind_rules). */
/*@
  requires \valid_read(e);
  assigns \nothing;
*/
static int fast_kind_ok(const Virtagent__Envelope *e)
{
    switch (e->kind) {
    case VIRTAGENT__ENVELOPE__KIND__REQUEST:
        /* spec: REQUEST needs id and method; payload optional */
        return e->has_id && e->has_method;
    case VIRTAGENT__ENVELOPE__KIND__RESPONSE:
        return e->has_id;
    case VIRTAGENT__ENVELOPE__KIND__CANCEL:
        return e->has_id && !e->has_payload;
    case VIRTAGENT__ENVELOPE__KIND__KEEPALIVE:
        return !e->has_method && !e->has_payload;
    default:
        return 0;
    }
}

/*@
  assigns \nothing;
  ensures \result == va_vsize(v);
*/
static size_t varint_size(uint64_t v)
{
    size_t n = 1;
    /*@ loop invariant 1 <= n <= 10;
        loop invariant n - 1 + va_vsize(v) == va_vsize(\at(v, Pre));
        loop assigns n, v;
        loop variant v; */
    while (v >= 0x80u) {
        v /= 128u; /* v >>= 7, written so WP relates it to va_vsize */
        n++;
    }
    return n;
}

/*@
  requires \valid(p + (0 .. va_vsize(v) - 1));
  assigns p[0 .. va_vsize(v) - 1];
  ensures \result == p + va_vsize(v);
*/
static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
    /*@ loop invariant 1 <= va_vsize(v) <= va_vsize(\at(v, Pre));
        loop invariant p == \at(p, Pre) + (va_vsize(\at(v, Pre)) - va_vsize(v));
        loop assigns p, v, \at(p, Pre)[0 .. va_vsize(\at(v, Pre)) - 1];
        loop variant v; */
    while (v >= 0x80u) {
        *p++ = (uint8_t)(v | 0x80u);
        v /= 128u; /* v >>= 7, written so WP relates it to va_vsize */
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Whether the fast encoder handles e (else VA_ERR_AGAIN). */
/*@
  requires \valid_read(e);
  assigns \nothing;
  ensures \result != 0 ==> va_fast_encodable(e);
*/
static int fast_encodable(const Virtagent__Envelope *e)
{
    return e->base.n_unknown_fields == 0u && e->status == NULL && e->hello == NULL &&
           e->has_kind && fast_kind_ok(e) && (e->has_payload || e->payload.len == 0u) &&
           e->payload.len <= VA_CODEC_PAYLOAD_MAX;
}

int va_codec_fast_size(const Virtagent__Envelope *e, size_t *size)
{
    size_t n = 0;

    if (!fast_encodable(e)) {
        return VA_ERR_AGAIN;
    }
    if (e->has_id) {
        n += 1u + varint_size(e->id);
    }
    /* enums are int32: non-negative here, so a plain varint */
    n += 1u + varint_size((uint64_t)e->kind);
    if (e->has_method) {
        n += 1u + varint_size(e->method);
    }
    if (e->has_payload) {
        n += 1u + varint_size(e->payload.len) + e->payload.len;
    }
    *size = n;
    return VA_OK;
}

int va_codec_fast_encode(const Virtagent__Envelope *e, uint8_t *out, size_t cap, size_t *written)
{
    size_t need = 0;
    uint8_t *p = out;
    int ret = va_codec_fast_size(e, &need);

    if (ret != VA_OK) {
        return ret;
    }
    if (need > cap) {
        *written = need;
        return VA_ERR_NOSPACE;
    }
    /* The asserts track p against va_fast_size's parts (docs/proofs.md). */
    /*@ assert need == va_fast_size(e) <= cap; */
    if (e->has_id) {
        *p++ = TAG_ID;
        p = put_varint(p, e->id);
    }
    /*@ assert p == out + va_fast_id_size(e); */
    *p++ = TAG_KIND;
    p = put_varint(p, (uint64_t)e->kind);
    /*@ assert p == out + (va_fast_id_size(e) + va_fast_kind_size(e)); */
    if (e->has_method) {
        *p++ = TAG_METHOD;
        p = put_varint(p, e->method);
    }
    /*@ assert p == out + (va_fast_size(e) - va_fast_payload_size(e)); */
    if (e->has_payload) {
        *p++ = TAG_PAYLOAD;
        p = put_varint(p, e->payload.len);
        /*@ assert p + e->payload.len == out + va_fast_size(e); */
        if (e->payload.len != 0u) {
            memcpy(p, e->payload.data, e->payload.len);
        }
    }
    /* Stored last (was before the writes; the same value): WP then needs
     * no proof that the frame bytes leave *written's memory alone. */
    *written = need;
    return VA_OK;
}

/* Read a varint of at most max_bytes minimal-length bytes; 0 when the
 * input is not one the fast path decides. */
/*@
  requires max_bytes <= VARINT64_MAX_BYTES;
  requires \valid_read(p + (0 .. len - 1));
  requires \valid(v);
  assigns *v;
  ensures \result <= len && \result <= max_bytes;
*/
static size_t get_varint(const uint8_t *p, size_t len, size_t max_bytes, uint64_t *v)
{
    uint64_t x = 0;
    size_t i;

    /*@ loop invariant 0 <= i <= len && i <= max_bytes;
        loop assigns i, x;
        loop variant max_bytes - i; */
    for (i = 0; i < len && i < max_bytes; i++) {
        if (i == VARINT64_MAX_BYTES - 1u && p[i] > 1u) {
            return 0; /* over 64 bits: the general path decides */
        }
        x |= (uint64_t)(p[i] & 0x7Fu) << (7u * i);
        if ((p[i] & 0x80u) == 0u) {
            /* a trailing 0x00 byte is a non-minimal encoding: let the
             * general path decide it */
            if (i > 0u && p[i] == 0u) {
                return 0;
            }
            *v = x;
            return i + 1u;
        }
    }
    return 0;
}

int va_codec_fast_decode(va_arena *a, const uint8_t *data, size_t len, Virtagent__Envelope **out)
{
    static const Virtagent__Envelope init = VIRTAGENT__ENVELOPE__INIT;
    Virtagent__Envelope e = init;
    const uint8_t *payload = NULL;
    size_t i = 0;
    uint64_t v;
    size_t n;
    uint8_t *copy = NULL;
    Virtagent__Envelope *res;

    /*@ loop invariant 0 <= i <= len;
        loop invariant !e.has_payload ==> e.payload.len == 0;
        loop invariant e.has_payload ==>
          \exists integer k; 0 <= k && k + e.payload.len <= len && payload == data + k;
        loop invariant e.has_kind ==> 0 <= e.kind <= VIRTAGENT__ENVELOPE__KIND__KEEPALIVE;
        loop assigns i, n, v, e, payload;
        loop variant len - i; */
    while (i < len) {
        uint8_t tag = data[i++];
        switch (tag) {
        case TAG_ID:
            n = get_varint(data + i, len - i, VARINT64_MAX_BYTES, &v);
            if (n == 0u || e.has_id) {
                return VA_ERR_AGAIN;
            }
            e.has_id = 1;
            e.id = v;
            break;
        case TAG_KIND:
            n = get_varint(data + i, len - i, VARINT32_MAX_BYTES, &v);
            if (n == 0u || e.has_kind || v > (uint64_t)VIRTAGENT__ENVELOPE__KIND__KEEPALIVE) {
                return VA_ERR_AGAIN;
            }
            e.has_kind = 1;
            e.kind = (Virtagent__Envelope__Kind)v;
            break;
        case TAG_METHOD:
            n = get_varint(data + i, len - i, VARINT32_MAX_BYTES, &v);
            if (n == 0u || e.has_method || v > UINT32_MAX) {
                return VA_ERR_AGAIN;
            }
            e.has_method = 1;
            e.method = (uint32_t)v;
            break;
        case TAG_PAYLOAD:
            n = get_varint(data + i, len - i, VARINT32_MAX_BYTES, &v);
            if (n == 0u || e.has_payload || v > len - i - n) {
                return VA_ERR_AGAIN;
            }
            e.has_payload = 1;
            e.payload.len = (size_t)v;
            payload = data + i + n;
            n += (size_t)v;
            break;
        default:
            return VA_ERR_AGAIN;
        }
        i += n;
    }
    if (!e.has_kind || !fast_kind_ok(&e)) {
        /* the general path decides (and rejects) it */
        return VA_ERR_AGAIN;
    }
    if (e.payload.len > VA_CODEC_PAYLOAD_MAX) {
        return VA_ERR_DECODE;
    }
    va_arena_reset(a);
    res = va_arena_alloc(a, sizeof *res);
    if (res == NULL) {
        return VA_ERR_NOMEM;
    }
    if (e.has_payload && e.payload.len != 0u) {
        copy = va_arena_alloc(a, e.payload.len);
        if (copy == NULL) {
            va_arena_reset(a);
            return VA_ERR_NOMEM;
        }
        memcpy(copy, payload, e.payload.len);
    }
    e.payload.data = copy;
    *res = e;
    *out = res;
    return VA_OK;
}
