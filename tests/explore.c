/* SPDX-License-Identifier: MIT */
/*
 * Exhaustive interleaving explorer: two real job managers (runtime/
 * va_manager.c, not a model) joined by a simulated link, every interleaving
 * of the events below enumerated depth-first, with state hashing to prune.
 * docs/explorer.md describes the bounds, the properties and the figures.
 *
 * World: peers 0 and 1, each a va_manager with its pool, plus a FIFO link
 * per direction (the stream is ordered).  The ops callbacks put messages
 * on the link the way runtime/va_channel.c does:
 *   client send  -> REQUEST(id) to the peer, at the moment the send starts
 *                   (the bytes start flowing; send_done is reported later)
 *   client abort -> CANCEL(id)
 *   server send  -> RESPONSE(peer id, code)
 *   a request refused BUSY by the peer's manager -> RESPONSE(id, BUSY)
 * Events (each one transition):
 *   SUBMIT p        p submits a client job (up to `jobs` per side)
 *   DELIVER d       the oldest message in direction d arrives
 *   EXEC_DONE p,s   a handler returns (EXECUTING or DRAIN_EXEC job)
 *   SEND_DONE p,s   the last byte of a frame left (any job holding a send slot)
 *   CANCEL p,k      the user cancels client job k (each job at most once,
 *                   at most `cancels` per path)
 *   EXPIRE p        time advances to p's next deadline; p's timers fire
 *   DISCONNECT      the stream breaks (both sides detach, links cleared);
 *                   at most once per path, the peers then go on on a new
 *                   stream
 * A snapshot is a memcpy of the world: the managers use slot indexes, not
 * pointers; after a copy m->pool and m->ops_ctx are pointed at the copy.
 *
 * Properties checked (abort with the event path on a violation):
 *   P1 va_manager_valid on both managers in every state; every limit holds;
 *      the scheduler is work-conserving (no free slot beside a waiting job)
 *   P2 no job completes twice (checked in the completion callbacks)
 *   P3 at the end of every maximal path (no event enabled) every submitted
 *      job and every request the peer accepted completed exactly once and
 *      no job is live on either side
 *   P4 no deadlock: while any job is live or a message is in flight, some
 *      event is enabled; stronger, without timeouts: while a job is live,
 *      a progress event (DELIVER, EXEC_DONE, SEND_DONE) is enabled (no
 *      server deadline is set, so every accepted request gets an answer)
 *   P5 no starvation beyond the bound of runtime/va_manager.c pump(): while
 *      a client job is at the head of a manager's request queue, at most
 *      starve_max server sends start before it does
 *
 *   explore            the test: configurations A-D (about 30 s; A and C
 *                      only under ASan)
 *   explore --large    larger bounds, for manual runs (docs/explorer.md)
 *   explore JOBS CANCELS TIMED SEND_MAX SERVER_MAX STARVE_MAX   one run
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "va_cj_tables.h"
#include "va_sj_tables.h"
#include "virtagent/va_manager.h"

#define MAXJOBS 4u         /* client jobs per side, at most */
#define CAP (2u * MAXJOBS) /* pool: client_max + server_max <= CAP */
#define LINKMAX 24u
#define MAXDEPTH 256u

enum { MSG_REQUEST = 1, MSG_RESPONSE, MSG_CANCEL };

typedef struct msg {
    va_job_id id;
    int32_t code;
    uint8_t type;
} msg;

typedef struct link {
    msg q[LINKMAX];
    uint32_t head, len;
} link;

typedef struct peer {
    va_manager m;
    va_job pool[CAP];
    /* per slot: server job -> the peer's request id (0: unmapped);
     * client job -> its submit index */
    va_job_id peer_id[CAP];
    uint8_t job_of[CAP];
    /* client jobs, by submit index */
    va_job_id cid[MAXJOBS];
    uint8_t ccomp[MAXJOBS];
    uint8_t cstatus[MAXJOBS];
    uint8_t cancelled[MAXJOBS];
    uint8_t submitted;
    /* server jobs: accepted, completed; last completed gen per slot */
    uint8_t sadded, scomp;
    uint32_t scomp_gen[CAP];
    /* P5: the request queue head seen at the last server send start */
    va_job_id waiter;
    uint32_t waited;
    uint8_t idx;
} peer;

