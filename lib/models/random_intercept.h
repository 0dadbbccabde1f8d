/* Community random intercepts as a model table wrapping the binary or
 * cumulative-link model (random_intercept.c, ri_objective.c,
 * ri_predict.c). Private to lib/. */
#ifndef PARTREG_MODELS_RANDOM_INTERCEPT_H
#define PARTREG_MODELS_RANDOM_INTERCEPT_H

#include <stddef.h>

#include "models/model.h"

/* Quadrature points by default (R's glmer/clmm default is 1, Laplace; the
 * contract's is 15). */
#define PARTREG_RI_DEFAULT_NAGQ 15
/* The non-adaptive rules that integrate predictions over u ~ N(0,
 * sigma^2): how many, and their points (ri_predict.c picks one by sigma). */
#define PARTREG_RI_PREDICT_RULES 4
#define PARTREG_RI_PREDICT_POINTS {20, 40, 60, 100}

/* What a specification's random-intercept setters record (owned by the
 * specification; partreg_model_spec_free releases it). */
typedef struct partreg_ri_spec {
    const partreg_model_ops *base; /* the table the random intercept wraps */
    size_t n;                      /* rows */
    size_t *group;                 /* n group codes 0..n_groups-1 (NULL until set) */
    size_t n_groups;
    char **labels;                 /* n_groups labels, or NULL */
    char *name;                    /* the grouping column's name, or NULL */
    int nagq;                      /* quadrature points, 0: PARTREG_RI_DEFAULT_NAGQ */
    int conditional;               /* predictions at u = 0 instead of averaged over u */
} partreg_ri_spec;

void partreg_ri_spec_free(partreg_ri_spec *ri);
/* A deep copy (NULL on ENOMEM; a NULL ri copies to NULL with *ok kept). */
partreg_ri_spec *partreg_ri_spec_copy(const partreg_ri_spec *ri, int *ok);

/* The table for a base table (binary or cumulative), or NULL for a base
 * that random intercepts do not wrap. */
const partreg_model_ops *partreg_model_random_intercept(const partreg_model_ops *base);

/* The model's state (partreg_model.state of a random-intercept model). */
typedef struct partreg_ri_state {
    partreg_model base;  /* the wrapped model bound to the same p and J */
    int cumulative;      /* 1: thresholds, s = -1; 0: binary, s = +1 */
    size_t nthr;         /* thresholds in the parameter vector (J - 1 or 0) */
    size_t Q;            /* quadrature points */
    double *x, *w;       /* Q nodes and weights (standard normal rule) */
    /* the prediction rules: pq[r] points px[r], pw[r] */
    size_t pq[PARTREG_RI_PREDICT_RULES];
    double *px[PARTREG_RI_PREDICT_RULES], *pw[PARTREG_RI_PREDICT_RULES];
    int conditional;     /* predictions at u = 0 */
    size_t n, G;         /* rows, groups */
    size_t *order;       /* n: the data row at each objective row (rows sorted by group) */
    size_t *start;       /* G + 1: each group's first objective row; start[G] = n */
    size_t *code;        /* n: the group of each data row */
    size_t max_rows;     /* rows of the largest group */
    char **labels;       /* G labels (NULL: "1".."G") */
    char *name;          /* grouping column, or NULL */
    /* results of the fit (prepare and conclude) */
    double fixed_loglik; /* the model without the random intercept, maximised */
    int boundary;        /* sigma estimated at 0 */
    int fitted;          /* conclude ran */
    double *mode;        /* G conditional modes at the estimate */
    double *mode_se;     /* G conditional standard errors 1 / sqrt(-k''(mode)) */
    double *group_n;     /* G rows (sum of weights) of each group */
} partreg_ri_state;

/* The objective of a random-intercept model over design d (d->model is
 * the random-intercept model). */
void partreg_ri_objective(const partreg_model *m, const partreg_design *d,
                          partreg_objective *obj);

/* The conditional mode and its standard error of every group at the free
 * parameters theta into mode[G] and se[G]: PARTREG_OK, PARTREG_ENOMEM or
 * PARTREG_ENUMERIC (a mode that could not be found). */
partreg_status partreg_ri_modes(const partreg_model *m, const partreg_design *d,
                                 const double *theta, double *mode, double *se);

/* Per group (each a score of the variance at sigma = 0): sum over groups
 * of h_g'(0)^2 + h_g''(0) at the free base parameters theta (slopes and
 * thresholds, without log sigma), where h_g(u)
 * is the group's log-likelihood with its linear predictors shifted by u,
 * and the sum of (h_g''(0))^2; the one-step estimate of sigma^2 from 0 is
 * score / info. Returns PARTREG_OK or PARTREG_ENOMEM. */
partreg_status partreg_ri_variance_score(const partreg_model *m, const partreg_design *d,
                                         const double *theta, double *score, double *info);

/* predict, predict_index and cumulative of the random-intercept tables
 * (ri_predict.c). */
size_t partreg_ri_predict_scratch(const partreg_model *m);
void partreg_ri_predict(const partreg_model *m, const double *par, const double *x,
                        const double *dx, double w, double *out, double *dout, double *scratch);
void partreg_ri_predict_index(const partreg_model *m, const double *par, const double *x,
                              double w, double *out, double *dout, double *scratch);
void partreg_ri_cumulative(const partreg_model *m, const double *par, const double *x,
                           double *cum);

#endif
