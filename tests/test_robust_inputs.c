/* Every row of docs/errors.md through the library API: each bad
 * file, value, formula, model and option gives its status, a message that
 * names the problem and where (file, line, column, term), no crash, no
 * leak (run under ASan and valgrind), and, where a fit is still possible,
 * a fit whose warnings say what was done. Row ids (F1, V3, ...) are those
 * of docs/errors.md. Inputs are written into a temporary directory by the
 * test itself, including the 10 MB line and the 100,000-column file. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "partreg.h"
#include "partreg_analysis.h"
#include "partreg_formula.h"
#include "partreg_table.h"
#include "testutil.h"

#include "core/cpu.h"

/* ---- temporary files ------------------------------------------------------ */

static char tmpdir[64];
static char paths[64][128];
static size_t n_paths;

static const char *tmp_path(const char *name)
{
    assert_true(n_paths < 64);
    snprintf(paths[n_paths], sizeof paths[0], "%s/%s", tmpdir, name);
    return paths[n_paths++];
}

static const char *write_file(const char *name, const char *content, size_t len)
{
    const char *p = tmp_path(name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return p;
}

static const char *write_text(const char *name, const char *content)
{
    return write_file(name, content, strlen(content));
}

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/partreg_robust_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < n_paths; i++) {
        struct stat sb;
        if (stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode))
            rmdir(paths[i]);
        else
            unlink(paths[i]);
    }
    return rmdir(tmpdir);
}

/* ---- helpers ---------------------------------------------------------------- */

/* Run the whole analysis on `path`; check the status and that the message
 * contains `msg` (and, when given, the error's line and column). Returns
 * the analysis when one came back (fits that are still possible). */
static partreg_analysis *run_spec(const char *path, const partreg_analysis_spec *spec,
                                  partreg_status want, const char *msg, long line, long column)
{
    partreg_analysis *a = (partreg_analysis *)1;
    partreg_error err;
    partreg_status st = partreg_analysis_run(path, spec, &a, &err);
    if (st != want)
        print_error("%s: status %s, wanted %s: %s\n", spec->formula, partreg_status_name(st),
                    partreg_status_name(want), err.message);
    assert_int_equal(st, want);
    assert_int_equal(err.status, st);
    if (msg) {
        assert_contains(err.message, msg);
        assert_null(strchr(err.message, '\n')); /* one line */
    }
    if (line)
        assert_int_equal(err.line, line);
    if (column)
        assert_int_equal(err.column, column);
    if (st != PARTREG_OK && st != PARTREG_ESEPARATION && st != PARTREG_ENOTCONVERGED)
        assert_null(a);
    else
        assert_non_null(a);
    return a;
}

static void run_expect(const char *path, const char *formula, partreg_status want,
                       const char *msg)
{
    partreg_analysis_spec spec = partreg_analysis_spec_default();
    spec.formula = formula;
    partreg_analysis_free(run_spec(path, &spec, want, msg, 0, 0));
}

static int has_warning(const partreg_fit *fit, const char *a, const char *b)
{
    for (size_t i = 0; i < partreg_fit_n_warnings(fit); i++) {
        const char *w = partreg_fit_warning(fit, i);
        if (strstr(w, a) && (!b || strstr(w, b)))
            return 1;
    }
    return 0;
}

/* ---- files ------------------------------------------------------------------ */

