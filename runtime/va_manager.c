/* SPDX-License-Identifier: MIT */
/*
 * The job manager: interprets the lifecycle tables generated from
 * spec/server_job.rl and spec/client_job.rl (gen/va_sj_tables.c,
 * gen/va_cj_tables.c) over a caller-owned pool of job slots.
 *
 * Transitions are never written here: a step looks up (state, event) in the
 * generated tables and runs the hook of each action the spec lists, in the
 * spec's order (bookkeeping hooks first, then the ops-table calls).  The only
 * knowledge of states in this file is which ready queue a state waits in.
 */
#include "virtagent/va_manager.h"

#include <stddef.h>

#include "va_cj_tables.h"
#include "va_sj_tables.h"

#ifdef VA_DEBUG_CHECKS
#include <assert.h>
#define VA_CHECK(m) assert(va_manager_valid(m))
#else
#define VA_CHECK(m) ((void)0)
#endif

#define VA_SLOT_BITS 32u
#define VA_SLOT_MASK 0xFFFFFFFFu

#define VA_STATUS_TEXT_ROW_(name, text) text,
static const char *const va_status_text[VA_STATUS_COUNT] = { VA_STATUSES(VA_STATUS_TEXT_ROW_) };

const char *va_status_str(va_status s)
{
    if ((unsigned)s >= (unsigned)VA_STATUS_COUNT) {
        return "unknown status";
    }
    return va_status_text[s];
}

void va_limits_default(va_limits *lim)
{
    lim->send_max = VA_DEFAULT_SEND_MAX;
    lim->exec_max = VA_DEFAULT_EXEC_MAX;
    lim->client_max = VA_DEFAULT_CLIENT_MAX;
    lim->server_max = VA_DEFAULT_SERVER_MAX;
    lim->starve_max = VA_DEFAULT_STARVE_MAX;
}

static va_job_id make_id(uint32_t idx, uint32_t gen)
{
    return ((uint64_t)gen << VA_SLOT_BITS) | (uint64_t)idx;
}

/* ---- intrusive lists over slot indexes -------------------------------- */

static void q_push(va_manager *m, va_queue *q, uint32_t idx)
{
    va_job *j = &m->pool[idx];
    j->next = VA_NIL;
    j->prev = q->tail;
    if (q->tail == VA_NIL) {
        q->head = idx;
    } else {
        m->pool[q->tail].next = idx;
    }
    q->tail = idx;
    q->len++;
}

static void q_remove(va_manager *m, va_queue *q, uint32_t idx)
{
    va_job *j = &m->pool[idx];
    if (j->prev == VA_NIL) {
        q->head = j->next;
    } else {
        m->pool[j->prev].next = j->next;
    }
    if (j->next == VA_NIL) {
        q->tail = j->prev;
    } else {
        m->pool[j->next].prev = j->prev;
    }
    j->next = VA_NIL;
    j->prev = VA_NIL;
    q->len--;
}

/* The ready queue a job in `state` waits in, or NULL.  This is the only
 * place that knows what a state means to the scheduler. */
static va_queue *queue_of(va_manager *m, uint8_t kind, uint8_t state)
{
    if (kind == VA_KIND_SERVER) {
        if (state == VA_SJ_QUEUED) {
            return &m->exec_q;
        }
        if (state == VA_SJ_EXECUTED) {
            return &m->ssend_q;
        }
    } else if (kind == VA_KIND_CLIENT) {
        if (state == VA_CJ_QUEUED) {
            return &m->csend_q;
        }
    }
    return NULL;
}

/* ---- deadlines: one FIFO per timeout value ----------------------------
 * Jobs that share a timeout value have deadlines in submission order
 * (time only moves forward), so appending keeps each list sorted: O(1). */

