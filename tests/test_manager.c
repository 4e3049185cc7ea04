/* SPDX-License-Identifier: MIT */
/*
 * The job manager through its public API: event-trace tables (RUN / FAILS),
 * limits, responses before requests and the anti-starvation bound, cancel in
 * every state, timeouts, stale and forged handles, pool exhaustion,
 * disconnect, re-entrant callbacks, and a long random run checking the
 * invariant after every call and exactly-once completion for every job.
 * Linked against the VA_DEBUG_CHECKS build: the invariant is also asserted
 * on entry and exit of every public function.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "va_cj_tables.h"
#include "va_sj_tables.h"
#include "virtagent/va_manager.h"

#define CAP 128
#define MAXLOG 4096

typedef struct harness {
    va_manager m;
    va_job pool[CAP];
    /* call log: one letter per call, job id alongside */
    char log[MAXLOG];
    va_job_id log_id[MAXLOG];
    unsigned nlog;
    /* completions, keyed by the full job id (open addressing) */
    va_job_id comp_key[1u << 20];
    unsigned comp_n[1u << 20];
    va_status last_status;
    int last_had_response;
    int32_t last_code;
    /* synchronous behaviour */
    int auto_exec_done;
    int auto_send_done;
    int submit_on_complete;
    va_job_id submitted_in_cb;
} harness;

static unsigned *comp_slot(harness *h, va_job_id id)
{
    uint32_t i = (uint32_t)((id * 0x9E3779B97F4A7C15ull) >> 44);
    while (h->comp_key[i] != 0 && h->comp_key[i] != id) {
        i = (i + 1u) & ((1u << 20) - 1u);
    }
    h->comp_key[i] = id;
    return &h->comp_n[i];
}

static void logc(harness *h, char c, va_job_id id)
{
    if (h->nlog + 1 >= MAXLOG) {
        h->nlog = 0; /* long runs: only the recent calls matter */
    }
    h->log[h->nlog] = c;
    h->log_id[h->nlog] = id;
    h->nlog++;
    h->log[h->nlog] = '\0';
}

static void count_complete(harness *h, va_job_id id, va_status st)
{
    unsigned *n = comp_slot(h, id);
    assert_true((uint32_t)id < CAP);
    (*n)++;
    /* exactly once */
    assert_int_equal(*n, 1);
    h->last_status = st;
}

static void s_execute(va_manager *m, va_job_id job, void *jc, void *oc)
{
    harness *h = oc;
    (void)jc;
    logc(h, 'E', job);
    if (h->auto_exec_done) {
        va_result r = { 0, 4, (const uint8_t *)"pong" };
        assert_int_equal(va_server_job_execute_done(m, job, &r), VA_OK);
    }
}

static void s_send(va_manager *m, va_job_id job, void *jc, const va_result *res, void *oc)
{
    harness *h = oc;
    (void)jc;
    assert_non_null(res);
    h->last_code = res->code;
    logc(h, 'S', job);
    if (h->auto_send_done) {
        assert_int_equal(va_server_job_send_done(m, job), VA_OK);
    }
}

static void s_complete(va_manager *m, va_job_id job, void *jc, va_status st, void *oc)
{
    harness *h = oc;
    (void)m;
    (void)jc;
    logc(h, 'D', job);
    count_complete(h, job, st);
}

static void s_cancel(va_manager *m, va_job_id job, void *jc, void *oc)
{
    (void)m;
    (void)jc;
    logc(oc, 'X', job);
}

static void c_send(va_manager *m, va_job_id job, void *jc, void *oc)
{
    harness *h = oc;
    (void)jc;
    logc(h, 's', job);
    if (h->auto_send_done) {
        assert_int_equal(va_client_job_send_done(m, job), VA_OK);
    }
}

static void c_abort(va_manager *m, va_job_id job, void *jc, void *oc)
{
    (void)m;
    (void)jc;
    logc(oc, 'a', job);
}

static void c_complete(va_manager *m, va_job_id job, void *jc, va_status st,
                       const va_result *resp, void *oc)
{
    harness *h = oc;
    (void)jc;
    logc(h, 'd', job);
    count_complete(h, job, st);
    h->last_had_response = resp != NULL;
    if (h->submit_on_complete) {
        h->submit_on_complete = 0;
        assert_int_equal(va_client_job_submit(m, NULL, 0, 0, &h->submitted_in_cb), VA_OK);
    }
}

static const va_server_ops sops = {
    .execute = s_execute, .send = s_send, .complete = s_complete, .cancel = s_cancel,
};
static const va_client_ops cops = {
    .send = c_send, .abort = c_abort, .complete = c_complete,
};

static harness *H;

