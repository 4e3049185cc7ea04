/* SPDX-License-Identifier: MIT */
/* Event loop: epoll for fds, a slot table for deadlines, signalfd for signals. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "virtagent/va_loop.h"

/* epoll events fetched per wait; more ready fds are simply seen next turn. */
#define VA_LOOP_BATCH 32
/* epoll data for the signalfd: no slot id is ever this value. */
#define VA_LOOP_SIGFD_TAG UINT64_MAX
/* Id layout: generation in the high 16 bits, slot index in the low 16. */
#define VA_ID_INDEX(id) ((id) & 0xFFFFu)
#define VA_ID_GEN(id) ((id) >> 16)

uint64_t va_loop_now_ms(void)
{
    struct timespec ts;

    /* CLOCK_MONOTONIC cannot fail with a valid pointer on Linux. */
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint32_t slot_id(const va_loop *loop, const va_loop_slot *sl)
{
    return ((uint32_t)sl->gen << 16) | (uint32_t)(sl - loop->slot);
}

/* The live slot an id names, or NULL if the id is stale or forged. */
static va_loop_slot *slot_get(va_loop *loop, uint32_t id)
{
    uint32_t idx = VA_ID_INDEX(id);
    va_loop_slot *sl;

    if (loop == NULL || idx >= VA_LOOP_SLOTS) {
        return NULL;
    }
    sl = &loop->slot[idx];
    if (sl->kind == VA_SLOT_FREE || sl->gen != VA_ID_GEN(id)) {
        return NULL;
    }
    return sl;
}

static va_loop_slot *slot_alloc(va_loop *loop, va_loop_slot_kind kind, va_loop_cb cb,
                                void *arg)
{
    size_t i;

    for (i = 0; i < VA_LOOP_SLOTS; i++) {
        va_loop_slot *sl = &loop->slot[i];

        if (sl->kind == VA_SLOT_FREE) {
            uint16_t gen = sl->gen;

            memset(sl, 0, sizeof(*sl));
            sl->gen = gen;
            sl->kind = kind;
            sl->fd = -1;
            sl->deadline = VA_LOOP_NEVER;
            sl->seq = loop->next_seq++;
            sl->cb = cb;
            sl->arg = arg;
            return sl;
        }
    }
    return NULL;
}

static uint32_t to_epoll(uint32_t ev)
{
    return ((ev & VA_EV_READ) ? (uint32_t)EPOLLIN : 0u) |
           ((ev & VA_EV_WRITE) ? (uint32_t)EPOLLOUT : 0u) | (uint32_t)EPOLLRDHUP;
}

static uint32_t from_epoll(uint32_t ev)
{
    return ((ev & EPOLLIN) ? VA_EV_READ : 0u) | ((ev & EPOLLOUT) ? VA_EV_WRITE : 0u) |
           ((ev & (EPOLLHUP | EPOLLRDHUP)) ? VA_EV_HUP : 0u) |
           ((ev & EPOLLERR) ? VA_EV_ERR : 0u);
}

int va_loop_init(va_loop *loop)
{
    if (loop == NULL) {
        return VA_ERR_INVAL;
    }
    memset(loop, 0, sizeof(*loop));
    loop->sigfd = -1;
    sigemptyset(&loop->sigmask);
    sigemptyset(&loop->old_mask);
    /* The mask to restore when the last signal watch goes away. */
    (void)sigprocmask(SIG_BLOCK, NULL, &loop->old_mask);
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (loop->epfd < 0) {
        return VA_ERR_IO;
    }
    return VA_OK;
}

void va_loop_fini(va_loop *loop)
{
    size_t i;

    if (loop == NULL) {
        return;
    }
    for (i = 0; i < VA_LOOP_SLOTS; i++) {
        if (loop->slot[i].kind != VA_SLOT_FREE) {
            (void)va_loop_del(loop, slot_id(loop, &loop->slot[i]));
        }
    }
    if (loop->epfd >= 0) {
        (void)close(loop->epfd);
        loop->epfd = -1;
    }
}

int va_loop_add_fd(va_loop *loop, int fd, uint32_t events, va_loop_cb cb, void *arg,
                   uint32_t *id)
{
    struct epoll_event ev = { 0 };
    va_loop_slot *sl;

    if (loop == NULL || fd < 0 || cb == NULL || id == NULL ||
        (events & ~(VA_EV_READ | VA_EV_WRITE)) != 0) {
        return VA_ERR_INVAL;
    }
    sl = slot_alloc(loop, VA_SLOT_FD, cb, arg);
    if (sl == NULL) {
        return VA_ERR_FULL;
    }
    sl->fd = fd;
    sl->events = events;
    ev.events = to_epoll(events);
    ev.data.u64 = slot_id(loop, sl);
    if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        sl->kind = VA_SLOT_FREE;
        return errno == EPERM ? VA_ERR_INVAL : VA_ERR_IO;
    }
    *id = slot_id(loop, sl);
    return VA_OK;
}

