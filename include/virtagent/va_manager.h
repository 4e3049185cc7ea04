/* SPDX-License-Identifier: MIT */
/*
 * virtagent job manager: the bounded, sans-I/O core that runs every RPC of
 * one channel through its lifecycle (spec/server_job.rl, spec/client_job.rl).
 *
 * - No heap, no syscalls, no clock: the caller provides the job pool and
 *   passes time in as an argument ("now", in any monotonic unit, e.g. ms).
 * - Job handles are slot index + generation: O(1) lookup; a stale or forged
 *   handle is rejected with VA_ERR_STALE, never misrouted.
 * - Every accepted job ends in exactly one completion callback with a
 *   va_status.  A job refused at submission (error return) gets none.
 * - O(1) work per event: ready queues per state, deadline lists per timeout
 *   value, no scan of the pool (except va_manager_disconnect, which visits
 *   each slot once, and va_manager_valid, a debugging aid).
 *
 * Callbacks (the ops tables) run after the manager's own bookkeeping for an
 * event is finished, so they may call back into the manager (complete a job
 * synchronously, submit a new one, cancel another).
 */
#ifndef VIRTAGENT_VA_MANAGER_H
#define VIRTAGENT_VA_MANAGER_H

#include <stdint.h>

#include "virtagent/va_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits --------------------------------------------------------- */

/* Frames being written at once (the seed's SEND_COUNT_MAX).  A send slot is
 * held from the moment a job's frame is handed to the channel until the
 * channel reports the frame's last byte written (send_done).  It bounds the
 * bytes buffered for output to send_max * max frame.  Raising it raises
 * pipelining and buffered memory; 1 gives strict one-frame-at-a-time. */
#define VA_DEFAULT_SEND_MAX 64u
/* Server jobs executing at once (the seed's EXECUTE_COUNT_MAX).  Bounds the
 * handler concurrency the peer can cause.  A cancelled job keeps its slot
 * until its handler returns, so this bound is real. */
#define VA_DEFAULT_EXEC_MAX 4u
/* Client requests live at once (submitted and not yet released).  Beyond
 * it va_client_job_submit fails with VA_ERR_LIMIT.  Should not exceed the
 * peer's announced server limit, or the peer answers BUSY. */
#define VA_DEFAULT_CLIENT_MAX 64u
/* Server jobs live at once (received and not yet released).  Beyond it
 * va_server_job_add fails with VA_ERR_BUSY and the channel answers BUSY. */
#define VA_DEFAULT_SERVER_MAX 64u
/* Anti-starvation: responses (server sends) go before requests (client
 * sends) so two peers never wait on each other, but after this many server
 * sends in a row while a client job waits, one client job is sent.  So a
 * queued client job waits for at most STARVE_MAX server sends per send
 * slot that frees up.  Must be >= 1. */
#define VA_DEFAULT_STARVE_MAX 4u
/* Distinct timeout values that get an O(1) deadline list each.  Jobs with
 * a further distinct value share the list with the nearest shorter value
 * and are inserted in order (O(k) for that insertion). */
#define VA_TIMEOUT_CLASSES 8u

typedef struct va_limits {
    uint32_t send_max;
    uint32_t exec_max;
    uint32_t client_max;
    uint32_t server_max;
    uint32_t starve_max;
} va_limits;

/* The defaults above. */
void va_limits_default(va_limits *lim);

/* ---- jobs, results, statuses ----------------------------------------- */

/* (generation << 32) | slot index; generations start at 1, so 0 is never
 * a valid handle and can mean "none" on the wire. */
typedef uint64_t va_job_id;
#define VA_JOB_NONE ((va_job_id)0)

/* X(name, text) */
#define VA_STATUSES(X)                                        \
    X(VA_STATUS_OK,           "ok")                           \
    X(VA_STATUS_REMOTE_ERROR, "remote error")                 \
    X(VA_STATUS_CANCELLED,    "cancelled")                    \
    X(VA_STATUS_TIMED_OUT,    "timed out")                    \
    X(VA_STATUS_DISCONNECTED, "disconnected")                 \
    X(VA_STATUS_REJECTED,     "rejected (peer busy)")

#define VA_STATUS_ENUM_ROW_(name, text) name,
typedef enum va_status { VA_STATUSES(VA_STATUS_ENUM_ROW_) VA_STATUS_COUNT } va_status;
#undef VA_STATUS_ENUM_ROW_

const char *va_status_str(va_status s);

