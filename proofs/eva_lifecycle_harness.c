/* SPDX-License-Identifier: MIT */
/*
 * Eva harness for Ragel's executable lifecycle machines (gen/va_sj_machine.c,
 * gen/va_cj_machine.c, -G2) and for the dense tables the runtime interprets
 * (gen/va_sj_tables.c, gen/va_cj_tables.c).
 *
 * From the start state, feed an unbounded sequence of arbitrary event bytes
 * (0..255, not only the declared events: a corrupt event must be rejected,
 * not read out of bounds).  Eva must report no alarm.  The hook records the
 * action so that every action id reaching the hook is checked to be in range.
 * Build: see proofs/run.sh (EVA_MACHINES).
 */
#include "__fc_builtin.h"

#include "va_cj_machine.h"
#include "va_sj_machine.h"

static unsigned sj_seen[VA_SJ_NACTIONS];
static unsigned cj_seen[VA_CJ_NACTIONS];

void va_sj_machine_hook(void *ctx, va_sj_action action)
{
    (void)ctx;
    /* an out-of-range action id would be an alarm here */
    sj_seen[action] = 1u;
}

void va_cj_machine_hook(void *ctx, va_cj_action action)
{
    (void)ctx;
    cj_seen[action] = 1u;
}

static void run_sj_machine(void)
{
    int st = va_sj_machine_start();
    while (Frama_C_nondet(0, 1)) {
        unsigned char ev = (unsigned char)Frama_C_interval(0, 255);
        int r = va_sj_machine_step(&st, ev, 0);
        /*@ assert r == 0 || r == -1; */
        /*@ assert 1 <= st < VA_SJ_RAGEL_NSTATES; */
        /*@ assert va_sj_of_ragel[st] < VA_SJ_NSTATES; */
    }
}

static void run_cj_machine(void)
{
    int st = va_cj_machine_start();
    while (Frama_C_nondet(0, 1)) {
        unsigned char ev = (unsigned char)Frama_C_interval(0, 255);
        int r = va_cj_machine_step(&st, ev, 0);
        /*@ assert r == 0 || r == -1; */
        /*@ assert 1 <= st < VA_CJ_RAGEL_NSTATES; */
        /*@ assert va_cj_of_ragel[st] < VA_CJ_NSTATES; */
    }
}

/* The table interpreter's read pattern (runtime/va_manager.c sj_step and
 * cj_step): state from the table, events only from the declared alphabet. */
static void run_sj_tables(void)
{
    uint8_t st = VA_SJ_START;
    while (Frama_C_nondet(0, 1)) {
        uint8_t ev = (uint8_t)Frama_C_interval(0, VA_SJ_NEVENTS - 1);
        uint8_t to = va_sj_next[st][ev];
        if (to != VA_SJ_REJECT) {
            uint16_t acts = va_sj_actions[st][ev];
            /*@ assert to < VA_SJ_NSTATES; */
            /*@ assert acts < (1u << VA_SJ_NACTIONS); */
            (void)acts;
            st = to;
        }
    }
}

static void run_cj_tables(void)
{
    uint8_t st = VA_CJ_START;
    while (Frama_C_nondet(0, 1)) {
        uint8_t ev = (uint8_t)Frama_C_interval(0, VA_CJ_NEVENTS - 1);
        uint8_t to = va_cj_next[st][ev];
        if (to != VA_CJ_REJECT) {
            uint16_t acts = va_cj_actions[st][ev];
            /*@ assert to < VA_CJ_NSTATES; */
            /*@ assert acts < (1u << VA_CJ_NACTIONS); */
            (void)acts;
            st = to;
        }
    }
}

int main(void)
{
    run_sj_machine();
    run_cj_machine();
    run_sj_tables();
    run_cj_tables();
    return 0;
}
