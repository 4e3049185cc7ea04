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
int va_codec_fast_decode(va_arena *a, const uint8_t *data, size_t len, Virtagent__Envelope **out);

/* The general paths alone (protobuf-c + rules), for the differential test. */
int va_codec_decode_envelope_general(va_arena *a, const uint8_t *data, size_t len,
                                     Virtagent__Envelope **out);
int va_codec_encode_envelope_general(const Virtagent__Envelope *e, uint8_t *out,
                                     size_t cap, size_t *written);

#endif
