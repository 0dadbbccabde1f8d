/* The survey design object behind partreg_survey (survey.c) and the
 * replicate variance (survey_replicate.c). Private to lib/. */
#ifndef PARTREG_INFERENCE_SURVEY_INTERNAL_H
#define PARTREG_INFERENCE_SURVEY_INTERNAL_H

#include "partreg_survey.h"

#include "models/fit_internal.h"

struct partreg_survey {
    size_t n;
    double *w;              /* n sampling weights (1 when none were given) */
    double *fitw;           /* n fit weights: w, 0 outside the domain */
    int has_weights;
    size_t *stratum;        /* n codes, or NULL (one stratum) */
    size_t n_stratum_codes;
    char **stratum_names;   /* n_stratum_codes names, or NULL */
    size_t *psu;            /* n codes, or NULL (every row its own PSU) */
    size_t n_psu_codes;
    double *fpc;            /* n, or NULL */
    unsigned char *domain;  /* n, or NULL */
    size_t subpop_size;
    partreg_lonely_psu lonely;
    double *repw;           /* R columns of n, or NULL */
    size_t R;
    partreg_rep_type rep_type;
    double rho;
    int mse;
};

/* The replicate covariance of the fit's free parameters into V (k x k):
 * R warm-started refits on the fit's threads. *passes gets the Newton
 * passes they made, *iterations the replicates that took more than one
 * Newton step. PARTREG_OK or the error of the first replicate (in
 * replicate order) that failed. */
partreg_status partreg_survey_replicate_vcov(const partreg_fit *fit, const partreg_data *data,
                                             const partreg_survey *s, double *V,
                                             double *passes, size_t *iterations,
                                             partreg_error *err);

/* The design meat B (m x m) of per-row values u (n x m, row-major): their
 * PSU totals, centred within strata, with the fpc and lonely-PSU rule. */
partreg_status partreg_survey_meat_rows(const partreg_survey *s, const double *u, size_t m,
                                        double *B, partreg_error *err);

/* A linearised design over rows that are not in memory (a design file, or
 * the shares of a distributed fit: analysis_stream.c). What each process
 * collected in its pass over its rows, in row order. */
typedef struct partreg_survey_share {
    size_t n_stratum_codes;           /* 1 without strata */
    char *const *stratum_names;       /* n_stratum_codes names, or NULL */
    int has_strata, has_psu, has_fpc, has_subpop;
    partreg_lonely_psu lonely;
    /* this process's PSUs in order of first row: the stratum code and the
     * PSU code (with --psu; without, every row is a PSU) of each */
    size_t n_psu;
    const size_t *psu_stratum, *psu_code;
    /* its rows' PSU numbers (n_rows entries, into its PSUs): renumbered in
     * place into the whole design's PSUs. NULL when one process holds all
     * rows: the rows carry the numbers (partreg_rows.clustered). */
    size_t *row_psu;
    size_t n_rows;
    /* per stratum code (NULL without --fpc): the first fpc of this
     * process's rows and that row (index into its rows; SIZE_MAX: no row
     * of the stratum), and the first row whose fpc differs from it
     * (SIZE_MAX: none) with that value */
    const double *fpc_first, *fpc_diff_value;
    const size_t *fpc_first_row, *fpc_diff_row;
    /* the sampling weights of its rows, in row order (n_rows entries), or
     * NULL: population is their sum in row order */
    const double *sw;
    double population;
    size_t subpop_size; /* its rows inside the subpopulation */
} partreg_survey_share;

/* The linearised design covariance of a fit over rows (fit->rows), from
 * every process's share (collective with a communicator): the same
 * layout, PSU totals and bits as partreg_fit_set_survey on all rows in
 * memory. The error of the earliest row in the whole design. */
partreg_status partreg_fit_set_survey_share(partreg_fit *fit, partreg_survey_share *sh,
                                            partreg_error *err);

/* The design df of a fit (its survey info), INFINITY for a fit without a
 * design. */
double partreg_fit_design_df(const partreg_fit *fit);

#endif