typedef struct world {
    peer p[2];
    link l[2]; /* l[d]: from peer d to peer 1-d */
    uint64_t now;
    uint8_t cancels_used;
    uint8_t disconnected;
} world;

typedef struct bounds {
    uint32_t jobs, cancels, client_timeout, server_timeout, timed;
    va_limits lim;
} bounds;

static bounds B;
static world stack_[MAXDEPTH + 1];
static world *cur; /* the world the callbacks act on */
static char path[MAXDEPTH + 1][48];
static uint32_t depth_now;
static uint64_t states, transitions, terminals, depth_max, dead_ends_checked;
static uint64_t term_status[VA_STATUS_COUNT];

static void fail(const char *what)
{
    fprintf(stderr, "explore: property violated: %s\npath (%u events):\n", what, depth_now);
    for (uint32_t i = 1; i <= depth_now; i++) {
        fprintf(stderr, "  %3u %s\n", i, path[i]);
    }
    exit(1);
}

#define CHECK(cond, what)                                                              \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fail(what " (" #cond ")");                                                 \
        }                                                                              \
    } while (0)

static void push(int from, uint8_t type, va_job_id id, int32_t code)
{
    link *l = &cur->l[from];
    CHECK(l->len < LINKMAX, "link bound");
    l->q[(l->head + l->len) % LINKMAX] = (msg){ id, code, type };
    l->len++;
}

/* ---- ops: what runtime/va_channel.c does, on the simulated link ---- */

static void s_execute(va_manager *m, va_job_id job, void *jc, void *oc)
{
    (void)m, (void)job, (void)jc, (void)oc; /* EXEC_DONE is an event */
}

static void s_send(va_manager *m, va_job_id job, void *jc, const va_result *res, void *oc)
{
    peer *p = oc;
    (void)jc;
    /* P5: at most starve_max responses while one request heads the queue */
    if (m->csend_q.head != VA_NIL) {
        uint32_t h = m->csend_q.head;
        va_job_id hid = ((uint64_t)m->pool[h].gen << 32) | h;
        if (hid != p->waiter) {
            p->waiter = hid;
            p->waited = 0;
        }
        p->waited++;
        CHECK(p->waited <= m->lim.starve_max, "P5 starvation bound");
    }
    push(p->idx, MSG_RESPONSE, p->peer_id[(uint32_t)job], res->code);
}

static void s_complete(va_manager *m, va_job_id job, void *jc, va_status st, void *oc)
{
    peer *p = oc;
    uint32_t slot = (uint32_t)job;
    (void)m, (void)jc, (void)st;
    CHECK(p->scomp_gen[slot] != (uint32_t)(job >> 32), "P2 server job completed twice");
    p->scomp_gen[slot] = (uint32_t)(job >> 32);
    p->scomp++;
    p->peer_id[slot] = 0; /* the peer's id may be reused */
}

static void s_cancel(va_manager *m, va_job_id job, void *jc, void *oc)
{
    (void)m, (void)job, (void)jc, (void)oc;
}

static void c_send(va_manager *m, va_job_id job, void *jc, void *oc)
{
    peer *p = oc;
    (void)m, (void)jc;
    push(p->idx, MSG_REQUEST, job, 0);
}

static void c_abort(va_manager *m, va_job_id job, void *jc, void *oc)
{
    peer *p = oc;
    (void)m, (void)jc;
    push(p->idx, MSG_CANCEL, job, 0);
}

static void c_complete(va_manager *m, va_job_id job, void *jc, va_status st,
                       const va_result *resp, void *oc)
{
    peer *p = oc;
    uint32_t k = p->job_of[(uint32_t)job];
    (void)m, (void)jc, (void)resp;
    CHECK(k < p->submitted && p->cid[k] == job, "completion names a job of ours");
    p->ccomp[k]++;
    CHECK(p->ccomp[k] == 1u, "P2 client job completed twice");
    p->cstatus[k] = (uint8_t)st;
}

static const va_server_ops sops = {
    .execute = s_execute, .send = s_send, .complete = s_complete, .cancel = s_cancel,
};
static const va_client_ops cops = {
    .send = c_send, .abort = c_abort, .complete = c_complete,
};

/* ---- snapshots and hashing ---- */