static int setup_lim(void **state, const va_limits *lim)
{
    H = calloc(1, sizeof *H);
    assert_non_null(H);
    assert_int_equal(va_manager_init(&H->m, H->pool, CAP, lim, &sops, &cops, H), VA_OK);
    *state = H;
    return 0;
}

static int setup(void **state)
{
    return setup_lim(state, NULL);
}

static int teardown(void **state)
{
    harness *h = *state;
    assert_true(va_manager_valid(&h->m));
    free(h);
    return 0;
}

static unsigned ncomp(harness *h, va_job_id id)
{
    return *comp_slot(h, id);
}

static void reinit(harness *h, uint32_t send, uint32_t exec, uint32_t cmax,
                   uint32_t smax, uint32_t starve)
{
    va_limits l = { send, exec, cmax, smax, starve };
    memset(h, 0, sizeof *h);
    assert_int_equal(va_manager_init(&h->m, h->pool, CAP, &l, &sops, &cops, h), VA_OK);
}

/* ---- event-trace tables ------------------------------------------------ */

enum op { END = 0, ADD, SUBMIT, EXEC_DONE, SEND_DONE, READ_OK, READ_ERR, READ_BUSY,
          CANCEL, EXPIRE, DISCONNECT };

typedef struct trace_row {
    const char *name;
    enum op ops[10];
    int fail_at;        /* index of the op that must fail, -1 for none */
    int err;            /* the error it must return */
    int final_status;   /* -1: job must not be completed; else va_status */
} trace_row;

#define RUN(name, st, ...) { name, { __VA_ARGS__, END }, -1, VA_OK, st }
#define FAILS(name, at, err, ...) { name, { __VA_ARGS__, END }, at, err, -2 }

static const trace_row traces[] = {
    RUN("server ok", VA_STATUS_OK, ADD, EXEC_DONE, SEND_DONE),
    RUN("server cancelled executing", VA_STATUS_CANCELLED, ADD, CANCEL, EXEC_DONE),
    RUN("server cancelled sending", VA_STATUS_CANCELLED, ADD, EXEC_DONE, CANCEL, SEND_DONE),
    RUN("server disconnect sending", VA_STATUS_DISCONNECTED, ADD, EXEC_DONE, DISCONNECT),
    RUN("server timeout executing", VA_STATUS_TIMED_OUT, ADD, EXPIRE, EXEC_DONE),
    RUN("server disconnect executing", VA_STATUS_DISCONNECTED, ADD, DISCONNECT, EXEC_DONE),
    RUN("client ok", VA_STATUS_OK, SUBMIT, SEND_DONE, READ_OK),
    RUN("client remote error", VA_STATUS_REMOTE_ERROR, SUBMIT, SEND_DONE, READ_ERR),
    RUN("client rejected busy", VA_STATUS_REJECTED, SUBMIT, SEND_DONE, READ_BUSY),
    RUN("client answered before send done", VA_STATUS_OK, SUBMIT, READ_OK, SEND_DONE),
    RUN("client cancel awaiting", VA_STATUS_CANCELLED, SUBMIT, SEND_DONE, CANCEL),
    RUN("client cancel sending", VA_STATUS_CANCELLED, SUBMIT, CANCEL, SEND_DONE),
    RUN("client timeout awaiting", VA_STATUS_TIMED_OUT, SUBMIT, SEND_DONE, EXPIRE),
    RUN("client disconnect awaiting", VA_STATUS_DISCONNECTED, SUBMIT, SEND_DONE, DISCONNECT),
    FAILS("server send_done while executing", 1, VA_ERR_STATE, ADD, SEND_DONE),
    FAILS("server exec_done twice", 2, VA_ERR_STATE, ADD, EXEC_DONE, EXEC_DONE),
    FAILS("server cancel after drain", 2, VA_ERR_STATE, ADD, CANCEL, CANCEL),
    FAILS("server event after completion", 3, VA_ERR_STALE, ADD, EXEC_DONE, SEND_DONE, SEND_DONE),
    FAILS("client response twice", 3, VA_ERR_STALE, SUBMIT, SEND_DONE, READ_OK, READ_OK),
    FAILS("client send_done twice", 2, VA_ERR_STATE, SUBMIT, SEND_DONE, SEND_DONE),
    FAILS("client cancel after answer", 2, VA_ERR_STATE, SUBMIT, READ_OK, CANCEL),
    FAILS("client late reply after cancel", 3, VA_ERR_STALE, SUBMIT, SEND_DONE, CANCEL, READ_OK),
    FAILS("client late reply after timeout", 3, VA_ERR_STALE, SUBMIT, SEND_DONE, EXPIRE, READ_OK),
    FAILS("client cancel twice", 3, VA_ERR_STALE, SUBMIT, SEND_DONE, CANCEL, CANCEL),
};

