/* SPDX-License-Identifier: MIT */
/*
 * Manager cost per lifecycle event with 10, 1 000 and 100 000 live jobs.
 *
 * The live jobs are client requests parked in AWAITING (sent, waiting for a
 * reply) with deadlines, plus a few server jobs, so the pool, the deadline
 * lists and the queues are populated.  The timed loop then runs complete
 * lifecycles of fresh jobs beside them: a client job (submit, send, reply)
 * and a server job (add, execute, send) -- 7 lifecycle events per
 * iteration, counted from the manager's own stats.  A benchmark, not a
 * test: it prints figures and a JSON line; meson registers it with
 * benchmark().
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "virtagent/va_manager.h"

#include "bench_util.h"

static va_job_id last_exec, last_send;
static const va_result pong = { 0, 4, (const uint8_t *)"pong" };

static void s_execute(va_manager *m, va_job_id job, void *jc, void *oc)
{
    (void)m; (void)jc; (void)oc;
    last_exec = job;
}
static void s_send(va_manager *m, va_job_id job, void *jc, const va_result *r, void *oc)
{
    (void)m; (void)jc; (void)r; (void)oc;
    last_send = job;
}
static void s_complete(va_manager *m, va_job_id job, void *jc, va_status st, void *oc)
{
    (void)m; (void)job; (void)jc; (void)st; (void)oc;
}
static void s_cancel(va_manager *m, va_job_id job, void *jc, void *oc)
{
    (void)m; (void)job; (void)jc; (void)oc;
}
static void c_send(va_manager *m, va_job_id job, void *jc, void *oc)
{
    (void)m; (void)jc; (void)oc;
    last_send = job;
}
static void c_abort(va_manager *m, va_job_id job, void *jc, void *oc)
{
    (void)m; (void)job; (void)jc; (void)oc;
}
static void c_complete(va_manager *m, va_job_id job, void *jc, va_status st,
                       const va_result *r, void *oc)
{
    (void)m; (void)job; (void)jc; (void)st; (void)r; (void)oc;
}

static const va_server_ops sops = { .execute = s_execute, .send = s_send,
                                    .complete = s_complete, .cancel = s_cancel };
static const va_client_ops cops = { .send = c_send, .abort = c_abort, .complete = c_complete };

static double run(uint32_t live, uint32_t iters)
{
    va_limits lim = { 64, 4, live + 16, 64, 4 };
    uint32_t cap = lim.client_max + lim.server_max;
    va_job *pool = calloc(cap, sizeof *pool);
    va_manager m;
    uint64_t t0, t1, ev0;
    va_job_id id;

    if (pool == NULL || va_manager_init(&m, pool, cap, &lim, &sops, &cops, NULL) != VA_OK) {
        fprintf(stderr, "init failed\n");
        exit(1);
    }
    /* park `live` client jobs in AWAITING with deadlines far ahead, using
     * two timeout values so two deadline lists are populated */
    for (uint32_t i = 0; i < live; i++) {
        if (va_client_job_submit(&m, NULL, i, (i & 1u) ? 1000000000u : 2000000000u, &id) != VA_OK ||
            va_client_job_send_done(&m, id) != VA_OK) {
            fprintf(stderr, "setup failed at %u\n", i);
            exit(1);
        }
    }
    ev0 = m.stats.events;
    t0 = now_ns();
    for (uint32_t i = 0; i < iters; i++) {
        va_client_job_submit(&m, NULL, live + i, 1000000000u, &id);
        va_client_job_send_done(&m, last_send);
        va_client_job_read_done(&m, id, &pong);
        va_server_job_add(&m, NULL, live + i, 0, &id);
        va_server_job_execute_done(&m, last_exec, &pong);
        va_server_job_send_done(&m, last_send);
        (void)va_manager_expire(&m, live + i);
    }
    t1 = now_ns();
    if (va_manager_live(&m) != live || !va_manager_valid(&m)) {
        fprintf(stderr, "benchmark broke the manager\n");
        exit(1);
    }
    double ns = (double)(t1 - t0) / (double)(m.stats.events - ev0);
    free(pool);
    return ns;
}

int main(int argc, char **argv)
{
    static const uint32_t sizes[] = { 10, 1000, 100000 };
    uint32_t iters = (argc > 1) ? (uint32_t)strtoul(argv[1], NULL, 10) : 2000000u;
    double res[3];

    printf("%-28s %14s\n", "manager: live jobs", "ns per event");
    for (int k = 0; k < 3; k++) {
        double best = 1e9;
        for (int rep = 0; rep < 5; rep++) {
            double v = run(sizes[k], iters);
            best = v < best ? v : best;
        }
        res[k] = best;
        printf("%-28" PRIu32 " %14.1f\n", sizes[k], best);
    }
    printf("flatness (100000 / 10):      %14.2f\n", res[2] / res[0]);
    printf("JSON {\"bench\":\"manager\",\"ns_per_event\":{\"10\":%.2f,\"1000\":%.2f,\"100000\":%.2f},"
           "\"sizeof_va_job\":%zu,\"sizeof_va_manager\":%zu}\n",
           res[0], res[1], res[2], sizeof(va_job), sizeof(va_manager));
    return 0;
}
