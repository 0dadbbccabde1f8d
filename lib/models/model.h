/* The model interface: a model is a table of operations (partreg_model_ops)
 * plus an instance (partreg_model) that binds it to a problem's sizes and
 * settings. The fit, the covariances, profiles, tests, margins, predictions
 * and reports call the table; none of them asks which model it holds.
 * docs/DESIGN.md says how to add a model. Private to lib/.
 *
 * Parameters. A model's parameters form one vector, the "full" vector,
 * made of named blocks laid end to end (partreg_layout): e.g. the
 * cumulative-link model has "beta" (one coefficient per design column)
 * then "theta" (the J-1 thresholds). Each entry knows its kind, the design
 * column it multiplies (if any) and the cut it belongs to (if any). An
 * entry that multiplies a column dropped by screening is not estimated:
 * the "free" vector, the one the objective and the solver see, is the full
 * vector without those entries, in the same order.
 *
 * Rows. An objective reads rows of the design through partreg_design: X
 * (all p columns; the kept ones listed in d->cols), the outcome codes
 * 0..J-1 (J = 2 for a binary outcome) and the weights. */
#ifndef PARTREG_MODELS_MODEL_H
#define PARTREG_MODELS_MODEL_H

#include <stddef.h>

#include "partreg.h"

#include "models/design.h"
#include "models/objective.h"

/* No column or no cut. */
#define PARTREG_NONE ((size_t)-1)

/* Blocks a layout may hold at most. */
#define PARTREG_MAX_BLOCKS 8

/* One entry of the full parameter vector. */
typedef struct partreg_param {
    partreg_param_kind kind;
    size_t block;   /* index of its block in the layout */
    size_t column;  /* design column it multiplies, or PARTREG_NONE */
    size_t cut;     /* cut 0..J-2 it belongs to (thresholds, cut-specific slopes), or PARTREG_NONE */
    const char *label; /* term name of an entry with neither column nor cut (static or
                        * model-owned storage); NULL: the block's name */
} partreg_param;

/* A run of entries of one kind: [first, first + size). */
typedef struct partreg_block {
    const char *name;  /* "beta", "theta", "beta_j", "gamma", "log_sigma" (static storage) */
    partreg_param_kind kind;
    size_t first, size;
} partreg_block;

/* The full parameter vector of a model. */
typedef struct partreg_layout {
    size_t K;                 /* entries */
    partreg_param *params;    /* K entries (malloc'd; partreg_layout_free) */
    size_t n_blocks;
    partreg_block blocks[PARTREG_MAX_BLOCKS];
} partreg_layout;

/* Append a block of `size` entries of one kind; column[e] and cut[e] give
 * entry e's column and cut (either array may be NULL: none). Returns
 * PARTREG_OK, PARTREG_ENOMEM or PARTREG_EINVAL (too many blocks). */
partreg_status partreg_layout_add(partreg_layout *lay, const char *name, partreg_param_kind kind,
                                  size_t size, const size_t *column, const size_t *cut);
/* Append a block of one coefficient per design column 0..p-1. */
partreg_status partreg_layout_add_columns(partreg_layout *lay, const char *name,
                                          partreg_param_kind kind, size_t p);
/* Append a block of one entry per cut 0..J-2. */
partreg_status partreg_layout_add_cuts(partreg_layout *lay, const char *name,
                                       partreg_param_kind kind, size_t J);
void partreg_layout_free(partreg_layout *lay);

/* The intercept screening found: a kept constant column of a model without
 * thresholds (has = 0 when there is none). */
typedef struct partreg_intercept {
    int has;
    size_t column;
    double value;
} partreg_intercept;

/* What validation sums over the outcome: the weight of each outcome code
 * (W[0..J), NULL when there are fewer rows than codes) and in all. */
typedef struct partreg_outcome_totals {
    const double *W;
    double sum_w;
} partreg_outcome_totals;

/* Model traits, as bits of partreg_model_ops.traits. */
enum {
    /* Ordered cut points play the intercept's role: constant design
     * columns are dropped, and the outcome's J - 1 cumulative splits are
     * the model's (what the Brant test compares). */
    PARTREG_TRAIT_THRESHOLDS = 1u << 0,
    /* The objective can accumulate the expected (Fisher) information
     * (PARTREG_ORDER_EXPECTED) as well as the observed one. */
    PARTREG_TRAIT_EXPECTED_INFO = 1u << 1,
    /* The model's cumulative probabilities may cross at some rows (a
     * negative category probability), as with cut-specific slopes: the fit
     * counts the rows where they do (partreg_fit_n_crossing_rows). */
    PARTREG_TRAIT_MAY_CROSS = 1u << 2
};

