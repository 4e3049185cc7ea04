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

/* A handle is gen * 2^32 + slot index.  Written with * / % rather than
 * shifts and masks (same machine code) so WP reasons about it in plain
 * integer arithmetic. */
#define VA_SLOT_SPAN 4294967296u

#define VA_STATUS_TEXT_ROW_(name, text) text,
static const char *const va_status_text[VA_STATUS_COUNT] = { VA_STATUSES(VA_STATUS_TEXT_ROW_) };

/*@ assigns \nothing;
    ensures \result != \null; */
const char *va_status_str(va_status s)
{
    if ((unsigned)s >= (unsigned)VA_STATUS_COUNT) {
        return "unknown status";
    }
    return va_status_text[s];
}

/*@ requires \valid(lim);
    assigns *lim;
    ensures lim->send_max == VA_DEFAULT_SEND_MAX && lim->exec_max == VA_DEFAULT_EXEC_MAX;
    ensures lim->client_max == VA_DEFAULT_CLIENT_MAX && lim->server_max == VA_DEFAULT_SERVER_MAX;
    ensures lim->starve_max == VA_DEFAULT_STARVE_MAX; */
void va_limits_default(va_limits *lim)
{
    lim->send_max = VA_DEFAULT_SEND_MAX;
    lim->exec_max = VA_DEFAULT_EXEC_MAX;
    lim->client_max = VA_DEFAULT_CLIENT_MAX;
    lim->server_max = VA_DEFAULT_SERVER_MAX;
    lim->starve_max = VA_DEFAULT_STARVE_MAX;
}

/*@ assigns \nothing;
    ensures \result == gen * 4294967296 + idx; */
static va_job_id make_id(uint32_t idx, uint32_t gen)
{
    return (uint64_t)gen * VA_SLOT_SPAN + (uint64_t)idx;
}

/* ---- intrusive lists over slot indexes -------------------------------- */

/* The only writers of the list links.  Like set_tag (below) for kind and
 * state, their contracts are the frame the invariant needs: a link write
 * keeps every slot well-formed (the new link is in range) and leaves every
 * count unchanged (counts read only kind and state). */
/*@ requires va_mem(m) && idx < m->cap && va_link_ok(m, v);
    requires va_jobs_ok(m);
    assigns m->pool[idx].next;
    ensures m->pool[idx].next == v;
    VA_POOL_WRITE(m) */
static void set_next(va_manager *m, uint32_t idx, uint32_t v)
{
    m->pool[idx].next = v;
}

/*@ requires va_mem(m) && idx < m->cap && va_link_ok(m, v);
    requires va_jobs_ok(m);
    assigns m->pool[idx].prev;
    ensures m->pool[idx].prev == v;
    VA_POOL_WRITE(m) */
static void set_prev(va_manager *m, uint32_t idx, uint32_t v)
{
    m->pool[idx].prev = v;
}

/*@ requires va_mem(m) && idx < m->cap && va_link_ok(m, v);
    requires \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    assigns m->pool[idx].dl_next;
    ensures m->pool[idx].dl_next == v;
    VA_DL_LINK_WRITE(m) */
static void set_dl_next(va_manager *m, uint32_t idx, uint32_t v)
{
    m->pool[idx].dl_next = v;
}

/*@ requires va_mem(m) && idx < m->cap && va_link_ok(m, v);
    requires \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    assigns m->pool[idx].dl_prev;
    ensures m->pool[idx].dl_prev == v;
    VA_DL_LINK_WRITE(m) */
static void set_dl_prev(va_manager *m, uint32_t idx, uint32_t v)
{
    m->pool[idx].dl_prev = v;
}

/* The two ends of a deadline-list splice: the next link of job `at`, or the
 * list's head when `at` is NIL (the list's start); the previous link of job
 * `at`, or the list's tail when `at` is NIL (its end).  Each returns the
 * head (tail) to store.  One call each instead of an if / else in the
 * callers: the provers then see the callers' writes in a straight line (at
 * the merge of the two branches they timed out).  The assigns clause is the
 * link field of every slot, as in the callers' own clauses: a single
 * location would be `at` or nothing, which the callers' clauses do not
 * include term by term; the ensures clauses give the frame. */
/*@ requires va_mem(m) && va_link_ok(m, at) && va_link_ok(m, v);
    requires \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    assigns m->pool[0 .. m->cap - 1].dl_next;
    ensures at != VA_NIL ==> m->pool[at].dl_next == v;
    ensures \result == (at == VA_NIL ? v : head);
    VA_DL_LINK_WRITE(m) */
static uint32_t dl_next_or_head(va_manager *m, uint32_t at, uint32_t v, uint32_t head)
{
    if (at == VA_NIL) {
        return v;
    }
    set_dl_next(m, at, v);
    return head;
}

/*@ requires va_mem(m) && va_link_ok(m, at) && va_link_ok(m, v);
    requires \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    assigns m->pool[0 .. m->cap - 1].dl_prev;
    ensures at != VA_NIL ==> m->pool[at].dl_prev == v;
    ensures \result == (at == VA_NIL ? v : tail);
    VA_DL_LINK_WRITE(m) */
static uint32_t dl_prev_or_tail(va_manager *m, uint32_t at, uint32_t v, uint32_t tail)
{
    if (at == VA_NIL) {
        return v;
    }
    set_dl_prev(m, at, v);
    return tail;
}

/* The writers of a job's generation and pointers (slot_release): like
 * set_next, each states in its own small context what it keeps. */
/*@ requires va_mem(m) && idx < m->cap && v >= 1;
    requires va_jobs_ok(m);
    assigns m->pool[idx].gen;
    ensures m->pool[idx].gen == v;
    VA_POOL_WRITE(m) */
static void set_gen(va_manager *m, uint32_t idx, uint32_t v)
{
    m->pool[idx].gen = v;
}

/*@ requires va_mem(m) && idx < m->cap;
    requires va_jobs_ok(m);
    assigns m->pool[idx].ctx, m->pool[idx].data;
    ensures m->pool[idx].ctx == \null && m->pool[idx].data == \null;
    VA_POOL_WRITE(m) */
static void clear_ptrs(va_manager *m, uint32_t idx)
{
    m->pool[idx].ctx = NULL;
    m->pool[idx].data = NULL;
}

/* The only writer of a ready queue's ends and length: the frame for the
 * manager fields (they share the pool's memory type in the proof model). */
/*@ requires va_mem(m);
    requires q == &m->exec_q || q == &m->ssend_q || q == &m->csend_q;
    requires va_jobs_ok(m);
    assigns q->head, q->tail, q->len;
    ensures q->head == head && q->tail == tail && q->len == len;
    ensures va_jobs_ok(m);
    VA_KEEPS(va_base_ok(m))
    VA_KEEPS(va_dl_off(m))
    VA_SAME_CORE(m)
    VA_SAME_LIVE(m)
    VA_SAME_FL(m)
    VA_SAME_QUEUES_BUT(m, q)
    VA_SAME_CNT(m) */
static void q_set(va_manager *m, va_queue *q, uint32_t head, uint32_t tail, uint32_t len)
{
    (void)m;
    q->head = head;
    q->tail = tail;
    q->len = len;
}

/*@ requires va_mem(m) && idx < m->cap;
    requires q == &m->exec_q || q == &m->ssend_q || q == &m->csend_q;
    requires va_link_ok(m, q->head) && va_link_ok(m, q->tail) && q->len < VA_NIL;
    requires va_jobs_ok(m);
    assigns m->pool[0 .. m->cap - 1].next, m->pool[0 .. m->cap - 1].prev,
            q->head, q->tail, q->len;
    ensures q->len == \old(q->len) + 1;
    ensures va_link_ok(m, q->head) && va_link_ok(m, q->tail);
    ensures va_jobs_ok(m);
    VA_KEEPS(va_base_ok(m))
    VA_KEEPS(va_dl_off(m))
    VA_SAME_CORE(m)
    VA_SAME_LIVE(m)
    VA_SAME_FL(m)
    VA_SAME_QUEUES_BUT(m, q)
    VA_SAME_CNT(m) */
static void q_push(va_manager *m, va_queue *q, uint32_t idx)
{
    uint32_t head = q->head;
    uint32_t tail = q->tail;
    uint32_t len = q->len;

    set_next(m, idx, VA_NIL);
    set_prev(m, idx, tail);
    if (tail == VA_NIL) {
        head = idx;
    } else {
        set_next(m, tail, idx);
    }
    q_set(m, q, head, idx, len + 1u);
}

/*@ requires va_mem(m) && idx < m->cap;
    requires q == &m->exec_q || q == &m->ssend_q || q == &m->csend_q;
    requires q->len >= 1;
    requires va_jobs_ok(m);
    assigns m->pool[0 .. m->cap - 1].next, m->pool[0 .. m->cap - 1].prev,
            q->head, q->tail, q->len;
    ensures q->len == \old(q->len) - 1;
    ensures \old(va_link_ok(m, q->head)) ==> va_link_ok(m, q->head);
    ensures \old(va_link_ok(m, q->tail)) ==> va_link_ok(m, q->tail);
    ensures va_jobs_ok(m);
    VA_KEEPS(va_base_ok(m))
    VA_KEEPS(va_dl_off(m))
    VA_SAME_CORE(m)
    VA_SAME_LIVE(m)
    VA_SAME_FL(m)
    VA_SAME_QUEUES_BUT(m, q)
    VA_SAME_CNT(m) */
static void q_remove(va_manager *m, va_queue *q, uint32_t idx)
{
    va_job *j = &m->pool[idx];
    uint32_t head = q->head;
    uint32_t tail = q->tail;
    uint32_t len = q->len;

    if (j->prev == VA_NIL) {
        head = j->next;
    } else {
        set_next(m, j->prev, j->next);
    }
    /*@ assert m->cap == \at(m->cap, Pre) && va_jobs_ok(m); */
    if (j->next == VA_NIL) {
        tail = j->prev;
    } else {
        set_prev(m, j->next, j->prev);
    }
    /*@ assert m->cap == \at(m->cap, Pre) && va_jobs_ok(m); */
    set_next(m, idx, VA_NIL);
    set_prev(m, idx, VA_NIL);
    q_set(m, q, head, tail, len - 1u);
}

/* The ready queue a job in `state` waits in, or NULL.  This is the only
 * place that knows what a state means to the scheduler. */
/*@ requires \valid_read(m);
    assigns \nothing;
    ensures \result == \null || \result == &m->exec_q || \result == &m->ssend_q ||
            \result == &m->csend_q;
    ensures \result == &m->exec_q <==> (kind == VA_KIND_SERVER && state == VA_SJ_QUEUED);
    ensures \result == &m->ssend_q <==> (kind == VA_KIND_SERVER && state == VA_SJ_EXECUTED);
    ensures \result == &m->csend_q <==> (kind == VA_KIND_CLIENT && state == VA_CJ_QUEUED); */
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

/* Frame helpers for the deadline lists, like q_set and set_tag. */
/*@ requires va_mem(m) && c < VA_TIMEOUT_CLASSES;
    requires \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    assigns m->dl[c].head, m->dl[c].tail, m->dl[c].len;
    ensures m->dl[c].head == head && m->dl[c].tail == tail && m->dl[c].len == len;
    ensures OTHERS: \forall integer c2; 0 <= c2 < VA_TIMEOUT_CLASSES && c2 != c ==>
              m->dl[c2].head == \old(m->dl[c2].head) && m->dl[c2].tail == \old(m->dl[c2].tail) &&
              m->dl[c2].len == \old(m->dl[c2].len);
    ensures ENDS: \old((\forall integer c2; 0 <= c2 < VA_TIMEOUT_CLASSES ==>
                           va_link_ok(m, m->dl[c2].head) && va_link_ok(m, m->dl[c2].tail)) &&
                        va_link_ok(m, head) && va_link_ok(m, tail)) ==>
                  \forall integer c2; 0 <= c2 < VA_TIMEOUT_CLASSES ==>
                     va_link_ok(m, m->dl[c2].head) && va_link_ok(m, m->dl[c2].tail);
    ensures m->cap == \old(m->cap);
    ensures \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    ensures \forall integer s; 0 <= s < VA_NSEL ==>
              va_cnt(m->pool, m->cap, s) == \old(va_cnt(m->pool, m->cap, s));
    VA_SAME_DL_WRITE(m) */
static void dl_set(va_manager *m, uint32_t c, uint32_t head, uint32_t tail, uint32_t len)
{
    m->dl[c].head = head;
    m->dl[c].tail = tail;
    m->dl[c].len = len;
}

/* dl_class shares its memory type with kind and state in the proof model:
 * the ghost loop shows the counts (which read kind and state) unchanged. */
