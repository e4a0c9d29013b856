/*
 * libapp.h - what the library test programs (blasapp, dnnapp, fftapp,
 * randapp, rtcapp, solverapp, spapp) share: checks that end the program
 * with one "FAIL file:line ..." line, and their main.
 * Each program defines its own ST(call, want) and OK(call) for its
 * library's status type, through LIBAPP_EXPECT (or LIBAPP_EXPECT_NUM
 * where the library has no names for its statuses).  rtapp takes the
 * macros alone.  Single-threaded programs.
 */
#ifndef LIBAPP_H
#define LIBAPP_H

#include <cuda_runtime_api.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/* Say what went wrong, where, on stdout, and exit 1. */
#define FAIL(...)                                                             \
    do {                                                                      \
        printf("FAIL %s:%d ", __FILE__, __LINE__);                            \
        printf(__VA_ARGS__);                                                  \
        printf("\n");                                                         \
        exit(1);                                                              \
    } while (0)

/* call, of status type T, must return want; name(status) names one. */
#define LIBAPP_EXPECT(T, name, call, want)                                    \
    do {                                                                      \
        T s_ = (call);                                                        \
        if (s_ != (want)) {                                                   \
            FAIL("%s -> %s, wanted %s", #call, name(s_), name(want));         \
        }                                                                     \
    } while (0)

/* The same for a library without names for its statuses: numbers. */
#define LIBAPP_EXPECT_NUM(T, call, want)                                      \
    do {                                                                      \
        T s_ = (call);                                                        \
        if (s_ != (want)) {                                                   \
            FAIL("%s -> %d, wanted %d", #call, (int)s_, (int)(want));         \
        }                                                                     \
    } while (0)

/* A CUDA runtime call must return want. */
#define RT(call, want) LIBAPP_EXPECT(cudaError_t, cudaGetErrorName, call, want)

#define CHECK(call) RT(call, cudaSuccess)

#define TRUE(cond)                                                            \
    do {                                                                      \
        if (!(cond)) {                                                        \
            FAIL("%s", #cond);                                                \
        }                                                                     \
    } while (0)

typedef struct libapp_mode {
    const char *name;
    int (*fn)(void);       /* 0 when every result was right */
} libapp_mode_t;

/* main of program prog: run the one of modes[0..n) that argv[1] names,
 * stdout line-buffered; print "OK MODE" and return 0 when it returned
 * 0, else 1; 2 (and a line on stderr) for a missing or unknown mode. */
int libapp_main(const char *prog, int argc, char **argv,
                const libapp_mode_t *modes, size_t n);

#endif
