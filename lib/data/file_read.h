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

void partreg_file_data_free(partreg_file_data *d);

#endif