/*@ requires va_mem(m) && idx < m->cap && (v == VA_DL_NONE || v < VA_TIMEOUT_CLASSES);
    requires \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    assigns m->pool[idx].dl_class;
    ensures m->pool[idx].dl_class == v;
    ensures \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==>
              m->dl[c].head == \old(m->dl[c].head) && m->dl[c].tail == \old(m->dl[c].tail) &&
              m->dl[c].len == \old(m->dl[c].len);
    ensures \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    ensures \forall integer s; 0 <= s < VA_NSEL ==>
              va_cnt(m->pool, m->cap, s) == \old(va_cnt(m->pool, m->cap, s));
    ensures \forall integer c; va_dcnt(m->pool, m->cap, c) ==
              \old(va_dcnt(m->pool, m->cap, c)) - (\old(m->pool[idx].dl_class) == c ? 1 : 0)
                + (v == c ? 1 : 0);
    ensures \forall integer c; 0 <= va_dcnt(m->pool, m->cap, c) <= m->cap;
    VA_SAME_DL_WRITE(m) */
static void set_dl_class(va_manager *m, uint32_t idx, uint8_t v)
{
    m->pool[idx].dl_class = v;
    /*@ ghost
      uint32_t k;
      /@ loop invariant 0 <= k <= m->cap;
         loop invariant \forall integer s; 0 <= s < VA_NSEL ==>
           va_cnt(m->pool, k, s) == va_cnt{Pre}(m->pool, k, s);
         loop invariant \forall integer c; va_dcnt(m->pool, k, c) == va_dcnt{Pre}(m->pool, k, c)
             + (k > idx ? (v == c ? 1 : 0) - (\at(m->pool[idx].dl_class, Pre) == c ? 1 : 0) : 0);
         loop invariant \forall integer c; 0 <= va_dcnt(m->pool, k, c) <= k;
         loop assigns k;
         loop variant m->cap - k; @/
      for (k = 0; k < m->cap; k++) {
      }
    */
}

/* ---- deadlines: one FIFO per timeout value ----------------------------
 * Jobs that share a timeout value have deadlines in submission order
 * (time only moves forward), so appending keeps each list sorted: O(1). */

/* The deadline class for `timeout`: the class already holding it, else a
 * free class (which takes this timeout), else class 0. */
/*@ requires \valid(m);
    assigns m->dl[0 .. VA_TIMEOUT_CLASSES - 1].timeout;
    ensures \result < VA_TIMEOUT_CLASSES; */
static uint32_t dl_pick(va_manager *m, uint64_t timeout)
{
    uint32_t c;
    uint32_t pick = VA_DL_NONE;
    uint32_t spare = VA_DL_NONE;

    /*@ loop invariant 0 <= c <= VA_TIMEOUT_CLASSES;
        loop invariant pick == VA_DL_NONE;
        loop invariant spare == VA_DL_NONE || spare < c;
        loop assigns c, spare, pick;
        loop variant VA_TIMEOUT_CLASSES - c; */
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
    return pick;
}

/*@ requires va_mem(m) && idx < m->cap;
    requires \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    requires \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==>
               va_link_ok(m, m->dl[c].head) && va_link_ok(m, m->dl[c].tail) &&
               m->dl[c].len == va_dcnt(m->pool, m->cap, c);
    requires m->pool[idx].dl_class == VA_DL_NONE;
    assigns m->pool[0 .. m->cap - 1].deadline, m->pool[0 .. m->cap - 1].dl_class,
            m->pool[0 .. m->cap - 1].dl_next, m->pool[0 .. m->cap - 1].dl_prev,
            m->dl[0 .. VA_TIMEOUT_CLASSES - 1], m->dl[0 .. VA_TIMEOUT_CLASSES - 1].timeout;
    ensures \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    ensures \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==>
              va_link_ok(m, m->dl[c].head) && va_link_ok(m, m->dl[c].tail);
    ensures \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==>
              m->dl[c].len == va_dcnt(m->pool, m->cap, c);
    ensures \forall integer s; 0 <= s < VA_NSEL ==>
              va_cnt(m->pool, m->cap, s) == \old(va_cnt(m->pool, m->cap, s));
    ensures m->pool[idx].dl_class < VA_TIMEOUT_CLASSES; */
static void dl_insert(va_manager *m, uint32_t idx, uint64_t now, uint64_t timeout)
{
    va_job *j = &m->pool[idx];
    uint32_t pick;
    uint32_t cur;
    uint32_t next;
    uint32_t head;
    uint32_t tail;
    uint32_t len;

    /* spec: time is an argument; a deadline past the end of time saturates */
    j->deadline = (timeout > UINT64_MAX - now) ? UINT64_MAX : now + timeout;
    pick = dl_pick(m, timeout);
    /*@ assert pick < VA_TIMEOUT_CLASSES; */
    set_dl_class(m, idx, (uint8_t)pick);
    /*@ assert LEN: \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==>
               m->dl[c].len == \at(m->dl[c].len, Pre) &&
               va_dcnt(m->pool, m->cap, c) == \at(va_dcnt(m->pool, m->cap, c), Pre) +
                 (c == pick ? 1 : 0); */
    /*@ assert m->cap == \at(m->cap, Pre) &&
               (\forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k)) &&
               (\forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==>
                  va_link_ok(m, m->dl[c].head) && va_link_ok(m, m->dl[c].tail)); */
    cur = m->dl[pick].tail;
    /* Termination rests on the deadline list being acyclic, which the proved
     * invariant does not state (docs/proofs.md): no loop variant. */
    /*@ loop invariant va_link_ok(m, cur);
        loop assigns cur; */
    while (cur != VA_NIL && m->pool[cur].deadline > j->deadline) {
        cur = m->pool[cur].dl_prev;
    }
    head = m->dl[pick].head;
    tail = m->dl[pick].tail;
    len = m->dl[pick].len;
    next = (cur == VA_NIL) ? head : m->pool[cur].dl_next;
    /*@ assert HT: va_link_ok(m, head) && va_link_ok(m, tail) && va_link_ok(m, next) &&
               len == va_dcnt(m->pool, m->cap, pick) - 1; */
    /* insert between cur and next (cur NIL: at the head) */
    set_dl_prev(m, idx, cur);
    set_dl_next(m, idx, next);
    head = dl_next_or_head(m, cur, idx, head);
    tail = dl_prev_or_tail(m, next, idx, tail);
    /*@ assert LEN: \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==>
               m->dl[c].len == va_dcnt(m->pool, m->cap, c) - (c == pick ? 1 : 0); */
    /*@ assert len < m->cap && va_link_ok(m, head) && va_link_ok(m, tail); */
    dl_set(m, pick, head, tail, len + 1u);
}

/* The job leaves its deadline list (it is on one).  The contract, shared
 * with dl_remove, is VA_DL_REMOVE_SPEC (proofs/va_manager.acsl.h). */
/*@ requires idx < m->cap && m->pool[idx].dl_class != VA_DL_NONE;
    VA_DL_REMOVE_SPEC(m, idx) */
static void dl_unlink(va_manager *m, uint32_t idx)
{
    va_job *j = &m->pool[idx];
    uint32_t c = j->dl_class;
    uint32_t prev;
    uint32_t next;
    uint32_t head;
    uint32_t tail;
    uint32_t len;

    head = m->dl[c].head;
    tail = m->dl[c].tail;
    len = m->dl[c].len;
    prev = j->dl_prev;
    next = j->dl_next;
    /*@ assert va_link_ok(m, head) && va_link_ok(m, tail) &&
               va_link_ok(m, prev) && va_link_ok(m, next); */
    head = dl_next_or_head(m, prev, next, head);
    tail = dl_prev_or_tail(m, next, prev, tail);
    set_dl_next(m, idx, VA_NIL);
    /*@ assert DL: \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==>
               va_link_ok(m, m->dl[c].head) && va_link_ok(m, m->dl[c].tail); */
    set_dl_prev(m, idx, VA_NIL);
    /*@ assert DL: \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==>
               va_link_ok(m, m->dl[c].head) && va_link_ok(m, m->dl[c].tail); */
    /*@ assert LEN: \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==>
               m->dl[c].len == \at(m->dl[c].len, Pre) &&
               va_dcnt(m->pool, m->cap, c) == \at(va_dcnt(m->pool, m->cap, c), Pre); */
    set_dl_class(m, idx, VA_DL_NONE);
    /*@ assert DL: \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==>
               va_link_ok(m, m->dl[c].head) && va_link_ok(m, m->dl[c].tail); */
    /*@ assert LEN: \forall integer c2; 0 <= c2 < VA_TIMEOUT_CLASSES ==>
               m->dl[c2].len == va_dcnt(m->pool, m->cap, c2) + (c2 == c ? 1 : 0); */
    /*@ assert SET: len >= 1 && m->cap == \at(m->cap, Pre) &&
               va_link_ok(m, head) && va_link_ok(m, tail); */
    dl_set(m, c, head, tail, len - 1u);
}

/* The job leaves its deadline list, if it is on one.  Apart from dl_unlink
 * so that the provers see the two cases apart: with both in one body, the
 * merge of the early return made them time out on goals that each case
 * proves at once. */
/*@ VA_DL_REMOVE_SPEC(m, idx) */
static void dl_remove(va_manager *m, uint32_t idx)
{
    if (m->pool[idx].dl_class != VA_DL_NONE) {
        dl_unlink(m, idx);
    }
}

/* ---- slots --------------------------------------------------------------- */

/* The only writer of a job's kind and state.  Its contract is the counting
 * frame the invariant needs: every counted quantity changes by this job's
 * contribution only.  The ghost loop is the induction over the pool that
 * proves it (SMT solvers do not do induction on their own). */
/*@ requires va_mem(m) && idx < m->cap;
    assigns m->pool[idx].kind, m->pool[idx].state;
    ensures m->pool[idx].kind == kind && m->pool[idx].state == state;
    ensures \forall integer s; 0 <= s < VA_NSEL ==>
              va_cnt(m->pool, m->cap, s) == \old(va_cnt(m->pool, m->cap, s))
                - va_sel(\old(m->pool[idx].kind), \old(m->pool[idx].state), s)
                + va_sel(kind, state, s);
    ensures \forall integer s; 0 <= s < VA_NSEL ==> 0 <= va_cnt(m->pool, m->cap, s) <= m->cap;
    ensures \forall integer c; va_dcnt(m->pool, m->cap, c) == \old(va_dcnt(m->pool, m->cap, c)); */
static void set_tag(va_manager *m, uint32_t idx, uint8_t kind, uint8_t state)
{
    m->pool[idx].kind = kind;
    m->pool[idx].state = state;
    /*@ ghost
      uint32_t k;
      /@ loop invariant 0 <= k <= m->cap;
         loop invariant \forall integer s; 0 <= s < VA_NSEL ==>
           va_cnt(m->pool, k, s) == va_cnt{Pre}(m->pool, k, s)
             + (k > idx ? va_sel(kind, state, s)
                          - va_sel(\at(m->pool[idx].kind, Pre), \at(m->pool[idx].state, Pre), s)
                        : 0);
         loop invariant \forall integer s; 0 <= s < VA_NSEL ==> 0 <= va_cnt(m->pool, k, s) <= k;
         loop invariant \forall integer c; va_dcnt(m->pool, k, c) == va_dcnt{Pre}(m->pool, k, c);
         loop assigns k;
         loop variant m->cap - k; @/
      for (k = 0; k < m->cap; k++) {
      }
    */
}

/* set_tag for the steps' bookkeeping (slot_release, job_retag): the same
 * write, with the frame those callers chain (which pieces of the invariant
 * it keeps).  Kept apart from set_tag so that slot_alloc's goals do not
 * carry these clauses. */
