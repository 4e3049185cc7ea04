/* SPDX-License-Identifier: MIT */
/*
 * The manager invariant and the ops-callback model, in ACSL.
 *
 * Included only by the proof run (proofs/run.sh passes
 * `-cpp-extra-args=-include proofs/va_manager.acsl.h`); the runtime never
 * includes it.  The C mirror of va_inv is va_manager_valid()
 * (runtime/va_manager_valid.c), which checks the same facts and more (full
 * list well-formedness) in debug builds.
 */
#ifndef VIRTAGENT_PROOFS_VA_MANAGER_ACSL_H
#define VIRTAGENT_PROOFS_VA_MANAGER_ACSL_H

#include "virtagent/va_manager.h"
#include "va_cj_tables.h"
#include "va_sj_tables.h"

/* Counting selectors: which jobs each counter counts. */
#define VA_SEL_EXEC 0   /* server jobs holding an execute slot */
#define VA_SEL_SEND 1   /* jobs holding a send slot */
#define VA_SEL_SRV 2    /* live server jobs */
#define VA_SEL_CLI 3    /* live client jobs */
#define VA_SEL_SQ 4     /* server jobs QUEUED (exec_q) */
#define VA_SEL_SX 5     /* server jobs EXECUTED (ssend_q) */
#define VA_SEL_CQ 6     /* client jobs QUEUED (csend_q) */
#define VA_SEL_FREE 7   /* free slots (free list) */
#define VA_NSEL 8

/* Forward declarations of the ops models (contracts below). */
void va_model_sj_execute(va_manager *m, va_job_id job, void *job_ctx, void *ops_ctx);
void va_model_sj_send(va_manager *m, va_job_id job, void *job_ctx,
                      const va_result *result, void *ops_ctx);
void va_model_sj_complete(va_manager *m, va_job_id job, void *job_ctx,
                          va_status status, void *ops_ctx);
void va_model_sj_cancel(va_manager *m, va_job_id job, void *job_ctx, void *ops_ctx);
void va_model_cj_send(va_manager *m, va_job_id job, void *job_ctx, void *ops_ctx);
void va_model_cj_abort(va_manager *m, va_job_id job, void *job_ctx, void *ops_ctx);
void va_model_cj_complete(va_manager *m, va_job_id job, void *job_ctx, va_status status,
                          const va_result *response, void *ops_ctx);
void va_model_trace(void *trace_ctx, const va_trace_event *ev);

