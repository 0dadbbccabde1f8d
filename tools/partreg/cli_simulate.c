/* partreg simulate: a simulated participation survey (partreg_simulate.h)
 * written as CSV, and its true models with --show-truth. The driver only
 * parses the arguments; the simulator and the writers are the library's. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "partreg_simulate.h"

static const char simulate_help[] =
    "usage: partreg simulate [--n N] [--communities C] [--seed S] [--out FILE.csv]\n"
    "                        [--show-truth] [--no-community-effect]\n"
    "                        [--community-effects bridge|normal [--community-sd SD]]\n"
    "                        [--survey-sample [--strata H] [--psus M] [--per-psu K]\n"
    "                         [--sample-seed S]]\n"
    "\n"
    "Residents nested in communities with social capital, social-security coverage,\n"
    "age, education, income and gender, and three outcomes drawn from documented\n"
    "true models: participated (logit), willingness 1-5 (cumulative logit) and\n"
    "participation_type passive < cooperative < autonomous (cumulative probit).\n"
    "The same seed gives the same file on every machine (GSL mt19937).\n"
    "  --n N                  residents (default 2000)\n"
    "  --communities C        communities, 1..N (default 40)\n"
    "  --seed S               random seed, 1..4294967295 (default 20261126)\n"
    "  --out FILE.csv         write the data there (default: standard output,\n"
    "                         unless --show-truth is given alone)\n"
    "  --show-truth           print the true coefficients and thresholds\n"
    "  --no-community-effect  outcomes independent within communities\n"
    "  --community-effects D  bridge (default: the true coefficients are population-averaged)\n"
    "                         or normal (every outcome gets u_c ~ N(0, sd^2): the true\n"
    "                         coefficients are those of a fit with + (1 | community))\n"
    "  --community-sd SD      with normal effects, the sd on the logit outcomes (default 0.88)\n"
    "  --survey-sample        write a stratified two-stage cluster sample of the simulated\n"
    "                         population instead: strata of communities by social capital,\n"
    "                         M communities a stratum, K residents a community (2K in the\n"
    "                         lowest stratum), with columns stratum, fpc and weight; fit it\n"
    "                         with --sampling-weights weight --strata stratum --psu community\n"
    "                         --fpc fpc (defaults H 4, M 10, K 20, sample seed 20261207)\n"
    "See docs/simulator.md for every distribution.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "partreg simulate: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (partreg simulate --help)\n");
    va_end(ap);
    return 2;
}

/* Whole number in [lo, hi]; 0 on success. */
static int parse_count(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    unsigned long v;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int cli_simulate(int argc, char **argv)
{
    partreg_sim_options opt = partreg_sim_options_default();
    partreg_sim_sample_options sample = partreg_sim_sample_options_default();
    const char *out_path = NULL;
    int show_truth = 0, survey = 0;
    partreg_table *table = NULL;
    partreg_error err;
    partreg_status st;
    int i;

    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long x;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(simulate_help, stdout);
            return 0;
        } else if (strcmp(a, "--show-truth") == 0) {
            show_truth = 1;
        } else if (strcmp(a, "--no-community-effect") == 0) {
            opt.truth.community_phi = 1.0;
            opt.truth.community_sigma = 0.0;
        } else if (strcmp(a, "--community-effects") == 0) {
            if (v && strcmp(v, "bridge") == 0)
                opt.truth.effects = PARTREG_SIM_BRIDGE;
            else if (v && strcmp(v, "normal") == 0)
                opt.truth.effects = PARTREG_SIM_NORMAL;
            else
                return usage_error("--community-effects must be bridge or normal, got '%s'",
                                   v ? v : "");
            i++;
        } else if (strcmp(a, "--community-sd") == 0) {
            char *end = NULL;
            double sd = v ? strtod(v, &end) : -1.0;
            if (!v || end == v || *end || !(sd >= 0.0 && sd <= 100.0))
                return usage_error("--community-sd needs a number from 0 to 100, got '%s'",
                                   v ? v : "");
            opt.truth.community_sd = sd;
            i++;
        } else if (strcmp(a, "--n") == 0) {
            if (parse_count(v, 1, 100000000UL, &x))
                return usage_error("--n needs a whole number from 1 to 100000000, got '%s'",
                                   v ? v : "");
            opt.n = (size_t)x;
            i++;
        } else if (strcmp(a, "--communities") == 0) {
            if (parse_count(v, 1, 100000000UL, &x))
                return usage_error("--communities needs a whole number of at least 1, got '%s'",
                                   v ? v : "");
            opt.communities = (size_t)x;
            i++;
        } else if (strcmp(a, "--seed") == 0) {
            if (parse_count(v, 1, 4294967295UL, &x))
                return usage_error("--seed needs a whole number from 1 to 4294967295, got '%s'",
                                   v ? v : "");
            opt.seed = x;
            i++;
        } else if (strcmp(a, "--survey-sample") == 0) {
            survey = 1;
        } else if (strcmp(a, "--strata") == 0 || strcmp(a, "--psus") == 0 ||
                   strcmp(a, "--per-psu") == 0 || strcmp(a, "--sample-seed") == 0) {
            unsigned long lo = strcmp(a, "--psus") == 0 ? 2 : 1;
            unsigned long hi = strcmp(a, "--sample-seed") == 0 ? 4294967295UL : 100000000UL;
            if (parse_count(v, lo, hi, &x))
                return usage_error("%s needs a whole number from %lu to %lu, got '%s'", a, lo, hi,
                                   v ? v : "");
            if (strcmp(a, "--strata") == 0)
                sample.strata = (size_t)x;
            else if (strcmp(a, "--psus") == 0)
                sample.psus = (size_t)x;
            else if (strcmp(a, "--per-psu") == 0)
                sample.per_psu = (size_t)x;
            else
                sample.seed = x;
            survey = 1;
            i++;
        } else if (strcmp(a, "--out") == 0) {
            if (!v || !*v)
                return usage_error("--out needs a file name");
            out_path = v;
            i++;
        } else {
            return usage_error("unknown option '%s'", a);
        }
    }
    if (opt.communities > opt.n) {
        fprintf(stderr, "partreg simulate: --communities (%zu) cannot exceed --n (%zu)\n",
                opt.communities, opt.n);
        return 2;
    }

    const char *inputs[] = {NULL};
    int rc = cli_output_check("simulate", out_path, inputs, 0);
    if (rc)
        return rc;
    if (show_truth) {
        cli_output so;
        if ((rc = cli_output_open(&so, "simulate", NULL)) != 0)
            return rc;
        st = partreg_sim_truth_write(&opt, so.f, &err);
        if (st != PARTREG_OK && st != PARTREG_EIO) {
            cli_error(NULL, &err);
            cli_output_discard(&so);
            return 1;
        }
        if ((rc = cli_output_commit(&so)) != 0)
            return rc;
        if (!out_path)
            return 0;
    }
    st = partreg_simulate(&opt, &table, &err);
    if (st != PARTREG_OK) {
        cli_error(NULL, &err);
        return st == PARTREG_EINVAL ? 2 : 1;
    }
    if (survey) {
        partreg_table *drawn = NULL;
        st = partreg_sim_survey_sample(table, &sample, &drawn, &err);
        partreg_table_free(table);
        if (st != PARTREG_OK) {
            cli_error(NULL, &err);
            return st == PARTREG_EINVAL ? 2 : 1;
        }
        table = drawn;
    }
    cli_output out;
    if ((rc = cli_output_open(&out, "simulate", out_path)) != 0) {
        partreg_table_free(table);
        return rc;
    }
    st = partreg_table_write_csv_stream(table, out.f, &err);
    if (st != PARTREG_OK && st != PARTREG_EIO) {
        cli_error(NULL, &err);
        cli_output_discard(&out);
        partreg_table_free(table);
        return 1;
    }
    if ((rc = cli_output_commit(&out)) != 0) {
        partreg_table_free(table);
        return rc;
    }
    if (out_path) {
        if (survey)
            printf("partreg simulate: a sample of %zu residents (%zu strata x %zu communities) "
                   "from %zu residents in %zu communities (seeds %lu, %lu) written to %s\n",
                   partreg_table_n_rows(table), sample.strata, sample.psus, opt.n,
                   opt.communities, opt.seed, sample.seed, out_path);
        else
            printf("partreg simulate: %zu residents in %zu communities (seed %lu) written to "
                   "%s\n",
                   opt.n, opt.communities, opt.seed, out_path);
        errno = 0;
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "partreg simulate: wrote %s, but could not write standard output: "
                            "%s\n",
                    out_path, errno ? strerror(errno) : "a write failed");
            partreg_table_free(table);
            return 1;
        }
    }
    partreg_table_free(table);
    return 0;
}
