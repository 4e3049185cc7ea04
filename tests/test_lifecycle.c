/* SPDX-License-Identifier: MIT */
/*
 * The lifecycles, checked three ways:
 *  1. every (state, event) pair of both machines against an expectation
 *     table written here by hand (not read from gen/): next state and the
 *     exact, ordered list of actions, or rejection;
 *  2. slot accounting: a transition acquires/releases the execute and send
 *     slots exactly when the states it joins differ in what they hold, and
 *     completes exactly when it leaves the not-yet-completed states;
 *  3. differential: Ragel's executable machine (gen/va_*_machine.c, -G2)
 *     and the dense tables the runtime interprets agree on every pair and on
 *     long random event sequences.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "va_cj_machine.h"
#include "va_sj_machine.h"

#define REJ 0xFF

typedef struct row {
    uint8_t state;
    uint8_t event;
    uint8_t next;         /* REJ: the event must be rejected */
    const char *actions;  /* space separated, in order */
} row;

/* ---- server job: written from the design, not from gen/ ---- */
#define S(st, ev, nx, acts) { VA_SJ_##st, VA_SJ_EV_##ev, nx, acts }
#define SN(nx) VA_SJ_##nx
static const row server_rows[] = {
    S(QUEUED, EXEC_START, SN(EXECUTING), "acquire_exec execute"),
    S(QUEUED, EXEC_DONE, REJ, ""),
    S(QUEUED, SEND_START, REJ, ""),
    S(QUEUED, SEND_DONE, REJ, ""),
    S(QUEUED, CANCEL, SN(FREE), "set_cancelled release complete"),
    S(QUEUED, TIMEOUT, SN(FREE), "set_timed_out release complete"),
    S(QUEUED, DISCONNECT, SN(FREE), "set_disconnected release complete"),

    S(EXECUTING, EXEC_START, REJ, ""),
    S(EXECUTING, EXEC_DONE, SN(EXECUTED), "release_exec store_result"),
    S(EXECUTING, SEND_START, REJ, ""),
    S(EXECUTING, SEND_DONE, REJ, ""),
    S(EXECUTING, CANCEL, SN(DRAIN_EXEC), "set_cancelled complete cancel"),
    S(EXECUTING, TIMEOUT, SN(DRAIN_EXEC), "set_timed_out complete cancel"),
    S(EXECUTING, DISCONNECT, SN(DRAIN_EXEC), "set_disconnected complete cancel"),

    S(EXECUTED, EXEC_START, REJ, ""),
    S(EXECUTED, EXEC_DONE, REJ, ""),
    S(EXECUTED, SEND_START, SN(SENDING), "acquire_send send"),
    S(EXECUTED, SEND_DONE, REJ, ""),
    S(EXECUTED, CANCEL, SN(FREE), "set_cancelled release complete"),
    S(EXECUTED, TIMEOUT, SN(FREE), "set_timed_out release complete"),
    S(EXECUTED, DISCONNECT, SN(FREE), "set_disconnected release complete"),

    S(SENDING, EXEC_START, REJ, ""),
    S(SENDING, EXEC_DONE, REJ, ""),
    S(SENDING, SEND_START, REJ, ""),
    S(SENDING, SEND_DONE, SN(FREE), "release_send set_ok release complete"),
    S(SENDING, CANCEL, SN(DRAIN_SEND), "set_cancelled complete"),
    S(SENDING, TIMEOUT, SN(DRAIN_SEND), "set_timed_out complete"),
    S(SENDING, DISCONNECT, SN(FREE), "release_send set_disconnected release complete"),

    S(DRAIN_EXEC, EXEC_START, REJ, ""),
    S(DRAIN_EXEC, EXEC_DONE, SN(FREE), "release_exec release"),
    S(DRAIN_EXEC, SEND_START, REJ, ""),
    S(DRAIN_EXEC, SEND_DONE, REJ, ""),
    S(DRAIN_EXEC, CANCEL, REJ, ""),
    S(DRAIN_EXEC, TIMEOUT, REJ, ""),
    S(DRAIN_EXEC, DISCONNECT, SN(DRAIN_EXEC), ""),

    S(DRAIN_SEND, EXEC_START, REJ, ""),
    S(DRAIN_SEND, EXEC_DONE, REJ, ""),
    S(DRAIN_SEND, SEND_START, REJ, ""),
    S(DRAIN_SEND, SEND_DONE, SN(FREE), "release_send release"),
    S(DRAIN_SEND, CANCEL, REJ, ""),
    S(DRAIN_SEND, TIMEOUT, REJ, ""),
    S(DRAIN_SEND, DISCONNECT, SN(FREE), "release_send release"),

    S(FREE, EXEC_START, REJ, ""),
    S(FREE, EXEC_DONE, REJ, ""),
    S(FREE, SEND_START, REJ, ""),
    S(FREE, SEND_DONE, REJ, ""),
    S(FREE, CANCEL, REJ, ""),
    S(FREE, TIMEOUT, REJ, ""),
    S(FREE, DISCONNECT, REJ, ""),
};