static void fixup(world *w)
{
    for (int i = 0; i < 2; i++) {
        w->p[i].m.pool = w->p[i].pool;
        w->p[i].m.ops_ctx = &w->p[i];
    }
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 31);
}

/* A handle relative to its owner's pool: slot and age (how many
 * generations ago it was current).  The managers compare generations only
 * for equality and bump them by one at release, so shifting every
 * generation of a slot (the slot's and all handles naming it) by the same
 * amount changes nothing: hashing ages instead of generations merges such
 * states (a sound reduction). */
static uint64_t rel(const peer *owner, va_job_id id)
{
    uint32_t slot = (uint32_t)id;
    if (id == VA_JOB_NONE || slot >= CAP) {
        return UINT64_MAX;
    }
    return ((uint64_t)slot << 32) | (uint32_t)(owner->pool[slot].gen - (uint32_t)(id >> 32));
}

/* Everything that decides the future, nothing else (no statistics, no
 * pointers, no absolute time): the managers' scheduling state and jobs,
 * deadlines relative to now, the side tables, the links, and the per-path
 * counters the properties read. */
static uint64_t hash_world(const world *w)
{
    uint64_t h = 0x243F6A8885A308D3ull;
    for (int i = 0; i < 2; i++) {
        const peer *p = &w->p[i];
        const va_manager *m = &p->m;
        h = mix(h, m->free_head);
        h = mix(h, ((uint64_t)m->exec_q.head << 32) | m->exec_q.tail);
        h = mix(h, ((uint64_t)m->ssend_q.head << 32) | m->ssend_q.tail);
        h = mix(h, ((uint64_t)m->csend_q.head << 32) | m->csend_q.tail);
        h = mix(h, ((uint64_t)m->exec_count << 32) | m->send_count);
        h = mix(h, ((uint64_t)m->starve_streak << 8) | m->epoch);
        for (uint32_t c = 0; c < VA_TIMEOUT_CLASSES; c++) {
            h = mix(h, ((uint64_t)m->dl[c].head << 32) | m->dl[c].len);
            h = mix(h, m->dl[c].len ? m->dl[c].timeout : 0u);
        }
        for (uint32_t s = 0; s < m->cap; s++) {
            const va_job *j = &p->pool[s];
            h = mix(h, j->next);
            h = mix(h, ((uint64_t)j->prev << 32) | j->dl_next);
            h = mix(h, ((uint64_t)j->dl_prev << 32) | j->len);
            /* time enters only relative to now: the manager's behaviour
             * is invariant under shifting now and every deadline by the
             * same amount, so states that differ only by such a shift are
             * one state (a sound reduction) */
            h = mix(h, j->dl_class != VA_DL_NONE ? j->deadline - w->now : 0u);
            h = mix(h, ((uint64_t)(uint32_t)j->code << 32) | ((uint64_t)j->kind << 24) |
                           ((uint64_t)j->state << 16) | ((uint64_t)j->status << 8) | j->dl_class);
            h = mix(h, ((uint64_t)j->epoch << 8) | p->job_of[s]);
            h = mix(h, rel(&w->p[1 - i], p->peer_id[s]));
            h = mix(h, p->scomp_gen[s] == j->gen);
        }
        for (uint32_t k = 0; k < MAXJOBS; k++) {
            h = mix(h, rel(p, p->cid[k]));
            h = mix(h, ((uint64_t)p->ccomp[k] << 16) | ((uint64_t)p->cstatus[k] << 8) |
                           p->cancelled[k]);
        }
        h = mix(h, ((uint64_t)p->submitted << 16) | ((uint64_t)p->sadded << 8) | p->scomp);
        h = mix(h, rel(p, p->waiter));
        h = mix(h, p->waited);
    }
    for (int d = 0; d < 2; d++) {
        const link *l = &w->l[d];
        h = mix(h, l->len);
        for (uint32_t i = 0; i < l->len; i++) {
            const msg *x = &l->q[(l->head + i) % LINKMAX];
            /* requests and cancels name the sender's client jobs,
             * responses the receiver's */
            h = mix(h, rel(&w->p[x->type == MSG_RESPONSE ? 1 - d : d], x->id));
            h = mix(h, ((uint64_t)(uint32_t)x->code << 8) | x->type);
        }
    }
    h = mix(h, ((uint64_t)w->cancels_used << 8) | w->disconnected);
    return h ? h : 1u;
}

