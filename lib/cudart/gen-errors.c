/* gen-errors.c - dump the runtime's error names and strings (see gen-errors.sh). */
#include <cuda_runtime_api.h>
#include <stdio.h>
#include <string.h>
static void esc(const char *s) { for (; *s; s++) { if (*s == '"' || *s == '\\') putchar('\\'); putchar(*s); } }
int main(void) {
    for (int e = 0; e < 1100; e++) {
        const char *n = cudaGetErrorName((cudaError_t)e);
        const char *s = cudaGetErrorString((cudaError_t)e);
        if (n == NULL || strcmp(n, "unrecognized error code") == 0) continue;
        printf("    { %d, \"", e); esc(n); printf("\",\n      \""); esc(s); printf("\" },\n");
    }
    printf("/* unknown: */ /* %s | %s */\n", cudaGetErrorName((cudaError_t)12345), cudaGetErrorString((cudaError_t)12345));
    return 0;
}