/* ---- client job ---- */
#define C(st, ev, nx, acts) { VA_CJ_##st, VA_CJ_EV_##ev, nx, acts }
#define CN(nx) VA_CJ_##nx
static const row client_rows[] = {
    C(QUEUED, SEND_START, CN(SENDING), "acquire_send send"),
    C(QUEUED, SEND_DONE, REJ, ""),
    C(QUEUED, RESPONSE, REJ, ""),
    C(QUEUED, CANCEL, CN(FREE), "set_cancelled release complete"),
    C(QUEUED, TIMEOUT, CN(FREE), "set_timed_out release complete"),
    C(QUEUED, DISCONNECT, CN(FREE), "set_disconnected release complete"),

    C(SENDING, SEND_START, REJ, ""),
    C(SENDING, SEND_DONE, CN(AWAITING), "release_send"),
    C(SENDING, RESPONSE, CN(ANSWERED), "store_response complete"),
    C(SENDING, CANCEL, CN(ABANDONED), "set_cancelled complete"),
    C(SENDING, TIMEOUT, CN(ABANDONED), "set_timed_out complete"),
    C(SENDING, DISCONNECT, CN(FREE), "release_send set_disconnected release complete"),

    C(AWAITING, SEND_START, REJ, ""),
    C(AWAITING, SEND_DONE, REJ, ""),
    C(AWAITING, RESPONSE, CN(FREE), "store_response release complete"),
    C(AWAITING, CANCEL, CN(FREE), "set_cancelled release abort complete"),
    C(AWAITING, TIMEOUT, CN(FREE), "set_timed_out release abort complete"),
    C(AWAITING, DISCONNECT, CN(FREE), "set_disconnected release complete"),

    C(ANSWERED, SEND_START, REJ, ""),
    C(ANSWERED, SEND_DONE, CN(FREE), "release_send release"),
    C(ANSWERED, RESPONSE, REJ, ""),
    C(ANSWERED, CANCEL, REJ, ""),
    C(ANSWERED, TIMEOUT, REJ, ""),
    C(ANSWERED, DISCONNECT, CN(FREE), "release_send release"),

    C(ABANDONED, SEND_START, REJ, ""),
    C(ABANDONED, SEND_DONE, CN(FREE), "release_send release abort"),
    C(ABANDONED, RESPONSE, REJ, ""),
    C(ABANDONED, CANCEL, REJ, ""),
    C(ABANDONED, TIMEOUT, REJ, ""),
    C(ABANDONED, DISCONNECT, CN(FREE), "release_send release"),

    C(FREE, SEND_START, REJ, ""),
    C(FREE, SEND_DONE, REJ, ""),
    C(FREE, RESPONSE, REJ, ""),
    C(FREE, CANCEL, REJ, ""),
    C(FREE, TIMEOUT, REJ, ""),
    C(FREE, DISCONNECT, REJ, ""),
};

/* What each state holds, from the design. */
typedef struct holds {
    uint8_t exec, send, completed, freed;
} holds;

static const holds server_holds[VA_SJ_NSTATES] = {
    [VA_SJ_QUEUED] = { 0, 0, 0, 0 },
    [VA_SJ_EXECUTING] = { 1, 0, 0, 0 },
    [VA_SJ_EXECUTED] = { 0, 0, 0, 0 },
    [VA_SJ_SENDING] = { 0, 1, 0, 0 },
    [VA_SJ_DRAIN_EXEC] = { 1, 0, 1, 0 },
    [VA_SJ_DRAIN_SEND] = { 0, 1, 1, 0 },
    [VA_SJ_FREE] = { 0, 0, 1, 1 },
};

static const holds client_holds[VA_CJ_NSTATES] = {
    [VA_CJ_QUEUED] = { 0, 0, 0, 0 },
    [VA_CJ_SENDING] = { 0, 1, 0, 0 },
    [VA_CJ_AWAITING] = { 0, 0, 0, 0 },
    [VA_CJ_ANSWERED] = { 0, 1, 1, 0 },
    [VA_CJ_ABANDONED] = { 0, 1, 1, 0 },
    [VA_CJ_FREE] = { 0, 0, 1, 1 },
};

