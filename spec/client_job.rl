# SPDX-License-Identifier: MIT
#
# Client job lifecycle: a request we send to the peer, from submission to
# the moment its slot is released.  This file is the only place where the
# transitions of a client job are written down; gen/ is generated from it
# by scripts/regen.sh.
#
# The alphabet is the event enum (exported to C as va_client_job_ex_*).
# Each action is bound to exactly one runtime hook of the same name
# (runtime/va_manager.c, va_cj_hook_<name>).  Actions run in the order they
# are defined below; scripts/lifecycle_tables.py refuses a transition that
# lists them in another order.
#
# Named states, each given by the shortest event path from the start state.
# @state QUEUED:
# @state SENDING:   SEND_START
# @state AWAITING:  SEND_START SEND_DONE
# @state ANSWERED:  SEND_START RESPONSE
# @state ABANDONED: SEND_START CANCEL
# @state FREE:      CANCEL
#
# Slots held per state:
#   send slot: SENDING, ANSWERED, ABANDONED
#   completed (callback already made, slot not yet free): ANSWERED, ABANDONED
#
# ANSWERED is "response read": the reply can overtake our own send-done
# report (the peer answered before the transport told us the last byte
# left); the job completes at once and only waits to give back its slot.

%%{
  machine va_client_job;
  alphtype unsigned char;

  # ---- events: the alphabet, shared with C through `write exports` ----
  export SEND_START = 0;   # the manager granted a send slot
  export SEND_DONE  = 1;   # the request left the output buffer
  export RESPONSE   = 2;   # the peer's response (ok, error or BUSY) arrived
  export CANCEL     = 3;   # the local user cancelled
  export TIMEOUT    = 4;   # the job's deadline passed
  export DISCONNECT = 5;   # the stream went away

  # ---- action bindings: one hook each, in execution order ----
  # Bookkeeping first, then the calls out to the embedder (ops table).
  action release_send     { VA_CJ_HOOK(release_send); }
  action acquire_send     { VA_CJ_HOOK(acquire_send); }
  action store_response   { VA_CJ_HOOK(store_response); }
  action set_cancelled    { VA_CJ_HOOK(set_cancelled); }
  action set_timed_out    { VA_CJ_HOOK(set_timed_out); }
  action set_disconnected { VA_CJ_HOOK(set_disconnected); }
  action release          { VA_CJ_HOOK(release); }
  action send             { VA_CJ_HOOK(send); }
  action abort            { VA_CJ_HOOK(abort); }
  action complete         { VA_CJ_HOOK(complete); }

  # ---- grammar ----
  main := (
    start: (
        SEND_START @acquire_send @send                         -> sending
      | CANCEL     @set_cancelled    @release @complete       -> final
      | TIMEOUT    @set_timed_out    @release @complete       -> final
      | DISCONNECT @set_disconnected @release @complete       -> final
    ),
    sending: (
        SEND_DONE  @release_send                               -> awaiting
      | RESPONSE   @store_response @complete                   -> answered
        # Half a frame may be on the wire: keep the send slot until it is
        # out, then tell the peer to abort (no garbage on the wire).
      | CANCEL     @set_cancelled    @complete                -> abandoned
      | TIMEOUT    @set_timed_out    @complete                -> abandoned
      | DISCONNECT @release_send @set_disconnected @release @complete -> final
    ),
    awaiting: (
        RESPONSE   @store_response @release @complete          -> final
        # spec: cancel travels to the peer; a late reply is dropped.
      | CANCEL     @set_cancelled @release @abort @complete -> final
      | TIMEOUT    @set_timed_out @release @abort @complete -> final
      | DISCONNECT @set_disconnected @release @complete        -> final
    ),
    answered: (
        SEND_DONE  @release_send @release                      -> final
      | DISCONNECT @release_send @release                      -> final
    ),
    abandoned: (
        SEND_DONE  @release_send @release @abort               -> final
      | DISCONNECT @release_send @release                      -> final
    )
  );
}%%