/*@
  predicate va_sj_holds_exec(integer s) = s == VA_SJ_EXECUTING || s == VA_SJ_DRAIN_EXEC;
  predicate va_sj_holds_send(integer s) = s == VA_SJ_SENDING || s == VA_SJ_DRAIN_SEND;
  predicate va_cj_holds_send(integer s) =
      s == VA_CJ_SENDING || s == VA_CJ_ANSWERED || s == VA_CJ_ABANDONED;
  // completed: the completion callback has been made, the slot is not free yet
  predicate va_sj_completed(integer s) = s == VA_SJ_DRAIN_EXEC || s == VA_SJ_DRAIN_SEND;
  predicate va_cj_completed(integer s) = s == VA_CJ_ANSWERED || s == VA_CJ_ABANDONED;

  logic integer va_sel(integer kind, integer state, integer s) =
    s == VA_SEL_EXEC ? ((kind == VA_KIND_SERVER &&
                         (state == VA_SJ_EXECUTING || state == VA_SJ_DRAIN_EXEC)) ? 1 : 0) :
    s == VA_SEL_SEND ? (((kind == VA_KIND_SERVER &&
                          (state == VA_SJ_SENDING || state == VA_SJ_DRAIN_SEND)) ||
                         (kind == VA_KIND_CLIENT &&
                          (state == VA_CJ_SENDING || state == VA_CJ_ANSWERED ||
                           state == VA_CJ_ABANDONED))) ? 1 : 0) :
    s == VA_SEL_SRV ? (kind == VA_KIND_SERVER ? 1 : 0) :
    s == VA_SEL_CLI ? (kind == VA_KIND_CLIENT ? 1 : 0) :
    s == VA_SEL_SQ ? ((kind == VA_KIND_SERVER && state == VA_SJ_QUEUED) ? 1 : 0) :
    s == VA_SEL_SX ? ((kind == VA_KIND_SERVER && state == VA_SJ_EXECUTED) ? 1 : 0) :
    s == VA_SEL_CQ ? ((kind == VA_KIND_CLIENT && state == VA_CJ_QUEUED) ? 1 : 0) :
    s == VA_SEL_FREE ? (kind == VA_KIND_FREE ? 1 : 0) :
    0;

  // number of jobs among p[0 .. n-1] that selector s counts
  logic integer va_cnt{L}(va_job *p, integer n, integer s) =
    n <= 0 ? 0 : va_cnt(p, n - 1, s) + va_sel(p[n - 1].kind, p[n - 1].state, s);

  // number of jobs among p[0 .. n-1] on deadline list c (dl_class == c)
  logic integer va_dcnt{L}(va_job *p, integer n, integer c) =
    n <= 0 ? 0 : va_dcnt(p, n - 1, c) + (p[n - 1].dl_class == c ? 1 : 0);

  predicate va_link_ok(va_manager *m, integer l) = l == VA_NIL || (0 <= l < m->cap);

  predicate va_job_ok{L}(va_manager *m, va_job *j) =
    j->gen >= 1 &&
    (j->kind == VA_KIND_FREE || j->kind == VA_KIND_SERVER || j->kind == VA_KIND_CLIENT) &&
    (j->kind == VA_KIND_SERVER ==> j->state < VA_SJ_FREE) &&
    (j->kind == VA_KIND_CLIENT ==> j->state < VA_CJ_FREE) &&
    j->status < VA_STATUS_COUNT &&
    (j->dl_class == VA_DL_NONE || j->dl_class < VA_TIMEOUT_CLASSES) &&
    va_link_ok(m, j->next) && va_link_ok(m, j->prev) &&
    va_link_ok(m, j->dl_next) && va_link_ok(m, j->dl_prev);

  predicate va_queue_ok{L}(va_manager *m, va_queue *q, integer s) =
    va_link_ok(m, q->head) && va_link_ok(m, q->tail) &&
    q->len == va_cnt(m->pool, m->cap, s);

  // the memory layout the manager relies on
  predicate va_mem{L}(va_manager *m) =
    \valid(m) && 0 < m->cap < VA_NIL &&
    \valid(m->pool + (0 .. m->cap - 1)) &&
    \separated(m, m->pool + (0 .. m->cap - 1)) &&
    \valid_read(m->sops) && \valid_read(m->cops) &&
    \separated(m->sops, m, m->pool + (0 .. m->cap - 1)) &&
    \separated(m->cops, m, m->pool + (0 .. m->cap - 1)) &&
    \separated(m->pool + (0 .. m->cap - 1), &va_sj_next[0 .. VA_SJ_NSTATES - 1][0 .. VA_SJ_NEVENTS - 1],
               &va_sj_actions[0 .. VA_SJ_NSTATES - 1][0 .. VA_SJ_NEVENTS - 1],
               &va_cj_next[0 .. VA_CJ_NSTATES - 1][0 .. VA_CJ_NEVENTS - 1],
               &va_cj_actions[0 .. VA_CJ_NSTATES - 1][0 .. VA_CJ_NEVENTS - 1]) &&
    \separated(m, &va_sj_next[0 .. VA_SJ_NSTATES - 1][0 .. VA_SJ_NEVENTS - 1],
               &va_sj_actions[0 .. VA_SJ_NSTATES - 1][0 .. VA_SJ_NEVENTS - 1],
               &va_cj_next[0 .. VA_CJ_NSTATES - 1][0 .. VA_CJ_NEVENTS - 1],
               &va_cj_actions[0 .. VA_CJ_NSTATES - 1][0 .. VA_CJ_NEVENTS - 1]);

  // modelling assumption: every ops slot behaves as its model (see below)
  predicate va_ops_model{L}(va_manager *m) =
    m->sops->execute == &va_model_sj_execute && m->sops->send == &va_model_sj_send &&
    m->sops->complete == &va_model_sj_complete && m->sops->cancel == &va_model_sj_cancel &&
    m->cops->send == &va_model_cj_send && m->cops->abort == &va_model_cj_abort &&
    m->cops->complete == &va_model_cj_complete &&
    (m->trace == \null || m->trace == &va_model_trace);

  predicate va_limits_ok{L}(va_manager *m) =
    m->lim.send_max >= 1 && m->lim.exec_max >= 1 && m->lim.client_max >= 1 &&
    m->lim.server_max >= 1 && m->lim.starve_max >= 1 &&
    m->lim.client_max + m->lim.server_max <= m->cap;

  // a job whose completion has been made (or whose slot is free): it is
  // on no deadline list, so it can never time out (again)
  predicate va_done{L}(va_job *j) =
    j->kind == VA_KIND_FREE ||
    (j->kind == VA_KIND_SERVER && va_sj_completed(j->state)) ||
    (j->kind == VA_KIND_CLIENT && va_cj_completed(j->state));
  predicate va_dl_off{L}(va_manager *m) =
    \forall integer k; 0 <= k < m->cap ==> va_done(m->pool + k) ==>
      m->pool[k].dl_class == VA_DL_NONE;

  // pieces of the invariant, named so that the bookkeeping helpers can say
  // which of them they keep (VA_KEEPS below)
  predicate va_jobs_ok{L}(va_manager *m) =
    \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
  predicate va_live_ok{L}(va_manager *m) =
    m->server_live == va_cnt(m->pool, m->cap, VA_SEL_SRV) &&
    m->client_live == va_cnt(m->pool, m->cap, VA_SEL_CLI) &&
    m->server_live <= m->lim.server_max && m->client_live <= m->lim.client_max;
  predicate va_fl_ok{L}(va_manager *m) =
    va_link_ok(m, m->free_head) &&
    m->free_len == va_cnt(m->pool, m->cap, VA_SEL_FREE);
  predicate va_dl_ok{L}(va_manager *m) =
    \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==>
      va_link_ok(m, m->dl[c].head) && va_link_ok(m, m->dl[c].tail) &&
      m->dl[c].len == va_dcnt(m->pool, m->cap, c);
  predicate va_base_ok{L}(va_manager *m) =
    va_mem(m) && va_ops_model(m) && va_limits_ok(m);

  // the invariant but for the execute/send slot counters (see va_inv)
  predicate va_inv_base{L}(va_manager *m) =
    va_base_ok(m) && va_jobs_ok(m) &&
    va_dl_off(m) && va_live_ok(m) &&
    // ready queues: ends in range, length = number of jobs in the queue's state
    va_queue_ok(m, &m->exec_q, VA_SEL_SQ) &&
    va_queue_ok(m, &m->ssend_q, VA_SEL_SX) &&
    va_queue_ok(m, &m->csend_q, VA_SEL_CQ) &&
    // free list and deadline lists: ends in range, length = number of jobs
    // that are free / on that deadline list
    va_fl_ok(m) && va_dl_ok(m);

  // a ready queue while a job of (kind, state) moves: its length counts
  // every job of its state but that one
  predicate va_q_less{L}(va_manager *m, va_queue *q, integer s, integer kind, integer state) =
    va_link_ok(m, q->head) && va_link_ok(m, q->tail) &&
    q->len == va_cnt(m->pool, m->cap, s) - va_sel(kind, state, s);

  // the execute/send slot counters count the jobs holding a slot, within
  // their limits
  predicate va_slots_ok{L}(va_manager *m) =
    m->exec_count == va_cnt(m->pool, m->cap, VA_SEL_EXEC) &&
    m->send_count == va_cnt(m->pool, m->cap, VA_SEL_SEND) &&
    m->exec_count <= m->lim.exec_max && m->send_count <= m->lim.send_max;
  // ... as they will once job idx is of kind k1 in state s1 (a step's
  // acquire/release hooks have run, the job has not moved yet)
  predicate va_slots_to{L}(va_manager *m, integer idx, integer k1, integer s1) =
    m->exec_count + va_sel(m->pool[idx].kind, m->pool[idx].state, VA_SEL_EXEC) ==
      va_cnt(m->pool, m->cap, VA_SEL_EXEC) + va_sel(k1, s1, VA_SEL_EXEC) &&
    m->send_count + va_sel(m->pool[idx].kind, m->pool[idx].state, VA_SEL_SEND) ==
      va_cnt(m->pool, m->cap, VA_SEL_SEND) + va_sel(k1, s1, VA_SEL_SEND) &&
    m->exec_count <= m->lim.exec_max && m->send_count <= m->lim.send_max;

  // THE MANAGER INVARIANT: the memory layout, the ops model, the limits;
  // every slot well formed; completed and free jobs off the deadline lists;
  // each counter equals the number of jobs in the matching states; every
  // limit holds; queue, free-list and deadline-list lengths equal the number
  // of jobs in their states.
  predicate va_inv{L}(va_manager *m) = va_inv_base(m) && va_slots_ok(m);

  // a hook's ghost parameters are the manager's pool and size (VA_POOL_IS)
  predicate va_pool_is{L}(va_manager *m, va_job *pool, integer cap) =
    pool == m->pool && cap == m->cap;

  // what a call-out may not change (the embedder never re-initialises a
  // manager from inside one of its callbacks)
  predicate va_frame{L1, L2}(va_manager *m) =
    \at(m->pool, L1) == \at(m->pool, L2) && \at(m->cap, L1) == \at(m->cap, L2) &&
    \at(m->lim.send_max, L1) == \at(m->lim.send_max, L2) &&
    \at(m->lim.exec_max, L1) == \at(m->lim.exec_max, L2) &&
    \at(m->lim.client_max, L1) == \at(m->lim.client_max, L2) &&
    \at(m->lim.server_max, L1) == \at(m->lim.server_max, L2) &&
    \at(m->lim.starve_max, L1) == \at(m->lim.starve_max, L2) &&
    \at(m->sops, L1) == \at(m->sops, L2) &&
    \at(m->cops, L1) == \at(m->cops, L2);
*/

