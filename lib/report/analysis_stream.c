/* The analysis of a CSV file read in blocks (analysis_internal.h): out of
 * core, when the table and design would not fit the memory budget, and
 * for each process of a distributed analysis, which reads its share of the
 * file (docs/scaling.md).
 *
 *   1. The survey: every block of this process's share read once
 *      (frame_stream.h); with a communicator the surveys of all shares are
 *      merged on every process. Blocks where a text column held only
 *      numbers are read again for their texts.
 *   2. The coding frame, from the survey: the levels, columns and errors
 *      partreg_frame_create gives on the whole table.
 *   3. The design: every block read again, its rows coded by that frame
 *      into a design file (out of core) or arrays (a share that fits),
 *      with their outcome codes, weights and cluster codes. Out of core
 *      in one process the design is written during the survey instead,
 *      each block coded by the coding frame of the first block with rows
 *      used (the common file: no level, text cell or bad value after its
 *      first block); when the whole file's coding frame codes as that one
 *      did, the file is read once, else it is read again as above.
 *   4. The fit over those rows (models/rows.h) and the inference, the same
 *      bits as in memory; what needs every row in memory (average marginal
 *      effects, predictions at values, the Brant test, the binary
 *      diagnostics) is refused with a reason or left out.
 *
 * A distributed analysis splits the file's data bytes evenly between the
 * processes; each process's share is the records that start in its range
 * (found by the reader's lexer rules chained over the ranges in process
 * order, csv_blocks.h). With a file per process (spec->file_per_process)
 * a process's share is its own file, and the data are the files one after
 * another in process order. Every step agrees on the status of every
 * process, so all report the same error. */
#define _POSIX_C_SOURCE 200809L
#include "report/analysis_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/comm.h"
#include "core/error.h"
#include "data/csv_blocks.h"
#include "frame/frame_internal.h"
#include "frame/frame_stream.h"
#include "inference/survey_internal.h"
#include "models/design_file.h"
#include "models/fit_internal.h"
#include "models/random_intercept.h"

/* Blocks of the CSV read at once: a sixteenth of the budget, between 4 KiB
 * and 64 MiB (a block's table and design rows take a few times its
 * bytes). */
#define BLOCK_MIN ((size_t)4 << 10)
#define BLOCK_MAX ((size_t)64 << 20)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static size_t budget(const partreg_analysis_spec *s)
{
    if (s->memory)
        return s->memory;
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || size <= 0)
        return (size_t)4 << 30;
    return (size_t)pages * (size_t)size / 2;
}

static int is_csv(const char *path)
{
    const char *dot = strrchr(path, '.');
    return !dot || (strcmp(dot, ".sav") != 0 && strcmp(dot, ".zsav") != 0 &&
                    strcmp(dot, ".dta") != 0);
}

void partreg_analysis_choose_stream(const char *path, const partreg_analysis_spec *spec,
                                    int *streamed)
{
    *streamed = 0;
    int distributed = spec->fit.comm && spec->fit.comm->size > 1;
    if (distributed && spec->file_per_process) {
        *streamed = 1; /* (the stream refuses a file that is not CSV) */
        return;
    }
    if (!is_csv(path))
        return;
    if (spec->out_of_core || distributed) {
        *streamed = 1;
        return;
    }
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return; /* the reader reports it */
    /* in memory: the table (about the file's size in doubles) and the design */
    *streamed = 2 * (size_t)sb.st_size > budget(spec);
}

/* This process's share of the data bytes: the records that start in
 * [r D / P, (r + 1) D / P), found by chaining every range's scan. */
static partreg_status find_share(partreg_csv_blocks *cb, const partreg_comm *comm,
                                 partreg_error *err)
{
    size_t P = (size_t)comm->size, r = (size_t)comm->rank;
    uint64_t D = partreg_csv_blocks_data_bytes(cb);
    uint64_t b = D * r / P, e = D * (r + 1) / P;
    partreg_csv_scan mine;
    partreg_status st = partreg_csv_blocks_scan(cb, b, e, &mine, err);
    if ((st = partreg_comm_agree(comm, st, err)) != PARTREG_OK)
        return st;
    size_t *bytes = malloc(P * sizeof *bytes);
    void *all = NULL;
    if (!bytes || comm->ops->allgather(comm->ctx, &mine, sizeof mine, &all, bytes) != 0) {
        free(bytes);
        return partreg_comm_agree(comm, partreg_error_set(err, PARTREG_EIO,
                                                          "the processes could not exchange "
                                                          "their parts of the file"),
                                  err);
    }
    const partreg_csv_scan *sc = all;
    /* the state at each range's start, and the lines before it */
    int *state = malloc((P + 1) * sizeof *state);
    uint64_t *line = malloc((P + 1) * sizeof *line), *start = malloc((P + 1) * sizeof *start);
    uint64_t *start_line = malloc((P + 1) * sizeof *start_line);
    if (!state || !line || !start || !start_line) {
        free(state);
        free(line);
        free(start);
        free(start_line);
        free(bytes);
        free(all);
        return partreg_comm_agree(comm, partreg_error_set(err, PARTREG_ENOMEM, "out of memory"),
                                  err);
    }
    state[0] = PARTREG_CSV_RECORD;
    line[0] = (uint64_t)partreg_csv_blocks_data_line(cb);
    for (size_t q = 0; q < P; q++) {
        state[q + 1] = sc[q].to_state[state[q]];
        line[q + 1] = line[q] + sc[q].lines;
    }
    start[P] = D;
    start_line[P] = line[P];
    for (size_t q = P; q-- > 0;) {
        uint64_t bq = D * q / P, f = sc[q].first[state[q]];
        if (f != UINT64_MAX && bq + f < D) {
            start[q] = bq + f;
            start_line[q] = line[q] + sc[q].lines_first[state[q]];
        } else {
            start[q] = start[q + 1];
            start_line[q] = start_line[q + 1];
        }
    }
    partreg_csv_blocks_share(cb, start[r], start[r + 1], (long)start_line[r]);
    free(state);
    free(line);
    free(start);
    free(start_line);
    free(bytes);
    free(all);
    return partreg_comm_agree(comm, PARTREG_OK, err);
}

/* ---- a file per process ---------------------------------------------- */

/* Process q's file line L is read as line (q + 1) 2^40 + L: the survey's
 * first lines (the order of first appearance, the earliest bad cell) then
 * order the rows as the files one after another do, and every such line
 * in a message names its file (file_lines). */
