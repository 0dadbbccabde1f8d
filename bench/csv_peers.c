/* The floors and the C peers of the CSV reader, for bench/read_csv.sh, on
 * the file in the page cache. Each mode reads FILE REPEATS times and prints
 * the best wall-clock time, its median and the best CPU time of the
 * process (user + system, CLOCK_PROCESS_CPUTIME_ID: the figure to trust on
 * a shared machine).
 *   pread T       the file read in 256 KiB blocks into one reused buffer per
 *                 thread, on T threads (contiguous shares): the floor of a
 *                 reader that does nothing with the bytes
 *   libcsv-count  Debian's libcsv (csv_parse) over those blocks, callbacks
 *                 that only count fields: its tokeniser alone
 *   libcsv-strtod the same, each field converted by strtod into growing
 *                 column arrays (empty and NA as NaN): a complete numeric
 *                 reader built on libcsv, one thread
 * Usage: csv_peers MODE FILE [REPEATS [THREADS]]. */
#define _GNU_SOURCE
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BLOCK ((size_t)256 << 10)

static double now_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct share {
    int fd;
    off_t off, len;
    size_t sum; /* bytes read (kept so the reads are not optimised away) */
} share;

static void *read_share(void *arg)
{
    share *s = arg;
    char *buf = malloc(BLOCK);
    off_t at = s->off, end = s->off + s->len;
    if (!buf)
        return NULL;
    while (at < end) {
        size_t want = (size_t)(end - at) < BLOCK ? (size_t)(end - at) : BLOCK;
        ssize_t got = pread(s->fd, buf, want, at);
        if (got <= 0)
            break;
        s->sum += (size_t)got + (unsigned char)buf[0];
        at += got;
    }
    free(buf);
    return NULL;
}

static size_t run_pread(int fd, off_t size, int threads)
{
    pthread_t th[64];
    share sh[64];
    size_t sum = 0;
    for (int t = 0; t < threads; t++) {
        sh[t].fd = fd;
        sh[t].off = size / threads * t;
        sh[t].len = (t + 1 == threads ? size : size / threads * (t + 1)) - sh[t].off;
        sh[t].sum = 0;
        if (t)
            pthread_create(&th[t], NULL, read_share, &sh[t]);
    }
    read_share(&sh[0]);
    for (int t = 1; t < threads; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t < threads; t++)
        sum += sh[t].sum;
    return sum;
}

/* libcsv callbacks */
typedef struct cols {
    int convert;
    size_t fields, col, ncol, row, cap;
    double **v;
    int header;
} cols;

static void on_field(void *s, size_t n, void *data)
{
    cols *c = data;
    c->fields++;
    if (!c->convert)
        return;
    if (c->header) {
        c->ncol++;
        return;
    }
    if (c->col < c->ncol) {
        double x = NAN;
        if (n && !(n == 2 && memcmp(s, "NA", 2) == 0)) {
            char tmp[64], *end;
            if (n < sizeof tmp) {
                memcpy(tmp, s, n);
                tmp[n] = '\0';
                x = strtod(tmp, &end);
                if (end != tmp + n)
                    x = NAN;
            }
        }
        c->v[c->col][c->row] = x;
    }
    c->col++;
}

static void on_row(int ch, void *data)
{
    cols *c = data;
    (void)ch;
    if (!c->convert)
        return;
    if (c->header) {
        c->header = 0;
        c->cap = 1024;
        c->v = calloc(c->ncol, sizeof *c->v);
        for (size_t k = 0; k < c->ncol; k++)
            c->v[k] = malloc(c->cap * sizeof(double));
    } else if (++c->row == c->cap) {
        c->cap *= 2;
        for (size_t k = 0; k < c->ncol; k++)
            c->v[k] = realloc(c->v[k], c->cap * sizeof(double));
    }
    c->col = 0;
}

static size_t run_libcsv(int fd, off_t size, int convert)
{
    struct csv_parser p;
    cols c;
    char *buf = malloc(BLOCK);
    off_t at = 0;
    memset(&c, 0, sizeof c);
    c.convert = convert;
    c.header = 1;
    if (!buf || csv_init(&p, CSV_APPEND_NULL) != 0)
        exit(1);
    while (at < size) {
        ssize_t got = pread(fd, buf, BLOCK, at);
        if (got <= 0)
            break;
        if (csv_parse(&p, buf, (size_t)got, on_field, on_row, &c) != (size_t)got) {
            fprintf(stderr, "csv_peers: libcsv: %s\n", csv_strerror(csv_error(&p)));
            exit(1);
        }
        at += got;
    }
    csv_fini(&p, on_field, on_row, &c);
    csv_free(&p);
    free(buf);
    if (c.v) {
        for (size_t k = 0; k < c.ncol; k++)
            free(c.v[k]);
        free(c.v);
    }
    return c.fields;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: csv_peers pread|libcsv-count|libcsv-strtod FILE [REPEATS "
                        "[THREADS]]\n");
        return 2;
    }
    const char *mode = argv[1];
    int reps = argc > 3 ? atoi(argv[3]) : 5, threads = argc > 4 ? atoi(argv[4]) : 1;
    double t[64], cpu_best = 1e300;
    size_t out = 0;
    struct stat sb;
    int fd = open(argv[2], O_RDONLY);
    if (fd < 0 || fstat(fd, &sb) != 0 || reps < 1 || reps > 64 || threads < 1 ||
        threads > 64) {
        fprintf(stderr, "csv_peers: cannot read %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    for (int r = 0; r < reps; r++) {
        double w0 = now_clock(CLOCK_MONOTONIC), c0 = now_clock(CLOCK_PROCESS_CPUTIME_ID);
        if (strcmp(mode, "pread") == 0)
            out = run_pread(fd, sb.st_size, threads);
        else if (strcmp(mode, "libcsv-count") == 0)
            out = run_libcsv(fd, sb.st_size, 0);
        else if (strcmp(mode, "libcsv-strtod") == 0)
            out = run_libcsv(fd, sb.st_size, 1);
        else {
            fprintf(stderr, "csv_peers: unknown mode %s\n", mode);
            return 2;
        }
        t[r] = now_clock(CLOCK_MONOTONIC) - w0;
        double c1 = now_clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (c1 < cpu_best)
            cpu_best = c1;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp);
    printf("%s: wall best %.4f s, median %.4f s; CPU best %.4f s; over %d runs, threads %d "
           "(%zu)\n",
           mode, t[0], t[reps / 2], cpu_best, reps, threads, out);
    close(fd);
    return 0;
}
