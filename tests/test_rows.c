/* Fits over rows that are not one array (lib/models/rows.h): read from a
 * design file in segments under a tiny memory budget, or held in shares
 * by several processes (threads standing in for MPI ranks,
 * tests/comm_threads.h). Each must give the in-memory fit bit for bit:
 * estimates, log-likelihood, information, iterations and passes, for
 * binary and ordinal models, with weights, a dropped column, a warm
 * start (n >= 50,000) and uneven shares (one of them empty). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "models/design_file.h"
#include "models/fit_internal.h"
#include "models/objective.h"
#include "models/rows.h"
#include "partreg.h"
#include "testutil.h"

#include "comm_threads.h"

typedef struct problem {
    size_t n, p, J;
    double *X, *y, *w;
    partreg_family family;
    size_t *cluster; /* codes in order of first appearance */
    size_t G;
} problem;

static unsigned long long lcg(unsigned long long *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 11;
}

static double unif(unsigned long long *s) { return (double)lcg(s) / 9007199254740992.0; }

/* Columns: intercept (binary only), four predictors, a copy of the first
 * times 2 (collinear: dropped). Outcome from a logit index. */
static problem make_problem(size_t n, partreg_family family, int weighted, unsigned long long seed)
{
    problem pr = {n, family == PARTREG_BINARY ? 6 : 4, family == PARTREG_BINARY ? 2 : 4, NULL,
                  NULL, NULL, family, NULL, 0};
    pr.X = malloc(n * pr.p * sizeof *pr.X);
    pr.y = malloc(n * sizeof *pr.y);
    pr.w = weighted ? malloc(n * sizeof *pr.w) : NULL;
    unsigned long long s = seed;
    for (size_t i = 0; i < n; i++) {
        double *x = pr.X + i * pr.p;
        size_t c = 0;
        if (family == PARTREG_BINARY)
            x[c++] = 1.0;
        double a = unif(&s) * 2.3 - 1.1, b = unif(&s) < 0.37 ? 1.0 : 0.0;
        double d = unif(&s) * 7.1, e = (unif(&s) - 0.5) * (unif(&s) + 0.3);
        x[c++] = a;
        x[c++] = b;
        x[c++] = d;
        x[c++] = e;
        if (family == PARTREG_BINARY)
            x[c++] = 2.0 * a;
        double eta = 0.41 * a - 0.83 * b + 0.127 * d + 1.9 * e - 0.3;
        double u = unif(&s), L = log(u / (1.0 - u));
        if (family == PARTREG_BINARY)
            pr.y[i] = eta + L > 0 ? 1.0 : 0.0;
        else
            pr.y[i] = eta + L < -0.7 ? 0.0 : eta + L < 0.2 ? 1.0 : eta + L < 1.1 ? 2.0 : 3.0;
        if (weighted)
            pr.w[i] = (double)(1 + lcg(&s) % 4) * 0.5;
    }
    return pr;
}

/* Cluster codes: runs of rows (a file sorted by cluster), or rows spread
 * over the clusters at random; codes in order of first appearance, as the
 * model frame gives them. */
static void add_clusters(problem *pr, int sorted, size_t G, unsigned long long seed)
{
    pr->cluster = malloc(pr->n * sizeof *pr->cluster);
    size_t *remap = malloc(G * sizeof *remap);
    for (size_t g = 0; g < G; g++)
        remap[g] = (size_t)-1;
    unsigned long long s = seed;
    pr->G = 0;
    for (size_t i = 0; i < pr->n; i++) {
        size_t g = sorted ? i * G / pr->n : (size_t)(lcg(&s) % G);
        if (remap[g] == (size_t)-1)
            remap[g] = pr->G++;
        pr->cluster[i] = remap[g];
    }
    free(remap);
}

static void free_problem(problem *pr)
{
    free(pr->cluster);
    free(pr->X);
    free(pr->y);
    free(pr->w);
}

static partreg_data data_of(const problem *pr)
{
    partreg_data d = {pr->n, pr->p, pr->X, 0, pr->y, pr->w, pr->J, NULL, NULL};
    return d;
}

