/*
 * replay.c - main() of a fuzz target built without libFuzzer: run
 * LLVMFuzzerTestOneInput over every file of the given files and
 * directories, in name order, and print the "RESULT passed failed
 * skipped" line testsuite/run-tests.sh counts (one test per target).
 *
 *   fuzz_NAME [FILE|DIR]...
 *
 * Without arguments it replays $GVTEST_SRCDIR/testsuite/fuzz/corpus/NAME,
 * NAME being the program's name without "fuzz_".  A crash or a broken
 * invariant kills the program, which run-tests.sh reports as a failure;
 * the log names the file being replayed just before.
 */
#include "config.h"

#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <sys/stat.h>

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static long n_files;

static int replay_file(const char *path)
{
    struct stat st;
    uint8_t *buf;
    FILE *fp = fopen(path, "rb");

    if (fp == NULL || fstat(fileno(fp), &st) != 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        if (fp != NULL) {
            fclose(fp);
        }
        return -1;
    }
    buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
    if (buf == NULL ||
        fread(buf, 1, (size_t)st.st_size, fp) != (size_t)st.st_size) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(buf);
        fclose(fp);
        return -1;
    }
    fclose(fp);
    printf("replay %s (%lld bytes)\n", path, (long long)st.st_size);
    fflush(stdout);
    LLVMFuzzerTestOneInput(buf, (size_t)st.st_size);
    free(buf);
    n_files++;
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir)
{
    char **names = NULL, path[4096];
    size_t n = 0, cap = 0;
    struct dirent *de;
    int rc = 0;
    DIR *d = opendir(dir);

    if (d == NULL) {
        fprintf(stderr, "%s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            names = realloc(names, cap * sizeof(*names));
            if (names == NULL) {
                abort();
            }
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), name_cmp);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        rc |= replay_file(path);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int replay(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    return S_ISDIR(st.st_mode) ? replay_dir(path) : replay_file(path);
}

int main(int argc, char **argv)
{
    char dflt[4096], self[256];
    const char *src = getenv("GVTEST_SRCDIR");
    char *name;
    int rc = 0;

    if (LLVMFuzzerInitialize != NULL) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            rc |= replay(argv[i]);
        }
    } else {
        snprintf(self, sizeof(self), "%s", argv[0]);
        name = basename(self);
        if (strncmp(name, "fuzz_", 5) == 0) {
            name += 5;
        }
        snprintf(dflt, sizeof(dflt), "%s/testsuite/fuzz/corpus/%s",
                 src != NULL ? src : ".", name);
        rc = replay(dflt);
    }
    printf("%ld inputs replayed\n", n_files);
    /* Finding no corpus is a failure too: the test would prove nothing. */
    rc |= n_files == 0;
    printf("RESULT %d %d 0\n", rc == 0, rc != 0);
    return rc != 0;
}
