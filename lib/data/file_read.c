/* partreg_file_read_all(): a whole file into memory with read(2).
 *
 * Why not mmap(2) of the file: a mapped file that another process
 * truncates raises SIGBUS on the next access to a page past the new end,
 * which kills the process; a library must not, and catching the signal
 * would need a process-wide handler. pread(2) copies the bytes once into an
 * anonymous mapping (a regular file's size is known, so it is allocated
 * once), a large file in shares on several threads, so that the copy and
 * the first touch of the pages (the whole cost of reading instead of
 * mapping) take a fraction of the time; a change of size while reading is
 * detected and reported instead. The buffer is page-aligned so that a reader may drop
 * the pages it has parsed (madvise) and read them again with
 * partreg_file_reread(). */
#define _GNU_SOURCE /* strerror_r (GNU form), MAP_ANONYMOUS, pread */

#include "data/file_read.h"

#include "core/error.h"
#include "core/team.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static partreg_status fail_errno(partreg_error *err, const char *what, const char *path, int e,
                                 const char *hint)
{
    char ebuf[128];
    return partreg_error_set(err, PARTREG_EIO, "cannot %s '%s': %s%s", what, path,
                             strerror_r(e, ebuf, sizeof ebuf), hint);
}

static partreg_status changed(partreg_error *err, const char *path)
{
    return partreg_error_set(err, PARTREG_EIO,
                             "'%s' changed while it was read (another program is writing it); "
                             "read it again once it is complete",
                             path);
}

static partreg_status nomem(partreg_error *err, const char *path)
{
    return partreg_error_set(err, PARTREG_ENOMEM, "%s: out of memory while reading the table",
                             path);
}

static void stamp_of(const struct stat *sb, partreg_file_stamp *s)
{
    s->size = (long long)sb->st_size;
    s->mtime_sec = (long long)sb->st_mtim.tv_sec;
    s->mtime_nsec = (long long)sb->st_mtim.tv_nsec;
    s->dev = (unsigned long long)sb->st_dev;
    s->ino = (unsigned long long)sb->st_ino;
}

static int same_stamp(const partreg_file_stamp *a, const partreg_file_stamp *b)
{
    return a->size == b->size && a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec &&
           a->dev == b->dev && a->ino == b->ino;
}

