/* The marginsplot (Stata's `marginsplot` after `margins, at(x = (grid))`):
 * predicted probabilities against one variable, one series per outcome
 * level (a binary model: the event) and group (--over), with pointwise
 * intervals as the predictions carry them (link-scale by default, so
 * inside [0, 1]). A numeric variable gets lines with shaded bands; a
 * categorical one points with interval bars. The points are the analysis's
 * profile (--profile VAR) or, without one, its --at predictions when their
 * cells differ in one variable only. A standalone SVG 1.1 document with
 * its own style, readable by browsers, Inkscape and LaTeX's svg package. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "inference/margins_internal.h"
#include "report/analysis_internal.h"
#include "report/html.h"
#include "report/svg.h"

/* The variable the cells of g differ in: SIZE_MAX when they differ in
 * none or in more than one, or hold different variables. */
static size_t varying_variable(const partreg_at_grid *g)
{
    size_t n0;
    const partreg_setting *s0 = partreg_at_grid_cell(g, 0, &n0);
    size_t which = SIZE_MAX;
    for (size_t c = 1; c < partreg_at_grid_n_cells(g); c++) {
        size_t n;
        const partreg_setting *s = partreg_at_grid_cell(g, c, &n);
        if (n != n0)
            return SIZE_MAX;
        for (size_t k = 0; k < n; k++) {
            if (s[k].variable != s0[k].variable)
                return SIZE_MAX;
            if (s[k].value == s0[k].value && s[k].level == s0[k].level)
                continue;
            if (which != SIZE_MAX && which != k)
                return SIZE_MAX;
            which = k;
        }
    }
    return which == SIZE_MAX ? SIZE_MAX : s0[which].variable;
}

/* Position k of the varying setting within cell c. */
static const partreg_setting *cell_setting(const partreg_at_grid *g, size_t c, size_t v)
{
    size_t n;
    const partreg_setting *s = partreg_at_grid_cell(g, c, &n);
    for (size_t k = 0; k < n; k++)
        if (s[k].variable == v)
            return &s[k];
    return NULL;
}

