/* SPDX-License-Identifier: MIT */
/*
 * va_manager_valid(): the manager invariant in C, mirroring the ACSL
 * predicate in proofs/.  O(capacity); a debugging and testing aid that
 * builds with VA_DEBUG_CHECKS run on entry and exit of every public call.
 */
#include "virtagent/va_manager.h"

#include <stddef.h>

#include "va_cj_tables.h"
#include "va_sj_tables.h"

/* Slots held per state, written from the spec's comments. */
static int sj_holds_exec(uint8_t s)
{
    return s == VA_SJ_EXECUTING || s == VA_SJ_DRAIN_EXEC;
}

static int sj_holds_send(uint8_t s)
{
    return s == VA_SJ_SENDING || s == VA_SJ_DRAIN_SEND;
}

static int cj_holds_send(uint8_t s)
{
    return s == VA_CJ_SENDING || s == VA_CJ_ANSWERED || s == VA_CJ_ABANDONED;
}

/* Walk a ready queue: bounded, links consistent, every member of `kind` in
 * `state`; returns its length or VA_NIL when malformed. */
static uint32_t walk_queue(const va_manager *m, const va_queue *q, uint8_t kind, uint8_t state)
{
    uint32_t n = 0;
    uint32_t prev = VA_NIL;
    uint32_t cur = q->head;

    while (cur != VA_NIL) {
        if (cur >= m->cap || n >= m->cap) {
            return VA_NIL;
        }
        if (m->pool[cur].kind != kind || m->pool[cur].state != state ||
            m->pool[cur].prev != prev) {
            return VA_NIL;
        }
        prev = cur;
        cur = m->pool[cur].next;
        n++;
    }
    if (q->tail != prev || q->len != n) {
        return VA_NIL;
    }
    return n;
}

int va_manager_valid(const va_manager *m)
{
    uint32_t i;
    uint32_t exec = 0, send = 0, slive = 0, clive = 0;
    uint32_t sq = 0, sx = 0, cq = 0, armed = 0, dl_total = 0;
    uint32_t n, cur;

    if (m == NULL || m->pool == NULL || m->cap == 0u || m->cap >= VA_NIL) {
        return 0;
    }
    for (i = 0; i < m->cap; i++) {
        const va_job *j = &m->pool[i];
        if (j->gen == 0u) {
            return 0;
        }
        if (j->kind == VA_KIND_SERVER) {
            if (j->state >= VA_SJ_NSTATES || j->state == VA_SJ_FREE) {
                return 0;
            }
            slive++;
            exec += (uint32_t)sj_holds_exec(j->state);
            send += (uint32_t)sj_holds_send(j->state);
            sq += (uint32_t)(j->state == VA_SJ_QUEUED);
            sx += (uint32_t)(j->state == VA_SJ_EXECUTED);
            /* armed: not yet completed, may carry a deadline */
            if (j->state == VA_SJ_DRAIN_EXEC || j->state == VA_SJ_DRAIN_SEND) {
                if (j->dl_class != VA_DL_NONE) {
                    return 0;
                }
            } else if (j->dl_class != VA_DL_NONE) {
                armed++;
            }
        } else if (j->kind == VA_KIND_CLIENT) {
            if (j->state >= VA_CJ_NSTATES || j->state == VA_CJ_FREE) {
                return 0;
            }
            clive++;
            send += (uint32_t)cj_holds_send(j->state);
            cq += (uint32_t)(j->state == VA_CJ_QUEUED);
            if (j->state == VA_CJ_ANSWERED || j->state == VA_CJ_ABANDONED) {
                if (j->dl_class != VA_DL_NONE) {
                    return 0;
                }
            } else if (j->dl_class != VA_DL_NONE) {
                armed++;
            }
        } else if (j->kind != VA_KIND_FREE || j->dl_class != VA_DL_NONE) {
            return 0;
        }
        if (j->dl_class != VA_DL_NONE && j->dl_class >= VA_TIMEOUT_CLASSES) {
            return 0;
        }
    }
    /* each counter equals the number of jobs in the matching states */
    if (exec != m->exec_count || send != m->send_count ||
        slive != m->server_live || clive != m->client_live) {
        return 0;
    }
    /* every limit holds */
    if (m->exec_count > m->lim.exec_max || m->send_count > m->lim.send_max ||
        m->server_live > m->lim.server_max || m->client_live > m->lim.client_max) {
        return 0;
    }
    /* ready queues hold exactly the jobs in their states */
    if (walk_queue(m, &m->exec_q, VA_KIND_SERVER, VA_SJ_QUEUED) != sq ||
        walk_queue(m, &m->ssend_q, VA_KIND_SERVER, VA_SJ_EXECUTED) != sx ||
        walk_queue(m, &m->csend_q, VA_KIND_CLIENT, VA_CJ_QUEUED) != cq) {
        return 0;
    }
    /* free list: exactly the free slots */
    n = 0;
    for (cur = m->free_head; cur != VA_NIL; cur = m->pool[cur].next) {
        if (cur >= m->cap || n >= m->cap || m->pool[cur].kind != VA_KIND_FREE) {
            return 0;
        }
        n++;
    }
    if (n != m->free_len || n + slive + clive != m->cap) {
        return 0;
    }
    /* deadline lists: sorted, linked both ways, members in their class */
    for (i = 0; i < VA_TIMEOUT_CLASSES; i++) {
        uint32_t prev = VA_NIL;
        n = 0;
        for (cur = m->dl[i].head; cur != VA_NIL; cur = m->pool[cur].dl_next) {
            if (cur >= m->cap || n >= m->cap || m->pool[cur].dl_class != i ||
                m->pool[cur].dl_prev != prev) {
                return 0;
            }
            if (prev != VA_NIL && m->pool[prev].deadline > m->pool[cur].deadline) {
                return 0;
            }
            prev = cur;
            n++;
        }
        if (m->dl[i].tail != prev || m->dl[i].len != n) {
            return 0;
        }
        dl_total += n;
    }
    if (dl_total != armed) {
        return 0;
    }
    return 1;
}
