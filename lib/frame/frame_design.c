/* The design matrix: column layout and names of each term, and the
 * evaluation of one design row (with optional variable overrides and
 * forward-mode derivatives) that both the bulk build and
 * partreg_frame_design_row() use.
 *
 * A term is the product of its parts: numeric parts multiply their values;
 * each categorical part selects one of its dummy columns (treatment coding:
 * level k of L with reference r has column k for k < r and k-1 for k > r;
 * the reference selects none, so the whole term row is 0). With parts
 * c_1..c_m of q_1..q_m columns the term has q_1*...*q_m columns, c_1
 * varying fastest, and the row has at most one non-zero entry per term:
 * the product of the numeric parts at offset sum_k pos_k * stride_k.
 * Derivatives follow the product rule (v a)' = v' a + v a'. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/big_alloc.h"
#include "core/error.h"
#include "core/family.h"
#include "core/team.h"
#include "frame/frame_internal.h"

static partreg_status nomem(partreg_error *err)
{
    return partreg_error_set(err, PARTREG_ENOMEM, "out of memory building the model frame");
}

static int atom_categorical(const partreg_frame *fr, size_t a)
{
    const partreg_atom *at = &fr->f->atoms[a];
    return at->kind != PARTREG_ATOM_EXPR && fr->vars[at->var].categorical;
}

/* Columns contributed by a categorical part. */
static size_t part_columns(const partreg_frame_var *v, int full)
{
    return full ? v->lv.n : v->lv.n - 1;
}

/* Column position of level k of a categorical part, or -1 (reference). */
static long part_position(const partreg_frame_var *v, int full, size_t k)
{
    if (full)
        return (long)k;
    if (k == v->ref)
        return -1;
    return k < v->ref ? (long)k : (long)k - 1;
}

/* Level index of part position q (inverse of part_position). */
static size_t part_level(const partreg_frame_var *v, int full, size_t q)
{
    if (full)
        return q;
    return q < v->ref ? q : q + 1;
}

static partreg_status name_column(partreg_frame *fr, const partreg_term *tm,
                                  const partreg_frame_term *ft, size_t c, char **out)
{
    const partreg_formula *f = fr->f;
    size_t len = 1, q[PARTREG_FORMULA_MAX_ORDER];
    for (size_t k = 0; k < tm->n_atoms; k++) {
        const partreg_atom *at = &f->atoms[tm->atoms[k]];
        if (atom_categorical(fr, tm->atoms[k])) {
            const partreg_frame_var *v = &fr->vars[at->var];
            q[k] = (c / ft->stride[k]) % part_columns(v, ft->full);
            len += strlen(f->vars[at->var]) + strlen(v->lv.names[part_level(v, ft->full, q[k])]) +
                   3;
        } else {
            len += strlen(at->kind == PARTREG_ATOM_VAR ? f->vars[at->var] : at->text) + 1;
        }
    }
    char *s = malloc(len), *w = s;
    if (!s)
        return PARTREG_ENOMEM;
    for (size_t k = 0; k < tm->n_atoms; k++) {
        const partreg_atom *at = &f->atoms[tm->atoms[k]];
        if (k)
            *w++ = ':';
        if (atom_categorical(fr, tm->atoms[k])) {
            const partreg_frame_var *v = &fr->vars[at->var];
            w += sprintf(w, "%s[%s]", f->vars[at->var], v->lv.names[part_level(v, ft->full, q[k])]);
        } else {
            w += sprintf(w, "%s", at->kind == PARTREG_ATOM_VAR ? f->vars[at->var] : at->text);
        }
    }
    *w = '\0';
    *out = s;
    return PARTREG_OK;
}

static int term_uses_var(const partreg_formula *f, const partreg_term *tm, size_t v)
{
    for (size_t k = 0; k < tm->n_atoms; k++) {
        const partreg_atom *at = &f->atoms[tm->atoms[k]];
        if (at->kind == PARTREG_ATOM_EXPR ? partreg_expr_uses(&at->expr, v) : at->var == v)
            return 1;
    }
    return 0;
}

