/* SPDX-License-Identifier: MIT */
/*
 * The channel: binds the job manager, the framing and the codec for one
 * stream, sans-I/O.  Data path:
 *
 *   input bytes -> va_framer_feed -> va_codec_decode_envelope (arena)
 *     REQUEST  -> method table -> va_server_job_add -> handler (execute op)
 *     RESPONSE/ERROR -> va_client_job_read_done (stale id: counted drop)
 *     CANCEL   -> peer-id map -> va_server_job_cancel
 *     HELLO    -> peer limits;  KEEPALIVE -> liveness only
 *   manager send op -> envelope -> frame encoded in place in the output
 *   buffer -> va_channel_output/consume -> send_done when its last byte left
 *
 * Memory, all from the caller's region: job pool, per-slot records and
 * payload store, output buffer (room for send_max job frames plus
 * VA_CONTROL_FRAMES control frames, so a job frame never waits for room),
 * output frame FIFO, framer buffer, decode arena, peer-id map.
 */
#include "virtagent/va_channel.h"

#include <stddef.h>
#include <string.h>

#include "va_cj_tables.h"
#include "va_sj_tables.h"
#include "virtagent/va_codec.h"

#define VA_ALIGN 16u
#define VA_CONTROL_FRAME_MAX (VA_ENVELOPE_OVERHEAD + VA_FRAME_OVERHEAD)
/* The decode arena holds the envelope structs, the payload copy and up to
 * three bounded strings (agent name, version, status message). */
#define VA_ARENA_SLACK (4u * 1024u + 3u * (uint32_t)VA_CODEC_STRING_MAX)

/* Envelope kinds and status codes, named once. */
#define K_REQUEST VIRTAGENT__ENVELOPE__KIND__REQUEST
#define K_RESPONSE VIRTAGENT__ENVELOPE__KIND__RESPONSE
#define K_ERROR VIRTAGENT__ENVELOPE__KIND__ERROR
#define K_CANCEL VIRTAGENT__ENVELOPE__KIND__CANCEL
#define K_HELLO VIRTAGENT__ENVELOPE__KIND__HELLO
#define K_KEEPALIVE VIRTAGENT__ENVELOPE__KIND__KEEPALIVE

/*@ requires \valid(cfg);
    assigns *cfg;
    ensures cfg->limits.send_max == VA_DEFAULT_SEND_MAX &&
            cfg->limits.exec_max == VA_DEFAULT_EXEC_MAX &&
            cfg->limits.client_max == VA_DEFAULT_CLIENT_MAX &&
            cfg->limits.server_max == VA_DEFAULT_SERVER_MAX &&
            cfg->limits.starve_max == VA_DEFAULT_STARVE_MAX;
    ensures cfg->max_payload == VA_DEFAULT_MAX_PAYLOAD;
    ensures cfg->keepalive_ms == 5000 && cfg->dead_peer_ms == 20000; */
void va_channel_config_default(va_channel_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    va_limits_default(&cfg->limits);
    cfg->max_payload = VA_DEFAULT_MAX_PAYLOAD;
    cfg->keepalive_ms = 5000u;
    cfg->dead_peer_ms = 20000u;
}

/* ---- memory layout ------------------------------------------------------ */

typedef struct layout {
    size_t pool, slots, store, out, fifo, framer, arena, map, total;
    uint32_t cap, frame_cap, out_cap, framer_cap, arena_cap, map_size;
} layout;

/* `m - m % VA_ALIGN`: the same value as `& ~(VA_ALIGN - 1)` (a power of
 * two), which the provers cannot bound. */
/*@ requires n <= SIZE_MAX - (VA_ALIGN - 1);
    assigns \nothing;
    ensures n <= \result <= n + (VA_ALIGN - 1);
    ensures \result % VA_ALIGN == 0; */
static size_t align_up(size_t n)
{
    size_t m = n + (VA_ALIGN - 1u);
    return m - m % VA_ALIGN;
}

/* The layout of a valid configuration (va_cfg_ok): the sizes, and regions
 * in increasing order each at least as large as what it holds (all sums in
 * mathematical integers, so no size_t wraps).  Apart from plan's checks so
 * that the provers see the bounds' asserts only where the limits hold. */
/*@ requires \valid_read(cfg) && \valid(l) && \separated(cfg, l);
    requires va_cfg_ok(cfg);
    assigns *l;
    VA_LAYOUT_OK(cfg, l) */