static void test_files(void **state)
{
    (void)state;
    partreg_table *t = (partreg_table *)1;
    partreg_error err;
    const char *F = "y ~ x";

    /* F1 missing */
    const char *missing = tmp_path("missing.csv");
    assert_int_equal(partreg_table_read(missing, NULL, &t, &err), PARTREG_EIO);
    assert_null(t);
    assert_contains(err.message, "No such file");
    assert_contains(err.message, "missing.csv");
    run_expect(missing, F, PARTREG_EIO, "No such file");

    /* F2 unreadable (root reads anything: skipped then) */
    const char *unread = write_text("unreadable.csv", "y,x\n1,2\n0,3\n");
    chmod(unread, 0);
    if (geteuid() != 0)
        run_expect(unread, F, PARTREG_EIO, "Permission denied");

    /* F3 a directory */
    const char *dir = tmp_path("adir");
    assert_int_equal(mkdir(dir, 0700), 0);
    run_expect(dir, F, PARTREG_EIO, "Is a directory");

    /* F4 empty, F5 header only */
    run_expect(write_text("empty.csv", ""), F, PARTREG_EPARSE, "is empty");
    run_expect(write_text("header.csv", "y,x\n"), F, PARTREG_ETOOFEW, "has no data rows");

    /* F6 binary garbage (with NULs), deterministic bytes */
    unsigned char junk[4096];
    unsigned s = 2463534242u;
    for (size_t i = 0; i < sizeof junk; i++) {
        s ^= s << 13, s ^= s >> 17, s ^= s << 5;
        junk[i] = (unsigned char)(s >> 7);
    }
    junk[10] = 0;
    partreg_analysis_spec spec = partreg_analysis_spec_default();
    spec.formula = F;
    partreg_analysis_free(run_spec(write_file("garbage.csv", (const char *)junk, sizeof junk),
                                   &spec, PARTREG_EPARSE, "invalid UTF-8", 0, 0));

    /* F7 invalid UTF-8, F8 ragged, F9 unterminated quote, F12 duplicate names:
     * with line and column */
    partreg_analysis_free(run_spec(write_text("badutf.csv", "y,x\n1,\xff\xfe\n0,2\n"), &spec,
                                   PARTREG_EPARSE, "invalid UTF-8 (byte 0xFF)", 2, 3));
    partreg_analysis_free(run_spec(write_text("ragged.csv", "y,x\n1,2\n0,2,3\n"), &spec,
                                   PARTREG_EPARSE, "line 3 has 3 fields, the header has 2", 3, 5));
    partreg_analysis_free(run_spec(write_text("unterm.csv", "y,x\n1,\"2\n0,2\n"), &spec,
                                   PARTREG_EPARSE, "never closed", 2, 3));
    partreg_analysis_free(run_spec(write_text("dup.csv", "y,x,x\n1,2,3\n0,2,3\n"), &spec,
                                   PARTREG_EPARSE, "column name 'x' appears twice", 1, 5));
}

/* F10, F11: a 10 MB single line, and a 10 MB cell */
static void test_long_lines(void **state)
{
    (void)state;
    size_t cap = 11u << 20, used = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (size_t j = 0; used < (10u << 20); j++)
        used += (size_t)snprintf(buf + used, cap - used, "%sc%zu", j ? "," : "", j);
    const char *wide = write_file("oneline.csv", buf, used);
    run_expect(wide, "c1 ~ c2", PARTREG_ETOOFEW, "has no data rows");

    used = (size_t)snprintf(buf, cap, "y,x\n1,2\n0,");
    memset(buf + used, '9', 10u << 20);
    used += 10u << 20;
    used += (size_t)snprintf(buf + used, cap - used, "\n1,3\n0,1\n1,5\n");
    partreg_analysis_spec spec = partreg_analysis_spec_default();
    spec.formula = "y ~ x";
    partreg_analysis_free(run_spec(write_file("longcell.csv", buf, used), &spec, PARTREG_EDATA,
                                   "holds numbers but line 3 has '999", 3, 0));
    free(buf);
}

/* F13, F14: 100,000 columns */
static void test_wide(void **state)
{
    (void)state;
    const size_t p = 100000, n = 6;
    size_t cap = (p * 8 + 16) * (n + 1), used = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    used += (size_t)snprintf(buf + used, cap - used, "y");
    for (size_t j = 0; j < p; j++)
        used += (size_t)snprintf(buf + used, cap - used, ",c%zu", j);
    buf[used++] = '\n';
    for (size_t i = 0; i < n; i++) {
        used += (size_t)snprintf(buf + used, cap - used, "%zu", i % 2);
        for (size_t j = 0; j < p; j++)
            used += (size_t)snprintf(buf + used, cap - used, ",%zu", (i * 3 + j * 7 + i * j) % 10);
        buf[used++] = '\n';
    }
    const char *path = write_file("wide.csv", buf, used);
    free(buf);
    partreg_table *t = NULL;
    assert_int_equal(partreg_table_read(path, NULL, &t, NULL), PARTREG_OK);
    assert_int_equal(partreg_table_n_columns(t), p + 1);
    partreg_table_free(t);
    run_expect(path, "y ~ c1", PARTREG_OK, NULL);
    run_expect(path, "y ~ c100000", PARTREG_ENOTFOUND, "unknown column 'c100000'");
}

/* ---- values ----------------------------------------------------------------- */