int va_loop_mod_fd(va_loop *loop, uint32_t id, uint32_t events)
{
    struct epoll_event ev = { 0 };
    va_loop_slot *sl = slot_get(loop, id);

    if (sl == NULL) {
        return VA_ERR_STALE;
    }
    if (sl->kind != VA_SLOT_FD || (events & ~(VA_EV_READ | VA_EV_WRITE)) != 0) {
        return VA_ERR_INVAL;
    }
    if (sl->events == events) {
        return VA_OK;
    }
    ev.events = to_epoll(events);
    ev.data.u64 = id;
    if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, sl->fd, &ev) < 0) {
        return VA_ERR_IO;
    }
    sl->events = events;
    return VA_OK;
}

int va_loop_set_deadline(va_loop *loop, uint32_t id, uint64_t deadline_ms)
{
    va_loop_slot *sl = slot_get(loop, id);

    if (sl == NULL) {
        return VA_ERR_STALE;
    }
    if (sl->kind == VA_SLOT_SIGNAL) {
        return VA_ERR_INVAL;
    }
    sl->deadline = deadline_ms;
    return VA_OK;
}

int va_loop_add_timer(va_loop *loop, uint64_t delay_ms, uint64_t period_ms, va_loop_cb cb,
                      void *arg, uint32_t *id)
{
    va_loop_slot *sl;
    uint64_t now = va_loop_now_ms();

    if (loop == NULL || cb == NULL || id == NULL || delay_ms >= VA_LOOP_NEVER - now) {
        return VA_ERR_INVAL;
    }
    sl = slot_alloc(loop, VA_SLOT_TIMER, cb, arg);
    if (sl == NULL) {
        return VA_ERR_FULL;
    }
    sl->deadline = now + delay_ms;
    sl->period = period_ms;
    *id = slot_id(loop, sl);
    return VA_OK;
}

/* Point the signalfd (creating it if needed) at loop->sigmask. */
static int sigfd_update(va_loop *loop)
{
    struct epoll_event ev = { 0 };
    int fd = signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);

    if (fd < 0) {
        return VA_ERR_IO;
    }
    if (loop->sigfd < 0) {
        ev.events = EPOLLIN;
        ev.data.u64 = VA_LOOP_SIGFD_TAG;
        if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            (void)close(fd);
            return VA_ERR_IO;
        }
        loop->sigfd = fd;
    }
    return VA_OK;
}

static bool signal_watched(const va_loop *loop, int signo, const va_loop_slot *except)
{
    size_t i;

    for (i = 0; i < VA_LOOP_SLOTS; i++) {
        const va_loop_slot *sl = &loop->slot[i];

        if (sl != except && sl->kind == VA_SLOT_SIGNAL && sl->signo == signo) {
            return true;
        }
    }
    return false;
}