static void plan_layout(const va_channel_config *cfg, layout *l)
{
    uint64_t cap = (uint64_t)cfg->limits.client_max + cfg->limits.server_max;
    uint64_t frame_cap = (uint64_t)cfg->max_payload + VA_ENVELOPE_OVERHEAD;
    uint64_t out_cap = (uint64_t)cfg->limits.send_max * (frame_cap + VA_FRAME_OVERHEAD) +
                       (uint64_t)VA_CONTROL_FRAMES * VA_CONTROL_FRAME_MAX;
    uint32_t map_size = 1;

    /* peer-id map: a power of two at least twice the pool, so probes stay
     * short and a free entry always exists */
    /*@ loop invariant 1 <= map_size < 4 * cap;
        loop assigns map_size;
        loop variant 4 * cap - map_size; */
    while (map_size < 2u * cap) {
        map_size <<= 1;
    }
    l->cap = (uint32_t)cap;
    l->frame_cap = (uint32_t)frame_cap;
    l->out_cap = (uint32_t)out_cap;
    l->framer_cap = (uint32_t)(frame_cap + VA_FRAME_OVERHEAD);
    l->arena_cap = (uint32_t)(frame_cap + VA_ARENA_SLACK);
    l->map_size = map_size;
    l->pool = 0;
    /* No size_t sum below wraps: each region is under 2^33 bytes (cap and
     * max_payload are at most 2^16, out_cap under 2^31), so the offsets stay
     * under 8 * 2^33.  The asserts give WP those bounds step by step. */
    /*@ assert cap * cfg->max_payload <= 65536 * cfg->max_payload <= 65536 * 65536; */
    l->slots = l->pool + align_up(cap * sizeof(va_job));
    /*@ assert l->slots <= 1 * 0x200000000; */
    l->store = l->slots + align_up(cap * sizeof(va_chan_slot));
    /*@ assert l->store <= 2 * 0x200000000; */
    l->out = l->store + align_up(cap * cfg->max_payload);
    /*@ assert l->out <= 3 * 0x200000000; */
    /*@ assert l->out - l->store >= cap * cfg->max_payload; */
    l->fifo = l->out + align_up(out_cap);
    /*@ assert l->fifo <= 4 * 0x200000000; */
    /*@ assert l->fifo - l->out >= out_cap && out_cap == l->out_cap; */
    l->framer = l->fifo + align_up(cfg->limits.send_max * sizeof(va_out_frame));
    /*@ assert l->framer <= 5 * 0x200000000; */
    l->arena = l->framer + align_up(l->framer_cap);
    /*@ assert l->arena <= 6 * 0x200000000; */
    l->map = l->arena + align_up(l->arena_cap) + VA_ALIGN;
    /*@ assert l->map <= 7 * 0x200000000; */
    l->total = l->map + align_up(map_size * sizeof(va_peer_ent)) + VA_ALIGN;
    /*@ assert l->cap == cap && l->out - l->store >= cap * cfg->max_payload; */
    /*@ assert (integer)l->cap * cfg->max_payload == cap * cfg->max_payload; */
}

/* The layout of a configuration (caller input: every limit is checked,
 * va_cfg_ok in proofs/va_channel.acsl.h).  Proved: VA_ERR_INVAL and nothing
 * written exactly when a limit fails; otherwise the layout of plan_layout. */
/*@ requires \valid_read(cfg) && \valid(l) && \separated(cfg, l);
    assigns *l;
    behavior bad:
      assumes !va_cfg_ok(cfg);
      assigns \nothing;
      ensures \result == VA_ERR_INVAL;
    behavior good:
      assumes va_cfg_ok(cfg);
      assigns *l;
      ensures \result == VA_OK;
      VA_LAYOUT_OK(cfg, l)
    complete behaviors;
    disjoint behaviors; */
static int plan(const va_channel_config *cfg, layout *l)
{
    uint64_t cap = (uint64_t)cfg->limits.client_max + cfg->limits.server_max;
    uint64_t frame_cap = (uint64_t)cfg->max_payload + VA_ENVELOPE_OVERHEAD;
    uint64_t out_cap;

    if (cfg->max_payload == 0u || cfg->max_payload > VA_CODEC_PAYLOAD_MAX ||
        cap == 0u || cap > 65536u || cfg->limits.send_max == 0u ||
        cfg->limits.send_max > 65536u || cfg->nmethods > 255u ||
        (cfg->nmethods != 0u && cfg->methods == NULL)) {
        return VA_ERR_INVAL;
    }
    out_cap = (uint64_t)cfg->limits.send_max * (frame_cap + VA_FRAME_OVERHEAD) +
              (uint64_t)VA_CONTROL_FRAMES * VA_CONTROL_FRAME_MAX;
    if (out_cap > UINT32_MAX / 2u) {
        return VA_ERR_INVAL;
    }
    plan_layout(cfg, l);
    return VA_OK;
}

/*@ requires cfg == \null || \valid_read(cfg);
    assigns \nothing;
    ensures cfg == \null || !va_cfg_ok(cfg) ==> \result == 0;
    ensures cfg != \null && va_cfg_ok(cfg) ==> \result > 0; */
size_t va_channel_memory_size(const va_channel_config *cfg)
{
    layout l;
    if (cfg == NULL || plan(cfg, &l) != VA_OK) {
        return 0;
    }
    return l.total;
}

/* ---- peer-id map (linear probing, backward-shift deletion) -------------- */

/* The map's contracts (proofs/va_channel.acsl.h, va_map_ok): every index is
 * reduced modulo map_mask + 1, the entry count va_channel_init gave it (a
 * power of two, twice the pool: plan).  For that power of two, `% size` and
 * the wrap in map_next equal the `& map_mask` this code used before; they
 * are written this way because WP's provers have no bound for `x & m` with
 * a variable m.  The probe loops end at an empty entry, which exists because
 * the map is at most half full (at most one entry per live server job);
 * that count is not proved, so the loops have no variant: WP proves partial
 * correctness (docs/proofs.md, "Channel helpers (WP)"). */
/*@ requires mask < UINT32_MAX;
    assigns \nothing;
    ensures \result <= mask; */
static uint32_t map_hash(uint32_t mask, uint64_t id)
{
    /* the high 32 bits of the product (`/ 2^32`, not `>> 32`: the same
     * code, but the provers know the sign of a quotient) */
    uint32_t h = (uint32_t)((id * 0x9E3779B97F4A7C15ull) / 0x100000000ull);
    return h % (mask + 1u);
}

/* The entry after i, wrapping at the end of the map. */
/*@ requires i <= mask;
    assigns \nothing;
    ensures \result <= mask;
    ensures \result == (i == mask ? 0 : i + 1); */
static uint32_t map_next(uint32_t mask, uint32_t i)
{
    return i == mask ? 0u : i + 1u;
}

