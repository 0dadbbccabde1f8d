/* partreg_analysis_write_html (partreg_report.h): the report as one HTML5
 * document with an inline style sheet and inline SVG figures, nothing
 * fetched from anywhere. This file writes the frame of the document (head,
 * style, title block, warnings, footer) and calls the sections
 * (html_tables.c) and figures (svg_*.c) in reading order: data, estimates
 * with the forest plot, community effects (a random intercept), fit and tests, marginal effects, predicted
 * probabilities, and for binary models discrimination and calibration. */
#include <errno.h>
#include <string.h>

#include "core/error.h"
#include "report/analysis_internal.h"
#include "partreg_report.h"
#include "report/html.h"

partreg_html_options partreg_html_options_default(void)
{
    partreg_html_options o;
    memset(&o, 0, sizeof o);
    o.title = NULL;
    o.curve = NULL;
    o.curve_points = 41;
    o.curve_low_quantile = 0.01;
    o.curve_high_quantile = 0.99;
    o.calibration_groups = 10;
    o.cluster_column = NULL;
    return o;
}

/* Typography: the reader's system font, tables ruled as in journals
 * (booktabs: heavy top and bottom rules, a light one under the header),
 * tabular figures so that digits line up, figures scaled to the column. */
static const char style[] =
    ":root{color-scheme:light}\n"
    "body{margin:0;background:#fff;color:#1f2328;font:15px/1.55 system-ui,-apple-system,"
    "\"Segoe UI\",Roboto,\"Helvetica Neue\",\"Noto Sans\",\"Liberation Sans\",Arial,sans-serif}\n"
    "main{max-width:980px;margin:0 auto;padding:32px 28px 56px}\n"
    "h1{font-size:26px;line-height:1.25;margin:0 0 6px;font-weight:650}\n"
    "h2{font-size:19px;margin:40px 0 12px;padding-bottom:5px;border-bottom:1px solid #d0d7de;font-weight:620}\n"
    "h3{font-size:15.5px;margin:26px 0 8px;font-weight:620}\n"
    "p{margin:8px 0;max-width:48em}\n"
    ".subtitle{color:#57606a;margin:0 0 18px}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 18px;margin:0}\n"
    "dl.facts dt{color:#57606a}dl.facts dd{margin:0}\n"
    "code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,\"Liberation Mono\",monospace;"
    "font-size:13.5px;background:#f6f8fa;padding:1px 5px;border-radius:4px}\n"
    "nav{margin:22px 0 0;font-size:14px}nav a{color:#0a58ca;text-decoration:none;margin-right:16px}\n"
    ".tablewrap{overflow-x:auto;margin:10px 0 18px}\n"
    "table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:14px}\n"
    "caption{caption-side:top;text-align:left;white-space:nowrap;font-weight:600;padding:0 0 6px;font-size:14.5px}\n"
    "th,td{padding:4px 12px;text-align:right;white-space:nowrap;vertical-align:baseline}\n"
    "th:first-child,td:first-child{text-align:left;padding-left:2px}\n"
    "td.term{text-align:left}\n"
    "thead th{font-weight:600;border-top:2px solid #1f2328;border-bottom:1px solid #1f2328}\n"
    "tbody tr:last-child td{border-bottom:2px solid #1f2328}\n"
    "tr.group td{padding-top:9px}\n"
    ".tablerow{display:flex;flex-wrap:wrap;gap:0 44px;align-items:flex-start}\n"
    "span.ref{color:#57606a;font-size:12.5px}\n"
    ".tablecol{display:flex;flex-direction:column;flex:1 1 22em;min-width:0}\n"
    ".tablebox{max-width:44em}.tablebox .tablewrap{margin-bottom:4px}\n"
    "sup,sub{line-height:0}\n"
    "th.lefthead{text-align:left}\n"
    "th.sub{font-weight:400;color:#57606a;font-size:12.5px}\n"
    ".note{font-size:13px;color:#57606a;margin:4px 0 0;max-width:60em}\n"
    ".warning{border-left:4px solid #cf222e;background:#fff5f5;padding:10px 16px;margin:18px 0}\n"
    ".warning ul{margin:4px 0;padding-left:20px}\n"
    "figure{margin:22px 0 30px}\n"
    "figcaption{font-size:13.5px;color:#3d444d;max-width:52em;margin-top:6px}\n"
    "figcaption b{color:#1f2328}\n"
    ".figrow{display:flex;flex-wrap:wrap;gap:8px 36px}\n"
    ".figrow figure{flex:1 1 380px;max-width:430px}\n"
    "svg{display:block;width:100%;height:auto;max-width:760px;font-family:inherit}\n"
    "svg text{fill:#1f2328;font-size:12.5px}\n"
    "svg .ticklabel{fill:#3d444d;font-size:11.5px;font-variant-numeric:tabular-nums}\n"
    "svg .axislabel{font-size:13px}\n"
    "svg .grid{stroke:#eaeef2;stroke-width:1}\n"
    "svg .frame{fill:none;stroke:#8c959f;stroke-width:1}\n"
    "svg .tick{stroke:#8c959f;stroke-width:1}\n"
    "svg .ref{stroke:#57606a;stroke-width:1;stroke-dasharray:4 3}\n"
    "svg .label{font-size:12.5px}\n"
    "svg .value{fill:#3d444d;font-size:12px;font-variant-numeric:tabular-nums}\n"
    "svg .rug{stroke:#6e7781;stroke-width:1;opacity:.55}\n"
    "footer{margin-top:48px;padding-top:10px;border-top:1px solid #d0d7de;font-size:12.5px;color:#57606a}\n"
    "@media print{main{max-width:none;padding:0}h2{break-after:avoid}figure,table{break-inside:avoid}"
    "nav{display:none}}\n";