/*@ requires va_mem(m) && idx < m->cap;
    assigns m->pool[idx].kind, m->pool[idx].state;
    ensures m->pool[idx].kind == kind && m->pool[idx].state == state;
    ensures \old(va_jobs_ok(m)) &&
            (kind == VA_KIND_FREE || (kind == VA_KIND_SERVER && state < VA_SJ_FREE) ||
             (kind == VA_KIND_CLIENT && state < VA_CJ_FREE)) ==> va_jobs_ok(m);
    VA_KEEPS(va_base_ok(m))
    ensures \old(va_dl_off(m)) && \old(m->pool[idx].dl_class) == VA_DL_NONE ==> va_dl_off(m);
    ensures \old(va_dl_off(m)) &&
            ((kind == VA_KIND_SERVER && !va_sj_completed(state)) ||
             (kind == VA_KIND_CLIENT && !va_cj_completed(state))) ==> va_dl_off(m);
    VA_SAME_MGR(m)
    // a queue that counts every job of its state but this one still does
    ensures QL1: \old(va_q_less(m, &m->exec_q, VA_SEL_SQ, m->pool[idx].kind, m->pool[idx].state)) ==>
                 va_q_less(m, &m->exec_q, VA_SEL_SQ, kind, state);
    ensures QL2: \old(va_q_less(m, &m->ssend_q, VA_SEL_SX, m->pool[idx].kind, m->pool[idx].state)) ==>
                 va_q_less(m, &m->ssend_q, VA_SEL_SX, kind, state);
    ensures QL3: \old(va_q_less(m, &m->csend_q, VA_SEL_CQ, m->pool[idx].kind, m->pool[idx].state)) ==>
                 va_q_less(m, &m->csend_q, VA_SEL_CQ, kind, state);
    ensures SLOTS_OK: \old(va_slots_to(m, idx, kind, state)) ==> va_slots_ok(m);
    // a job that keeps its kind keeps the live counts and the free list
    ensures LIVE_OK: \old(va_live_ok(m)) && \old(m->pool[idx].kind) == kind ==> va_live_ok(m);
    ensures FL_OK: \old(va_fl_ok(m)) && \old(m->pool[idx].kind) == kind ==> va_fl_ok(m);
    ensures \forall integer s; 0 <= s < VA_NSEL ==>
              va_cnt(m->pool, m->cap, s) == \old(va_cnt(m->pool, m->cap, s))
                - va_sel(\old(m->pool[idx].kind), \old(m->pool[idx].state), s)
                + va_sel(kind, state, s);
    ensures \forall integer s; 0 <= s < VA_NSEL ==> 0 <= va_cnt(m->pool, m->cap, s) <= m->cap;
    ensures \forall integer c; va_dcnt(m->pool, m->cap, c) == \old(va_dcnt(m->pool, m->cap, c)); */
static void job_tag(va_manager *m, uint32_t idx, uint8_t kind, uint8_t state)
{
    set_tag(m, idx, kind, state);
}

/* Ghost lemma: a job counts in every selector it matches (so a counter
 * that counts it is >= 1 and may be decremented).  The ghost loop is the
 * induction over the pool. */
/*@ ghost
  /@ requires va_mem(m) && idx < m->cap;
     assigns \nothing;
     ensures \forall integer s; 0 <= s < VA_NSEL ==>
               va_cnt(m->pool, m->cap, s) >= va_sel(m->pool[idx].kind, m->pool[idx].state, s);
     ensures \forall integer s; 0 <= s < VA_NSEL ==> 0 <= va_cnt(m->pool, m->cap, s) <= m->cap; @/
  static void cnt_has(va_manager *m, uint32_t idx)
  {
    uint32_t k;
    /@ loop invariant 0 <= k <= m->cap;
       loop invariant \forall integer s; 0 <= s < VA_NSEL ==> 0 <= va_cnt(m->pool, k, s) <= k;
       loop invariant \forall integer s; 0 <= s < VA_NSEL ==>
         va_cnt(m->pool, k, s) >= (k > idx ? va_sel(m->pool[idx].kind, m->pool[idx].state, s) : 0);
       loop assigns k;
       loop variant m->cap - k; @/
    for (k = 0; k < m->cap; k++) {
    }
  }
*/

/* status and epoch share their memory type with kind, state and dl_class
 * in the proof model: like set_dl_class, the ghost loop shows that the
 * counts (which read kind, state and dl_class) are unchanged. */
/*@ requires va_mem(m) && idx < m->cap && v < VA_STATUS_COUNT;
    requires \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    assigns m->pool[idx].status;
    ensures m->pool[idx].status == v;
    ensures \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    ensures \forall integer s; 0 <= s < VA_NSEL ==>
              va_cnt(m->pool, m->cap, s) == \old(va_cnt(m->pool, m->cap, s));
    ensures \forall integer c; va_dcnt(m->pool, m->cap, c) == \old(va_dcnt(m->pool, m->cap, c)); */
static void set_status(va_manager *m, uint32_t idx, uint8_t v)
{
    m->pool[idx].status = v;
    /*@ ghost
      uint32_t k;
      /@ loop invariant 0 <= k <= m->cap;
         loop invariant \forall integer s; 0 <= s < VA_NSEL ==>
           va_cnt(m->pool, k, s) == va_cnt{Pre}(m->pool, k, s);
         loop invariant \forall integer c; va_dcnt(m->pool, k, c) == va_dcnt{Pre}(m->pool, k, c);
         loop assigns k;
         loop variant m->cap - k; @/
      for (k = 0; k < m->cap; k++) {
      }
    */
}

/*@ requires va_mem(m) && idx < m->cap;
    requires \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    assigns m->pool[idx].epoch;
    ensures m->pool[idx].epoch == v;
    ensures \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    ensures \forall integer s; 0 <= s < VA_NSEL ==>
              va_cnt(m->pool, m->cap, s) == \old(va_cnt(m->pool, m->cap, s));
    ensures \forall integer c; va_dcnt(m->pool, m->cap, c) == \old(va_dcnt(m->pool, m->cap, c)); */
static void set_epoch(va_manager *m, uint32_t idx, uint8_t v)
{
    m->pool[idx].epoch = v;
    /*@ ghost
      uint32_t k;
      /@ loop invariant 0 <= k <= m->cap;
         loop invariant \forall integer s; 0 <= s < VA_NSEL ==>
           va_cnt(m->pool, k, s) == va_cnt{Pre}(m->pool, k, s);
         loop invariant \forall integer c; va_dcnt(m->pool, k, c) == va_dcnt{Pre}(m->pool, k, c);
         loop assigns k;
         loop variant m->cap - k; @/
      for (k = 0; k < m->cap; k++) {
      }
    */
}

/*@ requires va_mem(m) && va_link_ok(m, m->free_head);
    requires kind == VA_KIND_SERVER || kind == VA_KIND_CLIENT;
    requires \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    assigns m->free_head, m->free_len, m->pool[m->free_head];
    ensures va_link_ok(m, m->free_head);
    ensures \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    behavior full:
      assumes m->free_head == VA_NIL;
      ensures \result == VA_NIL;
      assigns \nothing;
    behavior got:
      assumes m->free_head != VA_NIL;
      ensures \result == \old(m->free_head);
      ensures m->pool[\result].kind == kind;
      ensures kind == VA_KIND_SERVER ==> m->pool[\result].state == VA_SJ_START;
      ensures kind == VA_KIND_CLIENT ==> m->pool[\result].state == VA_CJ_START;
      ensures m->pool[\result].dl_class == VA_DL_NONE;
      ensures m->pool[\result].gen == \old(m->pool[m->free_head].gen);
      ensures \forall integer s; 0 <= s < VA_NSEL ==>
                va_cnt(m->pool, m->cap, s) == \old(va_cnt(m->pool, m->cap, s))
                  - va_sel(\old(m->pool[m->free_head].kind), \old(m->pool[m->free_head].state), s)
                  + va_sel(m->pool[\result].kind, m->pool[\result].state, s);
      ensures \forall integer s; 0 <= s < VA_NSEL ==> va_cnt(m->pool, m->cap, s) <= m->cap;
    complete behaviors;
    disjoint behaviors; */
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
    set_tag(m, idx, kind,
            (kind == VA_KIND_SERVER) ? (uint8_t)VA_SJ_START : (uint8_t)VA_CJ_START);
    j->ctx = ctx;
    j->data = NULL;
    j->len = 0;
    j->code = 0;
    set_status(m, idx, (uint8_t)VA_STATUS_OK);
    j->next = VA_NIL;
    j->prev = VA_NIL;
    j->dl_next = VA_NIL;
    j->dl_prev = VA_NIL;
    /*@ assert CNT: \forall integer s; 0 <= s < VA_NSEL ==>
               va_cnt(m->pool, m->cap, s) == \at(va_cnt(m->pool, m->cap, s), Pre)
                 - va_sel(\at(m->pool[m->free_head].kind, Pre), \at(m->pool[m->free_head].state, Pre), s)
                 + va_sel(m->pool[idx].kind, m->pool[idx].state, s); */
    /*@ assert CNT_CAP: \forall integer s; 0 <= s < VA_NSEL ==> va_cnt(m->pool, m->cap, s) <= m->cap; */
    set_dl_class(m, idx, VA_DL_NONE);
    /*@ assert CNT: \forall integer s; 0 <= s < VA_NSEL ==>
               va_cnt(m->pool, m->cap, s) == \at(va_cnt(m->pool, m->cap, s), Pre)
                 - va_sel(\at(m->pool[m->free_head].kind, Pre), \at(m->pool[m->free_head].state, Pre), s)
                 + va_sel(m->pool[idx].kind, m->pool[idx].state, s); */
    /*@ assert CNT_CAP: \forall integer s; 0 <= s < VA_NSEL ==> va_cnt(m->pool, m->cap, s) <= m->cap; */
    set_epoch(m, idx, m->epoch);
    return idx;
}

/* The writers of the free list's ends and of the live counters. */
/*@ requires va_mem(m) && va_link_ok(m, head);
    requires va_jobs_ok(m);
    assigns m->free_head, m->free_len;
    ensures m->free_head == head && m->free_len == len;
    ensures FL_OK: len == va_cnt(m->pool, m->cap, VA_SEL_FREE) ==> va_fl_ok(m);
    ensures va_jobs_ok(m);
    VA_KEEPS(va_base_ok(m))
    VA_KEEPS(va_dl_off(m))
    VA_SAME_CORE(m)
    VA_SAME_LIVE(m)
    VA_SAME_QUEUES_BUT(m, \null)
    VA_SAME_CNT(m)
    VA_KEEPS(va_live_ok(m))
    VA_KEEPS_QUEUES(m) */
static void fl_set(va_manager *m, uint32_t head, uint32_t len)
{
    m->free_head = head;
    m->free_len = len;
}

/*@ requires va_mem(m);
    requires kind == VA_KIND_SERVER || kind == VA_KIND_CLIENT;
    requires va_jobs_ok(m);
    // the job of `kind` being released no longer counts as live
    requires kind == VA_KIND_SERVER ==>
               m->server_live == va_cnt(m->pool, m->cap, VA_SEL_SRV) + 1 &&
               m->client_live == va_cnt(m->pool, m->cap, VA_SEL_CLI);
    requires kind == VA_KIND_CLIENT ==>
               m->client_live == va_cnt(m->pool, m->cap, VA_SEL_CLI) + 1 &&
               m->server_live == va_cnt(m->pool, m->cap, VA_SEL_SRV);
    requires m->server_live <= m->lim.server_max && m->client_live <= m->lim.client_max;
    requires kind == VA_KIND_SERVER ==> m->server_live >= 1;
    requires kind == VA_KIND_CLIENT ==> m->client_live >= 1;
    assigns m->server_live, m->client_live;
    ensures kind == VA_KIND_SERVER ==>
              m->server_live == \old(m->server_live) - 1 && m->client_live == \old(m->client_live);
    ensures kind == VA_KIND_CLIENT ==>
              m->client_live == \old(m->client_live) - 1 && m->server_live == \old(m->server_live);
    ensures LIVE_OK: va_live_ok(m);
    ensures va_jobs_ok(m);
    VA_KEEPS(va_base_ok(m))
    VA_KEEPS(va_dl_off(m))
    VA_SAME_CORE(m)
    VA_SAME_FL(m)
    VA_SAME_QUEUES_BUT(m, \null)
    VA_SAME_CNT(m)
    VA_KEEPS_QUEUES(m) */
static void live_dec(va_manager *m, uint8_t kind)
{
    if (kind == VA_KIND_SERVER) {
        m->server_live--;
    } else {
        m->client_live--;
    }
}

/* The `release` hook: the slot goes back to the free list with a new
 * generation, so every handle to the old job is stale from now on.  The
 * free slot keeps `st`, the FREE state of its lifecycle (for traces and
 * va_manager_valid). */