partreg_status partreg_frame_layout(partreg_frame *fr, partreg_error *err)
{
    const partreg_formula *f = fr->f;
    size_t p = fr->intercept ? 1 : 0;
    const partreg_family_traits *traits = partreg_family_traits_of(fr->family);
    /* R: without an intercept the first factor gets every level, unless
     * cut points play the intercept's role */
    int full_done = fr->intercept || traits->thresholds;
    for (size_t t = 0; t < f->n_terms; t++) {
        const partreg_term *tm = &f->terms[t];
        partreg_frame_term *ft = &fr->terms[t];
        ft->full = 0;
        if (!full_done && tm->n_atoms == 1 && atom_categorical(fr, tm->atoms[0])) {
            ft->full = 1; /* R: without an intercept the first factor gets every level */
            full_done = 1;
        }
        size_t cols = 1;
        for (size_t k = 0; k < tm->n_atoms; k++) {
            ft->stride[k] = cols;
            if (atom_categorical(fr, tm->atoms[k])) {
                const partreg_frame_var *v = &fr->vars[f->atoms[tm->atoms[k]].var];
                if (v->lv.n < 2)
                    return partreg_error_set(err, PARTREG_EDATA,
                                             "'%s' has a single level ('%s') in the rows used, "
                                             "so term '%s' cannot be estimated; drop it",
                                             f->vars[f->atoms[tm->atoms[k]].var],
                                             v->lv.n ? v->lv.names[0] : "", tm->label);
                cols *= part_columns(v, ft->full);
            }
        }
        ft->first_col = p;
        ft->n_cols = cols;
        p += cols;
    }
    if (p == 0 && !traits->thresholds)
        return partreg_error_set(err, PARTREG_EFORMULA,
                                 "the %s model '%s' has no columns: no intercept and no terms",
                                 traits->name, f->text);
    fr->p = p;
    fr->col_names = calloc(p ? p : 1, sizeof *fr->col_names);
    fr->col_term = malloc((p ? p : 1) * sizeof *fr->col_term);
    if (!fr->col_names || !fr->col_term)
        return nomem(err);
    if (fr->intercept) {
        fr->col_names[0] = malloc(sizeof "(Intercept)");
        if (!fr->col_names[0])
            return nomem(err);
        memcpy(fr->col_names[0], "(Intercept)", sizeof "(Intercept)");
        fr->col_term[0] = -1;
    }
    for (size_t t = 0; t < f->n_terms; t++) {
        const partreg_frame_term *ft = &fr->terms[t];
        for (size_t c = 0; c < ft->n_cols; c++) {
            if (name_column(fr, &f->terms[t], ft, c, &fr->col_names[ft->first_col + c]))
                return nomem(err);
            fr->col_term[ft->first_col + c] = (long)t;
        }
    }
    for (size_t v = 0; v < f->n_vars; v++) {
        partreg_frame_var *fv = &fr->vars[v];
        size_t n = 0;
        for (size_t t = 0; t < f->n_terms; t++)
            if (term_uses_var(f, &f->terms[t], v))
                n += fr->terms[t].n_cols;
        fv->n_cols = 0;
        if (n == 0)
            continue;
        fv->cols = malloc(n * sizeof *fv->cols);
        if (!fv->cols)
            return nomem(err);
        for (size_t t = 0; t < f->n_terms; t++)
            if (term_uses_var(f, &f->terms[t], v))
                for (size_t c = 0; c < fr->terms[t].n_cols; c++)
                    fv->cols[fv->n_cols++] = fr->terms[t].first_col + c;
    }
    return PARTREG_OK;
}

/* ---- one design row --------------------------------------------------- */

/* Scratch space for one row: variable values and levels, atom values and
 * derivatives. Small formulas use the stack. */
#define LOCAL_SLOTS 64

typedef struct row_work {
    double *vals, *aval, *ader;
    size_t *lev;
    void *heap;
    double local_d[3 * LOCAL_SLOTS];
    size_t local_s[LOCAL_SLOTS];
} row_work;