static int run_op(harness *h, enum op op, va_job_id *id, int *is_server)
{
    va_result ok = { 0, 2, (const uint8_t *)"ok" };
    va_result err = { 7, 0, NULL };
    va_result busy = { VA_RESULT_CODE_BUSY, 0, NULL };
    switch (op) {
    case ADD:
        *is_server = 1;
        return va_server_job_add(&h->m, NULL, 0, 10, id);
    case SUBMIT:
        *is_server = 0;
        return va_client_job_submit(&h->m, NULL, 0, 10, id);
    case EXEC_DONE:
        return va_server_job_execute_done(&h->m, *id, &ok);
    case SEND_DONE:
        return *is_server ? va_server_job_send_done(&h->m, *id)
                          : va_client_job_send_done(&h->m, *id);
    case READ_OK:
        return va_client_job_read_done(&h->m, *id, &ok);
    case READ_ERR:
        return va_client_job_read_done(&h->m, *id, &err);
    case READ_BUSY:
        return va_client_job_read_done(&h->m, *id, &busy);
    case CANCEL:
        return *is_server ? va_server_job_cancel(&h->m, *id) : va_client_job_cancel(&h->m, *id);
    case EXPIRE:
        return va_manager_expire(&h->m, 10) == 1u ? VA_OK : VA_ERR_STATE;
    case DISCONNECT:
        va_manager_disconnect(&h->m);
        return VA_OK;
    case END:
        break;
    }
    return VA_ERR_INVAL;
}

static void event_traces(void **state)
{
    harness *h = *state;
    for (size_t t = 0; t < sizeof traces / sizeof traces[0]; t++) {
        const trace_row *r = &traces[t];
        va_job_id id = 0;
        int is_server = 0;
        reinit(h, 4, 4, 8, 8, 2);
        for (int i = 0; r->ops[i] != END; i++) {
            int rc = run_op(h, r->ops[i], &id, &is_server);
            int want = (i == r->fail_at) ? r->err : VA_OK;
            if (rc != want) {
                fail_msg("trace '%s' step %d: got %s, want %s", r->name, i,
                         va_errname(rc), va_errname(want));
            }
            assert_true(va_manager_valid(&h->m));
        }
        if (r->final_status >= 0) {
            if (ncomp(h, id) != 1u || (int)h->last_status != r->final_status) {
                fail_msg("trace '%s': completions %u, status %s", r->name, ncomp(h, id),
                         va_status_str(h->last_status));
            }
            /* everything is released at the end of an accepted trace */
            if (va_manager_live(&h->m) != 0) {
                fail_msg("trace '%s': %u jobs still live", r->name, va_manager_live(&h->m));
            }
            assert_int_equal(h->m.exec_count, 0);
            assert_int_equal(h->m.send_count, 0);
        }
    }
}

/* ---- scenarios ------------------------------------------------------------ */

static void server_happy_path(void **state)
{
    harness *h = *state;
    va_job_id id;
    va_result r = { 0, 4, (const uint8_t *)"pong" };

    assert_int_equal(va_server_job_add(&h->m, (void *)0x1, 0, 0, &id), VA_OK);
    assert_string_equal(h->log, "E");
    assert_int_equal(h->m.exec_count, 1);
    assert_int_equal(va_server_job_execute_done(&h->m, id, &r), VA_OK);
    assert_string_equal(h->log, "ES");
    assert_int_equal(h->m.exec_count, 0);
    assert_int_equal(h->m.send_count, 1);
    assert_int_equal(va_server_job_send_done(&h->m, id), VA_OK);
    assert_string_equal(h->log, "ESD");
    assert_int_equal(h->last_status, VA_STATUS_OK);
    assert_int_equal(ncomp(h, id), 1);
    assert_int_equal(va_manager_live(&h->m), 0);
    /* the handle is dead now */
    assert_int_equal(va_server_job_send_done(&h->m, id), VA_ERR_STALE);
    assert_int_equal(va_manager_get_stats(&h->m)->stale_handles, 1);
}

static void client_happy_path(void **state)
{
    harness *h = *state;
    va_job_id id;
    va_result resp = { 0, 2, (const uint8_t *)"hi" };

    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &id), VA_OK);
    assert_string_equal(h->log, "s");
    assert_int_equal(va_client_job_send_done(&h->m, id), VA_OK);
    assert_int_equal(h->m.send_count, 0);
    assert_int_equal(va_client_job_read_done(&h->m, id, &resp), VA_OK);
    assert_string_equal(h->log, "sd");
    assert_int_equal(h->last_status, VA_STATUS_OK);
    assert_true(h->last_had_response);
    assert_int_equal(va_client_job_read_done(&h->m, id, &resp), VA_ERR_STALE);
}

