/* Survey designs and random intercepts over the shares of a distributed
 * analysis whose processes are threads (tests/comm_threads.h):
 * partreg_analysis_run with a communicator of 2 or 3 gives every process
 * the in-memory analysis's estimates, covariance, design numbers, group
 * effects and errors, bit for bit, on a file whose PSUs and groups have
 * rows in every share (rows in a pseudo-random order). The MPI command's
 * tests (tests/cli_mpi_design.sh, tests/cli_mpi_ri.sh) compare the JSON;
 * this one runs the exchanges of the design's PSUs, fpc and population
 * and of the rows sorted by group under the leak checker. Each analysis
 * runs again with the rows in a file per process (file_per_process): the
 * same numbers, and a header that differs fails every process. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/fit_internal.h"
#include "partreg.h"
#include "partreg_analysis.h"
#include "partreg_random.h"
#include "partreg_survey.h"
#include "testutil.h"

#include "comm_threads.h"

#define N_ROWS 2400
#define MAX_P 3

static char path[256];
/* parts[P][r]: the file of process r of P (the rows in order, uneven) */
static char parts[MAX_P + 1][MAX_P][256];

/* The process of P whose file holds row k: the first files the smallest. */
static int part_of(size_t k, int P)
{
    int r = 0;
    while (r < P - 1 && k >= N_ROWS * (size_t)((r + 1) * (r + 2)) / (size_t)(P * (P + 1)))
        r++;
    return r;
}

/* A survey of N_ROWS residents: strata A and B, PSUs 1..15 in each, 40
 * communities, sampling weights, an fpc per stratum, a 0/1 domain; an
 * outcome y (0/1) and an ordinal one (1..4) that depend on x and the
 * community. Rows in a scrambled order. */
static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/partreg_stream_groups_%d.csv", (int)getpid());
    FILE *f = fopen(path, "w"), *pf[MAX_P + 1][MAX_P] = {{NULL}};
    if (!f)
        return -1;
    const char *header = "y,ord,x,z,g,stratum,psu,sw,fpc,dom\n";
    fputs(header, f);
    for (int P = 2; P <= MAX_P; P++)
        for (int r = 0; r < P; r++) {
            snprintf(parts[P][r], sizeof parts[P][r], "/tmp/partreg_stream_groups_%d_%d_%d.csv",
                     (int)getpid(), P, r);
            if (!(pf[P][r] = fopen(parts[P][r], "w")))
                return -1;
            fputs(header, pf[P][r]);
        }
    char row[256];
    unsigned long long s = 0x2545F4914F6CDD1Dull;
    for (size_t k = 0; k < N_ROWS; k++) {
        size_t i = (k * 1237) % N_ROWS; /* 1237 is prime to 2400: a permutation */
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double u1 = (double)(s >> 11) / 9007199254740992.0;
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double u2 = (double)(s >> 11) / 9007199254740992.0;
        size_t g = i % 40, psu = 1 + (i / 40) % 15;
        char stratum = (i / 7) % 2 ? 'A' : 'B';
        double x = 2.0 * u1 - 1.0, z = (double)(i % 5) - 2.0;
        double u_g = 0.9 * sin(1.7 * (double)g);
        double eta = -0.3 + 1.1 * x + 0.25 * z + u_g;
        int y = u2 < 1.0 / (1.0 + exp(-eta));
        double e2 = eta + 1.5 * (u2 - 0.5) * 4.0;
        int ord = e2 < -1.0 ? 1 : e2 < 0.2 ? 2 : e2 < 1.3 ? 3 : 4;
        snprintf(row, sizeof row, "%d,%d,%.6f,%g,%zu,%c,%zu,%.3f,%d,%d\n", y, ord, x, z, g,
                 stratum, psu, 1.0 + (double)(i % 9) / 4.0, stratum == 'A' ? 60 : 45,
                 (int)(i % 3 != 0));
        fputs(row, f);
        for (int P = 2; P <= MAX_P; P++)
            fputs(row, pf[P][part_of(k, P)]);
    }
    int bad = fclose(f) != 0;
    for (int P = 2; P <= MAX_P; P++)
        for (int r = 0; r < P; r++)
            bad |= fclose(pf[P][r]) != 0;
    return bad ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    for (int P = 2; P <= MAX_P; P++)
        for (int r = 0; r < P; r++)
            unlink(parts[P][r]);
    return 0;
}

