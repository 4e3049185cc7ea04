/* SPDX-License-Identifier: MIT */
/* GENERATED FILE - DO NOT EDIT.
 * Source: spec/server_job.rl (Ragel machine, read through `ragel -x`).
 * Regenerate: meson compile -C build regen  (scripts/regen.sh)
 */
#ifndef VIRTAGENT_GEN_VA_SJ_TABLES_H
#define VIRTAGENT_GEN_VA_SJ_TABLES_H

#include <stdint.h>

/* Events: the machine's alphabet (Ragel `export`). */
typedef enum va_sj_event {
    VA_SJ_EV_EXEC_START = 0,
    VA_SJ_EV_EXEC_DONE = 1,
    VA_SJ_EV_SEND_START = 2,
    VA_SJ_EV_SEND_DONE = 3,
    VA_SJ_EV_CANCEL = 4,
    VA_SJ_EV_TIMEOUT = 5,
    VA_SJ_EV_DISCONNECT = 6,
} va_sj_event;
#define VA_SJ_NEVENTS 7

/* States, in the order of the spec's @state lines. */
typedef enum va_sj_state {
    VA_SJ_QUEUED = 0,
    VA_SJ_EXECUTING = 1,
    VA_SJ_EXECUTED = 2,
    VA_SJ_SENDING = 3,
    VA_SJ_DRAIN_EXEC = 4,
    VA_SJ_DRAIN_SEND = 5,
    VA_SJ_FREE = 6,
} va_sj_state;
#define VA_SJ_NSTATES 7
#define VA_SJ_START VA_SJ_QUEUED
/* The final state: the slot is released. */
#define VA_SJ_FINAL VA_SJ_FREE
#define VA_SJ_REJECT 0xFFu

/* Actions: bit i of an action mask; run in increasing bit order. */
typedef enum va_sj_action {
    VA_SJ_A_RELEASE_EXEC = 0,
    VA_SJ_A_RELEASE_SEND = 1,
    VA_SJ_A_ACQUIRE_EXEC = 2,
    VA_SJ_A_ACQUIRE_SEND = 3,
    VA_SJ_A_STORE_RESULT = 4,
    VA_SJ_A_SET_OK = 5,
    VA_SJ_A_SET_CANCELLED = 6,
    VA_SJ_A_SET_TIMED_OUT = 7,
    VA_SJ_A_SET_DISCONNECTED = 8,
    VA_SJ_A_RELEASE = 9,
    VA_SJ_A_EXECUTE = 10,
    VA_SJ_A_SEND = 11,
    VA_SJ_A_COMPLETE = 12,
    VA_SJ_A_CANCEL = 13,
} va_sj_action;
#define VA_SJ_NACTIONS 14
#define VA_SJ_DO_RELEASE_EXEC (1u << VA_SJ_A_RELEASE_EXEC)
#define VA_SJ_DO_RELEASE_SEND (1u << VA_SJ_A_RELEASE_SEND)
#define VA_SJ_DO_ACQUIRE_EXEC (1u << VA_SJ_A_ACQUIRE_EXEC)
#define VA_SJ_DO_ACQUIRE_SEND (1u << VA_SJ_A_ACQUIRE_SEND)
#define VA_SJ_DO_STORE_RESULT (1u << VA_SJ_A_STORE_RESULT)
#define VA_SJ_DO_SET_OK (1u << VA_SJ_A_SET_OK)
#define VA_SJ_DO_SET_CANCELLED (1u << VA_SJ_A_SET_CANCELLED)
#define VA_SJ_DO_SET_TIMED_OUT (1u << VA_SJ_A_SET_TIMED_OUT)
#define VA_SJ_DO_SET_DISCONNECTED (1u << VA_SJ_A_SET_DISCONNECTED)
#define VA_SJ_DO_RELEASE (1u << VA_SJ_A_RELEASE)
#define VA_SJ_DO_EXECUTE (1u << VA_SJ_A_EXECUTE)
#define VA_SJ_DO_SEND (1u << VA_SJ_A_SEND)
#define VA_SJ_DO_COMPLETE (1u << VA_SJ_A_COMPLETE)
#define VA_SJ_DO_CANCEL (1u << VA_SJ_A_CANCEL)
/* Hook name (as written in the spec) -> action id. */
#define VA_SJ_HOOK_ID_release_exec VA_SJ_A_RELEASE_EXEC
#define VA_SJ_HOOK_ID_release_send VA_SJ_A_RELEASE_SEND
#define VA_SJ_HOOK_ID_acquire_exec VA_SJ_A_ACQUIRE_EXEC
#define VA_SJ_HOOK_ID_acquire_send VA_SJ_A_ACQUIRE_SEND
#define VA_SJ_HOOK_ID_store_result VA_SJ_A_STORE_RESULT
#define VA_SJ_HOOK_ID_set_ok VA_SJ_A_SET_OK
#define VA_SJ_HOOK_ID_set_cancelled VA_SJ_A_SET_CANCELLED
#define VA_SJ_HOOK_ID_set_timed_out VA_SJ_A_SET_TIMED_OUT
#define VA_SJ_HOOK_ID_set_disconnected VA_SJ_A_SET_DISCONNECTED
#define VA_SJ_HOOK_ID_release VA_SJ_A_RELEASE
#define VA_SJ_HOOK_ID_execute VA_SJ_A_EXECUTE
#define VA_SJ_HOOK_ID_send VA_SJ_A_SEND
#define VA_SJ_HOOK_ID_complete VA_SJ_A_COMPLETE
#define VA_SJ_HOOK_ID_cancel VA_SJ_A_CANCEL

extern const uint8_t va_sj_next[VA_SJ_NSTATES][VA_SJ_NEVENTS];
extern const uint16_t va_sj_actions[VA_SJ_NSTATES][VA_SJ_NEVENTS];
extern const char *const va_sj_state_names[VA_SJ_NSTATES];
extern const char *const va_sj_event_names[VA_SJ_NEVENTS];
extern const char *const va_sj_action_names[VA_SJ_NACTIONS];
/* Ragel's state number -> named state (for the differential test). */
#define VA_SJ_RAGEL_NSTATES 8
extern const uint8_t va_sj_of_ragel[VA_SJ_RAGEL_NSTATES];

#endif
