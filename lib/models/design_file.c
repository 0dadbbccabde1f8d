/* Design files (design_file.h): the rows of a design written once and
 * read in large blocks by every pass of an out-of-core fit
 * (docs/scaling.md).
 *
 * Layout: sections of n entries each, in this order: X (n x p doubles,
 * row-major, the rows as the in-memory design holds them), y (n doubles),
 * w (n doubles, when weighted), the cluster codes (n 64-bit integers, when
 * clustered), each starting on a 4096-byte boundary. The numbers are the
 * machine's own doubles, written and read by the same process: the file is
 * a temporary of one analysis, unlinked when created, not an exchange
 * format. Reads are pread(2) into the caller's buffers (no mapping: a
 * pass's memory is its buffers, whatever n). */
#define _GNU_SOURCE /* posix_fadvise, mkostemp */

#include "models/design_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/pread_full.h"

#define SECTION_ALIGN ((uint64_t)4096)

struct partreg_design_file {
    int fd;
    size_t n, p;
    int weighted, clustered;
    uint64_t off_X, off_y, off_w, off_c, end;
    char dir[512];
};

static uint64_t align_up(uint64_t x) { return (x + SECTION_ALIGN - 1) / SECTION_ALIGN * SECTION_ALIGN; }

partreg_status partreg_design_file_create(const char *dir, size_t n, size_t p, int weighted,
                                          int clustered, partreg_design_file **out,
                                          partreg_error *err)
{
    *out = NULL;
    if (!dir || !*dir) /* the library reads no environment: the caller passes $TMPDIR */
        dir = "/tmp";
    partreg_design_file *f = calloc(1, sizeof *f);
    if (!f)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    snprintf(f->dir, sizeof f->dir, "%s", dir);
    char path[600];
    snprintf(path, sizeof path, "%s/partreg-design-XXXXXX", dir);
    f->fd = mkostemp(path, O_CLOEXEC);
    if (f->fd < 0) {
        int e = errno;
        free(f);
        return partreg_error_set(err, PARTREG_EIO,
                                 "cannot create the design file in %s: %s; point --tmpdir (or "
                                 "TMPDIR) at a writable directory",
                                 dir, strerror(e));
    }
    unlink(path); /* removed when closed, or when the process ends */
    f->n = n;
    f->p = p;
    f->weighted = weighted;
    f->clustered = clustered;
    uint64_t row = (uint64_t)n * 8u;
    f->off_X = 0;
    f->off_y = align_up(f->off_X + row * (uint64_t)p);
    f->off_w = align_up(f->off_y + row);
    f->off_c = align_up(f->off_w + (weighted ? row : 0));
    f->end = f->off_c + (clustered ? row : 0);
    *out = f;
    return PARTREG_OK;
}

size_t partreg_design_file_bytes(const partreg_design_file *f) { return (size_t)f->end; }

static int write_all(int fd, const void *buf, size_t bytes, uint64_t off)
{
    const char *b = buf;
    while (bytes) {
        ssize_t w = pwrite(fd, b, bytes, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        bytes -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

partreg_status partreg_design_file_write(partreg_design_file *f, size_t begin, size_t m,
                                         const double *X, const double *y, const double *w,
                                         const size_t *cluster, partreg_error *err)
{
    if (begin > f->n || m > f->n - begin)
        return partreg_error_set(err, PARTREG_EINVAL, "design file: rows %zu..%zu beyond its %zu",
                                 begin, begin + m, f->n);
    uint64_t b = begin;
    int bad = write_all(f->fd, X, m * f->p * sizeof *X, f->off_X + b * 8u * f->p) ||
              write_all(f->fd, y, m * sizeof *y, f->off_y + b * 8u) ||
              (f->weighted && write_all(f->fd, w, m * sizeof *w, f->off_w + b * 8u));
    /* the codes are 64-bit on disk; size_t is 64-bit where this builds */
    _Static_assert(sizeof(size_t) == sizeof(uint64_t), "size_t is 64-bit");
    if (!bad && f->clustered)
        bad = write_all(f->fd, cluster, m * sizeof *cluster, f->off_c + b * 8u);
    if (bad) {
        int e = errno;
        double gb = (double)f->end / 1e9;
        return partreg_error_set(err, PARTREG_EIO,
                                 "cannot write the design file in %s (%.2f GB in all): %s; "
                                 "point --tmpdir at a disk with room for it",
                                 f->dir, gb, strerror(e));
    }
    return PARTREG_OK;
}

int partreg_design_file_read(const partreg_design_file *f, size_t begin, size_t m, double *X,
                             double *y, double *w, size_t *cluster)
{
    if (begin > f->n || m > f->n - begin)
        return -1;
    uint64_t b = begin;
    if (X &&
        partreg_pread_full(f->fd, X, m * f->p * sizeof *X, f->off_X + b * 8u * f->p))
        return -1;
    if (y && partreg_pread_full(f->fd, y, m * sizeof *y, f->off_y + b * 8u))
        return -1;
    if (w && f->weighted && partreg_pread_full(f->fd, w, m * sizeof *w, f->off_w + b * 8u))
        return -1;
    if (cluster && f->clustered &&
        partreg_pread_full(f->fd, cluster, m * sizeof *cluster, f->off_c + b * 8u))
        return -1;
    return 0;
}

void partreg_design_file_advise(const partreg_design_file *f, size_t begin, size_t m)
{
#ifdef POSIX_FADV_WILLNEED
    uint64_t b = begin;
    (void)posix_fadvise(f->fd, (off_t)(f->off_X + b * 8u * f->p), (off_t)(m * 8u * f->p),
                        POSIX_FADV_WILLNEED);
    (void)posix_fadvise(f->fd, (off_t)(f->off_y + b * 8u), (off_t)(m * 8u), POSIX_FADV_WILLNEED);
    if (f->weighted)
        (void)posix_fadvise(f->fd, (off_t)(f->off_w + b * 8u), (off_t)(m * 8u),
                            POSIX_FADV_WILLNEED);
#else
    (void)f;
    (void)begin;
    (void)m;
#endif
}

void partreg_design_file_close(partreg_design_file *f)
{
    if (!f)
        return;
    close(f->fd);
    free(f);
}