partreg_status partreg_marginsplot_svg(const partreg_analysis *a, FILE *out, int standalone,
                                       partreg_error *err)
{
    if (!a || !out)
        return partreg_error_set(err, PARTREG_EINVAL, "partreg_analysis_write_marginsplot: NULL argument");
    const partreg_margins *m = a->profile ? a->profile : a->margins_at;
    const partreg_at_grid *g = a->profile ? a->profile_grid : a->at_grid;
    size_t v = g && partreg_at_grid_n_cells(g) > 1 ? varying_variable(g) : SIZE_MAX;
    if (!m || !g || v == SIZE_MAX)
        return partreg_error_set(err, PARTREG_EINVAL,
                                 "the marginsplot draws predicted probabilities over one "
                                 "variable: give --profile VAR, or --at with several values of "
                                 "one variable (e.g. --at \"age=20(10)80\")");
    const partreg_frame *fr = a->frame;
    int cat = partreg_frame_variable_is_categorical(fr, v);
    size_t C = m->n_cells, G = m->n_groups, O = m->nout, S = G * O;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (size_t c = 0; c < C; c++) {
        const partreg_setting *s = cell_setting(g, c, v);
        double x = cat ? (double)c : s->value;
        xlo = fmin(xlo, x);
        xhi = fmax(xhi, x);
    }
    for (size_t e = 0; e < m->n; e++) {
        const partreg_margin *it = &m->items[e];
        if (isfinite(it->conf_low))
            ylo = fmin(ylo, it->conf_low);
        if (isfinite(it->conf_high))
            yhi = fmax(yhi, it->conf_high);
        ylo = fmin(ylo, it->estimate);
        yhi = fmax(yhi, it->estimate);
    }
    ylo = fmax(0.0, ylo);
    yhi = fmin(1.0, yhi);
    const double W = 720, H = 440, left = 70, right = 180, top = 40, bottom = 60;
    svg_scale xs, ys;
    if (cat)
        svg_scale_linear(&xs, -0.5, (double)C - 0.5, left, W - right, 2, 0);
    else
        svg_scale_linear(&xs, xlo, xhi, left, W - right, 8, 0);
    svg_scale_linear(&ys, ylo, yhi, H - bottom, top, 6, 1);
    if (cat)
        xs.n_ticks = 0; /* the levels are labelled below */
    const char *vn = partreg_frame_variable_name(fr, v);
    if (standalone)
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"marginsplot\" viewBox=\"0 0 %g "
            "%g\" width=\"%g\" height=\"%g\" role=\"img\"><title>Predicted probabilities over ",
            W, H, W, H);
    html_escape(out, vn);
    fputs("</title>\n<style>\n"
          "text { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; font-size: 13px; "
          "fill: #222; }\n"
          ".grid { stroke: #e4e4e4; } .frame { fill: none; stroke: #888; }\n"
          ".tick { stroke: #888; } .ticklabel { font-size: 12px; }\n"
          ".axislabel { font-size: 14px; } .legend { font-size: 12px; }\n"
          "</style>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
          out);
    svg_axes(out, &xs, &ys, vn, "Predicted probability", !cat, 1);
    if (cat)
        for (size_t c = 0; c < C; c++) {
            const partreg_setting *s = cell_setting(g, c, v);
            svg_text(out, svg_map(&xs, (double)c), H - bottom + 18, "middle", "ticklabel",
                     partreg_frame_variable_level_name(fr, v, s->level));
        }
    int ordered = O > 1;
    for (size_t gi = 0; gi < G; gi++) {
        for (size_t o = 0; o < O; o++) {
            size_t sidx = gi * O + o;
            char col[8];
            svg_color(ordered ? o : sidx, ordered ? O : S, ordered, col);
            const char *dash = gi % 3 == 0 ? "" : gi % 3 == 1 ? " stroke-dasharray=\"6 4\""
                                                               : " stroke-dasharray=\"2 3\"";
            if (!cat) {
                fprintf(out, "<polygon class=\"band\" fill=\"%s\" fill-opacity=\"0.15\" points=\"",
                        col);
                for (size_t c = 0; c < C; c++) {
                    const partreg_margin *it = &m->items[(gi * C + c) * O + o];
                    fprintf(out, "%.1f,%.1f ", svg_map(&xs, cell_setting(g, c, v)->value),
                            svg_map(&ys, fmax(ylo, it->conf_high)));
                }
                for (size_t c = C; c-- > 0;) {
                    const partreg_margin *it = &m->items[(gi * C + c) * O + o];
                    fprintf(out, "%.1f,%.1f ", svg_map(&xs, cell_setting(g, c, v)->value),
                            svg_map(&ys, fmax(ylo, it->conf_low)));
                }
                fprintf(out, "\"/>\n<path class=\"curve\" fill=\"none\" stroke=\"%s\" "
                             "stroke-width=\"2.4\"%s d=\"",
                        col, dash);
                for (size_t c = 0; c < C; c++) {
                    const partreg_margin *it = &m->items[(gi * C + c) * O + o];
                    fprintf(out, "%s%.1f %.1f", c ? " L" : "M",
                            svg_map(&xs, cell_setting(g, c, v)->value), svg_map(&ys, it->estimate));
                }
                fputs("\"/>\n", out);
            } else {
                double off = S > 1 ? ((double)sidx - (double)(S - 1) / 2.0) * 0.5 / (double)S : 0;
                for (size_t c = 0; c < C; c++) {
                    const partreg_margin *it = &m->items[(gi * C + c) * O + o];
                    double px = svg_map(&xs, (double)c + off);
                    fprintf(out, "<line class=\"curve-ci\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                                 "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.8\"/>\n",
                            px, px, svg_map(&ys, it->conf_low), svg_map(&ys, it->conf_high), col);
                    fprintf(out, "<circle class=\"curve-point\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
                                 "fill=\"%s\"/>\n",
                            px, svg_map(&ys, it->estimate), col);
                }
            }
            /* legend */
            double ly = top + 10 + 20.0 * (double)sidx;
            fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                         "stroke-width=\"2.4\"%s/>\n",
                    W - right + 14, W - right + 40, ly, ly, col, dash);
            const partreg_margin *first = &m->items[(gi * C) * O + o];
            char label[300];
            snprintf(label, sizeof label, "P(%s)%s%s",
                     first->outcome ? first->outcome : partreg_frame_level_name(fr, 1),
                     first->over ? ", " : "", first->over ? first->over : "");
            svg_text(out, W - right + 46, ly + 4, "start", "legend", label);
        }
    }
    fputs("</svg>\n", out);
    if (ferror(out))
        return partreg_error_set(err, PARTREG_EIO, "a write of the marginsplot failed");
    partreg_error_clear(err);
    return PARTREG_OK;
}

partreg_status partreg_analysis_write_marginsplot(const partreg_analysis *a, FILE *out,
                                                  partreg_error *err)
{
    return partreg_marginsplot_svg(a, out, 1, err);
}
