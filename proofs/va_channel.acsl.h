/* SPDX-License-Identifier: MIT */
/*
 * Predicates for the channel helpers' contracts (runtime/va_channel.c).
 *
 * Included only by the proof run (proofs/run.sh passes `-include` for it in
 * the channel run only); the runtime never includes it.
 */
#ifndef VIRTAGENT_PROOFS_VA_CHANNEL_ACSL_H
#define VIRTAGENT_PROOFS_VA_CHANNEL_ACSL_H

#include "virtagent/va_channel.h"
#include "virtagent/va_codec.h"
#include "virtagent/va_framing.h"

/*@
  // The peer-id map: entries 0 .. map_mask are writable and do not overlap
  // the channel struct (so writing an entry keeps map and map_mask);
  // map_mask + 1 (the entry count) does not wrap.
  predicate va_map_ok{L}(va_channel *ch) =
      \valid(ch) && ch->map_mask < UINT32_MAX && \valid(ch->map + (0 .. ch->map_mask)) &&
      \separated(ch, ch->map + (0 .. ch->map_mask));

  // Output buffer: out[0 .. out_cap - 1] writable, apart from the channel,
  // and head <= tail <= cap.
  predicate va_out_ok{L}(va_channel *ch) =
      \valid(ch) && \valid(ch->out + (0 .. ch->out_cap - 1)) &&
      \separated(ch, ch->out + (0 .. ch->out_cap - 1)) &&
      ch->out_head <= ch->out_tail <= ch->out_cap;

  // Bytes of output buffer a configuration asks for (plan's out_cap).
  logic integer va_cfg_out_cap(va_channel_config *cfg) =
      (integer)cfg->limits.send_max *
          (cfg->max_payload + VA_ENVELOPE_OVERHEAD + VA_FRAME_OVERHEAD) +
      VA_CONTROL_FRAMES * (VA_ENVELOPE_OVERHEAD + VA_FRAME_OVERHEAD);

  // Every limit plan() checks: the configurations it accepts.
  predicate va_cfg_ok{L}(va_channel_config *cfg) =
      0 < cfg->max_payload <= VA_CODEC_PAYLOAD_MAX &&
      0 < (integer)cfg->limits.client_max + cfg->limits.server_max <= 65536 &&
      0 < cfg->limits.send_max <= 65536 &&
      cfg->nmethods <= 255 &&
      (cfg->nmethods == 0 || cfg->methods != \null) &&
      va_cfg_out_cap(cfg) <= UINT32_MAX / 2;
*/

/* what plan_layout computes for a valid configuration (plan's good case) */
#define VA_LAYOUT_OK(cfg, l) \
  ensures (l)->cap == (cfg)->limits.client_max + (cfg)->limits.server_max; \
  ensures (l)->frame_cap == (cfg)->max_payload + VA_ENVELOPE_OVERHEAD; \
  ensures (l)->out_cap == va_cfg_out_cap(cfg); \
  ensures (l)->framer_cap == (l)->frame_cap + VA_FRAME_OVERHEAD; \
  ensures (l)->arena_cap == (l)->frame_cap + VA_ARENA_SLACK; \
  ensures 2 * (l)->cap <= (l)->map_size < 4 * (l)->cap; \
  ensures (l)->pool == 0; \
  ensures (l)->slots - (l)->pool >= (l)->cap * sizeof(va_job); \
  ensures (l)->store - (l)->slots >= (l)->cap * sizeof(va_chan_slot); \
  ensures (l)->out - (l)->store >= (integer)(l)->cap * (cfg)->max_payload; \
  ensures (l)->fifo - (l)->out >= (l)->out_cap; \
  ensures (l)->framer - (l)->fifo >= (cfg)->limits.send_max * sizeof(va_out_frame); \
  ensures (l)->arena - (l)->framer >= (l)->framer_cap; \
  ensures (l)->map - (l)->arena >= (l)->arena_cap + VA_ALIGN; \
  ensures (l)->total - (l)->map >= (l)->map_size * sizeof(va_peer_ent) + VA_ALIGN;

#endif