#define FILE_LINE_BITS 40
#define FILE_LINE_MASK ((1L << FILE_LINE_BITS) - 1)

/* The processes' files, in process order. */
typedef struct part_files {
    void *all;     /* every process's path and header names (own_file) */
    char **name;   /* name[q]: process q's path, in all */
    size_t n;
} part_files;

static void part_files_free(part_files *pf)
{
    free(pf->all);
    free(pf->name);
}

/* The number of names of a header that own_file exchanged: the strings
 * after the path in [b, b + bytes), each NUL-terminated. */
static size_t header_names(const char *b, size_t bytes)
{
    size_t n = 0;
    for (size_t at = strlen(b) + 1; at < bytes; at += strlen(b + at) + 1)
        n++;
    return n;
}

/* This process's share is its own file: the processes' paths and header
 * names exchanged (pf), the header checked against process 0's, the
 * file's lines keyed by process; a->source names the files. Collective. */
static partreg_status own_file(partreg_analysis *a, partreg_csv_blocks *cb,
                               const partreg_comm *comm, const char *path, part_files *pf,
                               partreg_error *err)
{
    size_t P = (size_t)comm->size, r = (size_t)comm->rank;
    partreg_table *h = NULL;
    char *mine = NULL;
    size_t bytes = strlen(path) + 1, nc = 0;
    partreg_status st = partreg_csv_blocks_header(cb, &h, err);
    if (st == PARTREG_OK) {
        nc = partreg_table_n_columns(h);
        for (size_t j = 0; j < nc; j++)
            bytes += strlen(partreg_table_column_name(h, j)) + 1;
        mine = malloc(bytes);
    }
    if (mine) { /* the path, then the header's names, each NUL-terminated */
        size_t at = strlen(path) + 1;
        memcpy(mine, path, at);
        for (size_t j = 0; j < nc; j++) {
            size_t len = strlen(partreg_table_column_name(h, j)) + 1;
            memcpy(mine + at, partreg_table_column_name(h, j), len);
            at += len;
        }
    }
    partreg_table_free(h);
    size_t *got = malloc(P * sizeof *got);
    pf->name = malloc(P * sizeof *pf->name);
    if (st == PARTREG_OK && (!mine || !got || !pf->name))
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    st = partreg_comm_agree(comm, st, err);
    /* (the pointers are there when every process agreed on OK) */
    if (st != PARTREG_OK || !mine || !got || !pf->name)
        goto done;
    if (comm->ops->allgather(comm->ctx, mine, bytes, &pf->all, got) != 0 || !pf->all) {
        st = partreg_comm_agree(comm, partreg_error_set(err, PARTREG_EIO,
                                                        "the processes could not exchange "
                                                        "their files' header lines"),
                                err);
        goto done;
    }
    const char *first = pf->all, *b = first;
    for (size_t q = 0; q < P; q++) {
        pf->name[q] = (char *)b;
        b += got[q];
    }
    pf->n = P;
    /* the same header as process 0's file: the same names in the same order */
    size_t n0 = header_names(first, got[0]), j = 0;
    const char *at0 = first + strlen(first) + 1, *atr = mine + strlen(path) + 1;
    for (; r > 0 && j < n0 && j < nc && strcmp(at0, atr) == 0; j++) {
        at0 += strlen(at0) + 1;
        atr += strlen(atr) + 1;
    }
    if (r > 0 && (j < n0 || j < nc)) {
        long line = partreg_csv_blocks_header_line(cb);
        const char *why = "every process's file needs the same header line (the same columns, "
                          "in the same order)";
        if (j < n0 && j < nc)
            st = partreg_error_set_at(err, PARTREG_EPARSE, line, 0,
                                      "%s:%ld: the header line differs from %s's: column %zu is "
                                      "'%s' where %s has '%s'; %s",
                                      path, line, first, j + 1, atr, first, at0, why);
        else
            st = partreg_error_set_at(err, PARTREG_EPARSE, line, 0,
                                      "%s:%ld: the header line differs from %s's: it has %zu "
                                      "columns where %s has %zu ('%s' is %s); %s",
                                      path, line, first, nc, first, n0, j < n0 ? at0 : atr,
                                      j < n0 ? "missing" : "extra", why);
        if (err)
            err->index = (long)j;
    } else { /* the data's name in the report and messages */
        size_t len = strlen(pf->name[0]) + strlen(pf->name[P - 1]) + 64;
        char *source = malloc(len);
        if (!source)
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        else {
            snprintf(source, len, "%s to %s (%zu files)", pf->name[0], pf->name[P - 1], P);
            free(a->source);
            a->source = source;
        }
    }
    long key = (long)(r + 1) << FILE_LINE_BITS;
    partreg_csv_blocks_share(cb, 0, partreg_csv_blocks_data_bytes(cb),
                             partreg_csv_blocks_data_line(cb) + key);
    st = partreg_comm_agree(comm, st, err);
done:
    free(mine);
    free(got);
    return st;
}

/* A line of process q's file in a message as that file's line: "line K"
 * becomes "line L of FILE", "FILE:K" "FILE:L", err->line L. */
static void file_lines(const part_files *pf, partreg_error *err)
{
    if (!err || !pf->n)
        return;
    char out[PARTREG_ERROR_MESSAGE_SIZE];
    const char *m = err->message;
    size_t o = 0, i = 0;
    while (m[i] && o + 1 < sizeof out) {
        size_t j = i;
        unsigned long long v = 0;
        while (isdigit((unsigned char)m[j]) && v < (1ULL << 60))
            v = 10 * v + (unsigned long long)(m[j++] - '0');
        size_t q = (size_t)(v >> FILE_LINE_BITS);
        if (j == i || isdigit((unsigned char)m[j]) || (i > 0 && isdigit((unsigned char)m[i - 1])) ||
            q < 1 || q > pf->n) {
            out[o++] = m[i++];
            continue;
        }
        const char *name = pf->name[q - 1];
        size_t len = strlen(name);
        long line = (long)(v & FILE_LINE_MASK);
        int after_line = i >= 5 && strncmp(m + i - 5, "line ", 5) == 0;
        int after_name = i > len && m[i - 1] == ':' && strncmp(m + i - 1 - len, name, len) == 0;
        if (!after_line && !after_name) {
            out[o++] = m[i++];
            continue;
        }
        int w = after_line ? snprintf(out + o, sizeof out - o, "%ld of %s", line, name)
                           : snprintf(out + o, sizeof out - o, "%ld", line);
        o += w > 0 ? (size_t)w : 0;
        if (o >= sizeof out)
            o = sizeof out - 1;
        i = j;
    }
    out[o] = '\0';
    memcpy(err->message, out, o + 1);
    if (err->line > FILE_LINE_MASK && (size_t)(err->line >> FILE_LINE_BITS) <= pf->n)
        err->line &= FILE_LINE_MASK;
}

