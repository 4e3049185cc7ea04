/* SPDX-License-Identifier: MIT */
/*
 * va_codec: bounded encode/decode of virtagent wire messages
 * (spec/virtagent.proto) on top of protobuf-c.
 *
 * Decoding never allocates outside a caller-owned va_arena and validates
 * everything a peer controls before the caller sees it: enum values,
 * per-kind field presence, string lengths, payload size, nesting depth.
 * Encoding never allocates at all and checks the output capacity first.
 * Method ids are (service_index << 8) | method_index and map to protobuf-c
 * method descriptors by array index (O(1), no string compare).
 */
#ifndef VIRTAGENT_VA_CODEC_H
#define VIRTAGENT_VA_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "virtagent.pb-c.h"
#include "virtagent/va_arena.h"

/*
 * Caps on peer-controlled sizes. Changing one is a protocol decision (a peer
 * built with a larger cap may send what we reject): record it in
 * docs/messages.md and raise it on both sides before relying on it.
 */
/* Largest Envelope.payload (one serialized request/response message). */
#define VA_CODEC_PAYLOAD_MAX ((size_t)64 * 1024)
/* Longest string field anywhere (names, versions, status text), bytes. */
#define VA_CODEC_STRING_MAX ((size_t)1024)
/* Deepest message nesting the validator walks; schema is non-recursive. */
#define VA_CODEC_DEPTH_MAX 8u

/*
 * Arena size that decodes ANY input of frame_len bytes without VA_ERR_NOMEM.
 * Empirical for protobuf-c 1.4.1 on LP64: the worst shape measured (a flood
 * of 2-byte empty repeated sub-messages, count a power of two) needs 60
 * arena bytes per input byte - message structs, pointer arrays and
 * protobuf-c's scan slabs, each rounded to VA_ARENA_ALIGN. 80 leaves margin;
 * tests/test_codec.c decodes the known worst shapes with this bound. A
 * smaller arena is still safe: such frames fail with VA_ERR_NOMEM.
 * Meant for configuration-time sizing (no overflow check).
 */
#define VA_CODEC_ARENA_FACTOR 80u
#define VA_CODEC_ARENA_SLACK 4096u
#define VA_CODEC_ARENA_FOR(frame_len) \
    ((size_t)(frame_len) * VA_CODEC_ARENA_FACTOR + VA_CODEC_ARENA_SLACK)

/* Method id layout: spec: "(service_index << 8) | method_index". */
#define VA_METHOD_SERVICE_SHIFT 8u
#define VA_METHOD_INDEX_MASK 0xffu
#define VA_SERVICE_GUEST 1u /* GuestAgent: host -> guest */
#define VA_SERVICE_HOST 2u  /* HostAgent: guest -> host */
#define VA_METHOD_ID(svc, idx) ((uint32_t)(((uint32_t)(svc) << VA_METHOD_SERVICE_SHIFT) | (uint32_t)(idx)))

/* Named ids; tests pin them against the .proto declaration order. */
#define VA_METHOD_PING VA_METHOD_ID(VA_SERVICE_GUEST, 0)
#define VA_METHOD_CAPABILITIES VA_METHOD_ID(VA_SERVICE_GUEST, 1)
#define VA_METHOD_INFO VA_METHOD_ID(VA_SERVICE_GUEST, 2)
#define VA_METHOD_SHUTDOWN VA_METHOD_ID(VA_SERVICE_GUEST, 3)
#define VA_METHOD_ANNOUNCE VA_METHOD_ID(VA_SERVICE_HOST, 0)
#define VA_METHOD_EVENT VA_METHOD_ID(VA_SERVICE_HOST, 1)

/* ---- method ids ---------------------------------------------------------- */

/* Descriptor (name, input, output) for a method id, or NULL if unknown. O(1). */
const ProtobufCMethodDescriptor *va_codec_method(uint32_t method_id);

/* Service descriptor for a method id, or NULL if unknown. O(1). */
const ProtobufCServiceDescriptor *va_codec_method_service(uint32_t method_id);

/*
 * Method id for a name, for the CLI (string compares; not for the data path).
 * Accepts "Ping", "GuestAgent.Ping" and "virtagent.GuestAgent.Ping", ASCII
 * case-insensitively. Returns VA_OK, VA_ERR_NOMETHOD (unknown), VA_ERR_INVAL
 * (NULL args, or a bare name that two services share).
 */
int va_codec_method_id(const char *name, uint32_t *method_id);

/* ---- envelopes ----------------------------------------------------------- */