static partreg_status work_init(row_work *w, const partreg_formula *f)
{
    size_t nv = f->n_vars, na = f->n_atoms;
    w->heap = NULL;
    if (nv <= LOCAL_SLOTS && na <= LOCAL_SLOTS) {
        w->vals = w->local_d;
        w->aval = w->local_d + LOCAL_SLOTS;
        w->ader = w->local_d + 2 * LOCAL_SLOTS;
        w->lev = w->local_s;
        return PARTREG_OK;
    }
    double *d = malloc((nv + 2 * na) * sizeof *d + nv * sizeof(size_t) + 1);
    if (!d)
        return PARTREG_ENOMEM;
    w->heap = d;
    w->vals = d;
    w->aval = d + nv;
    w->ader = d + nv + na;
    w->lev = (size_t *)(void *)(d + nv + 2 * na);
    return PARTREG_OK;
}

/* Evaluate row i into x (and dx when dvar >= 0). Returns the index of the
 * first atom whose value is not finite, or -1. */
static long eval_row(const partreg_frame *fr, size_t i, const partreg_setting *set,
                     size_t n_set, long dvar, double *x, double *dx, row_work *w)
{
    const partreg_formula *f = fr->f;
    long bad = -1;
    for (size_t v = 0; v < f->n_vars; v++) {
        const partreg_frame_var *fv = &fr->vars[v];
        if (fv->categorical)
            w->lev[v] = (size_t)fv->lev[i];
        else
            w->vals[v] = fv->num[i];
    }
    for (size_t s = 0; s < n_set; s++) {
        if (fr->vars[set[s].variable].categorical)
            w->lev[set[s].variable] = set[s].level;
        else
            w->vals[set[s].variable] = set[s].value;
    }
    for (size_t a = 0; a < f->n_atoms; a++) {
        const partreg_atom *at = &f->atoms[a];
        if (at->kind == PARTREG_ATOM_EXPR)
            w->aval[a] = partreg_expr_eval(&at->expr, w->vals, dvar, &w->ader[a]);
        else if (!fr->vars[at->var].categorical) {
            w->aval[a] = w->vals[at->var];
            w->ader[a] = dvar >= 0 && at->var == (size_t)dvar ? 1.0 : 0.0;
        } else
            continue;
        if (bad < 0 && !isfinite(w->aval[a]))
            bad = (long)a;
    }
    memset(x, 0, fr->p * sizeof *x);
    if (dx)
        memset(dx, 0, fr->p * sizeof *dx);
    if (fr->intercept)
        x[0] = 1.0;
    for (size_t t = 0; t < f->n_terms; t++) {
        const partreg_term *tm = &f->terms[t];
        const partreg_frame_term *ft = &fr->terms[t];
        double val = 1.0, der = 0.0;
        size_t off = 0;
        int zero = 0;
        for (size_t k = 0; k < tm->n_atoms; k++) {
            size_t a = tm->atoms[k];
            const partreg_atom *at = &f->atoms[a];
            if (at->kind != PARTREG_ATOM_EXPR && fr->vars[at->var].categorical) {
                long q = part_position(&fr->vars[at->var], ft->full, w->lev[at->var]);
                if (q < 0) {
                    zero = 1;
                    break;
                }
                off += (size_t)q * ft->stride[k];
            } else {
                der = der * w->aval[a] + (w->ader[a] != 0.0 ? val * w->ader[a] : 0.0);
                val *= w->aval[a];
            }
        }
        if (zero)
            continue;
        x[ft->first_col + off] = val;
        if (dx)
            dx[ft->first_col + off] = der;
    }
    return bad;
}

static partreg_status bad_value(const partreg_frame *fr, const partreg_table *t, size_t i,
                                long atom, partreg_error *err)
{
    const partreg_atom *at = &fr->f->atoms[atom];
    long line = t ? partreg_table_row_line(t, fr->rows[i]) : 0;
    char where[64] = "";
    if (line > 0)
        snprintf(where, sizeof where, " on line %ld", line);
    else
        snprintf(where, sizeof where, " in row %zu", i + 1);
    return partreg_error_set_at(err, PARTREG_EDATA, line, 0,
                                "'%s' is not a finite number%s (for example log or sqrt of a "
                                "negative number, or log(0)); remove such rows or change the term",
                                at->text, where);
}