static void test_values(void **state)
{
    (void)state;
    static const struct {
        const char *id, *cell;
    } bad[] = {{"V1", "abc"}, {"V2", "inf"}, {"V3", "nan"}, {"V4", "1e999"}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char csv[128], name[32], want[64];
        snprintf(csv, sizeof csv, "y,x\n1,2\n0,%s\n1,3\n0,1\n1,5\n", bad[k].cell);
        snprintf(name, sizeof name, "%s.csv", bad[k].id);
        snprintf(want, sizeof want, "line 3 has '%s'", bad[k].cell);
        partreg_analysis_spec spec = partreg_analysis_spec_default();
        spec.formula = "y ~ x";
        const char *path = write_text(name, csv);
        partreg_analysis_free(run_spec(path, &spec, PARTREG_EDATA, want, 3, 0));
        /* factor(x) asks for the categorical reading on purpose: no refusal */
        spec.formula = "y ~ factor(x)";
        partreg_analysis *a = NULL;
        assert_int_not_equal(partreg_analysis_run(path, &spec, &a, NULL), PARTREG_EDATA);
        partreg_analysis_free(a);
    }
    /* V5 inside log(), V6 weights */
    const char *inf_csv = write_text("V5.csv", "y,x\n1,2\n0,inf\n1,3\n0,1\n1,5\n");
    run_expect(inf_csv, "y ~ log(x)", PARTREG_EDATA, "used as a number in 'log(x)'");
    const char *winf = write_text("V6.csv", "y,x,w\n1,1,1\n0,2,1\n1,3,inf\n0,4,1\n1,2,1\n0,1,1\n");
    partreg_analysis_spec spec = partreg_analysis_spec_default();
    spec.formula = "y ~ x";
    spec.frame.weights = "w";
    partreg_analysis_free(run_spec(winf, &spec, PARTREG_EDATA, "used as a number in --weights", 4, 0));
    /* V7 all missing, V8 every row dropped */
    run_expect(write_text("V7.csv", "y,x,z\n1,,1\n0,,2\n1,,3\n0,,4\n1,,5\n"), "y ~ x + z",
               PARTREG_ETOOFEW, "column 'x' is missing on all 5 rows");
    run_expect(write_text("V8.csv", "y,x,z\n1,,1\n0,2,\n,3,3\n0,,4\n1,4,\n"), "y ~ x + z",
               PARTREG_ETOOFEW, "each of the 5 rows");
    /* V9 log(0) */
    spec.formula = "y ~ log(x)";
    spec.frame.weights = NULL;
    partreg_analysis_free(run_spec(write_text("V9.csv", "y,x\n1,2\n0,0\n1,3\n0,1\n"), &spec,
                                   PARTREG_EDATA, "'log(x)' is not a finite number on line 3", 3, 0));
}

/* ---- formulas --------------------------------------------------------------- */

static void test_formula_syntax(void **state)
{
    (void)state;
    static const struct {
        const char *id, *text, *msg;
        long column;
    } rows[] = {
        {"M2", "y x", "missing '~'", 0},
        {"M3", "~ x", "missing outcome", 1},
        {"M4", "y ~ x +", "ends with '+'", 7},
        {"M5", "y ~ x ++ z", "unexpected '+'", 8},
        {"M6", "y ~ (x", "never closed", 5},
        {"M7", "y ~ x)", "unmatched ')'", 6},
        {"M8", "y ~ x + `z", "backtick", 9},
        {"M9", "y ~ foo(x)", "unknown function 'foo'", 5},
        {"M10", "y ~ I(x^)", "unexpected ')'", 9},
        {"M11", "y ~ 3", "the number '3'", 5},
        {"M12", "y ~ x^2", "outside I()", 6},
        {"M13", "y ~ y + x", "also appears on the right-hand side", 5},
        {"M14", "y ~", "empty right-hand side", 3},
        {"M15", "y ~ x + x", "the term 'x' at position 9 is repeated", 9},
        {"M16", "y ~ x:x", "appears twice in the interaction", 0},
        {"M19", "y ~ x \x01 z", "position", 0},
    };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        partreg_formula *f = (partreg_formula *)1;
        partreg_error err;
        partreg_status st = partreg_formula_parse(rows[k].text, &f, &err);
        if (st != PARTREG_EFORMULA || !strstr(err.message, rows[k].msg))
            print_error("%s '%s': %s %s\n", rows[k].id, rows[k].text, partreg_status_name(st),
                        err.message);
        assert_int_equal(st, PARTREG_EFORMULA);
        assert_null(f);
        assert_contains(err.message, rows[k].msg);
        if (rows[k].column) {
            if (err.column != rows[k].column)
                print_error("%s: column %ld\n", rows[k].id, err.column);
            assert_int_equal(err.column, rows[k].column);
        }
        assert_true(err.column >= 0 && (size_t)err.column <= strlen(rows[k].text) + 1);
    }
    /* bad syntax at every position: a stray ')' inserted at each offset of a
     * valid formula is reported at or before that offset, never past it */
    const char *good = "y ~ a + b:c + log(d)";
    size_t len = strlen(good);
    for (size_t at = 4; at <= len; at++) {
        char text[64];
        memcpy(text, good, at);
        text[at] = ')';
        memcpy(text + at + 1, good + at, len - at + 1);
        partreg_formula *f = NULL;
        partreg_error err;
        assert_int_equal(partreg_formula_parse(text, &f, &err), PARTREG_EFORMULA);
        assert_null(f);
        assert_true(err.column >= 1 && err.column <= (long)at + 2);
        assert_contains(err.message, "position");
    }
}

