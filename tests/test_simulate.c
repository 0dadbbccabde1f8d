/* The participation-survey simulator and the table CSV writer: determinism
 * (same seed, same table; different seeds differ), sizes, levels and
 * community layout, every error status, the golden file that would show a
 * platform difference, exact CSV round trip, quoting, and recovery of the
 * documented (population-averaged) truth by fits on a large sample with
 * cluster-robust standard errors. */
#define _POSIX_C_SOURCE 200809L /* mkstemp */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/table_internal.h"
#include "partreg.h"
#include "partreg_formula.h"
#include "partreg_simulate.h"
#include "partreg_table.h"
#include "testutil.h"

static partreg_table *sim(size_t n, size_t communities, unsigned long seed)
{
    partreg_sim_options o = partreg_sim_options_default();
    partreg_table *t = NULL;
    partreg_error err;
    o.n = n;
    o.communities = communities;
    o.seed = seed;
    partreg_status st = partreg_simulate(&o, &t, &err);
    if (st)
        print_error("%s\n", err.message);
    assert_int_equal(st, PARTREG_OK);
    assert_non_null(t);
    return t;
}

/* 1 if the two tables have the same columns, levels and cells (bitwise;
 * NaN equals NaN). */
static int tables_equal(const partreg_table *a, const partreg_table *b)
{
    size_t n = partreg_table_n_rows(a), m = partreg_table_n_columns(a), i, j;
    if (n != partreg_table_n_rows(b) || m != partreg_table_n_columns(b))
        return 0;
    for (j = 0; j < m; j++) {
        if (strcmp(partreg_table_column_name(a, j), partreg_table_column_name(b, j)) != 0 ||
            partreg_table_column_type(a, j) != partreg_table_column_type(b, j))
            return 0;
        if (partreg_table_column_type(a, j) == PARTREG_COLUMN_NUMERIC) {
            const double *x = partreg_table_numeric(a, j), *y = partreg_table_numeric(b, j);
            for (i = 0; i < n; i++)
                if (!(x[i] == y[i] || (isnan(x[i]) && isnan(y[i]))))
                    return 0;
        } else {
            const int *x = partreg_table_codes(a, j), *y = partreg_table_codes(b, j);
            for (i = 0; i < n; i++) {
                const char *la = x[i] < 0 ? "" : partreg_table_level_name(a, j, (size_t)x[i]);
                const char *lb = y[i] < 0 ? "" : partreg_table_level_name(b, j, (size_t)y[i]);
                if ((x[i] < 0) != (y[i] < 0) || strcmp(la, lb) != 0)
                    return 0;
            }
        }
    }
    return 1;
}

static size_t column(const partreg_table *t, const char *name)
{
    size_t j;
    assert_int_equal(partreg_table_find_column(t, name, &j, NULL), PARTREG_OK);
    return j;
}

static void test_deterministic(void **state)
{
    (void)state;
    partreg_table *a = sim(500, 10, 4242), *b = sim(500, 10, 4242), *c = sim(500, 10, 4243);
    assert_true(tables_equal(a, b));
    assert_false(tables_equal(a, c));
    /* NULL options are the defaults */
    {
        partreg_table *d = NULL, *e = sim(2000, 40, 20261126);
        assert_int_equal(partreg_simulate(NULL, &d, NULL), PARTREG_OK);
        assert_true(tables_equal(d, e));
        partreg_table_free(d);
        partreg_table_free(e);
    }
    /* changing n keeps the communities' draws (they come first), so the
     * first resident, drawn next, is the same person */
    {
        partreg_table *s1 = sim(100, 4, 77), *s2 = sim(200, 4, 77);
        size_t j;
        assert_false(tables_equal(s1, s2));
        for (j = 0; j < partreg_table_n_columns(s1); j++) {
            const double *x1 = partreg_table_numeric(s1, j), *x2 = partreg_table_numeric(s2, j);
            const int *c1 = partreg_table_codes(s1, j), *c2 = partreg_table_codes(s2, j);
            if (x1)
                assert_true(x1[0] == x2[0]);
            else
                assert_int_equal(c1[0], c2[0]);
        }
        partreg_table_free(s1);
        partreg_table_free(s2);
    }
    partreg_table_free(a);
    partreg_table_free(b);
    partreg_table_free(c);
}