/* Fill buf[0..cap) from fd; *len = bytes read (< cap at end of file). */
static int read_fd(int fd, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    while (n < cap) {
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    *len = n;
    return 0;
}

void partreg_file_data_free(partreg_file_data *d)
{
    if (d->fd_open)
        close(d->fd);
    if (d->buf) {
        if (d->map_len)
            munmap(d->buf, d->map_len);
        else
            free(d->buf);
    }
    memset(d, 0, sizeof *d);
}

/* Bytes below which one thread reads the whole file. */
#define PARALLEL_READ_MIN ((size_t)8 << 20)

/* One share of a parallel read: bytes [off, off + len) at buf + off. */
typedef struct read_share {
    int fd;
    char *buf;
    size_t off, len, got;
    int failed, err;
} read_share;

static void read_share_run(void *shares, size_t t)
{
    read_share *r = (read_share *)shares + t;
    while (r->got < r->len) {
        ssize_t n = pread(r->fd, r->buf + r->off + r->got, r->len - r->got,
                          (off_t)(r->off + r->got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            r->failed = n < 0;
            r->err = n < 0 ? errno : 0;
            return;
        }
        r->got += (size_t)n;
    }
}

/* Read bytes [base, base + size) of fd into buf + base in `threads`
 * shares at once (the copy from the page cache and the first touch of the
 * buffer's pages are the cost: shared, they take 1/threads of the time).
 * *got = bytes read, less than size when the file shrank. 0, or -1 with
 * errno set. */
static int read_parallel(int fd, char *buf, size_t base, size_t size, int threads, size_t *got)
{
    size_t T = threads > 0 ? (size_t)threads : (size_t)sysconf(_SC_NPROCESSORS_ONLN);
    if (T > size / PARALLEL_READ_MIN)
        T = size / PARALLEL_READ_MIN;
    if (T > PARTREG_TEAM_MAX)
        T = PARTREG_TEAM_MAX;
    if (T < 1)
        T = 1;
    read_share r[PARTREG_TEAM_MAX];
    for (size_t t = 0; t < T; t++) {
        r[t].fd = fd;
        r[t].buf = buf;
        r[t].off = base + size / T * t;
        r[t].len = base + (t + 1 == T ? size : size / T * (t + 1)) - r[t].off;
        r[t].got = 0;
        r[t].failed = 0;
        r[t].err = 0;
    }
    if (T == 1)
        read_share_run(r, 0);
    else
        partreg_team_run(NULL, T, read_share_run, r);
    *got = 0;
    for (size_t t = 0; t < T; t++) {
        if (r[t].failed) {
            errno = r[t].err;
            return -1;
        }
        *got += r[t].got;
    }
    return 0;
}

/* A regular file of sb->st_size bytes. */
static partreg_status read_regular(int fd, const char *path, const struct stat *sb, int threads,
                                   partreg_file_data *d, partreg_error *err)
{
    struct stat sa;
    size_t size = (size_t)sb->st_size, got, more = 0;
    char probe;
    void *m;
    if ((uintmax_t)sb->st_size >= SIZE_MAX / 2)
        return partreg_error_set(err, PARTREG_ENOMEM, "'%s' is too large to read", path);
    /* page-aligned, with room for the terminating NUL */
    d->map_len = size + 1;
    m = mmap(NULL, d->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        d->map_len = 0;
        return nomem(err, path);
    }
    d->buf = m;
    if (read_parallel(fd, d->buf, 0, size, threads, &got) != 0)
        return fail_errno(err, "read", path, errno, "");
    /* a byte past the size means the file grew */
    ssize_t extra = pread(fd, &probe, 1, (off_t)size);
    if (extra > 0)
        more = 1;
    if (got != size || more || fstat(fd, &sa) != 0 || sa.st_size != sb->st_size)
        return changed(err, path);
    d->len = size;
    d->regular = 1;
    stamp_of(&sa, &d->stamp);
    return PARTREG_OK;
}

/* A pipe or a device: read until its end, growing the buffer. */
static partreg_status read_stream(int fd, const char *path, partreg_file_data *d,
                                  partreg_error *err)
{
    size_t cap = 65536, len = 0, got;
    d->buf = malloc(cap + 1);
    if (!d->buf)
        return nomem(err, path);
    for (;;) {
        char *nb;
        if (read_fd(fd, d->buf + len, cap - len, &got) != 0)
            return fail_errno(err, "read", path, errno, "");
        len += got;
        if (len < cap)
            break;
        if (cap > SIZE_MAX / 4)
            return partreg_error_set(err, PARTREG_ENOMEM, "'%s' is too large to read", path);
        nb = realloc(d->buf, cap * 2 + 1);
        if (!nb)
            return nomem(err, path);
        d->buf = nb;
        cap *= 2;
    }
    d->len = len;
    return PARTREG_OK;
}

partreg_status partreg_file_read_all(const char *path, int threads, partreg_file_data *d,
                                     partreg_error *err)
{
    struct stat sb;
    partreg_status st;
    int fd;
    memset(d, 0, sizeof *d);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail_errno(err, "open", path, errno, "; check the path");
    if (fstat(fd, &sb) != 0)
        st = fail_errno(err, "read", path, errno, "");
    else if (S_ISDIR(sb.st_mode))
        st = fail_errno(err, "read", path, EISDIR, "; give the path of a data file");
    else if (S_ISREG(sb.st_mode))
        st = read_regular(fd, path, &sb, threads, d, err);
    else
        st = read_stream(fd, path, d, err);
    close(fd);
    if (st != PARTREG_OK) {
        partreg_file_data_free(d);
        return st;
    }
    d->buf[d->len] = '\0';
    d->head = d->len;
    return PARTREG_OK;
}

partreg_status partreg_file_reread(const char *path, partreg_file_data *d, partreg_error *err)
{
    struct stat sb;
    partreg_file_stamp now;
    size_t got;
    int fd, ok;
    if (!d->regular)
        return changed(err, path);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return changed(err, path);
    ok = fstat(fd, &sb) == 0;
    if (ok) {
        stamp_of(&sb, &now);
        ok = same_stamp(&now, &d->stamp) && read_parallel(fd, d->buf, 0, d->len, 0, &got) == 0 &&
             got == d->len;
    }
    close(fd);
    return ok ? PARTREG_OK : changed(err, path);
}

partreg_status partreg_file_read_head(const char *path, size_t head_max, int threads,
                                      partreg_file_data *d, partreg_error *err)
{
    struct stat sb;
    size_t got;
    void *m;
    int fd;
    memset(d, 0, sizeof *d);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail_errno(err, "open", path, errno, "; check the path");
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || head_max == 0 ||
        (uintmax_t)sb.st_size <= head_max || (uintmax_t)sb.st_size >= SIZE_MAX / 2) {
        close(fd);
        return partreg_file_read_all(path, threads, d, err);
    }
    d->map_len = (size_t)sb.st_size + 1;
    m = mmap(NULL, d->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        d->map_len = 0;
        close(fd);
        return nomem(err, path);
    }
    d->buf = m;
    d->fd = fd;
    d->fd_open = 1;
    d->len = (size_t)sb.st_size;
    d->regular = 1;
    stamp_of(&sb, &d->stamp);
    if (read_fd(fd, d->buf, head_max, &got) != 0) {
        partreg_status st = fail_errno(err, "read", path, errno, "");
        partreg_file_data_free(d);
        return st;
    }
    if (got != head_max) {
        partreg_file_data_free(d);
        return changed(err, path);
    }
    d->head = head_max;
    return PARTREG_OK;
}

int partreg_file_read_at(const partreg_file_data *d, size_t off, char *dst, size_t n)
{
    size_t got = 0;
    if (!d->fd_open || off > d->len || n > d->len - off)
        return -1;
    while (got < n) {
        ssize_t r = pread(d->fd, dst + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

int partreg_file_unchanged(const partreg_file_data *d)
{
    struct stat sb;
    partreg_file_stamp now;
    char probe;
    if (!d->fd_open || fstat(d->fd, &sb) != 0)
        return 0;
    stamp_of(&sb, &now);
    return same_stamp(&now, &d->stamp) && pread(d->fd, &probe, 1, (off_t)d->len) == 0;
}

partreg_status partreg_file_complete(const char *path, int threads, partreg_file_data *d,
                                     partreg_error *err)
{
    size_t got;
    if (d->head == d->len)
        return PARTREG_OK;
    if (!d->fd_open)
        return changed(err, path);
    if (read_parallel(d->fd, d->buf, d->head, d->len - d->head, threads, &got) != 0)
        return fail_errno(err, "read", path, errno, "");
    if (got != d->len - d->head || !partreg_file_unchanged(d))
        return changed(err, path);
    d->head = d->len;
    d->buf[d->len] = '\0';
    return PARTREG_OK;
}