static void answered_before_send_done(void **state)
{
    harness *h = *state;
    va_job_id id;
    va_result resp = { 0, 0, NULL };

    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &id), VA_OK);
    assert_int_equal(va_client_job_read_done(&h->m, id, &resp), VA_OK);
    /* completed at once, but the send slot is held until the frame is out */
    assert_int_equal(ncomp(h, id), 1);
    assert_int_equal(h->m.send_count, 1);
    assert_int_equal(va_client_job_cancel(&h->m, id), VA_ERR_STATE);
    assert_int_equal(va_client_job_send_done(&h->m, id), VA_OK);
    assert_int_equal(h->m.send_count, 0);
    assert_int_equal(va_manager_live(&h->m), 0);
}

static void limits_busy_and_limit(void **state)
{
    harness *h = *state;
    va_job_id id;
    reinit(h, 2, 1, 3, 2, 1);
    assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &id), VA_OK);
    assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &id), VA_OK);
    assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &id), VA_ERR_BUSY);
    assert_int_equal(va_manager_get_stats(&h->m)->busy_rejections, 1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &id), VA_OK);
    }
    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &id), VA_ERR_LIMIT);
    assert_int_equal(va_manager_get_stats(&h->m)->limit_rejections, 1);
    /* a refused job gets no completion */
    assert_null(strchr(h->log, 'd'));
    assert_null(strchr(h->log, 'D'));
}

static void exec_limit(void **state)
{
    harness *h = *state;
    va_job_id ids[5];
    va_result r = { 0, 0, NULL };
    reinit(h, 8, 2, 8, 8, 1);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &ids[i]), VA_OK);
    }
    assert_string_equal(h->log, "EE");
    assert_int_equal(h->m.exec_count, 2);
    assert_int_equal(va_server_job_execute_done(&h->m, ids[0], &r), VA_OK);
    /* the freed slot goes to the next queued job, in order */
    assert_int_equal(h->nlog, 4);
    assert_int_equal(strchr(h->log + 2, 'E') != NULL, 1);
    assert_int_equal(h->log_id[strchr(h->log + 2, 'E') - h->log], ids[2]);
    assert_int_equal(h->m.exec_count, 2);
}

static void send_limit(void **state)
{
    harness *h = *state;
    va_job_id a, b;
    reinit(h, 1, 4, 8, 8, 1);
    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &a), VA_OK);
    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &b), VA_OK);
    assert_string_equal(h->log, "s");
    assert_int_equal(h->m.send_count, 1);
    assert_int_equal(va_client_job_send_done(&h->m, a), VA_OK);
    assert_string_equal(h->log, "ss");
    assert_int_equal(h->log_id[1], b);
}

static void responses_first_and_starvation_bound(void **state)
{
    harness *h = *state;
    va_job_id c0, c1, c2, s[6];
    va_result r = { 0, 0, NULL };
    reinit(h, 1, 8, 8, 8, 2);

    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &c0), VA_OK);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &s[i]), VA_OK);
        assert_int_equal(va_server_job_execute_done(&h->m, s[i], &r), VA_OK);
    }
    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &c1), VA_OK);
    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &c2), VA_OK);
    h->nlog = 0;
    h->log[0] = '\0';
    /* finish each send as it starts; record the order */
    va_job_id cur = c0;
    int cur_server = 0;
    char order[16] = "";
    for (int i = 0; i < 8; i++) {
        h->nlog = 0;
        if (cur_server) {
            assert_int_equal(va_server_job_send_done(&h->m, cur), VA_OK);
        } else {
            assert_int_equal(va_client_job_send_done(&h->m, cur), VA_OK);
        }
        /* the next send started is the last S/s in the log */
        char last = 0;
        for (unsigned k = 0; k < h->nlog; k++) {
            if (h->log[k] == 'S' || h->log[k] == 's') {
                last = h->log[k];
                cur = h->log_id[k];
            }
        }
        assert_true(last != 0);
        cur_server = last == 'S';
        order[i] = last;
    }
    /* starve_max = 2: two responses, then one waiting request */
    assert_string_equal(order, "SSsSSsSS");
}

