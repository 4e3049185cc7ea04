
/* SPDX-License-Identifier: MIT */
/* GENERATED FILE - DO NOT EDIT.
 * Source: spec/server_job.rl, compiled with `ragel -G2` (host: scripts/lifecycle_exec.rl.in).
 * Regenerate: meson compile -C build regen  (scripts/regen.sh)
 *
 * The executable form of the server_job lifecycle.  The runtime interprets the
 * dense tables in va_sj_tables.c (which Frama-C WP can read); this code is
 * Ragel's own and serves the differential test and the Eva analysis.
 */
#include "va_sj_machine.h"

#define VA_SJ_HOOK(name) va_sj_machine_hook(ctx, VA_SJ_HOOK_ID_##name)

static const int va_server_job_start = 1;

int va_sj_machine_start(void)
{
    return va_server_job_start;
}

int va_sj_machine_step(int *state, unsigned char event, void *ctx)
{
    int cs = *state;
    const unsigned char *p = &event;
    const unsigned char *pe = p + 1;

    
	{
	if ( p == pe )
		goto _test_eof;
	switch ( cs )
	{
case 1:
	switch( (*p) ) {
		case 0u: goto tr0;
		case 4u: goto tr1;
		case 5u: goto tr3;
		case 6u: goto tr4;
	}
	goto st0;
tr0:
	{ VA_SJ_HOOK(acquire_exec); }
	{ VA_SJ_HOOK(execute); }
	goto st2;
st2:
	if ( ++p == pe )
		goto _test_eof2;
case 2:
	switch( (*p) ) {
		case 1u: goto tr5;
		case 4u: goto tr6;
		case 5u: goto tr7;
		case 6u: goto tr8;
	}
	goto st0;
st0:
cs = 0;
	goto _out;
tr5:
	{ VA_SJ_HOOK(release_exec); }
	{ VA_SJ_HOOK(store_result); }
	goto st3;
st3:
	if ( ++p == pe )
		goto _test_eof3;
case 3:
	switch( (*p) ) {
		case 2u: goto tr9;
		case 4u: goto tr1;
		case 5u: goto tr3;
		case 6u: goto tr4;
	}
	goto st0;
tr9:
	{ VA_SJ_HOOK(acquire_send); }
	{ VA_SJ_HOOK(send); }
	goto st4;
st4:
	if ( ++p == pe )
		goto _test_eof4;
case 4:
	switch( (*p) ) {
		case 3u: goto tr10;
		case 4u: goto tr11;
		case 5u: goto tr12;
		case 6u: goto tr13;
	}
	goto st0;
tr1:
	{ VA_SJ_HOOK(set_cancelled); }
	{ VA_SJ_HOOK(release); }
	{ VA_SJ_HOOK(complete); }
	goto st7;
tr3:
	{ VA_SJ_HOOK(set_timed_out); }
	{ VA_SJ_HOOK(release); }
	{ VA_SJ_HOOK(complete); }
	goto st7;
tr4:
	{ VA_SJ_HOOK(set_disconnected); }
	{ VA_SJ_HOOK(release); }
	{ VA_SJ_HOOK(complete); }
	goto st7;
tr10:
	{ VA_SJ_HOOK(release_send); }
	{ VA_SJ_HOOK(set_ok); }
	{ VA_SJ_HOOK(release); }
	{ VA_SJ_HOOK(complete); }
	goto st7;
tr13:
	{ VA_SJ_HOOK(release_send); }
	{ VA_SJ_HOOK(set_disconnected); }
	{ VA_SJ_HOOK(release); }
	{ VA_SJ_HOOK(complete); }
	goto st7;
tr14:
	{ VA_SJ_HOOK(release_send); }
	{ VA_SJ_HOOK(release); }
	goto st7;
tr15:
	{ VA_SJ_HOOK(release_exec); }
	{ VA_SJ_HOOK(release); }
	goto st7;
st7:
	if ( ++p == pe )
		goto _test_eof7;
case 7:
	goto st0;
tr11:
	{ VA_SJ_HOOK(set_cancelled); }
	{ VA_SJ_HOOK(complete); }
	goto st5;
tr12:
	{ VA_SJ_HOOK(set_timed_out); }
	{ VA_SJ_HOOK(complete); }
	goto st5;
st5:
	if ( ++p == pe )
		goto _test_eof5;
case 5:
	switch( (*p) ) {
		case 3u: goto tr14;
		case 6u: goto tr14;
	}
	goto st0;
tr6:
	{ VA_SJ_HOOK(set_cancelled); }
	{ VA_SJ_HOOK(complete); }
	{ VA_SJ_HOOK(cancel); }
	goto st6;
tr7:
	{ VA_SJ_HOOK(set_timed_out); }
	{ VA_SJ_HOOK(complete); }
	{ VA_SJ_HOOK(cancel); }
	goto st6;
tr8:
	{ VA_SJ_HOOK(set_disconnected); }
	{ VA_SJ_HOOK(complete); }
	{ VA_SJ_HOOK(cancel); }
	goto st6;
st6:
	if ( ++p == pe )
		goto _test_eof6;
case 6:
	switch( (*p) ) {
		case 1u: goto tr15;
		case 6u: goto st6;
	}
	goto st0;
	}
	_test_eof2: cs = 2; goto _test_eof; 
	_test_eof3: cs = 3; goto _test_eof; 
	_test_eof4: cs = 4; goto _test_eof; 
	_test_eof7: cs = 7; goto _test_eof; 
	_test_eof5: cs = 5; goto _test_eof; 
	_test_eof6: cs = 6; goto _test_eof; 

	_test_eof: {}
	_out: {}
	}

    if (cs == 0) {
        /* spec: an illegal event is rejected and leaves the state unchanged */
        return -1;
    }
    *state = cs;
    return 0;
}