typedef struct partreg_model_ops partreg_model_ops;
typedef struct partreg_model partreg_model;

/* What a model specification holds (the public partreg_model_spec): the
 * table and the settings its init reads. Settings are appended; a
 * zero-initialised tail means none (the plain model of the family). */
struct partreg_model_spec {
    const partreg_model_ops *ops;
    partreg_link link;
    partreg_penalty penalty; /* a penalty on the log-likelihood (penalty.c) */
    int flic;                /* Firth fit with the FLIC intercept */
    /* Columns whose slope differs by cut (nominal effects), and columns
     * of the log-scale predictor with, per entry, whether the column
     * enters the scale only (not the location); malloc'd, freed by
     * partreg_model_spec_free. */
    size_t *nominal;
    size_t n_nominal;
    size_t *scale;
    unsigned char *scale_only;
    size_t n_scale;
    /* Random intercepts (random_intercept.h; owned, NULL: none). */
    struct partreg_ri_spec *ri;
};

/* A deep copy of spec into *out (free with partreg_model_spec_free).
 * PARTREG_OK or PARTREG_ENOMEM (*out = NULL). */
partreg_status partreg_model_spec_copy(const partreg_model_spec *spec, partreg_model_spec **out);

/* Make a specification use a table of one's own (a model that is not a
 * public family, such as the test suite's). */
void partreg_model_spec_set_ops(partreg_model_spec *spec, const partreg_model_ops *ops);

/* A model bound to a problem. Made by partreg_model_init, released by
 * partreg_model_release. */
struct partreg_model {
    const partreg_model_ops *ops;
    partreg_link link;
    size_t n;        /* rows of the problem */
    size_t p;        /* design columns */
    size_t J;        /* outcome codes (2 for a binary outcome) */
    size_t nout;     /* outcomes a prediction gives: 1 (the event) or J (each level) */
    partreg_layout layout;
    void *state;     /* the model's own settings (ops->release frees it) */
    partreg_penalty penalty; /* from the specification: the objective is penalised */
    int flic;        /* from the specification: FLIC intercept after a Firth fit */
    /* Screening groups (p entries, NULL: one group): the collinearity
     * check regresses a column on the earlier kept columns of its own
     * group only, for columns that enter different parts of the model
     * (a scale-only column may be a function of location columns).
     * Owned by the model's state. */
    const unsigned char *screen_group;
};

/* The table of operations. Every function is reentrant; the const model
 * may be read from several threads at once. */
struct partreg_model_ops {
    const char *name;   /* short name, e.g. "cumulative" */
    const char *title;  /* for reports: "Ordinal (cumulative-link)" */
    /* For the HTML report (UTF-8, HTML): the model's equation and the sign
     * of its coefficients; what exp(coefficient) means under the logit
     * link. */
    const char *html_equation;
    const char *html_odds_ratio;
    partreg_family family; /* the family reported (partreg_fit_family) */
    unsigned traits;       /* PARTREG_TRAIT_* bits */

    /* Check the link and settings for n rows and p design columns
     * (m->link, m->n and m->p are set; m->J is the data's number of
     * outcome levels, which the model may fix, e.g. to 2), and fill
     * m->nout, m->layout and m->state. Sizes are checked before anything
     * is allocated for them (a caller's n_levels may be absurd). On an error the message names the problem; m->layout and
     * m->state may be partly filled (release frees them). */
    partreg_status (*init)(partreg_model *m, const partreg_model_spec *spec, partreg_error *err);
    /* Free m->state (may be NULL: nothing to do). */
    void (*release)(partreg_model *m);

    /* Whether the outcome's classes allow a fit, from the weight of each
     * code (tot->W, never NULL here). level_names may be NULL. */
    partreg_status (*check_outcome)(const partreg_model *m, const partreg_outcome_totals *tot,
                                    const char *const *level_names, partreg_error *err);

    /* Start values for the free parameters (d->pk kept columns) into
     * theta: feasible, and the null model's maximum where it has a closed
     * form. */
    void (*start)(const partreg_model *m, const partreg_design *d,
                  const partreg_outcome_totals *tot, const partreg_intercept *ic,
                  double *theta);

    /* The null model (binary: intercept only; cumulative: thresholds
     * only) on the same rows: its log-likelihood, and its number of
     * parameters in *k_null. */
    double (*null_loglik)(const partreg_model *m, const partreg_outcome_totals *tot,
                          const partreg_intercept *ic, size_t *k_null);

    /* The log-likelihood over the free parameters, as a block-accumulated
     * objective over the rows of d (objective.h). d must outlive obj. */
    void (*objective)(const partreg_model *m, const partreg_design *d, partreg_objective *obj);

