/* SPDX-License-Identifier: MIT */
/*
 * Replays a fuzz target's inputs as ordinary unit tests, with any compiler
 * (no libFuzzer): one cmocka test per named regression vector of the target
 * (tests/fuzz/regress.h: every crash the fuzzers found, plus edge cases),
 * and one that runs every file of the seed corpus directory given as
 * argv[1].  A violated property aborts, which cmocka reports as a failure.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fuzz_common.h"

typedef struct vec {
    const char *target;
    const char *name;
    const uint8_t *data;
    size_t len;
} vec;

#define FZ_VEC_ROW(t, n, bytes) { #t, #n, (const uint8_t *)(bytes), sizeof(bytes) - 1u },
#include "regress.h"
static const vec vectors[] = { FZ_REGRESSION_VECTORS(FZ_VEC_ROW) };

static const char *corpus_dir;

static void run_vector(void **state)
{
    const vec *v = *state;
    assert_int_equal(LLVMFuzzerTestOneInput(v->data, v->len), 0);
}

static void run_corpus(void **state)
{
    DIR *d;
    struct dirent *e;
    unsigned files = 0;
    static uint8_t buf[1u << 20];
    (void)state;

    d = opendir(corpus_dir);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        FILE *f;
        size_t n;
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof path, "%s/%s", corpus_dir, e->d_name);
        f = fopen(path, "rb");
        assert_non_null(f);
        n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        assert_int_equal(LLVMFuzzerTestOneInput(buf, n), 0);
        files++;
    }
    closedir(d);
    /* a corpus that is missing or empty is a defect of the tree */
    assert_true(files > 0u);
    print_message("%s: %u corpus inputs replayed\n", FZ_TARGET, files);
}

int main(int argc, char **argv)
{
    static struct CMUnitTest tests[sizeof vectors / sizeof vectors[0] + 1u];
    static char names[sizeof vectors / sizeof vectors[0]][128];
    size_t n = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    corpus_dir = argv[1];
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        if (strcmp(vectors[i].target, FZ_TARGET) != 0) {
            continue;
        }
        snprintf(names[n], sizeof names[n], "%s", vectors[i].name);
        tests[n] = (struct CMUnitTest){ names[n], run_vector, NULL, NULL, (void *)&vectors[i] };
        n++;
    }
    tests[n++] = (struct CMUnitTest){ "corpus", run_corpus, NULL, NULL, NULL };
    return _cmocka_run_group_tests("fuzz-replay-" FZ_TARGET, tests, n, NULL, NULL);
}
