/* Start values from a subsample (warm_start.h).
 *
 * Newton from the null model needs about five passes over the data to reach
 * the maximum. Most of them move theta across distances that a fraction of
 * the rows estimates just as well: the maximiser on m of the n rows is
 * within about sqrt(n/m) standard errors of the full one. So the solver
 * first maximises the same objective on m rows, read as contiguous runs
 * spread evenly over the data (contiguous so the blocks stay
 * cache-friendly; spread so that sorted files are still represented), and
 * the full-data Newton starts there. Quadratic convergence then needs fewer
 * full passes, and the subsample passes cost m/n of one each. The
 * subsample's passes are cut into segments at the runs' ends and at the
 * full passes' segment boundaries, so that each reads one run of rows of
 * one full segment: where the full pass's segments are read from disk or
 * held by other processes, so are the subsample's (docs/scaling.md).
 *
 * The subsample's information, scaled by n/m, also stands in for the
 * full data's at the start (of large fits, WARM_INFO_MIN_SUB): its error, from sampling about 1/sqrt(m) and
 * from the distance to the full maximiser, is of the order of that distance,
 * so the first full-data step can be a chord step (newton.c) whose error is
 * about the square of the start's, like a Newton step's, from a pass
 * without the k x k information.
 *
 * Only the start changes: the full-data iterations and stopping rule are
 * the same, so the estimate is the same maximiser. A subsample fit that
 * does not converge (separation in the subsample, a category it misses)
 * is discarded and the start it began from kept. For large n the
 * subsample's fit starts from the same fit on a sixteenth of it (nested;
 * partreg_warm_start below).
 *
 * A grouped objective (objective.h: a random intercept, whose likelihood
 * does not factor over a group's rows) is subsampled in runs of whole
 * groups: each run starts at the first group at or after its evenly
 * spread row and takes whole groups up to its share of the rows; its
 * pieces within the full pass's segments (which end at groups' starts)
 * hold whole groups too. */
#include "models/warm_start.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/newton.h"

/* Rows of the subsample: n / WARM_FRACTION, at least WARM_MIN_SUB. */
#define WARM_FRACTION 16
#define WARM_MIN_SUB 3000
/* A subsample fit that needs more iterations than this (a column without
 * variation in the subsample, separation) is abandoned: it usually takes 4
 * or 5, and a failure then costs at most WARM_MAX_ITER / WARM_FRACTION of
 * a pass. */
#define WARM_MAX_ITER 8
/* Relative step at which the subsample fit stops. The step is still taken
 * and leaves about its square (2.5e-5), far below the distance to the
 * full-data maximiser (about 1e-2 relative at 10^6 rows, 2e-3 at 10^8);
 * at 10^6 rows this stops after 3 subsample passes instead of 4. */
#define WARM_STEP_TOL 5e-3
/* The subsample's information stands in for the full data's (below) only
 * from this many subsample rows (n >= 800,000 at 1/16). In smaller
 * subsamples a column that few rows inform (a rare category) is often
 * represented several times over or under its share, and the first step
 * then costs a pass more than it saves (tests/test_warm_start.c has such a
 * column). */
#define WARM_INFO_MIN_SUB 50000
/* Contiguous runs the subsample is read as: SEGMENTS of whole groups for
 * a grouped objective; else runs of about RUN_ROWS rows, at least
 * SEGMENTS and at most MAX_RUNS of them. Rows that sit together in a file
 * are often alike (a PSU's, a community's): finer runs draw on more of
 * them, and the subsample's maximiser is then nearer the full one (on a
 * sample of 1,000 PSUs of 1,000 rows, 244 runs instead of 64 start a
 * third as far away and save a pass). */
#define SEGMENTS 64
#define RUN_ROWS 256
#define MAX_RUNS 256

static size_t ungrouped_runs(size_t m)
{
    size_t r = m / RUN_ROWS;
    return r < SEGMENTS ? SEGMENTS : r > MAX_RUNS ? MAX_RUNS : r;
}

typedef struct subsample {
    const partreg_objective *full;
    size_t runs;   /* ungrouped: how many runs */
    size_t run;    /* rows per run */
    size_t stride; /* distance between run starts */
    size_t *start; /* ungrouped: the subsample's segments, runs cut at the full pass's segments */
    size_t n_start;
    /* grouped objectives: runs of whole groups, of run_len[s] rows from
     * full row run_first[s], at subsample row run_at[s] (SEGMENTS + 1
     * entries: run_at[SEGMENTS] = the subsample's rows) */
    const size_t *run_first, *run_len, *run_at;
} subsample;