/* Visited set: open addressing over 64-bit state hashes (hash compaction;
 * the chance that two distinct states collide is ~ n^2 / 2^65). */
static uint64_t *seen;
static uint64_t seen_cap, seen_len;

static int seen_insert(uint64_t h)
{
    uint64_t i;
    if (seen_len * 2u >= seen_cap) {
        uint64_t *old = seen, oldcap = seen_cap;
        seen_cap = seen_cap ? seen_cap * 2u : (1u << 20);
        seen = calloc(seen_cap, sizeof *seen);
        if (seen == NULL) {
            fprintf(stderr, "explore: out of memory\n");
            exit(1);
        }
        seen_len = 0;
        for (uint64_t k = 0; k < oldcap; k++) {
            if (old[k] != 0u) {
                (void)seen_insert(old[k]);
            }
        }
        free(old);
    }
    i = h & (seen_cap - 1u);
    while (seen[i] != 0u) {
        if (seen[i] == h) {
            return 0;
        }
        i = (i + 1u) & (seen_cap - 1u);
    }
    seen[i] = h;
    seen_len++;
    return 1;
}

/* ---- events ---- */

enum { EV_SUBMIT, EV_DELIVER, EV_EXEC_DONE, EV_SEND_DONE, EV_CANCEL, EV_EXPIRE, EV_DISCONNECT };
static const char *const ev_name[] = { "SUBMIT", "DELIVER", "EXEC_DONE", "SEND_DONE",
                                       "CANCEL", "EXPIRE", "DISCONNECT" };

typedef struct event {
    uint8_t kind, p, arg;
} event;

static int holds_send(const va_job *j)
{
    if (j->kind == VA_KIND_SERVER) {
        return j->state == VA_SJ_SENDING || j->state == VA_SJ_DRAIN_SEND;
    }
    return j->kind == VA_KIND_CLIENT && (j->state == VA_CJ_SENDING ||
                                         j->state == VA_CJ_ANSWERED ||
                                         j->state == VA_CJ_ABANDONED);
}

static int holds_exec(const va_job *j)
{
    return j->kind == VA_KIND_SERVER &&
           (j->state == VA_SJ_EXECUTING || j->state == VA_SJ_DRAIN_EXEC);
}

static uint32_t enabled(const world *w, event *ev)
{
    uint32_t n = 0;
    for (uint8_t i = 0; i < 2; i++) {
        const peer *p = &w->p[i];
        if (p->submitted < B.jobs) {
            ev[n++] = (event){ EV_SUBMIT, i, 0 };
        }
        if (w->l[i].len != 0u) {
            ev[n++] = (event){ EV_DELIVER, i, 0 };
        }
        for (uint8_t s = 0; s < p->m.cap; s++) {
            if (holds_exec(&p->pool[s])) {
                ev[n++] = (event){ EV_EXEC_DONE, i, s };
            }
            if (holds_send(&p->pool[s])) {
                ev[n++] = (event){ EV_SEND_DONE, i, s };
            }
        }
        if (w->cancels_used < B.cancels) {
            for (uint8_t k = 0; k < p->submitted; k++) {
                if (!p->cancelled[k] && p->ccomp[k] == 0u) {
                    ev[n++] = (event){ EV_CANCEL, i, k };
                }
            }
        }
        if (va_manager_next_deadline(&p->m) != UINT64_MAX) {
            ev[n++] = (event){ EV_EXPIRE, i, 0 };
        }
    }
    if (!w->disconnected) {
        ev[n++] = (event){ EV_DISCONNECT, 0, 0 };
    }
    return n;
}