static void test_formula_data(void **state)
{
    (void)state;
    const char *csv = write_text("m.csv", "y,x,g,h\n1,0.5,only,u\n0,1.5,only,v\n1,2.1,only,u\n"
                                          "0,0.2,only,v\n1,1.1,only,u\n0,2.5,only,v\n");
    run_expect(csv, "y ~ agee", PARTREG_ENOTFOUND, "unknown column 'agee'"); /* M1 */
    run_expect(csv, "y ~ x + g", PARTREG_EDATA, "'g' has a single level ('only')"); /* M17 */

    /* M18 interaction all zero: g = b only when h = u */
    char buf[4096];
    size_t used = (size_t)snprintf(buf, sizeof buf, "y,x,g,h\n");
    for (int i = 0; i < 60; i++) {
        int u = i % 2;
        int b = u && (i % 4 == 1);
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%d,%.2f,%s,%s\n",
                                 (i * 7 + i / 5) % 3 == 0, 0.1 * (i % 13), b ? "b" : "a",
                                 u ? "u" : "v");
    }
    partreg_analysis_spec spec = partreg_analysis_spec_default();
    spec.formula = "y ~ g*h";
    partreg_analysis *a = run_spec(write_text("iz.csv", buf), &spec, PARTREG_OK, NULL, 0, 0);
    const partreg_fit *fit = partreg_analysis_fit(a);
    assert_true(partreg_fit_column_dropped(fit, 3));
    assert_true(has_warning(fit, "g[b]:h[v]", "all zero"));
    partreg_analysis_free(a);
}

/* ---- models ------------------------------------------------------------------ */

