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
    /* rows already sorted by group (stably), in place of group: group g is
     * rows [start[g], start[g + 1]), n_groups + 1 entries (NULL: not) */
    size_t *start;
    /* with start: the same rows in the data's own order (borrowed, may be
     * NULL), over which the model without the random intercept is fitted
     * (the start and the likelihood-ratio test's null), as in memory */
    struct partreg_rows *base_rows;
} partreg_ri_spec;

/* Groups of rows already sorted by group: group g is rows [start[g],
 * start[g + 1]) of the n rows (start[0] = 0, ascending, start[n_groups] =
 * n), as the distributed fits give them (their rows are redistributed so,
 * docs/scaling.md). Otherwise as partreg_model_spec_set_groups. */
partreg_status partreg_model_spec_set_sorted_groups(partreg_model_spec *spec, size_t n,
                                                    const size_t *start, size_t n_groups,
                                                    const char *const *labels, const char *name,
                                                    struct partreg_rows *base_rows,
                                                    partreg_error *err);

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
    size_t *order;       /* n: the data row at each objective row (rows sorted by group);
                          * NULL when the data rows are sorted (objective row = data row) */
    size_t *start;       /* G + 1: each group's first objective row; start[G] = n */
    size_t *code;        /* n: the group of each data row (NULL when sorted) */
    size_t block_rows;   /* the fit's block (prepare): the passes over rows' segments */
    struct partreg_rows *base_rows; /* the rows in the data's order, or NULL (borrowed) */
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

/* What partreg_ri_group_values gives of each group, two doubles a group:
 * MODE its conditional mode and standard error at the free parameters
 * (PARTREG_ENUMERIC, with NaN, when a mode is not found); SCORE h_g'(0)^2 +
 * h_g''(0) and h_g''(0)^2 at the base parameters (see
 * partreg_ri_variance_score); CHECK the number of its rows of positive
 * weight, plus 0.5 when their outcomes differ, and their weight; WEIGHT
 * the sum of the weights of its rows. */
typedef enum partreg_ri_value {
    PARTREG_RI_MODE,
    PARTREG_RI_SCORE,
    PARTREG_RI_CHECK,
    PARTREG_RI_WEIGHT
} partreg_ri_value;

/* The values of groups [g0, g1), whose rows design d holds (its rows are
 * the objective rows from d->row0 on), into out (2 (g1 - g0) doubles).
 * Each group's values depend on its rows alone: the same bits whichever
 * design or process holds them. PARTREG_OK, PARTREG_ENOMEM,
 * PARTREG_ENUMERIC (MODE). */
partreg_status partreg_ri_group_values(const partreg_model *m, const partreg_design *d,
                                       const double *theta, partreg_ri_value what, size_t g0,
                                       size_t g1, double *out);

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
