/* Design files (design_file.h): the rows of a design written once and
 * read in large blocks by every pass of an out-of-core fit
 * (docs/scaling.md).
 *
 * Layout: one file a section, each row i at the same place in every
 * section: X (p doubles a row, row-major, the rows as the in-memory design
 * holds them), y (a double a row), w (a double a row, when weighted), the
 * cluster codes (a 64-bit integer a row, when clustered). No section's
 * place depends on n, so rows can be written before their number is known
 * (a design written while its file is first read). The numbers are the
 * machine's own doubles, written and read by the same process: the files
 * are temporaries of one analysis, unlinked when created, not an exchange
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

/* The sections, each a file of its own. */
enum { SEC_X = 0, SEC_Y, SEC_W, SEC_C, SECTIONS };

struct partreg_design_file {
    int fd[SECTIONS]; /* -1: the section is not there */
    size_t n, p;
    int weighted, clustered;
    int growing;      /* rows are written before their number is known */
    size_t written;   /* growing: the end of the rows written */
    char dir[512];
};

/* The section's bytes a row. */
static uint64_t row_bytes(const partreg_design_file *f, int sec)
{
    return sec == SEC_X ? (uint64_t)f->p * 8u : 8u;
}

static partreg_status create(const char *dir, size_t n, size_t p, int weighted, int clustered,
                             int growing, partreg_design_file **out, partreg_error *err)
{
    *out = NULL;
    if (!dir || !*dir) /* the library reads no environment: the caller passes $TMPDIR */
        dir = "/tmp";
    partreg_design_file *f = calloc(1, sizeof *f);
    if (!f)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    snprintf(f->dir, sizeof f->dir, "%s", dir);
    f->n = n;
    f->p = p;
    f->weighted = weighted;
    f->clustered = clustered;
    f->growing = growing;
    for (int sec = 0; sec < SECTIONS; sec++)
        f->fd[sec] = -1;
    for (int sec = 0; sec < SECTIONS; sec++) {
        if ((sec == SEC_W && !weighted) || (sec == SEC_C && !clustered))
            continue;
        char path[600];
        snprintf(path, sizeof path, "%s/partreg-design-XXXXXX", dir);
        f->fd[sec] = mkostemp(path, O_CLOEXEC);
        if (f->fd[sec] < 0) {
            int e = errno;
            partreg_design_file_close(f);
            return partreg_error_set(err, PARTREG_EIO,
                                     "cannot create the design file in %s: %s; point --tmpdir (or "
                                     "TMPDIR) at a writable directory",
                                     dir, strerror(e));
        }
        unlink(path); /* removed when closed, or when the process ends */
    }
    *out = f;
    return PARTREG_OK;
}

partreg_status partreg_design_file_create(const char *dir, size_t n, size_t p, int weighted,
                                          int clustered, partreg_design_file **out,
                                          partreg_error *err)
{
    return create(dir, n, p, weighted, clustered, 0, out, err);
}

partreg_status partreg_design_file_create_growing(const char *dir, size_t p, int weighted,
                                                  int clustered, partreg_design_file **out,
                                                  partreg_error *err)
{
    return create(dir, 0, p, weighted, clustered, 1, out, err);
}

partreg_status partreg_design_file_set_rows(partreg_design_file *f, size_t n, partreg_error *err)
{
    if (!f->growing || n > f->written)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "design file: %zu rows set, %zu written", n, f->written);
    f->n = n;
    f->growing = 0;
    return PARTREG_OK;
}

size_t partreg_design_file_bytes(const partreg_design_file *f)
{
    size_t n = f->growing ? f->written : f->n, bytes = 0;
    for (int sec = 0; sec < SECTIONS; sec++)
        if (f->fd[sec] >= 0)
            bytes += n * (size_t)row_bytes(f, sec);
    return bytes;
}

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
    if (!f->growing && (begin > f->n || m > f->n - begin))
        return partreg_error_set(err, PARTREG_EINVAL, "design file: rows %zu..%zu beyond its %zu",
                                 begin, begin + m, f->n);
    /* the codes are 64-bit on disk; size_t is 64-bit where this builds */
    _Static_assert(sizeof(size_t) == sizeof(uint64_t), "size_t is 64-bit");
    const void *from[SECTIONS] = {X, y, w, cluster};
    uint64_t b = begin;
    int bad = 0;
    for (int sec = 0; sec < SECTIONS && !bad; sec++)
        if (f->fd[sec] >= 0)
            bad = write_all(f->fd[sec], from[sec], m * (size_t)row_bytes(f, sec),
                            b * row_bytes(f, sec));
    if (bad) {
        int e = errno;
        if (f->growing)
            return partreg_error_set(err, PARTREG_EIO,
                                     "cannot write the design file in %s (%.2f GB so far): %s; "
                                     "point --tmpdir at a disk with room for it",
                                     f->dir, (double)partreg_design_file_bytes(f) / 1e9,
                                     strerror(e));
        return partreg_error_set(err, PARTREG_EIO,
                                 "cannot write the design file in %s (%.2f GB in all): %s; "
                                 "point --tmpdir at a disk with room for it",
                                 f->dir, (double)partreg_design_file_bytes(f) / 1e9, strerror(e));
    }
    if (f->growing && begin + m > f->written)
        f->written = begin + m;
    return PARTREG_OK;
}

int partreg_design_file_read(const partreg_design_file *f, size_t begin, size_t m, double *X,
                             double *y, double *w, size_t *cluster)
{
    if (f->growing || begin > f->n || m > f->n - begin)
        return -1;
    void *to[SECTIONS] = {X, y, w, cluster};
    uint64_t b = begin;
    for (int sec = 0; sec < SECTIONS; sec++)
        if (to[sec] && f->fd[sec] >= 0 &&
            partreg_pread_full(f->fd[sec], to[sec], m * (size_t)row_bytes(f, sec),
                               b * row_bytes(f, sec)))
            return -1;
    return 0;
}

void partreg_design_file_advise(const partreg_design_file *f, size_t begin, size_t m)
{
#ifdef POSIX_FADV_WILLNEED
    uint64_t b = begin;
    for (int sec = SEC_X; sec <= SEC_W; sec++) /* the cluster codes are read by one pass */
        if (f->fd[sec] >= 0)
            (void)posix_fadvise(f->fd[sec], (off_t)(b * row_bytes(f, sec)),
                                (off_t)(m * row_bytes(f, sec)), POSIX_FADV_WILLNEED);
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
    for (int sec = 0; sec < SECTIONS; sec++)
        if (f->fd[sec] >= 0)
            close(f->fd[sec]);
    free(f);
}