static void cancel_server_every_state(void **state)
{
    harness *h = *state;
    va_result r = { 0, 0, NULL };
    va_job_id id;

    /* QUEUED (exec slots full): releases nothing it did not hold */
    reinit(h, 1, 1, 8, 8, 1);
    va_job_id busy;
    assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &busy), VA_OK);
    assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &id), VA_OK);
    assert_int_equal(h->m.exec_count, 1);
    assert_int_equal(va_server_job_cancel(&h->m, id), VA_OK);
    assert_int_equal(h->last_status, VA_STATUS_CANCELLED);
    assert_int_equal(h->m.exec_count, 1);
    assert_int_equal(h->m.server_live, 1);

    /* EXECUTING: completes now, keeps the execute slot until the handler returns */
    reinit(h, 1, 1, 8, 8, 1);
    assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &id), VA_OK);
    assert_int_equal(va_server_job_cancel(&h->m, id), VA_OK);
    assert_string_equal(h->log, "EDX");
    assert_int_equal(h->m.exec_count, 1);
    assert_int_equal(va_server_job_cancel(&h->m, id), VA_ERR_STATE);
    assert_int_equal(va_server_job_execute_done(&h->m, id, &r), VA_OK);
    assert_int_equal(h->m.exec_count, 0);
    assert_int_equal(va_manager_live(&h->m), 0);
    assert_null(strchr(h->log, 'S')); /* the abandoned result is never sent */

    /* EXECUTED (send slot busy): releases nothing */
    reinit(h, 1, 4, 8, 8, 1);
    va_job_id other;
    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &other), VA_OK);
    assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &id), VA_OK);
    assert_int_equal(va_server_job_execute_done(&h->m, id, &r), VA_OK);
    assert_int_equal(h->m.send_count, 1);
    assert_int_equal(va_server_job_cancel(&h->m, id), VA_OK);
    assert_int_equal(h->m.send_count, 1);
    assert_int_equal(h->m.exec_count, 0);
    assert_int_equal(h->m.server_live, 0);

    /* SENDING: completes now, keeps the send slot until the frame is out */
    reinit(h, 1, 4, 8, 8, 1);
    assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &id), VA_OK);
    assert_int_equal(va_server_job_execute_done(&h->m, id, &r), VA_OK);
    assert_int_equal(va_server_job_cancel(&h->m, id), VA_OK);
    assert_int_equal(ncomp(h, id), 1);
    assert_int_equal(h->m.send_count, 1);
    assert_int_equal(va_server_job_send_done(&h->m, id), VA_OK);
    assert_int_equal(h->m.send_count, 0);
    assert_int_equal(va_manager_live(&h->m), 0);
}

static void cancel_client_every_state(void **state)
{
    harness *h = *state;
    va_job_id id, first;

    /* QUEUED */
    reinit(h, 1, 4, 8, 8, 1);
    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &first), VA_OK);
    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &id), VA_OK);
    assert_int_equal(va_client_job_cancel(&h->m, id), VA_OK);
    assert_int_equal(h->m.send_count, 1);
    assert_null(strchr(h->log, 'a')); /* never sent: nothing to abort */

    /* SENDING: completes now, aborts at the peer once the frame is out */
    reinit(h, 1, 4, 8, 8, 1);
    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &id), VA_OK);
    assert_int_equal(va_client_job_cancel(&h->m, id), VA_OK);
    assert_string_equal(h->log, "sd");
    assert_int_equal(h->m.send_count, 1);
    assert_int_equal(va_client_job_send_done(&h->m, id), VA_OK);
    assert_string_equal(h->log, "sda");
    assert_int_equal(h->m.send_count, 0);

    /* AWAITING: abort travels to the peer */
    reinit(h, 1, 4, 8, 8, 1);
    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &id), VA_OK);
    assert_int_equal(va_client_job_send_done(&h->m, id), VA_OK);
    assert_int_equal(va_client_job_cancel(&h->m, id), VA_OK);
    assert_string_equal(h->log, "sad");
    assert_int_equal(h->last_status, VA_STATUS_CANCELLED);
    assert_int_equal(va_manager_live(&h->m), 0);
}

static void timeouts(void **state)
{
    harness *h = *state;
    va_job_id a, b, c;

    assert_int_equal(va_manager_next_deadline(&h->m), UINT64_MAX);
    assert_int_equal(va_client_job_submit(&h->m, NULL, 1000, 100, &a), VA_OK);
    assert_int_equal(va_client_job_submit(&h->m, NULL, 1000, 50, &b), VA_OK);
    assert_int_equal(va_server_job_add(&h->m, NULL, 1000, 70, &c), VA_OK);
    assert_int_equal(va_manager_next_deadline(&h->m), 1050);
    assert_int_equal(va_manager_expire(&h->m, 1049), 0);
    assert_int_equal(va_manager_expire(&h->m, 1050), 1);
    assert_int_equal(ncomp(h, b), 1);
    assert_int_equal(h->last_status, VA_STATUS_TIMED_OUT);
    assert_int_equal(va_manager_next_deadline(&h->m), 1070);
    /* a server job timing out while executing: completes, slot held */
    assert_int_equal(va_manager_expire(&h->m, 1070), 1);
    assert_int_equal(h->m.exec_count, 1);
    assert_int_equal(va_manager_next_deadline(&h->m), 1100);
    /* a job that completes normally never times out afterwards */
    va_result r = { 0, 0, NULL };
    assert_int_equal(va_client_job_send_done(&h->m, a), VA_OK);
    assert_int_equal(va_client_job_read_done(&h->m, a, &r), VA_OK);
    assert_int_equal(va_manager_next_deadline(&h->m), UINT64_MAX);
    assert_int_equal(va_manager_expire(&h->m, 5000), 0);
    /* saturating arithmetic at the end of time */
    assert_int_equal(va_client_job_submit(&h->m, NULL, UINT64_MAX - 5, 100, &a), VA_OK);
    assert_int_equal(va_manager_next_deadline(&h->m), UINT64_MAX);
}