/* va_inv_base, one clause per conjunct (`kw` is requires, ensures or
 * assert).  For the bookkeeping helpers that take the invariant apart and
 * put it back: each conjunct is then its own hypothesis / goal, which the
 * provers handle far better than one nested predicate. */
#define VA_BASE_CLAUSES(kw, m) \
  kw va_base_ok(m); \
  kw va_jobs_ok(m); \
  kw va_dl_off(m); \
  kw va_live_ok(m); \
  kw va_queue_ok(m, &(m)->exec_q, VA_SEL_SQ); \
  kw va_queue_ok(m, &(m)->ssend_q, VA_SEL_SX); \
  kw va_queue_ok(m, &(m)->csend_q, VA_SEL_CQ); \
  kw va_fl_ok(m); \
  kw va_dl_ok(m);

/* Assigns clauses and the pool.  WP checks a call's assigns against the
 * caller's term by term: a field range of the pool, `P[0 .. N - 1].f`, is
 * found inside the caller's clause at once when the caller names the same
 * field range on the same P and N, and only through an existential the
 * provers rarely find (among the invariant's quantifiers) when the caller
 * names whole slots.  So every function that may write anywhere in the
 * manager names the pool also field by field (VA_MGR_ALL).
 * The steps read m->pool and m->cap at their entry into ghost variables and
 * pass them to the hooks that run after a pool write (VA_POOL_IS): the
 * hooks' assigns then name the step's own P and N. */
