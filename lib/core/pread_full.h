/* Reading a whole range of a file at an offset: pread(2) until every byte
 * is in, retried on EINTR. Private to lib/. */
#ifndef PARTREG_CORE_PREAD_FULL_H
#define PARTREG_CORE_PREAD_FULL_H

#include <stddef.h>
#include <stdint.h>

/* bytes bytes of fd from offset off into buf: 0, or -1 on a read error or
 * an end of file before the last byte (errno as pread left it). */
int partreg_pread_full(int fd, void *buf, size_t bytes, uint64_t off);

#endif