/*@ requires va_mem(m) && idx < m->cap && va_fl_ok(m) && va_live_ok(m);
    requires m->pool[idx].kind == VA_KIND_SERVER || m->pool[idx].kind == VA_KIND_CLIENT;
    requires va_jobs_ok(m);
    assigns m->server_live, m->client_live, m->free_head, m->free_len,
            m->pool[idx].kind, m->pool[idx].state, m->pool[idx].gen, m->pool[idx].ctx,
            m->pool[idx].data, m->pool[idx].next, m->pool[idx].prev;
    ensures m->pool[idx].kind == VA_KIND_FREE;
    ensures m->pool[idx].state == st;
    // spec: every handle to the released job is stale from now on
    ensures STALE: m->pool[idx].gen != \old(m->pool[idx].gen) && m->pool[idx].gen >= 1;
    ensures \old(m->pool[idx].kind) == VA_KIND_SERVER ==>
              m->server_live == \old(m->server_live) - 1 && m->client_live == \old(m->client_live);
    ensures \old(m->pool[idx].kind) == VA_KIND_CLIENT ==>
              m->client_live == \old(m->client_live) - 1 && m->server_live == \old(m->server_live);
    ensures m->free_head == idx;
    ensures FL: m->free_len == va_cnt(m->pool, m->cap, VA_SEL_FREE);
    ensures FL_OK: va_fl_ok(m);
    ensures JOBS: va_jobs_ok(m);
    VA_KEEPS(va_base_ok(m))
    ensures LIVE_OK: va_live_ok(m);
    ensures SLOTS_OK: \old(va_slots_to(m, idx, VA_KIND_FREE, st)) ==> va_slots_ok(m);
    // a released job is in no ready queue: a queue that counted every job
    // of its state but this one now counts them all
    ensures Q1: \old(va_q_less(m, &m->exec_q, VA_SEL_SQ, m->pool[idx].kind, m->pool[idx].state)) ==>
                va_queue_ok(m, &m->exec_q, VA_SEL_SQ);
    ensures Q2: \old(va_q_less(m, &m->ssend_q, VA_SEL_SX, m->pool[idx].kind, m->pool[idx].state)) ==>
                va_queue_ok(m, &m->ssend_q, VA_SEL_SX);
    ensures Q3: \old(va_q_less(m, &m->csend_q, VA_SEL_CQ, m->pool[idx].kind, m->pool[idx].state)) ==>
                va_queue_ok(m, &m->csend_q, VA_SEL_CQ);
    ensures \old(va_dl_off(m)) && \old(m->pool[idx].dl_class) == VA_DL_NONE ==> va_dl_off(m);
    VA_SAME_CORE(m)
    VA_SAME_QUEUES_BUT(m, \null)
    ensures \forall integer s; 0 <= s < VA_NSEL ==>
              va_cnt(m->pool, m->cap, s) == \old(va_cnt(m->pool, m->cap, s))
                - va_sel(\old(m->pool[idx].kind), \old(m->pool[idx].state), s)
                + va_sel(VA_KIND_FREE, st, s);
    ensures \forall integer c; va_dcnt(m->pool, m->cap, c) == \old(va_dcnt(m->pool, m->cap, c)); */
static void slot_release(va_manager *m, uint32_t idx, uint8_t st)
{
    uint8_t kind = m->pool[idx].kind;
    uint32_t gen = m->pool[idx].gen;
    uint32_t head = m->free_head;
    uint32_t len = m->free_len;

    job_tag(m, idx, VA_KIND_FREE, st);
    /*@ assert FREE1: va_cnt(m->pool, m->cap, VA_SEL_FREE) == len + 1; */
    /*@ assert Q1: \at(va_q_less(m, &m->exec_q, VA_SEL_SQ, m->pool[idx].kind, m->pool[idx].state), Pre)
                   ==> va_queue_ok(m, &m->exec_q, VA_SEL_SQ); */
    /*@ assert Q2: \at(va_q_less(m, &m->ssend_q, VA_SEL_SX, m->pool[idx].kind, m->pool[idx].state), Pre)
                   ==> va_queue_ok(m, &m->ssend_q, VA_SEL_SX); */
    /*@ assert Q3: \at(va_q_less(m, &m->csend_q, VA_SEL_CQ, m->pool[idx].kind, m->pool[idx].state), Pre)
                   ==> va_queue_ok(m, &m->csend_q, VA_SEL_CQ); */
    live_dec(m, kind);
    /* Generations wrap explicitly and skip 0 so a handle is never 0. */
    set_gen(m, idx, (gen == UINT32_MAX) ? 1u : gen + 1u);
    clear_ptrs(m, idx);
    set_next(m, idx, head);
    set_prev(m, idx, VA_NIL);
    /*@ assert FREE2: va_cnt(m->pool, m->cap, VA_SEL_FREE) == len + 1 && len + 1 <= m->cap; */
    fl_set(m, idx, len + 1u);
    /*@ assert FREE3: m->free_len == len + 1 && m->free_head == idx && idx < m->cap &&
                      va_cnt(m->pool, m->cap, VA_SEL_FREE) == len + 1; */
}

/* Slot index of a live job of `kind` named by `id`, or VA_NIL. */
/*@ requires va_mem(m);
    assigns \nothing;
    ensures \result == VA_NIL || \result < m->cap;
    ensures \result != VA_NIL ==>
              m->pool[\result].kind == kind && \result == id % 4294967296 &&
              m->pool[\result].gen == id / 4294967296;
    // spec: a stale or forged handle is rejected, never misrouted
    ensures FORGED: (id % 4294967296 >= m->cap || id / 4294967296 == 0 ||
             m->pool[id % 4294967296].gen != id / 4294967296 ||
             m->pool[id % 4294967296].kind != kind) ==> \result == VA_NIL; */
static uint32_t lookup(const va_manager *m, va_job_id id, uint8_t kind)
{
    uint32_t idx = (uint32_t)(id % VA_SLOT_SPAN);
    uint32_t gen = (uint32_t)(id / VA_SLOT_SPAN);

    /* spec: a stale or forged handle is rejected, never misrouted */
    if (idx >= m->cap || gen == 0u || m->pool[idx].gen != gen ||
        m->pool[idx].kind != kind) {
        return VA_NIL;
    }
    return idx;
}

/* A job leaves the ready queue of its state (if its state has one): each
 * queue's length then counts every job of its state but this one. */
/*@ requires va_mem(m) && idx < m->cap && va_jobs_ok(m);
    requires va_queue_ok(m, &m->exec_q, VA_SEL_SQ);
    requires va_queue_ok(m, &m->ssend_q, VA_SEL_SX);
    requires va_queue_ok(m, &m->csend_q, VA_SEL_CQ);
    assigns m->exec_q, m->ssend_q, m->csend_q,
            m->pool[0 .. m->cap - 1].next, m->pool[0 .. m->cap - 1].prev;
    ensures L1: va_q_less(m, &m->exec_q, VA_SEL_SQ, m->pool[idx].kind, m->pool[idx].state);
    ensures L2: va_q_less(m, &m->ssend_q, VA_SEL_SX, m->pool[idx].kind, m->pool[idx].state);
    ensures L3: va_q_less(m, &m->csend_q, VA_SEL_CQ, m->pool[idx].kind, m->pool[idx].state);
    ensures va_jobs_ok(m);
    VA_KEEPS(va_base_ok(m))
    VA_KEEPS(va_dl_off(m))
    VA_SAME_CORE(m)
    VA_SAME_LIVE(m)
    VA_SAME_FL(m)
    VA_SAME_CNT(m)
    VA_KEEPS(va_live_ok(m))
    VA_KEEPS(va_fl_ok(m))
    ensures SAME_JOB: m->pool[idx].kind == \old(m->pool[idx].kind) &&
                      m->pool[idx].state == \old(m->pool[idx].state) &&
                      m->pool[idx].dl_class == \old(m->pool[idx].dl_class);
    ensures SLOTS_TO: \forall integer k1, s1;
              \old(va_slots_to(m, idx, k1, s1)) ==> va_slots_to(m, idx, k1, s1); */
static void q_leave(va_manager *m, uint32_t idx)
{
    va_queue *q = queue_of(m, m->pool[idx].kind, m->pool[idx].state);

    /*@ ghost cnt_has(m, idx); */
    if (q != NULL) {
        q_remove(m, q, idx);
    }
}

/* A job joins the ready queue of its state (if its state has one): each
 * queue's length counted every job of its state but this one, and now
 * counts them all. */
/*@ requires va_mem(m) && idx < m->cap && va_jobs_ok(m);
    requires va_q_less(m, &m->exec_q, VA_SEL_SQ, m->pool[idx].kind, m->pool[idx].state);
    requires va_q_less(m, &m->ssend_q, VA_SEL_SX, m->pool[idx].kind, m->pool[idx].state);
    requires va_q_less(m, &m->csend_q, VA_SEL_CQ, m->pool[idx].kind, m->pool[idx].state);
    requires \forall integer s; 0 <= s < VA_NSEL ==> va_cnt(m->pool, m->cap, s) <= m->cap;
    assigns m->exec_q, m->ssend_q, m->csend_q,
            m->pool[0 .. m->cap - 1].next, m->pool[0 .. m->cap - 1].prev;
    ensures J1: va_queue_ok(m, &m->exec_q, VA_SEL_SQ);
    ensures J2: va_queue_ok(m, &m->ssend_q, VA_SEL_SX);
    ensures J3: va_queue_ok(m, &m->csend_q, VA_SEL_CQ);
    ensures va_jobs_ok(m);
    VA_KEEPS(va_base_ok(m))
    VA_KEEPS(va_dl_off(m))
    VA_SAME_CORE(m)
    VA_SAME_LIVE(m)
    VA_SAME_FL(m)
    VA_SAME_CNT(m)
    VA_KEEPS(va_live_ok(m))
    VA_KEEPS(va_fl_ok(m))
    VA_KEEPS(va_slots_ok(m))
    ensures SAME_JOB: m->pool[idx].kind == \old(m->pool[idx].kind) &&
                      m->pool[idx].state == \old(m->pool[idx].state); */
static void q_join(va_manager *m, uint32_t idx)
{
    va_queue *q = queue_of(m, m->pool[idx].kind, m->pool[idx].state);

    if (q != NULL) {
        q_push(m, q, idx);
    }
}

/* The last bookkeeping of a step, shared by both lifecycles: the counters
 * already count the job in `to` (the requires), and after the move the
 * invariant holds again.  A job whose lifecycle reaches FREE (the spec's
 * `release` action) leaves its ready queue and goes back to the free list
 * (job_free); any other job leaves the ready queue of its old state, takes
 * state `to` and joins the queue of that state (job_retag). */
#define VA_MOVE_REQUIRES(m) \
    VA_BASE_CLAUSES(requires, m) \
    requires idx < m->cap; \
    requires kind == VA_KIND_SERVER || kind == VA_KIND_CLIENT; \
    requires m->pool[idx].kind == kind; \
    VA_POOL_IS(m)
#define VA_MOVE_ENSURES(m) \
    VA_BASE_CLAUSES(ensures, m) \
    ensures SLOTS_OK: va_slots_ok(m); \
    ensures va_frame{Pre, Post}(m);

/*@ VA_MOVE_REQUIRES(m)
    requires kind == VA_KIND_SERVER ==> to == VA_SJ_FREE;
    requires kind == VA_KIND_CLIENT ==> to == VA_CJ_FREE;
    // the slot counters no longer count the job
    requires va_slots_to(m, idx, VA_KIND_FREE, to);
    // a released job is off its deadline list
    requires m->pool[idx].dl_class == VA_DL_NONE;
    assigns m->exec_q, m->ssend_q, m->csend_q, m->free_head, m->free_len,
            m->server_live, m->client_live,
            pool[0 .. cap - 1].next, pool[0 .. cap - 1].prev,
            pool[idx].kind, pool[idx].state, pool[idx].gen,
            pool[idx].ctx, pool[idx].data;
    VA_MOVE_ENSURES(m)
    ensures m->pool[idx].kind == VA_KIND_FREE && m->pool[idx].state == to; */
static void job_free(va_manager *m, uint32_t idx, uint8_t kind, uint8_t to)
/*@ ghost (va_job *pool, uint32_t cap) */
{
    /*@ VA_POOL_AT(m) */
    (void)kind; /* the contract's: the kind the job had */
    q_leave(m, idx);
    /* the spec's `release` hook */
    slot_release(m, idx, to);
}

/*@ VA_MOVE_REQUIRES(m)
    requires kind == VA_KIND_SERVER ==> to < VA_SJ_FREE;
    requires kind == VA_KIND_CLIENT ==> to < VA_CJ_FREE;
    // the slot counters already count the job in `to`
    requires va_slots_to(m, idx, kind, to);
    // a job that is completed in `to` is off its deadline list
    requires ((kind == VA_KIND_SERVER && va_sj_completed(to)) ||
              (kind == VA_KIND_CLIENT && va_cj_completed(to))) ==>
               m->pool[idx].dl_class == VA_DL_NONE;
    assigns m->exec_q, m->ssend_q, m->csend_q,
            pool[0 .. cap - 1].next, pool[0 .. cap - 1].prev,
            pool[idx].kind, pool[idx].state;
    VA_MOVE_ENSURES(m)
    ensures m->pool[idx].kind == kind && m->pool[idx].state == to; */
static void job_retag(va_manager *m, uint32_t idx, uint8_t kind, uint8_t to)
/*@ ghost (va_job *pool, uint32_t cap) */
{
    /*@ VA_POOL_AT(m) */
    q_leave(m, idx);
    job_tag(m, idx, kind, to);
    q_join(m, idx);
}

/* The writer of the execute/send slot counters (the steps' acquire and
 * release hooks). */