/* Every process's survey part merged into one, on every process. */
static partreg_status merge_parts(const partreg_comm *comm, const partreg_block_survey *part,
                                  partreg_block_survey *into, partreg_error *err)
{
    void *mine = NULL, *all = NULL;
    size_t bytes = 0, *got = malloc((size_t)comm->size * sizeof *got);
    partreg_status st = got ? partreg_block_survey_pack(part, &mine, &bytes) : PARTREG_ENOMEM;
    if (st != PARTREG_OK)
        partreg_error_set(err, st, "out of memory");
    /* take part in the exchange whatever happened here */
    if (got && comm->ops->allgather(comm->ctx, st == PARTREG_OK ? mine : NULL,
                                    st == PARTREG_OK ? bytes : 0, &all, got) != 0 &&
        st == PARTREG_OK)
        st = partreg_error_set(err, PARTREG_EIO, "the processes could not exchange surveys");
    const unsigned char *at = all;
    for (int q = 0; st == PARTREG_OK && q < comm->size; q++) {
        st = partreg_block_survey_merge(into, at, got[q], err);
        at += got[q];
    }
    free(mine);
    free(all);
    free(got);
    return partreg_comm_agree(comm, st, err);
}

/* The design written during the survey (below). */
typedef struct speculation speculation;
static void speculate(partreg_analysis *a, speculation *sp, partreg_block_survey *s,
                      const partreg_table *t, const partreg_analysis_spec *spec, const char *path);

/* The first pass: the survey of the whole file, from this process's share's
 * blocks (and, with a communicator, everyone's). */
static partreg_status survey(partreg_analysis *a, partreg_csv_blocks *cb,
                             const partreg_analysis_spec *spec, const partreg_comm *comm,
                             const char *path, speculation *sp, partreg_block_survey **out,
                             size_t *n_mine, int *reread, partreg_error *err)
{
    partreg_table *header = NULL, *t = NULL;
    partreg_block_survey *mine = NULL, *whole = NULL, *texts = NULL;
    size_t *re = NULL, n_re = 0, index;
    partreg_status st = partreg_csv_blocks_header(cb, &header, err);
    if (st == PARTREG_OK)
        st = partreg_block_survey_new(header, a->formula, &spec->frame, &mine, err);
    while (st == PARTREG_OK) {
        if ((st = partreg_csv_blocks_next(cb, NULL, &t, &index, err)) != PARTREG_OK || !t)
            break;
        st = partreg_block_survey_add(mine, t, 0, index, err);
        if (st == PARTREG_OK && sp)
            speculate(a, sp, mine, t, spec, path);
        partreg_table_free(t);
        t = NULL;
    }
    if (mine)
        *n_mine = partreg_block_survey_used(mine);
    if (comm) { /* the whole file's survey on every process */
        st = partreg_comm_agree(comm, st, err);
        if (st == PARTREG_OK)
            st = partreg_block_survey_new(header, a->formula, &spec->frame, &whole, err);
        st = partreg_comm_agree(comm, st, err);
        if (st == PARTREG_OK)
            st = merge_parts(comm, mine, whole, err);
    } else {
        whole = mine;
        mine = NULL;
    }
    /* the texts of text columns from this share's blocks where they held
     * numbers (read again with a line that keeps them text) */
    if (st == PARTREG_OK)
        st = partreg_block_survey_rereads(mine ? mine : whole, whole, &re, &n_re);
    *reread = n_re > 0;
    if (st == PARTREG_OK && comm)
        st = partreg_block_survey_new(header, a->formula, &spec->frame, &texts, err);
    partreg_block_survey *into = comm ? texts : whole;
    if (st == PARTREG_OK && into != whole)
        partreg_block_survey_set_text(into, whole);
    const char *syn = st == PARTREG_OK && n_re
                          ? partreg_block_survey_synthetic(whole, partreg_csv_blocks_delimiter(cb))
                          : NULL;
    for (size_t i = 0; st == PARTREG_OK && syn && i < n_re; i++) {
        if ((st = partreg_csv_blocks_read(cb, re[i], syn, &t, err)) != PARTREG_OK)
            break;
        st = partreg_block_survey_add_text(into, t, 1, err);
        partreg_table_free(t);
        t = NULL;
    }
    if (comm) {
        st = partreg_comm_agree(comm, st, err);
        if (st == PARTREG_OK)
            st = merge_parts(comm, texts, whole, err);
    } else if (st == PARTREG_OK) { /* what was read is the file as it stands */
        st = partreg_csv_blocks_unchanged(cb, err);
    }
    partreg_table_free(header);
    partreg_block_survey_free(mine);
    partreg_block_survey_free(texts);
    free(re);
    if (st != PARTREG_OK) {
        partreg_block_survey_free(whole);
        return st;
    }
    *out = whole;
    return PARTREG_OK;
}

/* ---- a survey design's rows -------------------------------------------- */

/* What a pass over this process's rows collects for the linearised design
 * variance (survey_internal.h, partreg_survey_share): its PSUs numbered in
 * order of first row, each row's PSU number (the rows' cluster codes), the
 * fpc's first values and first change per stratum, the population size. */
struct partreg_stream_design {
    partreg_survey_share share;
    int has_sw;
    size_t n_codes;
    size_t *psu_stratum, *psu_code, cap_psu;
    uint64_t *keys;  /* (stratum + 1, PSU code) pairs, open addressing */
    size_t *vals, cap_keys;
    double *fpc_first, *fpc_diff_value;
    size_t *fpc_first_row, *fpc_diff_row;
    double *sw;      /* the rows' sampling weights (distributed) */
    size_t positive; /* rows with a sampling weight > 0 */
    char **names;    /* borrowed from the coding frame */
};