/* Result of an execution or a peer's response.  code 0 is success; any
 * other value is an error code from the protocol's status enum, and
 * VA_RESULT_CODE_BUSY marks a BUSY rejection (spec/virtagent.proto must use
 * the same value; a test checks it).  data/len is the payload, owned by the
 * caller: it must stay valid until the call that passed it returns. */
#define VA_RESULT_CODE_OK 0
#define VA_RESULT_CODE_BUSY 3
typedef struct va_result {
    int32_t code;
    uint32_t len;
    const uint8_t *data;
} va_result;

/* A job slot.  The caller allocates an array of them and hands it to
 * va_manager_init; the fields are private to the manager. */
typedef struct va_job {
    void *ctx;              /* caller's per-job context */
    const uint8_t *data;    /* stored result / response payload */
    uint64_t deadline;      /* absolute, valid when dl_class != VA_DL_NONE */
    uint32_t gen;           /* generation, >= 1, bumped at release */
    uint32_t next, prev;    /* free list or ready queue links */
    uint32_t dl_next, dl_prev; /* deadline list links */
    uint32_t len;           /* stored payload length */
    int32_t code;           /* stored result / response code */
    uint8_t kind;           /* VA_KIND_* */
    uint8_t state;          /* lifecycle state (gen/va_sj_tables.h, va_cj_tables.h) */
    uint8_t status;         /* va_status once decided */
    uint8_t dl_class;       /* deadline list, or VA_DL_NONE */
    uint8_t epoch;          /* disconnect epoch the job was born in */
} va_job;

#define VA_KIND_FREE 0u
#define VA_KIND_SERVER 1u
#define VA_KIND_CLIENT 2u
#define VA_DL_NONE 0xFFu
#define VA_NIL 0xFFFFFFFFu

typedef struct va_manager va_manager;

/* What the manager asks of the embedder (normally runtime/va_channel.c). */
typedef struct va_server_ops {
    /* Run the request.  Call va_server_job_execute_done(job, result), now
     * or later. */
    void (*execute)(va_manager *m, va_job_id job, void *job_ctx, void *ops_ctx);
    /* Write the response carrying `result`; call va_server_job_send_done
     * once its last byte is written.  `result` is valid during the call. */
    void (*send)(va_manager *m, va_job_id job, void *job_ctx,
                 const va_result *result, void *ops_ctx);
    /* The job is over (exactly once). */
    void (*complete)(va_manager *m, va_job_id job, void *job_ctx,
                     va_status status, void *ops_ctx);
    /* The execution in progress is no longer wanted (cancel, timeout,
     * disconnect).  The handler may stop early; it must still call
     * execute_done, which then only frees the execute slot. */
    void (*cancel)(va_manager *m, va_job_id job, void *job_ctx, void *ops_ctx);
} va_server_ops;

typedef struct va_client_ops {
    /* Write the request; call va_client_job_send_done once its last byte
     * is written. */
    void (*send)(va_manager *m, va_job_id job, void *job_ctx, void *ops_ctx);
    /* The request was sent but is no longer wanted: tell the peer (cancel
     * message).  A late reply is then dropped (stale handle). */
    void (*abort)(va_manager *m, va_job_id job, void *job_ctx, void *ops_ctx);
    /* The job is over (exactly once).  `response` is non-NULL only when the
     * status comes from the peer's response (ok, remote error, rejected). */
    void (*complete)(va_manager *m, va_job_id job, void *job_ctx, va_status status,
                     const va_result *response, void *ops_ctx);
} va_client_ops;

/* Tracing: one hook, called for every event fed to a lifecycle. */
typedef struct va_trace_event {
    va_job_id job;
    uint8_t kind;       /* VA_KIND_SERVER or VA_KIND_CLIENT */
    uint8_t event;      /* va_sj_event / va_cj_event */
    uint8_t from;       /* state before */
    uint8_t to;         /* state after, or 0xFF when the event was rejected */
    uint16_t actions;   /* action mask run */
} va_trace_event;
typedef void (*va_trace_fn)(void *trace_ctx, const va_trace_event *ev);

typedef struct va_manager_stats {
    uint64_t events;             /* lifecycle events accepted */
    uint64_t rejected_events;    /* illegal in the job's state */
    uint64_t stale_handles;      /* calls naming a dead or forged job */
    uint64_t busy_rejections;    /* server jobs refused: server_max reached */
    uint64_t limit_rejections;   /* client jobs refused: client_max reached */
    uint64_t completions[VA_STATUS_COUNT];
} va_manager_stats;

typedef struct va_queue {
    uint32_t head, tail, len;
} va_queue;