#define VA_POOL_ALL(P, N) \
  (P)[0 .. (N) - 1].ctx, (P)[0 .. (N) - 1].data, (P)[0 .. (N) - 1].deadline, \
  (P)[0 .. (N) - 1].gen, (P)[0 .. (N) - 1].next, (P)[0 .. (N) - 1].prev, \
  (P)[0 .. (N) - 1].dl_next, (P)[0 .. (N) - 1].dl_prev, (P)[0 .. (N) - 1].len, \
  (P)[0 .. (N) - 1].code, (P)[0 .. (N) - 1].kind, (P)[0 .. (N) - 1].state, \
  (P)[0 .. (N) - 1].status, (P)[0 .. (N) - 1].dl_class, (P)[0 .. (N) - 1].epoch
/* Everything a manager function may write: the manager and its pool, the
 * pool named twice, as whole slots (as the ops models and the call-outs
 * name it: one contiguous range, cheap for the frames of their callers)
 * and field by field (as the steps' hooks name their parts of it).  A
 * field added to va_job is covered by the whole slots; list it in
 * VA_POOL_ALL when a hook names it. */
#define VA_MGR_ALL(m) \
  *(m), (m)->pool[0 .. (m)->cap - 1], VA_POOL_ALL((m)->pool, (m)->cap)
/* A hook's ghost parameters `pool` and `cap` are the manager's.  The
 * requires is a predicate, so that at the call WP does not rewrite the
 * step's P and N into the manager's fields at the call (which a pool write
 * before the call has made other terms); the hook's body starts with the
 * plain equality (VA_POOL_AT), which WP does substitute in the hook's own
 * goals. */