/*@ requires va_map_ok(ch);
    assigns \nothing;
    ensures \result == VA_NIL ||
            (\result <= ch->map_mask && ch->map[\result].peer_id == id); */
static uint32_t map_find(const va_channel *ch, uint64_t id)
{
    uint32_t i = map_hash(ch->map_mask, id);
    /* at most half the entries are used: an empty entry ends every probe */
    /*@ loop invariant i <= ch->map_mask;
        loop assigns i; */
    while (ch->map[i].peer_id != 0u) {
        if (ch->map[i].peer_id == id) {
            return i;
        }
        i = map_next(ch->map_mask, i);
    }
    return VA_NIL;
}

/*@ requires va_map_ok(ch);
    assigns ch->map[0 .. ch->map_mask];
    ensures \exists integer k; 0 <= k <= ch->map_mask &&
            \old(ch->map[k].peer_id) == 0 &&
            ch->map[k].peer_id == id && ch->map[k].slot == slot &&
            (\forall integer j; 0 <= j <= ch->map_mask && j != k ==>
                 ch->map[j] == \old(ch->map[j])); */
static void map_insert(va_channel *ch, uint64_t id, uint32_t slot)
{
    uint32_t i = map_hash(ch->map_mask, id);
    /*@ loop invariant i <= ch->map_mask;
        loop assigns i; */
    while (ch->map[i].peer_id != 0u) {
        i = map_next(ch->map_mask, i);
    }
    ch->map[i].peer_id = id;
    ch->map[i].slot = slot;
}

/*@ requires va_map_ok(ch);
    requires i <= ch->map_mask;
    assigns ch->map[0 .. ch->map_mask]; */
static void map_remove(va_channel *ch, uint32_t i)
{
    /* read once: the entries do not overlap the channel (va_map_ok) */
    va_peer_ent *map = ch->map;
    uint32_t mask = ch->map_mask;
    uint32_t j = i;
    map[i].peer_id = 0;
    /*@ loop invariant i <= mask && j <= mask;
        loop assigns i, j, map[0 .. mask]; */
    for (;;) {
        uint32_t home;
        j = map_next(mask, j);
        if (map[j].peer_id == 0u) {
            return;
        }
        home = map_hash(mask, map[j].peer_id);
        /* move j back into the hole unless its home lies in (i, j] */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            map[i] = map[j];
            map[j].peer_id = 0;
            i = j;
        }
    }
}

/* ---- output -------------------------------------------------------------- */

/*@ requires \valid_read(ch);
    assigns \nothing;
    ensures \result == ch->store + (integer)slot * ch->cfg.max_payload; */
static uint8_t *slot_store(va_channel *ch, uint32_t slot)
{
    return ch->store + (size_t)slot * ch->cfg.max_payload;
}

/* Make room for `need` bytes at the tail of the output buffer. */
/*@ requires va_out_ok(ch);
    assigns ch->out_head, ch->out_tail, ch->out[0 .. ch->out_cap - 1];
    ensures va_out_ok(ch);
    ensures ch->out_tail - ch->out_head == \old(ch->out_tail - ch->out_head);
    ensures ch->out_head == \old(ch->out_head) || ch->out_head == 0;
    ensures \forall integer k; 0 <= k < ch->out_tail - ch->out_head ==>
            ch->out[ch->out_head + k] == \old(ch->out[ch->out_head + k]);
    ensures \result == VA_OK || \result == VA_ERR_NOSPACE;
    ensures \result == VA_OK ==> ch->out_cap - ch->out_tail >= need;
    ensures \result == VA_ERR_NOSPACE ==>
            ch->out_head == 0 && ch->out_cap - ch->out_tail < need; */
static int out_reserve(va_channel *ch, uint32_t need)
{
    if (ch->out_cap - ch->out_tail >= need) {
        return VA_OK;
    }
    if (ch->out_head != 0u) {
        memmove(ch->out, ch->out + ch->out_head, ch->out_tail - ch->out_head);
        ch->out_tail -= ch->out_head;
        ch->out_head = 0;
    }
    return (ch->out_cap - ch->out_tail >= need) ? VA_OK : VA_ERR_NOSPACE;
}

/* Encode an envelope as one frame at the tail of the output buffer.
 * `control`: a job-less frame that must leave room for job frames. */
static int emit(va_channel *ch, const Virtagent__Envelope *env, int control)
{
    size_t size = va_codec_envelope_size(env);
    size_t written = 0;
    uint32_t reserve;
    int rc;

    if (size > ch->peer_frame_cap || size > ch->frame_cap) {
        return VA_ERR_TOOBIG;
    }
    reserve = (uint32_t)size + VA_FRAME_OVERHEAD;
    if (control) {
        /* job frames own send_max * max frame of the buffer; control frames
         * get what is left beyond that */
        uint64_t jobs_room = (uint64_t)(ch->m.lim.send_max - ch->fifo_len) *
                             (ch->frame_cap + VA_FRAME_OVERHEAD);
        uint64_t pending = ch->out_tail - ch->out_head;
        if (pending + reserve + jobs_room > ch->out_cap) {
            ch->stats.control_dropped++;
            return VA_ERR_NOSPACE;
        }
    }
    rc = out_reserve(ch, reserve);
    if (rc != VA_OK) {
        ch->stats.control_dropped++;
        return rc;
    }
    rc = va_codec_encode_envelope(env, ch->out + ch->out_tail + VA_FRAME_HEADER_SIZE,
                                  ch->out_cap - ch->out_tail - VA_FRAME_OVERHEAD, &written);
    if (rc != VA_OK) {
        return rc;
    }
    rc = va_frame_seal(ch->out + ch->out_tail, ch->out_cap - ch->out_tail,
                       (uint32_t)written, ch->frame_cap);
    if (rc < 0) {
        return rc;
    }
    ch->out_tail += (uint32_t)rc;
    ch->stats.frames_out++;
    return VA_OK;
}

