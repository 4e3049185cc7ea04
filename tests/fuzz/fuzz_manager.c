/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the job manager through its public API, driven by
 * operations decoded from the input (the spirit of random_exactly_once in
 * tests/test_manager.c, with the fuzzer choosing the sequence).
 *
 * Input byte 0..2: limits and re-entrancy flags (handlers that finish at
 * once from inside the execute/send callbacks, completions that submit a
 * new job).  Then one operation per byte (plus its arguments): server add,
 * client submit, execute_done / send_done / read_done (ok, error, busy),
 * cancels, time advancing + expire, disconnect, forged handles and handles
 * of the wrong kind.  Handles are picked from every job ever created, so
 * stale handles are exercised all the time.
 *
 * Checked after every operation: va_manager_valid (and, because the
 * target links the VA_DEBUG_CHECKS build, on entry and exit of every call),
 * every limit, the scheduler is work-conserving (no free slot next to a
 * waiting job), no job completed twice (checked in the callbacks), a job
 * whose slot was released has completed, the completion counters agree with
 * ours, and the anti-starvation bound: while a client job is at the head
 * of the request queue, at most starve_max server sends start.  At the end
 * (disconnect, then every running handler returns) every job completed
 * exactly once and no job is live.
 */
#include <string.h>

#include "fuzz_common.h"
#include "va_cj_tables.h"
#include "va_sj_tables.h"
#include "virtagent/va_manager.h"

#define FZ_CAP 32u
#define FZ_RECS 1024u
#define FZ_OPS 4096u

typedef struct rec {
    va_job_id id;
    uint8_t kind;
    uint8_t completions;
    uint8_t status;
    uint8_t aborts;
    uint8_t refused;        /* submission failed: no job, no callback */
    uint32_t send_starts;
} rec;

typedef struct fz {
    va_manager m;
    va_job pool[FZ_CAP];
    rec recs[FZ_RECS];
    uint32_t nrecs;
    uint32_t completed;
    uint64_t now;
    int auto_exec, auto_send, submit_on_complete;
    uint32_t reentrant_budget;
    /* anti-starvation: the client job at the head of the request queue when
     * the last server send started, and how many started while it was */
    va_job_id waiter;
    uint32_t waited;
} fz;

static fz F;

static va_result res_of(uint8_t sel)
{
    va_result r = { VA_RESULT_CODE_OK, 0, NULL };
    static const uint8_t txt[] = "fuzz";
    switch (sel % 3u) {
    case 1:
        r.code = 13; /* some error code */
        r.data = txt;
        r.len = 4;
        break;
    case 2:
        r.code = VA_RESULT_CODE_BUSY;
        break;
    default:
        break;
    }
    return r;
}

static rec *rec_of(va_job_id job, void *jc, uint8_t kind)
{
    rec *r = jc;
    FZ_CHECK(r != NULL);
    FZ_CHECK(r->id == job); /* the callback names the job it belongs to */
    FZ_CHECK(r->kind == kind);
    return r;
}

static void completed(rec *r, va_status st)
{
    r->completions++;
    FZ_CHECK(r->completions == 1u); /* exactly once: never twice */
    FZ_CHECK((unsigned)st < (unsigned)VA_STATUS_COUNT);
    r->status = (uint8_t)st;
    F.completed++;
}

static void add_job(int server, uint64_t timeout);

static void s_execute(va_manager *m, va_job_id job, void *jc, void *oc)
{
    (void)oc;
    (void)rec_of(job, jc, VA_KIND_SERVER);
    if (F.auto_exec) {
        va_result r = res_of((uint8_t)job);
        FZ_CHECK(va_server_job_execute_done(m, job, &r) == VA_OK);
    }
}

static void s_send(va_manager *m, va_job_id job, void *jc, const va_result *res, void *oc)
{
    rec *r = rec_of(job, jc, VA_KIND_SERVER);
    (void)oc;
    FZ_CHECK(res != NULL);
    r->send_starts++;
    FZ_CHECK(r->send_starts == 1u);
    /* spec: at most starve_max responses in a row while a request waits */
    if (m->csend_q.head != VA_NIL) {
        uint32_t h = m->csend_q.head;
        va_job_id hid = ((uint64_t)m->pool[h].gen << 32) | h;
        if (hid != F.waiter) {
            F.waiter = hid;
            F.waited = 0;
        }
        F.waited++;
        FZ_CHECK(F.waited <= m->lim.starve_max);
    }
    if (F.auto_send) {
        FZ_CHECK(va_server_job_send_done(m, job) == VA_OK);
    }
}