static void many_timeout_values_fire_in_order(void **state)
{
    harness *h = *state;
    va_job_id ids[20];
    reinit(h, 64, 4, 32, 32, 1);
    /* 20 distinct timeouts (more than VA_TIMEOUT_CLASSES), random order */
    static const uint64_t tmo[20] = { 50, 7, 300, 12, 99, 1, 45, 8, 77, 150,
                                      3, 260, 31, 18, 64, 5, 120, 9, 2, 200 };
    for (int i = 0; i < 20; i++) {
        assert_int_equal(va_client_job_submit(&h->m, NULL, 100, tmo[i], &ids[i]), VA_OK);
        assert_true(va_manager_valid(&h->m));
    }
    for (uint64_t now = 100; now <= 400; now++) {
        uint64_t next = va_manager_next_deadline(&h->m);
        assert_true(next >= now || next == UINT64_MAX);
        (void)va_manager_expire(&h->m, now);
        for (int i = 0; i < 20; i++) {
            /* each fires exactly at its deadline, not before, not after */
            assert_int_equal(ncomp(h, ids[i]), (100 + tmo[i] <= now) ? 1u : 0u);
        }
    }
}

static void stale_and_forged_handles(void **state)
{
    harness *h = *state;
    va_job_id id, sid;
    va_result r = { 0, 0, NULL };

    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &id), VA_OK);
    assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &sid), VA_OK);
    /* id 0, slot out of range, wrong generation, wrong kind */
    assert_int_equal(va_client_job_cancel(&h->m, 0), VA_ERR_STALE);
    assert_int_equal(va_client_job_cancel(&h->m, ((uint64_t)1 << 32) | CAP), VA_ERR_STALE);
    assert_int_equal(va_client_job_cancel(&h->m, id + ((uint64_t)1 << 32)), VA_ERR_STALE);
    assert_int_equal(va_client_job_read_done(&h->m, sid, &r), VA_ERR_STALE);
    assert_int_equal(va_server_job_execute_done(&h->m, id, &r), VA_ERR_STALE);
    assert_int_equal(va_manager_slot(&h->m, 0), VA_NIL);
    /* random forgeries never touch a live job */
    uint32_t x = 99;
    for (int i = 0; i < 100000; i++) {
        x = x * 1664525u + 1013904223u;
        va_job_id f = ((uint64_t)x << 16) ^ (uint64_t)(x >> 3);
        if (f == id || f == sid) {
            continue;
        }
        assert_int_equal(va_client_job_read_done(&h->m, f, &r), VA_ERR_STALE);
    }
    assert_int_equal(ncomp(h, id), 0);
    assert_int_equal(va_manager_live(&h->m), 2);
    /* after completion and reuse of the slot, the old handle stays dead */
    assert_int_equal(va_client_job_send_done(&h->m, id), VA_OK);
    assert_int_equal(va_client_job_read_done(&h->m, id, &r), VA_OK);
    va_job_id again;
    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &again), VA_OK);
    assert_int_equal((uint32_t)again, (uint32_t)id); /* same slot (LIFO free list) */
    assert_true(again != id);
    assert_int_equal(va_client_job_cancel(&h->m, id), VA_ERR_STALE);
    assert_int_equal(ncomp(h, again), 0);
}

