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

int va_codec_fast_size(const Virtagent__Envelope *e, size_t *size);
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