static void dl_insert(va_manager *m, uint32_t idx, uint64_t now, uint64_t timeout)
{
    va_job *j = &m->pool[idx];
    uint32_t c;
    uint32_t pick = VA_DL_NONE;
    uint32_t spare = VA_DL_NONE;
    uint32_t cur;

    /* spec: time is an argument; a deadline past the end of time saturates */
    j->deadline = (timeout > UINT64_MAX - now) ? UINT64_MAX : now + timeout;
    for (c = 0; c < VA_TIMEOUT_CLASSES; c++) {
        if (m->dl[c].len != 0 && m->dl[c].timeout == timeout) {
            pick = c;
            break;
        }
        if (m->dl[c].len == 0 && spare == VA_DL_NONE) {
            spare = c;
        }
    }
    if (pick == VA_DL_NONE && spare != VA_DL_NONE) {
        pick = spare;
        m->dl[pick].timeout = timeout;
    }
    if (pick == VA_DL_NONE) {
        /* More distinct timeouts than classes: share class 0 and keep it
         * sorted by walking back from the tail (O(k), documented). */
        pick = 0;
    }
    j->dl_class = (uint8_t)pick;
    cur = m->dl[pick].tail;
    while (cur != VA_NIL && m->pool[cur].deadline > j->deadline) {
        cur = m->pool[cur].dl_prev;
    }
    /* insert after cur (or at the head when cur is NIL) */
    j->dl_prev = cur;
    if (cur == VA_NIL) {
        j->dl_next = m->dl[pick].head;
        m->dl[pick].head = idx;
    } else {
        j->dl_next = m->pool[cur].dl_next;
        m->pool[cur].dl_next = idx;
    }
    if (j->dl_next == VA_NIL) {
        m->dl[pick].tail = idx;
    } else {
        m->pool[j->dl_next].dl_prev = idx;
    }
    m->dl[pick].len++;
}

static void dl_remove(va_manager *m, uint32_t idx)
{
    va_job *j = &m->pool[idx];
    va_dl_class *d;

    if (j->dl_class == VA_DL_NONE) {
        return;
    }
    d = &m->dl[j->dl_class];
    if (j->dl_prev == VA_NIL) {
        d->head = j->dl_next;
    } else {
        m->pool[j->dl_prev].dl_next = j->dl_next;
    }
    if (j->dl_next == VA_NIL) {
        d->tail = j->dl_prev;
    } else {
        m->pool[j->dl_next].dl_prev = j->dl_prev;
    }
    d->len--;
    j->dl_next = VA_NIL;
    j->dl_prev = VA_NIL;
    j->dl_class = VA_DL_NONE;
}

/* ---- slots --------------------------------------------------------------- */

static uint32_t slot_alloc(va_manager *m, uint8_t kind, void *ctx)
{
    uint32_t idx = m->free_head;
    va_job *j;

    if (idx == VA_NIL) {
        return VA_NIL;
    }
    j = &m->pool[idx];
    m->free_head = j->next;
    m->free_len--;
    j->kind = kind;
    j->state = (kind == VA_KIND_SERVER) ? (uint8_t)VA_SJ_START : (uint8_t)VA_CJ_START;
    j->ctx = ctx;
    j->data = NULL;
    j->len = 0;
    j->code = 0;
    j->status = VA_STATUS_OK;
    j->next = VA_NIL;
    j->prev = VA_NIL;
    j->dl_next = VA_NIL;
    j->dl_prev = VA_NIL;
    j->dl_class = VA_DL_NONE;
    j->epoch = m->epoch;
    return idx;
}

/* The `release` hook: the slot goes back to the free list with a new
 * generation, so every handle to the old job is stale from now on. */
static void slot_release(va_manager *m, uint32_t idx)
{
    va_job *j = &m->pool[idx];

    if (j->kind == VA_KIND_SERVER) {
        m->server_live--;
    } else {
        m->client_live--;
    }
    j->kind = VA_KIND_FREE;
    /* Generations wrap explicitly and skip 0 so a handle is never 0. */
    j->gen = (j->gen == UINT32_MAX) ? 1u : j->gen + 1u;
    j->ctx = NULL;
    j->data = NULL;
    j->next = m->free_head;
    j->prev = VA_NIL;
    m->free_head = idx;
    m->free_len++;
}

/* Slot index of a live job of `kind` named by `id`, or VA_NIL. */
static uint32_t lookup(const va_manager *m, va_job_id id, uint8_t kind)
{
    uint32_t idx = (uint32_t)(id & VA_SLOT_MASK);
    uint32_t gen = (uint32_t)(id >> VA_SLOT_BITS);

    /* spec: a stale or forged handle is rejected, never misrouted */
    if (idx >= m->cap || gen == 0u || m->pool[idx].gen != gen ||
        m->pool[idx].kind != kind) {
        return VA_NIL;
    }
    return idx;
}

static void trace_step(va_manager *m, va_job_id id, uint8_t kind, uint8_t ev,
                       uint8_t from, uint8_t to, uint16_t acts)
{
    va_trace_event te;

    if (m->trace == NULL) {
        return;
    }
    te.job = id;
    te.kind = kind;
    te.event = ev;
    te.from = from;
    te.to = to;
    te.actions = acts;
    m->trace(m->trace_ctx, &te);
}

