/* CSV files in blocks of whole records (csv_blocks.h).
 *
 * The header record is read once; each block is handed to the ordinary
 * reader (csv.c) as the header's bytes followed by the block's records,
 * numbered from the block's first file line, so that every cell, type
 * rule and message is the reader's own. Where a block ends is decided by
 * the reader's lexer rules in a small state machine (a record ends at a
 * line end outside quotes), run over every byte once: no record is split,
 * whatever its quotes hold. A distributed read runs the same machine over
 * each process's byte range from every state at once, and chains the
 * ranges' results in process order to find where each share's first
 * record starts (the prefix of a finite-state scan). */
#define _GNU_SOURCE /* pread */

#include "data/csv_blocks.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/pread_full.h"
#include "data/table_internal.h"

/* Byte classes of the state machine. */
enum { B_OTHER = 0, B_SPACE, B_QUOTE, B_DELIM, B_LF, B_CLASSES };

/* next[state][class] */
static const unsigned char next_state[PARTREG_CSV_STATES][B_CLASSES] = {
    /* RECORD */ {PARTREG_CSV_TEXT, PARTREG_CSV_FIELD, PARTREG_CSV_QUOTED, PARTREG_CSV_FIELD,
                  PARTREG_CSV_RECORD},
    /* FIELD  */ {PARTREG_CSV_TEXT, PARTREG_CSV_FIELD, PARTREG_CSV_QUOTED, PARTREG_CSV_FIELD,
                  PARTREG_CSV_RECORD},
    /* TEXT   */ {PARTREG_CSV_TEXT, PARTREG_CSV_TEXT, PARTREG_CSV_TEXT, PARTREG_CSV_FIELD,
                  PARTREG_CSV_RECORD},
    /* QUOTED */ {PARTREG_CSV_QUOTED, PARTREG_CSV_QUOTED, PARTREG_CSV_QUOTE, PARTREG_CSV_QUOTED,
                  PARTREG_CSV_QUOTED},
    /* QUOTE  */ {PARTREG_CSV_TEXT, PARTREG_CSV_CLOSED, PARTREG_CSV_QUOTED, PARTREG_CSV_FIELD,
                  PARTREG_CSV_RECORD},
    /* CLOSED */ {PARTREG_CSV_TEXT, PARTREG_CSV_CLOSED, PARTREG_CSV_TEXT, PARTREG_CSV_FIELD,
                  PARTREG_CSV_RECORD},
};

/* A block: data bytes [off, off + len) from file line `line`. */
typedef struct block {
    uint64_t off, len;
    long line;
} block;

struct partreg_csv_blocks {
    int fd;
    char *path;
    partreg_read_options opt;
    size_t block_bytes;
    unsigned char cls[256];
    char delim;
    char *header;           /* the file's bytes up to the data */
    size_t header_len;
    long data_line;         /* file line of the data's first byte */
    long header_line;       /* file line of the header's first byte */
    uint64_t data_off, data_len;
    uint64_t share_begin, share_end; /* data offsets of this share */
    long share_line;
    block *blocks;          /* the blocks found so far */
    size_t n_blocks, cap_blocks;
    uint64_t next_off;      /* the data offset and line after them */
    long next_line;
    size_t cursor;          /* the next block next() gives */
    int found_all;          /* every block of the share is in blocks */
    char *buf;              /* header + synthetic line + block */
    size_t buf_cap;
    struct stat opened;     /* the file when opened (size, modification time) */
};

static char detect_delimiter(const unsigned char *b, size_t len)
{
    size_t counts[3] = {0, 0, 0};
    int inq = 0;
    for (size_t pos = 0; pos < len; pos++) {
        unsigned char c = b[pos];
        if (c == '"')
            inq = !inq;
        else if (!inq) {
            if (c == '\n')
                break;
            counts[0] += c == ',';
            counts[1] += c == ';';
            counts[2] += c == '\t';
        }
    }
    if (counts[0] >= counts[1] && counts[0] >= counts[2])
        return ',';
    return counts[1] >= counts[2] ? ';' : '\t';
}

static partreg_status io_error(partreg_error *err, const char *path)
{
    char ebuf[128];
    snprintf(ebuf, sizeof ebuf, "%s", strerror(errno ? errno : EIO));
    return partreg_error_set(err, PARTREG_EIO, "cannot read '%s': %s", path, ebuf);
}