typedef struct machine {
    const char *name;
    unsigned nstates, nevents, nactions;
    const uint8_t *next;       /* [nstates][nevents] */
    const uint16_t *actions;   /* [nstates][nevents] */
    const char *const *action_names;
    const char *const *state_names;
    const char *const *event_names;
    const row *rows;
    size_t nrows;
    const holds *holds;
    int (*start)(void);
    int (*step)(int *st, unsigned char ev, void *ctx);
    const uint8_t *of_ragel;
    unsigned ragel_nstates;
} machine;

static const machine server_m = {
    "server", VA_SJ_NSTATES, VA_SJ_NEVENTS, VA_SJ_NACTIONS,
    &va_sj_next[0][0], &va_sj_actions[0][0], va_sj_action_names,
    va_sj_state_names, va_sj_event_names,
    server_rows, sizeof server_rows / sizeof server_rows[0], server_holds,
    va_sj_machine_start, va_sj_machine_step, va_sj_of_ragel, VA_SJ_RAGEL_NSTATES,
};

static const machine client_m = {
    "client", VA_CJ_NSTATES, VA_CJ_NEVENTS, VA_CJ_NACTIONS,
    &va_cj_next[0][0], &va_cj_actions[0][0], va_cj_action_names,
    va_cj_state_names, va_cj_event_names,
    client_rows, sizeof client_rows / sizeof client_rows[0], client_holds,
    va_cj_machine_start, va_cj_machine_step, va_cj_of_ragel, VA_CJ_RAGEL_NSTATES,
};

/* Render an action mask as names in bit order. */
static void mask_names(const machine *m, uint16_t mask, char *out, size_t cap)
{
    out[0] = '\0';
    for (unsigned a = 0; a < m->nactions; a++) {
        if (mask & (1u << a)) {
            if (out[0] != '\0') {
                strncat(out, " ", cap - strlen(out) - 1);
            }
            strncat(out, m->action_names[a], cap - strlen(out) - 1);
        }
    }
}

static int action_index(const machine *m, const char *name)
{
    for (unsigned a = 0; a < m->nactions; a++) {
        if (strcmp(m->action_names[a], name) == 0) {
            return (int)a;
        }
    }
    return -1;
}

static void check_table(const machine *m)
{
    static uint8_t seen[16][16];
    memset(seen, 0, sizeof seen);
    for (size_t i = 0; i < m->nrows; i++) {
        const row *r = &m->rows[i];
        uint8_t got = m->next[r->state * m->nevents + r->event];
        char names[256];
        assert_true(r->state < m->nstates && r->event < m->nevents);
        assert_int_equal(seen[r->state][r->event], 0);
        seen[r->state][r->event] = 1;
        if (got != r->next) {
            fail_msg("%s %s --%s-->: expected %s, tables say %s", m->name,
                     m->state_names[r->state], m->event_names[r->event],
                     r->next == REJ ? "reject" : m->state_names[r->next],
                     got == REJ ? "reject" : m->state_names[got]);
        }
        mask_names(m, m->actions[r->state * m->nevents + r->event], names, sizeof names);
        if (strcmp(names, r->actions) != 0) {
            fail_msg("%s %s --%s-->: expected actions '%s', tables say '%s'", m->name,
                     m->state_names[r->state], m->event_names[r->event], r->actions, names);
        }
        /* the listed order must be the execution (bit) order */
        {
            char buf[256];
            int last = -1;
            char *save = NULL;
            snprintf(buf, sizeof buf, "%s", r->actions);
            for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
                int a = action_index(m, t);
                assert_true(a > last);
                last = a;
            }
        }
    }
    /* every (state, event) pair has exactly one row */
    for (unsigned s = 0; s < m->nstates; s++) {
        for (unsigned e = 0; e < m->nevents; e++) {
            if (!seen[s][e]) {
                fail_msg("%s: no row for (%s, %s)", m->name, m->state_names[s], m->event_names[e]);
            }
        }
    }
}

static void server_table(void **state)
{
    (void)state;
    assert_int_equal(server_m.nrows, VA_SJ_NSTATES * VA_SJ_NEVENTS);
    check_table(&server_m);
}

static void client_table(void **state)
{
    (void)state;
    assert_int_equal(client_m.nrows, VA_CJ_NSTATES * VA_CJ_NEVENTS);
    check_table(&client_m);
}

