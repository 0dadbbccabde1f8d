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

/* The design df of a fit (its survey info), INFINITY for a fit without a
 * design. */
double partreg_fit_design_df(const partreg_fit *fit);

#endif
