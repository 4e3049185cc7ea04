/* SPDX-License-Identifier: MIT */
/*
 * Stream framing: turns one byte stream into frames and back.
 * Wire format and decoder behaviour: docs/framing.md. The decoder machine is
 * spec/framing.rl (generated into gen/va_framing.c).
 *
 * Sans-I/O and heap-free: the caller owns the framer struct and its buffer.
 * Not thread-safe: one framer per stream direction, used by one thread.
 */
#ifndef VIRTAGENT_VA_FRAMING_H
#define VIRTAGENT_VA_FRAMING_H

#include <stddef.h>
#include <stdint.h>

#include "virtagent/va_error.h"

/* spec: header bytes 0..1 are the magic 0xA7 0x5A. Changing it breaks every peer. */
#define VA_FRAME_MAGIC0 0xA7u
#define VA_FRAME_MAGIC1 0x5Au
/* spec: byte 2 high nibble = version (1); low nibble reserved = 0. Bump with the format. */
#define VA_FRAME_VERSION 1u
#define VA_FRAME_VERSION_SHIFT 4u
#define VA_FRAME_VERSION_BYTE ((uint8_t)(VA_FRAME_VERSION << VA_FRAME_VERSION_SHIFT))
/* Wire layout: fixed by the format, not tunable. */
#define VA_FRAME_HEADER_SIZE 12u   /* magic(2) ver(1) rsvd(1) len(4) hcrc(4) */
#define VA_FRAME_HCRC_COVER 8u     /* header CRC covers header bytes 0..7 */
#define VA_FRAME_LEN_OFFSET 4u
#define VA_FRAME_HCRC_OFFSET 8u
#define VA_FRAME_TRAILER_SIZE 4u   /* CRC-32C of header + payload, LE */
#define VA_FRAME_OVERHEAD (VA_FRAME_HEADER_SIZE + VA_FRAME_TRAILER_SIZE)
/*
 * Absolute ceiling on any configured max payload (1 GiB): keeps every frame
 * size representable in an int return value and in uint32_t arithmetic.
 * Deployments configure a much smaller cap (e.g. 64 KiB).
 */
#define VA_FRAME_PAYLOAD_LIMIT (1u << 30)

/* Decoder counters. All monotonic; reset only by va_framer_init. */
typedef struct va_framer_stats {
    uint64_t frames;        /* valid frames delivered */
    uint64_t frame_bytes;   /* wire bytes (header+payload+trailer) of delivered frames */
    uint64_t bytes_in;      /* bytes taken from callers' input */
    uint64_t garbage_bytes; /* bytes dropped (not part of any delivered frame) */
    uint64_t bad_header;    /* magic matched, header invalid (version, reserved, header CRC) */
    uint64_t oversize;      /* header CRC valid but length over the configured cap */
    uint64_t bad_crc;       /* header valid, payload CRC mismatch: frame dropped */
    uint64_t resyncs;       /* frames delivered after bytes had been dropped */
} va_framer_stats;

/*
 * Decoder state. Fields are private (exposed only so the caller can own the
 * memory); use the functions below.
 */
typedef struct va_framer {
    int cs;               /* Ragel machine state */
    int res;              /* outcome of the last machine run (internal) */
    uint8_t *buf;         /* caller-owned: the candidate frame is always at buf[0..fill) */
    uint32_t cap;         /* size of buf */
    uint32_t max_payload; /* configured payload cap */
    uint32_t fill;        /* bytes of the candidate frame held */
    uint32_t need;        /* whole frame size, set once the header is valid */
    uint32_t once;        /* leading candidate bytes that came from a rescan */
    uint32_t rs_pos;      /* bytes of a dropped frame still to rescan: buf[rs_pos..rs_end) */
    uint32_t rs_end;
    uint32_t hq_pos;      /* header bytes still to rescan: hq[hq_pos..hq_len) */
    uint32_t hq_len;
    uint32_t lost;        /* 1 if bytes were dropped since the last frame */
    uint8_t hq[VA_FRAME_HEADER_SIZE];
    va_framer_stats stats;
} va_framer;

/*
 * Prepare f. buf_cap must be >= max_payload + VA_FRAME_OVERHEAD;
 * max_payload <= VA_FRAME_PAYLOAD_LIMIT.
 * Returns VA_OK, or VA_ERR_INVAL (NULL pointer, cap too small, max too large).
 */
int va_framer_init(va_framer *f, uint8_t *buf, uint32_t buf_cap, uint32_t max_payload);

/* Drop any partial frame and pending bytes (counted as garbage): used on reconnect. */
void va_framer_reset(va_framer *f);

/*
 * Consume input until one complete valid frame is ready or `in` is used up.
 * Returns 1: *payload and *plen name the payload inside f's buffer, valid until
 * the next call on f; 0: all input consumed, no frame (yet);
 * VA_ERR_INVAL on NULL arguments. *consumed = bytes of `in` used (call again
 * with the rest; a call with in_len 0 may still deliver buffered frames).
 */
int va_framer_feed(va_framer *f, const uint8_t *in, size_t in_len, size_t *consumed,
                   const uint8_t **payload, uint32_t *plen);

/* Bytes taken from input and held by f (partial frame or bytes to rescan). */
uint64_t va_framer_pending(const va_framer *f);

/* 1 if f's internal state is consistent (the invariant of docs/framing.md), else 0. */
int va_framer_valid(const va_framer *f);