int va_loop_add_signal(va_loop *loop, int signo, va_loop_cb cb, void *arg, uint32_t *id)
{
    sigset_t one;
    va_loop_slot *sl;
    int ret;

    if (loop == NULL || cb == NULL || id == NULL || signo <= 0 || signo >= NSIG ||
        signo == SIGKILL || signo == SIGSTOP) {
        return VA_ERR_INVAL;
    }
    sl = slot_alloc(loop, VA_SLOT_SIGNAL, cb, arg);
    if (sl == NULL) {
        return VA_ERR_FULL;
    }
    sl->signo = signo;
    if (!sigismember(&loop->sigmask, signo)) {
        /* Block first, so the signal queues for the signalfd instead of
         * running its default action (terminating the daemon). */
        sigemptyset(&one);
        sigaddset(&one, signo);
        if (sigprocmask(SIG_BLOCK, &one, NULL) < 0) {
            sl->kind = VA_SLOT_FREE;
            return VA_ERR_IO;
        }
        sigaddset(&loop->sigmask, signo);
        ret = sigfd_update(loop);
        if (ret != VA_OK) {
            (void)va_loop_del(loop, slot_id(loop, sl));
            return ret;
        }
    }
    *id = slot_id(loop, sl);
    return VA_OK;
}

static void signal_release(va_loop *loop, va_loop_slot *sl)
{
    sigset_t one;

    if (signal_watched(loop, sl->signo, sl)) {
        return;
    }
    sigdelset(&loop->sigmask, sl->signo);
    /* Unblock only what was unblocked before the loop took it. */
    if (!sigismember(&loop->old_mask, sl->signo)) {
        sigemptyset(&one);
        sigaddset(&one, sl->signo);
        (void)sigprocmask(SIG_UNBLOCK, &one, NULL);
    }
    if (sigisemptyset(&loop->sigmask)) {
        (void)close(loop->sigfd);
        loop->sigfd = -1;
    } else {
        (void)sigfd_update(loop);
    }
}

int va_loop_del(va_loop *loop, uint32_t id)
{
    va_loop_slot *sl = slot_get(loop, id);

    if (sl == NULL) {
        return VA_ERR_STALE;
    }
    if (sl->kind == VA_SLOT_FD) {
        /* ENOENT/EBADF: the caller closed the fd first; forget it anyway. */
        (void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, sl->fd, NULL);
    } else if (sl->kind == VA_SLOT_SIGNAL) {
        sl->kind = VA_SLOT_FREE;
        signal_release(loop, sl);
    }
    sl->kind = VA_SLOT_FREE;
    sl->gen++;
    return VA_OK;
}

/* Earliest deadline of any slot. A linear scan: VA_LOOP_SLOTS is small and
 * fixed, and it keeps va_loop_set_deadline a plain store. */
static va_loop_slot *earliest(va_loop *loop)
{
    va_loop_slot *best = NULL;
    size_t i;

    for (i = 0; i < VA_LOOP_SLOTS; i++) {
        va_loop_slot *sl = &loop->slot[i];

        if ((sl->kind == VA_SLOT_FD || sl->kind == VA_SLOT_TIMER) &&
            sl->deadline != VA_LOOP_NEVER &&
            (best == NULL || sl->deadline < best->deadline ||
             (sl->deadline == best->deadline && sl->seq < best->seq))) {
            best = sl;
        }
    }
    return best;
}

