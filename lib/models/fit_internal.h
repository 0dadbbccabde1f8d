/* The fitted-model object behind the opaque partreg_fit handle, shared by
 * the models and inference layers. Private to lib/.
 *
 * Parameter indices: a "full" index j runs over the model's whole
 * parameter vector (model.layout, K entries: e.g. p coefficients, then
 * J-1 thresholds), which is what the public API, the covariance and the
 * reports index; a "free" index f runs over the k entries actually
 * estimated (the full vector without the entries of dropped columns, in
 * the same order), which is what the objective and the solver see. */
#ifndef PARTREG_MODELS_FIT_INTERNAL_H
#define PARTREG_MODELS_FIT_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>

#include "partreg.h"
#include "models/collinear.h"
#include "models/design.h"
#include "models/model.h"
#include "models/objective.h"
#include "models/rows.h"
#include "models/rows_passes.h"

struct partreg_fit {
    partreg_model model;  /* the table bound to this problem: link, J, layout */
    partreg_model_spec *spec; /* a copy of the specification (for refits with other settings) */
    size_t n_crossing;    /* rows whose fitted cumulative probabilities cross */
    partreg_link link;    /* = model.link */
    size_t n;          /* rows */
    size_t p;          /* design columns */
    size_t J;          /* outcome codes (= model.J: 2 for a binary outcome) */
    size_t K;          /* full parameters (= model.layout.K) */
    size_t pk;         /* kept columns */
    size_t k;          /* free parameters */
    size_t *kept;      /* pk kept column indices (ascending) */
    unsigned char *dropped; /* p flags */
    size_t *free_of;   /* K: free index of each full parameter, or PARTREG_NONE */
    size_t *full_of;   /* k: full index of each free parameter */
    partreg_intercept intercept; /* a kept constant column of a model without thresholds */
    partreg_screen_offset offset; /* the column farthest from the origin (collinear.h) */
    double sum_w;
    size_t k_null;     /* parameters of the null model */

    gsl_vector *par;         /* K: the full parameter vector (0 where not estimated) */
    gsl_vector *coef;        /* p: each column's coefficient entry (0 for dropped or none) */
    gsl_vector *thresholds;  /* the threshold entries, NULL when there are none */
    gsl_vector *theta;       /* k free parameters */
    gsl_matrix *info;        /* k x k information at the estimate (observed or expected) */
    gsl_matrix *bread;       /* k x k inverse information (model covariance of free params), NaN when singular */
    gsl_matrix *vcov;        /* K x K covariance in force, full index */
    partreg_vcov_type vcov_type;
    size_t n_clusters;       /* for cluster vcov */
    double *df;              /* K: degrees of freedom of each parameter's t reference
                              * distribution; INFINITY = normal (the default) */
    struct partreg_survey_info *survey; /* the design behind a design-based covariance
                                         * (partreg_fit_set_survey), or NULL */
    /* The per-cluster sums behind a CR2 covariance that its joint tests
     * need (inference/cr2_htz.h; one allocation), NULL unless the
     * covariance in force is CR2: partreg_fit_install_vcov drops it. */
    struct partreg_cr2_pieces *cr2;

    double loglik, null_loglik, max_grad;
    double loglik_unpenalised; /* = loglik unless the model is penalised */
    int iterations, converged, separated, singular;
    int passes;         /* over the design: screening + solver accumulations */
    double data_passes; /* the same, subsample passes as the fraction they read */
    /* Rows of the design read by the passes made over it through this fit
     * (objective passes and the inference calls' own passes; a subsample's
     * pass counts its rows), for the pass counts of the analysis' timing.
     * Inference calls take the fit const and may run on several threads
     * at once, so the count is a separate atomic (NULL: not counted). */
    atomic_ullong *rows_read;
    partreg_stop_reason stop;
    unsigned char *diverges; /* K flags */

    char **column_names;     /* p copies */
    char **level_names;      /* J copies */
    char **cut_names;        /* J-1: "A|B" for the cut between levels A and B */
    char **warnings;
    size_t n_warnings;
    partreg_fit_options opt;

