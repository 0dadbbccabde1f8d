/* The analysis object behind partreg_analysis (analysis.c) as the report
 * writers read it. Private to lib/. */
#ifndef PARTREG_REPORT_ANALYSIS_INTERNAL_H
#define PARTREG_REPORT_ANALYSIS_INTERNAL_H

#include <stdint.h>

#include "partreg_analysis.h"

/* A D1 joint Wald test of one variable's coefficients pooled over
 * imputations (pool.c). */
typedef struct partreg_d1_test {
    char *variable;
    double F, df1, df2, p_value, riv;
} partreg_d1_test;

struct partreg_d1_table {
    size_t n;
    partreg_d1_test *items;
};

/* The kind of test of all slopes a report shows in place of the LR test. */
typedef enum report_model_test {
    REPORT_TEST_DESIGN_F, /* a design's adjusted Wald F */
    REPORT_TEST_CHI2,     /* Wald chi-square under a robust covariance */
    REPORT_TEST_NAIVE_F,  /* chi2 / q on (q, G - 1): --cluster-df */
    REPORT_TEST_HTZ,      /* clubSandwich's HTZ F under CR2 */
    REPORT_TEST_D1        /* D1 over imputations */
} report_model_test;

struct partreg_analysis {
    char *formula_text;
    char *source;            /* file or table name */
    partreg_link link;
    partreg_vcov_type vcov;
    partreg_ci_method ci;
    double conf_level;
    int cluster_df;          /* --cluster-df: t(G - 1) */
    int csv_readings;        /* a file read in blocks: times the CSV file was parsed
                              * (1: the design written while it was surveyed) */
    partreg_table *own_table;
    partreg_formula *formula;
    partreg_frame *frame;
    partreg_fit *fit;
    partreg_status fit_status;   /* OK, ENOTCONVERGED or ESEPARATION */
    char fit_message[PARTREG_ERROR_MESSAGE_SIZE];
    double *conf_low, *conf_high; /* full index (coefficients then thresholds) */
    partreg_margins *margins;     /* AME */
    partreg_margins *margins_mem; /* at means */
    partreg_margins *margins_at;  /* predictions at values */
    partreg_brant *brant;
    partreg_wald_table *wald;
    int has_diagnostics;
    partreg_binary_diagnostics diagnostics;
    partreg_timing timing;
    uint64_t passes_mark;         /* the fit's rows read when the current phase began */
    partreg_survey *survey;       /* the design, or NULL */
    int has_survey_gof;           /* binary design fit: Archer-Lemeshow test */
    partreg_survey_gof survey_gof;
    /* The test that every slope is 0 in place of the LR test, under a
     * design or a robust covariance (the Wald test) or over imputations
     * (D1): model_W its chi2 (NaN for D1), on model_q df; model_F on
     * (model_q, model_df2) unless the reference is chi-square (NaN). */
    int has_model_test;
    report_model_test model_test;
    /* a cluster covariance of rank below the slopes' count (fewer
     * clusters than slopes): no test of all slopes, as Stata's "Wald
     * chi2(.)"; the reason, for the report */
    char model_test_absent[160];
    double model_W, model_q, model_F, model_df2, model_p;
    /* margins options (analysis_margins.c) */
    partreg_prob_ci prob_ci;
    int contrast_type;            /* 1 + partreg_contrast_type, 0 none */
    partreg_at_grid *at_grid;     /* the --at grid behind margins_at, or NULL */
    partreg_margins *contrasts;   /* --contrast, or NULL */
    partreg_margins *profile;     /* --profile, or NULL */
    partreg_at_grid *profile_grid;
    char *profile_var;
    char *over_name;              /* --over column, or NULL */
    size_t *over_group;           /* frame rows' groups (PARTREG_NO_GROUP: missing) */
    size_t n_over;                /* groups */
    char **over_labels;           /* n_over labels "name=value" */
    size_t over_missing;          /* rows in no group */
    /* --standardize: K entries and sd(y*), or NULL */
    partreg_standardized *standardized;
    double sd_latent;
    /* why --brant gave no test (the report says so), or "" */
    char brant_absent[PARTREG_ERROR_MESSAGE_SIZE];
    /* what the Brant test assumes that the covariance in force does not, or "" */
    char brant_note[PARTREG_ERROR_MESSAGE_SIZE];
    /* multiple imputation (pool.c): m > 0 imputations pooled into fit and
     * the margins; riv and fmi by full parameter index (K); the D1 tests */
    size_t imputations;
    double *riv, *fmi;
    double fmi_max;
    struct partreg_d1_table *d1;
    partreg_variable_tests *autofit;       /* the autofit steps, or NULL */
    double autofit_alpha;
    partreg_variable_tests *nominal_test;  /* LR tests of nominal effects, or NULL */
    partreg_variable_tests *scale_test;    /* LR tests of scale effects, or NULL */
    partreg_variable_tests *parallel_test; /* equal slopes in the all-nominal model, or NULL */
    int has_gof;                           /* ordinal goodness of fit computed */
    partreg_ordinal_gof gof;
    /* A file read in blocks (analysis_stream.c): the design file or the
     * arrays of this process's rows the fit reads, owned here. */
    struct partreg_design_file *design_file;
    double *rows_X, *rows_y, *rows_w;
    size_t *rows_cluster;
    size_t streamed_fractional;   /* weights that are not whole numbers */
    int streamed;                 /* read in blocks (out of core, or a share) */
    int streamed_weighted;        /* the rows carry weights (the frame holds none) */
    int processes;                /* of a distributed analysis (0: one) */
    int diagnostics_left_out;     /* asked for, not computed (rows not in memory) */
    /* a survey design over rows read in blocks (analysis_stream.c): what
     * this process collected of its rows for the design variance */
    struct partreg_stream_design *stream_design;
    /* a random intercept over MPI: this process's rows sorted by group
     * (the fit's), and its rows in file order (the model without the
     * random intercept's) */
    double *sorted_X, *sorted_y, *sorted_w;
    struct partreg_rows *base_rows;
};

