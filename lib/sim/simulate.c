/* The participation-survey simulator: residents nested in communities, with
 * predictors drawn as docs/simulator.md states and three outcomes from true
 * population-averaged models (partreg_simulate.h).
 *
 * Community effects that keep the marginal model exact:
 * - logit: the bridge distribution of Wang & Louis, "Matching conditional
 *   and marginal shapes in binary random intercept models using a bridge
 *   distribution function", Biometrika 90(4):765-775, 2003. Its density is
 *   f(u) = sin(phi pi) / (2 pi (cosh(phi u) + cos(phi pi))), its quantile
 *   function u(U) = log(sin(phi pi U) / sin(phi pi (1 - U))) / phi, and
 *   E_u[expit(eta + u)] = expit(phi eta) for every eta. So with conditional
 *   coefficients beta / phi the marginal model is logit(beta): for the binary
 *   outcome, and for every cumulative probability of the ordinal one.
 * - probit: u ~ N(0, sigma^2) gives E_u[Phi(eta + u)] = Phi(eta / s),
 *   s = sqrt(1 + sigma^2) (the probability that Z - u <= eta with Z - u
 *   normal of variance 1 + sigma^2); conditional coefficients beta * s.
 * With effects = PARTREG_SIM_NORMAL instead, every outcome's community
 * effect is normal (u = sd Phi^-1(U), the same U as above) and the
 * coefficients are used as they are: the conditional ones of the
 * random-intercept model (1 | community).
 * One uniform U_c per community feeds both quantile functions, so the
 * community effects of the three outcomes are perfectly rank-correlated.
 *
 * Outcomes are drawn through latent variables: participated = 1 when
 * V < expit(eta_c + u_c), V uniform; ordinal Y = 1 + #{j : theta_j < eta + u + e}
 * with e standard logistic (gsl_ran_logistic) or standard normal
 * (gsl_ran_ugaussian), so that P(Y <= j | u) = F(theta_j - eta - u).
 *
 * Random numbers: gsl_rng_mt19937 (Matsumoto & Nishimura, ACM TOMACS 8(1),
 * 1998) as GSL implements it, in a fixed order of draws: first every
 * community's (U_c, social-capital and income components), then each
 * resident's draws in column order. Changing n keeps the communities. */
#include "partreg_simulate.h"

#include "core/error.h"
#include "data/table_internal.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Number of levels of each outcome. */
#define WILL_LEVELS 5
#define TYPE_LEVELS 3

static const char *const slope_names[PARTREG_SIM_N_SLOPES] = {
    "social_capital", "insured[yes]", "age", "education[secondary]",
    "education[tertiary]", "log(income)", "gender[male]"};
static const char *const will_cuts[WILL_LEVELS - 1] = {"1|2", "2|3", "3|4", "4|5"};
static const char *const type_levels[TYPE_LEVELS] = {"passive", "cooperative", "autonomous"};
static const char *const type_cuts[TYPE_LEVELS - 1] = {"passive|cooperative",
                                                       "cooperative|autonomous"};
static const char *const edu_levels[3] = {"primary", "secondary", "tertiary"};