    /* Rows that are not the caller's arrays (models/rows.h): a design file,
     * or this process's share of a distributed fit's (then its arrays are
     * the caller's, bound again by each inference call). NULL: the rows are
     * the partreg_data of each call. */
    partreg_rows *rows;                /* owned (the struct; its storage is borrowed) */
    partreg_rows_objective *rows_obj;  /* the objective over them (owned) */
    partreg_objective rows_objective;  /* ... as the passes see it */
    int rows_io_error;                 /* set when a read of the rows failed */
    /* fingerprints of the data fitted (fit.c: over each row's bits in
     * order), so that tests comparing two fits can tell whether they saw
     * the same outcome values and weights */
    uint64_t y_hash, w_hash;
    int weighted;
    partreg_kernel kernel; /* the route its passes run, resolved from opt.kernel (core/cpu.h) */
};

/* Add `rows` to the fit's count of rows read (rows_read; no-op when the
 * fit has none). Every pass over the design that does not go through
 * partreg_objective_eval on the fit's objective calls it. */
void partreg_fit_count_rows(const partreg_fit *fit, size_t rows);

/* Passes over the design counted so far: rows read / n (0 when none). */
double partreg_fit_passes_read(const partreg_fit *fit);

/* Passes over the design between two counts of rows read (from
 * partreg_fit_rows_read): their difference / n, so that whole passes come
 * out whole (a difference of two quotients need not). */
double partreg_fit_passes_between(const partreg_fit *fit, uint64_t from, uint64_t to);

/* The fit's count of rows read so far (0 when it keeps none). */
uint64_t partreg_fit_rows_read(const partreg_fit *fit);

/* Full index of free parameter f, and back. */
size_t partreg_fit_full_index(const partreg_fit *fit, size_t f);
/* Free index of full index j, or PARTREG_NONE for an entry not estimated. */
size_t partreg_fit_free_index(const partreg_fit *fit, size_t j);

/* The design view of `data` restricted to the fit's kept columns (no
 * allocation: cols points into the fit). */
void partreg_fit_design(const partreg_fit *fit, const partreg_data *data, partreg_design *d);

/* The objective of the fit's model over design d. */
void partreg_fit_objective(const partreg_fit *fit, const partreg_design *d,
                           partreg_objective *obj);

/* A fit over rows that are not one array: meta gives n (all processes'
 * rows), p, n_levels and the names (its X, y and w are not read); rows is
 * copied (its storage, arrays or a design file, is borrowed and must
 * outlive the fit, whose inference calls read it again). Otherwise as
 * partreg_fit_create_spec; with rows->comm every process calls it
 * together and gets the same fit. */
partreg_status partreg_fit_create_rows(const partreg_data *meta, const partreg_rows *rows,
                                       const partreg_model_spec *spec,
                                       const partreg_fit_options *opt, partreg_fit **out,
                                       partreg_error *err);

/* For an inference call on a fit over rows: bind a distributed fit's rows
 * to this call's arrays (data: this process's share, as at the fit; NULL
 * for a design file) and give the objective over them. PARTREG_OK or
 * PARTREG_EINVAL (data do not have the fit's shape). */
partreg_status partreg_fit_rows_bind(const partreg_fit *fit, const partreg_data *data,
                                     partreg_objective *obj, partreg_error *err);

/* Append a formatted warning; returns PARTREG_ENOMEM on failure. */
partreg_status partreg_fit_add_warning(partreg_fit *fit, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Label of full parameter j into buf: the term ("k5", "Low|Medium"), and
 * for a cut-specific coefficient the term and its cut ("age @ Low|Medium"). */
const char *partreg_fit_param_name(const partreg_fit *fit, size_t j, char *buf, size_t size);

/* Replace the covariance in force by the k x k free-parameter matrix V
 * (embedded into the full index, zeros for entries not estimated). The
 * reference distributions go back to the normal (df INFINITY). */
void partreg_fit_install_vcov(partreg_fit *fit, const double *V, partreg_vcov_type type);

/* Set parameter j's reference distribution to Student's t with df degrees
 * of freedom (INFINITY: the normal), for the tests and intervals of
 * partreg_fit_estimate(): a design's df, a Satterthwaite df, a
 * Barnard-Rubin df. */
void partreg_fit_set_df(partreg_fit *fit, size_t j, double df);

/* Replace the estimate by the full vector par (K entries; entries not
 * estimated are ignored): pooled estimates of multiple imputation. The
 * covariance and statistics are the caller's to replace. */
void partreg_fit_replace_estimate(partreg_fit *fit, const double *par);

/* Replace the intercept of a converged Firth fit by FLIC's (flic.c,
 * partreg_model_spec_set_flic()): estimate, loglik and covariance. */
partreg_status partreg_fit_flic_intercept(partreg_fit *fit, const partreg_data *data,
                                          partreg_team *team, partreg_error *err);

#endif