static void emit_job(va_channel *ch, const Virtagent__Envelope *env, va_job_id job, int server)
{
    va_out_frame *f;
    uint32_t at;

    if (emit(ch, env, 0) != VA_OK) {
        /* Cannot happen with the sizes checked at call/reply time; if it
         * did, finishing the send keeps the lifecycle moving and the peer's
         * deadline covers the lost frame. */
        ch->stats.control_dropped++;
        if (server) {
            (void)va_server_job_send_done(&ch->m, job);
        } else {
            (void)va_client_job_send_done(&ch->m, job);
        }
        return;
    }
    at = (ch->fifo_head + ch->fifo_len) % ch->fifo_cap;
    f = &ch->fifo[at];
    f->end = ch->out_pos + (ch->out_tail - ch->out_head);
    f->job = job;
    f->server = (uint32_t)server;
    ch->fifo_len++;
}

static void emit_error(va_channel *ch, int has_id, uint64_t id, uint32_t method, int32_t code,
                       const char *text)
{
    va_envelope_storage st = VA_ENVELOPE_STORAGE_INIT;
    Virtagent__Envelope *env = va_envelope_error(&st, has_id != 0, id, method, code, text);
    if (env != NULL && emit(ch, env, 1) == VA_OK) {
        ch->stats.errors_out++;
    }
}

/* Dispatch table slot of a method id: spec: id = (service << 8) | index;
 * services 1..15 with index < 32 map to (service << 5) | index, so the
 * table has VA_METHOD_SPACE = 16 * 32 entries.  VA_NIL for any other id. */
/*@ assigns \nothing;
    ensures \result == VA_NIL <==>
            (id / 256 == 0 || id / 256 >= VA_METHOD_SPACE / 32 || id % 256 >= 32);
    ensures \result != VA_NIL ==>
            \result == (id / 256) * 32 + id % 256 && \result < VA_METHOD_SPACE; */
static uint32_t method_slot(uint32_t id)
{
    /* `/ 256`, `% 256`, `* 32 +`: the same values as `>> 8`, `& 0xff`,
     * `<< 5 |` (idx < 32), in the arithmetic the provers know */
    uint32_t svc = id / 256u;
    uint32_t idx = id % 256u;

    if (svc == 0u || svc >= VA_METHOD_SPACE / 32u || idx >= 32u) {
        return VA_NIL;
    }
    return svc * 32u + idx;
}

/* ---- manager ops ----------------------------------------------------------- */

static va_channel *chan_of(va_manager *m)
{
    return (va_channel *)(void *)((uint8_t *)m - offsetof(va_channel, m));
}

static void s_execute(va_manager *m, va_job_id job, void *jc, void *oc)
{
    va_channel *ch = chan_of(m);
    uint32_t slot = (uint32_t)job;
    va_chan_slot *s = &ch->slots[slot];
    const va_method *md = &ch->cfg.methods[ch->method_index[method_slot(s->method)] - 1u];
    (void)jc;
    (void)oc;
    md->fn(ch, job, s->method, slot_store(ch, slot), s->len, md->ctx);
}

static void s_send(va_manager *m, va_job_id job, void *jc, const va_result *res, void *oc)
{
    va_channel *ch = chan_of(m);
    va_chan_slot *s = &ch->slots[(uint32_t)job];
    va_envelope_storage st = VA_ENVELOPE_STORAGE_INIT;
    Virtagent__Envelope *env;
    /* the envelope borrows the error text until emit_job encodes it, so
     * the text lives as long as the envelope (fuzz finding
     * error_reply_text_out_of_scope: it was scoped to the else branch) */
    char text[VA_ERROR_TEXT_MAX + 1u];
    (void)jc;
    (void)oc;
    if (res->code == VA_RESULT_CODE_OK) {
        env = va_envelope_response(&st, s->peer_id, s->method, res->data, res->len);
        ch->stats.responses_out++;
    } else {
        uint32_t n = res->len < VA_ERROR_TEXT_MAX ? res->len : VA_ERROR_TEXT_MAX;
        if (n != 0u) {
            memcpy(text, res->data, n);
        }
        text[n] = '\0';
        env = va_envelope_error(&st, 1, s->peer_id, s->method, res->code, text);
        ch->stats.errors_out++;
    }
    emit_job(ch, env, job, 1);
}

static void s_complete(va_manager *m, va_job_id job, void *jc, va_status st, void *oc)
{
    va_channel *ch = chan_of(m);
    uint32_t at = map_find(ch, ch->slots[(uint32_t)job].peer_id);
    (void)jc;
    (void)st;
    (void)oc;
    /* the peer's id may be reused from now on */
    if (at != VA_NIL && ch->map[at].slot == (uint32_t)job) {
        map_remove(ch, at);
    }
}

static void s_cancel(va_manager *m, va_job_id job, void *jc, void *oc)
{
    va_channel *ch = chan_of(m);
    const va_method *md =
        &ch->cfg.methods[ch->method_index[method_slot(ch->slots[(uint32_t)job].method)] - 1u];
    (void)jc;
    (void)oc;
    if (md->cancel != NULL) {
        md->cancel(ch, job, md->ctx);
    }
}