/* Wire size of a frame with this payload length: header + payload + trailer. */
/*@
  assigns \nothing;
  ensures \result == payload_len + VA_FRAME_OVERHEAD;
*/
size_t va_frame_size(uint32_t payload_len);

/*
 * ACSL for the encoder (Frama-C WP, proofs/run.sh; docs/proofs.md "Arena,
 * frame encoder, CRC").  va_frame_hdr: the header bytes the spec fixes
 * (magic, version byte, reserved 0, payload length little-endian); the two
 * CRC fields are written but their value is not specified here.
 */
/*@
  predicate va_frame_hdr{L}(uint8_t *out, integer len) =
    out[0] == VA_FRAME_MAGIC0 && out[1] == VA_FRAME_MAGIC1 &&
    out[2] == VA_FRAME_VERSION_BYTE && out[3] == 0 &&
    out[4] + 256 * out[5] + 65536 * out[6] + 16777216 * out[7] == len;
*/

/*
 * Write a frame carrying payload[0..len) into out[0..cap). payload may
 * overlap out. Returns the bytes written, or VA_ERR_INVAL (NULL),
 * VA_ERR_TOOBIG (len > max_payload or max_payload > VA_FRAME_PAYLOAD_LIMIT),
 * VA_ERR_NOSPACE (cap < va_frame_size(len)).
 */
/*@
  requires out == \null || \valid(out + (0 .. cap - 1));
  requires payload == \null || \valid_read(payload + (0 .. len - 1));
  // payload may overlap out: the copy is a memmove, whose Frama-C libc
  // contract writes the bytes as char: the same bytes, named by both types.
  // Nothing beyond the frame (WP uses this clause, not a behavior's, at a call).
  assigns out[0 .. len + VA_FRAME_OVERHEAD - 1],
          ((char *)out)[VA_FRAME_HEADER_SIZE .. VA_FRAME_HEADER_SIZE + len - 1];
  behavior inval:
    assumes out == \null || (payload == \null && len != 0);
    assigns \nothing;
    ensures \result == VA_ERR_INVAL;
  behavior toobig:
    assumes out != \null && (payload != \null || len == 0);
    assumes max_payload > VA_FRAME_PAYLOAD_LIMIT || len > max_payload;
    assigns \nothing;
    ensures \result == VA_ERR_TOOBIG;
  behavior nospace:
    assumes out != \null && (payload != \null || len == 0);
    assumes max_payload <= VA_FRAME_PAYLOAD_LIMIT && len <= max_payload;
    assumes cap < len + VA_FRAME_OVERHEAD;
    assigns \nothing;
    ensures \result == VA_ERR_NOSPACE;
  behavior ok:
    assumes out != \null && (payload != \null || len == 0);
    assumes max_payload <= VA_FRAME_PAYLOAD_LIMIT && len <= max_payload;
    assumes cap >= len + VA_FRAME_OVERHEAD;
    assigns out[0 .. len + VA_FRAME_OVERHEAD - 1],
            ((char *)out)[VA_FRAME_HEADER_SIZE .. VA_FRAME_HEADER_SIZE + len - 1];
    ensures \result == len + VA_FRAME_OVERHEAD;
    ensures va_frame_hdr(out, len);
  complete behaviors;
  disjoint behaviors;
*/
int va_frame_encode(uint8_t *out, size_t cap, const uint8_t *payload, uint32_t len,
                    uint32_t max_payload);

/*
 * Zero-copy encoding: the caller has put the payload at out + VA_FRAME_HEADER_SIZE;
 * this writes the header and trailer. Same results as va_frame_encode.
 */
/*@
  requires out == \null || \valid(out + (0 .. cap - 1));
  // Header and trailer only, in every behavior (WP uses this clause, not a
  // behavior's, at a call site).
  assigns out[0 .. VA_FRAME_HEADER_SIZE - 1],
          out[VA_FRAME_HEADER_SIZE + payload_len .. payload_len + VA_FRAME_OVERHEAD - 1];
  behavior inval:
    assumes out == \null;
    assigns \nothing;
    ensures \result == VA_ERR_INVAL;
  behavior toobig:
    assumes out != \null;
    assumes max_payload > VA_FRAME_PAYLOAD_LIMIT || payload_len > max_payload;
    assigns \nothing;
    ensures \result == VA_ERR_TOOBIG;
  behavior nospace:
    assumes out != \null;
    assumes max_payload <= VA_FRAME_PAYLOAD_LIMIT && payload_len <= max_payload;
    assumes cap < payload_len + VA_FRAME_OVERHEAD;
    assigns \nothing;
    ensures \result == VA_ERR_NOSPACE;
  behavior ok:
    assumes out != \null;
    assumes max_payload <= VA_FRAME_PAYLOAD_LIMIT && payload_len <= max_payload;
    assumes cap >= payload_len + VA_FRAME_OVERHEAD;
    // header and trailer only: the payload bytes in between are untouched
    assigns out[0 .. VA_FRAME_HEADER_SIZE - 1],
            out[VA_FRAME_HEADER_SIZE + payload_len .. payload_len + VA_FRAME_OVERHEAD - 1];
    ensures \result == payload_len + VA_FRAME_OVERHEAD;
    ensures va_frame_hdr(out, payload_len);
  complete behaviors;
  disjoint behaviors;
*/
int va_frame_seal(uint8_t *out, size_t cap, uint32_t payload_len, uint32_t max_payload);

#endif