typedef struct outcome {
    partreg_status st;
    char message[PARTREG_ERROR_MESSAGE_SIZE];
    size_t K;
    double *par, *vcov; /* K, K x K */
    partreg_survey_info design;
    int has_design;
    partreg_random_intercept ri;
    double *modes; /* groups' effects */
    size_t G;
} outcome;

static void outcome_free(outcome *o)
{
    free(o->par);
    free(o->vcov);
    free(o->modes);
}

static void run_one(const partreg_analysis_spec *spec, const char *data, partreg_comm *comm,
                    outcome *o)
{
    memset(o, 0, sizeof *o);
    partreg_analysis_spec s = *spec;
    s.fit.comm = comm;
    s.fit.threads = 1;
    partreg_analysis *a = NULL;
    partreg_error err;
    memset(&err, 0, sizeof err);
    o->st = partreg_analysis_run(data, &s, &a, &err);
    memcpy(o->message, err.message, sizeof o->message);
    const partreg_fit *fit = a ? partreg_analysis_fit(a) : NULL;
    if (fit && o->st == PARTREG_OK) {
        o->K = fit->K;
        o->par = malloc(fit->K * sizeof *o->par);
        o->vcov = malloc(fit->K * fit->K * sizeof *o->vcov);
        memcpy(o->par, fit->par->data, fit->K * sizeof *o->par);
        memcpy(o->vcov, fit->vcov->data, fit->K * fit->K * sizeof *o->vcov);
        o->has_design = partreg_fit_survey_info(fit, &o->design);
        o->G = partreg_fit_n_groups(fit);
        if (o->G) {
            assert_int_equal(partreg_fit_random_intercept(fit, &o->ri, NULL), PARTREG_OK);
            o->modes = malloc(o->G * sizeof *o->modes);
            for (size_t g = 0; g < o->G; g++) {
                partreg_group_effect e;
                assert_int_equal(partreg_fit_group_effect(fit, g, &e, NULL), PARTREG_OK);
                o->modes[g] = e.mode;
            }
        }
    }
    partreg_analysis_free(a);
}

typedef struct rank_job {
    const partreg_analysis_spec *spec;
    const char *data;
    tcomm_shared *sh;
    int rank;
    outcome out;
} rank_job;

static void *rank_main(void *arg)
{
    rank_job *j = arg;
    partreg_comm *comm = tcomm_new(j->sh, j->rank);
    run_one(j->spec, j->data, comm, &j->out);
    partreg_comm_free(comm);
    return NULL;
}

/* The whole file's message as P processes with a file each give it:
 * "line N" (row N - 2) is "line L of FILE" of the file holding that row. */
static void file_message(const char *whole, int P, char *out, size_t size)
{
    const char *at = strstr(whole, "line ");
    long N = at ? strtol(at + 5, NULL, 10) : 0;
    if (P == 0 || N < 2) {
        snprintf(out, size, "%s", whole);
        return;
    }
    size_t k = (size_t)N - 2;
    int r = part_of(k, P);
    size_t first = N_ROWS * (size_t)(r * (r + 1)) / (size_t)(P * (P + 1));
    const char *after = at + 5;
    while (*after >= '0' && *after <= '9')
        after++;
    snprintf(out, size, "%.*sline %zu of %s%s", (int)(at - whole), whole, k - first + 2,
             parts[P][r], after);
}

