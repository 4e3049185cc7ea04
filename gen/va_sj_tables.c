/* SPDX-License-Identifier: MIT */
/* GENERATED FILE - DO NOT EDIT.
 * Source: spec/server_job.rl (Ragel machine, read through `ragel -x`).
 * Regenerate: meson compile -C build regen  (scripts/regen.sh)
 */
#include "va_sj_tables.h"

const uint8_t va_sj_next[VA_SJ_NSTATES][VA_SJ_NEVENTS] = {
    [VA_SJ_QUEUED] = { VA_SJ_EXECUTING, VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_FREE, VA_SJ_FREE, VA_SJ_FREE },
    [VA_SJ_EXECUTING] = { VA_SJ_REJECT, VA_SJ_EXECUTED, VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_DRAIN_EXEC, VA_SJ_DRAIN_EXEC, VA_SJ_DRAIN_EXEC },
    [VA_SJ_EXECUTED] = { VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_SENDING, VA_SJ_REJECT, VA_SJ_FREE, VA_SJ_FREE, VA_SJ_FREE },
    [VA_SJ_SENDING] = { VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_FREE, VA_SJ_DRAIN_SEND, VA_SJ_DRAIN_SEND, VA_SJ_FREE },
    [VA_SJ_DRAIN_EXEC] = { VA_SJ_REJECT, VA_SJ_FREE, VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_DRAIN_EXEC },
    [VA_SJ_DRAIN_SEND] = { VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_FREE, VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_FREE },
    [VA_SJ_FREE] = { VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_REJECT, VA_SJ_REJECT },
};

