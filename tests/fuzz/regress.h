/* SPDX-License-Identifier: MIT */
/*
 * Named regression vectors for the fuzz targets: X(target, name, "bytes").
 * Every crash a fuzzer finds becomes a row here (named after what it
 * exercises), replayed by tests/fuzz/replay.c in the unit suite with every
 * compiler.  Edge cases worth pinning are rows too.  Input formats: the
 * comment at the top of each tests/fuzz/fuzz_<target>.c.
 */
#ifndef VA_FUZZ_REGRESS_H
#define VA_FUZZ_REGRESS_H

#define FZ_REGRESSION_VECTORS(X)                                                    \
    /* edge cases: empty input, configuration byte only */                          \
    X(framer, empty, "")                                                            \
    X(framer, roundtrip_cap0_empty_frames, "\x08\x00\x01\x00\x01\x00")              \
    X(channel, empty, "")                                                           \
    /* fuzz finding (fuzz_channel, ASan stack-use-after-scope): a request to    \
     * ctl whose handler replies with an error; s_send encoded the error text  \
     * after the buffer holding it went out of scope (runtime/va_channel.c)    \
     * Caught by the ASan build of this replay. */                              \
    X(channel, error_reply_text_out_of_scope, "\xff\xff\x09\x02\x00\x01\x03\x64\xc7") \
    X(manager, empty, "")

#endif