/*@ requires va_mem(m) && va_jobs_ok(m);
    assigns m->exec_count, m->send_count;
    ensures m->exec_count == e && m->send_count == sc;
    ensures va_jobs_ok(m);
    VA_KEEPS_INV(m)
    VA_SAME_CNT(m) */
static void set_slots(va_manager *m, uint32_t e, uint32_t sc)
{
    m->exec_count = e;
    m->send_count = sc;
}

/* The `store_result` / `store_response` hook.  The fields are read before
 * any is written. */
/*@ requires va_mem(m) && idx < m->cap && \valid_read(r);
    requires \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    assigns m->pool[idx].code, m->pool[idx].data, m->pool[idx].len;
    ensures m->pool[idx].code == \old(r->code) && m->pool[idx].len == \old(r->len);
    ensures \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    ensures \forall integer s; 0 <= s < VA_NSEL ==>
              va_cnt(m->pool, m->cap, s) == \old(va_cnt(m->pool, m->cap, s));
    ensures \forall integer c; va_dcnt(m->pool, m->cap, c) == \old(va_dcnt(m->pool, m->cap, c));
    VA_HOOK_KEEPS(m, idx)
    ensures SAME_DL: m->pool[idx].dl_class == \old(m->pool[idx].dl_class);
    ensures SAME_SLOTS: m->exec_count == \old(m->exec_count) && m->send_count == \old(m->send_count); */
static void set_result(va_manager *m, uint32_t idx, const va_result *r)
{
    int32_t code = r->code;
    uint32_t len = r->len;
    const uint8_t *data = r->data;

    m->pool[idx].code = code;
    m->pool[idx].data = data;
    m->pool[idx].len = len;
}

/* ---- the steps' hooks -----------------------------------------------------
 * Each bookkeeping hook of a step (spec/server_job.rl, spec/client_job.rl)
 * is a small function whose contract says which pieces of the invariant it
 * keeps (VA_HOOK_KEEPS); the step chains them, then moves the job
 * (job_free / job_retag) and calls out (sj_call_out / cj_call_out). */

/* A transition that sets no status. */
#define VA_NO_STATUS 0xFFu

/*@ requires va_inv(m);
    assigns m->stats.events;
    ensures va_inv(m) && va_frame{Pre, Post}(m); */
static void count_event(va_manager *m)
{
    m->stats.events++;
}

/* The `set_*` status hook: the job's status. */
/*@ requires va_mem(m) && idx < m->cap && v < VA_STATUS_COUNT && va_jobs_ok(m);
    VA_POOL_IS(m)
    assigns pool[idx].status;
    ensures m->pool[idx].status == v;
    ensures SAME_DL: m->pool[idx].dl_class == \old(m->pool[idx].dl_class);
    VA_HOOK_KEEPS(m, idx) */
static void job_status(va_manager *m, uint32_t idx, uint8_t v)
/*@ ghost (va_job *pool, uint32_t cap) */
{
    /*@ VA_POOL_AT(m) */
    set_status(m, idx, v);
}

/* The `complete` hook's bookkeeping: the job leaves its deadline list (it
 * can time out at most once) and is counted as completed. */
/*@ requires va_mem(m) && idx < m->cap && va_jobs_ok(m) && va_dl_ok(m);
    VA_POOL_IS(m)
    assigns pool[idx].dl_class,
            pool[0 .. cap - 1].dl_next, pool[0 .. cap - 1].dl_prev,
            m->dl[0 .. VA_TIMEOUT_CLASSES - 1],
            m->stats.completions[0 .. VA_STATUS_COUNT - 1];
    ensures m->pool[idx].dl_class == VA_DL_NONE;
    VA_HOOK_KEEPS(m, idx) */
static void job_done(va_manager *m, uint32_t idx)
/*@ ghost (va_job *pool, uint32_t cap) */
{
    /*@ VA_POOL_AT(m) */
    uint8_t st = m->pool[idx].status;

    dl_remove(m, idx);
    m->stats.completions[st]++;
}

/* The acquire / release hooks of a server job's transition (from, ev): the
 * slot counters then count the job in its new state. */
/*@ requires va_mem(m) && va_jobs_ok(m) && va_slots_ok(m);
    requires idx < m->cap && m->pool[idx].kind == VA_KIND_SERVER;
    requires from == m->pool[idx].state && ev < VA_SJ_NEVENTS;
    requires va_sj_next[from][ev] != VA_SJ_REJECT && acts == va_sj_actions[from][ev];
    requires VA_SJ_FACTS(from, ev);
    requires ev == VA_SJ_EV_EXEC_START ==> m->exec_count < m->lim.exec_max;
    requires ev == VA_SJ_EV_SEND_START ==> m->send_count < m->lim.send_max;
    assigns m->exec_count, m->send_count;
    ensures SLOTS_TO: va_slots_to(m, idx, va_sj_next[from][ev] == VA_SJ_FREE ?
                                  VA_KIND_FREE : VA_KIND_SERVER, va_sj_next[from][ev]);
    ensures va_jobs_ok(m);
    VA_KEEPS_INV(m)
    VA_SAME_CNT(m) */
static void sj_slots(va_manager *m, uint16_t acts)
/*@ ghost (uint32_t idx, uint8_t from, uint8_t ev) */
{
    uint32_t ec = m->exec_count;
    uint32_t sc = m->send_count;

    /*@ ghost cnt_has(m, idx); */
    if (acts & VA_SJ_DO_RELEASE_EXEC) {
        ec--;
    }
    if (acts & VA_SJ_DO_RELEASE_SEND) {
        sc--;
    }
    if (acts & VA_SJ_DO_ACQUIRE_EXEC) {
        ec++;
    }
    if (acts & VA_SJ_DO_ACQUIRE_SEND) {
        sc++;
    }
    set_slots(m, ec, sc);
}

/* The same for a client job (send slots only). */
/*@ requires va_mem(m) && va_jobs_ok(m) && va_slots_ok(m);
    requires idx < m->cap && m->pool[idx].kind == VA_KIND_CLIENT;
    requires from == m->pool[idx].state && ev < VA_CJ_NEVENTS;
    requires va_cj_next[from][ev] != VA_CJ_REJECT && acts == va_cj_actions[from][ev];
    requires VA_CJ_FACTS(from, ev);
    requires ev == VA_CJ_EV_SEND_START ==> m->send_count < m->lim.send_max;
    assigns m->exec_count, m->send_count;
    ensures SLOTS_TO: va_slots_to(m, idx, va_cj_next[from][ev] == VA_CJ_FREE ?
                                  VA_KIND_FREE : VA_KIND_CLIENT, va_cj_next[from][ev]);
    ensures va_jobs_ok(m);
    VA_KEEPS_INV(m)
    VA_SAME_CNT(m) */
static void cj_slots(va_manager *m, uint16_t acts)
/*@ ghost (uint32_t idx, uint8_t from, uint8_t ev) */
{
    uint32_t sc = m->send_count;

    /*@ ghost cnt_has(m, idx); */
    if (acts & VA_CJ_DO_RELEASE_SEND) {
        sc--;
    }
    if (acts & VA_CJ_DO_ACQUIRE_SEND) {
        sc++;
    }
    set_slots(m, m->exec_count, sc);
}

/* The status hooks both lifecycles share, in action-list order after the
 * lifecycle's own (`st`): the last `set_*` hook of a list wins, as when
 * the hooks ran one by one. */
/*@ requires st < VA_STATUS_COUNT || st == VA_NO_STATUS;
    assigns \nothing;
    ensures \result < VA_STATUS_COUNT || \result == VA_NO_STATUS; */
static uint8_t status_end(uint8_t st, int cancelled, int timed_out, int disconnected)
{
    if (cancelled) {
        st = (uint8_t)VA_STATUS_CANCELLED;
    }
    if (timed_out) {
        st = (uint8_t)VA_STATUS_TIMED_OUT;
    }
    if (disconnected) {
        st = (uint8_t)VA_STATUS_DISCONNECTED;
    }
    return st;
}

/* The status a server transition sets, or VA_NO_STATUS. */
/*@ assigns \nothing;
    ensures \result < VA_STATUS_COUNT || \result == VA_NO_STATUS; */
static uint8_t sj_status_of(uint16_t acts)
{
    uint8_t st = (acts & VA_SJ_DO_SET_OK) ? (uint8_t)VA_STATUS_OK : (uint8_t)VA_NO_STATUS;

    return status_end(st, (acts & VA_SJ_DO_SET_CANCELLED) != 0,
                      (acts & VA_SJ_DO_SET_TIMED_OUT) != 0,
                      (acts & VA_SJ_DO_SET_DISCONNECTED) != 0);
}

/* The same for a client transition; `store_response` decides the status
 * from the stored response code (a BUSY answer means the peer refused the
 * job: rejected). */
/*@ assigns \nothing;
    ensures \result < VA_STATUS_COUNT || \result == VA_NO_STATUS; */
static uint8_t cj_status_of(uint16_t acts, int32_t code)
{
    uint8_t st = VA_NO_STATUS;

    if (acts & VA_CJ_DO_STORE_RESPONSE) {
        if (code == VA_RESULT_CODE_OK) {
            st = (uint8_t)VA_STATUS_OK;
        } else if (code == VA_RESULT_CODE_BUSY) {
            st = (uint8_t)VA_STATUS_REJECTED;
        } else {
            st = (uint8_t)VA_STATUS_REMOTE_ERROR;
        }
    }
    return status_end(st, (acts & VA_CJ_DO_SET_CANCELLED) != 0,
                      (acts & VA_CJ_DO_SET_TIMED_OUT) != 0,
                      (acts & VA_CJ_DO_SET_DISCONNECTED) != 0);
}

/*@ requires \valid_read(m) && (m->trace == \null || m->trace == &va_model_trace);
    assigns \nothing; */
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
    /*@ calls va_model_trace; */
    m->trace(m->trace_ctx, &te);
}

/* ---- call-outs ------------------------------------------------------------
 * A step's call-outs, in spec order.  The manager is consistent (va_inv)
 * before each one, and each leaves it consistent (the ops model). */

/*@ requires va_inv(m);
    requires \valid_read(res);
    requires 0 <= status < VA_STATUS_COUNT;
    VA_POOL_IS(m)
    assigns *m, pool[0 .. cap - 1];
    ensures va_inv(m) && va_frame{Pre, Post}(m); */
static void sj_call_out(va_manager *m, va_job_id id, void *ctx, uint16_t acts,
                        const va_result *res, va_status status)
/*@ ghost (va_job *pool, uint32_t cap) */
{
    /*@ VA_POOL_AT(m) */
    if (acts & VA_SJ_DO_EXECUTE) {
        /*@ calls va_model_sj_execute; */
        m->sops->execute(m, id, ctx, m->ops_ctx);
    }
    if (acts & VA_SJ_DO_SEND) {
        /*@ calls va_model_sj_send; */
        m->sops->send(m, id, ctx, res, m->ops_ctx);
    }
    if (acts & VA_SJ_DO_COMPLETE) {
        /*@ calls va_model_sj_complete; */
        m->sops->complete(m, id, ctx, status, m->ops_ctx);
    }
    if (acts & VA_SJ_DO_CANCEL) {
        /*@ calls va_model_sj_cancel; */
        m->sops->cancel(m, id, ctx, m->ops_ctx);
    }
}

/*@ requires va_inv(m);
    requires 0 <= status < VA_STATUS_COUNT;
    requires \valid_read(resp);
    VA_POOL_IS(m)
    assigns *m, pool[0 .. cap - 1];
    ensures va_inv(m) && va_frame{Pre, Post}(m); */
static void cj_call_out(va_manager *m, va_job_id id, void *ctx, uint16_t acts,
                        const va_result *resp, va_status status)
/*@ ghost (va_job *pool, uint32_t cap) */
{
    /*@ VA_POOL_AT(m) */
    if (acts & VA_CJ_DO_SEND) {
        /*@ calls va_model_cj_send; */
        m->cops->send(m, id, ctx, m->ops_ctx);
    }
    if (acts & VA_CJ_DO_ABORT) {
        /*@ calls va_model_cj_abort; */
        m->cops->abort(m, id, ctx, m->ops_ctx);
    }
    if (acts & VA_CJ_DO_COMPLETE) {
        /* the response only when this transition stored one (`resp` is
         * always passed in, so that the step's copy of it stays a local
         * value for WP rather than memory) */
        /*@ calls va_model_cj_complete; */
        m->cops->complete(m, id, ctx, status,
                          (acts & VA_CJ_DO_STORE_RESPONSE) ? resp : NULL, m->ops_ctx);
    }
}

/* ---- lifecycle steps --------------------------------------------------- */

/* The generated tables' exactly-once and slot-accounting facts
 * (VA_SJ_FACTS / VA_CJ_FACTS in proofs/va_manager.acsl.h), proved from the
 * tables' constant contents: one assert per (state, event) pair, decided on
 * the concrete entry.  Ghost code: nothing is compiled. */