/* The same fit, bit for bit. */
static void assert_same_fit(const partreg_fit *a, const partreg_fit *b)
{
    assert_int_equal(a->k, b->k);
    assert_int_equal(a->pk, b->pk);
    assert_int_equal(a->iterations, b->iterations);
    assert_int_equal(a->passes, b->passes);
    assert_memory_equal(&a->loglik, &b->loglik, sizeof a->loglik);
    assert_memory_equal(&a->sum_w, &b->sum_w, sizeof a->sum_w);
    assert_memory_equal(a->theta->data, b->theta->data, a->k * sizeof(double));
    assert_memory_equal(a->info->data, b->info->data, a->k * a->k * sizeof(double));
    assert_memory_equal(a->vcov->data, b->vcov->data, a->K * a->K * sizeof(double));
    assert_memory_equal(&a->null_loglik, &b->null_loglik, sizeof a->null_loglik);
}

static partreg_fit *fit_in_memory(const problem *pr, int threads)
{
    partreg_data d = data_of(pr);
    partreg_fit_options o = partreg_fit_options_default();
    o.threads = threads;
    partreg_fit *fit = NULL;
    partreg_error err;
    partreg_status st = partreg_fit_create(&d, pr->family, PARTREG_LOGIT, &o, &fit, &err);
    if (st != PARTREG_OK)
        print_error("in-memory fit: %s\n", err.message);
    assert_int_equal(st, PARTREG_OK);
    return fit;
}

/* ---- a design file --------------------------------------------------- */

static partreg_design_file *write_file(const problem *pr)
{
    partreg_design_file *f = NULL;
    partreg_error err;
    assert_int_equal(partreg_design_file_create(NULL, pr->n, pr->p, pr->w != NULL,
                                                pr->cluster != NULL, &f, &err),
                     PARTREG_OK);
    /* in uneven blocks, as a reader of a large file writes them */
    for (size_t b = 0; b < pr->n;) {
        size_t m = 1 + (b * 7919) % 30011;
        if (m > pr->n - b)
            m = pr->n - b;
        assert_int_equal(partreg_design_file_write(f, b, m, pr->X + b * pr->p, pr->y + b,
                                                   pr->w ? pr->w + b : NULL,
                                                   pr->cluster ? pr->cluster + b : NULL, &err),
                         PARTREG_OK);
        b += m;
    }
    return f;
}

/* The covariances and a profile interval of fit (rows: data NULL, or this
 * process's share) against the in-memory ref's. */
static void assert_same_inference(partreg_fit *ref, const problem *pr, partreg_fit *fit,
                                  const partreg_data *data, const size_t *cluster)
{
    partreg_data all = data_of(pr);
    partreg_error err;
    const partreg_vcov_type types[] = {PARTREG_VCOV_HC0, PARTREG_VCOV_HC1, PARTREG_VCOV_CLUSTER};
    for (size_t t = 0; t < 3; t++) {
        int cl = types[t] == PARTREG_VCOV_CLUSTER;
        partreg_status st = partreg_fit_set_vcov(ref, &all, types[t], cl ? pr->cluster : NULL,
                                                 pr->G, &err);
        assert_int_equal(st, PARTREG_OK);
        st = partreg_fit_set_vcov(fit, data, types[t], cl ? cluster : NULL, pr->G, &err);
        if (st != PARTREG_OK)
            print_error("set_vcov: %s\n", err.message);
        assert_int_equal(st, PARTREG_OK);
        assert_memory_equal(ref->vcov->data, fit->vcov->data, ref->K * ref->K * sizeof(double));
        assert_int_equal(partreg_fit_vcov_n_clusters(ref), partreg_fit_vcov_n_clusters(fit));
    }
    double lo0, hi0, lo1, hi1;
    size_t j = pr->family == PARTREG_BINARY ? 2 : 1;
    assert_int_equal(partreg_fit_profile_ci(ref, &all, j, 0.95, &lo0, &hi0, &err), PARTREG_OK);
    partreg_status st = partreg_fit_profile_ci(fit, data, j, 0.95, &lo1, &hi1, &err);
    if (st != PARTREG_OK)
        print_error("profile: %s\n", err.message);
    assert_int_equal(st, PARTREG_OK);
    assert_memory_equal(&lo0, &lo1, sizeof lo0);
    assert_memory_equal(&hi0, &hi1, sizeof hi0);
}

