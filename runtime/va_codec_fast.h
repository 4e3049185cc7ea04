/* SPDX-License-Identifier: MIT */
/* Internal: the envelope codec's fast path (runtime/va_codec_fast.c).
 * Each returns VA_ERR_AGAIN when the envelope is not one it decides; the
 * caller then takes the general protobuf-c path. */
#ifndef VIRTAGENT_VA_CODEC_FAST_H
#define VIRTAGENT_VA_CODEC_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "virtagent/va_codec.h"
#include "virtagent/va_error.h"

/*@
  // Bytes of a protobuf varint holding v (0 <= v < 2^64).
  logic integer va_vsize(integer v) =
    v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 :
    v < 0x800000000 ? 5 : v < 0x40000000000 ? 6 : v < 0x2000000000000 ? 7 :
    v < 0x100000000000000 ? 8 : v < 0x8000000000000000 ? 9 : 10;

  // The envelopes the fast encoder takes (else VA_ERR_AGAIN).
  predicate va_fast_encodable{L}(Virtagent__Envelope *e) =
    e->has_kind && (e->has_payload || e->payload.len == 0) &&
    e->payload.len <= VA_CODEC_PAYLOAD_MAX;

  // Encoded size: tag + varint for id, kind, method; tag + varint length +
  // bytes for the payload.
  logic integer va_fast_id_size{L}(Virtagent__Envelope *e) =
    e->has_id ? 1 + va_vsize(e->id) : 0;
  logic integer va_fast_kind_size{L}(Virtagent__Envelope *e) =
    1 + va_vsize((uint64_t)e->kind);
  logic integer va_fast_method_size{L}(Virtagent__Envelope *e) =
    e->has_method ? 1 + va_vsize(e->method) : 0;
  logic integer va_fast_payload_size{L}(Virtagent__Envelope *e) =
    e->has_payload ? 1 + va_vsize(e->payload.len) + e->payload.len : 0;
  logic integer va_fast_size{L}(Virtagent__Envelope *e) =
    va_fast_id_size(e) + va_fast_kind_size(e) + va_fast_method_size(e) +
    va_fast_payload_size(e);
*/

/*@
  requires \valid_read(e);
  requires \valid(size);
  requires \separated(size, e);
  assigns *size;
  ensures \result == VA_OK || \result == VA_ERR_AGAIN;
  ensures \result == VA_OK ==> va_fast_encodable(e) && *size == va_fast_size(e);
*/
int va_codec_fast_size(const Virtagent__Envelope *e, size_t *size);

/*@
  requires \valid_read(e);
  requires \valid(written);
  requires \valid(out + (0 .. cap - 1));
  requires \separated(written, e);
  requires \separated(out + (0 .. cap - 1), e, written);
  requires e->has_payload && e->payload.len != 0 ==>
    \valid_read(e->payload.data + (0 .. e->payload.len - 1)) &&
    \separated(out + (0 .. cap - 1), e->payload.data + (0 .. e->payload.len - 1));
  assigns *written, out[0 .. cap - 1], ((char *)out)[0 .. cap - 1];
  ensures \result == VA_OK || \result == VA_ERR_AGAIN || \result == VA_ERR_NOSPACE;
  ensures \result == VA_ERR_NOSPACE ==> *written > cap;
  ensures \result == VA_OK ==> *written <= cap && *written == \old(va_fast_size(e));
*/
int va_codec_fast_encode(const Virtagent__Envelope *e, uint8_t *out, size_t cap, size_t *written);
/*
 * ACSL (Frama-C WP, proofs/run.sh; docs/proofs.md "Arena, frame encoder,
 * CRC, fast codec"): data[0..len) is peer-controlled; the decoder reads no
 * byte outside it and allocates only through va_arena_alloc.  Which inputs
 * give VA_ERR_AGAIN (the general path decides) is not specified here.
 */
/*@
  requires va_arena_inv(a);
  requires \valid_read(data + (0 .. len - 1));
  requires \valid(out);
  requires \separated(out, a);
  requires \separated(out, a->base + (0 .. a->cap - 1));
  requires \separated(data + (0 .. len - 1), a->base + (0 .. a->cap - 1));
  assigns *out, a->used, a->peak, a->allocs, a->failures, a->base[0 .. a->cap - 1];
  ensures va_arena_inv(a);
  ensures \result == VA_OK || \result == VA_ERR_AGAIN || \result == VA_ERR_DECODE ||
          \result == VA_ERR_NOMEM;
  ensures \result != VA_OK ==> *out == \old(*out);
  ensures \result == VA_OK ==>
    \valid(*out) && (*out)->has_kind &&
    0 <= (*out)->kind <= VIRTAGENT__ENVELOPE__KIND__KEEPALIVE &&
    (*out)->payload.len <= len && (*out)->payload.len <= VA_CODEC_PAYLOAD_MAX &&
    ((*out)->payload.len != 0 ==>
       \valid((*out)->payload.data + (0 .. (*out)->payload.len - 1)));
*/
int va_codec_fast_decode(va_arena *a, const uint8_t *data, size_t len, Virtagent__Envelope **out);

/* The general paths alone (protobuf-c + rules), for the differential test. */
int va_codec_decode_envelope_general(va_arena *a, const uint8_t *data, size_t len,
                                     Virtagent__Envelope **out);
int va_codec_encode_envelope_general(const Virtagent__Envelope *e, uint8_t *out,
                                     size_t cap, size_t *written);

#endif
