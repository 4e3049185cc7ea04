/* SPDX-License-Identifier: MIT */
/*
 * va_demo: two job managers ("host" and "guest") in one process, calling
 * each other in both directions at once over an in-process link, with a
 * cancel, a timeout and a disconnect, printing what happens.  The link is a
 * pair of mailboxes; each delivery is one step of a virtual clock.
 */
#include <stdio.h>
#include <string.h>

#include "virtagent/va_manager.h"

#define PEERS 2
#define BOX 64

typedef struct msg {
    int kind;          /* 0 request, 1 response, 2 cancel */
    va_job_id id;      /* sender's client job id (echoed in responses) */
    char text[48];
    int32_t code;
} msg;

typedef struct peer {
    const char *name;
    va_manager m;
    va_job pool[32];
    msg inbox[BOX];
    unsigned nin;
    struct peer *other;
    /* server-side bookkeeping: our server job -> the peer's request id */
    va_job_id peer_req[32];
    char req_text[32][48];
    int slow[32];
} peer;

static peer P[PEERS];
static uint64_t now;

static void post(peer *to, int kind, va_job_id id, const char *text, int32_t code)
{
    if (to->nin < BOX) {
        msg *x = &to->inbox[to->nin++];
        x->kind = kind;
        x->id = id;
        x->code = code;
        snprintf(x->text, sizeof x->text, "%s", text);
    }
}

/* server ops: run a request, send its response */
static void s_execute(va_manager *m, va_job_id job, void *jc, void *oc)
{
    peer *p = oc;
    uint32_t s = va_manager_slot(m, job);
    (void)jc;
    if (strcmp(p->req_text[s], "slow") == 0) {
        p->slow[s] = 1; /* answered later, or never: the caller times out */
        printf("  [%s] executing '%s' (slow)\n", p->name, p->req_text[s]);
        return;
    }
    printf("  [%s] executing '%s'\n", p->name, p->req_text[s]);
    char out[48];
    snprintf(out, sizeof out, "%s -> ok from %s", p->req_text[s], p->name);
    va_result r = { 0, (uint32_t)strlen(out), (const uint8_t *)out };
    snprintf(p->req_text[s], sizeof p->req_text[s], "%s", out);
    va_server_job_execute_done(m, job, &r);
}

static void s_send(va_manager *m, va_job_id job, void *jc, const va_result *res, void *oc)
{
    peer *p = oc;
    uint32_t s = va_manager_slot(m, job);
    char text[48];
    (void)jc;
    snprintf(text, sizeof text, "%.*s", (int)res->len, (const char *)res->data);
    post(p->other, 1, p->peer_req[s], text, res->code);
    va_server_job_send_done(m, job);
}

static void s_complete(va_manager *m, va_job_id job, void *jc, va_status st, void *oc)
{
    (void)m; (void)jc;
    printf("  [%s] served job %#llx: %s\n", ((peer *)oc)->name, (unsigned long long)job,
           va_status_str(st));
}

static void s_cancel(va_manager *m, va_job_id job, void *jc, void *oc)
{
    (void)m; (void)jc;
    printf("  [%s] handler of job %#llx told to stop\n", ((peer *)oc)->name,
           (unsigned long long)job);
}

/* client ops */
static void c_send(va_manager *m, va_job_id job, void *jc, void *oc)
{
    peer *p = oc;
    post(p->other, 0, job, (const char *)jc, 0);
    va_client_job_send_done(m, job);
}

static void c_abort(va_manager *m, va_job_id job, void *jc, void *oc)
{
    (void)m; (void)jc;
    post(((peer *)oc)->other, 2, job, "", 0);
}

static void c_complete(va_manager *m, va_job_id job, void *jc, va_status st,
                       const va_result *r, void *oc)
{
    (void)m;
    printf("  [%s] call '%s' (job %#llx) finished: %s%s%.*s\n", ((peer *)oc)->name,
           (const char *)jc, (unsigned long long)job, va_status_str(st), r ? ": " : "",
           r ? (int)r->len : 0, r ? (const char *)r->data : "");
}