/*
 * Decode one frame's bytes into *out. Resets 'a' first; *out and everything
 * it points to live in 'a' until its next reset. Validation (spec rules, see
 * docs/messages.md): kind known and not UNSPECIFIED; per-kind required and
 * forbidden fields; enums in range; strings <= VA_CODEC_STRING_MAX; payload
 * <= VA_CODEC_PAYLOAD_MAX; HELLO carries protocol_version, max_frame and
 * max_inflight. Unknown fields are accepted (kept in the arena).
 * Returns VA_OK; VA_ERR_DECODE (malformed or invalid; *out = NULL);
 * VA_ERR_NOMEM (arena too small; *out = NULL); VA_ERR_INVAL (NULL args).
 */
int va_codec_decode_envelope(va_arena *a, const uint8_t *data, size_t len,
                             Virtagent__Envelope **out);

/*
 * Validate and serialize 'e' into out[0..cap). Returns VA_OK with *written
 * set; VA_ERR_NOSPACE if it does not fit (*written = bytes needed, nothing
 * written); VA_ERR_TOOBIG if the payload exceeds VA_CODEC_PAYLOAD_MAX;
 * VA_ERR_INVAL if 'e' breaks a rule a peer would reject, or NULL args.
 */
int va_codec_encode_envelope(const Virtagent__Envelope *e, uint8_t *out,
                             size_t cap, size_t *written);

/* Serialized size of 'e' (0 if e is NULL). */
size_t va_codec_envelope_size(const Virtagent__Envelope *e);

/* ---- payloads (the request/response message of a method) ----------------- */

/*
 * Decode a method's request (is_response false) or response message. Resets
 * 'a'; 'data' must not lie inside a's buffer (decode an envelope and its
 * payload with two arenas) - VA_ERR_INVAL if it does.
 * Returns VA_OK; VA_ERR_NOMETHOD (unknown id); VA_ERR_DECODE (malformed,
 * over a cap, bad enum); VA_ERR_NOMEM; VA_ERR_INVAL.
 */
int va_codec_decode_payload(va_arena *a, uint32_t method_id, bool is_response,
                            const uint8_t *data, size_t len,
                            ProtobufCMessage **out);

/*
 * Serialize a method's request/response message. 'm' must be of the
 * method's input (request) or output (response) type, else VA_ERR_INVAL.
 * Returns VA_OK; VA_ERR_NOMETHOD; VA_ERR_TOOBIG (> VA_CODEC_PAYLOAD_MAX);
 * VA_ERR_NOSPACE (*written = bytes needed); VA_ERR_INVAL.
 */
int va_codec_encode_payload(uint32_t method_id, bool is_response,
                            const ProtobufCMessage *m, uint8_t *out,
                            size_t cap, size_t *written);

/* ---- heap-free envelope construction ------------------------------------- */

/*
 * Storage for one outgoing envelope and its sub-messages, meant to live on
 * the stack: init with VA_ENVELOPE_STORAGE_INIT, fill with one of the
 * va_envelope_* builders, pass the returned pointer to the encoder.
 * Payload and strings are borrowed, not copied: keep them alive until the
 * envelope is encoded.
 */
typedef struct va_envelope_storage {
    Virtagent__Envelope env;
    Virtagent__Status status;
    Virtagent__Hello hello;
} va_envelope_storage;

#define VA_ENVELOPE_STORAGE_INIT \
    { VIRTAGENT__ENVELOPE__INIT, VIRTAGENT__STATUS__INIT, VIRTAGENT__HELLO__INIT }

Virtagent__Envelope *va_envelope_request(va_envelope_storage *s, uint64_t id,
                                         uint32_t method_id,
                                         const uint8_t *payload, size_t len);
Virtagent__Envelope *va_envelope_response(va_envelope_storage *s, uint64_t id,
                                          uint32_t method_id,
                                          const uint8_t *payload, size_t len);
/* id_present false: connection-level error (no job to answer). */
Virtagent__Envelope *va_envelope_error(va_envelope_storage *s, bool id_present,
                                       uint64_t id, uint32_t method_id,
                                       int32_t code, const char *message);
Virtagent__Envelope *va_envelope_cancel(va_envelope_storage *s, uint64_t id);
Virtagent__Envelope *va_envelope_keepalive(va_envelope_storage *s);
Virtagent__Envelope *va_envelope_hello(va_envelope_storage *s,
                                       uint32_t protocol_version,
                                       uint32_t max_frame,
                                       uint32_t max_inflight,
                                       uint32_t keepalive_ms,
                                       const char *agent_name,
                                       const char *agent_version);

#endif