static void test_sizes_and_levels(void **state)
{
    (void)state;
    static const char *const names[10] = {"community", "social_capital", "age", "education",
                                          "income", "insured", "gender", "participated",
                                          "willingness", "participation_type"};
    partreg_table *t = sim(1003, 10, 99);
    size_t j, i, counts[10] = {0};
    assert_int_equal(partreg_table_n_rows(t), 1003);
    assert_int_equal(partreg_table_n_columns(t), 10);
    for (j = 0; j < 10; j++)
        assert_string_equal(partreg_table_column_name(t, j), names[j]);
    /* communities 1..10 in order, sizes 101 (first 3) and 100 */
    const double *comm = partreg_table_numeric(t, column(t, "community"));
    for (i = 0; i < 1003; i++) {
        assert_true(comm[i] >= 1 && comm[i] <= 10);
        if (i)
            assert_true(comm[i] >= comm[i - 1]);
        counts[(size_t)comm[i] - 1]++;
    }
    for (j = 0; j < 10; j++)
        assert_int_equal(counts[j], j < 3 ? 101 : 100);
    /* ranges and rounding */
    const double *age = partreg_table_numeric(t, column(t, "age"));
    const double *inc = partreg_table_numeric(t, column(t, "income"));
    const double *sc = partreg_table_numeric(t, column(t, "social_capital"));
    const double *will = partreg_table_numeric(t, column(t, "willingness"));
    for (i = 0; i < 1003; i++) {
        assert_true(age[i] >= 18 && age[i] <= 85 && age[i] == floor(age[i]));
        assert_true(inc[i] > 0 && fabs(inc[i] * 100 - round(inc[i] * 100)) < 1e-6);
        assert_true(fabs(sc[i] * 1e4 - round(sc[i] * 1e4)) < 1e-6);
        assert_true(will[i] >= 1 && will[i] <= 5 && will[i] == floor(will[i]));
    }
    /* levels in natural order, all present */
    {
        size_t je = column(t, "education"), jt = column(t, "participation_type");
        assert_int_equal(partreg_table_n_levels(t, je), 3);
        assert_string_equal(partreg_table_level_name(t, je, 0), "primary");
        assert_string_equal(partreg_table_level_name(t, je, 2), "tertiary");
        assert_true(partreg_table_levels_ordered(t, je));
        assert_int_equal(partreg_table_n_levels(t, jt), 3);
        assert_string_equal(partreg_table_level_name(t, jt, 0), "passive");
        assert_string_equal(partreg_table_level_name(t, jt, 1), "cooperative");
        assert_string_equal(partreg_table_level_name(t, jt, 2), "autonomous");
        assert_true(partreg_table_levels_ordered(t, jt));
        assert_string_equal(partreg_table_level_name(t, column(t, "participated"), 1), "yes");
        assert_string_equal(partreg_table_level_name(t, column(t, "gender"), 1), "male");
        assert_string_equal(partreg_table_level_name(t, column(t, "insured"), 0), "no");
    }
    /* every outcome level occurs; no missing codes */
    for (j = 0; j < 10; j++) {
        const int *codes = partreg_table_codes(t, j);
        size_t seen[3] = {0};
        if (!codes)
            continue;
        for (i = 0; i < 1003; i++) {
            assert_true(codes[i] >= 0 && (size_t)codes[i] < partreg_table_n_levels(t, j));
            seen[codes[i]]++;
        }
        for (i = 0; i < partreg_table_n_levels(t, j); i++)
            assert_true(seen[i] > 0);
    }
    partreg_table_free(t);

    /* one community, and as many communities as residents */
    t = sim(7, 1, 5);
    assert_int_equal(partreg_table_n_rows(t), 7);
    partreg_table_free(t);
    t = sim(7, 7, 5);
    comm = partreg_table_numeric(t, 0);
    for (i = 0; i < 7; i++)
        assert_true(comm[i] == (double)(i + 1));
    partreg_table_free(t);
}