/* ---- lifecycle steps --------------------------------------------------- */

/* Feed one event to a server job: the hooks of spec/server_job.rl. */
static int sj_step(va_manager *m, uint32_t idx, uint8_t ev)
{
    va_job *j = &m->pool[idx];
    uint8_t from = j->state;
    uint8_t to;
    uint16_t acts;
    va_queue *q;
    va_job_id id = make_id(idx, j->gen);
    void *ctx = j->ctx;
    va_result res;
    va_status status;

    to = va_sj_next[from][ev];
    if (to == VA_SJ_REJECT) {
        /* spec: an illegal event is rejected and the state is unchanged */
        m->stats.rejected_events++;
        trace_step(m, id, VA_KIND_SERVER, ev, from, 0xFFu, 0u);
        return VA_ERR_STATE;
    }
    acts = va_sj_actions[from][ev];
    q = queue_of(m, VA_KIND_SERVER, from);
    if (q != NULL) {
        q_remove(m, q, idx);
    }
    j->state = to;
    m->stats.events++;

    /* bookkeeping hooks, in spec order */
    if (acts & VA_SJ_DO_RELEASE_EXEC) {
        m->exec_count--;
    }
    if (acts & VA_SJ_DO_RELEASE_SEND) {
        m->send_count--;
    }
    if (acts & VA_SJ_DO_ACQUIRE_EXEC) {
        m->exec_count++;
    }
    if (acts & VA_SJ_DO_ACQUIRE_SEND) {
        m->send_count++;
    }
    if (acts & VA_SJ_DO_STORE_RESULT) {
        j->code = m->pending->code;
        j->data = m->pending->data;
        j->len = m->pending->len;
    }
    if (acts & VA_SJ_DO_SET_OK) {
        j->status = VA_STATUS_OK;
    }
    if (acts & VA_SJ_DO_SET_CANCELLED) {
        j->status = VA_STATUS_CANCELLED;
    }
    if (acts & VA_SJ_DO_SET_TIMED_OUT) {
        j->status = VA_STATUS_TIMED_OUT;
    }
    if (acts & VA_SJ_DO_SET_DISCONNECTED) {
        j->status = VA_STATUS_DISCONNECTED;
    }
    if (acts & VA_SJ_DO_COMPLETE) {
        /* completion disarms the deadline: a job times out at most once */
        dl_remove(m, idx);
        m->stats.completions[j->status]++;
    }
    res.code = j->code;
    res.data = j->data;
    res.len = j->len;
    status = (va_status)j->status;
    q = queue_of(m, VA_KIND_SERVER, to);
    if (q != NULL) {
        q_push(m, q, idx);
    }
    if (acts & VA_SJ_DO_RELEASE) {
        slot_release(m, idx);
    }
    trace_step(m, id, VA_KIND_SERVER, ev, from, to, acts);

    /* calls out, in spec order; the manager is consistent from here on */
    if (acts & VA_SJ_DO_EXECUTE) {
        m->sops->execute(m, id, ctx, m->ops_ctx);
    }
    if (acts & VA_SJ_DO_SEND) {
        m->sops->send(m, id, ctx, &res, m->ops_ctx);
    }
    if (acts & VA_SJ_DO_COMPLETE) {
        m->sops->complete(m, id, ctx, status, m->ops_ctx);
    }
    if (acts & VA_SJ_DO_CANCEL) {
        m->sops->cancel(m, id, ctx, m->ops_ctx);
    }
    return VA_OK;
}

