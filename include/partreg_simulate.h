/**
 * @file partreg_simulate.h
 * @brief A simulated participation survey with documented true models, and
 *        a CSV writer for tables.
 *
 * partreg_simulate() draws residents nested in communities, with the
 * factors the community-governance literature names (social capital with a
 * community-level component, social-security coverage, age, education,
 * household income, gender) and three outcomes drawn from true models whose
 * coefficients are in ::partreg_sim_truth:
 * - `participated` (no/yes): logit;
 * - `willingness` (1..5): cumulative logit;
 * - `participation_type` (passive < cooperative < autonomous): cumulative
 *   probit.
 *
 * ## The true models are population-averaged
 * Residents of one community share an unobserved "participation culture"
 * U_c ~ Uniform(0, 1), turned into a random intercept on each outcome's
 * latent scale, so outcomes are correlated within communities and
 * cluster-robust standard errors matter. A random intercept normally
 * attenuates the marginal (population-averaged) coefficients relative to
 * the conditional ones by an amount with no closed form for the logit.
 * The simulator avoids that ambiguity: the coefficients in
 * ::partreg_sim_truth are the MARGINAL ones, which an ordinary fit of the
 * outcome on the six predictors estimates consistently, and the simulator
 * draws from the conditional model that produces exactly them:
 * - logit outcomes: the community effect follows the bridge distribution of
 *   Wang & Louis (2003, Biometrika 90:765-775) with parameter phi in (0, 1],
 *   u_c = log(sin(phi pi U_c) / sin(phi pi (1 - U_c))) / phi, for which
 *   E_u[expit(eta + u)] = expit(phi eta) for every eta; the conditional
 *   coefficients and thresholds are the marginal ones divided by phi;
 * - probit outcome: u_c = sigma Phi^-1(U_c), normal, for which
 *   E_u[Phi(eta + u)] = Phi(eta / sqrt(1 + sigma^2)); the conditional
 *   coefficients are the marginal ones times sqrt(1 + sigma^2).
 * phi = 1 and sigma = 0 switch community effects off.
 *
 * ## The random-intercept truth
 * With ::partreg_sim_truth.effects = ::PARTREG_SIM_NORMAL the community
 * effects are normal on every outcome and the coefficients are the
 * conditional ones of the random-intercept model, which a fit with
 * `+ (1 | community)` (partreg_random.h) estimates, with the sd of the
 * community effect (partreg_sim_truth_write() prints both).
 * docs/simulator.md states every distribution and default value.
 *
 * ## Reproducibility
 * Random numbers come from GSL's gsl_rng_mt19937 seeded with
 * ::partreg_sim_options.seed and gsl_ran_* samplers, never the platform's
 * rand(): the same options give the same table on every machine (the
 * stored values are rounded to fixed decimals, so a last-bit difference in
 * a platform's exp() or log() does not show in the data).
 *
 * Thread-safety: every function is thread-safe (no global state; each call
 * has its own generator).
 */
#ifndef PARTREG_SIMULATE_H
#define PARTREG_SIMULATE_H

#include <stddef.h>
#include <stdio.h>

#include "partreg.h"
#include "partreg_export.h"
#include "partreg_table.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The right-hand side the true models use, in the column names of the
 *  simulated table: `"Y ~ " PARTREG_SIM_PREDICTORS` is correctly specified
 *  for each of the three outcomes. Its design columns, in order, are
 *  (Intercept) [binary only], social_capital, insured[yes], age,
 *  education[secondary], education[tertiary], log(income), gender[male]. */
#define PARTREG_SIM_PREDICTORS \
    "social_capital + insured + age + education + log(income) + gender"

/** Number of slope coefficients of each true model (without intercept). */
#define PARTREG_SIM_N_SLOPES 7

/** Most thresholds an outcome has (willingness: 5 levels, 4 cuts). */
#define PARTREG_SIM_MAX_THRESHOLDS 4

/** How partreg_simulate() draws the community effects. */
typedef enum partreg_sim_effects {
    /** Bridge-distributed effects on the logit outcomes and normal ones on
     *  the probit outcome, chosen so that the coefficients of
     *  ::partreg_sim_truth are the population-averaged ones (the file
     *  comment); the default. */
    PARTREG_SIM_BRIDGE = 0,
    /** Normal effects on every outcome, u_c = sd Phi^-1(U_c): the data follow
     *  the random-intercept model of a fit with `+ (1 | community)`
     *  (partreg_random.h), and the coefficients of ::partreg_sim_truth are
     *  its conditional (community-specific) ones, which such a fit
     *  estimates together with the sd (community_sd, community_sigma). */
    PARTREG_SIM_NORMAL = 1
} partreg_sim_effects;

/** True population-averaged model of one outcome on the linear predictor
 *  eta = intercept + slope' x, x = (social_capital, insured = yes, age,
 *  education = secondary, education = tertiary, log(income), gender =
 *  male) — the order of ::PARTREG_SIM_PREDICTORS' design columns. */