static void test_models_files(void **state)
{
    (void)state;
    char buf[8192];
    size_t used;
    partreg_analysis_spec spec = partreg_analysis_spec_default();

    /* D1 one class */
    used = (size_t)snprintf(buf, sizeof buf, "y,x\n");
    for (int i = 0; i < 10; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "1,%d\n", i);
    run_expect(write_text("D1.csv", buf), "y ~ x", PARTREG_EONECLASS, "takes a single value ('1')");

    /* D2 unobserved ordinal level */
    used = (size_t)snprintf(buf, sizeof buf, "y,x\n");
    for (int i = 0; i < 30; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%d,%.2f\n", (int[]){1, 2, 4}[i % 3],
                                 0.37 * (i % 7));
    static const char *const lev4[] = {"1", "2", "3", "4"};
    spec.formula = "y ~ x";
    spec.frame.levels = lev4;
    spec.frame.n_levels = 4;
    partreg_analysis_free(run_spec(write_text("D2.csv", buf), &spec, PARTREG_EONECLASS,
                                   "outcome level '3' has no observations", 0, 0));
    spec = partreg_analysis_spec_default();

    /* D3 complete separation: the fit is returned and says so */
    used = (size_t)snprintf(buf, sizeof buf, "y,x\n");
    for (int i = 0; i < 20; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%d,%.2f\n", i >= 10, i * 0.1 + 0.03);
    spec.formula = "y ~ x";
    partreg_analysis *a = run_spec(write_text("D3.csv", buf), &spec, PARTREG_ESEPARATION,
                                   "complete separation: estimates of (Intercept), x", 0, 0);
    assert_true(partreg_fit_separated(partreg_analysis_fit(a)));
    assert_false(partreg_fit_converged(partreg_analysis_fit(a)));
    partreg_analysis_free(a);

    /* D4 quasi-complete: x = 1 implies y = 1 */
    used = (size_t)snprintf(buf, sizeof buf, "y,x,z\n");
    for (int i = 0; i < 40; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%d,%d,%.2f\n",
                                 i < 10 ? 1 : (i * 7) % 3 == 0, i < 10, 0.37 * ((i * 13) % 11));
    spec.formula = "y ~ x + z";
    a = run_spec(write_text("D4.csv", buf), &spec, PARTREG_ESEPARATION,
                 "quasi-complete separation: estimates of x run off", 0, 0);
    assert_true(partreg_fit_param_diverges(partreg_analysis_fit(a), 1));
    assert_false(partreg_fit_param_diverges(partreg_analysis_fit(a), 2));
    assert_true(has_warning(partreg_analysis_fit(a), "quasi-complete", NULL));
    partreg_analysis_free(a);

    /* D5 collinear: dropped and named */
    used = (size_t)snprintf(buf, sizeof buf, "y,x,z,x2\n");
    for (int i = 0; i < 40; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%d,%.2f,%.2f,%.2f\n",
                                 (i * 7) % 3 == 0, i * 0.1, ((i * 13) % 11) * 0.3, 2 * i * 0.1 + 1);
    spec.formula = "y ~ x + z + x2";
    a = run_spec(write_text("D5.csv", buf), &spec, PARTREG_OK, NULL, 0, 0);
    assert_true(partreg_fit_column_dropped(partreg_analysis_fit(a), 3));
    assert_true(has_warning(partreg_analysis_fit(a), "x2", "collinear"));
    partreg_analysis_free(a);

    /* D6 n < k */
    run_expect(write_text("D6.csv", "y,a,b,c\n1,1,2,3\n0,2,1,5\n1,3,3,1\n"), "y ~ a + b + c",
               PARTREG_ETOOFEW, "3 usable rows for 4 parameters");

    /* D7 negative, D8 zero (allowed), D10 all zero weights; D9 is V6 */
    static const char *const wcol[] = {"-1", "0", "zeros"};
    for (int k = 0; k < 3; k++) {
        used = (size_t)snprintf(buf, sizeof buf, "y,x,w\n");
        for (int i = 0; i < 30; i++)
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%d,%.2f,%s\n",
                                     (i * 7) % 3 == 0, i * 0.1,
                                     k == 2 ? "0" : (i == 4 ? wcol[k] : (k == 1 && i % 2 ? "0" : "1")));
        char name[16];
        snprintf(name, sizeof name, "D7_%d.csv", k);
        spec = partreg_analysis_spec_default();
        spec.formula = "y ~ x";
        spec.frame.weights = "w";
        if (k == 0) {
            partreg_analysis_free(run_spec(write_text(name, buf), &spec, PARTREG_EDATA,
                                           "weight 'w' is -1 on line 6", 6, 0));
        } else if (k == 1) {
            a = run_spec(write_text(name, buf), &spec, PARTREG_OK, NULL, 0, 0);
            assert_int_equal(partreg_fit_n_obs(partreg_analysis_fit(a)), 30);
            assert_rel(partreg_fit_sum_weights(partreg_analysis_fit(a)), 14.0, 1e-15);
            partreg_analysis_free(a);
        } else {
            partreg_analysis_free(run_spec(write_text(name, buf), &spec, PARTREG_EDATA,
                                           "all weights are zero", 0, 0));
        }
    }

    /* D11 cluster with a missing value: the row is dropped and counted;
     * D12 a single cluster */
    used = (size_t)snprintf(buf, sizeof buf, "y,x,cl,one\n");
    for (int i = 0; i < 30; i++) {
        char cl[8] = "";
        if (i != 5)
            snprintf(cl, sizeof cl, "%d", i % 4);
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%d,%.2f,%s,7\n", (i * 7) % 3 == 0,
                                 i * 0.1, cl);
    }
    const char *clp = write_text("D11.csv", buf);
    spec = partreg_analysis_spec_default();
    spec.formula = "y ~ x";
    spec.vcov = PARTREG_VCOV_CLUSTER;
    spec.frame.cluster = "cl";
    a = run_spec(clp, &spec, PARTREG_OK, NULL, 0, 0);
    assert_int_equal(partreg_frame_n_dropped(partreg_analysis_frame(a)), 1);
    assert_int_equal(partreg_fit_vcov_n_clusters(partreg_analysis_fit(a)), 4);
    partreg_analysis_free(a);
    spec.frame.cluster = "one";
    partreg_analysis_free(run_spec(clp, &spec, PARTREG_EINVAL, "at least 2 clusters", 0, 0));
}

/* D13: a predictor around 1e6 next to one around 1e-3. Reference: R 4.2.2,
 * glm(y ~ big + small, binomial, d, control = glm.control(epsilon = 1e-15,
 * maxit = 100)) on this very file (tests/ref/robust_scales.R writes the
 * same rows and prints these numbers); 12+ digits agree, asserted at 1e-6
 * (R's own stopping rule limits it to ~1e-9). */