/* Rows per block of the bulk build: the atom columns of a block stay in
 * L1/L2 while its design rows are written. */
#define BUILD_BLOCK 256

/* Rows per thread below which the bulk build uses fewer threads (about a
 * millisecond of work: less does not repay starting a thread). */
#define BUILD_MIN_ROWS_PER_THREAD 65536

/* One thread's share of the bulk build: rows [i_begin, i_end) and its own
 * scratch; the first non-finite atom value found (row, atom) or -1. */
typedef struct build_job {
    partreg_frame *fr;
    size_t i_begin, i_end;
    const double **acol;
    double *ebuf;
    row_work w;
    int w_ready;
    size_t bad_row;
    long bad_atom;
} build_job;

/* The bulk build computes what eval_row() computes for every row, column
 * by column over blocks of rows: each numeric atom is a column of the block
 * (a variable's values are read in place, an expression is evaluated per
 * row as in eval_row()), the block's rows are zeroed with one memset, and
 * each term's column is written from the atom columns with the same
 * multiplications in the same order (a lone numeric atom is copied, as
 * 1.0 * v == v). The first non-finite atom value is found as eval_row()
 * finds it: the first row, then the first atom in that row; the build of
 * that job stops there. */
static void build_range(build_job *job)
{
    partreg_frame *fr = job->fr;
    const partreg_formula *f = fr->f;
    const double **acol = job->acol;
    size_t p = fr->p, na = f->n_atoms, nv = f->n_vars;
    for (size_t i0 = job->i_begin; i0 < job->i_end; i0 += BUILD_BLOCK) {
        size_t nb = BUILD_BLOCK;
        if (job->i_end - i0 < nb)
            nb = job->i_end - i0;
        size_t bad_row = nb;
        long bad_atom = -1;
        for (size_t a = 0; a < na; a++) {
            const partreg_atom *at = &f->atoms[a];
            acol[a] = NULL;
            if (at->kind == PARTREG_ATOM_EXPR) {
                double *e = job->ebuf + a * BUILD_BLOCK, der;
                for (size_t r = 0; r < nb; r++) {
                    for (size_t v = 0; v < nv; v++)
                        if (!fr->vars[v].categorical)
                            job->w.vals[v] = fr->vars[v].num[i0 + r];
                    e[r] = partreg_expr_eval(&at->expr, job->w.vals, -1, &der);
                }
                acol[a] = e;
            } else if (!fr->vars[at->var].categorical) {
                acol[a] = fr->vars[at->var].num + i0;
            } else {
                continue;
            }
            /* the first bad row of this atom; ties go to the lower atom */
            const double *c = acol[a];
            for (size_t r = 0; r < bad_row; r++)
                if (!isfinite(c[r])) {
                    bad_row = r;
                    bad_atom = (long)a;
                    break;
                }
        }
        if (bad_atom >= 0) {
            job->bad_row = i0 + bad_row;
            job->bad_atom = bad_atom;
            return;
        }
        double *X = fr->X + i0 * p;
        memset(X, 0, nb * p * sizeof *X);
        if (fr->intercept)
            for (size_t r = 0; r < nb; r++)
                X[r * p] = 1.0;
        for (size_t tt = 0; tt < f->n_terms; tt++) {
            const partreg_term *tm = &f->terms[tt];
            const partreg_frame_term *ft = &fr->terms[tt];
            if (tm->n_atoms == 1 && acol[tm->atoms[0]]) {
                const double *c = acol[tm->atoms[0]];
                double *x = X + ft->first_col;
                for (size_t r = 0; r < nb; r++)
                    x[r * p] = c[r];
                continue;
            }
            for (size_t r = 0; r < nb; r++) {
                double val = 1.0;
                size_t off = 0;
                int zero = 0;
                for (size_t k = 0; k < tm->n_atoms; k++) {
                    size_t a = tm->atoms[k];
                    if (!acol[a]) {
                        const partreg_frame_var *fv = &fr->vars[f->atoms[a].var];
                        long q = part_position(fv, ft->full, (size_t)fv->lev[i0 + r]);
                        if (q < 0) {
                            zero = 1;
                            break;
                        }
                        off += (size_t)q * ft->stride[k];
                    } else {
                        val *= acol[a][r];
                    }
                }
                if (!zero)
                    X[r * p + ft->first_col + off] = val;
            }
        }
    }
}