static void dispatch_signals(va_loop *loop, uint64_t now)
{
    struct signalfd_siginfo si;
    size_t i;

    /* Drain: standard signals coalesce, so one read per pending signal. */
    while (loop->sigfd >= 0 && read(loop->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        for (i = 0; i < VA_LOOP_SLOTS; i++) {
            va_loop_slot *sl = &loop->slot[i];

            if (sl->kind == VA_SLOT_SIGNAL && sl->signo == (int)si.ssi_signo) {
                va_loop_event e = { .id = slot_id(loop, sl), .fd = -1,
                                    .events = VA_EV_SIGNAL, .signo = sl->signo,
                                    .now_ms = now };

                sl->cb(loop, &e, sl->arg);
            }
        }
    }
}

/* Fire everything due at `now`, earliest first. A repeating timer re-arms at
 * now + period (> now) and an fd deadline clears, but a callback may set a
 * new deadline <= now; the pass bound stops that from spinning here (it
 * fires on the next run_once, which then does not sleep). */
static void dispatch_deadlines(va_loop *loop, uint64_t now)
{
    va_loop_slot *sl;
    size_t fired = 0;

    while (fired++ < VA_LOOP_SLOTS && (sl = earliest(loop)) != NULL && sl->deadline <= now) {
        va_loop_event e = { .id = slot_id(loop, sl), .fd = sl->fd, .now_ms = now };

        if (sl->kind == VA_SLOT_TIMER) {
            e.events = VA_EV_TIMER;
            if (sl->period > 0) {
                sl->deadline = now + sl->period;
            } else {
                /* A one-shot timer is gone once it fires; its id goes stale. */
                va_loop_cb cb = sl->cb;
                void *arg = sl->arg;

                (void)va_loop_del(loop, e.id);
                cb(loop, &e, arg);
                continue;
            }
        } else {
            e.events = VA_EV_DEADLINE;
            sl->deadline = VA_LOOP_NEVER;
        }
        sl->cb(loop, &e, sl->arg);
    }
}

int va_loop_run_once(va_loop *loop, int max_wait_ms)
{
    struct epoll_event evs[VA_LOOP_BATCH];
    va_loop_slot *next;
    uint64_t now;
    int timeout = max_wait_ms;
    int n;
    int i;

    if (loop == NULL || loop->epfd < 0) {
        return VA_ERR_INVAL;
    }
    now = va_loop_now_ms();
    next = earliest(loop);
    if (next != NULL) {
        uint64_t wait = next->deadline > now ? next->deadline - now : 0;

        if (wait > (uint64_t)INT_MAX) {
            wait = (uint64_t)INT_MAX;
        }
        if (timeout < 0 || (uint64_t)timeout > wait) {
            timeout = (int)wait;
        }
    }
    n = epoll_wait(loop->epfd, evs, VA_LOOP_BATCH, timeout);
    if (n < 0) {
        /* A signal not routed to us interrupted the wait: not an error. */
        return errno == EINTR ? VA_OK : VA_ERR_IO;
    }
    now = va_loop_now_ms();
    for (i = 0; i < n; i++) {
        va_loop_slot *sl;
        va_loop_event e = { .signo = 0, .now_ms = now };

        if (evs[i].data.u64 == VA_LOOP_SIGFD_TAG) {
            dispatch_signals(loop, now);
            continue;
        }
        /* The id re-check skips events for watches an earlier callback of
         * this batch deleted (and slots it reused). */
        sl = slot_get(loop, (uint32_t)evs[i].data.u64);
        if (sl == NULL || sl->kind != VA_SLOT_FD) {
            continue;
        }
        e.id = (uint32_t)evs[i].data.u64;
        e.fd = sl->fd;
        e.events = from_epoll(evs[i].events);
        sl->cb(loop, &e, sl->arg);
    }
    dispatch_deadlines(loop, now);
    return VA_OK;
}

static bool any_live(const va_loop *loop)
{
    size_t i;

    for (i = 0; i < VA_LOOP_SLOTS; i++) {
        if (loop->slot[i].kind != VA_SLOT_FREE) {
            return true;
        }
    }
    return false;
}

int va_loop_run(va_loop *loop)
{
    int ret = VA_OK;

    if (loop == NULL) {
        return VA_ERR_INVAL;
    }
    while (!loop->stop && any_live(loop)) {
        ret = va_loop_run_once(loop, -1);
        if (ret != VA_OK) {
            break;
        }
    }
    loop->stop = false;
    return ret;
}

void va_loop_stop(va_loop *loop)
{
    if (loop != NULL) {
        loop->stop = true;
    }
}
