/* SPDX-License-Identifier: MIT */
/* GENERATED FILE - DO NOT EDIT.
 * Source: spec/client_job.rl (Ragel machine, read through `ragel -x`).
 * Regenerate: meson compile -C build regen  (scripts/regen.sh)
 */
#ifndef VIRTAGENT_GEN_VA_CJ_TABLES_H
#define VIRTAGENT_GEN_VA_CJ_TABLES_H

#include <stdint.h>

/* Events: the machine's alphabet (Ragel `export`). */
typedef enum va_cj_event {
    VA_CJ_EV_SEND_START = 0,
    VA_CJ_EV_SEND_DONE = 1,
    VA_CJ_EV_RESPONSE = 2,
    VA_CJ_EV_CANCEL = 3,
    VA_CJ_EV_TIMEOUT = 4,
    VA_CJ_EV_DISCONNECT = 5,
} va_cj_event;
#define VA_CJ_NEVENTS 6

/* States, in the order of the spec's @state lines. */
typedef enum va_cj_state {
    VA_CJ_QUEUED = 0,
    VA_CJ_SENDING = 1,
    VA_CJ_AWAITING = 2,
    VA_CJ_ANSWERED = 3,
    VA_CJ_ABANDONED = 4,
    VA_CJ_FREE = 5,
} va_cj_state;
#define VA_CJ_NSTATES 6
#define VA_CJ_START VA_CJ_QUEUED
/* The final state: the slot is released. */
#define VA_CJ_FINAL VA_CJ_FREE
#define VA_CJ_REJECT 0xFFu

/* Actions: bit i of an action mask; run in increasing bit order. */
typedef enum va_cj_action {
    VA_CJ_A_RELEASE_SEND = 0,
    VA_CJ_A_ACQUIRE_SEND = 1,
    VA_CJ_A_STORE_RESPONSE = 2,
    VA_CJ_A_SET_CANCELLED = 3,
    VA_CJ_A_SET_TIMED_OUT = 4,
    VA_CJ_A_SET_DISCONNECTED = 5,
    VA_CJ_A_RELEASE = 6,
    VA_CJ_A_SEND = 7,
    VA_CJ_A_ABORT = 8,
    VA_CJ_A_COMPLETE = 9,
} va_cj_action;
#define VA_CJ_NACTIONS 10
#define VA_CJ_DO_RELEASE_SEND (1u << VA_CJ_A_RELEASE_SEND)
#define VA_CJ_DO_ACQUIRE_SEND (1u << VA_CJ_A_ACQUIRE_SEND)
#define VA_CJ_DO_STORE_RESPONSE (1u << VA_CJ_A_STORE_RESPONSE)
#define VA_CJ_DO_SET_CANCELLED (1u << VA_CJ_A_SET_CANCELLED)
#define VA_CJ_DO_SET_TIMED_OUT (1u << VA_CJ_A_SET_TIMED_OUT)
#define VA_CJ_DO_SET_DISCONNECTED (1u << VA_CJ_A_SET_DISCONNECTED)
#define VA_CJ_DO_RELEASE (1u << VA_CJ_A_RELEASE)
#define VA_CJ_DO_SEND (1u << VA_CJ_A_SEND)
#define VA_CJ_DO_ABORT (1u << VA_CJ_A_ABORT)
#define VA_CJ_DO_COMPLETE (1u << VA_CJ_A_COMPLETE)
/* Hook name (as written in the spec) -> action id. */
#define VA_CJ_HOOK_ID_release_send VA_CJ_A_RELEASE_SEND
#define VA_CJ_HOOK_ID_acquire_send VA_CJ_A_ACQUIRE_SEND
#define VA_CJ_HOOK_ID_store_response VA_CJ_A_STORE_RESPONSE
#define VA_CJ_HOOK_ID_set_cancelled VA_CJ_A_SET_CANCELLED
#define VA_CJ_HOOK_ID_set_timed_out VA_CJ_A_SET_TIMED_OUT
#define VA_CJ_HOOK_ID_set_disconnected VA_CJ_A_SET_DISCONNECTED
#define VA_CJ_HOOK_ID_release VA_CJ_A_RELEASE
#define VA_CJ_HOOK_ID_send VA_CJ_A_SEND
#define VA_CJ_HOOK_ID_abort VA_CJ_A_ABORT
#define VA_CJ_HOOK_ID_complete VA_CJ_A_COMPLETE

extern const uint8_t va_cj_next[VA_CJ_NSTATES][VA_CJ_NEVENTS];
extern const uint16_t va_cj_actions[VA_CJ_NSTATES][VA_CJ_NEVENTS];
extern const char *const va_cj_state_names[VA_CJ_NSTATES];
extern const char *const va_cj_event_names[VA_CJ_NEVENTS];
extern const char *const va_cj_action_names[VA_CJ_NACTIONS];
/* Ragel's state number -> named state (for the differential test). */
#define VA_CJ_RAGEL_NSTATES 7
extern const uint8_t va_cj_of_ragel[VA_CJ_RAGEL_NSTATES];

#endif