#define VA_POOL_IS(m) requires va_pool_is(m, pool, cap);
#define VA_POOL_AT(m) assert POOL: pool == (m)->pool && cap == (m)->cap;

/* "keeps P": if P held before the call, it holds after.  The writers of
 * pool fields and manager fields state, in their own small context, which
 * pieces of the invariant they keep.  The bookkeeping that calls them then
 * chains the same predicate symbols instead of re-deriving, among the
 * invariant's quantifiers, that a pool write does not alias a manager
 * field (where the provers time out). */
#define VA_KEEPS(P) ensures KEEPS: \old(P) ==> P;
/* Frames of the manager's own fields, one clause per field group: what a
 * writer of pool fields (or of other manager fields) leaves unchanged. */
#define VA_SAME_BASE(m) \
  ensures SAME_CAP: (m)->cap == \old((m)->cap); \
  ensures SAME_FRAME: va_frame{Pre, Post}(m); \
  ensures SAME_SLOTS: (m)->exec_count == \old((m)->exec_count) && (m)->send_count == \old((m)->send_count);
#define VA_SAME_CORE(m) VA_SAME_BASE(m) VA_KEEPS(va_dl_ok(m))
#define VA_SAME_LIVE(m) \
  ensures SAME_LIVE: (m)->server_live == \old((m)->server_live) && (m)->client_live == \old((m)->client_live);
#define VA_SAME_FL(m) \
  ensures SAME_FL: (m)->free_head == \old((m)->free_head) && (m)->free_len == \old((m)->free_len);
/* the ready queues but q (\null: all three) */
#define VA_SAME_QUEUES_BUT(m, q) \
  ensures SAME_Q1: q != &(m)->exec_q ==> (m)->exec_q.head == \old((m)->exec_q.head) && \
          (m)->exec_q.tail == \old((m)->exec_q.tail) && (m)->exec_q.len == \old((m)->exec_q.len); \
  ensures SAME_Q2: q != &(m)->ssend_q ==> (m)->ssend_q.head == \old((m)->ssend_q.head) && \
          (m)->ssend_q.tail == \old((m)->ssend_q.tail) && (m)->ssend_q.len == \old((m)->ssend_q.len); \
  ensures SAME_Q3: q != &(m)->csend_q ==> (m)->csend_q.head == \old((m)->csend_q.head) && \
          (m)->csend_q.tail == \old((m)->csend_q.tail) && (m)->csend_q.len == \old((m)->csend_q.len);
#define VA_SAME_MGR(m) VA_SAME_CORE(m) VA_SAME_LIVE(m) VA_SAME_FL(m) VA_SAME_QUEUES_BUT(m, \null)
/* the deadline lists' ends are in range (keeps: stated as the callers
 * state it, so that Qed matches it) */
#define VA_KEEPS_DL_ENDS(m) \
  ensures KEEPS_ENDS: \old(\forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==> \
            va_link_ok(m, (m)->dl[c].head) && va_link_ok(m, (m)->dl[c].tail)) ==> \
          \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==> \
            va_link_ok(m, (m)->dl[c].head) && va_link_ok(m, (m)->dl[c].tail);
/* what a write of one deadline link keeps (set_dl_next, set_dl_prev and
 * the splice ends dl_next_or_head, dl_prev_or_tail) */
#define VA_DL_LINK_WRITE(m) \
  ensures SAME_DL: \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==> \
            (m)->dl[c].head == \old((m)->dl[c].head) && (m)->dl[c].tail == \old((m)->dl[c].tail) && \
            (m)->dl[c].len == \old((m)->dl[c].len); \
  ensures JOBS: \forall integer k; 0 <= k < (m)->cap ==> va_job_ok(m, (m)->pool + k); \
  ensures SAME_CNT: \forall integer s; 0 <= s < VA_NSEL ==> \
            va_cnt((m)->pool, (m)->cap, s) == \old(va_cnt((m)->pool, (m)->cap, s)); \
  VA_SAME_DL_WRITE(m) \
  VA_KEEPS_DL_ENDS(m)
/* what a writer of the deadline lists (a job's dl links and class, a
 * list's ends) keeps: every manager field but the deadline lists, as
 * equalities, and the free list and ready queues (which read the counts) */
#define VA_SAME_DL_FIELDS(m) \
  VA_SAME_BASE(m) VA_SAME_LIVE(m) VA_SAME_FL(m) VA_SAME_QUEUES_BUT(m, \null)
