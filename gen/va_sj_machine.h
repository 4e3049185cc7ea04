/* SPDX-License-Identifier: MIT */
/* GENERATED FILE - DO NOT EDIT.
 * Source: spec/server_job.rl.  Regenerate: meson compile -C build regen
 */
#ifndef VIRTAGENT_GEN_VA_SJ_MACHINE_H
#define VIRTAGENT_GEN_VA_SJ_MACHINE_H

#include "va_sj_tables.h"

/* Ragel's start state number. */
int va_sj_machine_start(void);

/* Feed one event to Ragel's executable machine.  Returns 0 and updates
 * *state (a Ragel state number: map with va_sj_of_ragel[]) or returns -1
 * and leaves *state unchanged when the event is illegal.  Each action calls
 * va_sj_machine_hook(ctx, action) in order; the caller provides it. */
int va_sj_machine_step(int *state, unsigned char event, void *ctx);

void va_sj_machine_hook(void *ctx, va_sj_action action);

#endif
