
/* SPDX-License-Identifier: MIT */
/* GENERATED FILE - DO NOT EDIT.
 * Source: spec/client_job.rl, compiled with `ragel -G2` (host: scripts/lifecycle_exec.rl.in).
 * Regenerate: meson compile -C build regen  (scripts/regen.sh)
 *
 * The executable form of the client_job lifecycle.  The runtime interprets the
 * dense tables in va_cj_tables.c (which Frama-C WP can read); this code is
 * Ragel's own and serves the differential test and the Eva analysis.
 */
#include "va_cj_machine.h"

#define VA_CJ_HOOK(name) va_cj_machine_hook(ctx, VA_CJ_HOOK_ID_##name)

static const int va_client_job_start = 1;

int va_cj_machine_start(void)
{
    return va_client_job_start;
}

int va_cj_machine_step(int *state, unsigned char event, void *ctx)
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
		case 3u: goto tr1;
		case 4u: goto tr3;
		case 5u: goto tr4;
	}
	goto st0;
tr0:
	{ VA_CJ_HOOK(acquire_send); }
	{ VA_CJ_HOOK(send); }
	goto st2;
st2:
	if ( ++p == pe )
		goto _test_eof2;
case 2:
	switch( (*p) ) {
		case 1u: goto tr5;
		case 2u: goto tr6;
		case 3u: goto tr7;
		case 4u: goto tr8;
		case 5u: goto tr9;
	}
	goto st0;
st0:
cs = 0;
	goto _out;
tr5:
	{ VA_CJ_HOOK(release_send); }
	goto st3;
st3:
	if ( ++p == pe )
		goto _test_eof3;
case 3:
	switch( (*p) ) {
		case 2u: goto tr10;
		case 3u: goto tr11;
		case 4u: goto tr12;
		case 5u: goto tr4;
	}
	goto st0;
tr1:
	{ VA_CJ_HOOK(set_cancelled); }
	{ VA_CJ_HOOK(release); }
	{ VA_CJ_HOOK(complete); }
	goto st6;
tr3:
	{ VA_CJ_HOOK(set_timed_out); }
	{ VA_CJ_HOOK(release); }
	{ VA_CJ_HOOK(complete); }
	goto st6;
tr4:
	{ VA_CJ_HOOK(set_disconnected); }
	{ VA_CJ_HOOK(release); }
	{ VA_CJ_HOOK(complete); }
	goto st6;
tr9:
	{ VA_CJ_HOOK(release_send); }
	{ VA_CJ_HOOK(set_disconnected); }
	{ VA_CJ_HOOK(release); }
	{ VA_CJ_HOOK(complete); }
	goto st6;
tr10:
	{ VA_CJ_HOOK(store_response); }
	{ VA_CJ_HOOK(release); }
	{ VA_CJ_HOOK(complete); }
	goto st6;
tr11:
	{ VA_CJ_HOOK(set_cancelled); }
	{ VA_CJ_HOOK(release); }
	{ VA_CJ_HOOK(abort); }
	{ VA_CJ_HOOK(complete); }
	goto st6;
tr12:
	{ VA_CJ_HOOK(set_timed_out); }
	{ VA_CJ_HOOK(release); }
	{ VA_CJ_HOOK(abort); }
	{ VA_CJ_HOOK(complete); }
	goto st6;
tr13:
	{ VA_CJ_HOOK(release_send); }
	{ VA_CJ_HOOK(release); }
	goto st6;
tr14:
	{ VA_CJ_HOOK(release_send); }
	{ VA_CJ_HOOK(release); }
	{ VA_CJ_HOOK(abort); }
	goto st6;
st6:
	if ( ++p == pe )
		goto _test_eof6;
case 6:
	goto st0;
tr6:
	{ VA_CJ_HOOK(store_response); }
	{ VA_CJ_HOOK(complete); }
	goto st4;
st4:
	if ( ++p == pe )
		goto _test_eof4;
case 4:
	switch( (*p) ) {
		case 1u: goto tr13;
		case 5u: goto tr13;
	}
	goto st0;
tr7:
	{ VA_CJ_HOOK(set_cancelled); }
	{ VA_CJ_HOOK(complete); }
	goto st5;
tr8:
	{ VA_CJ_HOOK(set_timed_out); }
	{ VA_CJ_HOOK(complete); }
	goto st5;
st5:
	if ( ++p == pe )
		goto _test_eof5;
case 5:
	switch( (*p) ) {
		case 1u: goto tr14;
		case 5u: goto tr13;
	}
	goto st0;
	}
	_test_eof2: cs = 2; goto _test_eof; 
	_test_eof3: cs = 3; goto _test_eof; 
	_test_eof6: cs = 6; goto _test_eof; 
	_test_eof4: cs = 4; goto _test_eof; 
	_test_eof5: cs = 5; goto _test_eof; 

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