static void expect_invalid(const partreg_sim_options *o, const char *want)
{
    partreg_table *t = (partreg_table *)&t;
    partreg_error err;
    assert_int_equal(partreg_simulate(o, &t, &err), PARTREG_EINVAL);
    assert_null(t);
    assert_int_equal(err.status, PARTREG_EINVAL);
    assert_contains(err.message, want);
    /* the truth writer validates the same way */
    assert_int_equal(partreg_sim_truth_write(o, stdout, &err), PARTREG_EINVAL);
}

static void test_errors(void **state)
{
    (void)state;
    partreg_sim_options d = partreg_sim_options_default(), o;
    partreg_error err;
    assert_int_equal(partreg_simulate(&d, NULL, &err), PARTREG_EINVAL);
    o = d, o.n = 0;
    expect_invalid(&o, "n must be");
    o = d, o.communities = 0;
    expect_invalid(&o, "communities");
    o = d, o.n = 5, o.communities = 6;
    expect_invalid(&o, "communities");
    o = d, o.seed = 0;
    expect_invalid(&o, "seed");
    o = d, o.seed = 4294967296UL;
    if (o.seed != 0) /* unsigned long of 64 bits */
        expect_invalid(&o, "seed");
    o = d, o.truth.community_phi = 0.0;
    expect_invalid(&o, "community_phi");
    o = d, o.truth.community_phi = 1.25;
    expect_invalid(&o, "community_phi");
    o = d, o.truth.community_phi = NAN;
    expect_invalid(&o, "community_phi");
    o = d, o.truth.community_sigma = -0.1;
    expect_invalid(&o, "community_sigma");
    o = d, o.truth.willingness.threshold[2] = o.truth.willingness.threshold[1];
    expect_invalid(&o, "thresholds of willingness must increase");
    o = d, o.truth.participation_type.threshold[0] = 3.5;
    expect_invalid(&o, "thresholds of participation_type");
    o = d, o.truth.participated.slope[3] = INFINITY;
    expect_invalid(&o, "non-finite");
    o = d, o.truth.participated.intercept = NAN;
    expect_invalid(&o, "non-finite");
    o = d, o.covariates.social_capital_resident_sd = -1;
    expect_invalid(&o, "standard deviations");
    o = d, o.covariates.insured_age = NAN;
    expect_invalid(&o, "covariate parameter");
    o = d, o.covariates.edu_cut[1] = -1.0;
    expect_invalid(&o, "edu_cut");
    o = d, o.covariates.age_min = 90;
    expect_invalid(&o, "age");
    o = d, o.covariates.age_max = 151;
    expect_invalid(&o, "age");
    o = d, o.covariates.p_male = 1.5;
    expect_invalid(&o, "p_male");
    assert_int_equal(partreg_sim_truth_write(NULL, NULL, &err), PARTREG_EINVAL);
}

/* Read a whole file into a malloc'ed NUL-terminated buffer. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long sz;
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    sz = ftell(f);
    assert_true(sz >= 0);
    rewind(f);
    buf = malloc((size_t)sz + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
    buf[sz] = '\0';
    fclose(f);
    *len = (size_t)sz;
    return buf;
}

static char *temp_path(void)
{
    char *path = malloc(64);
    int fd;
    assert_non_null(path);
    strcpy(path, "/tmp/partreg-sim-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    return path;
}

/* The golden file: n = 60 in 4 communities, seed 2026, written by
 * partreg_table_write_csv(). It was produced by this library on Debian 12
 * x86-64 (GSL 2.7.1, glibc 2.36) and committed; any change of the RNG
 * stream, the order of draws, a sampler or the writer shows here, as would
 * a platform whose GSL or libm changes a stored value. Regenerate only on
 * purpose: partreg simulate --n 60 --communities 4 --seed 2026 --out FILE. */