/* b as P processes (0: in memory or in shares) with a file each give a */
static void assert_same(const outcome *a, const outcome *b, int P)
{
    assert_int_equal(a->st, b->st);
    char want[2 * PARTREG_ERROR_MESSAGE_SIZE];
    file_message(a->message, P, want, sizeof want);
    assert_string_equal(want, b->message);
    if (a->st != PARTREG_OK)
        return;
    assert_int_equal(a->K, b->K);
    assert_memory_equal(a->par, b->par, a->K * sizeof *a->par);
    assert_memory_equal(a->vcov, b->vcov, a->K * a->K * sizeof *a->vcov);
    assert_int_equal(a->has_design, b->has_design);
    if (a->has_design) {
        assert_int_equal(a->design.n_strata, b->design.n_strata);
        assert_int_equal(a->design.n_psu, b->design.n_psu);
        assert_int_equal(a->design.n_lonely, b->design.n_lonely);
        assert_int_equal(a->design.subpop_size, b->design.subpop_size);
        assert_memory_equal(&a->design.df, &b->design.df, sizeof(double));
        assert_memory_equal(&a->design.population_size, &b->design.population_size,
                            sizeof(double));
    }
    assert_int_equal(a->G, b->G);
    if (a->G) {
        assert_memory_equal(&a->ri.sd, &b->ri.sd, sizeof(double));
        assert_memory_equal(&a->ri.lr_chi2, &b->ri.lr_chi2, sizeof(double));
        assert_memory_equal(a->modes, b->modes, a->G * sizeof *a->modes);
    }
}

/* P processes (threads) run spec, on the file's shares or (files) each on
 * its own file; jobs[r].out their outcomes. */
static void run_processes(const partreg_analysis_spec *spec, int P, int files, rank_job *jobs)
{
    partreg_analysis_spec s = *spec;
    s.file_per_process = files;
    tcomm_shared *sh = tcomm_shared_new(P);
    pthread_t tid[MAX_P];
    for (int r = 0; r < P; r++) {
        jobs[r].spec = &s;
        jobs[r].data = files ? parts[P][r] : path;
        jobs[r].sh = sh;
        jobs[r].rank = r;
        pthread_create(&tid[r], NULL, rank_main, &jobs[r]);
    }
    for (int r = 0; r < P; r++)
        pthread_join(tid[r], NULL);
    tcomm_shared_free(sh);
}

/* The analysis in memory, then by 2 and 3 processes, on shares of the file
 * and on a file each: the same. */
static void check(const partreg_analysis_spec *spec, partreg_status want)
{
    outcome ref;
    run_one(spec, path, NULL, &ref);
    if (ref.st != want)
        print_error("in memory: %s\n", ref.message);
    assert_int_equal(ref.st, want);
    for (int files = 0; files <= 1; files++)
        for (int P = 2; P <= MAX_P; P++) {
            rank_job jobs[MAX_P];
            run_processes(spec, P, files, jobs);
            for (int r = 0; r < P; r++) {
                if (jobs[r].out.st != ref.st)
                    print_error("%d processes%s, rank %d: %s\n", P, files ? " (files)" : "", r,
                                jobs[r].out.message);
                assert_same(&ref, &jobs[r].out, files ? P : 0);
                outcome_free(&jobs[r].out);
            }
        }
    outcome_free(&ref);
}

static void test_design_strata_psu_fpc(void **state)
{
    (void)state;
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = "y ~ x + z";
    s.diagnostics = 0;
    s.frame.sampling_weights = "sw";
    s.frame.strata = "stratum";
    s.frame.psu = "psu";
    s.frame.fpc = "fpc";
    check(&s, PARTREG_OK);
    s.formula = "ord ~ x + z"; /* ordinal */
    check(&s, PARTREG_OK);
}