static void build_share(void *jobs, size_t t)
{
    build_range((build_job *)jobs + t);
}

/* Rows are split into equal ranges of whole blocks, one per thread; each
 * row is computed exactly as on one thread, so X does not depend on the
 * thread count, and the error is the one of the lowest range that found a
 * non-finite value (its first, hence the first overall). */
/* The design matrix does not fit in memory: say how large it is and which
 * term makes it so (the one with the most columns). */
static partreg_status design_too_large(const partreg_frame *fr, partreg_error *err)
{
    double bytes = (double)fr->n * (double)fr->p * (double)sizeof(double);
    size_t best = 0, cols = 0;
    for (size_t t = 0; t < fr->f->n_terms; t++)
        if (fr->terms[t].n_cols > cols) {
            cols = fr->terms[t].n_cols;
            best = t;
        }
    return partreg_error_set(err, PARTREG_ENOMEM,
                             "out of memory: the model would have %zu coefficients ('%s' alone "
                             "gives %zu), and its design matrix of %zu rows x %zu columns needs "
                             "%.3g GB; drop or recode the terms with many levels",
                             fr->p, cols ? fr->f->terms[best].label : "", cols, fr->n, fr->p,
                             bytes / 1e9);
}

partreg_status partreg_frame_build_X(partreg_frame *fr, const partreg_table *t, int threads,
                                     partreg_error *err)
{
    size_t p = fr->p, na = fr->f->n_atoms;
    if (fr->n > 0 && p > ((size_t)-1) / sizeof(double) / fr->n)
        return design_too_large(fr, err);
    size_t cells = fr->n * p;
    size_t T = partreg_team_threads(NULL, threads, fr->n, BUILD_MIN_ROWS_PER_THREAD);
    if (!fr->X) /* else the caller's, of n x p doubles at least */
        fr->X = partreg_big_alloc(cells * sizeof *fr->X);
    if (!fr->X)
        return design_too_large(fr, err);
    build_job *jobs = calloc(T, sizeof *jobs);
    partreg_status st = PARTREG_OK;
    if (!jobs)
        return nomem(err);
    size_t blocks = (fr->n + BUILD_BLOCK - 1) / BUILD_BLOCK, k;
    for (k = 0; k < T; k++) {
        build_job *job = &jobs[k];
        job->fr = fr;
        job->i_begin = blocks * k / T * BUILD_BLOCK;
        job->i_end = k + 1 == T ? fr->n : blocks * (k + 1) / T * BUILD_BLOCK;
        job->bad_atom = -1;
        job->acol = malloc((na ? na : 1) * sizeof *job->acol);
        job->ebuf = malloc((na ? na : 1) * BUILD_BLOCK * sizeof *job->ebuf);
        if (!job->acol || !job->ebuf || work_init(&job->w, fr->f)) {
            st = nomem(err);
            goto cleanup;
        }
        job->w_ready = 1;
    }
    partreg_team_run(NULL, T, build_share, jobs);
    for (k = 0; k < T; k++)
        if (jobs[k].bad_atom >= 0) {
            st = bad_value(fr, t, jobs[k].bad_row, jobs[k].bad_atom, err);
            break;
        }
cleanup:
    for (k = 0; k < T; k++) {
        free(jobs[k].acol);
        free(jobs[k].ebuf);
        if (jobs[k].w_ready)
            free(jobs[k].w.heap);
    }
    free(jobs);
    return st;
}

