/* ROC curve and calibration plot of a binary model in the HTML report.
 *
 * Both use the fitted probabilities p_i of the rows used and their case
 * weights w_i (1 without weights).
 *
 * ROC: rows sorted by p descending; for each distinct value (ties taken
 * together, so a tie is a diagonal segment, as the AUC's 1/2 for ties) the
 * point (FPR, TPR) = (sum of w over non-events with p >= t / all
 * non-events, same for events). Its area is the AUC of the diagnostics
 * table. Vertices closer than half a pixel to the last one drawn are
 * skipped, so the path stays small for a million rows without visible
 * change.
 *
 * Calibration: rows sorted by p ascending and cut into `calibration_groups`
 * groups of (about) equal total weight, ties kept in one group, as the
 * Hosmer-Lemeshow test forms its groups; per group the weighted mean
 * fitted probability (x) against the weighted observed share of events
 * (y), with a Wilson score interval for the share (Wilson 1927; n = the
 * group's total weight) at the analysis's confidence level. Points on the
 * dashed diagonal are perfectly calibrated.
 *
 * Markup the test relies on: <svg class="roc"> with <path class="roc">;
 * <svg class="calibration"> with one <circle class="cal-point"> per group. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_matrix.h>

#include "core/error.h"
#include "report/html.h"
#include "report/svg.h"

typedef struct scored {
    double p, y, w;
} scored;

static int by_p_ascending(const void *pa, const void *pb)
{
    double a = ((const scored *)pa)->p, b = ((const scored *)pb)->p;
    return (a > b) - (a < b);
}

#define SIDE 400.0

static void roc(const partreg_analysis *a, FILE *out, const scored *s, size_t n, int fig)
{
    double P = 0, N = 0;
    for (size_t i = 0; i < n; i++) {
        P += s[i].w * s[i].y;
        N += s[i].w * (1 - s[i].y);
    }
    double left = 62, right = SIDE - 14, top = 14, bottom = SIDE - 56;
    svg_scale x, y;
    svg_scale_linear(&x, 0, 1, left, right, 5, 1);
    svg_scale_linear(&y, 0, 1, bottom, top, 5, 1);
    fputs("<figure class=\"roc\">\n", out);
    svg_begin(out, SIDE, SIDE, "roc", "ROC curve");
    svg_axes(out, &x, &y, "False positive rate (1 \xe2\x88\x92 specificity)",
             "True positive rate (sensitivity)", 1, 1);
    fprintf(out, "<line class=\"ref\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", left, bottom,
            right, top);
    fprintf(out, "<path class=\"roc\" fill=\"none\" stroke=\"#0072B2\" stroke-width=\"2.2\" "
                 "stroke-linejoin=\"round\" d=\"M%.1f,%.1f",
            svg_map(&x, 0), svg_map(&y, 0));
    double tp = 0, fp = 0, last_x = svg_map(&x, 0), last_y = svg_map(&y, 0);
    for (size_t i = n; i > 0;) {
        double t = s[i - 1].p;
        while (i > 0 && s[i - 1].p == t) {
            tp += s[i - 1].w * s[i - 1].y;
            fp += s[i - 1].w * (1 - s[i - 1].y);
            i--;
        }
        double px = svg_map(&x, N > 0 ? fp / N : 0), py = svg_map(&y, P > 0 ? tp / P : 0);
        if (i == 0 || fabs(px - last_x) >= 0.5 || fabs(py - last_y) >= 0.5) {
            fprintf(out, " L%.1f,%.1f", px, py);
            last_x = px;
            last_y = py;
        }
    }
    fputs("\"/>\n", out);
    char b1[32], b2[32], text[96];
    snprintf(text, sizeof text, "AUC = %s (SE %s)", html_fixed(a->diagnostics.auc, 3, b1, sizeof b1),
             html_fixed(a->diagnostics.auc_se, 3, b2, sizeof b2));
    svg_text(out, right - 10, bottom - 14, "end", "label", text);
    svg_end(out);
    fprintf(out, "<figcaption><b>Figure %d.</b> ROC curve of the fitted probabilities on the rows "
                 "used%s. The area under it (AUC) is the probability that a random event row has a "
                 "higher fitted probability than a random non-event row; the dashed diagonal is a "
                 "model that cannot tell them apart (AUC = 0.5).</figcaption>\n</figure>\n",
            fig, partreg_frame_weights(a->frame) ? " (weighted)" : "");
}

/* Returns 0, or -1 when an allocation failed (nothing written then). */
static int calibration(const partreg_analysis *a, FILE *out, const scored *s, size_t n, size_t G,
                       int fig)
{
    double W = 0;
    for (size_t i = 0; i < n; i++)
        W += s[i].w;
    double z = gsl_cdf_ugaussian_Pinv(0.5 + a->conf_level / 2);
    /* groups: ties together, cut by the cumulative weight at a run's start */
    double *sw = calloc(G, sizeof(double)), *sp = calloc(G, sizeof(double)),
           *sy = calloc(G, sizeof(double));
    size_t *cnt = calloc(G, sizeof(size_t));
    int rc = -1;
    if (!sw || !sp || !sy || !cnt)
        goto cleanup;
    double cum = 0;
    for (size_t i = 0; i < n;) {
        size_t g = W > 0 ? (size_t)floor((double)G * cum / W) : 0;
        if (g >= G)
            g = G - 1;
        double t = s[i].p;
        for (; i < n && s[i].p == t; i++) {
            sw[g] += s[i].w;
            sp[g] += s[i].w * s[i].p;
            sy[g] += s[i].w * s[i].y;
            cnt[g]++;
            cum += s[i].w;
        }
    }
    double hi = 0;
    for (size_t g = 0; g < G; g++)
        if (sw[g] > 0)
            hi = fmax(hi, fmax(sp[g] / sw[g], sy[g] / sw[g]));
    double left = 62, right = SIDE - 14, top = 14, bottom = SIDE - 56;
    svg_scale x, y;
    double lim = hi > 0.8 ? 1 : fmin(1, hi * 1.1 + 0.02);
    svg_scale_linear(&x, 0, lim, left, right, 5, 1);
    if (x.hi > 1)
        svg_scale_linear(&x, 0, 1, left, right, 5, 1);
    svg_scale_linear(&y, 0, x.hi, bottom, top, 5, 1);
    fputs("<figure class=\"calibration\">\n", out);
    svg_begin(out, SIDE, SIDE, "calibration", "Calibration plot");
    svg_axes(out, &x, &y, "Mean fitted probability", "Observed share of events", 1, 1);
    fprintf(out, "<line class=\"ref\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", left, bottom,
            svg_map(&x, x.hi), svg_map(&y, y.hi));
    size_t formed = 0;
    for (size_t g = 0; g < G; g++) {
        if (!(sw[g] > 0))
            continue;
        formed++;
        double px = sp[g] / sw[g], py = sy[g] / sw[g], m = sw[g];
        /* Wilson score interval */
        double den = 1 + z * z / m, centre = (py + z * z / (2 * m)) / den;
        double half = z / den * sqrt(py * (1 - py) / m + z * z / (4 * m * m));
        double l = fmax(0, centre - half), h = fmin(y.hi, centre + half);
        fprintf(out, "<line class=\"cal-bar\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                     "stroke=\"#D55E00\" stroke-width=\"1.5\"/>\n",
                svg_map(&x, px), svg_map(&x, px), svg_map(&y, l), svg_map(&y, h));
        fprintf(out, "<circle class=\"cal-point\" cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"#D55E00\" "
                     "data-n=\"%zu\"/>\n",
                svg_map(&x, px), svg_map(&y, py), cnt[g]);
    }
    svg_end(out);
    fprintf(out, "<figcaption><b>Figure %d.</b> Calibration: the rows used cut into %zu groups of "
                 "equal %s by fitted probability (ties kept together); each point is a group's mean "
                 "fitted probability against its observed share of events, with a %d%% Wilson "
                 "interval. Points on the dashed diagonal are perfectly calibrated. "
                 "Hosmer\xe2\x80\x93Lemeshow test: see the tests table.</figcaption>\n</figure>\n",
            fig, formed, partreg_frame_weights(a->frame) ? "total weight" : "size",
            (int)lround(a->conf_level * 100));
    rc = 0;
cleanup:
    free(sw);
    free(sp);
    free(sy);
    free(cnt);
    return rc;
}