#define VA_SAME_DL_WRITE(m) \
  VA_SAME_DL_FIELDS(m) \
  VA_KEEPS(va_fl_ok(m)) \
  VA_KEEPS_QUEUES(m)
/* dl_remove and dl_unlink: the job leaves its deadline list.  Besides the
 * deadline lists' own invariant, the frame of what the rest of the
 * invariant reads, as equalities (VA_SAME_DL_WRITE): the callers keep the
 * invariant's other pieces from these, where the quantified havoc of the
 * assigns clause is out of the provers' reach. */
#define VA_DL_REMOVE_SPEC(m, idx) \
  requires va_mem(m) && (idx) < (m)->cap; \
  requires \forall integer k; 0 <= k < (m)->cap ==> va_job_ok(m, (m)->pool + k); \
  requires \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==> \
             va_link_ok(m, (m)->dl[c].head) && va_link_ok(m, (m)->dl[c].tail) && \
             (m)->dl[c].len == va_dcnt((m)->pool, (m)->cap, c); \
  assigns (m)->pool[idx].dl_class, \
          (m)->pool[0 .. (m)->cap - 1].dl_next, (m)->pool[0 .. (m)->cap - 1].dl_prev, \
          (m)->dl[0 .. VA_TIMEOUT_CLASSES - 1]; \
  ensures JOBS: \forall integer k; 0 <= k < (m)->cap ==> va_job_ok(m, (m)->pool + k); \
  ensures ENDS: \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==> \
            va_link_ok(m, (m)->dl[c].head) && va_link_ok(m, (m)->dl[c].tail); \
  ensures LEN: \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==> \
            (m)->dl[c].len == va_dcnt((m)->pool, (m)->cap, c); \
  ensures SAME_CNT: \forall integer s; 0 <= s < VA_NSEL ==> \
            va_cnt((m)->pool, (m)->cap, s) == \old(va_cnt((m)->pool, (m)->cap, s)); \
  ensures OFF: (m)->pool[idx].dl_class == VA_DL_NONE; \
  ensures SAME_JOB: (m)->pool[idx].kind == \old((m)->pool[idx].kind) && \
                    (m)->pool[idx].state == \old((m)->pool[idx].state); \
  VA_SAME_DL_WRITE(m)
/* the counts (kind and state) and the deadline counts (dl_class) */
#define VA_SAME_CNT(m) \
  ensures SAME_CNT: \forall integer s; 0 <= s < VA_NSEL ==> \
            va_cnt((m)->pool, (m)->cap, s) == \old(va_cnt((m)->pool, (m)->cap, s)); \
  ensures SAME_DCNT: \forall integer c; va_dcnt((m)->pool, (m)->cap, c) == \old(va_dcnt((m)->pool, (m)->cap, c));

/* the ready queues are well formed (keeps) */
#define VA_KEEPS_QUEUES(m) \
  VA_KEEPS(va_queue_ok(m, &(m)->exec_q, VA_SEL_SQ)) \
  VA_KEEPS(va_queue_ok(m, &(m)->ssend_q, VA_SEL_SX)) \
  VA_KEEPS(va_queue_ok(m, &(m)->csend_q, VA_SEL_CQ))

/* what a write of one field of one job (a link, the generation, the
 * pointers) keeps: every slot well formed, every piece of the invariant
 * but the one list it serves, every manager field and every count */
#define VA_POOL_WRITE(m) \
  ensures va_jobs_ok(m); \
  VA_KEEPS(va_base_ok(m)) \
  VA_KEEPS(va_dl_off(m)) \
  VA_SAME_MGR(m) \
  VA_SAME_CNT(m) \
  VA_KEEPS(va_live_ok(m)) \
  VA_KEEPS_QUEUES(m)

/* everything a write that moves no job, changes no count and touches no
 * list keeps (status, epoch, result, slot counters) */
#define VA_KEEPS_INV(m) \
  VA_KEEPS(va_base_ok(m)) \
  VA_KEEPS(va_dl_off(m)) \
  VA_KEEPS(va_live_ok(m)) \
  VA_KEEPS(va_fl_ok(m)) \
  VA_KEEPS(va_dl_ok(m)) \
  VA_KEEPS_QUEUES(m) \
  ensures SAME_CAP: (m)->cap == \old((m)->cap); \
  ensures SAME_FRAME: va_frame{Pre, Post}(m);

