#define _GNU_SOURCE /* pread */
#include "core/pread_full.h"

#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

int partreg_pread_full(int fd, void *buf, size_t bytes, uint64_t off)
{
    char *b = buf;
    while (bytes) {
        ssize_t r = pread(fd, b, bytes, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        b += r;
        bytes -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}
