/* SPDX-License-Identifier: MIT */
/*
 * Stream framing decoder. Source of truth for the frame grammar; generated
 * into gen/va_framing.c by scripts/regen-framing.sh (ragel -G2 -L).
 * Format and rescan rules: docs/framing.md.
 */
#include "virtagent/va_framing.h"

#include <stddef.h>
#include <string.h>

#include "va_crc32c.h"

/* Outcomes of one machine run (internal). */
enum va_fr_res {
    VA_FR_MORE = 0,     /* source used up, no decision yet */
    VA_FR_FRAME,        /* a valid frame is at buf[cstart..cstart+need) */
    VA_FR_BADHDR,       /* header CRC mismatch */
    VA_FR_OVERSIZE,     /* header CRC valid, length over the cap */
    VA_FR_BADCRC,       /* payload CRC mismatch */
    VA_FR_INTERNAL      /* a bounds check failed: cannot happen if va_framer_valid */
};

/* Bulk copy steps of the payload action (bytes): speed only, any sizes work. */
#define VA_FR_BIG_STEP 64u
#define VA_FR_STEP 8u

static uint32_t va_fr_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

%%{
    machine va_framing;
    alphtype unsigned char;
    access f->;

    # ---- actions (C bodies) ----

    # A byte that cannot start a frame: dropped.
    action drop {
        f->stats.garbage_bytes++;
        f->lost = 1u;
    }

    # First magic byte: a new candidate frame starts. It is always built at
    # buf[0]; rescanned bytes are read from positions >= the write position.
    action begin {
        f->fill = 0u;
        f->need = 0u;
        f->once = 0u;
    }

    # Keep a header byte. Bounds checked before the store.
    action store {
        if (f->fill >= VA_FRAME_HEADER_SIZE || f->fill >= f->cap) {
            f->res = VA_FR_INTERNAL;
            fbreak;
        }
        f->buf[f->fill] = fc;
        f->fill++;
    }

    # Twelfth header byte: validate the CRC, then the length, then store it.
    action hdr_check {
        uint32_t len;
        if (f->cap < VA_FRAME_HEADER_SIZE) {
            f->res = VA_FR_INTERNAL;
            fbreak;
        }
        /* spec: bytes 8..11 = CRC-32C of header bytes 0..7, LE. */
        if (va_crc32c(f->buf, VA_FRAME_HCRC_COVER) !=
            va_fr_le32(f->buf + VA_FRAME_HCRC_OFFSET)) {
            f->res = VA_FR_BADHDR;
            fbreak;
        }
        len = va_fr_le32(f->buf + VA_FRAME_LEN_OFFSET);
        /* spec: payload length must be <= the configured max payload. */
        if (len > f->max_payload || f->max_payload > f->cap - VA_FRAME_OVERHEAD) {
            f->res = VA_FR_OVERSIZE;
            fbreak;
        }
        f->need = VA_FRAME_OVERHEAD + len;
        fgoto payload;
    }

    # Payload and trailer: copied in bulk, min(remaining, available) at once,
    # 64 then 8 bytes per step. Each step is bounds-checked on its own indices
    # (write: w + 8 <= need <= cap; read: pe - q >= 8) so Eva needs no
    # relation between them. memmove: a rescanned source overlaps buf.
    action copy {
        /* The machine runs an action only on a byte it holds (p < pe); that
         * byte is taken first, so q > p from here on and p never moves back
         * below where it was (Eva: keeps p's range bounded below). */
        const uint8_t *q;
        uint32_t w = f->fill;
        uint32_t end = f->need;
        /* p < pe always holds here; tested so that Eva, which cannot
         * narrow p from the machine's `++p == pe` test, sees it too. */
        if (p >= pe || end > f->cap || end < VA_FRAME_OVERHEAD || w >= end) {
            f->res = VA_FR_INTERNAL;
            fbreak;
        }
        q = p + 1;
        f->buf[w] = fc;
        w++;
        while (w + VA_FR_BIG_STEP <= end && pe - q >= (ptrdiff_t)VA_FR_BIG_STEP) {
            uint8_t t[VA_FR_BIG_STEP];
            /* Through a temporary: a rescanned source may overlap buf.
             * Constant size, so the compiler inlines both copies. */
            memcpy(t, q, VA_FR_BIG_STEP);
            memcpy(f->buf + w, t, VA_FR_BIG_STEP);
            w += VA_FR_BIG_STEP;
            q += VA_FR_BIG_STEP;
        }
        while (w + VA_FR_STEP <= end && pe - q >= (ptrdiff_t)VA_FR_STEP) {
            memmove(f->buf + w, q, VA_FR_STEP);
            w += VA_FR_STEP;
            q += VA_FR_STEP;
        }
        while (w < end && q < pe) {
            f->buf[w] = *q;
            w++;
            q++;
        }
        f->fill = w;
        /* q - 1 is the last byte taken (>= the entry p). */
        p = q - 1;
        if (w == end) {
            uint32_t plen = end - VA_FRAME_OVERHEAD;
            /* spec: trailer = CRC-32C of header and payload, LE.  Covering
             * the header keeps a cut header from passing as a frame whose
             * payload and trailer are the next frame's header. */
            if (va_crc32c(f->buf, VA_FRAME_HEADER_SIZE + plen) ==
                va_fr_le32(f->buf + VA_FRAME_HEADER_SIZE + plen)) {
                f->res = VA_FR_FRAME;
            } else {
                f->res = VA_FR_BADCRC;
            }
            fnext main;
            fbreak;
        }
        /* The source is used up (q == pe). Stop here rather than going
         * round the machine's loop back to this action: same result, and
         * Eva need not bound p over that loop. */
        fbreak;
    }

    # ---- grammar ----

    # spec: header bytes 0..1 are the magic 0xA7 0x5A.
    magic0  = 0xA7;
    magic1  = 0x5A;
    # spec: byte 2 = version 1 in the high 4 bits, low 4 bits reserved, must be 0.
    verbyte = 0x10;
    # spec: byte 3 reserved, must be 0.
    rsvd    = 0x00;
    # spec: bytes 4..7 payload length (u32 LE), bytes 8..11 header CRC (u32 LE).
    lenhcrc = any{8};

    header  = ( magic0 >begin magic1 verbyte rsvd lenhcrc ) $store @hdr_check;
    hunt    = ( any - magic0 ) @drop;

    # Bytes before a magic are dropped; a header either passes hdr_check
    # (which jumps to `payload`) or fails (machine error or fbreak).
    main := hunt* header;

    # Never exits on its own: `copy` returns to main once need bytes are held.
    payload := ( any @copy )*;

    write data nofinal;
}%%