static void header(const partreg_analysis *a, FILE *out, const partreg_html_options *o)
{
    const partreg_frame *fr = a->frame;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"partreg ",
          out);
    html_escape(out, partreg_version());
    fputs("\">\n<title>", out);
    if (o->title)
        html_escape(out, o->title);
    else {
        fputs("Regression report: ", out);
        html_escape(out, partreg_frame_response(fr));
    }
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<header>\n<h1>", style);
    if (o->title)
        html_escape(out, o->title);
    else {
        fputs("Regression report: ", out);
        html_escape(out, partreg_frame_response(fr));
    }
    fprintf(out, "</h1>\n<p class=\"subtitle\">%s %s model", partreg_fit_model_title(a->fit),
            partreg_link_name(partreg_fit_link(a->fit)));
    fputs(" of <b>", out);
    html_escape(out, partreg_frame_response(fr));
    fputs("</b>", out);
    if (partreg_fit_n_outcomes(a->fit) == 1) {
        fputs(" (event: ", out);
        html_escape(out, partreg_frame_level_name(fr, 1));
        fputc(')', out);
    }
    fputs("</p>\n<dl class=\"facts\">\n<dt>Formula</dt><dd><code>", out);
    html_escape(out, a->formula_text);
    fputs("</code></dd>\n<dt>Data</dt><dd>", out);
    html_escape(out, a->source);
    fprintf(out, "</dd>\n<dt>Rows</dt><dd>%zu used, %zu dropped for missing values</dd>\n",
            partreg_fit_n_obs(a->fit), partreg_frame_n_dropped(fr));
    fputs("<dt>Inference</dt><dd>", out);
    html_vcov_sentence(a, o, out);
    fputs("</dd>\n</dl>\n</header>\n", out);
}

static void warnings(const partreg_analysis *a, FILE *out)
{
    size_t nw = partreg_fit_n_warnings(a->fit);
    if (a->fit_status == PARTREG_OK && nw == 0)
        return;
    fputs("<div class=\"warning\" role=\"note\">\n", out);
    if (a->fit_status != PARTREG_OK) {
        fputs("<p><b>This fit is not to be trusted.</b> ", out);
        const char *msg = a->fit_message[0] ? a->fit_message : partreg_status_name(a->fit_status);
        size_t len = strlen(msg);
        html_escape(out, msg);
        if (len > 0 && msg[len - 1] != '.')
            fputc('.', out);
        fputs(" Standard errors, intervals and tests below are not valid; marginal effects and "
              "predicted-probability curves are left out.</p>\n",
              out);
    }
    if (nw > 0) {
        fputs("<p>Warnings from the fit:</p>\n<ul>\n", out);
        for (size_t i = 0; i < nw; i++) {
            fputs("<li>", out);
            html_escape(out, partreg_fit_warning(a->fit, i));
            fputs("</li>\n", out);
        }
        fputs("</ul>\n", out);
    }
    fputs("</div>\n", out);
}

static void nav(const partreg_analysis *a, FILE *out, int has_curves)
{
    fputs("<nav><a href=\"#data\">Data</a><a href=\"#estimates\">Estimates</a>", out);
    if (partreg_fit_has_random_intercept(a->fit))
        fputs("<a href=\"#random\">Community effects</a>", out);
    fputs("<a href=\"#fit\">Fit and tests</a>", out);
    if (a->margins || a->margins_mem || a->margins_at)
        fputs("<a href=\"#margins\">Marginal effects</a>", out);
    if (has_curves)
        fputs("<a href=\"#predictions\">Predicted probabilities</a>", out);
    if (a->has_diagnostics)
        fputs("<a href=\"#diagnostics\">Discrimination and calibration</a>", out);
    fputs("</nav>\n", out);
}

/* Pick the curve variable: the one named, or the first numeric one.
 * *v = SIZE_MAX when there is none (and none was asked for). */