void partreg_stream_design_free(struct partreg_stream_design *d)
{
    if (!d)
        return;
    free(d->psu_stratum);
    free(d->psu_code);
    free(d->keys);
    free(d->vals);
    free(d->fpc_first);
    free(d->fpc_diff_value);
    free(d->fpc_first_row);
    free(d->fpc_diff_row);
    free(d->sw);
    free(d);
}

partreg_status partreg_stream_design_vcov(struct partreg_stream_design *d, partreg_fit *fit,
                                          partreg_error *err)
{
    partreg_survey_share *sh = &d->share;
    sh->psu_stratum = d->psu_stratum;
    sh->psu_code = d->psu_code;
    sh->fpc_first = d->fpc_first;
    sh->fpc_diff_value = d->fpc_diff_value;
    sh->fpc_first_row = d->fpc_first_row;
    sh->fpc_diff_row = d->fpc_diff_row;
    sh->sw = d->sw;
    sh->stratum_names = d->names;
    return partreg_fit_set_survey_share(fit, sh, err);
}

static partreg_status stream_design_new(const partreg_frame *fr, const partreg_analysis_spec *spec,
                                        int distributed, size_t n_mine,
                                        struct partreg_stream_design **out, partreg_error *err)
{
    const partreg_frame_options *f = &spec->frame;
    struct partreg_stream_design *d = calloc(1, sizeof *d);
    if (!d)
        return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    *out = d;
    partreg_survey_share *sh = &d->share;
    sh->has_strata = f->strata != NULL;
    sh->has_psu = f->psu != NULL;
    sh->has_fpc = f->fpc != NULL;
    sh->has_subpop = f->subpop != NULL;
    sh->lonely = spec->survey.lonely_psu;
    d->has_sw = f->sampling_weights != NULL;
    d->n_codes = 1;
    if (sh->has_strata && fr->survey) {
        d->n_codes = fr->survey->strata_lv.n ? fr->survey->strata_lv.n : 1;
        d->names = fr->survey->strata_lv.names;
    }
    sh->n_stratum_codes = d->n_codes;
    d->cap_keys = 1024;
    int ok = 1;
    if (sh->has_psu)
        ok = (d->keys = calloc(2 * d->cap_keys, sizeof *d->keys)) != NULL &&
             (d->vals = malloc(d->cap_keys * sizeof *d->vals)) != NULL;
    if (ok && sh->has_fpc) {
        size_t C = d->n_codes;
        ok = (d->fpc_first = calloc(C, sizeof(double))) && (d->fpc_diff_value = calloc(C, sizeof(double))) &&
             (d->fpc_first_row = malloc(C * sizeof(size_t))) &&
             (d->fpc_diff_row = malloc(C * sizeof(size_t)));
        for (size_t c = 0; ok && c < C; c++)
            d->fpc_first_row[c] = d->fpc_diff_row[c] = SIZE_MAX;
    }
    /* distributed: the population is summed in row order across the
     * processes, from each process's weights */
    if (ok && distributed && d->has_sw)
        ok = (d->sw = malloc((n_mine ? n_mine : 1) * sizeof *d->sw)) != NULL;
    return ok ? PARTREG_OK : partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
}

static int add_psu(struct partreg_stream_design *d, size_t h, size_t code)
{
    if (d->share.n_psu == d->cap_psu) {
        size_t nc = d->cap_psu ? 2 * d->cap_psu : 64;
        size_t *a = realloc(d->psu_stratum, nc * sizeof *a);
        if (!a)
            return -1;
        d->psu_stratum = a;
        if (d->share.has_psu) {
            size_t *b = realloc(d->psu_code, nc * sizeof *b);
            if (!b)
                return -1;
            d->psu_code = b;
        }
        d->cap_psu = nc;
    }
    d->psu_stratum[d->share.n_psu] = h;
    if (d->share.has_psu)
        d->psu_code[d->share.n_psu] = code;
    d->share.n_psu++;
    return 0;
}

static size_t pair_slot(const uint64_t *keys, size_t mask, uint64_t h, uint64_t c)
{
    uint64_t x = ((h + 1) * UINT64_C(0x9E3779B97F4A7C15)) ^ (c + UINT64_C(0x632BE59BD9B4E019));
    x *= UINT64_C(0xBF58476D1CE4E5B9);
    size_t slot = (size_t)(x >> 20) & mask;
    while (keys[2 * slot] != 0 && (keys[2 * slot] != h + 1 || keys[2 * slot + 1] != c))
        slot = (slot + 1) & mask;
    return slot;
}

/* The local PSU number of a row of stratum code h and PSU code c. */
static int local_psu(struct partreg_stream_design *d, size_t h, size_t c, size_t *g)
{
    if (2 * (d->share.n_psu + 1) > d->cap_keys) { /* rehash at half full */
        size_t nc = 2 * d->cap_keys;
        uint64_t *k = calloc(2 * nc, sizeof *k);
        size_t *v = malloc(nc * sizeof *v);
        if (!k || !v) {
            free(k);
            free(v);
            return -1;
        }
        for (size_t s = 0; s < d->cap_keys; s++)
            if (d->keys[2 * s]) {
                size_t t = pair_slot(k, nc - 1, d->keys[2 * s] - 1, d->keys[2 * s + 1]);
                k[2 * t] = d->keys[2 * s];
                k[2 * t + 1] = d->keys[2 * s + 1];
                v[t] = d->vals[s];
            }
        free(d->keys);
        free(d->vals);
        d->keys = k;
        d->vals = v;
        d->cap_keys = nc;
    }
    size_t slot = pair_slot(d->keys, d->cap_keys - 1, h, c);
    if (!d->keys[2 * slot]) {
        d->keys[2 * slot] = h + 1;
        d->keys[2 * slot + 1] = c;
        d->vals[slot] = d->share.n_psu;
        if (add_psu(d, h, c) != 0)
            return -1;
    }
    *g = d->vals[slot];
    return 0;
}