/* The options that only a random-intercept model reads, and those it
 * refuses, against the formula (a->frame). */
partreg_status partreg_analysis_check_groups(const partreg_analysis *a,
                                             const partreg_analysis_spec *s, partreg_error *err);

/* Free what analysis_stream.c collected for a design (NULL: nothing). */
void partreg_stream_design_free(struct partreg_stream_design *d);
/* The linearised design covariance of a fit over rows read in blocks
 * (collective in a distributed analysis). */
partreg_status partreg_stream_design_vcov(struct partreg_stream_design *d, partreg_fit *fit,
                                          partreg_error *err);


/* The over column of the data as each table row's group (analysis_margins.c):
 * *codes gets n_rows entries (PARTREG_NO_GROUP: missing), a->over_labels and
 * a->n_over the groups in order (numbers ascending, levels in the table's
 * order when it has one, else byte order). */
partreg_status partreg_analysis_over_read(partreg_analysis *a, const partreg_table *t,
                                          const char *name, size_t **codes,
                                          partreg_error *err);
/* Map the table rows' groups to the frame's rows. */
partreg_status partreg_analysis_over_map(partreg_analysis *a, const size_t *codes,
                                         partreg_error *err);
/* The margins asked for by spec (predictions, AME by group, contrasts,
 * profile, standardized coefficients); the fit is usable. */
partreg_status partreg_analysis_margins_run(partreg_analysis *a, const partreg_analysis_spec *s,
                                            partreg_error *err);
/* The marginsplot as SVG (svg_marginsplot.c): a standalone document with
 * its XML declaration, or (standalone 0) an <svg> element to embed. */
partreg_status partreg_marginsplot_svg(const partreg_analysis *a, FILE *out, int standalone,
                                       partreg_error *err);
/* Free what analysis_margins.c made. */
void partreg_analysis_margins_free(partreg_analysis *a);

/* Pool the analyses parts[0..m) of the m completed data sets into parts[0]
 * (pool.c); the others are freed. */
partreg_status partreg_analysis_pool(partreg_analysis **parts, size_t m, partreg_error *err);
void partreg_d1_table_free(struct partreg_d1_table *t);

/* Put the covariance the spec asks for in force on fit (made from the
 * analysis' frame). analysis.c. */
partreg_status partreg_analysis_set_vcov(const partreg_analysis *a, const partreg_analysis_spec *s,
                                         partreg_fit *fit, partreg_error *err);

/* Fit the model the spec describes on the frame's data d into a->fit:
 * the family's model, with nominal and scale effects, or the model
 * --autofit chooses (analysis_ordinal.c). Returns the fit's status with
 * a->fit set (OK, ENOTCONVERGED, ESEPARATION), or another error with
 * a->fit NULL. */
partreg_status partreg_analysis_fit_model(partreg_analysis *a, const partreg_analysis_spec *s,
                                          const partreg_data *d, partreg_error *err);

/* The random intercept of the frame's (1 | G) term on the model
 * specification ms, with the spec's quadrature and predictions; nothing
 * when the formula has none (analysis.c). */
partreg_status partreg_analysis_set_groups(const partreg_analysis *a,
                                          const partreg_analysis_spec *s,
                                          partreg_model_spec *ms, partreg_error *err);

/* The ordinal tests the spec asks for on a->fit (analysis_ordinal.c). */
partreg_status partreg_analysis_ordinal_tests(partreg_analysis *a, const partreg_analysis_spec *s,
                                              partreg_error *err);
/* analysis_stream.c: the analysis of a CSV file read in blocks, out of
 * core or as this process's share of a distributed fit (spec->fit.comm).
 * a is started (start() in analysis.c); the steps after reading are the
 * same as in memory, with what cannot be computed from rows on disk
 * refused with a reason. */
partreg_status partreg_analysis_stream(partreg_analysis *a, const char *path,
                                       const partreg_analysis_spec *spec, double t0,
                                       partreg_error *err);

/* Whether reading `path` in memory would need more than spec->memory (or
 * the default budget); sets *streamed. */
void partreg_analysis_choose_stream(const char *path, const partreg_analysis_spec *spec,
                                    int *streamed);

#endif
