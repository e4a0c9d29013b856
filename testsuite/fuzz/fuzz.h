/*
 * fuzz.h - shared by the fuzz targets in testsuite/fuzz/.
 *
 * Each target defines LLVMFuzzerTestOneInput() (and may define
 * LLVMFuzzerInitialize()).  Built with clang and -fsanitize=fuzzer it is
 * a libFuzzer program (`make fuzz`); built with gcc and linked with
 * replay.c it replays its stored corpus (`make check`).
 *
 * fz_t cuts an input into fields: reads past the end give zeros, so every
 * byte string is a valid input and the fuzzer never wastes a run on
 * framing.  FZ_CHECK() turns a broken invariant into a crash the fuzzer
 * reports.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

typedef struct fz {
    const uint8_t *p;
    size_t n;
} fz_t;

/* Take up to n bytes; *got_p says how many there were. */
static inline const uint8_t *fz_take(fz_t *f, size_t n, size_t *got_p)
{
    const uint8_t *p = f->p;

    if (n > f->n) {
        n = f->n;
    }
    f->p += n;
    f->n -= n;
    *got_p = n;
    return p;
}

static inline uint64_t fz_uint(fz_t *f, size_t bytes)
{
    uint64_t v = 0;
    size_t got;
    const uint8_t *p = fz_take(f, bytes, &got);

    for (size_t i = 0; i < got; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

#define fz_u8(f)  ((uint8_t)fz_uint((f), 1))
#define fz_u16(f) ((uint16_t)fz_uint((f), 2))
#define fz_u32(f) ((uint32_t)fz_uint((f), 4))
#define fz_u64(f) fz_uint((f), 8)

#define FZ_CHECK(cond)                                                        \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__,        \
                    __LINE__, #cond);                                         \
            abort();                                                          \
        }                                                                     \
    } while (0)

#endif