static partreg_status curve_variable(const partreg_analysis *a, const partreg_html_options *o,
                                     size_t *v, partreg_error *err)
{
    const partreg_frame *fr = a->frame;
    size_t nv = partreg_frame_n_variables(fr);
    *v = (size_t)-1;
    if (o->curve) {
        for (size_t k = 0; k < nv; k++)
            if (strcmp(partreg_frame_variable_name(fr, k), o->curve) == 0) {
                *v = k;
                return PARTREG_OK;
            }
        char list[256] = "";
        size_t used = 0;
        for (size_t k = 0; k < nv && used + 4 < sizeof list; k++) {
            int w = snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "",
                             partreg_frame_variable_name(fr, k));
            if (w < 0)
                break;
            used += (size_t)w;
            if (used >= sizeof list)
                used = sizeof list - 1;
        }
        return partreg_error_set(err, PARTREG_ENOTFOUND,
                                 "curve variable '%s' is not a variable of the model; its variables are: %s",
                                 o->curve, nv ? list : "(none)");
    }
    for (size_t k = 0; k < nv; k++)
        if (!partreg_frame_variable_is_categorical(fr, k)) {
            *v = k;
            break;
        }
    return PARTREG_OK;
}

partreg_status partreg_analysis_write_html(const partreg_analysis *a, FILE *out,
                                           const partreg_html_options *opt, partreg_error *err)
{
    if (!a || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_analysis_write_html: NULL analysis or stream");
    if (a->streamed)
        return partreg_error_set(err, PARTREG_EUNSUPPORTED,
                                 "the HTML report draws every row's values, which a file read in "
                                 "blocks (out of core or in shares) does not keep in memory; "
                                 "raise --memory, or write the text or JSON report");
    partreg_html_options o = opt ? *opt : partreg_html_options_default();
    if (o.curve_points < 2)
        return partreg_error_set(err, PARTREG_EINVAL, "curve_points is %zu; the curves need at least 2 grid values",
                                 o.curve_points);
    if (o.calibration_groups < 2)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "calibration_groups is %zu; the calibration plot needs at least 2 groups",
                                 o.calibration_groups);
    if (!(o.curve_low_quantile >= 0 && o.curve_low_quantile < o.curve_high_quantile &&
          o.curve_high_quantile <= 1))
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "curve quantiles %g and %g must satisfy 0 <= low < high <= 1",
                                 o.curve_low_quantile, o.curve_high_quantile);
    size_t v;
    partreg_status st = curve_variable(a, &o, &v, err);
    if (st != PARTREG_OK)
        return st;
    html_curves *curves = NULL;
    if (v != (size_t)-1 && a->fit_status == PARTREG_OK &&
        (st = html_curves_compute(a, &o, v, &curves, err)) != PARTREG_OK)
        return st;

    int fig = 0;
    header(a, out, &o);
    warnings(a, out);
    nav(a, out, curves != NULL);
    if ((st = html_section_data(a, out, err)) != PARTREG_OK)
        goto cleanup;
    fputs("<section id=\"estimates\">\n<h2>Estimates</h2>\n", out);
    html_section_coefficients(a, &o, out);
    html_figure_forest(a, &o, out, &fig);
    html_figure_cuts(a, &o, out, &fig);
    fputs("</section>\n", out);
    html_section_random(a, &o, out, &fig);
    html_section_fit(a, out);
    if (o.models && partreg_model_table_n_models(o.models) > 0) {
        fputs("<section id=\"models\">\n<h2>Models side by side</h2>\n", out);
        if ((st = partreg_model_table_write(o.models, out, PARTREG_TABLE_HTML,
                                            o.models_options, err)) != PARTREG_OK)
            goto cleanup;
        fputs("</section>\n", out);
    }
    html_section_margins(a, &o, out);
    if (curves) {
        fputs("<section id=\"predictions\">\n<h2>Predicted probabilities</h2>\n", out);
        html_figure_curves(a, &o, out, curves, &fig);
        fputs("</section>\n", out);
    }
    if (a->has_diagnostics) {
        fputs("<section id=\"diagnostics\">\n<h2>Discrimination and calibration</h2>\n", out);
        html_table_discrimination(a, out);
        if ((st = html_figures_binary(a, out, &o, &fig, err)) != PARTREG_OK)
            goto cleanup;
        fputs("</section>\n", out);
    }
    fputs("<footer>Made by partreg ", out);
    html_escape(out, partreg_version());
    fputs(". A self-contained file: tables and figures (inline SVG) need no network, "
          "scripts or fonts.</footer>\n</main>\n</body>\n</html>\n",
          out);
    if (fflush(out) != 0 || ferror(out)) {
        st = partreg_error_set(err, PARTREG_EIO, "could not write the HTML report: %s", strerror(errno));
        goto cleanup;
    }
    partreg_error_clear(err);
    st = PARTREG_OK;
cleanup:
    html_curves_free(curves);
    return st;
}