static void test_extreme_scales(void **state)
{
    (void)state;
    static const double ref_est[3] = {-1.18409980119242e+00, 6.06876157008750e-07,
                                      1.04880539321389e+03};
    static const double ref_se[3] = {3.13422943075807e-01, 1.02803274306607e-07,
                                     2.02276716341305e+02};
    char *buf = malloc(400 * 64);
    assert_non_null(buf);
    size_t used = (size_t)snprintf(buf, 64, "y,big,small\n");
    unsigned long s = 12345;
    for (int i = 0; i < 400; i++) {
        double u[3];
        for (int k = 0; k < 3; k++) {
            s = (s * 1103515245ul + 12345ul) % 2147483648ul;
            u[k] = (double)s / 2147483648.0;
        }
        double big = 1e6 * (1 + u[0] * 4), small = 1e-3 * (u[1] * 2 - 1);
        double eta = -1.0 + 0.5e-6 * big + 800 * small;
        used += (size_t)snprintf(buf + used, 64, "%d,%.2f,%.8f\n", u[2] < 1 / (1 + exp(-eta)), big,
                                 small);
    }
    partreg_analysis_spec spec = partreg_analysis_spec_default();
    spec.formula = "y ~ big + small";
    partreg_analysis *a = run_spec(write_text("D13.csv", buf), &spec, PARTREG_OK, NULL, 0, 0);
    free(buf);
    const partreg_fit *fit = partreg_analysis_fit(a);
    assert_true(partreg_fit_converged(fit));
    assert_int_equal(partreg_fit_n_warnings(fit), 0);
    for (size_t j = 0; j < 3; j++) {
        partreg_estimate e;
        assert_int_equal(partreg_fit_estimate(fit, j, 0.95, &e, NULL), PARTREG_OK);
        assert_rel(e.estimate, ref_est[j], 1e-6);
        assert_rel(e.std_error, ref_se[j], 1e-6);
    }
    partreg_analysis_free(a);
}