/*@ ghost
  /@ requires from < VA_SJ_FREE && ev < VA_SJ_NEVENTS;
     assigns \nothing;
     ensures VA_SJ_FACTS(from, ev); @/
  static void sj_facts(uint8_t from, uint8_t ev)
  {
    /@ assert from == 0 || from == 1 || from == 2 || from == 3 || from == 4 || from == 5; @/
    /@ assert ev == 0 || ev == 1 || ev == 2 || ev == 3 || ev == 4 || ev == 5 || ev == 6; @/
    /@ assert from == 0 && ev == 0 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 0 && ev == 1 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 0 && ev == 2 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 0 && ev == 3 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 0 && ev == 4 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 0 && ev == 5 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 0 && ev == 6 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 1 && ev == 0 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 1 && ev == 1 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 1 && ev == 2 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 1 && ev == 3 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 1 && ev == 4 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 1 && ev == 5 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 1 && ev == 6 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 2 && ev == 0 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 2 && ev == 1 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 2 && ev == 2 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 2 && ev == 3 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 2 && ev == 4 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 2 && ev == 5 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 2 && ev == 6 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 3 && ev == 0 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 3 && ev == 1 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 3 && ev == 2 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 3 && ev == 3 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 3 && ev == 4 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 3 && ev == 5 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 3 && ev == 6 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 4 && ev == 0 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 4 && ev == 1 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 4 && ev == 2 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 4 && ev == 3 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 4 && ev == 4 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 4 && ev == 5 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 4 && ev == 6 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 5 && ev == 0 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 5 && ev == 1 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 5 && ev == 2 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 5 && ev == 3 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 5 && ev == 4 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 5 && ev == 5 ==> VA_SJ_FACTS(from, ev); @/
    /@ assert from == 5 && ev == 6 ==> VA_SJ_FACTS(from, ev); @/
  }
*/

/*@ ghost
  /@ requires from < VA_CJ_FREE && ev < VA_CJ_NEVENTS;
     assigns \nothing;
     ensures VA_CJ_FACTS(from, ev); @/
  static void cj_facts(uint8_t from, uint8_t ev)
  {
    /@ assert from == 0 || from == 1 || from == 2 || from == 3 || from == 4; @/
    /@ assert ev == 0 || ev == 1 || ev == 2 || ev == 3 || ev == 4 || ev == 5; @/
    /@ assert from == 0 && ev == 0 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 0 && ev == 1 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 0 && ev == 2 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 0 && ev == 3 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 0 && ev == 4 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 0 && ev == 5 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 1 && ev == 0 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 1 && ev == 1 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 1 && ev == 2 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 1 && ev == 3 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 1 && ev == 4 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 1 && ev == 5 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 2 && ev == 0 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 2 && ev == 1 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 2 && ev == 2 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 2 && ev == 3 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 2 && ev == 4 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 2 && ev == 5 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 3 && ev == 0 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 3 && ev == 1 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 3 && ev == 2 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 3 && ev == 3 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 3 && ev == 4 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 3 && ev == 5 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 4 && ev == 0 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 4 && ev == 1 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 4 && ev == 2 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 4 && ev == 3 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 4 && ev == 4 ==> VA_CJ_FACTS(from, ev); @/
    /@ assert from == 4 && ev == 5 ==> VA_CJ_FACTS(from, ev); @/
  }
*/

/* Feed one event to a server job: the hooks of spec/server_job.rl. */
/*@ requires va_inv(m);
    requires idx < m->cap && m->pool[idx].kind == VA_KIND_SERVER;
    requires ev < VA_SJ_NEVENTS;
    requires ev == VA_SJ_EV_EXEC_DONE ==> \valid_read(m->pending);
    // the start events take a slot: their caller (pump) checks the limit
    requires ev == VA_SJ_EV_EXEC_START ==> m->exec_count < m->lim.exec_max;
    requires ev == VA_SJ_EV_SEND_START ==> m->send_count < m->lim.send_max;
    assigns VA_MGR_ALL(m);
    ensures va_inv(m) && va_frame{Pre, Post}(m);
    behavior rejected:
      assumes va_sj_next[m->pool[idx].state][ev] == VA_SJ_REJECT;
      // spec: an illegal event is rejected and the state is unchanged
      ensures \result == VA_ERR_STATE;
      ensures m->pool[idx].kind == \old(m->pool[idx].kind);
      ensures m->pool[idx].state == \old(m->pool[idx].state);
      ensures m->pool[idx].gen == \old(m->pool[idx].gen);
      assigns m->stats.rejected_events;
    behavior accepted:
      assumes va_sj_next[m->pool[idx].state][ev] != VA_SJ_REJECT;
      ensures \result == VA_OK;
    complete behaviors;
    disjoint behaviors; */
static int sj_step(va_manager *m, uint32_t idx, uint8_t ev)
{
    uint8_t from = m->pool[idx].state;
    uint8_t to;
    uint8_t st;
    uint16_t acts;
    va_job_id id = make_id(idx, m->pool[idx].gen);
    void *ctx = m->pool[idx].ctx;
    va_result res;
    va_status status;
    /* the pool and its size at entry: the hooks' assigns are stated on them */
    /*@ ghost va_job *pool0 = m->pool; */
    /*@ ghost uint32_t cap0 = m->cap; */

    /*@ assert from == 0 || from == 1 || from == 2 || from == 3 || from == 4 || from == 5; */
    /*@ assert ev == 0 || ev == 1 || ev == 2 || ev == 3 || ev == 4 || ev == 5 || ev == 6; */
    to = va_sj_next[from][ev];
    if (to == VA_SJ_REJECT) {
        /* spec: an illegal event is rejected and the state is unchanged */
        m->stats.rejected_events++;
        trace_step(m, id, VA_KIND_SERVER, ev, from, 0xFFu, 0u);
        return VA_ERR_STATE;
    }
    acts = va_sj_actions[from][ev];
    /*@ ghost sj_facts(from, ev); */
    /*@ assert to < VA_SJ_NSTATES; */
    /* spec: exactly once.  A transition completes the job iff it leaves the
     * not-yet-completed states; completed states only lead to completed
     * states or FREE; a job becomes FREE only by a transition that
     * releases its slot (which makes every handle to it stale). */
    /*@ assert ((acts & VA_SJ_DO_COMPLETE) != 0) <==>
               (!va_sj_completed(from) && (va_sj_completed(to) || to == VA_SJ_FREE)); */
    /*@ assert va_sj_completed(from) ==> (va_sj_completed(to) || to == VA_SJ_FREE); */
    /*@ assert ((acts & VA_SJ_DO_RELEASE) != 0) <==> to == VA_SJ_FREE; */
    /*@ assert DL0: va_sj_completed(from) ==> m->pool[idx].dl_class == VA_DL_NONE; */
    count_event(m);

    /* bookkeeping hooks, in spec order */
    sj_slots(m, acts) /*@ ghost (idx, from, ev) */;
    if (acts & VA_SJ_DO_STORE_RESULT) {
        set_result(m, idx, m->pending);
    }
    st = sj_status_of(acts);
    if (st != VA_NO_STATUS) {
        job_status(m, idx, st) /*@ ghost (pool0, cap0) */;
    }
    if (acts & VA_SJ_DO_COMPLETE) {
        job_done(m, idx) /*@ ghost (pool0, cap0) */;
    }
    /*@ assert STATUS: m->pool[idx].status < VA_STATUS_COUNT; */
    res.code = m->pool[idx].code;
    res.data = m->pool[idx].data;
    res.len = m->pool[idx].len;
    status = (va_status)m->pool[idx].status;
    if (acts & VA_SJ_DO_RELEASE) {
        job_free(m, idx, VA_KIND_SERVER, to) /*@ ghost (pool0, cap0) */;
    } else {
        job_retag(m, idx, VA_KIND_SERVER, to) /*@ ghost (pool0, cap0) */;
    }
    /*@ assert INV: va_inv(m); */
    trace_step(m, id, VA_KIND_SERVER, ev, from, to, acts);
    /* spec: exactly once (the completion is made from a live, not yet
     * completed state) */
    /*@ assert ONCE: (acts & VA_SJ_DO_COMPLETE) != 0 ==>
                     !va_sj_completed(from) && from != VA_SJ_FREE; */
    sj_call_out(m, id, ctx, acts, &res, status) /*@ ghost (pool0, cap0) */;
    return VA_OK;
}

/* Feed one event to a client job: the hooks of spec/client_job.rl. */
/*@ requires va_inv(m);
    requires idx < m->cap && m->pool[idx].kind == VA_KIND_CLIENT;
    requires ev < VA_CJ_NEVENTS;
    requires ev == VA_CJ_EV_RESPONSE ==> \valid_read(m->pending);
    // the start event takes a send slot: its caller (pump) checks the limit
    requires ev == VA_CJ_EV_SEND_START ==> m->send_count < m->lim.send_max;
    assigns VA_MGR_ALL(m);
    ensures va_inv(m) && va_frame{Pre, Post}(m);
    behavior rejected:
      assumes va_cj_next[m->pool[idx].state][ev] == VA_CJ_REJECT;
      // spec: an illegal event is rejected and the state is unchanged
      ensures \result == VA_ERR_STATE;
      ensures m->pool[idx].kind == \old(m->pool[idx].kind);
      ensures m->pool[idx].state == \old(m->pool[idx].state);
      ensures m->pool[idx].gen == \old(m->pool[idx].gen);
      assigns m->stats.rejected_events;
    behavior accepted:
      assumes va_cj_next[m->pool[idx].state][ev] != VA_CJ_REJECT;
      ensures \result == VA_OK;
    complete behaviors;
    disjoint behaviors; */
static int cj_step(va_manager *m, uint32_t idx, uint8_t ev)
{
    uint8_t from = m->pool[idx].state;
    uint8_t to;
    uint8_t st;
    uint16_t acts;
    va_job_id id = make_id(idx, m->pool[idx].gen);
    void *ctx = m->pool[idx].ctx;
    va_result resp;
    va_status status;
    /* the pool and its size at entry: the hooks' assigns are stated on them */
    /*@ ghost va_job *pool0 = m->pool; */
    /*@ ghost uint32_t cap0 = m->cap; */

    /*@ assert from == 0 || from == 1 || from == 2 || from == 3 || from == 4; */
    /*@ assert ev == 0 || ev == 1 || ev == 2 || ev == 3 || ev == 4 || ev == 5; */
    to = va_cj_next[from][ev];
    if (to == VA_CJ_REJECT) {
        /* spec: an illegal event is rejected and the state is unchanged */
        m->stats.rejected_events++;
        trace_step(m, id, VA_KIND_CLIENT, ev, from, 0xFFu, 0u);
        return VA_ERR_STATE;
    }
    acts = va_cj_actions[from][ev];
    /*@ ghost cj_facts(from, ev); */
    /*@ assert to < VA_CJ_NSTATES; */
    /* spec: exactly once.  A transition completes the job iff it leaves the
     * not-yet-completed states; completed states only lead to completed
     * states or FREE; a job becomes FREE only by a transition that
     * releases its slot (which makes every handle to it stale). */
    /*@ assert ((acts & VA_CJ_DO_COMPLETE) != 0) <==>
               (!va_cj_completed(from) && (va_cj_completed(to) || to == VA_CJ_FREE)); */
    /*@ assert va_cj_completed(from) ==> (va_cj_completed(to) || to == VA_CJ_FREE); */
    /*@ assert ((acts & VA_CJ_DO_RELEASE) != 0) <==> to == VA_CJ_FREE; */
    /*@ assert DL0: va_cj_completed(from) ==> m->pool[idx].dl_class == VA_DL_NONE; */
    count_event(m);

    /* bookkeeping hooks, in spec order */
    cj_slots(m, acts) /*@ ghost (idx, from, ev) */;
    if (acts & VA_CJ_DO_STORE_RESPONSE) {
        set_result(m, idx, m->pending);
    }
    st = cj_status_of(acts, m->pool[idx].code);
    if (st != VA_NO_STATUS) {
        job_status(m, idx, st) /*@ ghost (pool0, cap0) */;
    }
    if (acts & VA_CJ_DO_COMPLETE) {
        job_done(m, idx) /*@ ghost (pool0, cap0) */;
    }
    /*@ assert STATUS: m->pool[idx].status < VA_STATUS_COUNT; */
    resp.code = m->pool[idx].code;
    resp.data = m->pool[idx].data;
    resp.len = m->pool[idx].len;
    status = (va_status)m->pool[idx].status;
    if (acts & VA_CJ_DO_RELEASE) {
        job_free(m, idx, VA_KIND_CLIENT, to) /*@ ghost (pool0, cap0) */;
    } else {
        job_retag(m, idx, VA_KIND_CLIENT, to) /*@ ghost (pool0, cap0) */;
    }
    /*@ assert INV: va_inv(m); */
    trace_step(m, id, VA_KIND_CLIENT, ev, from, to, acts);
    /* spec: exactly once (the completion is made from a live, not yet
     * completed state) */
    /*@ assert ONCE: (acts & VA_CJ_DO_COMPLETE) != 0 ==>
                     !va_cj_completed(from) && from != VA_CJ_FREE; */
    cj_call_out(m, id, ctx, acts, &resp, status) /*@ ghost (pool0, cap0) */;
    return VA_OK;
}