partreg_status html_figures_binary(const partreg_analysis *a, FILE *out,
                                   const partreg_html_options *opt, int *fig, partreg_error *err)
{
    partreg_data d;
    partreg_frame_data(a->frame, &d);
    size_t n = d.n;
    if (n == 0)
        return PARTREG_OK;
    /* a plain array under a view: gsl_matrix_alloc would call GSL's error
     * handler when memory runs out */
    double *p = malloc(n * sizeof(double));
    scored *s = malloc(n * sizeof *s);
    partreg_status st = PARTREG_OK;
    if (!p || !s) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    gsl_matrix_view P = gsl_matrix_view_array(p, n, 1);
    if ((st = partreg_fit_predict(a->fit, &d, &P.matrix, err)) != PARTREG_OK)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        s[i].p = p[i];
        s[i].y = d.y[i];
        s[i].w = d.w ? d.w[i] : 1.0;
    }
    qsort(s, n, sizeof *s, by_p_ascending);
    fputs("<div class=\"figrow\">\n", out);
    roc(a, out, s, n, ++*fig);
    if (calibration(a, out, s, n, opt->calibration_groups, ++*fig) != 0) {
        st = partreg_error_set(err, PARTREG_ENOMEM, "out of memory");
        goto cleanup;
    }
    fputs("</div>\n", out);
cleanup:
    free(p);
    free(s);
    return st;
}