/* The subsample's segments into s->start (allocated): each run [j stride,
 * j stride + run) cut where a segment of the full pass (in blocks of
 * `block`) ends. Returns 0, or -1 when out of memory. */
static int cut_runs(subsample *s, size_t block)
{
    const partreg_objective *full = s->full;
    size_t nseg = partreg_objective_segments(full, block), cap = s->runs + nseg, f = 0;
    s->start = malloc(cap * sizeof *s->start);
    if (!s->start)
        return -1;
    s->n_start = 0;
    for (size_t j = 0; j < s->runs; j++) {
        size_t row = j * s->stride, end = row + s->run, sub = j * s->run;
        while (row < end) {
            size_t b, e;
            partreg_objective_segment(full, block, nseg, f, &b, &e);
            if (e <= row && f + 1 < nseg) { /* the full segments are ascending */
                f++;
                continue;
            }
            s->start[s->n_start++] = sub;
            size_t next = e > row && e < end ? e : end;
            sub += next - row;
            row = next;
        }
    }
    return 0;
}

/* The same for a grouped objective's runs of whole groups (run_first,
 * run_len, run_at): the full pass's segments end at groups' starts, so
 * every piece holds whole groups. */
static int cut_group_runs(subsample *s, size_t block)
{
    const partreg_objective *full = s->full;
    size_t nseg = partreg_objective_segments(full, block), cap = SEGMENTS + nseg, f = 0;
    s->start = malloc(cap * sizeof *s->start);
    if (!s->start)
        return -1;
    s->n_start = 0;
    for (size_t j = 0; j < SEGMENTS; j++) {
        size_t row = s->run_first[j], end = row + s->run_len[j], sub = s->run_at[j];
        while (row < end) {
            size_t b, e;
            partreg_objective_segment(full, block, nseg, f, &b, &e);
            if (e <= row && f + 1 < nseg) {
                f++;
                continue;
            }
            s->start[s->n_start++] = sub;
            size_t next = e > row && e < end ? e : end;
            sub += next - row;
            row = next;
        }
    }
    return 0;
}

/* Rows [begin, end) of the subsample: pieces of runs, in row order. */
static void sub_accumulate(const void *model, const double *theta, size_t begin, size_t end,
                           partreg_order order, partreg_accum *acc, double *scratch)
{
    const subsample *s = model;
    while (begin < end) {
        size_t seg, off, len, row;
        if (s->run_at) {
            seg = 0; /* the run holding begin: the last with run_at <= begin */
            size_t hi = SEGMENTS;
            while (seg + 1 < hi) {
                size_t mid = seg + (hi - seg) / 2;
                if (s->run_at[mid] <= begin)
                    seg = mid;
                else
                    hi = mid;
            }
            off = begin - s->run_at[seg];
            len = s->run_len[seg] - off < end - begin ? s->run_len[seg] - off : end - begin;
            row = s->run_first[seg] + off;
        } else {
            seg = begin / s->run, off = begin % s->run;
            len = s->run - off < end - begin ? s->run - off : end - begin;
            row = seg * s->stride + off;
        }
        s->full->accumulate(s->full->model, theta, row, row + len, order, acc, scratch);
        begin += len;
    }
}

static int sub_feasible(const void *model, const double *theta)
{
    const subsample *s = model;
    return s->full->feasible(s->full->model, theta);
}

/* A grouped objective's subsample: SEGMENTS runs of whole groups, run s
 * starting at the first group at or after row s n / SEGMENTS and taking
 * groups while the run has fewer than m / SEGMENTS rows (at least one
 * group), and the group starts in the subsample's rows. Fills the run
 * arrays (SEGMENTS + 1 entries each) and *starts (the subsample's group
 * starts, malloc'd); returns the subsample's number of groups, 0 on
 * ENOMEM. */
static size_t group_runs(const partreg_objective *obj, size_t m, size_t *first, size_t *len,
                         size_t *at, size_t **starts)
{
    size_t n = obj->n, G = obj->n_groups, want = m / SEGMENTS, used = 0, ng = 0, g = 0;
    *starts = malloc((G ? G : 1) * sizeof **starts);
    if (!*starts)
        return 0;
    for (size_t s = 0; s < SEGMENTS; s++) {
        /* g only grows: the runs never overlap */
        while (g < G && obj->group_start[g] < s * (n / SEGMENTS))
            g++;
        size_t r0 = g < G ? obj->group_start[g] : n, r = r0;
        first[s] = r0;
        at[s] = used;
        while (g < G && (r == r0 || r - r0 < want)) {
            (*starts)[ng++] = used + (r - r0);
            r = g + 1 < G ? obj->group_start[g + 1] : n;
            g++;
        }
        len[s] = r - r0;
        used += len[s];
    }
    at[SEGMENTS] = used;
    return ng;
}