static void c_send(va_manager *m, va_job_id job, void *jc, void *oc)
{
    va_channel *ch = chan_of(m);
    uint32_t slot = (uint32_t)job;
    va_chan_slot *s = &ch->slots[slot];
    va_envelope_storage st = VA_ENVELOPE_STORAGE_INIT;
    (void)jc;
    (void)oc;
    emit_job(ch, va_envelope_request(&st, job, s->method, slot_store(ch, slot), s->len), job, 0);
    ch->stats.requests_out++;
}

static void c_abort(va_manager *m, va_job_id job, void *jc, void *oc)
{
    va_channel *ch = chan_of(m);
    va_envelope_storage st = VA_ENVELOPE_STORAGE_INIT;
    (void)jc;
    (void)oc;
    /* spec: cancel travels to the peer; its late reply is then dropped */
    if (ch->attached && emit(ch, va_envelope_cancel(&st, job), 1) == VA_OK) {
        ch->stats.cancels_out++;
    }
}

static void c_complete(va_manager *m, va_job_id job, void *jc, va_status status,
                       const va_result *resp, void *oc)
{
    va_channel *ch = chan_of(m);
    va_chan_slot *s = &ch->slots[(uint32_t)job];
    /* copy before the callback: it may submit a call that reuses the slot */
    va_call_done_fn done = s->done;
    void *ctx = s->ctx;
    (void)jc;
    (void)oc;
    done(ch, job, status, resp != NULL ? resp->code : 0, resp != NULL ? resp->data : NULL,
         resp != NULL ? resp->len : 0u, ctx);
}

static const va_server_ops chan_sops = {
    .execute = s_execute, .send = s_send, .complete = s_complete, .cancel = s_cancel,
};
static const va_client_ops chan_cops = {
    .send = c_send, .abort = c_abort, .complete = c_complete,
};

/* ---- init, attach, detach ----------------------------------------------------- */

int va_channel_init(va_channel *ch, const va_channel_config *cfg, void *mem, size_t mem_len)
{
    layout l;
    uint8_t *base;
    uint32_t i;
    int rc;

    if (ch == NULL || cfg == NULL || mem == NULL || plan(cfg, &l) != VA_OK || mem_len < l.total) {
        return VA_ERR_INVAL;
    }
    memset(ch, 0, sizeof *ch);
    ch->cfg = *cfg;
    for (i = 0; i < cfg->nmethods; i++) {
        uint32_t id = method_slot(cfg->methods[i].id);
        if (id == VA_NIL || cfg->methods[i].fn == NULL || ch->method_index[id] != 0u) {
            return VA_ERR_INVAL;
        }
        ch->method_index[id] = (uint8_t)(i + 1u);
    }
    base = (uint8_t *)(((uintptr_t)mem + VA_ALIGN - 1u) & ~(uintptr_t)(VA_ALIGN - 1u));
    rc = va_manager_init(&ch->m, (va_job *)(void *)(base + l.pool), l.cap, &cfg->limits,
                         &chan_sops, &chan_cops, ch);
    if (rc != VA_OK) {
        return rc;
    }
    ch->slots = (va_chan_slot *)(void *)(base + l.slots);
    ch->store = base + l.store;
    ch->out = base + l.out;
    ch->out_cap = l.out_cap;
    ch->fifo = (va_out_frame *)(void *)(base + l.fifo);
    ch->fifo_cap = cfg->limits.send_max;
    ch->frame_cap = l.frame_cap;
    ch->peer_frame_cap = l.frame_cap;
    ch->peer_inflight = cfg->limits.client_max;
    ch->map = (va_peer_ent *)(void *)(base + l.map);
    ch->map_mask = l.map_size - 1u;
    memset(ch->map, 0, l.map_size * sizeof(va_peer_ent));
    memset(ch->slots, 0, l.cap * sizeof(va_chan_slot));
    rc = va_framer_init(&ch->framer, base + l.framer, l.framer_cap, l.frame_cap);
    if (rc != VA_OK) {
        return rc;
    }
    rc = va_arena_init(&ch->arena, base + l.arena, l.arena_cap + VA_ALIGN, l.arena_cap);
    if (rc != VA_OK) {
        return rc;
    }
    return VA_OK;
}

int va_channel_attach(va_channel *ch, uint64_t now)
{
    va_envelope_storage st = VA_ENVELOPE_STORAGE_INIT;
    Virtagent__Envelope *env;
    uint32_t pending = ch->out_tail - ch->out_head;
    uint32_t before;
    uint32_t hello_len;

    va_framer_reset(&ch->framer);
    ch->attached = 1;
    ch->hello_seen = 0;
    ch->last_rx = now;
    ch->last_tx = now;
    ch->stats.attaches++;
    /* spec: HELLO is the first frame on a stream, ahead of any request
     * queued while detached */
    env = va_envelope_hello(&st, VA_PROTOCOL_VERSION, ch->frame_cap, ch->m.lim.server_max,
                            ch->cfg.keepalive_ms, ch->cfg.agent_name, ch->cfg.agent_version);
    before = ch->out_tail;
    if (env == NULL || emit(ch, env, 1) != VA_OK) {
        return VA_ERR_NOSPACE;
    }
    hello_len = ch->out_tail - before;
    if (pending != 0u) {
        /* rotate the hello in front of the pending frames */
        uint8_t tmp[VA_CONTROL_FRAME_MAX + VA_CODEC_STRING_MAX * 2u];
        if (hello_len > sizeof tmp) {
            return VA_ERR_NOSPACE;
        }
        memcpy(tmp, ch->out + before, hello_len);
        memmove(ch->out + ch->out_head + hello_len, ch->out + ch->out_head, pending);
        memcpy(ch->out + ch->out_head, tmp, hello_len);
        /* frames already in the FIFO now end hello_len later */
        for (uint32_t k = 0; k < ch->fifo_len; k++) {
            ch->fifo[(ch->fifo_head + k) % ch->fifo_cap].end += hello_len;
        }
    }
    return VA_OK;
}