/* Rows [at, at + m) of this process: their PSU numbers into codes. */
static partreg_status stream_design_add(struct partreg_stream_design *d, size_t at, size_t m,
                                        const partreg_frame_survey_rows *dr, size_t *codes,
                                        partreg_error *err)
{
    partreg_survey_share *sh = &d->share;
    for (size_t i = 0; i < m; i++) {
        size_t h = dr->stratum ? dr->stratum[i] : 0, g = at + i;
        if (h >= d->n_codes)
            h = 0;
        if (sh->has_psu ? local_psu(d, h, dr->psu[i], &g) != 0 : add_psu(d, h, 0) != 0)
            return partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        codes[i] = g;
        if (dr->fpc) {
            double v = dr->fpc[i];
            if (d->fpc_first_row[h] == SIZE_MAX) {
                d->fpc_first_row[h] = at + i;
                d->fpc_first[h] = v;
            } else if (v != d->fpc_first[h] && d->fpc_diff_row[h] == SIZE_MAX) {
                d->fpc_diff_row[h] = at + i;
                d->fpc_diff_value[h] = v;
            }
        }
        d->positive += !dr->sw || dr->sw[i] > 0.0;
        if (d->sw && dr->sw)
            d->sw[at + i] = dr->sw[i];
        else /* the sum in row order, as in memory */
            sh->population += dr->sw ? dr->sw[i] : 1.0;
        sh->subpop_size += dr->domain ? dr->domain[i] : 1;
    }
    sh->n_rows = at + m;
    return PARTREG_OK;
}

/* Block t's rows (from skip on), coded by coding frame fr into b, put at
 * rows [*at, *at + m) of this process: into the design file `file`, else
 * into the analysis's arrays (and *groups); with a survey design (sd),
 * their PSU numbers are their cluster codes. More than `limit` rows in
 * all is an error (the file changed since the survey). */
static partreg_status put_block(partreg_analysis *a, const partreg_frame *fr,
                                const partreg_block_survey *s, const partreg_analysis_spec *spec,
                                const partreg_table *t, size_t skip, partreg_stream_rows_buf *b,
                                partreg_design_file *file, struct partreg_stream_design *sd,
                                size_t *at, size_t limit, size_t **groups, partreg_error *err)
{
    size_t p = fr->p, *psu = NULL, *g = NULL;
    partreg_frame_survey_rows dr;
    partreg_status st = partreg_frame_stream_rows_into(fr, s, t, skip, spec->frame.threads, b,
                                                       groups ? &g : NULL, &dr, err);
    size_t m = st == PARTREG_OK ? b->m : 0;
    if (st == PARTREG_OK && (*at > limit || m > limit - *at))
        st = partreg_error_set(err, PARTREG_EIO,
                               "the file has more rows than when it was first read; was it "
                               "changed while it was read?");
    if (st == PARTREG_OK && sd) {
        if (!(psu = malloc((m ? m : 1) * sizeof *psu)))
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        else
            st = stream_design_add(sd, *at, m, &dr, psu, err);
    }
    partreg_frame_survey_rows_free(&dr);
    const double *w = spec->frame.weights || sd ? b->w : NULL;
    const size_t *c = sd ? psu : spec->frame.cluster ? b->cluster : NULL;
    if (st == PARTREG_OK && file)
        st = partreg_design_file_write(file, *at, m, b->X, b->y, w, c, err);
    else if (st == PARTREG_OK) {
        memcpy(a->rows_X + *at * p, b->X, m * p * sizeof *b->X);
        memcpy(a->rows_y + *at, b->y, m * sizeof *b->y);
        if (w)
            memcpy(a->rows_w + *at, w, m * sizeof *w);
        if (c)
            memcpy(a->rows_cluster + *at, c, m * sizeof *c);
        if (g && groups)
            memcpy(*groups + *at, g, m * sizeof *g);
    }
    if (st == PARTREG_OK)
        *at += m;
    free(psu);
    free(g);
    return st;
}

/* The last pass: this process's rows, coded, into the design file or arrays. */
static partreg_status design(partreg_analysis *a, partreg_csv_blocks *cb,
                             partreg_block_survey *s, const partreg_analysis_spec *spec,
                             size_t n_mine, int to_file, size_t **groups, partreg_error *err)
{
    const partreg_frame *fr = a->frame;
    if (!fr)
        return partreg_error_set(err, PARTREG_EINVAL, "no coding frame");
    size_t p = fr->p;
    int designed = fr->survey != NULL;
    /* a design's rows carry their PSU numbers as cluster codes */
    int weighted = spec->frame.weights != NULL || designed,
        clustered = spec->frame.cluster != NULL || designed;
    partreg_status st = PARTREG_OK;
    if (designed)
        st = stream_design_new(fr, spec, !to_file && a->processes > 1, n_mine, &a->stream_design,
                               err);
    if (st != PARTREG_OK)
        return st;
    if (to_file) {
        st = partreg_design_file_create(spec->temp_dir, n_mine, p, weighted, clustered,
                                        &a->design_file, err);
    } else {
        a->rows_X = malloc((n_mine * p > 0 ? n_mine * p : 1) * sizeof *a->rows_X);
        a->rows_y = malloc((n_mine ? n_mine : 1) * sizeof *a->rows_y);
        a->rows_w = weighted ? malloc((n_mine ? n_mine : 1) * sizeof *a->rows_w) : NULL;
        a->rows_cluster = clustered ? malloc((n_mine ? n_mine : 1) * sizeof *a->rows_cluster)
                                    : NULL;
        if (groups)
            *groups = malloc((n_mine ? n_mine : 1) * sizeof **groups);
        if (!a->rows_X || !a->rows_y || (weighted && !a->rows_w) ||
            (clustered && !a->rows_cluster) || (groups && !*groups))
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    }
    const char *syn = partreg_block_survey_synthetic(s, partreg_csv_blocks_delimiter(cb));
    partreg_csv_blocks_rewind(cb);
    size_t at = 0, index;
    partreg_stream_rows_buf b;
    memset(&b, 0, sizeof b);
    a->csv_readings = 2;
    while (st == PARTREG_OK) {
        partreg_table *t = NULL;
        if ((st = partreg_csv_blocks_next(cb, syn, &t, &index, err)) != PARTREG_OK || !t)
            break;
        st = put_block(a, fr, s, spec, t, syn ? 1 : 0, &b, a->design_file, a->stream_design,
                       &at, n_mine, groups, err);
        partreg_table_free(t);
    }
    partreg_stream_rows_buf_free(&b);
    if (st == PARTREG_OK && at != n_mine)
        st = partreg_error_set(err, PARTREG_EIO,
                               "the file has fewer rows than when it was first read; was it "
                               "changed while it was read?");
    return st;
}

/* ---- the design written during the survey ----------------------------------- */

