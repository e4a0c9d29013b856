/*
 * test_mpi_examples.c - the MPI + CUDA examples (mpi-examples/) in
 * `make check`: one test per line of mpi-examples/manifest.txt, named
 * after the line.
 *
 * Without a GPU (/dev/nvidia0 absent) every run is skipped and counted as
 * skipped.  With one, each test runs its line through
 * mpi-examples/run-mpi.sh (natively, and through gvirtus as well when
 * GVIRTUS_ENV_FILE names a file of VAR=value lines) and passes when the
 * script does; a failed run's logs are kept and their directory printed.
 * A run also skips, saying why, when the examples were not built (no
 * mpicc or nvcc at configure time) or mpirun is missing.
 *
 * One more test, always run, checks the manifest itself: every line has
 * a unique name, a rank count >= 1 (>= 2 for ring_pass) and a known
 * program.
 */
#include "config.h"

#include "gvtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LINES 32

/* The device file that says "this host has an NVIDIA GPU". */
#ifndef GPU_DEVICE_FILE
#define GPU_DEVICE_FILE "/dev/nvidia0"
#endif

typedef struct mpi_line {
    char name[64];
    int ranks;
    char bin[64];
    int lineno;
} mpi_line_t;

static mpi_line_t lines[MAX_LINES];
static int n_lines;
static int too_many;        /* lines beyond MAX_LINES */
static char parse_err[700]; /* first malformed line, if any */

static const char *const programs[] = {
    "vector_reduce", "jacobi2d", "ring_pass", "pingpong", NULL
};

static int known_program(const char *bin)
{
    for (int i = 0; programs[i] != NULL; i++) {
        if (strcmp(programs[i], bin) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Reads the manifest: "name ranks binary [args...]", # comments. */
static void read_manifest(void)
{
    char path[512], buf[512];
    FILE *f;
    int no = 0;

    gvtest_srcdir("mpi-examples/manifest.txt", path, sizeof(path));
    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(parse_err, sizeof(parse_err), "cannot open %s", path);
        return;
    }
    while (fgets(buf, sizeof(buf), f) != NULL) {
        char name[64], bin[64];
        int ranks, got;

        no++;
        got = sscanf(buf, "%63s %d %63s", name, &ranks, bin);
        if (got <= 0 || name[0] == '#') {
            continue; /* blank or comment */
        }
        if (got != 3) {
            if (parse_err[0] == '\0') {
                snprintf(parse_err, sizeof(parse_err),
                         "manifest line %d: want 'name ranks binary [args]'",
                         no);
            }
            continue;
        }
        if (n_lines == MAX_LINES) {
            too_many++;
            continue;
        }
        snprintf(lines[n_lines].name, sizeof(lines[n_lines].name), "%s", name);
        snprintf(lines[n_lines].bin, sizeof(lines[n_lines].bin), "%s", bin);
        lines[n_lines].ranks = ranks;
        lines[n_lines].lineno = no;
        n_lines++;
    }
    fclose(f);
}

static void test_manifest(void)
{
    CU_ASSERT_STRING_EQUAL(parse_err, "");
    if (parse_err[0] != '\0') {
        printf("\n      %s\n", parse_err);
    }
    CU_ASSERT(n_lines >= 3);
    CU_ASSERT_EQUAL(too_many, 0); /* raise MAX_LINES */
    for (int i = 0; i < n_lines; i++) {
        const mpi_line_t *l = &lines[i];
        int ok = known_program(l->bin) && l->ranks >= 1 &&
                 (strcmp(l->bin, "ring_pass") != 0 || l->ranks >= 2);

        for (int j = 0; j < i; j++) {
            if (strcmp(lines[j].name, l->name) == 0) {
                ok = 0;
            }
        }
        if (!ok) {
            printf("\n      manifest line %d (%s): unknown program, bad rank "
                   "count or repeated name\n", l->lineno, l->name);
        }
        CU_ASSERT(ok);
    }
}

/* Is prog on PATH (or, with a slash, executable)? */
static int have_program(const char *prog)
{
    char cmd[300];

    snprintf(cmd, sizeof(cmd), "command -v '%s' >/dev/null 2>&1", prog);
    return system(cmd) == 0;
}

static void run_line(int i)
{
    const mpi_line_t *l = &lines[i];
    char bindir[512], exe[700], script[512], cmd[2600];
    const char *mpirun = getenv("MPIRUN") ? getenv("MPIRUN") : "mpirun";
    char *dir;
    int st;

    if (access(GPU_DEVICE_FILE, F_OK) != 0) {
        gvtest_skip(l->name, "no GPU");
        return;
    }
    gvtest_builddir("mpi-examples", bindir, sizeof(bindir));
    snprintf(exe, sizeof(exe), "%s/%s", bindir, l->bin);
    if (access(exe, X_OK) != 0) {
        gvtest_skip(l->name, "mpi-examples not built (configure found no "
                             "mpicc or no nvcc)");
        return;
    }
    if (!have_program(mpirun)) {
        gvtest_skip(l->name, "no mpirun");
        return;
    }
    gvtest_srcdir("mpi-examples/run-mpi.sh", script, sizeof(script));
    dir = gvtest_mkdtemp();
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    snprintf(cmd, sizeof(cmd), "sh '%s' '%s' '%s' '%s' > '%s/run.log' 2>&1",
             script, bindir, dir, l->name, dir);
    st = system(cmd);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        gvtest_rmtree(dir);
    } else {
        printf("\n      %s failed (status %d); logs kept in %s\n", l->name,
               st, dir);
    }
    free(dir);
}

/* CUnit tests take no arguments: one small function per manifest slot. */
#define SLOT(i)                                                               \
    static void slot_##i(void)                                                \
    {                                                                         \
        run_line(i);                                                          \
    }
SLOT(0) SLOT(1) SLOT(2) SLOT(3) SLOT(4) SLOT(5) SLOT(6) SLOT(7)
SLOT(8) SLOT(9) SLOT(10) SLOT(11) SLOT(12) SLOT(13) SLOT(14) SLOT(15)
SLOT(16) SLOT(17) SLOT(18) SLOT(19) SLOT(20) SLOT(21) SLOT(22) SLOT(23)
SLOT(24) SLOT(25) SLOT(26) SLOT(27) SLOT(28) SLOT(29) SLOT(30) SLOT(31)

static const CU_TestFunc slots[MAX_LINES] = {
    slot_0, slot_1, slot_2, slot_3, slot_4, slot_5, slot_6, slot_7,
    slot_8, slot_9, slot_10, slot_11, slot_12, slot_13, slot_14, slot_15,
    slot_16, slot_17, slot_18, slot_19, slot_20, slot_21, slot_22, slot_23,
    slot_24, slot_25, slot_26, slot_27, slot_28, slot_29, slot_30, slot_31,
};

int main(int argc, char **argv)
{
    static gvtest_case_t manifest_cases[] = {
        { "manifest", test_manifest },
        { NULL, NULL },
    };
    static gvtest_case_t run_cases[MAX_LINES + 1];
    static gvtest_suite_t suites[] = {
        { "mpi_manifest", NULL, NULL, manifest_cases },
        { "mpi_runs", NULL, NULL, run_cases },
        { NULL, NULL, NULL, NULL },
    };

    read_manifest();
    for (int i = 0; i < n_lines; i++) {
        run_cases[i].name = lines[i].name;
        run_cases[i].fn = slots[i];
    }
    return gvtest_main(argc, argv, suites);
}