/* Feed one event to a client job: the hooks of spec/client_job.rl. */
static int cj_step(va_manager *m, uint32_t idx, uint8_t ev)
{
    va_job *j = &m->pool[idx];
    uint8_t from = j->state;
    uint8_t to;
    uint16_t acts;
    va_queue *q;
    va_job_id id = make_id(idx, j->gen);
    void *ctx = j->ctx;
    va_result resp;
    va_status status;

    to = va_cj_next[from][ev];
    if (to == VA_CJ_REJECT) {
        /* spec: an illegal event is rejected and the state is unchanged */
        m->stats.rejected_events++;
        trace_step(m, id, VA_KIND_CLIENT, ev, from, 0xFFu, 0u);
        return VA_ERR_STATE;
    }
    acts = va_cj_actions[from][ev];
    q = queue_of(m, VA_KIND_CLIENT, from);
    if (q != NULL) {
        q_remove(m, q, idx);
    }
    j->state = to;
    m->stats.events++;

    if (acts & VA_CJ_DO_RELEASE_SEND) {
        m->send_count--;
    }
    if (acts & VA_CJ_DO_ACQUIRE_SEND) {
        m->send_count++;
    }
    if (acts & VA_CJ_DO_STORE_RESPONSE) {
        j->code = m->pending->code;
        j->data = m->pending->data;
        j->len = m->pending->len;
        /* spec: a BUSY answer means the peer refused the job: rejected */
        if (j->code == VA_RESULT_CODE_OK) {
            j->status = VA_STATUS_OK;
        } else if (j->code == VA_RESULT_CODE_BUSY) {
            j->status = VA_STATUS_REJECTED;
        } else {
            j->status = VA_STATUS_REMOTE_ERROR;
        }
    }
    if (acts & VA_CJ_DO_SET_CANCELLED) {
        j->status = VA_STATUS_CANCELLED;
    }
    if (acts & VA_CJ_DO_SET_TIMED_OUT) {
        j->status = VA_STATUS_TIMED_OUT;
    }
    if (acts & VA_CJ_DO_SET_DISCONNECTED) {
        j->status = VA_STATUS_DISCONNECTED;
    }
    if (acts & VA_CJ_DO_COMPLETE) {
        dl_remove(m, idx);
        m->stats.completions[j->status]++;
    }
    resp.code = j->code;
    resp.data = j->data;
    resp.len = j->len;
    status = (va_status)j->status;
    q = queue_of(m, VA_KIND_CLIENT, to);
    if (q != NULL) {
        q_push(m, q, idx);
    }
    if (acts & VA_CJ_DO_RELEASE) {
        slot_release(m, idx);
    }
    trace_step(m, id, VA_KIND_CLIENT, ev, from, to, acts);

    if (acts & VA_CJ_DO_SEND) {
        m->cops->send(m, id, ctx, m->ops_ctx);
    }
    if (acts & VA_CJ_DO_ABORT) {
        m->cops->abort(m, id, ctx, m->ops_ctx);
    }
    if (acts & VA_CJ_DO_COMPLETE) {
        m->cops->complete(m, id, ctx, status,
                          (acts & VA_CJ_DO_STORE_RESPONSE) ? &resp : NULL, m->ops_ctx);
    }
    return VA_OK;
}

static int step(va_manager *m, uint32_t idx, uint8_t sj_ev, uint8_t cj_ev)
{
    if (m->pool[idx].kind == VA_KIND_SERVER) {
        return sj_step(m, idx, sj_ev);
    }
    return cj_step(m, idx, cj_ev);
}

/* ---- scheduling ----------------------------------------------------------
 * Start whatever the limits allow.  Each iteration is one lifecycle event,
 * so the work is O(1) per event.  Re-entrant calls (from callbacks) return
 * at once: the outermost pump sees their effects on its next iteration. */
static void pump(va_manager *m)
{
    if (m->pumping) {
        return;
    }
    m->pumping = 1;
    for (;;) {
        if (m->exec_count < m->lim.exec_max && m->exec_q.head != VA_NIL) {
            (void)sj_step(m, m->exec_q.head, VA_SJ_EV_EXEC_START);
            continue;
        }
        if (m->send_count < m->lim.send_max) {
            int have_s = m->ssend_q.head != VA_NIL;
            int have_c = m->csend_q.head != VA_NIL;
            /* spec: responses before requests (no deadlock between peers),
             * but never more than starve_max responses in a row while a
             * request waits (no starvation). */
            if (have_c && (!have_s || m->starve_streak >= m->lim.starve_max)) {
                m->starve_streak = 0;
                (void)cj_step(m, m->csend_q.head, VA_CJ_EV_SEND_START);
                continue;
            }
            if (have_s) {
                if (have_c) {
                    m->starve_streak++;
                }
                (void)sj_step(m, m->ssend_q.head, VA_SJ_EV_SEND_START);
                continue;
            }
        }
        break;
    }
    m->pumping = 0;
}

/* ---- public API ------------------------------------------------------------ */