typedef struct partreg_sim_model {
    /** Binary outcome: the intercept; ordinal outcomes: unused (the
     *  thresholds play its role; keep it 0). */
    double intercept;
    /** Slopes in the order above: social_capital, insured[yes], age,
     *  education[secondary], education[tertiary], log(income), gender[male]. */
    double slope[PARTREG_SIM_N_SLOPES];
    /** Ordinal outcomes: thresholds theta_1 < ... < theta_{J-1} of
     *  P(Y <= j) = F(theta_j - eta); willingness uses 4, participation_type
     *  the first 2; the rest are unused. */
    double threshold[PARTREG_SIM_MAX_THRESHOLDS];
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[64];
} partreg_sim_model;

/** The true models of the three outcomes and the size of the community
 *  effects (see the file comment: the coefficients are population-averaged). */
typedef struct partreg_sim_truth {
    partreg_sim_model participated;       /**< logit, P(yes) */
    partreg_sim_model willingness;        /**< cumulative logit, levels 1..5 */
    partreg_sim_model participation_type; /**< cumulative probit, passive < cooperative < autonomous */
    /** Bridge parameter of the community effect on the two logit outcomes,
     *  in (0, 1]; 1 = no effect. Its variance is pi^2 (1/phi^2 - 1) / 3
     *  (default 0.9: standard deviation 0.88 on the logit scale, a latent
     *  intraclass correlation of 1 - phi^2 = 0.19). */
    double community_phi;
    /** Standard deviation of the normal community effect on the probit
     *  outcome, >= 0; 0 = no effect (default 0.48, the same latent
     *  intraclass correlation 0.19 as the logit default:
     *  sigma^2 / (1 + sigma^2) = 1 - phi^2). */
    double community_sigma;
    /** Fields added after the first release, in the place of the reserve
     *  (zero: the default), so that the struct's size never changes
     *  (docs/DESIGN.md, "Public structs"). */
    union {
        struct {
            /** How the community effects are drawn (default
             *  ::PARTREG_SIM_BRIDGE: the coefficients are population-averaged). */
            partreg_sim_effects effects;
            /** With ::PARTREG_SIM_NORMAL: the standard deviation of the normal
             *  community effect on the two logit outcomes, >= 0 (default 0:
             *  the bridge's, pi sqrt((1/phi^2 - 1) / 3), 0.88 at phi = 0.9).
             *  The probit outcome's is community_sigma either way. */
            double community_sd;
        };
        unsigned char partreg_reserved_[64];
    };
} partreg_sim_truth;

/** How the predictors are drawn (docs/simulator.md writes each out). */
typedef struct partreg_sim_covariates {
    double social_capital_community_sd; /**< community component of social_capital (default 0.6) */
    double social_capital_resident_sd;  /**< resident component (default 0.8) */
    int age_min;                        /**< youngest age, whole years (default 18) */
    int age_max;                        /**< oldest age (default 85); uniform in between */
    /** Education: P(education <= k) = expit(edu_cut[k] + edu_age (age - 50)),
     *  k = primary, secondary (defaults -0.62, 1.39: 35% / 45% / 20% at 50). */
    double edu_cut[2];
    double edu_age;                     /**< older residents have less schooling (default 0.03) */
    double log_income_mean;             /**< mean log income with primary schooling (default 7.5) */
    double log_income_edu;              /**< added per education step (default 0.35) */
    double log_income_community_sd;     /**< community component of log income (default 0.2) */
    double log_income_resident_sd;      /**< resident component of log income (default 0.5) */
    /** insured: P(yes) = expit(insured_intercept + insured_log_income
     *  log(income) + insured_age age) (defaults -5.6, 0.6, 0.03). */
    double insured_intercept;
    double insured_log_income;          /**< see insured_intercept */
    double insured_age;                 /**< see insured_intercept */
    double p_male;                      /**< P(gender = male) (default 0.48) */
} partreg_sim_covariates;

/** What to simulate. Get the defaults from partreg_sim_options_default()
 *  and change fields; fields added later take the place of the reserve. */
typedef struct partreg_sim_options {
    size_t n;                          /**< residents (default 2000) */
    size_t communities;                /**< communities, 1..n; sizes differ by at most one (default 40) */
    unsigned long seed;                /**< mt19937 seed, 1..4294967295 (default 20261126) */
    partreg_sim_truth truth;           /**< true outcome models */
    partreg_sim_covariates covariates; /**< predictor distributions */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[128];
} partreg_sim_options;

/** The default options: 2,000 residents in 40 communities, seed 20261126,
 *  and the true models of docs/simulator.md. Thread-safe. */
PARTREG_API partreg_sim_options partreg_sim_options_default(void);