partreg_sim_options partreg_sim_options_default(void)
{
    partreg_sim_options o;
    memset(&o, 0, sizeof o);
    o.n = 2000;
    o.communities = 40;
    o.seed = 20261126UL;
    {
        /* participated: logit. social_capital, insured, age, secondary,
         * tertiary, log(income), male */
        partreg_sim_model m = {.intercept = -4.2,
                               .slope = {0.55, 0.45, 0.015, 0.35, 0.70, 0.30, 0.0}};
        o.truth.participated = m;
    }
    {
        partreg_sim_model m = {.slope = {0.60, 0.40, 0.010, 0.30, 0.60, 0.20, 0.0},
                               .threshold = {1.0, 2.1, 3.1, 4.3}};
        o.truth.willingness = m;
    }
    {
        partreg_sim_model m = {.slope = {0.35, 0.15, -0.005, 0.20, 0.45, 0.10, 0.15},
                               .threshold = {0.55, 1.75}};
        o.truth.participation_type = m;
    }
    o.truth.community_phi = 0.9;
    o.truth.community_sigma = 0.48;
    o.covariates.social_capital_community_sd = 0.6;
    o.covariates.social_capital_resident_sd = 0.8;
    o.covariates.age_min = 18;
    o.covariates.age_max = 85;
    o.covariates.edu_cut[0] = -0.62;
    o.covariates.edu_cut[1] = 1.39;
    o.covariates.edu_age = 0.03;
    o.covariates.log_income_mean = 7.5;
    o.covariates.log_income_edu = 0.35;
    o.covariates.log_income_community_sd = 0.2;
    o.covariates.log_income_resident_sd = 0.5;
    o.covariates.insured_intercept = -5.6;
    o.covariates.insured_log_income = 0.6;
    o.covariates.insured_age = 0.03;
    o.covariates.p_male = 0.48;
    return o;
}

static int all_finite(const double *x, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

static partreg_status check_model(const partreg_sim_model *m, size_t n_cuts, const char *name,
                                  partreg_error *err)
{
    size_t j;
    if (!isfinite(m->intercept) || !all_finite(m->slope, PARTREG_SIM_N_SLOPES) ||
        !all_finite(m->threshold, n_cuts))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "simulate: the true model of %s has a non-finite parameter",
                                 name);
    for (j = 1; j < n_cuts; j++)
        if (!(m->threshold[j] > m->threshold[j - 1]))
            return partreg_error_set(err, PARTREG_EINVAL,
                                     "simulate: the thresholds of %s must increase "
                                     "(threshold %zu = %g is not above %g)",
                                     name, j + 1, m->threshold[j], m->threshold[j - 1]);
    return PARTREG_OK;
}

static partreg_status check_options(const partreg_sim_options *o, partreg_error *err)
{
    const partreg_sim_covariates *c = &o->covariates;
    const partreg_sim_truth *t = &o->truth;
    partreg_status st;
    double sds[4];
    double rest[8];
    if (o->n == 0)
        return partreg_error_set(err, PARTREG_EINVAL, "simulate: n must be at least 1");
    if (o->communities == 0 || o->communities > o->n)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "simulate: communities must be between 1 and n = %zu (got %zu)",
                                 o->n, o->communities);
    if (o->seed == 0 || o->seed > 4294967295UL)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "simulate: seed must be between 1 and 4294967295 (got %lu; "
                                 "mt19937 would treat 0 as 4357)",
                                 o->seed);
    if (!(t->community_phi > 0.0 && t->community_phi <= 1.0))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "simulate: community_phi must be in (0, 1] (got %g)",
                                 t->community_phi);
    if (t->effects != PARTREG_SIM_BRIDGE && t->effects != PARTREG_SIM_NORMAL)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "simulate: unknown community-effect distribution %d",
                                 (int)t->effects);
    if (!(t->community_sd >= 0.0) || !isfinite(t->community_sd))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "simulate: community_sd must be finite and >= 0 (got %g)",
                                 t->community_sd);
    if (!(t->community_sigma >= 0.0) || !isfinite(t->community_sigma))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "simulate: community_sigma must be finite and >= 0 (got %g)",
                                 t->community_sigma);
    if ((st = check_model(&t->participated, 0, "participated", err)) != PARTREG_OK ||
        (st = check_model(&t->willingness, WILL_LEVELS - 1, "willingness", err)) != PARTREG_OK ||
        (st = check_model(&t->participation_type, TYPE_LEVELS - 1, "participation_type", err)) !=
            PARTREG_OK)
        return st;
    sds[0] = c->social_capital_community_sd;
    sds[1] = c->social_capital_resident_sd;
    sds[2] = c->log_income_community_sd;
    sds[3] = c->log_income_resident_sd;
    if (!all_finite(sds, 4) || sds[0] < 0 || sds[1] < 0 || sds[2] < 0 || sds[3] < 0)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "simulate: standard deviations must be finite and >= 0");
    rest[0] = c->edu_cut[0];
    rest[1] = c->edu_cut[1];
    rest[2] = c->edu_age;
    rest[3] = c->log_income_mean;
    rest[4] = c->log_income_edu;
    rest[5] = c->insured_intercept;
    rest[6] = c->insured_log_income;
    rest[7] = c->insured_age;
    if (!all_finite(rest, 8))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "simulate: a covariate parameter is not finite");
    if (!(c->edu_cut[1] > c->edu_cut[0]))
        return partreg_error_set(err, PARTREG_EINVAL, "simulate: edu_cut must increase");
    if (c->age_min < 0 || c->age_max > 150 || c->age_min > c->age_max)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "simulate: ages must satisfy 0 <= age_min <= age_max <= 150 "
                                 "(got %d..%d)",
                                 c->age_min, c->age_max);
    if (!(c->p_male >= 0.0 && c->p_male <= 1.0))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "simulate: p_male must be in [0, 1] (got %g)", c->p_male);
    return PARTREG_OK;
}