/* Maximise obj on m of its rows (runs spread evenly) from theta;
 * when that converges, overwrite theta with the subsample's maximiser and
 * info (k x k) with its information scaled to all rows, and set *done.
 * Returns the cost in passes over the full data. */
static double fit_subsample(const partreg_objective *obj, size_t m, double *theta,
                            const partreg_fit_options *opt, double *info, int *done)
{
    size_t n = obj->n, k = obj->k;
    size_t n_runs = obj->group_start ? SEGMENTS : ungrouped_runs(m);
    subsample s = {obj, n_runs, m / n_runs, n / n_runs, NULL, 0, NULL, NULL, NULL};
    partreg_objective sub = *obj;
    sub.model = &s;
    sub.n = s.run * n_runs;
    sub.accumulate = sub_accumulate;
    sub.feasible = obj->feasible ? sub_feasible : NULL;
    sub.row_scores = NULL;
    sub.score_sums = NULL;
    size_t runs[3 * (SEGMENTS + 1)], *starts = NULL;
    if (obj->group_start) {
        s.run_first = runs;
        s.run_len = runs + SEGMENTS + 1;
        s.run_at = runs + 2 * (SEGMENTS + 1);
        sub.n_groups = group_runs(obj, m, runs, runs + SEGMENTS + 1, runs + 2 * (SEGMENTS + 1),
                                  &starts);
        if (sub.n_groups == 0) { /* out of memory: no warm start */
            *done = 0;
            free(starts);
            return 0.0;
        }
        sub.group_start = starts;
        sub.n = s.run_at[SEGMENTS];
    }

    *done = 0;
    double *trial = malloc(k * sizeof *trial);
    partreg_accum *acc = partreg_accum_alloc(k);
    double used = 0.0;
    /* the subsample's segments: pieces of runs within one full segment
     * (whole groups for a grouped objective), wherever the rows are */
    if (trial && acc &&
        (obj->group_start ? cut_group_runs(&s, opt->block_rows) : cut_runs(&s, opt->block_rows)) ==
            0) {
        sub.segment_start = s.start;
        sub.n_segments = s.n_start;
        memcpy(trial, theta, k * sizeof *trial);
        partreg_fit_options o = *opt;
        /* the subsample's maximiser is itself sqrt(n/m) standard errors from
         * the full one: no need to resolve it further than that */
        o.max_iter = WARM_MAX_ITER;
        o.separation_patience = 2;
        o.step_tol = WARM_STEP_TOL;
        o.rel_tol = WARM_STEP_TOL * WARM_STEP_TOL;
        partreg_newton_result res;
        partreg_status st = partreg_newton_maximise(&sub, trial, &o, acc, NULL, 0, NULL, &res);
        used = res.passes * (double)sub.n / (double)n;
        if (st == PARTREG_OK && res.reason == PARTREG_STOP_CONVERGED) {
            memcpy(theta, trial, k * sizeof *theta);
            /* the rows' share, not their weights': only the step size
             * depends on it, and the next pass corrects that */
            double scale = (double)n / (double)sub.n;
            for (size_t j = 0; j < k * k; j++)
                info[j] = scale * acc->info[j];
            *done = 1;
        }
    }
    free(s.start);
    free(trial);
    free(starts);
    partreg_accum_free(acc);
    return used;
}

double partreg_warm_start(const partreg_objective *obj, double *theta,
                          const partreg_fit_options *opt, double *info, int *have_info)
{
    *have_info = 0;
    size_t n = obj->n;
    if (opt->warm_start_rows == 0 || n < opt->warm_start_rows || n < 2 * WARM_MIN_SUB)
        return 0.0;
    size_t m = n / WARM_FRACTION > WARM_MIN_SUB ? n / WARM_FRACTION : WARM_MIN_SUB;
    double used = 0.0;
    int done = 0;
    /* Nested: the subsample's own start from a WARM_FRACTION of it, where
     * that is still WARM_MIN_SUB rows. From there (about sqrt(WARM_FRACTION)
     * of the subsample's standard errors away) its fit takes one pass
     * fewer than from the null start (2 instead of 3 at 10^6 rows), for a
     * few passes over a sixteenth as many rows. A nested fit that fails
     * leaves the null start. */
    if (m / WARM_FRACTION >= WARM_MIN_SUB)
        used += fit_subsample(obj, m / WARM_FRACTION, theta, opt, info, &done);
    used += fit_subsample(obj, m, theta, opt, info, &done);
    *have_info = done && m / ungrouped_runs(m) * ungrouped_runs(m) >= WARM_INFO_MIN_SUB;
    return used;
}