/* The term that holds variable v alone, or SIZE_MAX when v enters more
 * than one term, a term with other atoms, or an expression. */
static size_t lone_term(const partreg_frame *fr, size_t v)
{
    const partreg_formula *f = fr->f;
    size_t found = SIZE_MAX;
    for (size_t t = 0; t < f->n_terms; t++) {
        const partreg_term *tm = &f->terms[t];
        int uses = 0;
        for (size_t k = 0; k < tm->n_atoms; k++) {
            const partreg_atom *at = &f->atoms[tm->atoms[k]];
            if (at->kind == PARTREG_ATOM_EXPR ? partreg_expr_uses(&at->expr, v) : at->var == v)
                uses = 1;
        }
        if (!uses)
            continue;
        const partreg_atom *a0 = &f->atoms[tm->atoms[0]];
        if (found != SIZE_MAX || tm->n_atoms != 1 || a0->kind == PARTREG_ATOM_EXPR)
            return SIZE_MAX;
        found = t;
    }
    return found;
}

partreg_frame_entry partreg_frame_variable_entry(const partreg_frame *fr, size_t v)
{
    partreg_frame_entry e = {PARTREG_ENTRY_OTHER, 0, 0};
    if (!fr || v >= fr->f->n_vars)
        return e;
    size_t t = lone_term(fr, v);
    if (t == SIZE_MAX)
        return e;
    const partreg_frame_term *ft = &fr->terms[t];
    if (fr->vars[v].categorical) {
        e.kind = PARTREG_ENTRY_INDICATORS;
    } else {
        if (ft->n_cols != 1)
            return e;
        e.kind = PARTREG_ENTRY_LINEAR;
    }
    e.first = ft->first_col;
    e.n_cols = ft->n_cols;
    return e;
}

long partreg_frame_level_column(const partreg_frame *fr, size_t v, size_t l)
{
    size_t t = lone_term(fr, v);
    if (t == SIZE_MAX || !fr->vars[v].categorical || l >= fr->vars[v].lv.n)
        return -1;
    const partreg_frame_term *ft = &fr->terms[t];
    long q = part_position(&fr->vars[v], ft->full, l);
    return q < 0 ? -1 : (long)(ft->first_col + (size_t)q);
}

partreg_status partreg_frame_design_row(const partreg_frame *fr, size_t i,
                                        const partreg_setting *set, size_t n_set,
                                        long d_variable, double *x, double *dx,
                                        partreg_error *err)
{
    if (!fr || !x || (d_variable >= 0 && !dx) || (n_set > 0 && !set))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "partreg_frame_design_row: NULL frame, x, set or dx");
    if (i >= fr->n)
        return partreg_error_set_index(err, PARTREG_EINVAL, (long)i,
                                       "row %zu is out of range (the frame has %zu rows)", i,
                                       fr->n);
    size_t nv = fr->f->n_vars;
    if (d_variable >= 0 && ((size_t)d_variable >= nv || fr->vars[d_variable].categorical))
        return partreg_error_set_index(err, PARTREG_EINVAL, d_variable,
                                       "variable %ld is not a numeric variable of the model",
                                       d_variable);
    for (size_t s = 0; s < n_set; s++) {
        size_t v = set[s].variable;
        if (v >= nv)
            return partreg_error_set_index(err, PARTREG_EINVAL, (long)v,
                                           "setting %zu: variable %zu is out of range", s, v);
        if (fr->vars[v].categorical && set[s].level >= fr->vars[v].lv.n)
            return partreg_error_set_index(err, PARTREG_EINVAL, (long)v,
                                           "setting %zu: level %zu of '%s' is out of range", s,
                                           set[s].level, fr->f->vars[v]);
    }
    row_work w;
    if (work_init(&w, fr->f))
        return nomem(err);
    long bad = eval_row(fr, i, set, n_set, d_variable, x, d_variable >= 0 ? dx : NULL, &w);
    free(w.heap);
    if (bad >= 0)
        return bad_value(fr, NULL, i, bad, err);
    partreg_error_clear(err);
    return PARTREG_OK;
}