static void s_complete(va_manager *m, va_job_id job, void *jc, va_status st, void *oc)
{
    rec *r = rec_of(job, jc, VA_KIND_SERVER);
    (void)m;
    (void)oc;
    /* a server job never ends "rejected" or "remote error" */
    FZ_CHECK(st == VA_STATUS_OK || st == VA_STATUS_CANCELLED || st == VA_STATUS_TIMED_OUT ||
             st == VA_STATUS_DISCONNECTED);
    /* ok only once its response went out */
    FZ_CHECK(st != VA_STATUS_OK || r->send_starts == 1u);
    completed(r, st);
    if (F.submit_on_complete && F.reentrant_budget != 0u) {
        F.reentrant_budget--;
        add_job(0, 0);
    }
}

static void s_cancel(va_manager *m, va_job_id job, void *jc, void *oc)
{
    rec *r = rec_of(job, jc, VA_KIND_SERVER);
    (void)m;
    (void)oc;
    /* the handler is told only about a job that already completed */
    FZ_CHECK(r->completions == 1u);
}

static void c_send(va_manager *m, va_job_id job, void *jc, void *oc)
{
    rec *r = rec_of(job, jc, VA_KIND_CLIENT);
    (void)oc;
    r->send_starts++;
    FZ_CHECK(r->send_starts == 1u);
    if (F.auto_send) {
        FZ_CHECK(va_client_job_send_done(m, job) == VA_OK);
    }
}

static void c_abort(va_manager *m, va_job_id job, void *jc, void *oc)
{
    rec *r = rec_of(job, jc, VA_KIND_CLIENT);
    (void)m;
    (void)oc;
    /* the peer is told to abort only a request it may have seen */
    FZ_CHECK(r->send_starts == 1u);
    r->aborts++;
    FZ_CHECK(r->aborts == 1u);
}

static void c_complete(va_manager *m, va_job_id job, void *jc, va_status st,
                       const va_result *resp, void *oc)
{
    rec *r = rec_of(job, jc, VA_KIND_CLIENT);
    (void)m;
    (void)oc;
    if (resp != NULL) {
        /* spec: a BUSY answer means rejected; 0 is ok; others remote error */
        FZ_CHECK(st == (resp->code == VA_RESULT_CODE_OK     ? VA_STATUS_OK
                        : resp->code == VA_RESULT_CODE_BUSY ? VA_STATUS_REJECTED
                                                            : VA_STATUS_REMOTE_ERROR));
        FZ_CHECK(r->send_starts == 1u);
    } else {
        FZ_CHECK(st == VA_STATUS_CANCELLED || st == VA_STATUS_TIMED_OUT ||
                 st == VA_STATUS_DISCONNECTED);
    }
    completed(r, st);
    if (F.submit_on_complete && F.reentrant_budget != 0u) {
        F.reentrant_budget--;
        add_job(1, 0);
    }
}

static const va_server_ops sops = {
    .execute = s_execute, .send = s_send, .complete = s_complete, .cancel = s_cancel,
};
static const va_client_ops cops = {
    .send = c_send, .abort = c_abort, .complete = c_complete,
};

static void add_job(int server, uint64_t timeout)
{
    rec *r;
    int rc;
    uint32_t live_before = server ? F.m.server_live : F.m.client_live;

    if (F.nrecs >= FZ_RECS) {
        return;
    }
    /* reserve the record first: callbacks run inside the call may add jobs */
    r = &F.recs[F.nrecs++];
    memset(r, 0, sizeof *r);
    r->kind = server ? VA_KIND_SERVER : VA_KIND_CLIENT;
    if (server) {
        rc = va_server_job_add(&F.m, r, F.now, timeout, &r->id);
        FZ_CHECK(rc == VA_OK || (rc == VA_ERR_BUSY && live_before >= F.m.lim.server_max));
    } else {
        rc = va_client_job_submit(&F.m, r, F.now, timeout, &r->id);
        FZ_CHECK(rc == VA_OK || (rc == VA_ERR_LIMIT && live_before >= F.m.lim.client_max));
    }
    if (rc == VA_OK) {
        FZ_CHECK(r->id != VA_JOB_NONE);
    } else {
        r->refused = 1;
        r->id = VA_JOB_NONE;
    }
}

