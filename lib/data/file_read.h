/* Reading a whole input file into memory, for the readers. Private to lib/. */
#ifndef PARTREG_DATA_FILE_READ_H
#define PARTREG_DATA_FILE_READ_H

#include "partreg.h"

#include <stddef.h>

/* What identifies the state of a file read: for partreg_file_reread(). */
typedef struct partreg_file_stamp {
    long long size, mtime_sec, mtime_nsec;
    unsigned long long dev, ino;
} partreg_file_stamp;

/* A whole file in memory. */
typedef struct partreg_file_data {
    char *buf;                /* len bytes and a terminating NUL (not counted) */
    size_t len;
    size_t map_len;           /* > 0: buf is an anonymous mapping of that size
                               * (page-aligned); 0: malloc'ed */
    int regular;              /* a regular file (stamp is meaningful) */
    partreg_file_stamp stamp;
    size_t head;              /* bytes of buf read so far: len once the whole
                               * file is (partreg_file_read_head() reads only
                               * a head, partreg_file_complete() the rest) */
    int fd;                   /* the open file while fd_open (read_head) */
    int fd_open;
} partreg_file_data;

/* The whole of the file at `path` into *out; release it with
 * partreg_file_data_free(). A large regular file is read in shares on
 * `threads` threads (0 = all cores; the bytes are the same). A regular file's buffer is page-aligned (its
 * pages may be dropped with madvise and read again with
 * partreg_file_reread()). The file is read with read(2), never mapped: a
 * file truncated or rewritten by another process while it is read gives
 * PARTREG_EIO ("changed while it was read"), never a SIGBUS. A directory,
 * a missing or unreadable file are PARTREG_EIO with a message naming the
 * path; PARTREG_ENOMEM when it does not fit in memory. On failure *out is
 * empty (buf NULL). */
partreg_status partreg_file_read_all(const char *path, int threads, partreg_file_data *out,
                                     partreg_error *err);

/* Read the regular file at `path` again into d->buf[0..d->len) (whose pages
 * were dropped), provided it is still the file d->stamp describes;
 * otherwise PARTREG_EIO ("changed while it was read"). */
partreg_status partreg_file_reread(const char *path, partreg_file_data *d, partreg_error *err);

/* The first head_max bytes of a regular file larger than that, for a
 * reader that may read the rest itself in blocks (partreg_file_read_at())
 * instead of the whole file into memory: d->len is the file's size,
 * d->buf a page-aligned buffer of d->len + 1 bytes of which the first
 * d->head = head_max are read (the rest reads as zeros until
 * partreg_file_complete()), and the file stays open until
 * partreg_file_data_free(). Any other file is read whole, as
 * partreg_file_read_all() does (d->head == d->len). Errors as
 * partreg_file_read_all(). */
partreg_status partreg_file_read_head(const char *path, size_t head_max, int threads,
                                      partreg_file_data *d, partreg_error *err);

/* Bytes [off, off + n) of the file read by partreg_file_read_head() into
 * dst: 0 when all were read, -1 otherwise (a read error, or the file is
 * shorter than it was). Thread-safe (pread). */
int partreg_file_read_at(const partreg_file_data *d, size_t off, char *dst, size_t n);

/* 1 when the open file is still the one d->stamp describes (same size,
 * modification time and inode, nothing past its end), 0 otherwise. */
int partreg_file_unchanged(const partreg_file_data *d);

/* The rest of a file read by partreg_file_read_head() into d->buf (on
 * `threads` threads, 0 = all cores), then d->head == d->len; PARTREG_EIO
 * ("changed while it was read") when the file is no longer the one read.
 * A no-op for a file read whole. */
partreg_status partreg_file_complete(const char *path, int threads, partreg_file_data *d,
                                     partreg_error *err);

void partreg_file_data_free(partreg_file_data *d);

#endif