/* The header: the bytes up to the end of the first non-blank record. */
static partreg_status read_header(partreg_csv_blocks *cb, uint64_t size, partreg_error *err)
{
    size_t cap = 65536, len = 0;
    unsigned char *b = NULL;
    int state = PARTREG_CSV_RECORD, started = 0;
    long lines = 0;
    for (;;) {
        size_t want = cap;
        if (want > size - len)
            want = (size_t)(size - len);
        unsigned char *nb = realloc(b, cap);
        if (!nb) {
            free(b);
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        }
        b = nb;
        if (want > len && partreg_pread_full(cb->fd, b + len, want - len, len) != 0) {
            free(b);
            return io_error(err, cb->path);
        }
        if (len == 0 && !cb->delim) {
            size_t s = want >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0;
            while (s < want && (b[s] == '\n' || b[s] == '\r'))
                s++;
            cb->delim = detect_delimiter(b + s, want - s);
        }
        if (len == 0) {
            for (int c = 0; c < 256; c++)
                cb->cls[c] = B_OTHER;
            cb->cls[' '] = B_SPACE;
            cb->cls['"'] = B_QUOTE;
            cb->cls['\n'] = B_LF;
            cb->cls[(unsigned char)cb->delim] = B_DELIM;
        }
        size_t pos = 0;
        if (len == 0 && want >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
            pos = 3;
        for (pos = pos > len ? pos : len; pos < want; pos++) {
            unsigned char k = cb->cls[b[pos]];
            if (k == B_LF) {
                lines++;
                if (started && state != PARTREG_CSV_QUOTED) {
                    cb->header = (char *)b;
                    cb->header_len = pos + 1;
                    cb->data_line = lines + 1;
                    return PARTREG_OK;
                }
                continue; /* a blank line before the header */
            }
            if (!started && b[pos] != '\r') {
                started = 1;
                cb->header_line = lines + 1;
            }
            state = next_state[state][k];
        }
        len = want;
        if (len == size) { /* the header is the whole file */
            cb->header = (char *)b;
            cb->header_len = len;
            cb->data_line = lines + 1;
            if (!started) {
                cb->header = NULL;
                free(b);
                return partreg_error_set_at(err, PARTREG_EPARSE, 1, 1,
                                            "%s is empty; a CSV file needs a header line naming "
                                            "the columns",
                                            cb->path);
            }
            return PARTREG_OK;
        }
        cap *= 2;
    }
}

partreg_status partreg_csv_blocks_open(const char *path, const partreg_read_options *opt,
                                       size_t block_bytes, partreg_csv_blocks **out,
                                       partreg_error *err)
{
    *out = NULL;
    partreg_csv_blocks *cb = calloc(1, sizeof *cb);
    if (!cb)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    cb->opt = opt ? *opt : partreg_read_options_default();
    cb->delim = cb->opt.delimiter;
    cb->block_bytes = block_bytes < 4096 ? 4096 : block_bytes;
    size_t plen = strlen(path) + 1;
    cb->path = malloc(plen);
    if (!cb->path) {
        free(cb);
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    }
    memcpy(cb->path, path, plen);
    cb->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    /* the whole-file reader's messages (file_read.c) */
    if (cb->fd < 0 || fstat(cb->fd, &sb) != 0 || S_ISDIR(sb.st_mode)) {
        char ebuf[128];
        int e = cb->fd >= 0 && S_ISDIR(sb.st_mode) ? EISDIR : errno;
        snprintf(ebuf, sizeof ebuf, "%s", strerror(e));
        partreg_status st =
            cb->fd < 0 ? partreg_error_set(err, PARTREG_EIO, "cannot open '%s': %s; check the path",
                                           path, ebuf)
            : e == EISDIR
                ? partreg_error_set(err, PARTREG_EIO,
                                    "cannot read '%s': %s; give the path of a data file", path,
                                    ebuf)
                : partreg_error_set(err, PARTREG_EIO, "cannot read '%s': %s", path, ebuf);
        partreg_csv_blocks_close(cb);
        return st;
    }
    cb->opened = sb;
    partreg_status st = read_header(cb, (uint64_t)sb.st_size, err);
    if (st != PARTREG_OK) {
        partreg_csv_blocks_close(cb);
        return st;
    }
    cb->data_off = cb->header_len;
    cb->data_len = (uint64_t)sb.st_size - cb->header_len;
    partreg_csv_blocks_share(cb, 0, cb->data_len, cb->data_line);
    *out = cb;
    return PARTREG_OK;
}

void partreg_csv_blocks_close(partreg_csv_blocks *cb)
{
    if (!cb)
        return;
    if (cb->fd >= 0)
        close(cb->fd);
    free(cb->path);
    free(cb->header);
    free(cb->blocks);
    free(cb->buf);
    free(cb);
}

uint64_t partreg_csv_blocks_data_bytes(const partreg_csv_blocks *cb) { return cb->data_len; }

char partreg_csv_blocks_delimiter(const partreg_csv_blocks *cb) { return cb->delim; }

partreg_status partreg_csv_blocks_scan(const partreg_csv_blocks *cb, uint64_t begin, uint64_t end,
                                       partreg_csv_scan *out, partreg_error *err)
{
    enum { CHUNK = 1 << 20 };
    unsigned char *b = malloc(CHUNK);
    if (!b)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    int st[PARTREG_CSV_STATES];
    for (int s = 0; s < PARTREG_CSV_STATES; s++) {
        st[s] = s;
        out->first[s] = s == PARTREG_CSV_RECORD ? 0 : UINT64_MAX;
        out->lines_first[s] = 0;
    }
    out->lines = 0;
    for (uint64_t at = begin; at < end; at += CHUNK) {
        size_t m = end - at < CHUNK ? (size_t)(end - at) : CHUNK;
        if (partreg_pread_full(cb->fd, b, m, cb->data_off + at) != 0) {
            free(b);
            return io_error(err, cb->path);
        }
        for (size_t i = 0; i < m; i++) {
            unsigned char k = cb->cls[b[i]];
            out->lines += k == B_LF;
            for (int s = 0; s < PARTREG_CSV_STATES; s++) {
                st[s] = next_state[st[s]][k];
                if (st[s] == PARTREG_CSV_RECORD && out->first[s] == UINT64_MAX) {
                    out->first[s] = at + i + 1 - begin;
                    out->lines_first[s] = out->lines;
                }
            }
        }
    }
    for (int s = 0; s < PARTREG_CSV_STATES; s++) {
        out->to_state[s] = st[s];
        if (out->first[s] != UINT64_MAX && out->first[s] > end - begin)
            out->first[s] = UINT64_MAX;
    }
    free(b);
    return PARTREG_OK;
}

void partreg_csv_blocks_share(partreg_csv_blocks *cb, uint64_t begin, uint64_t end, long line)
{
    cb->share_begin = begin < cb->data_len ? begin : cb->data_len;
    cb->share_end = end < cb->data_len ? end : cb->data_len;
    if (cb->share_end < cb->share_begin)
        cb->share_end = cb->share_begin;
    cb->share_line = line;
    cb->n_blocks = 0;
    cb->cursor = 0;
    cb->found_all = 0;
    cb->next_off = cb->share_begin;
    cb->next_line = line;
}

void partreg_csv_blocks_rewind(partreg_csv_blocks *cb) { cb->cursor = 0; }

partreg_status partreg_csv_blocks_unchanged(const partreg_csv_blocks *cb, partreg_error *err)
{
    struct stat sb;
    const struct stat *o = &cb->opened;
    if (fstat(cb->fd, &sb) == 0 && sb.st_size == o->st_size && sb.st_ino == o->st_ino &&
        sb.st_dev == o->st_dev && sb.st_mtim.tv_sec == o->st_mtim.tv_sec &&
        sb.st_mtim.tv_nsec == o->st_mtim.tv_nsec)
        return PARTREG_OK;
    /* the whole-file reader's message (file_read.c) */
    return partreg_error_set(err, PARTREG_EIO,
                             "'%s' changed while it was read (another program is writing it); "
                             "read it again once it is complete",
                             cb->path);
}

long partreg_csv_blocks_data_line(const partreg_csv_blocks *cb) { return cb->data_line; }

long partreg_csv_blocks_header_line(const partreg_csv_blocks *cb) { return cb->header_line; }

partreg_status partreg_csv_blocks_header(partreg_csv_blocks *cb, partreg_table **out,
                                         partreg_error *err)
{
    return partreg_table_read_csv_part(cb->header, cb->header_len, cb->path, &cb->opt,
                                       cb->data_line, out, err);
}

static int reserve(partreg_csv_blocks *cb, size_t bytes)
{
    if (bytes <= cb->buf_cap)
        return 0;
    size_t cap = cb->buf_cap ? cb->buf_cap : 1 << 16;
    while (cap < bytes)
        cap *= 2;
    char *nb = realloc(cb->buf, cap);
    if (!nb)
        return -1;
    cb->buf = nb;
    cb->buf_cap = cap;
    return 0;
}

/* Lines ends in bytes [0, len) of b. */
static long count_lines(const char *b, size_t len)
{
    long n = 0;
    const char *p = b, *e = b + len;
    while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

/* Find the block after the last one found: from its end, whole records of
 * about block_bytes, the last ending in a line end outside quotes (or at
 * the share's end). Its bytes are left at cb->buf + front. */
static partreg_status find_block(partreg_csv_blocks *cb, size_t front, partreg_error *err)
{
    uint64_t off = cb->next_off;
    if (off >= cb->share_end) {
        cb->found_all = 1;
        return PARTREG_OK;
    }
    size_t want = cb->block_bytes, have = 0, end_at = 0;
    int state = PARTREG_CSV_RECORD;
    for (;;) {
        uint64_t left = cb->share_end - off;
        size_t m = want < left ? want : (size_t)left;
        if (reserve(cb, front + m) != 0)
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        unsigned char *b = (unsigned char *)cb->buf + front;
        if (m > have &&
            partreg_pread_full(cb->fd, b + have, m - have, cb->data_off + off + have) != 0)
            return io_error(err, cb->path);
        const unsigned char *lf = m > have && !memchr(b + have, '"', m - have)
                                      ? memrchr(b + have, '\n', m - have)
                                      : NULL;
        if (lf) {
            /* no quote: every line end ends a record (the common file);
             * the machine runs on from the last one for the state */
            end_at = (size_t)(lf - b) + 1;
            state = PARTREG_CSV_RECORD;
            for (size_t i = end_at; i < m; i++)
                state = next_state[state][cb->cls[b[i]]];
        } else {
            for (size_t i = have; i < m; i++) {
                state = next_state[state][cb->cls[b[i]]];
                if (state == PARTREG_CSV_RECORD)
                    end_at = i + 1;
            }
        }
        have = m;
        if (m == left) { /* the share's last records */
            end_at = m;
            break;
        }
        if (end_at > 0)
            break;
        want *= 2; /* a record longer than a block */
    }
    if (cb->n_blocks == cb->cap_blocks) {
        size_t nc = cb->cap_blocks ? 2 * cb->cap_blocks : 64;
        block *nb = realloc(cb->blocks, nc * sizeof *nb);
        if (!nb)
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        cb->blocks = nb;
        cb->cap_blocks = nc;
    }
    cb->blocks[cb->n_blocks++] = (block){off, end_at, cb->next_line};
    cb->next_off = off + end_at;
    cb->next_line += count_lines(cb->buf + front, end_at);
    return PARTREG_OK;
}

/* Where a block's bytes go in cb->buf: after the header (and a line end
 * when it has none) and the synthetic line. */
static size_t data_front(const partreg_csv_blocks *cb, const char *synthetic)
{
    size_t front = cb->header_len + (cb->header_len && cb->header[cb->header_len - 1] != '\n');
    return front + (synthetic ? strlen(synthetic) + 1 : 0);
}

/* Block i's records (its bytes at cb->buf + front when `loaded`) as a
 * table. */
static partreg_status read_block(partreg_csv_blocks *cb, size_t i, const char *synthetic,
                                 int loaded, size_t front_loaded, partreg_table **out,
                                 partreg_error *err)
{
    const block *bk = &cb->blocks[i];
    size_t slen = synthetic ? strlen(synthetic) + 1 : 0;
    size_t front = cb->header_len + (cb->header_len && cb->header[cb->header_len - 1] != '\n');
    size_t need = front + slen + (size_t)bk->len;
    if (loaded && front_loaded != front + slen) { /* move the bytes into place */
        if (reserve(cb, need) != 0)
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        memmove(cb->buf + front + slen, cb->buf + front_loaded, (size_t)bk->len);
    } else if (!loaded) {
        if (reserve(cb, need) != 0)
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        if (partreg_pread_full(cb->fd, cb->buf + front + slen, (size_t)bk->len,
                               cb->data_off + bk->off) != 0)
            return io_error(err, cb->path);
    }
    memcpy(cb->buf, cb->header, cb->header_len);
    if (front > cb->header_len)
        cb->buf[cb->header_len] = '\n';
    if (synthetic) {
        memcpy(cb->buf + front, synthetic, slen - 1);
        cb->buf[front + slen - 1] = '\n';
    }
    long first = bk->line - (synthetic ? 1 : 0);
    return partreg_table_read_csv_part(cb->buf, need, cb->path, &cb->opt, first > 0 ? first : 1,
                                       out, err);
}

partreg_status partreg_csv_blocks_next(partreg_csv_blocks *cb, const char *synthetic,
                                       partreg_table **out, size_t *index, partreg_error *err)
{
    *out = NULL;
    if (cb->cursor < cb->n_blocks) {
        *index = cb->cursor;
        return read_block(cb, cb->cursor++, synthetic, 0, 0, out, err);
    }
    if (cb->found_all)
        return PARTREG_OK;
    size_t front = data_front(cb, synthetic);
    partreg_status st = find_block(cb, front, err);
    if (st != PARTREG_OK || cb->found_all)
        return st;
    *index = cb->n_blocks - 1;
    cb->cursor = cb->n_blocks;
    return read_block(cb, *index, synthetic, 1, front, out, err);
}

partreg_status partreg_csv_blocks_read(partreg_csv_blocks *cb, size_t index,
                                       const char *synthetic, partreg_table **out,
                                       partreg_error *err)
{
    *out = NULL;
    if (index >= cb->n_blocks)
        return partreg_error_set(err, PARTREG_EINVAL, "no block %zu of %s", index, cb->path);
    return read_block(cb, index, synthetic, 0, 0, out, err);
}