static void check_state(void)
{
    const va_manager *m = &F.m;
    uint64_t total = 0;

    FZ_CHECK(va_manager_valid(m));
    FZ_CHECK(m->exec_count <= m->lim.exec_max && m->send_count <= m->lim.send_max);
    FZ_CHECK(m->server_live <= m->lim.server_max && m->client_live <= m->lim.client_max);
    /* work-conserving: no free slot beside a job waiting for one (outside
     * the callbacks, which is where we are) */
    FZ_CHECK(!(m->exec_count < m->lim.exec_max && m->exec_q.head != VA_NIL));
    FZ_CHECK(!(m->send_count < m->lim.send_max &&
               (m->ssend_q.head != VA_NIL || m->csend_q.head != VA_NIL)));
    for (int s = 0; s < VA_STATUS_COUNT; s++) {
        total += va_manager_get_stats(m)->completions[s];
    }
    FZ_CHECK(total == F.completed);
    for (uint32_t i = 0; i < F.nrecs; i++) {
        /* released implies completed (nothing is lost silently) */
        if (!F.recs[i].refused && va_manager_slot(m, F.recs[i].id) == VA_NIL) {
            FZ_CHECK(F.recs[i].completions == 1u);
        }
    }
}

static va_job_id pick(fz_reader *r, uint8_t *kind)
{
    uint8_t b = fz_u8(r);
    if (F.nrecs == 0u) {
        *kind = VA_KIND_FREE;
        return VA_JOB_NONE;
    }
    /* most picks go to recent jobs, which are more likely alive */
    rec *x = &F.recs[F.nrecs - 1u - (b % (F.nrecs < 16u ? F.nrecs : 16u))];
    if (b & 0x80u) {
        x = &F.recs[b % F.nrecs];
    }
    *kind = x->kind;
    return x->id;
}