void va_channel_detach(va_channel *ch)
{
    if (!ch->attached) {
        return;
    }
    ch->attached = 0;
    ch->stats.detaches++;
    /* the stream is gone: bytes not written are dropped (the next stream
     * starts clean), frames in flight are nobody's now */
    ch->out_pos += ch->out_tail - ch->out_head;
    ch->out_head = ch->out_tail = 0;
    ch->fifo_head = ch->fifo_len = 0;
    va_framer_reset(&ch->framer);
    ch->peer_frame_cap = ch->frame_cap;
    ch->peer_inflight = ch->m.lim.client_max;
    /* every job in flight completes disconnected; calls made from those
     * completions queue up for the next stream */
    va_manager_disconnect(&ch->m);
}

/* ---- input --------------------------------------------------------------------- */

static void on_request(va_channel *ch, const Virtagent__Envelope *e, uint64_t now)
{
    uint32_t method = e->has_method ? e->method : 0u;
    uint32_t len = e->has_payload ? (uint32_t)e->payload.len : 0u;
    uint32_t slot;
    uint32_t mslot = method_slot(method);
    va_job_id job;
    int rc;

    ch->stats.requests_in++;
    if (!e->has_id || e->id == 0u) {
        ch->stats.protocol_errors++;
        return;
    }
    if (mslot == VA_NIL || ch->method_index[mslot] == 0u) {
        ch->stats.unknown_method++;
        emit_error(ch, 1, e->id, method, VIRTAGENT__STATUS_CODE__UNKNOWN_METHOD, "unknown method");
        return;
    }
    if (!ch->cfg.methods[ch->method_index[mslot] - 1u].enabled) {
        ch->stats.disabled_method++;
        emit_error(ch, 1, e->id, method, VIRTAGENT__STATUS_CODE__DISABLED, "method disabled");
        return;
    }
    if (len > ch->cfg.max_payload) {
        ch->stats.too_big++;
        emit_error(ch, 1, e->id, method, VIRTAGENT__STATUS_CODE__TOO_BIG, "request too big");
        return;
    }
    if (map_find(ch, e->id) != VA_NIL) {
        /* spec: a live id is never reused; a duplicate is dropped, so it
         * cannot be misrouted to the first request's job */
        ch->stats.duplicate_ids++;
        return;
    }
    slot = va_manager_next_slot(&ch->m);
    if (slot == VA_NIL || ch->m.server_live >= ch->m.lim.server_max) {
        ch->stats.busy_sent++;
        emit_error(ch, 1, e->id, method, VIRTAGENT__STATUS_CODE__BUSY, "busy");
        return;
    }
    ch->slots[slot].peer_id = e->id;
    ch->slots[slot].method = method;
    ch->slots[slot].len = len;
    if (len != 0u) {
        memcpy(slot_store(ch, slot), e->payload.data, len);
    }
    map_insert(ch, e->id, slot);
    rc = va_server_job_add(&ch->m, NULL, now, ch->cfg.server_timeout_ms, &job);
    if (rc != VA_OK) {
        uint32_t at = map_find(ch, e->id);
        if (at != VA_NIL) {
            map_remove(ch, at);
        }
        ch->stats.busy_sent++;
        emit_error(ch, 1, e->id, method, VIRTAGENT__STATUS_CODE__BUSY, "busy");
    }
}

static void on_response(va_channel *ch, const Virtagent__Envelope *e)
{
    va_result r;
    int rc;

    if (e->kind == K_ERROR) {
        ch->stats.errors_in++;
        r.code = (e->status != NULL && e->status->has_code) ? e->status->code
                                                            : VIRTAGENT__STATUS_CODE__INTERNAL;
        if (r.code == VA_RESULT_CODE_OK) {
            /* an ERROR that says OK is a protocol error: not a success */
            r.code = VIRTAGENT__STATUS_CODE__PROTOCOL_ERROR;
        }
        r.data = (e->status != NULL && e->status->message != NULL)
                     ? (const uint8_t *)e->status->message : NULL;
        r.len = r.data != NULL ? (uint32_t)strlen(e->status->message) : 0u;
        if (!e->has_id) {
            va_channel_event ev;
            memset(&ev, 0, sizeof ev);
            ev.kind = VA_CHANNEL_EV_PEER_ERROR;
            ev.code = r.code;
            ev.text = (const char *)r.data;
            if (ch->cfg.on_event != NULL) {
                ch->cfg.on_event(ch, &ev, ch->cfg.ctx);
            }
            return;
        }
    } else {
        ch->stats.responses_in++;
        r.code = VA_RESULT_CODE_OK;
        r.data = e->has_payload ? e->payload.data : NULL;
        r.len = e->has_payload ? (uint32_t)e->payload.len : 0u;
        if (!e->has_id) {
            ch->stats.protocol_errors++;
            return;
        }
    }
    rc = va_client_job_read_done(&ch->m, e->id, &r);
    if (rc == VA_ERR_STALE) {
        /* spec: a late reply to a cancelled or timed-out job, or a forged
         * id, is dropped and counted */
        ch->stats.late_replies++;
    } else if (rc != VA_OK) {
        /* refused in its state: a job abandoned while its request was still
         * being written (cancel, timeout) gets a late reply; an answered
         * one a duplicate */
        uint32_t slot = va_manager_slot(&ch->m, e->id);
        if (slot != VA_NIL && ch->m.pool[slot].state == VA_CJ_ABANDONED) {
            ch->stats.late_replies++;
        } else {
            ch->stats.duplicate_replies++;
        }
    }
}