static void deliver(int to, const msg *x)
{
    peer *p = &cur->p[to];
    va_job_id job;
    int rc;
    switch (x->type) {
    case MSG_REQUEST: {
        uint32_t slot = va_manager_next_slot(&p->m);
        if (slot != VA_NIL) {
            p->peer_id[slot] = x->id;
            p->job_of[slot] = 0xFF;
        }
        rc = va_server_job_add(&p->m, NULL, cur->now, B.server_timeout, &job);
        if (rc == VA_OK) {
            p->sadded++;
        } else {
            CHECK(rc == VA_ERR_BUSY, "server add: ok or busy");
            if (slot != VA_NIL) {
                p->peer_id[slot] = 0;
            }
            /* spec: a full server queue answers BUSY, it never drops */
            push(to, MSG_RESPONSE, x->id, VA_RESULT_CODE_BUSY);
        }
        break;
    }
    case MSG_RESPONSE: {
        va_result r = { x->code, 0, NULL };
        uint32_t slot = va_manager_slot(&p->m, x->id);
        uint8_t before = slot != VA_NIL ? p->pool[slot].state : 0xFFu;
        rc = va_client_job_read_done(&p->m, x->id, &r);
        /* stale: a late reply to a cancelled or timed-out job, dropped;
         * refused (state): the job was cancelled or timed out while its
         * request was being written (ABANDONED: completed, waiting for its
         * send_done) and the reply overtook the send_done report */
        CHECK(rc == VA_OK || rc == VA_ERR_STALE ||
                  (rc == VA_ERR_STATE && before == VA_CJ_ABANDONED),
              "response: ok, stale, or refused by an abandoned job");
        break;
    }
    default: { /* CANCEL: find the server job serving that request */
        for (uint32_t s = 0; s < p->m.cap; s++) {
            if (p->pool[s].kind == VA_KIND_SERVER && p->peer_id[s] == x->id) {
                job = ((uint64_t)p->pool[s].gen << 32) | s;
                rc = va_server_job_cancel(&p->m, job);
                CHECK(rc == VA_OK || rc == VA_ERR_STATE, "cancel: ok or state");
                break;
            }
        }
        break;
    }
    }
}

static void apply(const event *e)
{
    peer *p = &cur->p[e->p];
    va_job_id job;
    int rc;
    switch (e->kind) {
    case EV_SUBMIT: {
        uint32_t slot = va_manager_next_slot(&p->m);
        uint8_t k = p->submitted++;
        CHECK(slot != VA_NIL, "pool has room for client_max jobs");
        p->job_of[slot] = k;
        /* the first `timed` jobs of each side carry a deadline */
        rc = va_client_job_submit(&p->m, NULL, cur->now, k < B.timed ? B.client_timeout : 0u,
                                  &p->cid[k]);
        CHECK(rc == VA_OK, "submit within client_max");
        break;
    }
    case EV_DELIVER: {
        link *l = &cur->l[e->p];
        msg x = l->q[l->head];
        l->head = (l->head + 1u) % LINKMAX;
        l->len--;
        deliver(1 - e->p, &x);
        break;
    }
    case EV_EXEC_DONE: {
        va_result r = { VA_RESULT_CODE_OK, 0, NULL };
        job = ((uint64_t)p->pool[e->arg].gen << 32) | e->arg;
        CHECK(va_server_job_execute_done(&p->m, job, &r) == VA_OK, "exec_done accepted");
        break;
    }
    case EV_SEND_DONE:
        job = ((uint64_t)p->pool[e->arg].gen << 32) | e->arg;
        rc = p->pool[e->arg].kind == VA_KIND_SERVER ? va_server_job_send_done(&p->m, job)
                                                    : va_client_job_send_done(&p->m, job);
        CHECK(rc == VA_OK, "send_done accepted");
        break;
    case EV_CANCEL:
        p->cancelled[e->arg] = 1;
        cur->cancels_used++;
        rc = va_client_job_cancel(&p->m, p->cid[e->arg]);
        CHECK(rc == VA_OK || rc == VA_ERR_STATE, "cancel: ok or state");
        break;
    case EV_EXPIRE: {
        uint64_t t = va_manager_next_deadline(&p->m);
        if (t > cur->now) {
            cur->now = t;
        }
        CHECK(va_manager_expire(&p->m, cur->now) >= 1u, "expire fires the due job");
        break;
    }
    default: /* DISCONNECT: both sides detach; the stream's bytes are gone */
        cur->disconnected = 1;
        va_manager_disconnect(&cur->p[0].m);
        va_manager_disconnect(&cur->p[1].m);
        cur->l[0].len = cur->l[1].len = 0;
        cur->l[0].head = cur->l[1].head = 0;
        for (int i = 0; i < 2; i++) {
            cur->p[i].waiter = 0;
            cur->p[i].waited = 0;
        }
        break;
    }
}

