/* SPDX-License-Identifier: MIT */
/*
 * virtagent event loop: epoll (level-triggered), timers on a monotonic
 * millisecond clock, per-watch deadlines, and signals through a signalfd.
 *
 * Everything lives in one caller-owned struct with a fixed number of slots
 * (VA_LOOP_SLOTS); an fd watch, a timer and a signal each take one slot.
 * Ids carry a generation, so an id kept after va_loop_del is rejected
 * (VA_ERR_STALE) rather than reaching whoever reuses the slot.
 *
 * Callbacks may add, modify or delete any watch, including their own, and
 * may call va_loop_stop. Delete an fd watch before closing its descriptor.
 *
 * Embedding the core in another loop (GLib, libevent, ...) needs no code
 * from here. Per connection, give that loop three things:
 *   1. the descriptor:   va_stream_fd(stream) (-1 for the in-memory pair;
 *                        poll va_mem_pair_pending instead);
 *   2. the wanted events: always readable; writable only while the core has
 *                        bytes to send (otherwise a level-triggered loop spins);
 *   3. the next deadline: the core's next_deadline(now), in the same
 *                        monotonic milliseconds as va_loop_now_ms(); arm a
 *                        one-shot timer for it and re-query after every
 *                        recv/send/timeout, since each may move it.
 * With this loop, the same three map to va_loop_add_fd, va_loop_mod_fd and
 * va_loop_set_deadline.
 */
#ifndef VIRTAGENT_VA_LOOP_H
#define VIRTAGENT_VA_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "virtagent/va_error.h"

/* Slots per loop. A guest agent has a listener, a handful of connections,
 * a few timers and signals; raise this if a tool needs more. */
#define VA_LOOP_SLOTS 64

/* Event bits: wanted (READ, WRITE) and reported (all). */
#define VA_EV_READ     0x01u
#define VA_EV_WRITE    0x02u
#define VA_EV_HUP      0x04u /* reported even if not wanted */
#define VA_EV_ERR      0x08u /* reported even if not wanted */
#define VA_EV_DEADLINE 0x10u /* an fd watch's deadline passed */
#define VA_EV_TIMER    0x20u /* a timer fired */
#define VA_EV_SIGNAL   0x40u /* a signal arrived; see va_loop_event.signo */

/* "No deadline": the largest time, never reached. */
#define VA_LOOP_NEVER UINT64_MAX

typedef struct va_loop va_loop;

typedef struct va_loop_event {
    uint32_t id;      /* the watch's id */
    int fd;           /* fd watches; -1 otherwise */
    uint32_t events;  /* VA_EV_* bits */
    int signo;        /* VA_EV_SIGNAL only */
    uint64_t now_ms;  /* loop time at dispatch */
} va_loop_event;

typedef void (*va_loop_cb)(va_loop *loop, const va_loop_event *ev, void *arg);

typedef enum va_loop_slot_kind {
    VA_SLOT_FREE = 0,
    VA_SLOT_FD,
    VA_SLOT_TIMER,
    VA_SLOT_SIGNAL,
} va_loop_slot_kind;

typedef struct va_loop_slot {
    va_loop_slot_kind kind;
    uint16_t gen;        /* bumped on free; part of the id */
    int fd;              /* FD */
    uint32_t events;     /* FD: wanted events */
    int signo;           /* SIGNAL */
    uint64_t deadline;   /* FD, TIMER: absolute ms, VA_LOOP_NEVER if none */
    uint64_t period;     /* TIMER: 0 one-shot, else repeat interval */
    uint64_t seq;        /* insertion order: ties on deadline fire in it */
    va_loop_cb cb;
    void *arg;
} va_loop_slot;

struct va_loop {
    int epfd;
    int sigfd;           /* -1 until the first va_loop_add_signal */
    sigset_t sigmask;    /* signals routed to sigfd */
    sigset_t old_mask;   /* process mask before we blocked anything */
    bool stop;
    uint64_t next_seq;
    va_loop_slot slot[VA_LOOP_SLOTS];
};

/* Monotonic clock in milliseconds (CLOCK_MONOTONIC). */
uint64_t va_loop_now_ms(void);

int va_loop_init(va_loop *loop);
/* Closes the epoll fd and signalfd and restores the signal mask. Does not
 * close descriptors added with va_loop_add_fd: the caller owns them. */
void va_loop_fini(va_loop *loop);

/* Watch fd for events (VA_EV_READ | VA_EV_WRITE, may be 0). */
int va_loop_add_fd(va_loop *loop, int fd, uint32_t events, va_loop_cb cb,
                   void *arg, uint32_t *id);
/* Change wanted events; no system call when they are unchanged. */
int va_loop_mod_fd(va_loop *loop, uint32_t id, uint32_t events);
/* Set (or with VA_LOOP_NEVER clear) an absolute deadline on an fd watch or
 * timer; O(1), no system call. When it passes, an fd watch's callback gets
 * VA_EV_DEADLINE and the deadline is cleared (re-arm from next_deadline). */
int va_loop_set_deadline(va_loop *loop, uint32_t id, uint64_t deadline_ms);

/* Timer firing after delay_ms, then every period_ms if period_ms > 0. */
int va_loop_add_timer(va_loop *loop, uint64_t delay_ms, uint64_t period_ms,
                      va_loop_cb cb, void *arg, uint32_t *id);

/* Route signo to cb through a signalfd: the signal is blocked for the
 * process (call before starting threads) and restored by del/fini. */
int va_loop_add_signal(va_loop *loop, int signo, va_loop_cb cb, void *arg,
                       uint32_t *id);

/* Remove any watch; its id becomes stale. */
int va_loop_del(va_loop *loop, uint32_t id);

/* Wait up to max_wait_ms (< 0: until something happens; 0: poll) or the
 * earliest deadline, whichever is sooner, then dispatch ready fds, expired
 * deadlines and timers (in deadline order), and signals. */
int va_loop_run_once(va_loop *loop, int max_wait_ms);
/* run_once until va_loop_stop, or until no watch remains; the stop request
 * is consumed on return, so the loop can be run again. */
int va_loop_run(va_loop *loop);
void va_loop_stop(va_loop *loop);

#endif