/* The C constants the encoder uses must match the grammar above. */
_Static_assert(VA_FRAME_MAGIC0 == 0xA7u && VA_FRAME_MAGIC1 == 0x5Au, "magic drift");
_Static_assert(VA_FRAME_VERSION_BYTE == 0x10u, "version byte drift");

/*
 * Run the machine over [p0, pe0). *used = bytes consumed; on a machine
 * error the offending byte is not consumed.
 */
static int va_framer_exec(va_framer *f, const uint8_t *p0, const uint8_t *pe0, size_t *used)
{
    const uint8_t *p = p0;
    const uint8_t *pe = pe0;

    f->res = VA_FR_MORE;
    %% write exec;
    *used = (size_t)(p - p0);
    return f->res;
}

int va_framer_valid(const va_framer *f)
{
    if (f == NULL || f->buf == NULL) {
        return 0;
    }
    if (f->max_payload > VA_FRAME_PAYLOAD_LIMIT ||
        f->cap < f->max_payload + VA_FRAME_OVERHEAD) {
        return 0;
    }
    if (f->cs != va_framing_en_main && f->cs != va_framing_en_payload &&
        (f->cs < va_framing_start || f->cs == va_framing_error)) {
        return 0;
    }
    if (f->rs_pos > f->rs_end || f->rs_end > f->cap) {
        return 0;
    }
    if (f->hq_pos > f->hq_len || f->hq_len > VA_FRAME_HEADER_SIZE) {
        return 0;
    }
    /* Writes never overtake unread rescan bytes. */
    if (f->rs_pos < f->rs_end && f->fill > f->rs_pos) {
        return 0;
    }
    if (f->fill > f->cap || f->once > f->fill || f->need > f->cap ||
        (f->need != 0u && f->fill > f->need)) {
        return 0;
    }
    return 1;
}

