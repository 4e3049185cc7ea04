/* SPDX-License-Identifier: MIT */
/* Frame encoder: header + trailer around a payload (docs/framing.md). */
#include <string.h>

#include "va_crc32c.h"
#include "virtagent/va_framing.h"

/*
 * Little-endian store written with / and % (same machine code as shifts and
 * masks) so WP relates the bytes to v without bit lemmas.
 */
/*@
  requires \valid(p + (0 .. 3));
  assigns p[0 .. 3];
  ensures p[0] + 256 * p[1] + 65536 * p[2] + 16777216 * p[3] == v;
*/
static void va_frame_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v % 256u);
    p[1] = (uint8_t)((v / 256u) % 256u);
    p[2] = (uint8_t)((v / 65536u) % 256u);
    p[3] = (uint8_t)(v / 16777216u);
}

size_t va_frame_size(uint32_t payload_len)
{
    return (size_t)payload_len + VA_FRAME_OVERHEAD;
}

int va_frame_seal(uint8_t *out, size_t cap, uint32_t payload_len, uint32_t max_payload)
{
    int ret = VA_OK;

    if (out == NULL) {
        ret = VA_ERR_INVAL;
        goto done;
    }
    /* spec: payload length must be <= the configured max payload. */
    if (max_payload > VA_FRAME_PAYLOAD_LIMIT || payload_len > max_payload) {
        ret = VA_ERR_TOOBIG;
        goto done;
    }
    if (cap < va_frame_size(payload_len)) {
        ret = VA_ERR_NOSPACE;
        goto done;
    }
    /* spec: magic 0xA7 0x5A | version<<4, reserved 0 | reserved 0 | len LE | hcrc LE. */
    out[0] = (uint8_t)VA_FRAME_MAGIC0;
    out[1] = (uint8_t)VA_FRAME_MAGIC1;
    out[2] = VA_FRAME_VERSION_BYTE;
    out[3] = 0u;
    va_frame_put_le32(out + VA_FRAME_LEN_OFFSET, payload_len);
    va_frame_put_le32(out + VA_FRAME_HCRC_OFFSET, va_crc32c(out, VA_FRAME_HCRC_COVER));
    /* spec: trailer = CRC-32C of header and payload, LE. */
    va_frame_put_le32(out + VA_FRAME_HEADER_SIZE + payload_len,
                      va_crc32c(out, VA_FRAME_HEADER_SIZE + payload_len));
    /* Bounded by VA_FRAME_PAYLOAD_LIMIT + overhead, so it fits an int. */
    ret = (int)va_frame_size(payload_len);
done:
    return ret;
}

int va_frame_encode(uint8_t *out, size_t cap, const uint8_t *payload, uint32_t len,
                    uint32_t max_payload)
{
    if (out == NULL || (payload == NULL && len != 0u)) {
        return VA_ERR_INVAL;
    }
    if (max_payload > VA_FRAME_PAYLOAD_LIMIT || len > max_payload) {
        return VA_ERR_TOOBIG;
    }
    if (cap < va_frame_size(len)) {
        return VA_ERR_NOSPACE;
    }
    if (len != 0u) {
        /* memmove: the caller may already have the payload in place. */
        memmove(out + VA_FRAME_HEADER_SIZE, payload, len);
    }
    return va_frame_seal(out, cap, len, max_payload);
}