/* ---- checks ---- */

static uint32_t live_jobs(const world *w)
{
    return va_manager_live(&w->p[0].m) + va_manager_live(&w->p[1].m);
}

static void check_state(const world *w, const event *ev, uint32_t nev)
{
    int progress = 0;
    for (int i = 0; i < 2; i++) {
        const va_manager *m = &w->p[i].m;
        CHECK(va_manager_valid(m), "P1 va_manager_valid");
        CHECK(m->exec_count <= m->lim.exec_max && m->send_count <= m->lim.send_max &&
                  m->server_live <= m->lim.server_max && m->client_live <= m->lim.client_max,
              "P1 limits");
        CHECK(!(m->exec_count < m->lim.exec_max && m->exec_q.head != VA_NIL),
              "P1 work-conserving (execute)");
        CHECK(!(m->send_count < m->lim.send_max &&
                (m->ssend_q.head != VA_NIL || m->csend_q.head != VA_NIL)),
              "P1 work-conserving (send)");
    }
    for (uint32_t i = 0; i < nev; i++) {
        progress |= ev[i].kind == EV_DELIVER || ev[i].kind == EV_EXEC_DONE ||
                    ev[i].kind == EV_SEND_DONE;
    }
    /* P4 */
    if (live_jobs(w) != 0u || w->l[0].len != 0u || w->l[1].len != 0u) {
        CHECK(nev != 0u, "P4 no deadlock");
        dead_ends_checked++;
    }
    if (live_jobs(w) != 0u && B.server_timeout == 0u) {
        CHECK(progress, "P4 progress without timeouts");
    }
    if (nev == 0u) {
        /* P3: the end of a maximal path */
        terminals++;
        CHECK(live_jobs(w) == 0u, "P3 nothing live at the end");
        for (int i = 0; i < 2; i++) {
            const peer *p = &w->p[i];
            CHECK(p->submitted == B.jobs, "P3 every job was submitted");
            for (uint32_t k = 0; k < p->submitted; k++) {
                CHECK(p->ccomp[k] == 1u, "P3 client job completed exactly once");
                term_status[p->cstatus[k]]++;
            }
            CHECK(p->scomp == p->sadded, "P3 server job completed exactly once");
        }
    }
}

static void dfs(uint32_t d)
{
    event ev[4u * CAP + 4u * MAXJOBS + 8u];
    uint32_t nev = enabled(&stack_[d], ev);

    depth_now = d;
    check_state(&stack_[d], ev, nev);
    if (d > depth_max) {
        depth_max = d;
    }
    if (d == MAXDEPTH) {
        fail("depth bound reached (raise MAXDEPTH: the space is finite)");
    }
    for (uint32_t i = 0; i < nev; i++) {
        world *w = &stack_[d + 1u];
        memcpy(w, &stack_[d], sizeof *w);
        fixup(w);
        cur = w;
        depth_now = d + 1u;
        snprintf(path[d + 1u], sizeof path[0], "%s p%u %u", ev_name[ev[i].kind], ev[i].p,
                 ev[i].arg);
        apply(&ev[i]);
        transitions++;
        if (seen_insert(hash_world(w))) {
            states++;
            if (getenv("EXPLORE_PROGRESS") != NULL && states % 1000000u == 0u) {
                fprintf(stderr, "  ... %llu states, depth %u, max %llu\n",
                        (unsigned long long)states, d + 1u, (unsigned long long)depth_max);
            }
            dfs(d + 1u);
        }
    }
}

static void init_world(world *w)
{
    memset(w, 0, sizeof *w);
    for (uint8_t i = 0; i < 2; i++) {
        peer *p = &w->p[i];
        p->idx = i;
        if (va_manager_init(&p->m, p->pool, B.lim.client_max + B.lim.server_max, &B.lim, &sops,
                            &cops, p) != VA_OK) {
            fprintf(stderr, "explore: bad bounds\n");
            exit(2);
        }
    }
    w->now = 0;
}