static void check_file_fit(partreg_family family, int weighted, size_t memory, int threads)
{
    problem pr = make_problem(120000, family, weighted, 0x5EEDull + (unsigned)family);
    add_clusters(&pr, family == PARTREG_BINARY, 300, 0x77ull);
    partreg_fit *ref = fit_in_memory(&pr, 2);
    partreg_design_file *f = write_file(&pr);
    partreg_rows rows;
    partreg_rows_in_memory(&rows, pr.n, pr.p, NULL, NULL, NULL, NULL);
    rows.weighted = weighted;
    rows.clustered = 1;
    rows.file = f;
    rows.memory = memory;
    partreg_data meta = data_of(&pr);
    meta.X = NULL;
    meta.y = NULL;
    meta.w = NULL;
    partreg_fit_options o = partreg_fit_options_default();
    o.threads = threads;
    partreg_model_spec *spec = NULL;
    partreg_fit *fit = NULL;
    partreg_error err;
    assert_int_equal(partreg_model_spec_create(family, PARTREG_LOGIT, &spec, &err), PARTREG_OK);
    partreg_status st = partreg_fit_create_rows(&meta, &rows, spec, &o, &fit, &err);
    partreg_model_spec_free(spec);
    if (st != PARTREG_OK)
        print_error("file fit: %s\n", err.message);
    assert_int_equal(st, PARTREG_OK);
    assert_same_fit(ref, fit);
    if (family == PARTREG_BINARY)
        assert_true(fit->dropped[5]); /* the collinear copy, in both */
    assert_same_inference(ref, &pr, fit, &meta, NULL); /* a design file: data are not read */
    partreg_fit_free(fit);
    partreg_fit_free(ref);
    partreg_design_file_close(f);
    free_problem(&pr);
}

static void test_file_binary(void **state)
{
    (void)state;
    check_file_fit(PARTREG_BINARY, 0, 1, 2); /* a budget of one byte: one thread */
    check_file_fit(PARTREG_BINARY, 1, 0, 2);
}

static void test_file_ordinal(void **state)
{
    (void)state;
    check_file_fit(PARTREG_ORDINAL, 1, 1, 1);
    check_file_fit(PARTREG_ORDINAL, 0, 0, 2);
}

/* ---- shares on threads standing in for processes ----------------------- */

typedef struct rank_job {
    const problem *pr;
    tcomm_shared *sh;
    int rank;
    size_t first, count;
    partreg_fit *fit;
    partreg_status st;
    char message[PARTREG_ERROR_MESSAGE_SIZE];
    double *vcov[3]; /* HC0, HC1, cluster */
    double lo, hi;   /* a profile interval */
} rank_job;

static void *rank_main(void *arg)
{
    rank_job *j = arg;
    const problem *pr = j->pr;
    partreg_comm *comm = tcomm_new(j->sh, j->rank);
    partreg_data d = {j->count, pr->p, pr->X + j->first * pr->p, 0, pr->y + j->first,
                      pr->w ? pr->w + j->first : NULL, pr->J, NULL, NULL};
    partreg_fit_options o = partreg_fit_options_default();
    o.threads = 1 + (j->rank % 2);
    o.comm = comm;
    partreg_error err;
    j->st = partreg_fit_create(&d, pr->family, PARTREG_LOGIT, &o, &j->fit, &err);
    memcpy(j->message, err.message, sizeof j->message);
    /* the inference calls, together, on this process's share */
    const partreg_vcov_type types[] = {PARTREG_VCOV_HC0, PARTREG_VCOV_HC1, PARTREG_VCOV_CLUSTER};
    for (size_t t = 0; j->st == PARTREG_OK && t < 3; t++) {
        int cl = types[t] == PARTREG_VCOV_CLUSTER;
        partreg_status st = partreg_fit_set_vcov(j->fit, &d, types[t],
                                                 cl ? pr->cluster + j->first : NULL, pr->G, &err);
        if (st != PARTREG_OK) {
            j->st = st;
            memcpy(j->message, err.message, sizeof j->message);
        }
        j->vcov[t] = malloc(j->fit->K * j->fit->K * sizeof(double));
        memcpy(j->vcov[t], j->fit->vcov->data, j->fit->K * j->fit->K * sizeof(double));
    }
    if (j->st == PARTREG_OK) {
        size_t c = pr->family == PARTREG_BINARY ? 2 : 1;
        partreg_status st = partreg_fit_profile_ci(j->fit, &d, c, 0.95, &j->lo, &j->hi, &err);
        if (st != PARTREG_OK) {
            j->st = st;
            memcpy(j->message, err.message, sizeof j->message);
        }
    }
    partreg_comm_free(comm);
    return NULL;
}