/* Out of core in one process, the design rows are written while the file
 * is surveyed: each block's rows coded by the coding frame of the blocks
 * up to the first with rows used, into a design file whose number of rows
 * is not known yet. That is a guess: that the rest of the file adds no
 * level (of a factor, a text column, the outcome, the strata), turns no
 * column to text and has no value that coding refuses. The first block
 * that breaks it ends the guess (the file is then read again); at the end
 * the guess is held to the whole file's coding frame
 * (partreg_frame_stream_same_coding). Its errors are never reported: the
 * second reading reports them where the survey does not. */
struct speculation {
    int on;                             /* still writing */
    partreg_frame *coding;              /* the coding frame guessed, or NULL before */
    partreg_design_file *file;
    struct partreg_stream_design *design;
    size_t at;                          /* rows written */
    partreg_stream_rows_buf buf;        /* a block's rows */
};

static void speculation_end(speculation *sp)
{
    sp->on = 0;
    partreg_frame_free(sp->coding);
    partreg_design_file_close(sp->file);
    partreg_stream_design_free(sp->design);
    sp->coding = NULL;
    sp->file = NULL;
    sp->design = NULL;
    partreg_stream_rows_buf_free(&sp->buf);
}

/* Block t, just surveyed into s: its rows coded by the guess, while it
 * lasts. */
static void speculate(partreg_analysis *a, speculation *sp, partreg_block_survey *s,
                      const partreg_table *t, const partreg_analysis_spec *spec, const char *path)
{
    if (!sp->on)
        return;
    partreg_error e;
    partreg_error_clear(&e);
    if (!sp->coding) {
        if (partreg_block_survey_used(s) == 0)
            return; /* the guess waits for rows used */
        if (partreg_block_survey_coding_so_far(s, path, &sp->coding, &e) != PARTREG_OK) {
            speculation_end(sp);
            return;
        }
        const partreg_frame *fr = sp->coding;
        int designed = fr->survey != NULL;
        if ((designed && stream_design_new(fr, spec, 0, 0, &sp->design, &e) != PARTREG_OK) ||
            partreg_design_file_create_growing(spec->temp_dir, fr->p,
                                               spec->frame.weights != NULL || designed,
                                               spec->frame.cluster != NULL || designed, &sp->file,
                                               &e) != PARTREG_OK) {
            speculation_end(sp);
            return;
        }
    }
    if (put_block(a, sp->coding, s, spec, t, 0, &sp->buf, sp->file, sp->design, &sp->at,
                  SIZE_MAX, NULL, &e) != PARTREG_OK)
        speculation_end(sp);
}

/* After the coding frame of the whole file: the guessed design, when it is
 * the one the second reading would write, becomes the analysis's. */
static int speculation_adopt(partreg_analysis *a, speculation *sp, const partreg_block_survey *s,
                             int reread, size_t n_mine)
{
    partreg_error e;
    if (!sp->on || !sp->coding || !a->frame || reread || sp->at != n_mine ||
        !partreg_frame_stream_same_coding(sp->coding, a->frame, s) ||
        partreg_design_file_set_rows(sp->file, n_mine, &e) != PARTREG_OK)
        return 0;
    a->design_file = sp->file;
    a->stream_design = sp->design;
    if (sp->design && a->frame->survey) /* the names it borrows */
        sp->design->names = a->frame->survey->strata_lv.names;
    sp->file = NULL;
    sp->design = NULL;
    speculation_end(sp);
    a->csv_readings = 1;
    return 1;
}

/* ---- a random intercept's groups ------------------------------------------ */

/* The processes' rows sorted by group: the rows of the whole data in the
 * order of the in-memory model's objective rows (by group code, stably in
 * file order: random_intercept.c), cut into P even shares, so that every
 * group's rows are consecutive and the fit's segments, cut at groups'
 * starts, hold whole groups. Each row goes once from the process that read
 * it to the one that holds its place (one all-to-all); *start (G + 1,
 * malloc'ed) gets the groups' first rows, *first and *count this process's
 * new share, a->sorted_X, _y, _w its rows (a->rows_X, _y, _w stay: the
 * rows in file order). Collective. */