static void test_design_subpop_rows_as_psus(void **state)
{
    (void)state;
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = "y ~ x + z";
    s.diagnostics = 0;
    s.frame.sampling_weights = "sw";
    s.frame.psu = "psu";
    s.frame.subpop = "dom";
    check(&s, PARTREG_OK);
    s.frame.psu = NULL; /* every row a PSU, within strata */
    s.frame.subpop = NULL;
    s.frame.strata = "stratum";
    check(&s, PARTREG_OK);
}

static void test_design_errors(void **state)
{
    (void)state;
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = "y ~ x";
    s.diagnostics = 0;
    s.frame.sampling_weights = "sw";
    s.frame.strata = "stratum";
    s.frame.psu = "psu";
    s.frame.fpc = "z"; /* not > 0 everywhere: the first such line */
    check(&s, PARTREG_EDATA);
    s.frame.fpc = "psu"; /* varies within a stratum: the row of the whole data */
    check(&s, PARTREG_EINVAL);
}

static void test_random_intercepts(void **state)
{
    (void)state;
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.diagnostics = 0;
    s.formula = "y ~ x + z + (1 | g)";
    s.nagq = 1;
    check(&s, PARTREG_OK);
    s.formula = "ord ~ x + (1 | g)";
    s.nagq = 5;
    check(&s, PARTREG_OK);
    s.frame.weights = "sw"; /* case weights */
    s.formula = "y ~ x + (1 | g)";
    check(&s, PARTREG_OK);
}

/* Clusters numbered by first appearance in the whole data, spanning the
 * shares (files); a bad weight, whose message names its file's line */
static void test_clusters(void **state)
{
    (void)state;
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = "ord ~ x + z";
    s.diagnostics = 0;
    s.vcov = PARTREG_VCOV_CLUSTER;
    s.frame.cluster = "g";
    check(&s, PARTREG_OK);
    s.frame.weights = "z"; /* negative */
    check(&s, PARTREG_EDATA);
}

/* A file per process whose header differs from process 0's: every
 * process fails with the message that names it. */
static void test_file_header_differs(void **state)
{
    (void)state;
    char other[256];
    snprintf(other, sizeof other, "/tmp/partreg_stream_groups_%d_other.csv", (int)getpid());
    FILE *in = fopen(parts[MAX_P][1], "r"), *out = fopen(other, "w");
    assert_non_null(in);
    assert_non_null(out);
    char line[256];
    for (int k = 0; fgets(line, sizeof line, in); k++)
        fputs(k ? line : "y,ord,x,zz,g,stratum,psu,sw,fpc,dom\n", out);
    fclose(in);
    assert_int_equal(fclose(out), 0);
    char kept[256];
    memcpy(kept, parts[MAX_P][1], sizeof kept);
    snprintf(parts[MAX_P][1], sizeof parts[MAX_P][1], "%s", other);
    partreg_analysis_spec s = partreg_analysis_spec_default();
    s.formula = "y ~ x + (1 | g)";
    s.nagq = 1;
    rank_job jobs[MAX_P];
    run_processes(&s, MAX_P, 1, jobs);
    memcpy(parts[MAX_P][1], kept, sizeof kept);
    unlink(other);
    char want[1024];
    snprintf(want, sizeof want,
             "%s:1: the header line differs from %s's: column 4 is 'zz' where %s has 'z'; every "
             "process's file needs the same header line (the same columns, in the same order)",
             other, parts[MAX_P][0], parts[MAX_P][0]);
    for (int r = 0; r < MAX_P; r++) {
        assert_int_equal(jobs[r].out.st, PARTREG_EPARSE);
        assert_string_equal(jobs[r].out.message, want);
        outcome_free(&jobs[r].out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_design_strata_psu_fpc),
        cmocka_unit_test(test_design_subpop_rows_as_psus),
        cmocka_unit_test(test_design_errors),
        cmocka_unit_test(test_random_intercepts),
        cmocka_unit_test(test_clusters),
        cmocka_unit_test(test_file_header_differs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