int va_framer_init(va_framer *f, uint8_t *buf, uint32_t buf_cap, uint32_t max_payload)
{
    if (f == NULL || buf == NULL || max_payload > VA_FRAME_PAYLOAD_LIMIT ||
        buf_cap < max_payload + VA_FRAME_OVERHEAD) {
        return VA_ERR_INVAL;
    }
    memset(f, 0, sizeof *f);
    f->buf = buf;
    f->cap = buf_cap;
    f->max_payload = max_payload;
    f->cs = va_framing_en_main;
    return VA_OK;
}

uint64_t va_framer_pending(const va_framer *f)
{
    if (f == NULL) {
        return 0u;
    }
    return (uint64_t)f->fill + (uint64_t)(f->rs_end - f->rs_pos) +
           (uint64_t)(f->hq_len - f->hq_pos);
}

static void va_framer_clear_candidate(va_framer *f)
{
    f->fill = 0u;
    f->need = 0u;
    f->once = 0u;
    f->cs = va_framing_en_main;
}

void va_framer_reset(va_framer *f)
{
    if (f == NULL) {
        return;
    }
    /* Everything held belongs to the old connection: count it as dropped. */
    f->stats.garbage_bytes += va_framer_pending(f);
    va_framer_clear_candidate(f);
    f->res = VA_FR_MORE;
    f->rs_pos = 0u;
    f->rs_end = 0u;
    f->hq_pos = 0u;
    f->hq_len = 0u;
    f->lost = 0u;
}

/*
 * The candidate failed before its payload (machine error, bad header CRC,
 * oversize). Drop its first byte only and rescan the rest: a real magic may
 * hide in the <= 11 bytes held.
 * spec: on a bad header, resume scanning at the byte after the candidate's first byte.
 * New header queue = candidate bytes 1..fill, then what was left of the old
 * queue (non-empty only if the candidate lay wholly in it): <= 11 bytes.
 */
static void va_framer_drop_header(va_framer *f)
{
    uint8_t tmp[VA_FRAME_HEADER_SIZE] = { 0 };
    uint32_t k = 0u;
    uint32_t i;

    f->stats.garbage_bytes++;
    f->lost = 1u;
    for (i = 1u; i < f->fill && i < VA_FRAME_HEADER_SIZE && i < f->cap && k < VA_FRAME_HEADER_SIZE;
         i++) {
        tmp[k] = f->buf[i];
        k++;
    }
    for (i = f->hq_pos; i < f->hq_len && i < VA_FRAME_HEADER_SIZE && k < VA_FRAME_HEADER_SIZE;
         i++) {
        tmp[k] = f->hq[i];
        k++;
    }
    memcpy(f->hq, tmp, k);
    f->hq_pos = 0u;
    f->hq_len = k;
    va_framer_clear_candidate(f);
}

/*
 * Payload CRC failed. A frame may have started inside the dropped one (peer
 * restarted mid-frame), so its bytes are rescanned -- but each byte at most
 * once: the leading `once` bytes came from a rescan already and are dropped.
 * This keeps the work per input byte constant (docs/framing.md).
 */
static void va_framer_drop_payload(va_framer *f)
{
    uint32_t keep_from = (f->once > 1u) ? f->once : 1u;

    f->stats.bad_crc++;
    f->lost = 1u;
    if (keep_from >= f->need) {
        /* Wholly made of rescanned bytes: drop it all. */
        f->stats.garbage_bytes += f->need;
    } else {
        /* It ended in fresh input, so no rescan bytes are pending. */
        f->stats.garbage_bytes += keep_from;
        f->rs_pos = keep_from;
        f->rs_end = f->need;
    }
    va_framer_clear_candidate(f);
}

