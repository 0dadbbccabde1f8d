/* The fitted-model object behind the opaque partreg_fit handle, shared by
 * the models and inference layers. Private to lib/. */
#ifndef PARTREG_MODELS_FIT_INTERNAL_H
#define PARTREG_MODELS_FIT_INTERNAL_H

#include "partreg.h"
#include "models/collinear.h"
#include "models/design.h"
#include "models/objective.h"

struct partreg_fit {
    partreg_family family;
    partreg_link link;
    size_t n;          /* rows */
    size_t p;          /* design columns */
    size_t J;          /* outcome levels (2 for binary) */
    size_t pk;         /* kept columns */
    size_t k;          /* free parameters = pk + (J-1 for ordinal) */
    size_t *kept;      /* pk kept column indices (ascending) */
    unsigned char *dropped; /* p flags */
    int has_intercept; /* binary: a kept constant column */
    size_t intercept_col;   /* its column index */
    double intercept_value; /* and its constant value */
    partreg_screen_offset offset; /* the column farthest from the origin (collinear.h) */
    double sum_w;

    gsl_vector *coef;        /* p, 0 for dropped */
    gsl_vector *thresholds;  /* J-1, NULL for binary */
    gsl_vector *theta;       /* k free parameters (kept coefs then thresholds) */
    gsl_matrix *info;        /* k x k information at the estimate (observed or expected) */
    gsl_matrix *bread;       /* k x k inverse information (model covariance of free params), NaN when singular */
    gsl_matrix *vcov;        /* (p + J - 1)^2 covariance in force, full index */
    partreg_vcov_type vcov_type;
    size_t n_clusters;       /* for cluster vcov */

    double loglik, null_loglik, max_grad;
    int iterations, converged, separated, singular;
    int passes;         /* over the design: screening + solver accumulations */
    double data_passes; /* the same, subsample passes as the fraction they read */
    partreg_stop_reason stop;
    unsigned char *diverges; /* p + J - 1 flags */

    char **column_names;     /* p copies */
    char **level_names;      /* J copies */
    char **warnings;
    size_t n_warnings;
    partreg_fit_options opt;
};

/* Full index (coefficients then thresholds) of free parameter f, and back. */
size_t partreg_fit_full_index(const partreg_fit *fit, size_t f);
/* Free index of full index j, or (size_t)-1 for a dropped coefficient. */
size_t partreg_fit_free_index(const partreg_fit *fit, size_t j);

/* The design view of `data` restricted to the fit's kept columns (no
 * allocation: cols points into the fit). */
void partreg_fit_design(const partreg_fit *fit, const partreg_data *data, partreg_design *d);

/* The objective of the fit's family over design d. */
void partreg_fit_objective(const partreg_fit *fit, const partreg_design *d,
                           partreg_objective *obj);

/* Append a formatted warning; returns PARTREG_ENOMEM on failure. */
partreg_status partreg_fit_add_warning(partreg_fit *fit, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Name of full parameter j ("k5", "Low|Medium") into buf. */
const char *partreg_fit_param_name(const partreg_fit *fit, size_t j, char *buf, size_t size);

/* Replace the covariance in force by the k x k free-parameter matrix V
 * (embedded into the full index, zeros for dropped coefficients). */
void partreg_fit_install_vcov(partreg_fit *fit, const double *V, partreg_vcov_type type);

#endif
