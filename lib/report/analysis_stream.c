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
 *      with their outcome codes, weights and cluster codes.
 *   4. The fit over those rows (models/rows.h) and the inference, the same
 *      bits as in memory; what needs every row in memory (average marginal
 *      effects, predictions at values, the Brant test, the binary
 *      diagnostics) is refused with a reason or left out.
 *
 * A distributed analysis splits the file's data bytes evenly between the
 * processes; each process's share is the records that start in its range
 * (found by the reader's lexer rules chained over the ranges in process
 * order, csv_blocks.h). Every step agrees on the status of every
 * process, so all report the same error. */
#define _POSIX_C_SOURCE 200809L
#include "report/analysis_internal.h"

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
#include "models/design_file.h"
#include "models/fit_internal.h"

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
    if (!is_csv(path))
        return;
    if (spec->out_of_core || (spec->fit.comm && spec->fit.comm->size > 1)) {
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

/* The first pass: the survey of the whole file, from this process's share's
 * blocks (and, with a communicator, everyone's). */
static partreg_status survey(partreg_analysis *a, partreg_csv_blocks *cb,
                             const partreg_analysis_spec *spec, const partreg_comm *comm,
                             partreg_block_survey **out, size_t *n_mine, partreg_error *err)
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

/* The last pass: this process's rows, coded, into the design file or arrays. */
static partreg_status design(partreg_analysis *a, partreg_csv_blocks *cb,
                             partreg_block_survey *s, const partreg_analysis_spec *spec,
                             size_t n_mine, int to_file, partreg_error *err)
{
    const partreg_frame *fr = a->frame;
    if (!fr)
        return partreg_error_set(err, PARTREG_EINVAL, "no coding frame");
    size_t p = fr->p;
    int weighted = spec->frame.weights != NULL, clustered = spec->frame.cluster != NULL;
    partreg_status st = PARTREG_OK;
    if (to_file) {
        st = partreg_design_file_create(spec->temp_dir, n_mine, p, weighted, clustered,
                                        &a->design_file, err);
    } else {
        a->rows_X = malloc((n_mine * p > 0 ? n_mine * p : 1) * sizeof *a->rows_X);
        a->rows_y = malloc((n_mine ? n_mine : 1) * sizeof *a->rows_y);
        a->rows_w = weighted ? malloc((n_mine ? n_mine : 1) * sizeof *a->rows_w) : NULL;
        a->rows_cluster = clustered ? malloc((n_mine ? n_mine : 1) * sizeof *a->rows_cluster)
                                    : NULL;
        if (!a->rows_X || !a->rows_y || (weighted && !a->rows_w) ||
            (clustered && !a->rows_cluster))
            st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
    }
    const char *syn = partreg_block_survey_synthetic(s, partreg_csv_blocks_delimiter(cb));
    partreg_csv_blocks_rewind(cb);
    size_t at = 0, index;
    while (st == PARTREG_OK) {
        partreg_table *t = NULL;
        if ((st = partreg_csv_blocks_next(cb, syn, &t, &index, err)) != PARTREG_OK || !t)
            break;
        size_t m = 0, *c = NULL;
        double *X = NULL, *y = NULL, *w = NULL;
        st = partreg_frame_stream_rows(fr, s, t, syn ? 1 : 0, spec->frame.threads, &m, &X, &y, &w,
                                       &c, err);
        partreg_table_free(t);
        if (st == PARTREG_OK && at + m > n_mine)
            st = partreg_error_set(err, PARTREG_EIO,
                                   "the file has more rows than when it was first read; was it "
                                   "changed while it was read?");
        if (st == PARTREG_OK && to_file)
            st = partreg_design_file_write(a->design_file, at, m, X, y, w, c, err);
        else if (st == PARTREG_OK) {
            memcpy(a->rows_X + at * p, X, m * p * sizeof *X);
            memcpy(a->rows_y + at, y, m * sizeof *y);
            if (w)
                memcpy(a->rows_w + at, w, m * sizeof *w);
            if (c)
                memcpy(a->rows_cluster + at, c, m * sizeof *c);
        }
        at += m;
        free(X);
        free(y);
        free(w);
        free(c);
    }
    if (st == PARTREG_OK && at != n_mine)
        st = partreg_error_set(err, PARTREG_EIO,
                               "the file has fewer rows than when it was first read; was it "
                               "changed while it was read?");
    return st;
}

partreg_status partreg_analysis_stream(partreg_analysis *a, const char *path,
                                       const partreg_analysis_spec *spec, double t0,
                                       partreg_error *err)
{
    const partreg_comm *comm = spec->fit.comm && spec->fit.comm->size > 1 ? spec->fit.comm : NULL;
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
    partreg_status st = partreg_formula_parse(spec->formula, &a->formula, err);
    if (comm)
        st = partreg_comm_agree(comm, st, err);
    if (st == PARTREG_OK)
        st = partreg_csv_blocks_open(path, &spec->read, block, &cb, err);
    if (comm) {
        st = partreg_comm_agree(comm, st, err);
        if (st == PARTREG_OK)
            st = find_share(cb, comm, err);
    }
    if (st == PARTREG_OK)
        st = survey(a, cb, spec, comm, &s, &n_mine, err);
    if (comm)
        st = partreg_comm_agree(comm, st, err);
    double t1 = now_s();
    a->timing.read_s = t1 - t0;
    if (st == PARTREG_OK) {
        st = partreg_block_survey_coding(s, path, &a->frame, err);
        a->streamed_weighted = spec->frame.weights != NULL;
        a->streamed_fractional = partreg_block_survey_fractional_weights(s);
    }
    if (comm)
        st = partreg_comm_agree(comm, st, err);
    /* out of core: the rows go to a design file; a share that fits stays in
     * memory */
    size_t p = a->frame ? a->frame->p : 0;
    int to_file = !comm || (double)n_mine * (double)(p + 3) * 8.0 > 0.5 * (double)mem;
    if (st == PARTREG_OK)
        st = design(a, cb, s, spec, n_mine, to_file, err);
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
    rows.weighted = spec->frame.weights != NULL;
    rows.clustered = spec->frame.cluster != NULL;
    rows.memory = mem;
    rows.comm = comm;
    size_t before = 0, total = n_mine;
    if (comm && partreg_comm_prefix(comm, n_mine, &before, &total) != 0)
        st = partreg_error_set(err, PARTREG_EIO, "the processes could not exchange row counts");
    rows.n = total;
    rows.first = before;
    rows.reach = before + n_mine;
    partreg_block_survey_free(s);
    if (st != PARTREG_OK)
        return st;
    partreg_data meta;
    partreg_frame_data(a->frame, &meta);
    meta.n = total;
    partreg_model_spec *ms = NULL;
    partreg_error ferr;
    partreg_error_clear(&ferr);
    st = partreg_model_spec_create(partreg_frame_family(a->frame), spec->link, &ms, &ferr);
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