static void check_rc(int rc, va_job_id id, uint8_t kind, uint8_t want_kind)
{
    FZ_CHECK(rc == VA_OK || rc == VA_ERR_STATE || rc == VA_ERR_STALE);
    /* stale exactly when the handle does not name a live job of that kind */
    {
        uint32_t slot = va_manager_slot(&F.m, id);
        (void)kind;
        if (rc == VA_ERR_STALE) {
            FZ_CHECK(slot == VA_NIL || F.m.pool[slot].kind != want_kind ||
                     F.m.pool[slot].gen != (uint32_t)(id >> 32));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_reader r = { data, size };
    uint8_t c0 = fz_u8(&r), c1 = fz_u8(&r), c2 = fz_u8(&r);
    va_limits lim;
    uint32_t ops = 0, accepted = 0;

    memset(&F, 0, sizeof F);
    lim.send_max = 1u + (c0 & 3u);
    lim.exec_max = 1u + ((c0 >> 2) & 3u);
    lim.starve_max = 1u + ((c0 >> 4) & 3u);
    lim.client_max = 1u + (c1 & 7u);
    lim.server_max = 1u + ((c1 >> 3) & 7u);
    F.auto_exec = (c2 & 1u) != 0u;
    F.auto_send = (c2 & 2u) != 0u;
    F.submit_on_complete = (c2 & 4u) != 0u;
    F.reentrant_budget = 64;
    FZ_CHECK(va_manager_init(&F.m, F.pool, lim.client_max + lim.server_max + (c2 >> 4),
                             &lim, &sops, &cops, NULL) == VA_OK);
    check_state();
    while (r.n != 0u && ops++ < FZ_OPS) {
        uint8_t op = fz_u8(&r);
        uint8_t kind;
        va_job_id id;
        va_result res;
        int rc;
        switch (op % 14u) {
        case 0:
            add_job(1, fz_u8(&r) % 8u);
            break;
        case 1:
            add_job(0, fz_u8(&r) % 8u);
            break;
        case 2:
            id = pick(&r, &kind);
            res = res_of(op >> 4);
            rc = va_server_job_execute_done(&F.m, id, &res);
            check_rc(rc, id, kind, VA_KIND_SERVER);
            break;
        case 3:
            id = pick(&r, &kind);
            check_rc(va_server_job_send_done(&F.m, id), id, kind, VA_KIND_SERVER);
            break;
        case 4:
            id = pick(&r, &kind);
            check_rc(va_client_job_send_done(&F.m, id), id, kind, VA_KIND_CLIENT);
            break;
        case 5:
            id = pick(&r, &kind);
            res = res_of(op >> 4);
            check_rc(va_client_job_read_done(&F.m, id, &res), id, kind, VA_KIND_CLIENT);
            break;
        case 6:
            id = pick(&r, &kind);
            check_rc(va_server_job_cancel(&F.m, id), id, kind, VA_KIND_SERVER);
            break;
        case 7:
            id = pick(&r, &kind);
            check_rc(va_client_job_cancel(&F.m, id), id, kind, VA_KIND_CLIENT);
            break;
        case 8:
        case 9: {
            uint64_t before = va_manager_next_deadline(&F.m);
            F.now += fz_u8(&r) % 9u;
            (void)va_manager_expire(&F.m, F.now);
            /* nothing left due */
            FZ_CHECK(va_manager_next_deadline(&F.m) > F.now);
            (void)before;
            break;
        }
        case 10:
            va_manager_disconnect(&F.m);
            break;
        case 11: {
            /* forged handle: any slot, any generation */
            uint32_t slot = fz_u8(&r);
            uint32_t gen = fz_u16(&r);
            id = ((uint64_t)gen << 32) | slot;
            if (va_manager_slot(&F.m, id) == VA_NIL) {
                FZ_CHECK(va_client_job_cancel(&F.m, id) == VA_ERR_STALE);
                FZ_CHECK(va_server_job_cancel(&F.m, id) == VA_ERR_STALE);
                FZ_CHECK(va_manager_job_ctx(&F.m, id) == NULL);
            }
            break;
        }
        case 12: {
            /* a live handle used as the other kind is refused */
            id = pick(&r, &kind);
            if (va_manager_slot(&F.m, id) != VA_NIL) {
                if (kind == VA_KIND_SERVER) {
                    FZ_CHECK(va_client_job_read_done(&F.m, id, NULL) == VA_ERR_STALE);
                } else if (kind == VA_KIND_CLIENT) {
                    FZ_CHECK(va_server_job_execute_done(&F.m, id, NULL) == VA_ERR_STALE);
                }
            }
            break;
        }
        default:
            /* a handler returns: every running one, in creation order */
            for (uint32_t i = 0; i < F.nrecs; i++) {
                uint32_t slot = va_manager_slot(&F.m, F.recs[i].id);
                if (slot != VA_NIL && F.recs[i].kind == VA_KIND_SERVER &&
                    (F.m.pool[slot].state == VA_SJ_EXECUTING ||
                     F.m.pool[slot].state == VA_SJ_DRAIN_EXEC)) {
                    res = res_of((uint8_t)i);
                    FZ_CHECK(va_server_job_execute_done(&F.m, F.recs[i].id, &res) == VA_OK);
                    break;
                }
            }
            break;
        }
        check_state();
    }
    /* drain: the stream goes away, every running handler returns; jobs
     * submitted from completions wait for the next stream, so repeat */
    F.submit_on_complete = 0;
    for (int round = 0; round < 4 && va_manager_live(&F.m) != 0u; round++) {
        va_manager_disconnect(&F.m);
        check_state();
        for (uint32_t i = 0; i < F.nrecs; i++) {
            va_result ok = { 0, 0, NULL };
            if (F.recs[i].kind == VA_KIND_SERVER &&
                va_manager_slot(&F.m, F.recs[i].id) != VA_NIL) {
                FZ_CHECK(va_server_job_execute_done(&F.m, F.recs[i].id, &ok) == VA_OK);
            }
        }
        check_state();
    }
    FZ_CHECK(va_manager_live(&F.m) == 0u);
    for (uint32_t i = 0; i < F.nrecs; i++) {
        FZ_CHECK(F.recs[i].completions == (F.recs[i].refused ? 0u : 1u));
        if (!F.recs[i].refused) {
            accepted++;
        }
    }
    FZ_CHECK(F.completed == accepted);
    return 0;
}