static void on_cancel(va_channel *ch, const Virtagent__Envelope *e)
{
    uint32_t at;

    ch->stats.cancels_in++;
    at = e->has_id ? map_find(ch, e->id) : VA_NIL;
    if (at == VA_NIL) {
        ch->stats.unknown_cancels++;
        return;
    }
    {
        uint32_t slot = ch->map[at].slot;
        va_job_id job = ((uint64_t)va_manager_slot_gen(&ch->m, slot) << 32) | slot;
        if (va_server_job_cancel(&ch->m, job) != VA_OK) {
            ch->stats.unknown_cancels++;
        }
    }
}

static void on_hello(va_channel *ch, const Virtagent__Envelope *e)
{
    const Virtagent__Hello *h = e->hello;
    va_channel_event ev;

    ch->stats.hellos_in++;
    if (h == NULL) {
        ch->stats.protocol_errors++;
        return;
    }
    if (h->protocol_version != VA_PROTOCOL_VERSION) {
        ch->stats.version_mismatch++;
    }
    /* spec: each side honours the other's limits */
    if (h->max_frame >= VA_MIN_PEER_FRAME) {
        ch->peer_frame_cap = h->max_frame < ch->frame_cap ? h->max_frame : ch->frame_cap;
    }
    if (h->max_inflight != 0u) {
        ch->peer_inflight = h->max_inflight;
    }
    ch->hello_seen = 1;
    if (ch->cfg.on_event != NULL) {
        memset(&ev, 0, sizeof ev);
        ev.kind = VA_CHANNEL_EV_HELLO;
        ev.peer_version = h->protocol_version;
        ev.peer_max_frame = h->max_frame;
        ev.peer_max_inflight = h->max_inflight;
        ev.peer_name = h->agent_name;
        ev.peer_agent_version = h->agent_version;
        ch->cfg.on_event(ch, &ev, ch->cfg.ctx);
    }
}

static void on_frame(va_channel *ch, const uint8_t *payload, uint32_t len, uint64_t now)
{
    Virtagent__Envelope *e = NULL;
    int rc = va_codec_decode_envelope(&ch->arena, payload, len, &e);

    ch->stats.frames_in++;
    if (rc != VA_OK || e == NULL) {
        /* malformed: no id can be trusted, so nothing to answer */
        ch->stats.decode_errors++;
        if (rc == VA_ERR_NOMEM) {
            ch->stats.arena_failures++;
        }
        return;
    }
    switch (e->kind) {
    case K_REQUEST:
        on_request(ch, e, now);
        break;
    case K_RESPONSE:
    case K_ERROR:
        on_response(ch, e);
        break;
    case K_CANCEL:
        on_cancel(ch, e);
        break;
    case K_HELLO:
        on_hello(ch, e);
        break;
    case K_KEEPALIVE:
        ch->stats.keepalives_in++;
        break;
    default:
        ch->stats.protocol_errors++;
        break;
    }
}

int va_channel_input(va_channel *ch, const uint8_t *data, size_t len, uint64_t now)
{
    if (!ch->attached) {
        return VA_ERR_CLOSED;
    }
    if (len != 0u) {
        ch->last_rx = now;
        ch->stats.bytes_in += len;
        /* spec: every call has a deadline.  Deadlines up to `now` fire
         * before the bytes of `now` are read, so a reply that arrives
         * after its call's deadline is late whatever order the embedder
         * reports readiness and time in (no tick in between). */
        (void)va_manager_expire(&ch->m, now);
        if (!ch->attached) {
            /* a completion callback detached the channel */
            return VA_OK;
        }
    }
    while (len != 0u) {
        size_t used = 0;
        const uint8_t *payload = NULL;
        uint32_t plen = 0;
        int got = va_framer_feed(&ch->framer, data, len, &used, &payload, &plen);
        data += used;
        len -= used;
        if (got == 1) {
            on_frame(ch, payload, plen, now);
            /* a handler may have detached the channel */
            if (!ch->attached) {
                break;
            }
        } else if (got < 0) {
            break;
        }
    }
    ch->stats.framer = ch->framer.stats;
    return VA_OK;
}

/* ---- output side ---------------------------------------------------------------- */

/*@ requires \valid_read(ch) && \valid(data) && \separated(data, ch);
    requires ch->out_head <= ch->out_tail;
    assigns *data;
    ensures *data == ch->out + ch->out_head;
    ensures \result == ch->out_tail - ch->out_head; */
size_t va_channel_output(const va_channel *ch, const uint8_t **data)
{
    *data = ch->out + ch->out_head;
    return ch->out_tail - ch->out_head;
}

void va_channel_consume(va_channel *ch, size_t n, uint64_t now)
{
    uint32_t pending = ch->out_tail - ch->out_head;

    if (n > pending) {
        n = pending;
    }
    if (n == 0u) {
        return;
    }
    ch->out_head += (uint32_t)n;
    ch->out_pos += n;
    ch->stats.bytes_out += n;
    ch->last_tx = now;
    if (ch->out_head == ch->out_tail) {
        ch->out_head = ch->out_tail = 0;
    }
    /* frames whose last byte left: their send slot is free (send_done may
     * start the next send, which appends to the FIFO: loop on the head) */
    while (ch->fifo_len != 0u && ch->fifo[ch->fifo_head].end <= ch->out_pos) {
        va_out_frame f = ch->fifo[ch->fifo_head];
        ch->fifo_head = (ch->fifo_head + 1u) % ch->fifo_cap;
        ch->fifo_len--;
        if (f.server) {
            (void)va_server_job_send_done(&ch->m, f.job);
        } else {
            (void)va_client_job_send_done(&ch->m, f.job);
        }
    }
}