    /* Prediction at one design row x (all p columns; entries of dropped
     * columns are ignored) and the full parameter vector par (K entries;
     * those of dropped columns are 0):
     *   dx == NULL: out[o] += w P_o (o < m->nout), and, when dout is not
     *               NULL, dout[o K + j] += w dP_o / dpar_j;
     *   dx != NULL: the same for the derivative of P_o along dx,
     *               D_o = sum_c dP_o/dx_c dx_c, and dD_o / dpar_j.
     * scratch holds predict_scratch(m) doubles. Margins, predictions,
     * diagnostics and reports consume this one function. */
    size_t (*predict_scratch)(const partreg_model *m);
    void (*predict)(const partreg_model *m, const double *par, const double *x, const double *dx,
                    double w, double *out, double *dout, double *scratch);

    /* Optional (NULL: not offered), for a model whose predictions depend
     * on the design row only through the linear predictor
     * eta = sum_{c < p} par[c] x_c (the first p parameters multiply the
     * columns; the others do not touch x): at row x, the derivative of
     * each outcome's probability in eta, a_o = dP_o/deta, and its gradient
     * over the parameters,
     *   out[o] += w a_o (o < m->nout), and, when dout is not NULL,
     *   dout[o K + j] += w da_o / dpar_j,
     * with scratch as for predict. predict along any direction dx then
     * follows with g = sum_c par[c] dx_c: D_o = a_o g and
     * dD_o/dpar_j = g da_o/dpar_j + a_o dx_j (the last for j < p only), so
     * margins evaluate the link once a row for every numeric variable and
     * sum one nout x K block a row for all the variables that enter
     * linearly (lib/inference/margins.c). It must equal predict's results
     * so to rounding. */
    void (*predict_index)(const partreg_model *m, const double *par, const double *x, double w,
                          double *out, double *dout, double *scratch);

    /* Optional (NULL: not offered): the J - 1 cumulative probabilities
     * P(Y <= j) at row x into cum. */
    void (*cumulative)(const partreg_model *m, const double *par, const double *x, double *cum);

    /* Optional, for PARTREG_TRAIT_MAY_CROSS models (NULL: predict is
     * asked): 1 if some category probability at row x is negative (the
     * cumulative probabilities cross), without evaluating the link. */
    int (*crosses)(const partreg_model *m, const double *par, const double *x);
    /* Optional (NULL: the solver starts from `start`). A model fitted in
     * stages (a random intercept starts from the model without it):
     * before the solver, on its objective obj (the fit's threads on
     * obj->team) with the solver settings opt, the model checks the data
     * against its own settings, fits what it needs and moves the start
     * theta (k free entries) to better values. *settled = 1 says that
     * theta is already the estimate and lies where the solver cannot step
     * (a variance estimated at 0): the fit then evaluates the objective
     * there once instead of solving. PARTREG_ESEPARATION: the simpler
     * model's estimates run off to infinity; theta holds its last iterate
     * and step (k entries) its last Newton step, whose large entries name
     * the diverging parameters, and the fit reports separation as for its
     * own solver. Any other error ends the fit with err's message. */
    partreg_status (*prepare)(partreg_model *m, const partreg_objective *obj,
                              const partreg_fit_options *opt, double *theta,
                              double *step, int *settled, partreg_error *err);
    /* Optional (NULL: nothing to do): after the solver, at the estimate
     * theta (free entries) on the objective obj, what the model's own
     * results need (a random intercept's conditional modes). PARTREG_OK,
     * or an error with err's message. */
    partreg_status (*conclude)(partreg_model *m, const partreg_objective *obj,
                               const double *theta, partreg_error *err);
};

/* Bind the specification's table to a problem: n rows, p columns, J
 * outcome levels. On failure the model is released and the error says
 * why. */
partreg_status partreg_model_init(partreg_model *m, const partreg_model_spec *spec, size_t n,
                                  size_t p, size_t J, partreg_error *err);
void partreg_model_release(partreg_model *m);

/* The built-in tables (static storage). */
const partreg_model_ops *partreg_model_binary(void);
const partreg_model_ops *partreg_model_cumulative(void);

/* Whether the model has thresholds and its parameters are one slope per
 * column and the thresholds, nothing else: the proportional-odds shape
 * that the Brant test and the parallel-lines checks compare against. */
int partreg_model_is_parallel_cumulative(const partreg_model *m);

/* The built-in table that serves a family (NULL for an unknown value). */
const partreg_model_ops *partreg_model_for_family(partreg_family family);


#endif