/* what a step's hook keeps (a hook moves no job and touches no ready
 * queue or free list): every piece of the invariant, the slot counters'
 * target (va_slots_to) and the job's kind and state */
#define VA_HOOK_KEEPS(m, idx) \
  VA_KEEPS(va_jobs_ok(m)) \
  VA_KEEPS_INV(m) \
  ensures SLOTS_TO: \forall integer k1, s1; \
            \old(va_slots_to(m, idx, k1, s1)) ==> va_slots_to(m, idx, k1, s1); \
  ensures SAME_JOB: (m)->pool[idx].kind == \old((m)->pool[idx].kind) && \
                    (m)->pool[idx].state == \old((m)->pool[idx].state);

/* ---- facts about the generated lifecycle tables ----------------------
 * What the steps rely on, for one (state, event) pair of a live job that
 * the table accepts: the exactly-once facts (a transition completes the
 * job iff it leaves the not-yet-completed states; completed states only
 * lead to completed states or FREE; a job becomes FREE only by a
 * transition that releases its slot) and the slot-accounting facts (a slot
 * is acquired / released exactly when the job enters / leaves the states
 * that hold it; acquiring only on the start events, whose callers check
 * the limit first).  The ghost functions sj_facts / cj_facts prove them
 * from the tables' constant contents (gen/va_*_tables.c, -wp-init-const):
 * one assert per (state, event) pair, each decided by Qed on the concrete
 * table entry; the ensures then follows by case analysis.  A change to the
 * spec that breaks a fact makes its case assert fail; a new state or event
 * makes the domain assert fail.  The ghost functions live in
 * runtime/va_manager.c, next to the steps that call them (this header is
 * included in every WP run; the facts need the tables' definitions). */
/* Written as macros, not ACSL predicates, so that Qed sees the table
 * entries and the bit tests of each concrete case and decides them. */
#define VA_SJ_FACTS(from, ev) \
  (  va_sj_next[from][ev] != VA_SJ_REJECT ==> \
    va_sj_next[from][ev] < VA_SJ_NSTATES && \
    (((va_sj_actions[from][ev] & VA_SJ_DO_COMPLETE) != 0) <==> \
    (!va_sj_completed(from) && \
    (va_sj_completed(va_sj_next[from][ev]) || va_sj_next[from][ev] == VA_SJ_FREE))) && \
    (va_sj_completed(from) ==> \
    (va_sj_completed(va_sj_next[from][ev]) || va_sj_next[from][ev] == VA_SJ_FREE)) && \
    (((va_sj_actions[from][ev] & VA_SJ_DO_RELEASE) != 0) <==> \
    va_sj_next[from][ev] == VA_SJ_FREE) && \
    (((va_sj_actions[from][ev] & VA_SJ_DO_RELEASE_EXEC) != 0) <==> \
    (va_sj_holds_exec(from) && !va_sj_holds_exec(va_sj_next[from][ev]))) && \
    (((va_sj_actions[from][ev] & VA_SJ_DO_ACQUIRE_EXEC) != 0) <==> \
    (!va_sj_holds_exec(from) && va_sj_holds_exec(va_sj_next[from][ev]))) && \
    (((va_sj_actions[from][ev] & VA_SJ_DO_RELEASE_SEND) != 0) <==> \
    (va_sj_holds_send(from) && !va_sj_holds_send(va_sj_next[from][ev]))) && \
    (((va_sj_actions[from][ev] & VA_SJ_DO_ACQUIRE_SEND) != 0) <==> \
    (!va_sj_holds_send(from) && va_sj_holds_send(va_sj_next[from][ev]))) && \
    (((va_sj_actions[from][ev] & VA_SJ_DO_ACQUIRE_EXEC) != 0) ==> ev == VA_SJ_EV_EXEC_START) && \
    (((va_sj_actions[from][ev] & VA_SJ_DO_ACQUIRE_SEND) != 0) ==> ev == VA_SJ_EV_SEND_START) && \
    (((va_sj_actions[from][ev] & VA_SJ_DO_STORE_RESULT) != 0) ==> ev == VA_SJ_EV_EXEC_DONE))