static void check_shares(partreg_family family, int weighted, size_t n, const double *share,
                         int size, int sorted)
{
    problem pr = make_problem(n, family, weighted, 0xABCull + (unsigned)family);
    add_clusters(&pr, sorted, 40, 0x99ull);
    partreg_fit *ref = fit_in_memory(&pr, 1);
    /* the reference's covariances and interval */
    partreg_data all = data_of(&pr);
    partreg_error err;
    double *ref_vcov[3], lo, hi;
    const partreg_vcov_type types[] = {PARTREG_VCOV_HC0, PARTREG_VCOV_HC1, PARTREG_VCOV_CLUSTER};
    for (size_t t = 0; t < 3; t++) {
        int cl = types[t] == PARTREG_VCOV_CLUSTER;
        assert_int_equal(partreg_fit_set_vcov(ref, &all, types[t], cl ? pr.cluster : NULL, pr.G,
                                              &err),
                         PARTREG_OK);
        ref_vcov[t] = malloc(ref->K * ref->K * sizeof(double));
        memcpy(ref_vcov[t], ref->vcov->data, ref->K * ref->K * sizeof(double));
    }
    assert_int_equal(partreg_fit_profile_ci(ref, &all, family == PARTREG_BINARY ? 2 : 1, 0.95,
                                            &lo, &hi, &err),
                     PARTREG_OK);
    tcomm_shared *sh = tcomm_shared_new(size);
    rank_job jobs[8];
    pthread_t tid[8];
    size_t at = 0;
    for (int r = 0; r < size; r++) {
        size_t c = r + 1 == size ? n - at : (size_t)(share[r] * (double)n);
        jobs[r] = (rank_job){&pr, sh, r, at, c, NULL, PARTREG_OK, "", {NULL, NULL, NULL}, 0, 0};
        at += c;
    }
    for (int r = 0; r < size; r++)
        pthread_create(&tid[r], NULL, rank_main, &jobs[r]);
    for (int r = 0; r < size; r++)
        pthread_join(tid[r], NULL);
    for (int r = 0; r < size; r++) {
        if (jobs[r].st != PARTREG_OK)
            print_error("rank %d: %s\n", r, jobs[r].message);
        assert_int_equal(jobs[r].st, PARTREG_OK);
        for (size_t t = 0; t < 3; t++) {
            assert_memory_equal(ref_vcov[t], jobs[r].vcov[t], ref->K * ref->K * sizeof(double));
            free(jobs[r].vcov[t]);
        }
        assert_memory_equal(&lo, &jobs[r].lo, sizeof lo);
        assert_memory_equal(&hi, &jobs[r].hi, sizeof hi);
        partreg_fit_set_vcov(ref, &all, PARTREG_VCOV_MODEL, NULL, 0, &err);
        partreg_fit_set_vcov(jobs[r].fit, NULL, PARTREG_VCOV_MODEL, NULL, 0, &err);
        assert_same_fit(ref, jobs[r].fit);
        partreg_fit_free(jobs[r].fit);
    }
    for (size_t t = 0; t < 3; t++)
        free(ref_vcov[t]);
    tcomm_shared_free(sh);
    partreg_fit_free(ref);
    free_problem(&pr);
}

static void test_shares_binary(void **state)
{
    (void)state;
    const double share[] = {0.4, 0.01, 0.59};
    check_shares(PARTREG_BINARY, 1, 90000, share, 3, 1); /* a warm start */
    const double small[] = {0.3, 0.0, 0.7};
    check_shares(PARTREG_BINARY, 0, 7531, small, 3, 0); /* an empty share */
}

static void test_shares_ordinal(void **state)
{
    (void)state;
    const double share[] = {0.2, 0.3, 0.1, 0.4};
    check_shares(PARTREG_ORDINAL, 1, 64000, share, 4, 0);
    const double two[] = {0.5, 0.5};
    check_shares(PARTREG_ORDINAL, 0, 2500, two, 2, 1); /* one segment, two processes */
}

/* ---- segments bounded in rows ------------------------------------------ */

static void test_segment_cap(void **state)
{
    (void)state;
    size_t k = 11, block = partreg_block_rows_auto(k);
    /* up to 256 segments as before */
    assert_int_equal(partreg_segment_count(10000000, k, block), 256);
    /* beyond, each segment holds at most about 2^22 / (k + 2) rows */
    size_t n = 1000000000, nseg = partreg_segment_count(n, k, block);
    assert_true(nseg > 256);
    size_t cap = ((size_t)1 << 22) / (k + 2);
    for (size_t s = 0; s < nseg; s++) {
        size_t b, e;
        partreg_segment_rows(n, block, nseg, s, &b, &e);
        assert_true(e - b <= cap + block);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segment_cap),
        cmocka_unit_test(test_file_binary),
        cmocka_unit_test(test_file_ordinal),
        cmocka_unit_test(test_shares_binary),
        cmocka_unit_test(test_shares_ordinal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