/* D14-D18: huge values and linear predictors, through arrays */
static void test_huge(void **state)
{
    (void)state;
    double X[30 * 2], y[30];
    for (int i = 0; i < 30; i++) {
        X[2 * i] = 1.0;
        X[2 * i + 1] = (i - 15) * 1e151;
        y[i] = (i * 7) % 3 == 0;
    }
    partreg_data d = {30, 2, X, 0, y, NULL, 2, NULL, NULL};
    partreg_fit *fit = NULL;
    partreg_error err;
    /* D14 */
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_OK);
    /* D16 predictions at x = +-1e300: exactly 0 or 1 */
    double Xp[4] = {1.0, 1e300, 1.0, -1e300};
    partreg_data dp = {2, 2, Xp, 0, NULL, NULL, 2, NULL, NULL};
    gsl_matrix *P = gsl_matrix_alloc(2, 1);
    assert_int_equal(partreg_fit_predict(fit, &dp, P, &err), PARTREG_OK);
    for (size_t i = 0; i < 2; i++) {
        double p = gsl_matrix_get(P, i, 0);
        assert_true(p >= 0.0 && p <= 1.0);
    }
    gsl_matrix_free(P);
    partreg_fit_free(fit);

    /* D15 squares overflow */
    for (int i = 0; i < 30; i++)
        X[2 * i + 1] = (i - 15) * 1e201;
    partreg_status st = partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err);
    assert_int_equal(st, PARTREG_ENOTCONVERGED);
    assert_contains(err.message, "rescale the predictors");
    assert_false(partreg_fit_converged(fit));
    partreg_fit_free(fit);

    /* D17 more levels than rows; D18 non-finite X */
    double Xo[4] = {0.1, 0.7, 0.3, 0.9}, yo[4] = {0, 1, 2, 3};
    partreg_data dord = {4, 1, Xo, 0, yo, NULL, 100000000, NULL, NULL};
    assert_int_equal(partreg_fit_create(&dord, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_EONECLASS);
    assert_null(fit);
    assert_contains(err.message, "100000000 levels but there are only 4 rows");
    /* no columns at all (found by fuzz_fit: BLAS was called with lda = 0):
     * thresholds only is a model, a binary model with nothing is refused */
    partreg_data d0 = {4, 0, Xo, 0, yo, NULL, 4, NULL, NULL};
    double y01[4] = {0, 1, 1, 0};
    assert_int_equal(partreg_fit_create(&d0, PARTREG_ORDINAL, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_OK);
    assert_int_equal(partreg_fit_n_estimated(fit), 3);
    partreg_fit_free(fit);
    d0.y = y01;
    d0.n_levels = 2;
    assert_int_equal(partreg_fit_create(&d0, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_ECOLLINEAR);
    assert_null(fit);
    X[3] = INFINITY;
    static const char *const names[] = {"(Intercept)", "x"};
    d.column_names = names;
    assert_int_equal(partreg_fit_create(&d, PARTREG_BINARY, PARTREG_LOGIT, NULL, &fit, &err),
                     PARTREG_EDATA);
    assert_contains(err.message, "row 2, column 'x'");
    assert_int_equal(err.index, 1);
}

/* ---- options ------------------------------------------------------------------ */

static void test_options(void **state)
{
    (void)state;
    partreg_error err;
    partreg_link link = PARTREG_PROBIT;
    partreg_vcov_type vt = PARTREG_VCOV_HC0;
    /* O1 link, O11 vcov */
    assert_int_equal(partreg_link_parse("logitt", &link, &err), PARTREG_EINVAL);
    assert_contains(err.message, "unknown link 'logitt'");
    assert_int_equal(link, PARTREG_PROBIT);
    assert_int_equal(partreg_vcov_parse("robust", &vt, &err), PARTREG_EINVAL);
    assert_contains(err.message, "'robust'");

    char buf[4096];
    size_t used = (size_t)snprintf(buf, sizeof buf, "y,o,x,w,cl\n");
    for (int i = 0; i < 60; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%d,%d,%.2f,%d,%d\n",
                                 (i * 7 + i / 9) % 3 == 0, 1 + (i * 5 + i / 7) % 5,
                                 0.1 * ((i * 13) % 17), 1 + i % 3, i % 6);
    const char *path = write_text("opts.csv", buf);
    partreg_analysis_spec spec = partreg_analysis_spec_default();
    spec.formula = "y ~ x";

    /* O2 family out of range */
    spec.frame.family_auto = 0;
    spec.frame.family = (partreg_family)7;
    partreg_analysis_free(run_spec(path, &spec, PARTREG_EINVAL, "invalid family", 0, 0));
    /* O3 binary loglog */
    spec = partreg_analysis_spec_default();
    spec.formula = "y ~ x";
    spec.link = PARTREG_LOGLOG;
    partreg_analysis_free(run_spec(path, &spec, PARTREG_EINVAL, "loglog link is for ordinal", 0, 0));
    /* O4 binary on 5 levels, O5 ordinal on 2 */
    spec = partreg_analysis_spec_default();
    spec.formula = "o ~ x";
    spec.frame.family_auto = 0;
    spec.frame.family = PARTREG_BINARY;
    partreg_analysis_free(run_spec(path, &spec, PARTREG_EDATA, "needs an outcome with 2 levels", 0, 0));
    spec.formula = "y ~ x";
    spec.frame.family = PARTREG_ORDINAL;
    partreg_analysis_free(run_spec(path, &spec, PARTREG_EONECLASS, "at least 3 levels", 0, 0));
    /* O6, O7 cluster and vcov */
    spec = partreg_analysis_spec_default();
    spec.formula = "y ~ x";
    spec.frame.cluster = "cl";
    partreg_analysis_free(run_spec(path, &spec, PARTREG_EINVAL, "add --vcov cluster", 0, 0));
    spec.frame.cluster = NULL;
    spec.vcov = PARTREG_VCOV_CLUSTER;
    partreg_analysis_free(run_spec(path, &spec, PARTREG_EINVAL, "needs --cluster", 0, 0));
    /* O8 Brant on binary, O9 Brant with weights */
    spec = partreg_analysis_spec_default();
    spec.formula = "y ~ x";
    spec.brant = 1;
    /* a Brant test that cannot be made leaves the report, which says why */
    partreg_analysis *ab = run_spec(path, &spec, PARTREG_OK, NULL, 0, 0);
    char *text = NULL;
    size_t text_len = 0;
    FILE *mem = open_memstream(&text, &text_len);
    assert_non_null(mem);
    assert_int_equal(partreg_analysis_write(ab, mem, PARTREG_FORMAT_TEXT, 0, NULL), PARTREG_OK);
    fclose(mem);
    assert_non_null(strstr(text, "not computed: --brant tests the parallel-lines assumption of "
                                 "an ordinal model; this model is binary"));
    free(text);
    partreg_analysis_free(ab);
    spec.formula = "o ~ x";
    spec.frame.weights = "w";
    ab = run_spec(path, &spec, PARTREG_OK, NULL, 0, 0);
    mem = open_memstream(&text, &text_len);
    assert_non_null(mem);
    assert_int_equal(partreg_analysis_write(ab, mem, PARTREG_FORMAT_TEXT, 0, NULL), PARTREG_OK);
    fclose(mem);
    assert_non_null(strstr(text, "not computed: the Brant test is not available with case weights"));
    free(text);
    partreg_analysis_free(ab);
    /* O10 confidence level outside (0, 1): analysis, estimates, profile, margins */
    const double bad_levels[] = {0.0, 1.0, -0.5, 1.5, NAN, INFINITY};
    for (size_t k = 0; k < sizeof bad_levels / sizeof bad_levels[0]; k++) {
        spec = partreg_analysis_spec_default();
        spec.formula = "y ~ x";
        spec.conf_level = bad_levels[k];
        partreg_analysis_free(run_spec(path, &spec, PARTREG_EINVAL, "outside (0, 1)", 0, 0));
    }
    spec = partreg_analysis_spec_default();
    spec.formula = "y ~ x";
    partreg_analysis *a = run_spec(path, &spec, PARTREG_OK, NULL, 0, 0);
    const partreg_fit *fit = partreg_analysis_fit(a);
    partreg_data d;
    partreg_frame_data(partreg_analysis_frame(a), &d);
    for (size_t k = 0; k < sizeof bad_levels / sizeof bad_levels[0]; k++) {
        partreg_estimate e;
        double lo, hi;
        partreg_margins *m = (partreg_margins *)1;
        assert_int_equal(partreg_fit_estimate(fit, 1, bad_levels[k], &e, NULL), PARTREG_EINVAL);
        assert_int_equal(partreg_fit_profile_ci(fit, &d, 1, bad_levels[k], &lo, &hi, NULL),
                         PARTREG_EINVAL);
        assert_int_equal(partreg_margins_ame(fit, partreg_analysis_frame(a), bad_levels[k], &m, NULL),
                         PARTREG_EINVAL);
        assert_null(m);
    }
    partreg_analysis_free(a);
    /* O12 --ref on a numeric variable */
    static const char *const rv[] = {"x"}, *const rl[] = {"3"};
    spec.frame.ref_variables = rv;
    spec.frame.ref_levels = rl;
    spec.frame.n_refs = 1;
    partreg_analysis_free(run_spec(path, &spec, PARTREG_EINVAL, "'x' is numeric; use factor(x)", 0, 0));
    /* O52 a kernel route that is no route */
    spec = partreg_analysis_spec_default();
    spec.formula = "y ~ x";
    spec.fit.kernel = (partreg_kernel)99;
    partreg_analysis_free(run_spec(path, &spec, PARTREG_EINVAL, "unknown kernel route 99", 0, 0));
    /* O53 a route the CPU lacks: refused, never run (a CPU probed as
     * having less than this one, where this one has the route) */
    partreg_kernel route;
    assert_int_equal(partreg_cpu_route(PARTREG_KERNEL_AVX512, PARTREG_ISA_AVX2, &route, &err),
                     PARTREG_EUNSUPPORTED);
    assert_contains(err.message, PARTREG_CPU_X86_ROUTES ? "needs a CPU with AVX-512"
                                                        : "has no avx512 kernel route");
    assert_int_equal(partreg_cpu_route(PARTREG_KERNEL_AVX2, PARTREG_ISA_BASE, &route, &err),
                     PARTREG_EUNSUPPORTED);
    assert_contains(err.message, PARTREG_CPU_X86_ROUTES ? "needs a CPU with AVX2"
                                                        : "has no avx2 kernel route");
    assert_int_equal(partreg_cpu_route(PARTREG_KERNEL_AUTO, PARTREG_ISA_BASE, &route, &err),
                     PARTREG_OK);
    assert_int_equal(route, PARTREG_KERNEL_SCALAR);
    for (int r = PARTREG_KERNEL_AUTO; r <= PARTREG_KERNEL_AVX512; r++) {
        partreg_kernel asked = (partreg_kernel)r;
        partreg_status want = asked == PARTREG_KERNEL_AVX2 || asked == PARTREG_KERNEL_AVX512
                                  ? (PARTREG_CPU_X86_ROUTES &&
                                             partreg_route_isa(asked) <= partreg_cpu_isa()
                                         ? PARTREG_OK
                                         : PARTREG_EUNSUPPORTED)
                                  : PARTREG_OK;
        spec.fit.kernel = asked;
        partreg_analysis_free(run_spec(path, &spec, want, NULL, 0, 0));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files),          cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_wide),           cmocka_unit_test(test_values),
        cmocka_unit_test(test_formula_syntax), cmocka_unit_test(test_formula_data),
        cmocka_unit_test(test_models_files),   cmocka_unit_test(test_extreme_scales),
        cmocka_unit_test(test_huge),           cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