static partreg_status sort_by_group(partreg_analysis *a, const partreg_comm *comm, size_t p,
                                    int weighted, size_t n_mine, const size_t *group, size_t G,
                                    size_t **start_out, size_t *first, size_t *count,
                                    partreg_error *err)
{
    size_t P = (size_t)comm->size, me = (size_t)comm->rank;
    size_t D = 2 + (weighted ? 1 : 0) + p; /* place, y, (w), X */
    size_t *cnt = calloc(G ? G : 1, sizeof *cnt), *got = calloc(P, sizeof *got);
    size_t *start = calloc(G + 1, sizeof *start), *next = calloc(G ? G : 1, sizeof *next);
    size_t *bound = malloc((P + 1) * sizeof *bound), *to = calloc(P, sizeof *to);
    size_t *send_bytes = calloc(P, sizeof *send_bytes);
    double **send = calloc(P, sizeof *send);
    void *all = NULL, *recv = NULL;
    double *X = NULL, *y = NULL, *w = NULL;
    partreg_status st = cnt && got && start && next && bound && to && send_bytes && send
                            ? PARTREG_OK
                            : PARTREG_ENOMEM;
    for (size_t i = 0; st == PARTREG_OK && i < n_mine; i++)
        cnt[group[i]]++;
    st = partreg_comm_agree(comm, st, err);
    if (st == PARTREG_OK &&
        comm->ops->allgather(comm->ctx, cnt, G * sizeof *cnt, &all, got) != 0)
        st = PARTREG_EIO;
    st = partreg_comm_agree(comm, st, err);
    /* (the pointers are there when every process agreed on OK) */
    if (st != PARTREG_OK || !cnt || !got || !start || !next || !bound || !to || !send_bytes ||
        !send || !all)
        goto cleanup;
    /* the groups' starts, and this process's first place in each */
    const size_t *counts = all;
    for (size_t g = 0; g < G; g++) {
        size_t total = 0;
        for (size_t q = 0; q < P; q++) {
            if (q == me)
                next[g] = total;
            total += counts[q * G + g];
        }
        start[g + 1] = start[g] + total;
    }
    size_t n = start[G];
    for (size_t q = 0; q <= P; q++)
        bound[q] = n * q / P;
    for (size_t g = 0; g < G; g++)
        next[g] += start[g];
    /* each row to the process that holds its place */
    size_t *dest = malloc((n_mine ? n_mine : 1) * sizeof *dest);
    if (!dest)
        st = PARTREG_ENOMEM;
    for (size_t i = 0; st == PARTREG_OK && i < n_mine; i++) {
        size_t pos = next[group[i]]++, lo = 0, hi = P;
        while (hi - lo > 1) { /* the q with bound[q] <= pos < bound[q + 1] */
            size_t mid = (lo + hi) / 2;
            if (bound[mid] <= pos)
                lo = mid;
            else
                hi = mid;
        }
        dest[i] = lo;
        to[lo]++;
    }
    for (size_t q = 0; st == PARTREG_OK && q < P; q++) {
        if (!(send[q] = malloc((to[q] ? to[q] : 1) * D * sizeof(double))))
            st = PARTREG_ENOMEM;
        send_bytes[q] = to[q] * D * sizeof(double);
        to[q] = 0;
    }
    if (st == PARTREG_OK && dest) {
        for (size_t g = 0; g < G; g++) /* the places again */
            next[g] -= cnt[g];
        for (size_t i = 0; i < n_mine; i++) {
            if (!send[dest[i]]) { /* (allocated above for every process) */
                st = PARTREG_ENOMEM;
                break;
            }
            double *r = send[dest[i]] + (to[dest[i]]++) * D;
            r[0] = (double)next[group[i]]++;
            r[1] = a->rows_y[i];
            if (weighted)
                r[2] = a->rows_w[i];
            memcpy(r + D - p, a->rows_X + i * p, p * sizeof *r);
        }
    }
    free(dest);
    st = partreg_comm_agree(comm, st, err);
    if (st == PARTREG_OK &&
        comm->ops->alltoall(comm->ctx, (const void *const *)send, send_bytes, &recv, got) != 0)
        st = PARTREG_EIO;
    st = partreg_comm_agree(comm, st, err);
    if (st != PARTREG_OK || !recv)
        goto cleanup;
    size_t lo = bound[me], m = bound[me + 1] - lo, received = 0;
    for (size_t q = 0; q < P; q++)
        received += got[q] / (D * sizeof(double));
    X = malloc((m * p > 0 ? m * p : 1) * sizeof *X);
    y = malloc((m ? m : 1) * sizeof *y);
    w = weighted ? malloc((m ? m : 1) * sizeof *w) : NULL;
    if (!X || !y || (weighted && !w) || received != m)
        st = received != m ? PARTREG_EIO : PARTREG_ENOMEM;
    const double *rec = recv;
    for (size_t i = 0; st == PARTREG_OK && i < m; i++) {
        const double *r = rec + i * D;
        size_t at = (size_t)r[0] - lo;
        if (at >= m) {
            st = PARTREG_EIO;
            break;
        }
        y[at] = r[1];
        if (weighted)
            w[at] = r[2];
        memcpy(X + at * p, r + D - p, p * sizeof *X);
    }
    st = partreg_comm_agree(comm, st, err);
    if (st == PARTREG_OK) {
        a->sorted_X = X;
        a->sorted_y = y;
        a->sorted_w = w;
        X = y = w = NULL;
        *start_out = start;
        start = NULL;
        *first = lo;
        *count = m;
    }
cleanup:
    if (st == PARTREG_ENOMEM)
        partreg_error_set(err, st, "out of memory");
    else if (st == PARTREG_EIO)
        partreg_error_set(err, st, "the processes could not exchange their rows by group");
    for (size_t q = 0; send && q < P; q++)
        free(send[q]);
    free(send);
    free(send_bytes);
    free(to);
    free(bound);
    free(next);
    free(start);
    free(got);
    free(cnt);
    free(all);
    free(recv);
    free(X);
    free(y);
    free(w);
    return partreg_comm_agree(comm, st, err);
}