/*@ requires va_inv(m);
    requires idx < m->cap && m->pool[idx].kind != VA_KIND_FREE;
    requires sj_ev < VA_SJ_NEVENTS && cj_ev < VA_CJ_NEVENTS;
    requires sj_ev != VA_SJ_EV_EXEC_DONE && cj_ev != VA_CJ_EV_RESPONSE;
    // not a start event: those take a slot, and only pump feeds them
    requires sj_ev != VA_SJ_EV_EXEC_START && sj_ev != VA_SJ_EV_SEND_START &&
             cj_ev != VA_CJ_EV_SEND_START;
    assigns VA_MGR_ALL(m);
    ensures va_inv(m) && va_frame{Pre, Post}(m);
    ensures \result == VA_OK || \result == VA_ERR_STATE; */
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
/* Termination: each iteration starts one job, but call-outs may submit new
 * ones; it is not proved (docs/proofs.md), so the loop has no variant. */
/*@ requires va_inv(m);
    assigns VA_MGR_ALL(m);
    ensures va_inv(m) && va_frame{Pre, Post}(m); */
static void pump(va_manager *m)
{
    if (m->pumping) {
        return;
    }
    m->pumping = 1;
    /*@ loop invariant va_inv(m) && va_frame{Pre, Here}(m);
        loop assigns VA_MGR_ALL(m); */
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

/* init_fields copies the limits and init_slot sets a slot field by field
 * (one ensures per field for WP): a new field must be added there too. */
#ifndef __FRAMAC__
_Static_assert(sizeof(va_limits) == 5u * sizeof(uint32_t),
               "va_limits gained a field: copy it in init_fields");
_Static_assert(sizeof(va_job) == 64u, "va_job changed: set every field in init_slot");
#endif

/* va_manager_init, part 1: every manager field.  Its own function so that
 * its contract is the frame the invariant needs (the fields share memory
 * types with the pool in the proof model). */
/*@ requires \valid(m) && \valid_read(l) && \valid_read(sops) && \valid_read(cops);
    requires \separated(m, l) && \separated(m, sops) && \separated(m, cops);
    requires sops->execute == &va_model_sj_execute && sops->send == &va_model_sj_send &&
             sops->complete == &va_model_sj_complete && sops->cancel == &va_model_sj_cancel &&
             cops->send == &va_model_cj_send && cops->abort == &va_model_cj_abort &&
             cops->complete == &va_model_cj_complete;
    assigns *m;
    ensures m->pool == pool && m->cap == capacity;
    ensures m->sops == sops && m->cops == cops;
    ensures va_ops_model(m);
    ensures m->lim.send_max == l->send_max && m->lim.exec_max == l->exec_max &&
            m->lim.client_max == l->client_max && m->lim.server_max == l->server_max &&
            m->lim.starve_max == l->starve_max;
    ensures m->exec_count == 0 && m->send_count == 0 &&
            m->server_live == 0 && m->client_live == 0;
    ensures m->exec_q.head == VA_NIL && m->exec_q.tail == VA_NIL && m->exec_q.len == 0;
    ensures m->ssend_q.head == VA_NIL && m->ssend_q.tail == VA_NIL && m->ssend_q.len == 0;
    ensures m->csend_q.head == VA_NIL && m->csend_q.tail == VA_NIL && m->csend_q.len == 0;
    ensures m->free_head == 0 && m->free_len == capacity;
    ensures \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==>
              m->dl[c].head == VA_NIL && m->dl[c].tail == VA_NIL && m->dl[c].len == 0; */
static void init_fields(va_manager *m, va_job *pool, uint32_t capacity, const va_limits *l,
                        const va_server_ops *sops, const va_client_ops *cops, void *ops_ctx)
{
    uint32_t i;

    m->pool = pool;
    m->cap = capacity;
    m->lim.send_max = l->send_max;
    m->lim.exec_max = l->exec_max;
    m->lim.client_max = l->client_max;
    m->lim.server_max = l->server_max;
    m->lim.starve_max = l->starve_max;
    m->sops = sops;
    m->cops = cops;
    m->ops_ctx = ops_ctx;
    m->trace = NULL;
    m->trace_ctx = NULL;
    m->exec_q.head = VA_NIL;
    m->exec_q.tail = VA_NIL;
    m->exec_q.len = 0;
    m->ssend_q.head = VA_NIL;
    m->ssend_q.tail = VA_NIL;
    m->ssend_q.len = 0;
    m->csend_q.head = VA_NIL;
    m->csend_q.tail = VA_NIL;
    m->csend_q.len = 0;
    m->exec_count = 0;
    m->send_count = 0;
    m->server_live = 0;
    m->client_live = 0;
    m->starve_streak = 0;
    m->pending = NULL;
    m->pumping = 0;
    m->epoch = 0;
    m->stats = (va_manager_stats){ 0 };
    /* the pool is one free list 0 -> 1 -> ... -> capacity-1 */
    m->free_head = 0;
    m->free_len = capacity;
    /* the deadline lists, empty */
    /*@ loop invariant 0 <= i <= VA_TIMEOUT_CLASSES;
        loop invariant \forall integer c; 0 <= c < i ==>
                         m->dl[c].head == VA_NIL && m->dl[c].tail == VA_NIL && m->dl[c].len == 0;
        loop assigns i, m->dl[0 .. VA_TIMEOUT_CLASSES - 1];
        loop variant VA_TIMEOUT_CLASSES - i; */
    for (i = 0; i < VA_TIMEOUT_CLASSES; i++) {
        m->dl[i].timeout = 0;
        m->dl[i].head = VA_NIL;
        m->dl[i].tail = VA_NIL;
        m->dl[i].len = 0;
    }
}

/* One free slot of generation 1 whose free-list successor is `next`. */
/*@ requires \valid_read(m) && \valid(j) && \separated(m, j);
    requires va_link_ok(m, next);
    assigns *j;
    ensures j->kind == VA_KIND_FREE && j->dl_class == VA_DL_NONE && va_job_ok(m, j); */
static void init_slot(const va_manager *m, va_job *j, uint32_t next)
{
    (void)m;
    j->ctx = NULL;
    j->data = NULL;
    j->deadline = 0;
    j->gen = 1;
    j->next = next;
    j->prev = VA_NIL;
    j->dl_next = VA_NIL;
    j->dl_prev = VA_NIL;
    j->len = 0;
    j->code = 0;
    j->kind = VA_KIND_FREE;
    j->state = 0;
    j->status = 0;
    j->dl_class = VA_DL_NONE;
    j->epoch = 0;
}

/* va_manager_init, part 2: every slot free, generation 1, on no list but
 * the free list.  Ghost loop: over an all-free pool only the FREE selector
 * counts (every slot), and no slot is on a deadline list. */
/*@ requires \valid_read(m) && m->pool == pool && m->cap == capacity;
    requires 0 < capacity < VA_NIL;
    requires \valid(pool + (0 .. capacity - 1));
    requires \separated(m, pool + (0 .. capacity - 1));
    requires \valid_read(m->sops) && \valid_read(m->cops);
    requires \separated(m->sops, pool + (0 .. capacity - 1)) &&
             \separated(m->cops, pool + (0 .. capacity - 1));
    requires va_ops_model(m);
    assigns pool[0 .. capacity - 1];
    ensures va_ops_model(m);
    ensures \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k);
    ensures \forall integer k; 0 <= k < m->cap ==>
              m->pool[k].kind == VA_KIND_FREE && m->pool[k].dl_class == VA_DL_NONE;
    ensures \forall integer s; 0 <= s < VA_NSEL ==>
              va_cnt(m->pool, m->cap, s) == (s == VA_SEL_FREE ? m->cap : 0);
    ensures \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==>
              va_dcnt(m->pool, m->cap, c) == 0; */
static void init_pool(const va_manager *m, va_job *pool, uint32_t capacity)
{
    uint32_t i;

    (void)m;
    /*@ loop invariant 0 <= i <= capacity;
        loop invariant \forall integer k; 0 <= k < i ==>
                         pool[k].kind == VA_KIND_FREE && pool[k].dl_class == VA_DL_NONE &&
                         va_job_ok(m, pool + k);
        loop assigns i, pool[0 .. capacity - 1];
        loop variant capacity - i; */
    for (i = 0; i < capacity; i++) {
        init_slot(m, &pool[i], (i + 1u < capacity) ? i + 1u : VA_NIL);
    }
    /*@ ghost
      uint32_t k;
      /@ loop invariant 0 <= k <= capacity;
         loop invariant \forall integer s; 0 <= s < VA_NSEL ==>
                          va_cnt(pool, k, s) == (s == VA_SEL_FREE ? k : 0);
         loop invariant \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==>
                          va_dcnt(pool, k, c) == 0;
         loop assigns k;
         loop variant capacity - k; @/
      for (k = 0; k < capacity; k++) {
      }
    */
}

/*@ requires m == \null || \valid(m);
    requires pool == \null || \valid(pool + (0 .. capacity - 1));
    requires lim == \null || \valid_read(lim);
    requires sops == \null || \valid_read(sops);
    requires cops == \null || \valid_read(cops);
    requires \separated(m, pool + (0 .. capacity - 1));
    // the generated tables are constants the caller's memory never overlaps
    requires \separated(m, &va_sj_next[0 .. VA_SJ_NSTATES - 1][0 .. VA_SJ_NEVENTS - 1],
               &va_sj_actions[0 .. VA_SJ_NSTATES - 1][0 .. VA_SJ_NEVENTS - 1],
               &va_cj_next[0 .. VA_CJ_NSTATES - 1][0 .. VA_CJ_NEVENTS - 1],
               &va_cj_actions[0 .. VA_CJ_NSTATES - 1][0 .. VA_CJ_NEVENTS - 1]);
    requires \separated(pool + (0 .. capacity - 1),
               &va_sj_next[0 .. VA_SJ_NSTATES - 1][0 .. VA_SJ_NEVENTS - 1],
               &va_sj_actions[0 .. VA_SJ_NSTATES - 1][0 .. VA_SJ_NEVENTS - 1],
               &va_cj_next[0 .. VA_CJ_NSTATES - 1][0 .. VA_CJ_NEVENTS - 1],
               &va_cj_actions[0 .. VA_CJ_NSTATES - 1][0 .. VA_CJ_NEVENTS - 1]);
    requires sops == \null || \separated(sops, m, pool + (0 .. capacity - 1));
    requires cops == \null || \separated(cops, m, pool + (0 .. capacity - 1));
    requires sops == \null || cops == \null || (
               (sops->execute == \null || sops->execute == &va_model_sj_execute) &&
               (sops->send == \null || sops->send == &va_model_sj_send) &&
               (sops->complete == \null || sops->complete == &va_model_sj_complete) &&
               (sops->cancel == \null || sops->cancel == &va_model_sj_cancel) &&
               (cops->send == \null || cops->send == &va_model_cj_send) &&
               (cops->abort == \null || cops->abort == &va_model_cj_abort) &&
               (cops->complete == \null || cops->complete == &va_model_cj_complete));
    assigns *m, pool[0 .. capacity - 1];
    ensures \result == VA_OK || \result == VA_ERR_INVAL;
    ensures \result == VA_OK ==> va_inv(m) && m->pool == pool && m->cap == capacity;
    ensures (m == \null || pool == \null || sops == \null || cops == \null ||
             capacity == 0 || capacity >= VA_NIL) ==> \result == VA_ERR_INVAL; */
int va_manager_init(va_manager *m, va_job *pool, uint32_t capacity,
                    const va_limits *lim, const va_server_ops *sops,
                    const va_client_ops *cops, void *ops_ctx)
{
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
    init_fields(m, pool, capacity, &l, sops, cops, ops_ctx);
    init_pool(m, pool, capacity);
    /* the invariant, piece by piece (one goal each) */
    /*@ assert m->pool == pool && m->cap == capacity && m->sops == sops && m->cops == cops; */
    /*@ assert \valid(m) && 0 < m->cap < VA_NIL && \valid(m->pool + (0 .. m->cap - 1)) &&
               \separated(m, m->pool + (0 .. m->cap - 1)) &&
               \valid_read(m->sops) && \valid_read(m->cops); */
    /*@ assert va_mem(m); */
    /*@ assert va_ops_model(m); */
    /*@ assert va_limits_ok(m); */
    /*@ assert \forall integer k; 0 <= k < m->cap ==> va_job_ok(m, m->pool + k); */
    /*@ assert va_dl_off(m); */
    /*@ assert m->exec_count == va_cnt(m->pool, m->cap, VA_SEL_EXEC) &&
               m->send_count == va_cnt(m->pool, m->cap, VA_SEL_SEND) &&
               m->server_live == va_cnt(m->pool, m->cap, VA_SEL_SRV) &&
               m->client_live == va_cnt(m->pool, m->cap, VA_SEL_CLI); */
    /*@ assert m->exec_count <= m->lim.exec_max && m->send_count <= m->lim.send_max &&
               m->server_live <= m->lim.server_max && m->client_live <= m->lim.client_max; */
    /*@ assert va_queue_ok(m, &m->exec_q, VA_SEL_SQ) && va_queue_ok(m, &m->ssend_q, VA_SEL_SX) &&
               va_queue_ok(m, &m->csend_q, VA_SEL_CQ); */
    /*@ assert va_link_ok(m, m->free_head) && m->free_len == va_cnt(m->pool, m->cap, VA_SEL_FREE); */
    /*@ assert \forall integer c; 0 <= c < VA_TIMEOUT_CLASSES ==>
               va_link_ok(m, m->dl[c].head) && va_link_ok(m, m->dl[c].tail) &&
               m->dl[c].len == va_dcnt(m->pool, m->cap, c); */
    VA_CHECK(m);
    return VA_OK;
}

/*@ requires va_inv(m);
    requires fn == \null || fn == &va_model_trace;
    assigns m->trace, m->trace_ctx;
    ensures va_inv(m); */
void va_manager_set_trace(va_manager *m, va_trace_fn fn, void *trace_ctx)
{
    m->trace = fn;
    m->trace_ctx = trace_ctx;
}

/*@ requires va_inv(m);
    requires kind == VA_KIND_SERVER || kind == VA_KIND_CLIENT;
    requires out == \null || (\valid(out) && \separated(out, m, m->pool + (0 .. m->cap - 1)));
    assigns VA_MGR_ALL(m), *out;
    ensures va_inv(m) && va_frame{Pre, Post}(m);
    ensures \result == VA_OK || \result == VA_ERR_BUSY || \result == VA_ERR_LIMIT ||
            \result == VA_ERR_FULL;
    behavior busy:
      assumes kind == VA_KIND_SERVER && m->server_live >= m->lim.server_max;
      // spec: a full server queue answers BUSY; nothing else changes
      ensures \result == VA_ERR_BUSY;
      ensures m->server_live == \old(m->server_live) && m->pool == \old(m->pool);
      assigns m->stats.busy_rejections;
    behavior limit:
      assumes kind == VA_KIND_CLIENT && m->client_live >= m->lim.client_max;
      ensures \result == VA_ERR_LIMIT;
      ensures m->client_live == \old(m->client_live) && m->pool == \old(m->pool);
      assigns m->stats.limit_rejections;
    behavior room:
      assumes (kind == VA_KIND_SERVER && m->server_live < m->lim.server_max) ||
              (kind == VA_KIND_CLIENT && m->client_live < m->lim.client_max);
      ensures \result == VA_OK || \result == VA_ERR_FULL;
    complete behaviors;
    disjoint behaviors; */
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

/*@ requires va_inv(m);
    requires out == \null || (\valid(out) && \separated(out, m, m->pool + (0 .. m->cap - 1)));
    assigns VA_MGR_ALL(m), *out;
    ensures va_inv(m);
    ensures \result == VA_ERR_BUSY ==> m->server_live == \old(m->server_live) && m->pool == \old(m->pool); */
int va_server_job_add(va_manager *m, void *job_ctx, uint64_t now, uint64_t timeout,
                      va_job_id *out)
{
    return add_job(m, VA_KIND_SERVER, job_ctx, now, timeout, out);
}

/*@ requires va_inv(m);
    requires out == \null || (\valid(out) && \separated(out, m, m->pool + (0 .. m->cap - 1)));
    assigns VA_MGR_ALL(m), *out;
    ensures va_inv(m);
    ensures \result == VA_ERR_LIMIT ==> m->client_live == \old(m->client_live) && m->pool == \old(m->pool); */
int va_client_job_submit(va_manager *m, void *job_ctx, uint64_t now, uint64_t timeout,
                         va_job_id *out)
{
    return add_job(m, VA_KIND_CLIENT, job_ctx, now, timeout, out);
}

/* One event on the job named by a handle. */
/*@ requires va_inv(m);
    requires kind == VA_KIND_SERVER ==> ev < VA_SJ_NEVENTS;
    requires kind == VA_KIND_CLIENT ==> ev < VA_CJ_NEVENTS;
    requires kind == VA_KIND_SERVER || kind == VA_KIND_CLIENT;
    requires (kind == VA_KIND_SERVER && ev == VA_SJ_EV_EXEC_DONE) ||
             (kind == VA_KIND_CLIENT && ev == VA_CJ_EV_RESPONSE) ==> \valid_read(pending);
    // not a start event: those take a slot, and only pump feeds them
    requires kind == VA_KIND_SERVER ==> ev != VA_SJ_EV_EXEC_START && ev != VA_SJ_EV_SEND_START;
    requires kind == VA_KIND_CLIENT ==> ev != VA_CJ_EV_SEND_START;
    assigns VA_MGR_ALL(m);
    ensures va_inv(m) && va_frame{Pre, Post}(m);
    ensures \result == VA_OK || \result == VA_ERR_STALE || \result == VA_ERR_STATE;
    behavior stale:
      assumes id % 4294967296 >= m->cap || id / 4294967296 == 0 ||
              m->pool[id % 4294967296].gen != id / 4294967296 ||
              m->pool[id % 4294967296].kind != kind;
      // spec: a stale or forged handle changes nothing but a statistic
      ensures \result == VA_ERR_STALE;
      assigns m->stats.stale_handles;
    behavior live:
      assumes id % 4294967296 < m->cap && id / 4294967296 != 0 &&
              m->pool[id % 4294967296].gen == id / 4294967296 &&
              m->pool[id % 4294967296].kind == kind;
      ensures \result == VA_OK || \result == VA_ERR_STATE;
    complete behaviors;
    disjoint behaviors; */
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

/*@ requires va_inv(m);
    requires result == \null || \valid_read(result);
    assigns VA_MGR_ALL(m);
    ensures va_inv(m);
    ensures \result == VA_OK || \result == VA_ERR_STALE || \result == VA_ERR_STATE; */
int va_server_job_execute_done(va_manager *m, va_job_id job, const va_result *result)
{
    return job_event(m, job, VA_KIND_SERVER, VA_SJ_EV_EXEC_DONE,
                     result != NULL ? result : &va_empty_result);
}

/*@ requires va_inv(m);
    
    assigns VA_MGR_ALL(m);
    ensures va_inv(m);
    ensures \result == VA_OK || \result == VA_ERR_STALE || \result == VA_ERR_STATE; */
int va_server_job_send_done(va_manager *m, va_job_id job)
{
    return job_event(m, job, VA_KIND_SERVER, VA_SJ_EV_SEND_DONE, NULL);
}

/*@ requires va_inv(m);
    
    assigns VA_MGR_ALL(m);
    ensures va_inv(m);
    ensures \result == VA_OK || \result == VA_ERR_STALE || \result == VA_ERR_STATE; */
int va_server_job_cancel(va_manager *m, va_job_id job)
{
    return job_event(m, job, VA_KIND_SERVER, VA_SJ_EV_CANCEL, NULL);
}

/*@ requires va_inv(m);
    
    assigns VA_MGR_ALL(m);
    ensures va_inv(m);
    ensures \result == VA_OK || \result == VA_ERR_STALE || \result == VA_ERR_STATE; */
int va_client_job_send_done(va_manager *m, va_job_id job)
{
    return job_event(m, job, VA_KIND_CLIENT, VA_CJ_EV_SEND_DONE, NULL);
}

/*@ requires va_inv(m);
    requires response == \null || \valid_read(response);
    assigns VA_MGR_ALL(m);
    ensures va_inv(m);
    ensures \result == VA_OK || \result == VA_ERR_STALE || \result == VA_ERR_STATE; */
int va_client_job_read_done(va_manager *m, va_job_id job, const va_result *response)
{
    return job_event(m, job, VA_KIND_CLIENT, VA_CJ_EV_RESPONSE,
                     response != NULL ? response : &va_empty_result);
}

/*@ requires va_inv(m);
    
    assigns VA_MGR_ALL(m);
    ensures va_inv(m);
    ensures \result == VA_OK || \result == VA_ERR_STALE || \result == VA_ERR_STATE; */
int va_client_job_cancel(va_manager *m, va_job_id job)
{
    return job_event(m, job, VA_KIND_CLIENT, VA_CJ_EV_CANCEL, NULL);
}

/*@ requires va_inv(m);
    assigns VA_MGR_ALL(m);
    ensures va_inv(m) && va_frame{Pre, Post}(m); */
uint32_t va_manager_expire(va_manager *m, uint64_t now)
{
    uint32_t fired = 0;
    uint32_t c;

    VA_CHECK(m);
    /*@ loop invariant 0 <= c <= VA_TIMEOUT_CLASSES;
        loop invariant va_inv(m) && va_frame{Pre, Here}(m);
        loop assigns c, fired, VA_MGR_ALL(m);
        loop variant VA_TIMEOUT_CLASSES - c; */
    for (c = 0; c < VA_TIMEOUT_CLASSES; c++) {
        /* Termination: each iteration removes the head from the list; not
         * proved (needs list acyclicity), hence no variant. */
        /*@ loop invariant va_inv(m) && va_frame{Pre, Here}(m);
            loop assigns fired, VA_MGR_ALL(m); */
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

/*@ requires va_inv(m);
    assigns \nothing; */
uint64_t va_manager_next_deadline(const va_manager *m)
{
    uint64_t best = UINT64_MAX;
    uint32_t c;

    /*@ loop invariant 0 <= c <= VA_TIMEOUT_CLASSES;
        loop assigns c, best;
        loop variant VA_TIMEOUT_CLASSES - c; */
    for (c = 0; c < VA_TIMEOUT_CLASSES; c++) {
        if (m->dl[c].head != VA_NIL && m->pool[m->dl[c].head].deadline < best) {
            best = m->pool[m->dl[c].head].deadline;
        }
    }
    return best;
}

/*@ requires va_inv(m);
    assigns VA_MGR_ALL(m);
    ensures va_inv(m) && va_frame{Pre, Post}(m); */
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
    /*@ loop invariant 0 <= i <= m->cap;
        loop invariant va_inv(m) && va_frame{Pre, Here}(m);
        loop assigns i, VA_MGR_ALL(m);
        loop variant m->cap - i; */
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

/*@ requires va_mem(m);
    assigns \nothing;
    ensures \result == VA_NIL || (\result < m->cap && m->pool[\result].kind != VA_KIND_FREE &&
                                   m->pool[\result].gen == job / 4294967296); */
uint32_t va_manager_slot(const va_manager *m, va_job_id job)
{
    uint32_t idx = (uint32_t)(job % VA_SLOT_SPAN);
    uint32_t gen = (uint32_t)(job / VA_SLOT_SPAN);

    if (idx >= m->cap || gen == 0u || m->pool[idx].gen != gen ||
        m->pool[idx].kind == VA_KIND_FREE) {
        return VA_NIL;
    }
    return idx;
}

/*@ requires va_mem(m);
    assigns \nothing;
    ensures \result == m->free_head; */
uint32_t va_manager_next_slot(const va_manager *m)
{
    return m->free_head;
}

/*@ requires va_mem(m);
    assigns \nothing;
    ensures slot < m->cap ==> \result == m->pool[slot].gen;
    ensures slot >= m->cap ==> \result == 0; */
uint32_t va_manager_slot_gen(const va_manager *m, uint32_t slot)
{
    return slot < m->cap ? m->pool[slot].gen : 0u;
}

/*@ requires va_mem(m);
    assigns \nothing; */
void *va_manager_job_ctx(const va_manager *m, va_job_id job)
{
    uint32_t idx = va_manager_slot(m, job);
    return idx == VA_NIL ? NULL : m->pool[idx].ctx;
}

/*@ requires \valid_read(m);
    assigns \nothing;
    ensures \result == &m->stats; */
const va_manager_stats *va_manager_get_stats(const va_manager *m)
{
    return &m->stats;
}

/*@ requires va_inv(m);
    assigns \nothing;
    ensures \result == m->server_live + m->client_live; */
uint32_t va_manager_live(const va_manager *m)
{
    return m->server_live + m->client_live;
}
