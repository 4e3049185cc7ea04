/* SPDX-License-Identifier: MIT */
/*
 * Eva harness for the framing decoder (gen/va_framing.c + the portable
 * CRC-32C). An unbounded sequence of 0..EVA_CHUNK_MAX-byte chunks of
 * arbitrary bytes is fed to one framer; Eva must report no alarm.
 * Run by proofs/eva_framing.sh. Harness shape: /work/shared/FRAMA-C.md.
 */
#include "__fc_builtin.h"
#include "virtagent/va_framing.h"

/* Chunk size explored per call: Eva time grows with it (FRAMA-C.md).
 * Overridable (-DEVA_CHUNK_MAX=...) for exploration; the gated run uses
 * these values (docs/proofs.md says why they are representative). */
#ifndef EVA_CHUNK_MAX
#define EVA_CHUNK_MAX 16u
#endif
/* A small cap keeps the state space small; the decoder has no constant that
 * depends on it (buffer and cap are parameters). */
#ifndef EVA_MAX_PAYLOAD
#define EVA_MAX_PAYLOAD 16u
#endif

static uint8_t eva_input[EVA_CHUNK_MAX];
static uint8_t eva_buf[EVA_MAX_PAYLOAD + VA_FRAME_OVERHEAD];
static va_framer eva_f;

int main(void)
{
    if (va_framer_init(&eva_f, eva_buf, (uint32_t)sizeof eva_buf, EVA_MAX_PAYLOAD) != VA_OK) {
        return 1;
    }
    while (Frama_C_nondet(0, 1)) {
        size_t n;
        size_t consumed = 0;
        const uint8_t *payload = NULL;
        uint32_t plen = 0;
        int r;

        Frama_C_make_unknown((char *)eva_input, EVA_CHUNK_MAX);
        n = Frama_C_size_t_interval(0, EVA_CHUNK_MAX);
        //@ split n;
        r = va_framer_feed(&eva_f, eva_input + (EVA_CHUNK_MAX - n), n, &consumed, &payload,
                           &plen);
        //@ merge n;
        if (r == 1) {
            /* A delivered payload lies inside the framer's buffer. */
            //@ assert plen <= EVA_MAX_PAYLOAD;
        }
        if (Frama_C_nondet(0, 1)) {
            va_framer_reset(&eva_f);
        }
    }
    return 0;
}