const uint16_t va_sj_actions[VA_SJ_NSTATES][VA_SJ_NEVENTS] = {
    [VA_SJ_QUEUED] = {
        [VA_SJ_EV_EXEC_START] = VA_SJ_DO_ACQUIRE_EXEC | VA_SJ_DO_EXECUTE,
        [VA_SJ_EV_EXEC_DONE] = 0,
        [VA_SJ_EV_SEND_START] = 0,
        [VA_SJ_EV_SEND_DONE] = 0,
        [VA_SJ_EV_CANCEL] = VA_SJ_DO_SET_CANCELLED | VA_SJ_DO_RELEASE | VA_SJ_DO_COMPLETE,
        [VA_SJ_EV_TIMEOUT] = VA_SJ_DO_SET_TIMED_OUT | VA_SJ_DO_RELEASE | VA_SJ_DO_COMPLETE,
        [VA_SJ_EV_DISCONNECT] = VA_SJ_DO_SET_DISCONNECTED | VA_SJ_DO_RELEASE | VA_SJ_DO_COMPLETE,
    },
    [VA_SJ_EXECUTING] = {
        [VA_SJ_EV_EXEC_START] = 0,
        [VA_SJ_EV_EXEC_DONE] = VA_SJ_DO_RELEASE_EXEC | VA_SJ_DO_STORE_RESULT,
        [VA_SJ_EV_SEND_START] = 0,
        [VA_SJ_EV_SEND_DONE] = 0,
        [VA_SJ_EV_CANCEL] = VA_SJ_DO_SET_CANCELLED | VA_SJ_DO_COMPLETE | VA_SJ_DO_CANCEL,
        [VA_SJ_EV_TIMEOUT] = VA_SJ_DO_SET_TIMED_OUT | VA_SJ_DO_COMPLETE | VA_SJ_DO_CANCEL,
        [VA_SJ_EV_DISCONNECT] = VA_SJ_DO_SET_DISCONNECTED | VA_SJ_DO_COMPLETE | VA_SJ_DO_CANCEL,
    },
    [VA_SJ_EXECUTED] = {
        [VA_SJ_EV_EXEC_START] = 0,
        [VA_SJ_EV_EXEC_DONE] = 0,
        [VA_SJ_EV_SEND_START] = VA_SJ_DO_ACQUIRE_SEND | VA_SJ_DO_SEND,
        [VA_SJ_EV_SEND_DONE] = 0,
        [VA_SJ_EV_CANCEL] = VA_SJ_DO_SET_CANCELLED | VA_SJ_DO_RELEASE | VA_SJ_DO_COMPLETE,
        [VA_SJ_EV_TIMEOUT] = VA_SJ_DO_SET_TIMED_OUT | VA_SJ_DO_RELEASE | VA_SJ_DO_COMPLETE,
        [VA_SJ_EV_DISCONNECT] = VA_SJ_DO_SET_DISCONNECTED | VA_SJ_DO_RELEASE | VA_SJ_DO_COMPLETE,
    },
    [VA_SJ_SENDING] = {
        [VA_SJ_EV_EXEC_START] = 0,
        [VA_SJ_EV_EXEC_DONE] = 0,
        [VA_SJ_EV_SEND_START] = 0,
        [VA_SJ_EV_SEND_DONE] = VA_SJ_DO_RELEASE_SEND | VA_SJ_DO_SET_OK | VA_SJ_DO_RELEASE | VA_SJ_DO_COMPLETE,
        [VA_SJ_EV_CANCEL] = VA_SJ_DO_SET_CANCELLED | VA_SJ_DO_COMPLETE,
        [VA_SJ_EV_TIMEOUT] = VA_SJ_DO_SET_TIMED_OUT | VA_SJ_DO_COMPLETE,
        [VA_SJ_EV_DISCONNECT] = VA_SJ_DO_RELEASE_SEND | VA_SJ_DO_SET_DISCONNECTED | VA_SJ_DO_RELEASE | VA_SJ_DO_COMPLETE,
    },
    [VA_SJ_DRAIN_EXEC] = {
        [VA_SJ_EV_EXEC_START] = 0,
        [VA_SJ_EV_EXEC_DONE] = VA_SJ_DO_RELEASE_EXEC | VA_SJ_DO_RELEASE,
        [VA_SJ_EV_SEND_START] = 0,
        [VA_SJ_EV_SEND_DONE] = 0,
        [VA_SJ_EV_CANCEL] = 0,
        [VA_SJ_EV_TIMEOUT] = 0,
        [VA_SJ_EV_DISCONNECT] = 0,
    },
    [VA_SJ_DRAIN_SEND] = {
        [VA_SJ_EV_EXEC_START] = 0,
        [VA_SJ_EV_EXEC_DONE] = 0,
        [VA_SJ_EV_SEND_START] = 0,
        [VA_SJ_EV_SEND_DONE] = VA_SJ_DO_RELEASE_SEND | VA_SJ_DO_RELEASE,
        [VA_SJ_EV_CANCEL] = 0,
        [VA_SJ_EV_TIMEOUT] = 0,
        [VA_SJ_EV_DISCONNECT] = VA_SJ_DO_RELEASE_SEND | VA_SJ_DO_RELEASE,
    },
    [VA_SJ_FREE] = {
        [VA_SJ_EV_EXEC_START] = 0,
        [VA_SJ_EV_EXEC_DONE] = 0,
        [VA_SJ_EV_SEND_START] = 0,
        [VA_SJ_EV_SEND_DONE] = 0,
        [VA_SJ_EV_CANCEL] = 0,
        [VA_SJ_EV_TIMEOUT] = 0,
        [VA_SJ_EV_DISCONNECT] = 0,
    },
};

const char *const va_sj_state_names[VA_SJ_NSTATES] = {
    "QUEUED",
    "EXECUTING",
    "EXECUTED",
    "SENDING",
    "DRAIN_EXEC",
    "DRAIN_SEND",
    "FREE",
};

const char *const va_sj_event_names[VA_SJ_NEVENTS] = {
    "EXEC_START",
    "EXEC_DONE",
    "SEND_START",
    "SEND_DONE",
    "CANCEL",
    "TIMEOUT",
    "DISCONNECT",
};

const char *const va_sj_action_names[VA_SJ_NACTIONS] = {
    "release_exec",
    "release_send",
    "acquire_exec",
    "acquire_send",
    "store_result",
    "set_ok",
    "set_cancelled",
    "set_timed_out",
    "set_disconnected",
    "release",
    "execute",
    "send",
    "complete",
    "cancel",
};

const uint8_t va_sj_of_ragel[VA_SJ_RAGEL_NSTATES] = {
    VA_SJ_REJECT,
    VA_SJ_QUEUED,
    VA_SJ_EXECUTING,
    VA_SJ_EXECUTED,
    VA_SJ_SENDING,
    VA_SJ_DRAIN_SEND,
    VA_SJ_DRAIN_EXEC,
    VA_SJ_FREE,
};