/* ---- timers ------------------------------------------------------------------------ */

int va_channel_tick(va_channel *ch, uint64_t now)
{
    (void)va_manager_expire(&ch->m, now);
    if (!ch->attached) {
        return VA_OK;
    }
    if (ch->cfg.dead_peer_ms != 0u && now >= ch->last_rx + ch->cfg.dead_peer_ms) {
        ch->stats.dead_peer++;
        return VA_ERR_TIMEOUT;
    }
    if (ch->cfg.keepalive_ms != 0u && now >= ch->last_tx + ch->cfg.keepalive_ms &&
        ch->out_tail == ch->out_head) {
        va_envelope_storage st = VA_ENVELOPE_STORAGE_INIT;
        if (emit(ch, va_envelope_keepalive(&st), 1) == VA_OK) {
            ch->stats.keepalives_out++;
        }
        /* counts as activity even if it could not be queued: no busy loop */
        ch->last_tx = now;
    }
    return VA_OK;
}

uint64_t va_channel_next_deadline(const va_channel *ch)
{
    uint64_t next = va_manager_next_deadline(&ch->m);
    if (ch->attached) {
        if (ch->cfg.keepalive_ms != 0u && ch->last_tx + ch->cfg.keepalive_ms < next) {
            next = ch->last_tx + ch->cfg.keepalive_ms;
        }
        if (ch->cfg.dead_peer_ms != 0u && ch->last_rx + ch->cfg.dead_peer_ms < next) {
            next = ch->last_rx + ch->cfg.dead_peer_ms;
        }
    }
    return next;
}

/* ---- calls and replies ------------------------------------------------------------ */

int va_channel_call(va_channel *ch, uint32_t method, const uint8_t *payload, uint32_t len,
                    uint64_t now, uint64_t timeout_ms, va_call_done_fn done, void *ctx,
                    va_job_id *out)
{
    uint32_t slot;

    if (done == NULL || (len != 0u && payload == NULL)) {
        return VA_ERR_INVAL;
    }
    if (len > ch->cfg.max_payload || len + VA_ENVELOPE_OVERHEAD > ch->peer_frame_cap) {
        return VA_ERR_TOOBIG;
    }
    /* spec: honour the peer's announced in-flight limit */
    if (ch->m.client_live >= ch->peer_inflight) {
        return VA_ERR_LIMIT;
    }
    slot = va_manager_next_slot(&ch->m);
    if (slot == VA_NIL || ch->m.client_live >= ch->m.lim.client_max) {
        return VA_ERR_LIMIT;
    }
    ch->slots[slot].done = done;
    ch->slots[slot].ctx = ctx;
    ch->slots[slot].method = method;
    ch->slots[slot].len = len;
    ch->slots[slot].peer_id = 0;
    if (len != 0u) {
        memcpy(slot_store(ch, slot), payload, len);
    }
    return va_client_job_submit(&ch->m, NULL, now, timeout_ms, out);
}

int va_channel_cancel(va_channel *ch, va_job_id job)
{
    return va_client_job_cancel(&ch->m, job);
}

int va_channel_reply(va_channel *ch, va_job_id job, int32_t code, const uint8_t *payload,
                     uint32_t len)
{
    uint32_t slot = va_manager_slot(&ch->m, job);
    va_result r;

    if (slot == VA_NIL || ch->m.pool[slot].kind != VA_KIND_SERVER) {
        return VA_ERR_STALE;
    }
    /* only a running handler may reply: a second reply must not overwrite
     * a result that waits for its send slot */
    if (ch->m.pool[slot].state != VA_SJ_EXECUTING && ch->m.pool[slot].state != VA_SJ_DRAIN_EXEC) {
        return VA_ERR_STATE;
    }
    if (len + VA_ENVELOPE_OVERHEAD > ch->peer_frame_cap || len > ch->cfg.max_payload) {
        ch->stats.too_big++;
        code = VIRTAGENT__STATUS_CODE__TOO_BIG;
        payload = (const uint8_t *)"response too big";
        len = (uint32_t)strlen("response too big");
    }
    if (code != VA_RESULT_CODE_OK && len > VA_ERROR_TEXT_MAX) {
        len = VA_ERROR_TEXT_MAX;
    }
    /* the result waits in the slot's store until a send slot is free (it
     * may alias the request, which is no longer needed: memmove) */
    if (len != 0u) {
        memmove(slot_store(ch, slot), payload, len);
    }
    r.code = code;
    r.len = len;
    r.data = slot_store(ch, slot);
    return va_server_job_execute_done(&ch->m, job, &r);
}

/*@ requires \valid(ch);
    assigns ch->stats.framer, ch->stats.arena_failures;
    ensures ch->stats.framer == ch->framer.stats;
    ensures ch->stats.arena_failures == ch->arena.failures;
    ensures \result == &ch->stats; */
const va_channel_stats *va_channel_get_stats(va_channel *ch)
{
    ch->stats.framer = ch->framer.stats;
    ch->stats.arena_failures = ch->arena.failures;
    return &ch->stats;
}

/*@ requires va_inv(&ch->m);
    assigns \nothing;
    ensures \result == ch->m.server_live + ch->m.client_live; */
uint32_t va_channel_live(const va_channel *ch)
{
    return va_manager_live(&ch->m);
}

/*@ requires \valid_read(ch);
    assigns \nothing;
    ensures \result == ch->attached; */
int va_channel_is_attached(const va_channel *ch)
{
    return ch->attached;
}