static void pool_exhaustion_and_init_checks(void **state)
{
    harness *h = *state;
    va_limits l = { 4, 4, CAP / 2, CAP / 2, 1 };
    va_job_id id;
    memset(h, 0, sizeof *h);
    assert_int_equal(va_manager_init(&h->m, h->pool, CAP, &l, &sops, &cops, h), VA_OK);
    for (int i = 0; i < CAP / 2; i++) {
        assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &id), VA_OK);
        assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &id), VA_OK);
    }
    assert_int_equal(va_manager_live(&h->m), CAP);
    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &id), VA_ERR_LIMIT);
    assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &id), VA_ERR_BUSY);
    assert_true(va_manager_valid(&h->m));

    /* limits that could exhaust the pool before a limit triggers: refused */
    va_manager m2;
    va_limits bad = { 4, 4, CAP, 1, 1 };
    assert_int_equal(va_manager_init(&m2, h->pool, CAP, &bad, &sops, &cops, NULL), VA_ERR_INVAL);
    va_limits zero = { 0, 4, 4, 4, 1 };
    assert_int_equal(va_manager_init(&m2, h->pool, CAP, &zero, &sops, &cops, NULL), VA_ERR_INVAL);
    va_server_ops holey = sops;
    holey.cancel = NULL;
    assert_int_equal(va_manager_init(&m2, h->pool, CAP, NULL, &holey, &cops, NULL), VA_ERR_INVAL);
    assert_int_equal(va_manager_init(&m2, h->pool, 0, NULL, &sops, &cops, NULL), VA_ERR_INVAL);
    reinit(h, 4, 4, 8, 8, 1);
}

static void disconnect_completes_everything_once(void **state)
{
    harness *h = *state;
    va_job_id q, ex, sent, c_send, c_wait, c_queued;
    va_result r = { 0, 0, NULL };
    reinit(h, 2, 1, 8, 8, 1);

    assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &ex), VA_OK);     /* executing */
    assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &q), VA_OK);      /* queued */
    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &c_wait), VA_OK);
    assert_int_equal(va_client_job_send_done(&h->m, c_wait), VA_OK);       /* awaiting */
    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &c_send), VA_OK); /* sending */
    assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &sent), VA_OK);
    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &c_queued), VA_OK);
    (void)sent;
    h->submit_on_complete = 1;
    va_manager_disconnect(&h->m);
    assert_int_equal(ncomp(h, q), 1);
    assert_int_equal(ncomp(h, ex), 1);
    assert_int_equal(ncomp(h, c_wait), 1);
    assert_int_equal(ncomp(h, c_send), 1);
    assert_int_equal(ncomp(h, c_queued), 1);
    assert_int_equal(h->last_status, VA_STATUS_DISCONNECTED);
    /* the running handler keeps its slot; nothing else is held */
    assert_int_equal(h->m.exec_count, 1);
    /* the job submitted from a completion callback survived, and was sent */
    assert_true(h->submitted_in_cb != 0);
    assert_int_equal(ncomp(h, h->submitted_in_cb), 0);
    assert_int_equal(h->m.send_count, 1);
    assert_int_equal(va_server_job_execute_done(&h->m, ex, &r), VA_OK);
    assert_int_equal(h->m.exec_count, 0);
    assert_int_equal(va_manager_live(&h->m), 1);
}

static void reentrant_synchronous_handlers(void **state)
{
    harness *h = *state;
    va_job_id id;
    reinit(h, 2, 2, 16, 16, 1);
    h->auto_exec_done = 1;
    h->auto_send_done = 1;
    for (int round = 0; round < 100; round++) {
        for (int i = 0; i < 10; i++) {
            assert_int_equal(va_server_job_add(&h->m, NULL, 0, 0, &id), VA_OK);
            assert_int_equal(ncomp(h, id), 1);
        }
    }
    assert_int_equal(va_manager_live(&h->m), 0);
    assert_int_equal(va_manager_get_stats(&h->m)->completions[VA_STATUS_OK], 1000);
}

static unsigned traced, traced_rejects;
static void trace_fn(void *ctx, const va_trace_event *ev)
{
    (void)ctx;
    traced++;
    if (ev->to == 0xFF) {
        traced_rejects++;
    }
}

static void tracing_hook(void **state)
{
    harness *h = *state;
    va_job_id id;
    traced = traced_rejects = 0;
    va_manager_set_trace(&h->m, trace_fn, NULL);
    assert_int_equal(va_client_job_submit(&h->m, NULL, 0, 0, &id), VA_OK);
    assert_int_equal(va_client_job_read_done(&h->m, id, NULL), VA_OK);
    assert_int_equal(va_client_job_cancel(&h->m, id), VA_ERR_STATE);
    assert_int_equal(traced, 3);
    assert_int_equal(traced_rejects, 1);
}

/* ---- random run: invariant after every call, exactly once for all ---- */