int va_manager_init(va_manager *m, va_job *pool, uint32_t capacity,
                    const va_limits *lim, const va_server_ops *sops,
                    const va_client_ops *cops, void *ops_ctx)
{
    uint32_t i;
    va_limits l;

    if (m == NULL || pool == NULL || sops == NULL || cops == NULL ||
        capacity == 0u || capacity >= VA_NIL) {
        return VA_ERR_INVAL;
    }
    if (lim == NULL) {
        va_limits_default(&l);
    } else {
        l = *lim;
    }
    /* no NULL slot is ever called: refuse an incomplete ops table */
    if (sops->execute == NULL || sops->send == NULL || sops->complete == NULL ||
        sops->cancel == NULL || cops->send == NULL || cops->abort == NULL ||
        cops->complete == NULL) {
        return VA_ERR_INVAL;
    }
    if (l.send_max == 0u || l.exec_max == 0u || l.client_max == 0u ||
        l.server_max == 0u || l.starve_max == 0u ||
        (uint64_t)l.client_max + l.server_max > capacity) {
        return VA_ERR_INVAL;
    }
    m->pool = pool;
    m->cap = capacity;
    m->lim = l;
    m->sops = sops;
    m->cops = cops;
    m->ops_ctx = ops_ctx;
    m->trace = NULL;
    m->trace_ctx = NULL;
    m->exec_q.head = m->exec_q.tail = VA_NIL;
    m->exec_q.len = 0;
    m->ssend_q = m->exec_q;
    m->csend_q = m->exec_q;
    m->exec_count = m->send_count = 0;
    m->server_live = m->client_live = 0;
    m->starve_streak = 0;
    for (i = 0; i < VA_TIMEOUT_CLASSES; i++) {
        m->dl[i].timeout = 0;
        m->dl[i].head = m->dl[i].tail = VA_NIL;
        m->dl[i].len = 0;
    }
    m->pending = NULL;
    m->pumping = 0;
    m->epoch = 0;
    m->stats = (va_manager_stats){ 0 };
    for (i = 0; i < capacity; i++) {
        pool[i] = (va_job){ 0 };
        pool[i].gen = 1;
        pool[i].kind = VA_KIND_FREE;
        pool[i].dl_class = VA_DL_NONE;
        pool[i].prev = pool[i].dl_next = pool[i].dl_prev = VA_NIL;
        pool[i].next = (i + 1u < capacity) ? i + 1u : VA_NIL;
    }
    m->free_head = 0;
    m->free_len = capacity;
    VA_CHECK(m);
    return VA_OK;
}

void va_manager_set_trace(va_manager *m, va_trace_fn fn, void *trace_ctx)
{
    m->trace = fn;
    m->trace_ctx = trace_ctx;
}

static int add_job(va_manager *m, uint8_t kind, void *job_ctx, uint64_t now,
                   uint64_t timeout, va_job_id *out)
{
    uint32_t idx;

    VA_CHECK(m);
    if (kind == VA_KIND_SERVER && m->server_live >= m->lim.server_max) {
        /* spec: a full server queue answers BUSY, it never drops */
        m->stats.busy_rejections++;
        return VA_ERR_BUSY;
    }
    if (kind == VA_KIND_CLIENT && m->client_live >= m->lim.client_max) {
        m->stats.limit_rejections++;
        return VA_ERR_LIMIT;
    }
    idx = slot_alloc(m, kind, job_ctx);
    if (idx == VA_NIL) {
        /* unreachable while capacity >= client_max + server_max */
        return VA_ERR_FULL;
    }
    if (kind == VA_KIND_SERVER) {
        m->server_live++;
        q_push(m, &m->exec_q, idx);
    } else {
        m->client_live++;
        q_push(m, &m->csend_q, idx);
    }
    if (timeout != 0u) {
        dl_insert(m, idx, now, timeout);
    }
    if (out != NULL) {
        *out = make_id(idx, m->pool[idx].gen);
    }
    pump(m);
    VA_CHECK(m);
    return VA_OK;
}

int va_server_job_add(va_manager *m, void *job_ctx, uint64_t now, uint64_t timeout,
                      va_job_id *out)
{
    return add_job(m, VA_KIND_SERVER, job_ctx, now, timeout, out);
}

int va_client_job_submit(va_manager *m, void *job_ctx, uint64_t now, uint64_t timeout,
                         va_job_id *out)
{
    return add_job(m, VA_KIND_CLIENT, job_ctx, now, timeout, out);
}

/* One event on the job named by a handle. */
static int job_event(va_manager *m, va_job_id id, uint8_t kind, uint8_t ev,
                     const va_result *pending)
{
    uint32_t idx;
    int ret;

    VA_CHECK(m);
    idx = lookup(m, id, kind);
    if (idx == VA_NIL) {
        m->stats.stale_handles++;
        return VA_ERR_STALE;
    }
    m->pending = pending;
    ret = (kind == VA_KIND_SERVER) ? sj_step(m, idx, ev) : cj_step(m, idx, ev);
    m->pending = NULL;
    pump(m);
    VA_CHECK(m);
    return ret;
}