typedef struct va_dl_class {
    uint64_t timeout;
    uint32_t head, tail, len;
} va_dl_class;

/* The manager.  Allocate it yourself (static, stack or embedded); the
 * fields are private. */
struct va_manager {
    va_job *pool;
    uint32_t cap;
    va_limits lim;
    const va_server_ops *sops;
    const va_client_ops *cops;
    void *ops_ctx;
    va_trace_fn trace;
    void *trace_ctx;
    uint32_t free_head;
    uint32_t free_len;
    va_queue exec_q;     /* server jobs QUEUED, waiting for an execute slot */
    va_queue ssend_q;    /* server jobs EXECUTED, waiting for a send slot */
    va_queue csend_q;    /* client jobs QUEUED, waiting for a send slot */
    uint32_t exec_count; /* server jobs holding an execute slot */
    uint32_t send_count; /* jobs holding a send slot */
    uint32_t server_live;
    uint32_t client_live;
    uint32_t starve_streak;
    va_dl_class dl[VA_TIMEOUT_CLASSES];
    const va_result *pending;  /* result handed to the step in progress */
    uint8_t pumping;
    uint8_t epoch;
    va_manager_stats stats;
};

/* ---- API -------------------------------------------------------------- */

/* capacity >= lim->client_max + lim->server_max, all limits >= 1, every ops
 * slot non-NULL (no NULL slot is ever called), capacity < VA_NIL.
 * Returns VA_OK or VA_ERR_INVAL. */
int va_manager_init(va_manager *m, va_job *pool, uint32_t capacity,
                    const va_limits *lim, const va_server_ops *sops,
                    const va_client_ops *cops, void *ops_ctx);

void va_manager_set_trace(va_manager *m, va_trace_fn fn, void *trace_ctx);

/* A request arrived from the peer.  timeout 0 = none.  VA_ERR_BUSY when
 * server_max jobs are live (answer the peer BUSY).  *out is set before any
 * callback runs. */
int va_server_job_add(va_manager *m, void *job_ctx, uint64_t now, uint64_t timeout,
                      va_job_id *out);
int va_server_job_execute_done(va_manager *m, va_job_id job, const va_result *result);
int va_server_job_send_done(va_manager *m, va_job_id job);
int va_server_job_cancel(va_manager *m, va_job_id job);

/* A request of ours.  VA_ERR_LIMIT when client_max jobs are live. */
int va_client_job_submit(va_manager *m, void *job_ctx, uint64_t now, uint64_t timeout,
                         va_job_id *out);
int va_client_job_send_done(va_manager *m, va_job_id job);
/* The peer's response arrived (read_done). */
int va_client_job_read_done(va_manager *m, va_job_id job, const va_result *response);
int va_client_job_cancel(va_manager *m, va_job_id job);

/* Fire TIMEOUT for every job whose deadline is <= now; returns how many. */
uint32_t va_manager_expire(va_manager *m, uint64_t now);
/* Earliest deadline of a live job, or UINT64_MAX when none. */
uint64_t va_manager_next_deadline(const va_manager *m);
/* The stream went away: every job gets DISCONNECT (jobs submitted from
 * inside the callbacks this causes are kept for the next stream). */
void va_manager_disconnect(va_manager *m);

/* Slot index of a handle (for per-slot side tables), or VA_NIL if the
 * handle is not live. */
uint32_t va_manager_slot(const va_manager *m, va_job_id job);
/* The slot index the next successful va_server_job_add or
 * va_client_job_submit will occupy, or VA_NIL when the pool is full.  Lets
 * an embedder fill a per-slot side table before the call (whose callbacks
 * may already need it). */
uint32_t va_manager_next_slot(const va_manager *m);
/* Generation of a slot (for rebuilding a handle from a side table). */
uint32_t va_manager_slot_gen(const va_manager *m, uint32_t slot);
/* Job context of a live handle, or NULL. */
void *va_manager_job_ctx(const va_manager *m, va_job_id job);

const va_manager_stats *va_manager_get_stats(const va_manager *m);
uint32_t va_manager_live(const va_manager *m);

/* The manager invariant, checked in full (O(capacity)): each counter equals
 * the number of jobs in the matching states, every limit holds, free list,
 * ready queues and deadline lists are well formed and match the states.
 * Returns 1 when it holds.  Builds with VA_DEBUG_CHECKS check it on entry
 * and exit of every public function. */
int va_manager_valid(const va_manager *m);

#ifdef __cplusplus
}
#endif

#endif
