/* SPDX-License-Identifier: MIT */
/* GENERATED FILE - DO NOT EDIT.
 * Source: spec/client_job.rl (Ragel machine, read through `ragel -x`).
 * Regenerate: meson compile -C build regen  (scripts/regen.sh)
 */
#include "va_cj_tables.h"

const uint8_t va_cj_next[VA_CJ_NSTATES][VA_CJ_NEVENTS] = {
    [VA_CJ_QUEUED] = { VA_CJ_SENDING, VA_CJ_REJECT, VA_CJ_REJECT, VA_CJ_FREE, VA_CJ_FREE, VA_CJ_FREE },
    [VA_CJ_SENDING] = { VA_CJ_REJECT, VA_CJ_AWAITING, VA_CJ_ANSWERED, VA_CJ_ABANDONED, VA_CJ_ABANDONED, VA_CJ_FREE },
    [VA_CJ_AWAITING] = { VA_CJ_REJECT, VA_CJ_REJECT, VA_CJ_FREE, VA_CJ_FREE, VA_CJ_FREE, VA_CJ_FREE },
    [VA_CJ_ANSWERED] = { VA_CJ_REJECT, VA_CJ_FREE, VA_CJ_REJECT, VA_CJ_REJECT, VA_CJ_REJECT, VA_CJ_FREE },
    [VA_CJ_ABANDONED] = { VA_CJ_REJECT, VA_CJ_FREE, VA_CJ_REJECT, VA_CJ_REJECT, VA_CJ_REJECT, VA_CJ_FREE },
    [VA_CJ_FREE] = { VA_CJ_REJECT, VA_CJ_REJECT, VA_CJ_REJECT, VA_CJ_REJECT, VA_CJ_REJECT, VA_CJ_REJECT },
};

const uint16_t va_cj_actions[VA_CJ_NSTATES][VA_CJ_NEVENTS] = {
    [VA_CJ_QUEUED] = {
        [VA_CJ_EV_SEND_START] = VA_CJ_DO_ACQUIRE_SEND | VA_CJ_DO_SEND,
        [VA_CJ_EV_SEND_DONE] = 0,
        [VA_CJ_EV_RESPONSE] = 0,
        [VA_CJ_EV_CANCEL] = VA_CJ_DO_SET_CANCELLED | VA_CJ_DO_RELEASE | VA_CJ_DO_COMPLETE,
        [VA_CJ_EV_TIMEOUT] = VA_CJ_DO_SET_TIMED_OUT | VA_CJ_DO_RELEASE | VA_CJ_DO_COMPLETE,
        [VA_CJ_EV_DISCONNECT] = VA_CJ_DO_SET_DISCONNECTED | VA_CJ_DO_RELEASE | VA_CJ_DO_COMPLETE,
    },
    [VA_CJ_SENDING] = {
        [VA_CJ_EV_SEND_START] = 0,
        [VA_CJ_EV_SEND_DONE] = VA_CJ_DO_RELEASE_SEND,
        [VA_CJ_EV_RESPONSE] = VA_CJ_DO_STORE_RESPONSE | VA_CJ_DO_COMPLETE,
        [VA_CJ_EV_CANCEL] = VA_CJ_DO_SET_CANCELLED | VA_CJ_DO_COMPLETE,
        [VA_CJ_EV_TIMEOUT] = VA_CJ_DO_SET_TIMED_OUT | VA_CJ_DO_COMPLETE,
        [VA_CJ_EV_DISCONNECT] = VA_CJ_DO_RELEASE_SEND | VA_CJ_DO_SET_DISCONNECTED | VA_CJ_DO_RELEASE | VA_CJ_DO_COMPLETE,
    },
    [VA_CJ_AWAITING] = {
        [VA_CJ_EV_SEND_START] = 0,
        [VA_CJ_EV_SEND_DONE] = 0,
        [VA_CJ_EV_RESPONSE] = VA_CJ_DO_STORE_RESPONSE | VA_CJ_DO_RELEASE | VA_CJ_DO_COMPLETE,
        [VA_CJ_EV_CANCEL] = VA_CJ_DO_SET_CANCELLED | VA_CJ_DO_RELEASE | VA_CJ_DO_ABORT | VA_CJ_DO_COMPLETE,
        [VA_CJ_EV_TIMEOUT] = VA_CJ_DO_SET_TIMED_OUT | VA_CJ_DO_RELEASE | VA_CJ_DO_ABORT | VA_CJ_DO_COMPLETE,
        [VA_CJ_EV_DISCONNECT] = VA_CJ_DO_SET_DISCONNECTED | VA_CJ_DO_RELEASE | VA_CJ_DO_COMPLETE,
    },
    [VA_CJ_ANSWERED] = {
        [VA_CJ_EV_SEND_START] = 0,
        [VA_CJ_EV_SEND_DONE] = VA_CJ_DO_RELEASE_SEND | VA_CJ_DO_RELEASE,
        [VA_CJ_EV_RESPONSE] = 0,
        [VA_CJ_EV_CANCEL] = 0,
        [VA_CJ_EV_TIMEOUT] = 0,
        [VA_CJ_EV_DISCONNECT] = VA_CJ_DO_RELEASE_SEND | VA_CJ_DO_RELEASE,
    },
    [VA_CJ_ABANDONED] = {
        [VA_CJ_EV_SEND_START] = 0,
        [VA_CJ_EV_SEND_DONE] = VA_CJ_DO_RELEASE_SEND | VA_CJ_DO_RELEASE | VA_CJ_DO_ABORT,
        [VA_CJ_EV_RESPONSE] = 0,
        [VA_CJ_EV_CANCEL] = 0,
        [VA_CJ_EV_TIMEOUT] = 0,
        [VA_CJ_EV_DISCONNECT] = VA_CJ_DO_RELEASE_SEND | VA_CJ_DO_RELEASE,
    },
    [VA_CJ_FREE] = {
        [VA_CJ_EV_SEND_START] = 0,
        [VA_CJ_EV_SEND_DONE] = 0,
        [VA_CJ_EV_RESPONSE] = 0,
        [VA_CJ_EV_CANCEL] = 0,
        [VA_CJ_EV_TIMEOUT] = 0,
        [VA_CJ_EV_DISCONNECT] = 0,
    },
};

const char *const va_cj_state_names[VA_CJ_NSTATES] = {
    "QUEUED",
    "SENDING",
    "AWAITING",
    "ANSWERED",
    "ABANDONED",
    "FREE",
};

const char *const va_cj_event_names[VA_CJ_NEVENTS] = {
    "SEND_START",
    "SEND_DONE",
    "RESPONSE",
    "CANCEL",
    "TIMEOUT",
    "DISCONNECT",
};

const char *const va_cj_action_names[VA_CJ_NACTIONS] = {
    "release_send",
    "acquire_send",
    "store_response",
    "set_cancelled",
    "set_timed_out",
    "set_disconnected",
    "release",
    "send",
    "abort",
    "complete",
};

const uint8_t va_cj_of_ragel[VA_CJ_RAGEL_NSTATES] = {
    VA_CJ_REJECT,
    VA_CJ_QUEUED,
    VA_CJ_SENDING,
    VA_CJ_AWAITING,
    VA_CJ_ANSWERED,
    VA_CJ_ABANDONED,
    VA_CJ_FREE,
};