#define VA_CJ_FACTS(from, ev) \
  (  va_cj_next[from][ev] != VA_CJ_REJECT ==> \
    va_cj_next[from][ev] < VA_CJ_NSTATES && \
    (((va_cj_actions[from][ev] & VA_CJ_DO_COMPLETE) != 0) <==> \
    (!va_cj_completed(from) && \
    (va_cj_completed(va_cj_next[from][ev]) || va_cj_next[from][ev] == VA_CJ_FREE))) && \
    (va_cj_completed(from) ==> \
    (va_cj_completed(va_cj_next[from][ev]) || va_cj_next[from][ev] == VA_CJ_FREE)) && \
    (((va_cj_actions[from][ev] & VA_CJ_DO_RELEASE) != 0) <==> \
    va_cj_next[from][ev] == VA_CJ_FREE) && \
    (((va_cj_actions[from][ev] & VA_CJ_DO_RELEASE_SEND) != 0) <==> \
    (va_cj_holds_send(from) && !va_cj_holds_send(va_cj_next[from][ev]))) && \
    (((va_cj_actions[from][ev] & VA_CJ_DO_ACQUIRE_SEND) != 0) <==> \
    (!va_cj_holds_send(from) && va_cj_holds_send(va_cj_next[from][ev]))) && \
    (((va_cj_actions[from][ev] & VA_CJ_DO_ACQUIRE_SEND) != 0) ==> ev == VA_CJ_EV_SEND_START) && \
    (((va_cj_actions[from][ev] & VA_CJ_DO_STORE_RESPONSE) != 0) ==> ev == VA_CJ_EV_RESPONSE))

/* ---- the ops-callback model ------------------------------------------
 * Every ops slot may call any public manager function (re-entrancy), so
 * its effect is modelled as: given a manager in which the invariant holds
 * (the manager finishes its bookkeeping before calling out), it may change
 * anything in the manager and the pool, and leaves the invariant holding.
 * It never re-initialises the manager (pool, capacity, limits, ops fixed). */

/*@ requires va_inv(m);
    assigns *m, m->pool[0 .. m->cap - 1];
    ensures va_inv(m);
    ensures va_frame{Pre, Post}(m); */
void va_model_sj_execute(va_manager *m, va_job_id job, void *job_ctx, void *ops_ctx);
/*@ requires va_inv(m);
    requires \valid_read(result);
    assigns *m, m->pool[0 .. m->cap - 1];
    ensures va_inv(m);
    ensures va_frame{Pre, Post}(m); */
void va_model_sj_send(va_manager *m, va_job_id job, void *job_ctx,
                      const va_result *result, void *ops_ctx);
/*@ requires va_inv(m);
    requires 0 <= status < VA_STATUS_COUNT;
    assigns *m, m->pool[0 .. m->cap - 1];
    ensures va_inv(m);
    ensures va_frame{Pre, Post}(m); */
void va_model_sj_complete(va_manager *m, va_job_id job, void *job_ctx,
                          va_status status, void *ops_ctx);
/*@ requires va_inv(m);
    assigns *m, m->pool[0 .. m->cap - 1];
    ensures va_inv(m);
    ensures va_frame{Pre, Post}(m); */
void va_model_sj_cancel(va_manager *m, va_job_id job, void *job_ctx, void *ops_ctx);
/*@ requires va_inv(m);
    assigns *m, m->pool[0 .. m->cap - 1];
    ensures va_inv(m);
    ensures va_frame{Pre, Post}(m); */
void va_model_cj_send(va_manager *m, va_job_id job, void *job_ctx, void *ops_ctx);
/*@ requires va_inv(m);
    assigns *m, m->pool[0 .. m->cap - 1];
    ensures va_inv(m);
    ensures va_frame{Pre, Post}(m); */
void va_model_cj_abort(va_manager *m, va_job_id job, void *job_ctx, void *ops_ctx);
/*@ requires va_inv(m);
    requires 0 <= status < VA_STATUS_COUNT;
    requires response == \null || \valid_read(response);
    assigns *m, m->pool[0 .. m->cap - 1];
    ensures va_inv(m);
    ensures va_frame{Pre, Post}(m); */
void va_model_cj_complete(va_manager *m, va_job_id job, void *job_ctx, va_status status,
                          const va_result *response, void *ops_ctx);
/* The trace hook gets no manager pointer: modelled as touching nothing of
 * the manager's (it may only record the event). */
/*@ requires \valid_read(ev);
    assigns \nothing; */
void va_model_trace(void *trace_ctx, const va_trace_event *ev);

#endif