static partreg_status stream(partreg_analysis *a, const char *path,
                             const partreg_analysis_spec *spec, double t0, part_files *pf,
                             partreg_error *err)
{
    const partreg_comm *comm = spec->fit.comm && spec->fit.comm->size > 1 ? spec->fit.comm : NULL;
    int own = comm && spec->file_per_process;
    size_t mem = budget(spec), block = mem / 16;
    if (block < BLOCK_MIN)
        block = BLOCK_MIN;
    if (block > BLOCK_MAX)
        block = BLOCK_MAX;
    a->streamed = 1;
    a->processes = comm ? comm->size : 1;
    partreg_csv_blocks *cb = NULL;
    partreg_block_survey *s = NULL;
    size_t n_mine = 0;
    int reread = 0;
    /* one process: the design written during the survey (a random
     * intercept is refused out of core) */
    speculation sp;
    memset(&sp, 0, sizeof sp);
    partreg_status st = partreg_formula_parse(spec->formula, &a->formula, err);
    sp.on = !comm && st == PARTREG_OK && !a->formula->group;
    if (comm)
        st = partreg_comm_agree(comm, st, err);
    if (st == PARTREG_OK && own && !is_csv(path))
        st = partreg_error_set(err, PARTREG_EUNSUPPORTED,
                               "%s: a file per process is read in blocks, as CSV; SPSS and "
                               "Stata files are read in memory by one process (convert it to "
                               "CSV)",
                               path);
    if (st == PARTREG_OK)
        st = partreg_csv_blocks_open(path, &spec->read, block, &cb, err);
    if (comm) {
        st = partreg_comm_agree(comm, st, err);
        if (st == PARTREG_OK)
            st = own ? own_file(a, cb, comm, path, pf, err) : find_share(cb, comm, err);
    }
    if (st == PARTREG_OK)
        st = survey(a, cb, spec, comm, path, &sp, &s, &n_mine, &reread, err);
    if (comm)
        st = partreg_comm_agree(comm, st, err);
    double t1 = now_s();
    a->timing.read_s = t1 - t0;
    if (st == PARTREG_OK) {
        st = partreg_block_survey_coding(s, own ? a->source : path, &a->frame, err);
        a->streamed_weighted = spec->frame.weights != NULL;
        a->streamed_fractional = partreg_block_survey_fractional_weights(s);
    }
    if (comm)
        st = partreg_comm_agree(comm, st, err);
    /* out of core: the rows go to a design file; a share that fits stays in
     * memory */
    size_t p = a->frame ? a->frame->p : 0;
    int to_file = !comm || (double)n_mine * (double)(p + 3) * 8.0 > 0.5 * (double)mem;
    if (st == PARTREG_OK && comm && to_file && a->frame && a->frame->survey)
        st = partreg_error_set(err, PARTREG_EUNSUPPORTED,
                               "a survey design in a distributed fit needs each process's share "
                               "of the rows in memory (their PSUs are renumbered into the whole "
                               "design's), and this process's share (%zu rows) needs more than "
                               "half of --memory; raise --memory or use more processes",
                               n_mine);
    if (comm)
        st = partreg_comm_agree(comm, st, err);
    int grouped = a->frame && a->formula->group != NULL;
    if (st == PARTREG_OK && grouped && (!comm || to_file))
        st = partreg_error_set(
            err, PARTREG_EUNSUPPORTED,
            comm ? "a random intercept (1 | %s) in a distributed fit needs each process's share "
                   "of the rows in memory (the rows are sorted by group across the processes), "
                   "and this process's share needs more than half of --memory; raise --memory "
                   "or use more processes"
                 : "a random intercept (1 | %s) needs each group's rows together, which a file "
                   "read in blocks into a design file does not give; raise --memory to read the "
                   "file in memory, or fit it over MPI (partreg-mpi)",
            a->formula->group);
    if (st == PARTREG_OK && a->frame)
        st = partreg_analysis_check_groups(a, spec, err);
    if (comm)
        st = partreg_comm_agree(comm, st, err);
    size_t *groups = NULL, *group_start = NULL;
    if (st == PARTREG_OK && !speculation_adopt(a, &sp, s, reread, n_mine)) {
        speculation_end(&sp); /* its file's room, before the second's */
        st = design(a, cb, s, spec, n_mine, to_file, grouped ? &groups : NULL, err);
        if (st == PARTREG_OK && !comm)
            st = partreg_csv_blocks_unchanged(cb, err);
    }
    speculation_end(&sp);
    if (st == PARTREG_OK && a->stream_design && !to_file)
        a->stream_design->share.row_psu = a->rows_cluster;
    if (st == PARTREG_OK && a->stream_design) { /* partreg_survey_create's check */
        size_t before = 0, positive = a->stream_design->positive;
        if (comm && partreg_comm_prefix(comm, a->stream_design->positive, &before, &positive) != 0)
            st = partreg_error_set(err, PARTREG_EIO, "the processes could not exchange counts");
        else if (positive == 0)
            st = partreg_error_set(err, PARTREG_EDATA, "the sampling weights are all zero");
    }
    if (comm)
        st = partreg_comm_agree(comm, st, err);
    partreg_csv_blocks_close(cb);
    double t2 = now_s();
    a->timing.design_s = t2 - t1;
    if (st != PARTREG_OK) {
        partreg_block_survey_free(s);
        return st;
    }

    /* 4. the fit over the rows */
    partreg_rows rows;
    partreg_rows_in_memory(&rows, n_mine, p, a->rows_X, a->rows_y, a->rows_w, a->rows_cluster);
    rows.file = a->design_file;
    rows.weighted = spec->frame.weights != NULL || a->stream_design;
    rows.clustered = spec->frame.cluster != NULL || a->stream_design;
    rows.memory = mem;
    rows.comm = comm;
    size_t before = 0, total = n_mine;
    if (comm && partreg_comm_prefix(comm, n_mine, &before, &total) != 0)
        st = partreg_error_set(err, PARTREG_EIO, "the processes could not exchange row counts");
    size_t G = grouped ? a->frame->group_levels.n : 0;
    if (st == PARTREG_OK && grouped) { /* each group's rows together, in group order */
        size_t count = 0, first = 0;
        /* the rows in file order stay, for the model without the random
         * intercept */
        if (!(a->base_rows = malloc(sizeof *a->base_rows)))
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        else {
            *a->base_rows = rows;
            a->base_rows->n = total;
            a->base_rows->first = before;
            a->base_rows->count = n_mine;
            a->base_rows->reach = before + n_mine;
        }
        if (comm)
            st = partreg_comm_agree(comm, st, err);
        if (st == PARTREG_OK)
            st = sort_by_group(a, comm, p, rows.weighted, n_mine, groups, G, &group_start, &first,
                               &count, err);
        before = first;
        n_mine = count;
        partreg_rows_in_memory(&rows, n_mine, p, a->sorted_X, a->sorted_y, a->sorted_w, NULL);
        rows.weighted = spec->frame.weights != NULL;
        rows.memory = mem;
        rows.comm = comm;
    }
    free(groups);
    rows.n = total;
    rows.first = before;
    rows.reach = before + n_mine;
    partreg_block_survey_free(s);
    if (st != PARTREG_OK) {
        free(group_start);
        return st;
    }
    partreg_data meta;
    partreg_frame_data(a->frame, &meta);
    meta.n = total;
    partreg_model_spec *ms = NULL;
    partreg_error ferr;
    partreg_error_clear(&ferr);
    st = partreg_model_spec_create(partreg_frame_family(a->frame), spec->link, &ms, &ferr);
    if (st == PARTREG_OK && grouped &&
        (st = partreg_model_spec_set_sorted_groups(
             ms, total, group_start, G, (const char *const *)a->frame->group_levels.names,
             a->formula->group, a->base_rows, &ferr)) == PARTREG_OK &&
        (st = partreg_model_spec_set_nagq(ms, spec->nagq, &ferr)) == PARTREG_OK)
        st = partreg_model_spec_set_ri_predictions(
            ms, spec->ri_conditional ? PARTREG_RI_CONDITIONAL : PARTREG_RI_AVERAGED, &ferr);
    free(group_start);
    if (st == PARTREG_OK)
        st = partreg_fit_create_rows(&meta, &rows, ms, &spec->fit, &a->fit, &ferr);
    partreg_model_spec_free(ms);
    a->timing.fit_s = now_s() - t2;
    if (!a->fit) {
        if (err)
            *err = ferr;
        return st;
    }
    a->fit_status = st;
    memcpy(a->fit_message, ferr.message, sizeof a->fit_message);
    return PARTREG_OK;
}

partreg_status partreg_analysis_stream(partreg_analysis *a, const char *path,
                                       const partreg_analysis_spec *spec, double t0,
                                       partreg_error *err)
{
    part_files pf = {NULL, NULL, 0};
    partreg_status st = stream(a, path, spec, t0, &pf, err);
    if (st != PARTREG_OK)
        file_lines(&pf, err);
    part_files_free(&pf);
    return st;
}
