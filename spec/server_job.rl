# SPDX-License-Identifier: MIT
#
# Server job lifecycle: a request the peer sent us, from receipt to the
# moment its slot is released.  This file is the only place where the
# transitions of a server job are written down; gen/ is generated from it
# by scripts/regen.sh.
#
# The alphabet is the event enum (exported to C as va_server_job_ex_*).
# Each action is bound to exactly one runtime hook of the same name
# (runtime/va_manager.c, va_sj_hook_<name>).  Actions run in the order they
# are defined below; scripts/lifecycle_tables.py refuses a transition that
# lists them in another order, so the order here is the execution order.
#
# Named states, each given by the shortest event path from the start state.
# The generator checks that the names cover every state exactly once.
# @state QUEUED:
# @state EXECUTING:  EXEC_START
# @state EXECUTED:   EXEC_START EXEC_DONE
# @state SENDING:    EXEC_START EXEC_DONE SEND_START
# @state DRAIN_EXEC: EXEC_START CANCEL
# @state DRAIN_SEND: EXEC_START EXEC_DONE SEND_START CANCEL
# @state FREE:       CANCEL
#
# Slots held per state (checked by tests/test_lifecycle.c against the hand
# written expectation table):
#   execute slot: EXECUTING, DRAIN_EXEC
#   send slot:    SENDING, DRAIN_SEND
#   completed (callback already made, slot not yet free): DRAIN_EXEC, DRAIN_SEND

%%{
  machine va_server_job;
  alphtype unsigned char;

  # ---- events: the alphabet, shared with C through `write exports` ----
  export EXEC_START = 0;   # the manager granted an execute slot
  export EXEC_DONE  = 1;   # the handler returned its result
  export SEND_START = 2;   # the manager granted a send slot
  export SEND_DONE  = 3;   # the response left the output buffer
  export CANCEL     = 4;   # the peer (or the local user) cancelled
  export TIMEOUT    = 5;   # the job's deadline passed
  export DISCONNECT = 6;   # the stream went away

  # ---- action bindings: one hook each, in execution order ----
  # Bookkeeping first (slot counters, result, status, slot release), then
  # the calls out to the embedder (ops table), so the manager is consistent
  # whenever user code runs and may call back into it.
  action release_exec     { VA_SJ_HOOK(release_exec); }
  action release_send     { VA_SJ_HOOK(release_send); }
  action acquire_exec     { VA_SJ_HOOK(acquire_exec); }
  action acquire_send     { VA_SJ_HOOK(acquire_send); }
  action store_result     { VA_SJ_HOOK(store_result); }
  action set_ok           { VA_SJ_HOOK(set_ok); }
  action set_cancelled    { VA_SJ_HOOK(set_cancelled); }
  action set_timed_out    { VA_SJ_HOOK(set_timed_out); }
  action set_disconnected { VA_SJ_HOOK(set_disconnected); }
  action release          { VA_SJ_HOOK(release); }
  action execute          { VA_SJ_HOOK(execute); }
  action send             { VA_SJ_HOOK(send); }
  action complete         { VA_SJ_HOOK(complete); }
  action cancel           { VA_SJ_HOOK(cancel); }

  # ---- grammar ----
  # spec: a job completes exactly once; after `complete` the only legal
  # events are those that give back a slot still held (drain states).
  main := (
    start: (
        EXEC_START @acquire_exec @execute                     -> executing
      | CANCEL     @set_cancelled    @release @complete      -> final
      | TIMEOUT    @set_timed_out    @release @complete      -> final
      | DISCONNECT @set_disconnected @release @complete      -> final
    ),
    executing: (
        EXEC_DONE  @release_exec @store_result                -> executed
        # The handler is still running: keep its execute slot until it
        # returns (EXECUTE_COUNT_MAX must bound real concurrency), but
        # complete now so nobody waits on a job that is already lost.
      | CANCEL     @set_cancelled    @complete @cancel       -> drain_exec
      | TIMEOUT    @set_timed_out    @complete @cancel       -> drain_exec
      | DISCONNECT @set_disconnected @complete @cancel       -> drain_exec
    ),
    executed: (
        SEND_START @acquire_send @send                        -> sending
      | CANCEL     @set_cancelled    @release @complete      -> final
      | TIMEOUT    @set_timed_out    @release @complete      -> final
      | DISCONNECT @set_disconnected @release @complete      -> final
    ),
    sending: (
        SEND_DONE  @release_send @set_ok @release @complete   -> final
        # Half a frame may be on the wire: the send slot stays held until
        # the frame is out, or the stream is gone (no garbage on the wire).
      | CANCEL     @set_cancelled    @complete               -> drain_send
      | TIMEOUT    @set_timed_out    @complete               -> drain_send
      | DISCONNECT @release_send @set_disconnected @release @complete -> final
    ),
    drain_exec: (
        EXEC_DONE  @release_exec @release                     -> final
        # The stream going away changes nothing for a running handler.
      | DISCONNECT                                            -> drain_exec
    ),
    drain_send: (
        SEND_DONE  @release_send @release                     -> final
      | DISCONNECT @release_send @release                     -> final
    )
  );
}%%