static const va_server_ops sops = { .execute = s_execute, .send = s_send,
                                    .complete = s_complete, .cancel = s_cancel };
static const va_client_ops cops = { .send = c_send, .abort = c_abort, .complete = c_complete };

/* deliver one message from each inbox */
static void deliver(void)
{
    for (int i = 0; i < PEERS; i++) {
        peer *p = &P[i];
        if (p->nin == 0) {
            continue;
        }
        msg x = p->inbox[0];
        memmove(p->inbox, p->inbox + 1, (p->nin - 1) * sizeof(msg));
        p->nin--;
        if (x.kind == 0) {
            va_job_id sj;
            va_limits lim;
            (void)lim;
            /* remember the request before the manager runs it */
            uint32_t slot = p->m.free_head;
            if (slot != VA_NIL) {
                p->peer_req[slot] = x.id;
                snprintf(p->req_text[slot], sizeof p->req_text[slot], "%s", x.text);
            }
            if (va_server_job_add(&p->m, NULL, now, 0, &sj) == VA_ERR_BUSY) {
                post(p->other, 1, x.id, "busy", VA_RESULT_CODE_BUSY);
            }
        } else if (x.kind == 1) {
            va_result r = { x.code, (uint32_t)strlen(x.text), (const uint8_t *)x.text };
            if (va_client_job_read_done(&p->m, x.id, &r) != VA_OK) {
                printf("  [%s] late reply for job %#llx dropped (counted)\n", p->name,
                       (unsigned long long)x.id);
            }
        }
    }
}

int main(void)
{
    va_job_id calls[8];
    P[0].name = "host";
    P[1].name = "guest";
    P[0].other = &P[1];
    P[1].other = &P[0];
    for (int i = 0; i < PEERS; i++) {
        va_limits lim = { 4, 2, 8, 8, 2 };
        if (va_manager_init(&P[i].m, P[i].pool, 32, &lim, &sops, &cops, &P[i]) != VA_OK) {
            return 1;
        }
    }
    printf("virtagent demo: two managers, calls in both directions at once\n\n");
    printf("t=0: host calls ping, info and slow (timeout 3); guest announces itself\n");
    va_client_job_submit(&P[0].m, "ping", now, 10, &calls[0]);
    va_client_job_submit(&P[0].m, "info", now, 10, &calls[1]);
    va_client_job_submit(&P[0].m, "slow", now, 3, &calls[2]);
    va_client_job_submit(&P[1].m, "announce", now, 10, &calls[3]);
    va_client_job_submit(&P[0].m, "capabilities", now, 10, &calls[4]);
    printf("t=0: host cancels 'capabilities' before it is answered\n");
    va_client_job_cancel(&P[0].m, calls[4]);
    for (now = 1; now <= 6; now++) {
        printf("t=%llu:\n", (unsigned long long)now);
        deliver();
        deliver();
        for (int i = 0; i < PEERS; i++) {
            va_manager_expire(&P[i].m, now);
        }
    }
    printf("t=7: guest calls event while the link drops\n");
    va_client_job_submit(&P[1].m, "event", now, 10, &calls[5]);
    va_manager_disconnect(&P[0].m);
    va_manager_disconnect(&P[1].m);
    for (int i = 0; i < PEERS; i++) {
        const va_manager_stats *st = va_manager_get_stats(&P[i].m);
        printf("\n%s: %llu events, %llu rejected, completions ok=%llu cancelled=%llu "
               "timed-out=%llu disconnected=%llu, live jobs now %u, invariant %s\n",
               P[i].name, (unsigned long long)st->events,
               (unsigned long long)st->rejected_events,
               (unsigned long long)st->completions[VA_STATUS_OK],
               (unsigned long long)st->completions[VA_STATUS_CANCELLED],
               (unsigned long long)st->completions[VA_STATUS_TIMED_OUT],
               (unsigned long long)st->completions[VA_STATUS_DISCONNECTED],
               va_manager_live(&P[i].m), va_manager_valid(&P[i].m) ? "holds" : "BROKEN");
    }
    return 0;
}
