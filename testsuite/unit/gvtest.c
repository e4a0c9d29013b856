/*
 * gvtest.c - the runner behind every CUnit test program.
 */
#include "config.h"

#include "gvtest.h"

#include <CUnit/Basic.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned n_skipped;
static const char *cur_test;
static unsigned cur_skipped;

void gvtest_skip(const char *test, const char *why)
{
    /* A test skips once even if a helper it calls skips too. */
    if (cur_test != NULL && cur_skipped) {
        return;
    }
    cur_skipped = 1;
    n_skipped++;
    printf("\n    SKIP %s: %s\n", test, why);
    fflush(stdout);
}

static void on_test_start(const CU_pTest test, const CU_pSuite suite)
{
    cur_test = test->pName;
    cur_skipped = 0;
}

const char *gvtest_builddir(const char *rel, char *buf, size_t len)
{
    const char *top = getenv("GVTEST_BUILDDIR");

    snprintf(buf, len, "%s/%s", top ? top : "..", rel);
    return buf;
}

const char *gvtest_srcdir(const char *rel, char *buf, size_t len)
{
    const char *top = getenv("GVTEST_SRCDIR");

    snprintf(buf, len, "%s/%s", top ? top : "..", rel);
    return buf;
}

char *gvtest_mkdtemp(void)
{
    const char *tmp = getenv("TMPDIR");
    char path[512];

    snprintf(path, sizeof(path), "%s/gvtest.XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(path) == NULL) {
        return NULL;
    }
    return strdup(path);
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void gvtest_rmtree(const char *dir)
{
    if (dir != NULL) {
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    }
}

static int add_suites(const gvtest_suite_t *suites, const char *only)
{
    const char *slash = only ? strchr(only, '/') : NULL;
    size_t slen = slash ? (size_t)(slash - only) : (only ? strlen(only) : 0);

    for (const gvtest_suite_t *s = suites; s->name != NULL; s++) {
        CU_pSuite cs;

        if (only != NULL &&
            (strlen(s->name) != slen || strncmp(s->name, only, slen) != 0)) {
            continue;
        }
        cs = CU_add_suite(s->name, s->init, s->fini);
        if (cs == NULL) {
            return -1;
        }
        for (const gvtest_case_t *c = s->cases; c->name != NULL; c++) {
            if (slash != NULL && strcmp(c->name, slash + 1) != 0) {
                continue;
            }
            if (CU_add_test(cs, c->name, c->fn) == NULL) {
                return -1;
            }
        }
    }
    return 0;
}

int gvtest_main(int argc, char **argv, const gvtest_suite_t *suites)
{
    unsigned run, failed, passed;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
        return 2;
    }
    if (add_suites(suites, argc > 1 ? argv[1] : NULL) != 0) {
        fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_set_test_start_handler(on_test_start);
    CU_basic_run_tests();
    run = CU_get_number_of_tests_run();
    failed = CU_get_number_of_tests_failed();
    /* A suite whose init failed runs none of its tests: count them. */
    failed += CU_get_number_of_suites_failed();
    passed = run >= failed + n_skipped ? run - failed - n_skipped : 0;
    printf("\nRESULT %u %u %u\n", passed, failed, n_skipped);
    CU_cleanup_registry();
    return failed > 0 ? 1 : 0;
}

int gvtest_file_lines(const char *path, const char *needle)
{
    char line[4096];
    FILE *fp = fopen(path, "r");
    int n = 0;

    if (fp == NULL) {
        return 0;
    }
    while (fgets(line, sizeof(line), fp) != NULL) {
        n += strstr(line, needle) != NULL;
    }
    fclose(fp);
    return n;
}

int gvtest_file_contains(const char *path, const char *needle)
{
    static char buf[1 << 20];
    size_t n;
    FILE *fp = fopen(path, "r");

    if (fp == NULL) {
        return 0;
    }
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return strstr(buf, needle) != NULL;
}
