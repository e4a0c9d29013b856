/*
 * gvtest.h - our thin layer over CUnit.
 *
 * Each test program lists its suites as gvtest_suite_t tables and calls
 * gvtest_main().  Tests that need something absent (a GPU, a daemon
 * binary) call GVTEST_SKIP(), which CUnit cannot express: we count skips
 * ourselves and report them apart from passes.  At exit the program prints
 * "RESULT <passed> <failed> <skipped>", which testsuite/run-tests.sh adds
 * up into the final "N passed, N failed, N skipped" line.
 */
#ifndef GVTEST_H
#define GVTEST_H

#include <CUnit/CUnit.h>
#include <stddef.h>

typedef struct gvtest_case {
    const char *name;
    CU_TestFunc fn;
} gvtest_case_t;

typedef struct gvtest_suite {
    const char *name;
    CU_InitializeFunc init;   /* may be NULL */
    CU_CleanupFunc fini;      /* may be NULL */
    const gvtest_case_t *cases; /* terminated by { NULL, NULL } */
} gvtest_suite_t;

/* Record that the running test was skipped, and why (printed). */
void gvtest_skip(const char *test, const char *why);

#define GVTEST_SKIP(why)                                                      \
    do {                                                                      \
        gvtest_skip(__func__, (why));                                         \
        return;                                                               \
    } while (0)

/* Run the suites (NULL-name terminated).  argv[1], if given, selects one
 * suite or "suite/test".  Returns the process exit code. */
int gvtest_main(int argc, char **argv, const gvtest_suite_t *suites);

/* Helpers shared by tests. */
/* Path of a built program, e.g. gvtest_builddir("gvd/gvd"). */
const char *gvtest_builddir(const char *rel, char *buf, size_t len);
const char *gvtest_srcdir(const char *rel, char *buf, size_t len);
/* A fresh private directory under $TMPDIR; caller removes it with
 * gvtest_rmtree. */
char *gvtest_mkdtemp(void);
void gvtest_rmtree(const char *dir);
/* How many lines of the file at path contain needle (0 if unreadable). */
int gvtest_file_lines(const char *path, const char *needle);
/* Does the file at path contain needle (in its first MiB)? */
int gvtest_file_contains(const char *path, const char *needle);

#define GVTEST_ASSERT_OK(expr) CU_ASSERT_EQUAL((expr), 0)

#endif