static void random_exactly_once(void **state)
{
    harness *h = *state;
    va_job_id live[CAP];
    int live_server[CAP];
    unsigned nlive = 0;
    va_job_id all[200000];
    unsigned nall = 0;
    uint32_t x = 7;
    uint64_t now = 0;
    va_result ok = { 0, 0, NULL };
    va_result busy = { VA_RESULT_CODE_BUSY, 0, NULL };

    reinit(h, 3, 2, 24, 24, 2);
    for (unsigned step = 0; step < 200000u && nall < 199000u; step++) {
        x = x * 1103515245u + 12345u;
        unsigned r = (x >> 8) % 100u;
        unsigned pick = nlive ? (x >> 20) % nlive : 0;
        va_job_id id;
        int rc;
        now += (x >> 28) & 1u;
        if (r < 15) {
            rc = va_server_job_add(&h->m, NULL, now, (x >> 5) % 40u, &id);
            if (rc == VA_OK) {
                live[nlive] = id;
                live_server[nlive++] = 1;
                all[nall++] = id;
            } else {
                assert_int_equal(rc, VA_ERR_BUSY);
            }
        } else if (r < 30) {
            rc = va_client_job_submit(&h->m, NULL, now, (x >> 5) % 40u, &id);
            if (rc == VA_OK) {
                live[nlive] = id;
                live_server[nlive++] = 0;
                all[nall++] = id;
            } else {
                assert_int_equal(rc, VA_ERR_LIMIT);
            }
        } else if (nlive && r < 85) {
            id = live[pick];
            if (live_server[pick]) {
                switch (r % 3) {
                case 0: rc = va_server_job_execute_done(&h->m, id, &ok); break;
                case 1: rc = va_server_job_send_done(&h->m, id); break;
                default: rc = (r & 8) ? va_server_job_cancel(&h->m, id)
                                      : va_server_job_send_done(&h->m, id); break;
                }
            } else {
                switch (r % 4) {
                case 0: rc = va_client_job_send_done(&h->m, id); break;
                case 1: rc = va_client_job_read_done(&h->m, id, (r & 16) ? &busy : &ok); break;
                case 2: rc = va_client_job_cancel(&h->m, id); break;
                default: rc = va_client_job_send_done(&h->m, id); break;
                }
            }
            assert_true(rc == VA_OK || rc == VA_ERR_STATE || rc == VA_ERR_STALE);
            if (rc == VA_ERR_STALE) {
                /* released: drop from our live list */
                live[pick] = live[nlive - 1];
                live_server[pick] = live_server[nlive - 1];
                nlive--;
            }
        } else if (r < 95) {
            (void)va_manager_expire(&h->m, now);
        } else if (r < 97) {
            va_manager_disconnect(&h->m);
        } else {
            /* forged handle: rejected unless it happens to name a live job */
            va_job_id f = ((uint64_t)(x | 1u) << 32) | (x % CAP);
            if (va_manager_slot(&h->m, f) == VA_NIL) {
                assert_int_equal(va_client_job_cancel(&h->m, f), VA_ERR_STALE);
            }
        }
        assert_true(va_manager_valid(&h->m));
        assert_true(h->m.exec_count <= 2 && h->m.send_count <= 3);
    }
    /* drain: disconnect, then let every running handler return */
    va_manager_disconnect(&h->m);
    for (unsigned i = 0; i < nlive; i++) {
        if (live_server[i]) {
            (void)va_server_job_execute_done(&h->m, live[i], &ok);
        }
    }
    assert_int_equal(va_manager_live(&h->m), 0);
    for (unsigned i = 0; i < nall; i++) {
        /* exactly once: count_complete asserts "not twice"; here "not zero" */
        assert_int_equal(ncomp(h, all[i]) >= 1u, 1);
    }
    uint64_t total = 0;
    for (int s = 0; s < VA_STATUS_COUNT; s++) {
        total += va_manager_get_stats(&h->m)->completions[s];
    }
    assert_int_equal(total, nall);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(event_traces, setup, teardown),
        cmocka_unit_test_setup_teardown(server_happy_path, setup, teardown),
        cmocka_unit_test_setup_teardown(client_happy_path, setup, teardown),
        cmocka_unit_test_setup_teardown(answered_before_send_done, setup, teardown),
        cmocka_unit_test_setup_teardown(limits_busy_and_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(exec_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(send_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(responses_first_and_starvation_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(cancel_server_every_state, setup, teardown),
        cmocka_unit_test_setup_teardown(cancel_client_every_state, setup, teardown),
        cmocka_unit_test_setup_teardown(timeouts, setup, teardown),
        cmocka_unit_test_setup_teardown(many_timeout_values_fire_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(stale_and_forged_handles, setup, teardown),
        cmocka_unit_test_setup_teardown(pool_exhaustion_and_init_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(disconnect_completes_everything_once, setup, teardown),
        cmocka_unit_test_setup_teardown(reentrant_synchronous_handlers, setup, teardown),
        cmocka_unit_test_setup_teardown(tracing_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(random_exactly_once, setup, teardown),
    };
    return cmocka_run_group_tests_name("manager", tests, NULL, NULL);
}