static void test_golden(void **state)
{
    (void)state;
    partreg_table *t = sim(60, 4, 2026), *back = NULL;
    char *path = temp_path();
    size_t len_got, len_want;
    char *got, *want;
    partreg_error err;
    assert_int_equal(partreg_table_write_csv(t, path, &err), PARTREG_OK);
    got = slurp(path, &len_got);
    want = slurp(PARTREG_SOURCE_DIR "/tests/golden/simulate_n60_c4_seed2026.csv", &len_want);
    if (len_got != len_want || memcmp(got, want, len_got) != 0) {
        size_t i = 0, line = 1;
        while (i < len_got && i < len_want && got[i] == want[i])
            line += got[i++] == '\n';
        print_error("simulated CSV differs from the golden file at line %zu\n", line);
        fail();
    }
    /* reading it back restores the table exactly (types, levels, values) */
    assert_int_equal(partreg_table_read_csv(path, NULL, &back, &err), PARTREG_OK);
    assert_true(tables_equal(t, back));
    free(got);
    free(want);
    partreg_table_free(back);
    partreg_table_free(t);
    remove(path);
    free(path);
}

static void test_write_csv(void **state)
{
    (void)state;
    partreg_table *t = NULL, *back = NULL;
    double *x;
    int *codes, code;
    char *path = temp_path(), *text;
    size_t len;
    partreg_error err;
    assert_int_equal(partreg_table_create("w", 4, &t), PARTREG_OK);
    assert_int_equal(partreg_table_append_numeric(t, "x,1", 3, &x), PARTREG_OK);
    assert_int_equal(partreg_table_append_categorical(t, "g", 1, &codes), PARTREG_OK);
    x[0] = 0.1;              /* shortest round trip: 0.1 */
    x[1] = 1.0 / 3.0;        /* needs 16 digits */
    x[2] = NAN;              /* missing: empty */
    x[3] = -2.385e-300;
    assert_int_equal(partreg_table_intern_level(t, 1, "a \"b\"", 5, &code), PARTREG_OK);
    codes[0] = code;
    assert_int_equal(partreg_table_intern_level(t, 1, "c,d", 3, &code), PARTREG_OK);
    codes[1] = code;
    codes[2] = code;
    codes[3] = -1;
    assert_int_equal(partreg_table_write_csv(t, path, &err), PARTREG_OK);
    text = slurp(path, &len);
    assert_string_equal(text, "\"x,1\",g\n"
                              "0.1,\"a \"\"b\"\"\"\n"
                              "0.3333333333333333,\"c,d\"\n"
                              ",\"c,d\"\n"
                              "-2.385e-300,\n");
    free(text);
    assert_int_equal(partreg_table_read_csv(path, NULL, &back, &err), PARTREG_OK);
    assert_true(tables_equal(t, back));
    partreg_table_free(back);

    /* infinities have no CSV spelling; bad paths and arguments */
    x[1] = INFINITY;
    assert_int_equal(partreg_table_write_csv(t, path, &err), PARTREG_EDATA);
    assert_contains(err.message, "x,1");
    x[1] = 2.5;
    assert_int_equal(partreg_table_write_csv(t, "/nonexistent-dir/x.csv", &err), PARTREG_EIO);
    assert_contains(err.message, "/nonexistent-dir/x.csv");
    assert_int_equal(partreg_table_write_csv(NULL, path, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_table_write_csv(t, NULL, &err), PARTREG_EINVAL);
    assert_int_equal(partreg_table_write_csv_stream(t, NULL, &err), PARTREG_EINVAL);
    partreg_table_free(t);
    remove(path);
    free(path);
}

static void test_truth_text(void **state)
{
    (void)state;
    char *path = temp_path(), *text;
    size_t len;
    FILE *f = fopen(path, "w");
    partreg_error err;
    assert_non_null(f);
    assert_int_equal(partreg_sim_truth_write(NULL, f, &err), PARTREG_OK);
    fclose(f);
    text = slurp(path, &len);
    assert_contains(text, "(Intercept)                   -4.2000      -4.6667");
    assert_contains(text, "4|5                            4.3000       4.7778");
    assert_contains(text, "cooperative|autonomous");
    assert_contains(text, "bridge(phi = 0.9000)");
    free(text);
    remove(path);
    free(path);
}

/* Fit formula on t with cluster-robust SEs by community and check that
 * every parameter is within 4 SEs of the truth. */
static void check_recovery(const partreg_table *t, const char *formula, partreg_link link,
                           const char *const *levels, size_t n_levels,
                           const partreg_sim_model *truth, int binary, size_t n_thr)
{
    partreg_formula *f = NULL;
    partreg_frame *fr = NULL;
    partreg_fit *fit = NULL;
    partreg_frame_options fo = partreg_frame_options_default();
    partreg_data d;
    partreg_error err;
    size_t j, G, p, off;
    const size_t *cl;
    fo.cluster = "community";
    fo.levels = levels;
    fo.n_levels = n_levels;
    assert_int_equal(partreg_formula_parse(formula, &f, &err), PARTREG_OK);
    assert_int_equal(partreg_frame_create(t, f, &fo, &fr, &err), PARTREG_OK);
    partreg_frame_data(fr, &d);
    assert_int_equal(partreg_fit_create(&d, binary ? PARTREG_BINARY : PARTREG_ORDINAL, link, NULL,
                                        &fit, &err),
                     PARTREG_OK);
    cl = partreg_frame_clusters(fr, &G);
    assert_int_equal(partreg_fit_set_vcov(fit, &d, PARTREG_VCOV_CLUSTER, cl, G, &err), PARTREG_OK);
    p = partreg_frame_n_columns(fr);
    off = binary ? 1 : 0;
    assert_int_equal(p, PARTREG_SIM_N_SLOPES + off);
    for (j = 0; j < p + n_thr; j++) {
        partreg_estimate e;
        double want = j < p ? (binary && j == 0 ? truth->intercept : truth->slope[j - off])
                            : truth->threshold[j - p];
        assert_int_equal(partreg_fit_estimate(fit, j, 0.95, &e, &err), PARTREG_OK);
        if (!(fabs(e.estimate - want) < 4.0 * e.std_error)) {
            print_error("%s: parameter %zu = %.5f, truth %.5f, SE %.5f\n", formula, j, e.estimate,
                        want, e.std_error);
            fail();
        }
    }
    partreg_fit_free(fit);
    partreg_frame_free(fr);
    partreg_formula_free(f);
}

/* A large sample (40,000 residents in 400 communities) recovers the
 * documented population-averaged truth of all three outcomes within 4
 * cluster-robust SEs (a fixed seed: the check is deterministic; 4 SEs leave
 * room for 24 parameters at once, P(any |z| > 4) < 0.2% under the truth). */
static void test_recovery(void **state)
{
    (void)state;
    partreg_sim_options o = partreg_sim_options_default();
    partreg_table *t = sim(40000, 400, 31337);
    check_recovery(t, "participated ~ " PARTREG_SIM_PREDICTORS, PARTREG_LOGIT, NULL, 0,
                   &o.truth.participated, 1, 0);
    check_recovery(t, "willingness ~ " PARTREG_SIM_PREDICTORS, PARTREG_LOGIT, NULL, 0,
                   &o.truth.willingness, 0, 4);
    /* the in-memory table orders participation_type naturally */
    check_recovery(t, "participation_type ~ " PARTREG_SIM_PREDICTORS, PARTREG_PROBIT, NULL, 0,
                   &o.truth.participation_type, 0, 2);
    partreg_table_free(t);
}

/* The random-intercept truth (normal community effects): a fit with
 * + (1 | community) recovers the conditional coefficients and the sd of
 * every outcome within 4 model-based SEs (12,000 residents in 300
 * communities, a fixed seed); the truth text says what it is. */
static void check_ri_recovery(const partreg_table *t, const char *formula, partreg_link link,
                              const partreg_sim_model *truth, int binary, size_t n_thr, double sd)
{
    partreg_formula *f = NULL;
    partreg_frame *fr = NULL;
    partreg_fit *fit = NULL;
    partreg_model_spec *spec = NULL;
    partreg_data d;
    partreg_error err;
    size_t G;
    assert_int_equal(partreg_formula_parse(formula, &f, &err), PARTREG_OK);
    assert_int_equal(partreg_frame_create(t, f, NULL, &fr, &err), PARTREG_OK);
    partreg_frame_data(fr, &d);
    const size_t *g = partreg_frame_groups(fr, &G);
    assert_int_equal(partreg_model_spec_create(binary ? PARTREG_BINARY : PARTREG_ORDINAL, link,
                                               &spec, &err),
                     PARTREG_OK);
    assert_int_equal(partreg_model_spec_set_groups(spec, d.n, g, G, NULL, "community", &err),
                     PARTREG_OK);
    assert_int_equal(partreg_fit_create_spec(&d, spec, NULL, &fit, &err), PARTREG_OK);
    size_t p = partreg_frame_n_columns(fr), off = binary ? 1 : 0;
    for (size_t j = 0; j < p + n_thr + 1; j++) {
        partreg_estimate e;
        double want = j == p + n_thr ? log(sd)
                      : j < p        ? (binary && j == 0 ? truth->intercept : truth->slope[j - off])
                                     : truth->threshold[j - p];
        assert_int_equal(partreg_fit_estimate(fit, j, 0.95, &e, &err), PARTREG_OK);
        if (!(fabs(e.estimate - want) < 4.0 * e.std_error)) {
            print_error("%s: parameter %zu = %.5f, truth %.5f, SE %.5f\n", formula, j,
                        e.estimate, want, e.std_error);
            fail();
        }
    }
    partreg_fit_free(fit);
    partreg_model_spec_free(spec);
    partreg_frame_free(fr);
    partreg_formula_free(f);
}

static void test_random_intercept_truth(void **state)
{
    (void)state;
    partreg_sim_options o = partreg_sim_options_default();
    o.n = 12000;
    o.communities = 300;
    o.seed = 4242;
    o.truth.effects = PARTREG_SIM_NORMAL;
    partreg_table *t = NULL;
    partreg_error err;
    assert_int_equal(partreg_simulate(&o, &t, &err), PARTREG_OK);
    double sd = 3.14159265358979323846 * sqrt((1.0 / (0.9 * 0.9) - 1.0) / 3.0);
    check_ri_recovery(t, "participated ~ " PARTREG_SIM_PREDICTORS " + (1 | community)",
                      PARTREG_LOGIT, &o.truth.participated, 1, 0, sd);
    check_ri_recovery(t, "willingness ~ " PARTREG_SIM_PREDICTORS " + (1 | community)",
                      PARTREG_LOGIT, &o.truth.willingness, 0, 4, sd);
    check_ri_recovery(t, "participation_type ~ " PARTREG_SIM_PREDICTORS " + (1 | community)",
                      PARTREG_PROBIT, &o.truth.participation_type, 0, 2,
                      o.truth.community_sigma);
    partreg_table_free(t);
    /* the truth's text */
    char *path = temp_path(), *text;
    size_t len;
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(partreg_sim_truth_write(&o, f, &err), PARTREG_OK);
    fclose(f);
    text = slurp(path, &len);
    assert_contains(text, "+ (1 | community)");
    assert_contains(text, "(Intercept)                   -4.2000\n");
    assert_contains(text, "logit outcomes:  sd 0.8785, ICC 0.1900");
    free(text);
    remove(path);
    free(path);
    /* errors */
    o.truth.community_sd = -1.0;
    assert_int_equal(partreg_simulate(&o, &t, &err), PARTREG_EINVAL);
    assert_contains(err.message, "community_sd");
    o.truth.community_sd = 0.0;
    o.truth.effects = (partreg_sim_effects)9;
    assert_int_equal(partreg_simulate(&o, &t, &err), PARTREG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic), cmocka_unit_test(test_sizes_and_levels),
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_write_csv),     cmocka_unit_test(test_truth_text),
        cmocka_unit_test(test_recovery),      cmocka_unit_test(test_random_intercept_truth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