int va_framer_feed(va_framer *f, const uint8_t *in, size_t in_len, size_t *consumed,
                   const uint8_t **payload, uint32_t *plen)
{
    size_t used = 0u;
    int ret = 0;

    if (f == NULL || consumed == NULL || payload == NULL || plen == NULL ||
        (in == NULL && in_len != 0u) || f->buf == NULL) {
        return VA_ERR_INVAL;
    }
    *payload = NULL;
    *plen = 0u;

    for (;;) {
        int r;
        size_t n = 0u;

        /* Sources in order: header queue, dropped-frame bytes, then input. */
        /* Rescan sources go through the machine one byte per run: the
         * run then has no loop, so Eva needs no bound on how far p moves
         * inside it (it cannot narrow a widened p with Ragel's `++p == pe`
         * equality test). The machine is chunking-invariant and `once` is
         * only read after a run, so results are identical; the cost is one
         * call per byte on the (rare) rescan path only. */
        if (f->hq_pos < f->hq_len) {
            uint32_t pos = f->hq_pos;
            if (f->hq_len > VA_FRAME_HEADER_SIZE || pos >= VA_FRAME_HEADER_SIZE) {
                /* Unreachable while va_framer_valid(f). */
                f->hq_pos = 0u;
                f->hq_len = 0u;
                continue;
            }
            /* Proof hint (Eva): one analysis state per position while the
             * byte is run, so both ends of the run are exact; joined again
             * right after. No effect on the compiled code. */
            /*@ split pos; */
            r = va_framer_exec(f, f->hq + pos, f->hq + pos + 1u, &n);
            /*@ merge pos; */
            f->hq_pos = pos + (uint32_t)n;
            f->once = f->fill;
        } else if (f->rs_pos < f->rs_end) {
            uint32_t pos = f->rs_pos;
            if (f->rs_end > f->cap || pos >= f->cap) {
                /* Unreachable while va_framer_valid(f). */
                f->rs_pos = 0u;
                f->rs_end = 0u;
                continue;
            }
            /*@ split pos; */
            r = va_framer_exec(f, f->buf + pos, f->buf + pos + 1u, &n);
            /*@ merge pos; */
            f->rs_pos = pos + (uint32_t)n;
            f->once = f->fill;
        } else {
            f->hq_pos = 0u;
            f->hq_len = 0u;
            f->rs_pos = 0u;
            f->rs_end = 0u;
            if (used >= in_len) {
                break;
            }
            r = va_framer_exec(f, in + used, in + in_len, &n);
            used += n;
            f->stats.bytes_in += n;
        }

        if (f->cs == va_framing_error) {
            /* Grammar mismatch after a magic byte: a bad header only if
             * both magic bytes matched (else a lone 0xA7 of garbage). */
            if (f->fill >= 2u) {
                f->stats.bad_header++;
            }
            va_framer_drop_header(f);
            continue;
        }
        if (r == VA_FR_MORE) {
            continue;
        }
        if (r == VA_FR_FRAME && f->need >= VA_FRAME_OVERHEAD && f->need <= f->cap) {
            /* The need checks hold whenever the copy action reports a frame;
             * stated here so the payload is visibly inside buf (if they
             * failed, the candidate is dropped like a bad header below). */
            *payload = f->buf + VA_FRAME_HEADER_SIZE;
            *plen = f->need - VA_FRAME_OVERHEAD;
            f->stats.frames++;
            f->stats.frame_bytes += f->need;
            if (f->lost) {
                f->stats.resyncs++;
                f->lost = 0u;
            }
            f->fill = 0u;
            f->need = 0u;
            f->once = 0u;
            ret = 1;
            break;
        }
        if (r == VA_FR_BADCRC) {
            va_framer_drop_payload(f);
            continue;
        }
        if (r == VA_FR_OVERSIZE) {
            f->stats.oversize++;
        } else {
            /* VA_FR_BADHDR, and VA_FR_INTERNAL treated the same (resync). */
            f->stats.bad_header++;
        }
        va_framer_drop_header(f);
    }

    *consumed = used;
    return ret;
}