static double expit(double x)
{
    return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

/* Bridge-distribution quantile at U in (0, 1) (file comment). */
/* The sd of the normal community effect on the logit outcomes: the one
 * given, or the bridge's for phi (the same variance). */
static double logit_effect_sd(const partreg_sim_truth *t)
{
    if (t->community_sd > 0.0)
        return t->community_sd;
    double phi = t->community_phi;
    return sqrt(M_PI * M_PI / 3.0 * (1.0 / (phi * phi) - 1.0));
}

static double bridge_quantile(double phi, double u)
{
    if (phi >= 1.0)
        return 0.0;
    return log(sin(phi * M_PI * u) / sin(phi * M_PI * (1.0 - u))) / phi;
}

/* Conditional (community-specific) version of a marginal model: everything
 * multiplied by `scale` (1/phi for logit, sqrt(1 + sigma^2) for probit). */
static partreg_sim_model conditional(const partreg_sim_model *m, double scale)
{
    partreg_sim_model c = *m;
    size_t j;
    c.intercept *= scale;
    for (j = 0; j < PARTREG_SIM_N_SLOPES; j++)
        c.slope[j] *= scale;
    for (j = 0; j < PARTREG_SIM_MAX_THRESHOLDS; j++)
        c.threshold[j] *= scale;
    return c;
}

static double linear(const partreg_sim_model *m, const double *x)
{
    double eta = m->intercept;
    size_t j;
    for (j = 0; j < PARTREG_SIM_N_SLOPES; j++)
        eta += m->slope[j] * x[j];
    return eta;
}

/* 1 + number of cut points below `latent`. */
static int level_of(double latent, const double *cuts, size_t n_cuts)
{
    int y = 1;
    size_t j;
    for (j = 0; j < n_cuts; j++)
        if (latent > cuts[j])
            y++;
    return y;
}

static double round_to(double x, double scale)
{
    return round(x * scale) / scale;
}

/* The table's columns, in order. */
enum { C_COMMUNITY, C_SC, C_AGE, C_EDU, C_INCOME, C_INSURED, C_GENDER, C_PART, C_WILL, C_TYPE,
       N_COLS };

static partreg_status intern_all(partreg_table *t, size_t j, const char *const *names, size_t k)
{
    size_t i;
    partreg_status st = PARTREG_OK;
    for (i = 0; i < k && st == PARTREG_OK; i++) {
        int code;
        st = partreg_table_intern_level(t, j, names[i], strlen(names[i]), &code);
    }
    return st;
}

static partreg_status build_columns(partreg_table *t)
{
    static const char *const names[N_COLS] = {
        "community", "social_capital", "age", "education", "income", "insured",
        "gender", "participated", "willingness", "participation_type"};
    static const int categorical[N_COLS] = {0, 0, 0, 1, 0, 1, 1, 1, 0, 1};
    static const char *const no_yes[2] = {"no", "yes"};
    static const char *const genders[2] = {"female", "male"};
    partreg_status st = PARTREG_OK;
    size_t j;
    for (j = 0; j < N_COLS && st == PARTREG_OK; j++)
        st = categorical[j]
                 ? partreg_table_append_categorical(t, names[j], strlen(names[j]), NULL)
                 : partreg_table_append_numeric(t, names[j], strlen(names[j]), NULL);
    if (st == PARTREG_OK)
        st = intern_all(t, C_EDU, edu_levels, 3);
    if (st == PARTREG_OK)
        st = intern_all(t, C_INSURED, no_yes, 2);
    if (st == PARTREG_OK)
        st = intern_all(t, C_GENDER, genders, 2);
    if (st == PARTREG_OK)
        st = intern_all(t, C_PART, no_yes, 2);
    if (st == PARTREG_OK)
        st = intern_all(t, C_TYPE, type_levels, TYPE_LEVELS);
    if (st == PARTREG_OK) {
        partreg_table_set_levels_ordered(t, C_EDU, 1);
        partreg_table_set_levels_ordered(t, C_TYPE, 1);
    }
    return st;
}

partreg_status partreg_simulate(const partreg_sim_options *opt, partreg_table **out,
                                partreg_error *err)
{
    partreg_sim_options o = opt ? *opt : partreg_sim_options_default();
    const partreg_sim_covariates *cv = &o.covariates;
    partreg_status st;
    partreg_table *t = NULL;
    gsl_rng *rng = NULL;
    double *comm_u = NULL; /* per community: U_c, social-capital and income components */
    partreg_sim_model part_c, will_c, type_c;
    double probit_scale;
    size_t c, i, base, extra, row, n_comm;

    if (out)
        *out = NULL;
    if (!out)
        return partreg_error_set(err, PARTREG_EINVAL, "simulate: out must not be NULL");
    if ((st = check_options(&o, err)) != PARTREG_OK)
        return st;
    n_comm = o.communities; /* 1..n (check_options) */
    if (n_comm > SIZE_MAX / (3 * sizeof *comm_u))
        return partreg_error_set(err, PARTREG_ENOMEM, "simulate: too many communities");

    rng = gsl_rng_alloc(gsl_rng_mt19937);
    comm_u = malloc(3 * n_comm * sizeof *comm_u);
    st = partreg_table_create("simulated participation survey", o.n, &t);
    if (!rng || !comm_u || st != PARTREG_OK) {
        st = PARTREG_ENOMEM;
        goto cleanup;
    }
    if ((st = build_columns(t)) != PARTREG_OK)
        goto cleanup;
    gsl_rng_set(rng, o.seed);

    /* the random-intercept truth: the coefficients are the conditional ones */
    int normal = o.truth.effects == PARTREG_SIM_NORMAL;
    double logit_sd = logit_effect_sd(&o.truth);
    part_c = conditional(&o.truth.participated, normal ? 1.0 : 1.0 / o.truth.community_phi);
    will_c = conditional(&o.truth.willingness, normal ? 1.0 : 1.0 / o.truth.community_phi);
    probit_scale = sqrt(1.0 + o.truth.community_sigma * o.truth.community_sigma);
    type_c = conditional(&o.truth.participation_type, normal ? 1.0 : probit_scale);

    for (c = 0; c < n_comm; c++) {
        comm_u[3 * c] = gsl_rng_uniform_pos(rng);
        comm_u[3 * c + 1] = cv->social_capital_community_sd * gsl_ran_ugaussian(rng);
        comm_u[3 * c + 2] = cv->log_income_community_sd * gsl_ran_ugaussian(rng);
    }

    {
        double *community = partreg_table_numeric_mut(t, C_COMMUNITY);
        double *sc = partreg_table_numeric_mut(t, C_SC);
        double *age = partreg_table_numeric_mut(t, C_AGE);
        double *income = partreg_table_numeric_mut(t, C_INCOME);
        double *will = partreg_table_numeric_mut(t, C_WILL);
        int *edu = partreg_table_codes_mut(t, C_EDU);
        int *insured = partreg_table_codes_mut(t, C_INSURED);
        int *male = partreg_table_codes_mut(t, C_GENDER);
        int *part = partreg_table_codes_mut(t, C_PART);
        int *type = partreg_table_codes_mut(t, C_TYPE);
        unsigned long age_span = (unsigned long)(cv->age_max - cv->age_min) + 1UL;

        base = o.n / n_comm;
        extra = o.n % n_comm; /* the first `extra` communities get one more */
        row = 0;
        for (c = 0; c < n_comm; c++) {
            size_t size = base + (c < extra ? 1 : 0);
            double uc = comm_u[3 * c];
            double u_logit = normal ? logit_sd * gsl_cdf_ugaussian_Pinv(uc)
                                    : bridge_quantile(o.truth.community_phi, uc);
            double u_probit = o.truth.community_sigma * gsl_cdf_ugaussian_Pinv(uc);
            for (i = 0; i < size; i++, row++) {
                double x[PARTREG_SIM_N_SLOPES];
                double a, p1, p2, v, loginc;
                int e;
                community[row] = (double)(c + 1);
                sc[row] = round_to(comm_u[3 * c + 1] +
                                       cv->social_capital_resident_sd * gsl_ran_ugaussian(rng),
                                   1e4);
                a = (double)cv->age_min + (double)gsl_rng_uniform_int(rng, age_span);
                age[row] = a;
                p1 = expit(cv->edu_cut[0] + cv->edu_age * (a - 50.0));
                p2 = expit(cv->edu_cut[1] + cv->edu_age * (a - 50.0));
                v = gsl_rng_uniform(rng);
                e = v < p1 ? 0 : (v < p2 ? 1 : 2);
                edu[row] = e;
                loginc = cv->log_income_mean + cv->log_income_edu * e + comm_u[3 * c + 2] +
                         cv->log_income_resident_sd * gsl_ran_ugaussian(rng);
                income[row] = round_to(exp(loginc), 100.0);
                if (income[row] < 0.01)
                    income[row] = 0.01;
                insured[row] = gsl_rng_uniform(rng) <
                                       expit(cv->insured_intercept +
                                             cv->insured_log_income * log(income[row]) +
                                             cv->insured_age * a)
                                   ? 1
                                   : 0;
                male[row] = gsl_rng_uniform(rng) < cv->p_male ? 1 : 0;

                x[0] = sc[row];
                x[1] = insured[row];
                x[2] = a;
                x[3] = e == 1;
                x[4] = e == 2;
                x[5] = log(income[row]);
                x[6] = male[row];
                part[row] = gsl_rng_uniform(rng) < expit(linear(&part_c, x) + u_logit) ? 1 : 0;
                will[row] = level_of(linear(&will_c, x) + u_logit + gsl_ran_logistic(rng, 1.0),
                                     will_c.threshold, WILL_LEVELS - 1);
                type[row] = level_of(linear(&type_c, x) + u_probit + gsl_ran_ugaussian(rng),
                                     type_c.threshold, TYPE_LEVELS - 1) -
                            1;
            }
        }
    }
    *out = t;
    t = NULL;
    partreg_error_clear(err);
    st = PARTREG_OK;
cleanup:
    if (st == PARTREG_ENOMEM)
        partreg_error_set(err, st, "simulate: out of memory");
    partreg_table_free(t);
    free(comm_u);
    gsl_rng_free(rng);
    return st;
}

/* ---- the truth as text ----------------------------------------------- */

/* The conditional coefficients of a random-intercept truth. */
static int write_conditional(FILE *f, const char *title, const partreg_sim_model *m,
                             int has_intercept, const char *const *cuts, size_t n_cuts)
{
    size_t j;
    if (fprintf(f, "%s\n  %-24s %12s\n", title, "term", "conditional") < 0)
        return EOF;
    if (has_intercept && fprintf(f, "  %-24s %12.4f\n", "(Intercept)", m->intercept) < 0)
        return EOF;
    for (j = 0; j < PARTREG_SIM_N_SLOPES; j++)
        if (fprintf(f, "  %-24s %12.4f\n", slope_names[j], m->slope[j]) < 0)
            return EOF;
    for (j = 0; j < n_cuts; j++)
        if (fprintf(f, "  %-24s %12.4f\n", cuts[j], m->threshold[j]) < 0)
            return EOF;
    return fputc('\n', f) == EOF ? EOF : 0;
}

/* The random-intercept truth as text: the conditional coefficients and
 * every outcome's sd and latent intraclass correlation. */
static partreg_status write_ri_truth(const partreg_sim_options *o, FILE *out, partreg_error *err)
{
    const partreg_sim_truth *t = &o->truth;
    double sd = logit_effect_sd(t), sigma = t->community_sigma, v = M_PI * M_PI / 3.0;
    if (fprintf(out,
                "True models of the simulated participation survey\n"
                "(n = %zu residents in %zu communities, seed %lu; docs/simulator.md)\n\n"
                "Random-intercept models: the conditional (community-specific) coefficients,\n"
                "which a fit of\n"
                "  Y ~ " PARTREG_SIM_PREDICTORS " + (1 | community)\n"
                "estimates, with u_c ~ N(0, sd^2) (one U_c ~ Uniform(0,1) per community,\n"
                "u_c = sd Phi^-1(U_c), shared by the three outcomes).\n\n",
                o->n, o->communities, o->seed) < 0 ||
        write_conditional(out, "participated (no < yes): logit, P(yes | u) = expit(eta + u)",
                          &t->participated, 1, NULL, 0) ||
        write_conditional(out,
                          "willingness (1 < ... < 5): cumulative logit, P(Y <= j | u) = "
                          "expit(theta_j - eta - u)",
                          &t->willingness, 0, will_cuts, WILL_LEVELS - 1) ||
        write_conditional(out,
                          "participation_type (passive < cooperative < autonomous): cumulative "
                          "probit, P(Y <= j | u) = Phi(theta_j - eta - u)",
                          &t->participation_type, 0, type_cuts, TYPE_LEVELS - 1) ||
        fprintf(out,
                "random intercepts (1 | community):\n"
                "  logit outcomes:  sd %.4f, ICC %.4f (sd^2 / (sd^2 + pi^2/3))\n"
                "  probit outcome:  sd %.4f, ICC %.4f (sd^2 / (sd^2 + 1))\n\n",
                sd, sd * sd / (sd * sd + v), sigma, sigma * sigma / (sigma * sigma + 1.0)) < 0)
        return partreg_error_set(err, PARTREG_EIO, "simulate: writing the true models failed");
    return PARTREG_OK;
}

static int write_model(FILE *f, const char *title, const partreg_sim_model *m, double scale,
                       int has_intercept, const char *const *cuts, size_t n_cuts)
{
    size_t j;
    if (fprintf(f, "%s\n  %-24s %12s %12s\n", title, "term", "marginal", "conditional") < 0)
        return EOF;
    if (has_intercept &&
        fprintf(f, "  %-24s %12.4f %12.4f\n", "(Intercept)", m->intercept,
                m->intercept * scale) < 0)
        return EOF;
    for (j = 0; j < PARTREG_SIM_N_SLOPES; j++)
        if (fprintf(f, "  %-24s %12.4f %12.4f\n", slope_names[j], m->slope[j],
                    m->slope[j] * scale) < 0)
            return EOF;
    for (j = 0; j < n_cuts; j++)
        if (fprintf(f, "  %-24s %12.4f %12.4f\n", cuts[j], m->threshold[j],
                    m->threshold[j] * scale) < 0)
            return EOF;
    return fputc('\n', f) == EOF ? EOF : 0;
}

partreg_status partreg_sim_truth_write(const partreg_sim_options *opt, FILE *out,
                                       partreg_error *err)
{
    partreg_sim_options o = opt ? *opt : partreg_sim_options_default();
    const partreg_sim_truth *t = &o.truth;
    const partreg_sim_covariates *c = &o.covariates;
    partreg_status st;
    double phi = t->community_phi, sigma = t->community_sigma;
    double var_bridge;
    if (!out)
        return partreg_error_set(err, PARTREG_EINVAL, "simulate: out must not be NULL");
    if ((st = check_options(&o, err)) != PARTREG_OK)
        return st;
    var_bridge = M_PI * M_PI / 3.0 * (1.0 / (phi * phi) - 1.0);
    if (t->effects == PARTREG_SIM_NORMAL) {
        if ((st = write_ri_truth(&o, out, err)) != PARTREG_OK)
            return st;
        goto predictors;
    }
    if (fprintf(out,
                "True models of the simulated participation survey\n"
                "(n = %zu residents in %zu communities, seed %lu; docs/simulator.md)\n\n"
                "\"marginal\": the population-averaged coefficients, which a fit of\n"
                "  Y ~ " PARTREG_SIM_PREDICTORS "\n"
                "estimates; \"conditional\": the community-specific values drawn from.\n\n",
                o.n, o.communities, o.seed) < 0)
        goto io_error;
    if (write_model(out, "participated (no < yes): logit, P(yes) = expit(eta)",
                    &t->participated, 1.0 / phi, 1, NULL, 0) ||
        write_model(out, "willingness (1 < ... < 5): cumulative logit, P(Y <= j) = expit(theta_j - eta)",
                    &t->willingness, 1.0 / phi, 0, will_cuts, WILL_LEVELS - 1) ||
        write_model(out,
                    "participation_type (passive < cooperative < autonomous): cumulative probit, "
                    "P(Y <= j) = Phi(theta_j - eta)",
                    &t->participation_type, sqrt(1.0 + sigma * sigma), 0, type_cuts,
                    TYPE_LEVELS - 1))
        goto io_error;
    if (fprintf(out,
                "community effects (one U_c ~ Uniform(0,1) per community):\n"
                "  logit outcomes:  bridge(phi = %.4f), u = log(sin(phi pi U) / sin(phi pi (1-U))) / phi,\n"
                "                   sd %.4f, latent intraclass correlation %.4f\n"
                "  probit outcome:  u = sigma Phi^-1(U), sigma = %.4f, latent intraclass correlation %.4f\n\n",
                phi, sqrt(var_bridge), 1.0 - phi * phi, sigma,
                sigma * sigma / (1.0 + sigma * sigma)) < 0)
        goto io_error;
predictors:
    if (fprintf(out,
                "predictors:\n"
                "  social_capital = N(0, %.4g^2) [community] + N(0, %.4g^2) [resident], 4 decimals\n"
                "  age ~ uniform on %d..%d\n"
                "  education: P(<= primary) = expit(%.4g + %.4g (age - 50)), "
                "P(<= secondary) = expit(%.4g + %.4g (age - 50))\n"
                "  log(income) = %.4g + %.4g edu_step + N(0, %.4g^2) [community] + N(0, %.4g^2) "
                "[resident], 2 decimals\n"
                "  insured: P(yes) = expit(%.4g + %.4g log(income) + %.4g age)\n"
                "  gender: P(male) = %.4g\n",
                c->social_capital_community_sd, c->social_capital_resident_sd, c->age_min,
                c->age_max, c->edu_cut[0], c->edu_age, c->edu_cut[1], c->edu_age,
                c->log_income_mean, c->log_income_edu, c->log_income_community_sd,
                c->log_income_resident_sd, c->insured_intercept, c->insured_log_income,
                c->insured_age, c->p_male) < 0)
        goto io_error;
    partreg_error_clear(err);
    return PARTREG_OK;
io_error:
    return partreg_error_set(err, PARTREG_EIO, "simulate: writing the true models failed");
}