/* Slot accounting follows from what the states hold. */
static void check_slots(const machine *m, int has_exec)
{
    int a_acq_exec = has_exec ? action_index(m, "acquire_exec") : -1;
    int a_rel_exec = has_exec ? action_index(m, "release_exec") : -1;
    int a_acq_send = action_index(m, "acquire_send");
    int a_rel_send = action_index(m, "release_send");
    int a_complete = action_index(m, "complete");
    int a_release = action_index(m, "release");

    for (unsigned s = 0; s < m->nstates; s++) {
        for (unsigned e = 0; e < m->nevents; e++) {
            uint8_t t = m->next[s * m->nevents + e];
            uint16_t acts = m->actions[s * m->nevents + e];
            const holds *f, *g;
            if (t == REJ) {
                assert_int_equal(acts, 0);
                continue;
            }
            f = &m->holds[s];
            g = &m->holds[t];
            if (has_exec) {
                assert_int_equal(!!(acts & (1u << a_acq_exec)), !f->exec && g->exec);
                assert_int_equal(!!(acts & (1u << a_rel_exec)), f->exec && !g->exec);
            }
            assert_int_equal(!!(acts & (1u << a_acq_send)), !f->send && g->send);
            assert_int_equal(!!(acts & (1u << a_rel_send)), f->send && !g->send);
            assert_int_equal(!!(acts & (1u << a_complete)), !f->completed && g->completed);
            assert_int_equal(!!(acts & (1u << a_release)), !f->freed && g->freed);
        }
    }
}

static void server_slots(void **state)
{
    (void)state;
    check_slots(&server_m, 1);
}

static void client_slots(void **state)
{
    (void)state;
    check_slots(&client_m, 0);
}

/* ---- differential: Ragel's executable machine vs the tables ---- */

typedef struct recorder {
    unsigned n;
    uint8_t acts[16];
} recorder;

void va_sj_machine_hook(void *ctx, va_sj_action action)
{
    recorder *r = ctx;
    assert_true(r->n < 16);
    r->acts[r->n++] = (uint8_t)action;
}

void va_cj_machine_hook(void *ctx, va_cj_action action)
{
    recorder *r = ctx;
    assert_true(r->n < 16);
    r->acts[r->n++] = (uint8_t)action;
}

/* Ragel state number of a named state, found by search from the start. */
static int ragel_state_of(const machine *m, uint8_t named)
{
    for (unsigned rs = 0; rs < m->ragel_nstates; rs++) {
        if (m->of_ragel[rs] == named) {
            return (int)rs;
        }
    }
    return -1;
}

static void diff_one(const machine *m, int *rs, uint8_t *ts, uint8_t ev)
{
    recorder rec = { 0, { 0 } };
    int before = *rs;
    int rc = m->step(rs, ev, &rec);
    uint8_t tn = m->next[*ts * m->nevents + ev];
    uint16_t mask = m->actions[*ts * m->nevents + ev];
    uint16_t got = 0;

    if (tn == REJ) {
        assert_int_equal(rc, -1);
        assert_int_equal(*rs, before);
        assert_int_equal(rec.n, 0);
        return;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(m->of_ragel[*rs], tn);
    for (unsigned i = 0; i < rec.n; i++) {
        /* in increasing order, each once */
        if (i > 0) {
            assert_true(rec.acts[i] > rec.acts[i - 1]);
        }
        got |= (uint16_t)(1u << rec.acts[i]);
    }
    assert_int_equal(got, mask);
    *ts = tn;
}

static void differential(const machine *m)
{
    /* every pair */
    for (unsigned s = 0; s < m->nstates; s++) {
        for (unsigned e = 0; e < m->nevents; e++) {
            int rs = ragel_state_of(m, (uint8_t)s);
            uint8_t ts = (uint8_t)s;
            assert_true(rs >= 0);
            diff_one(m, &rs, &ts, (uint8_t)e);
        }
    }
    /* random walks: 200 000 events, restart at FREE */
    {
        uint32_t x = 12345u;
        int rs = m->start();
        uint8_t ts = (uint8_t)m->of_ragel[rs];
        for (unsigned i = 0; i < 200000u; i++) {
            x = x * 1103515245u + 12345u;
            diff_one(m, &rs, &ts, (uint8_t)((x >> 16) % m->nevents));
            if (m->holds[ts].freed) {
                rs = m->start();
                ts = (uint8_t)m->of_ragel[rs];
            }
        }
    }
}

static void server_differential(void **state)
{
    (void)state;
    differential(&server_m);
}

static void client_differential(void **state)
{
    (void)state;
    differential(&client_m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(server_table),
        cmocka_unit_test(client_table),
        cmocka_unit_test(server_slots),
        cmocka_unit_test(client_slots),
        cmocka_unit_test(server_differential),
        cmocka_unit_test(client_differential),
    };
    return cmocka_run_group_tests_name("lifecycle", tests, NULL, NULL);
}