/**
 * Simulate a participation survey.
 *
 * The table has n rows, ordered by community, and the columns
 * `community` (numeric id 1..C), `social_capital` (numeric, 4 decimals),
 * `age` (whole years), `education` (primary, secondary, tertiary),
 * `income` (numeric, 2 decimals), `insured`, `gender` (female, male),
 * `participated` (no, yes), `willingness` (numeric 1..5) and
 * `participation_type` (passive, cooperative, autonomous). The categorical
 * columns list their levels in that order (all levels, even one absent
 * from a small sample); `education` and `participation_type` are marked
 * ordered (partreg_table_levels_ordered()), so a model frame on the table
 * uses the natural order. Read back from CSV, text levels are in byte
 * order, which is the natural order for every column except
 * `participation_type`: pass `--levels passive,cooperative,autonomous`.
 * The outcomes are drawn from the stored (rounded) predictor values, so the
 * true models hold exactly for the table as written.
 *
 * @param opt  options, or NULL for partreg_sim_options_default() (borrowed).
 * @param out  on PARTREG_OK a new table owned by the caller (free with
 *             partreg_table_free()); otherwise NULL.
 * @param err  optional error report.
 * @return PARTREG_OK; PARTREG_EINVAL (out NULL, n = 0, communities = 0 or
 *         more than n, seed 0 or above 4294967295, community_phi outside
 *         (0, 1], community_sigma negative, thresholds not increasing, a
 *         non-finite parameter, a negative standard deviation, age_min >
 *         age_max or outside 0..150, edu_cut not increasing, p_male outside
 *         [0, 1]); PARTREG_ENOMEM. Thread-safe.
 */
PARTREG_API partreg_status partreg_simulate(const partreg_sim_options *opt, partreg_table **out,
                                            partreg_error *err);

/**
 * Write the true models of `opt` (NULL = the defaults) as readable text:
 * each outcome's population-averaged coefficients under the term names a
 * fit of `Y ~ PARTREG_SIM_PREDICTORS` gives them (`(Intercept)`,
 * `insured[yes]`, `1|2`, `passive|cooperative`, ...), the conditional
 * (community-specific) values the simulator draws from, and the community
 * effects. This is what `partreg simulate --show-truth` prints.
 * @return PARTREG_OK; PARTREG_EINVAL (out NULL or invalid options, as for
 *         partreg_simulate()); PARTREG_EIO (a write failed). Thread-safe
 *         for distinct streams.
 */
PARTREG_API partreg_status partreg_sim_truth_write(const partreg_sim_options *opt, FILE *out,
                                                   partreg_error *err);

/** How partreg_sim_survey_sample() draws its sample. Get the defaults from
 *  partreg_sim_sample_options_default(); fields added later take the
 *  place of the reserve. */
typedef struct partreg_sim_sample_options {
    size_t strata;       /**< strata H: communities ranked by mean social capital (default 4) */
    size_t psus;         /**< communities drawn in each stratum, at least 2 (default 10) */
    size_t per_psu;      /**< residents drawn in each drawn community, k (default 20); twice
                          *   as many in the stratum of lowest social capital */
    unsigned long seed;  /**< mt19937 seed, 1..4294967295 (default 20261207) */
    /** Reserved: fields added in later releases take its place, so that the
     *  struct's size never changes (docs/DESIGN.md, "Public structs"). */
    unsigned char partreg_reserved_[64];
} partreg_sim_sample_options;

/** The default sampling options. Thread-safe. */
PARTREG_API partreg_sim_sample_options partreg_sim_sample_options_default(void);

/**
 * Draw a stratified two-stage cluster sample from a simulated population
 * (a table from partreg_simulate(), whose rows are the population):
 * communities ranked by their mean social_capital and cut into `strata`
 * strata of M_h communities; `psus` communities drawn in each stratum
 * (simple random sampling without replacement); `per_psu` residents drawn
 * in each drawn community (twice as many in the stratum of lowest social
 * capital; all residents of a smaller community). The sample keeps every
 * column of the population, in population row order, and adds `stratum`
 * (1..H), `fpc` (M_h, the communities in the stratum's population) and
 * `weight` ((M_h / psus) (N_c / k_c), the inverse inclusion probability);
 * `community` is the PSU. Fit it with `--sampling-weights weight --strata
 * stratum --psu community --fpc fpc`. docs/simulator.md has the design.
 *
 * @return PARTREG_OK with *out a new table (free with partreg_table_free());
 *         PARTREG_EINVAL (NULL arguments, no numeric `community` or
 *         `social_capital` column, a community's rows not together, psus
 *         < 2, strata or per_psu 0, fewer communities than strata x psus,
 *         seed out of range); PARTREG_ENOMEM. Thread-safe.
 */
PARTREG_API partreg_status partreg_sim_survey_sample(const partreg_table *population,
                                                     const partreg_sim_sample_options *opt,
                                                     partreg_table **out, partreg_error *err);

/* partreg_table_write_csv() and partreg_table_write_csv_stream() are
 * declared in partreg_table.h. */

#ifdef __cplusplus
}
#endif

#endif /* PARTREG_SIMULATE_H */
