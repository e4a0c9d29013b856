/*
 * libapp.c - see libapp.h.
 */
#include "libapp.h"

#include <string.h>

int libapp_main(const char *prog, int argc, char **argv,
                const libapp_mode_t *modes, size_t n)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODE\n", prog);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(argv[1], modes[i].name) == 0) {
            if (modes[i].fn() != 0) {
                return 1;
            }
            printf("OK %s\n", argv[1]);
            return 0;
        }
    }
    fprintf(stderr, "%s: unknown mode %s\n", prog, argv[1]);
    return 2;
}