static const va_result va_empty_result = { 0, 0, NULL };

int va_server_job_execute_done(va_manager *m, va_job_id job, const va_result *result)
{
    return job_event(m, job, VA_KIND_SERVER, VA_SJ_EV_EXEC_DONE,
                     result != NULL ? result : &va_empty_result);
}

int va_server_job_send_done(va_manager *m, va_job_id job)
{
    return job_event(m, job, VA_KIND_SERVER, VA_SJ_EV_SEND_DONE, NULL);
}

int va_server_job_cancel(va_manager *m, va_job_id job)
{
    return job_event(m, job, VA_KIND_SERVER, VA_SJ_EV_CANCEL, NULL);
}

int va_client_job_send_done(va_manager *m, va_job_id job)
{
    return job_event(m, job, VA_KIND_CLIENT, VA_CJ_EV_SEND_DONE, NULL);
}

int va_client_job_read_done(va_manager *m, va_job_id job, const va_result *response)
{
    return job_event(m, job, VA_KIND_CLIENT, VA_CJ_EV_RESPONSE,
                     response != NULL ? response : &va_empty_result);
}

int va_client_job_cancel(va_manager *m, va_job_id job)
{
    return job_event(m, job, VA_KIND_CLIENT, VA_CJ_EV_CANCEL, NULL);
}

uint32_t va_manager_expire(va_manager *m, uint64_t now)
{
    uint32_t fired = 0;
    uint32_t c;

    VA_CHECK(m);
    for (c = 0; c < VA_TIMEOUT_CLASSES; c++) {
        while (m->dl[c].head != VA_NIL && m->pool[m->dl[c].head].deadline <= now) {
            uint32_t idx = m->dl[c].head;
            if (step(m, idx, VA_SJ_EV_TIMEOUT, VA_CJ_EV_TIMEOUT) != VA_OK) {
                /* every armed state accepts TIMEOUT (tests check it); never
                 * loop on a job that did not leave the list */
                dl_remove(m, idx);
            }
            fired++;
        }
    }
    pump(m);
    VA_CHECK(m);
    return fired;
}

uint64_t va_manager_next_deadline(const va_manager *m)
{
    uint64_t best = UINT64_MAX;
    uint32_t c;

    for (c = 0; c < VA_TIMEOUT_CLASSES; c++) {
        if (m->dl[c].head != VA_NIL && m->pool[m->dl[c].head].deadline < best) {
            best = m->pool[m->dl[c].head].deadline;
        }
    }
    return best;
}

void va_manager_disconnect(va_manager *m)
{
    uint32_t i;
    uint8_t old;

    VA_CHECK(m);
    old = m->epoch;
    m->epoch = (uint8_t)(old + 1u);
    /* Jobs submitted from the callbacks below are born in the new epoch
     * and wait for the next stream. */
    m->pumping = 1;
    for (i = 0; i < m->cap; i++) {
        if (m->pool[i].kind != VA_KIND_FREE && m->pool[i].epoch != m->epoch) {
            (void)step(m, i, VA_SJ_EV_DISCONNECT, VA_CJ_EV_DISCONNECT);
        }
    }
    m->pumping = 0;
    m->starve_streak = 0;
    pump(m);
    VA_CHECK(m);
}

uint32_t va_manager_slot(const va_manager *m, va_job_id job)
{
    uint32_t idx = (uint32_t)(job & VA_SLOT_MASK);
    uint32_t gen = (uint32_t)(job >> VA_SLOT_BITS);

    if (idx >= m->cap || gen == 0u || m->pool[idx].gen != gen ||
        m->pool[idx].kind == VA_KIND_FREE) {
        return VA_NIL;
    }
    return idx;
}

uint32_t va_manager_next_slot(const va_manager *m)
{
    return m->free_head;
}

uint32_t va_manager_slot_gen(const va_manager *m, uint32_t slot)
{
    return slot < m->cap ? m->pool[slot].gen : 0u;
}

void *va_manager_job_ctx(const va_manager *m, va_job_id job)
{
    uint32_t idx = va_manager_slot(m, job);
    return idx == VA_NIL ? NULL : m->pool[idx].ctx;
}

const va_manager_stats *va_manager_get_stats(const va_manager *m)
{
    return &m->stats;
}

uint32_t va_manager_live(const va_manager *m)
{
    return m->server_live + m->client_live;
}
