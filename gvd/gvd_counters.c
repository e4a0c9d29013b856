/*
 * gvd_counters.c - the shared counter page of a worker (gvd_counters.h).
 */
#include "config.h"

#include "gvd_counters.h"
#include "gvc_log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* One page holds it with room to grow; checked at compile time. */
#define COUNTERS_SIZE 4096
_Static_assert(sizeof(gvd_counters_t) <= COUNTERS_SIZE,
               "gvd_counters_t outgrew its page");

int gvd_counters_create(uint32_t client_id, gvd_counters_t **c_p, int *fd_p)
{
    gvd_counters_t *c;
    int fd, saved;

    fd = memfd_create("gvd-counters", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        return -1;
    }
    /* Sealed at its size: a worker that truncated it would make gvd's
     * reads fault (SIGBUS). */
    if (ftruncate(fd, COUNTERS_SIZE) != 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) !=
            0) {
        goto err_close;
    }
    c = mmap(NULL, COUNTERS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (c == MAP_FAILED) {
        goto err_close;
    }
    c->magic = GVD_COUNTERS_MAGIC;
    c->client_id = client_id;
    *c_p = c;
    *fd_p = fd;
    return 0;

err_close:
    saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

void gvd_counters_unmap(gvd_counters_t *c)
{
    if (c != NULL) {
        munmap(c, COUNTERS_SIZE);
    }
}

void gvd_counters_read(const gvd_counters_t *c, uint64_t out[GVC_CTR_MAX])
{
    for (int i = 0; i < GVC_CTR_MAX; i++) {
        out[i] = c != NULL ? gvd_ctr_get(c, (gvc_ctr_id_t)i) : 0;
    }
}

gvd_counters_t *gvd_counters_attach(int fd)
{
    static gvd_counters_t private_block; /* no page from gvd: count here */
    gvd_counters_t *c;
    struct stat st;

    if (fd < 0 || fstat(fd, &st) != 0) {
        return &private_block;
    }
    c = st.st_size >= COUNTERS_SIZE
            ? mmap(NULL, COUNTERS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
                   fd, 0)
            : MAP_FAILED;
    close(fd);
    if (c == MAP_FAILED || c->magic != GVD_COUNTERS_MAGIC) {
        gvc_warn("fd %d is not gvd's counter page; counters stay private",
                 fd);
        if (c != MAP_FAILED) {
            munmap(c, COUNTERS_SIZE);
        }
        return &private_block;
    }
    return c;
}