/* One exploration from the initial state with bounds B; prints its figures. */
static void run(const char *label)
{
    struct timespec t0, t1;
    double secs;

    states = transitions = terminals = depth_max = dead_ends_checked = 0;
    memset(term_status, 0, sizeof term_status);
    free(seen);
    seen = NULL;
    seen_cap = seen_len = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    init_world(&stack_[0]);
    fixup(&stack_[0]);
    cur = &stack_[0];
    (void)seen_insert(hash_world(&stack_[0]));
    states = 1;
    dfs(0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%s: client jobs/side %u (%u with timeout %u), cancels/path <= %u, "
           "server timeout %u, <= 1 disconnect\n",
           label, B.jobs, B.timed < B.jobs ? B.timed : B.jobs, B.client_timeout, B.cancels,
           B.server_timeout);
    printf("  limits: send_max %u exec_max %u client_max %u server_max %u starve_max %u\n",
           B.lim.send_max, B.lim.exec_max, B.lim.client_max, B.lim.server_max,
           B.lim.starve_max);
    printf("  states %llu, transitions %llu, terminal states %llu, max depth %llu "
           "(bound %u, never reached), %.1f s\n",
           (unsigned long long)states, (unsigned long long)transitions,
           (unsigned long long)terminals, (unsigned long long)depth_max, MAXDEPTH, secs);
    printf("  client outcomes over terminal states:");
    for (int st = 0; st < VA_STATUS_COUNT; st++) {
        printf(" %s %llu%s", va_status_str((va_status)st), (unsigned long long)term_status[st],
               st + 1 < VA_STATUS_COUNT ? "," : "\n");
    }
    fflush(stdout);
}

static void set_bounds(uint32_t jobs, uint32_t cancels, uint32_t timed, uint32_t send_max,
                       uint32_t server_max, uint32_t starve_max)
{
    memset(&B, 0, sizeof B);
    B.jobs = jobs < MAXJOBS ? jobs : MAXJOBS;
    B.cancels = cancels;
    B.client_timeout = 2;
    B.timed = timed;
    B.server_timeout = 0;
    B.lim = (va_limits){ .send_max = send_max, .exec_max = 1, .client_max = B.jobs,
                         .server_max = server_max, .starve_max = starve_max };
}

/* Sanitizer builds (scripts/test.sh step 3) run the two small
 * configurations only: the big ones take minutes under ASan. */
#if defined(__SANITIZE_ADDRESS__)
#define EXPLORE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EXPLORE_SANITIZED 1
#endif
#endif
#ifndef EXPLORE_SANITIZED
#define EXPLORE_SANITIZED 0
#endif

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--large") == 0) {
        /* manual runs (docs/explorer.md): minutes and gigabytes */
        set_bounds(3, 1, 1, 1, 2, 1);
        run("large A (3 jobs/side, 1 timed, 1 cancel, server_max 2)");
        set_bounds(2, 2, 2, 2, 1, 1);
        run("large B (2 jobs/side, both timed, 2 cancels, send_max 2)");
    } else if (argc > 1) {
        /* explore JOBS CANCELS TIMED SEND_MAX SERVER_MAX STARVE_MAX */
        uint32_t v[6] = { 2, 1, 1, 1, 1, 1 };
        for (int i = 1; i < argc && i <= 6; i++) {
            v[i - 1] = (uint32_t)strtoul(argv[i], NULL, 10);
        }
        set_bounds(v[0], v[1], v[2], v[3], v[4], v[5]);
        run("custom");
    } else {
        set_bounds(2, 0, 0, 1, 1, 1);
        run("A (2 jobs/side, no timeout, no cancel)");
        set_bounds(1, 1, 1, 1, 1, 1);
        run("C (1 job/side, timed, 1 cancel)");
        if (!EXPLORE_SANITIZED) {
            set_bounds(2, 1, 0, 1, 1, 1);
            run("B (2 jobs/side, no timeout, 1 cancel)");
            set_bounds(2, 0, 1, 1, 1, 1);
            run("D (2 jobs/side, 1 timed, no cancel)");
        }
    }
    printf("held in every state: P1 va_manager_valid + limits + work-conserving, "
           "P2 no double completion, P4 no deadlock + progress without timeouts, "
           "P5 <= starve_max server sends start while one request heads the queue; "
           "at every terminal state: P3 every job completed exactly once, nothing live\n");
    free(seen);
    return 0;
}
