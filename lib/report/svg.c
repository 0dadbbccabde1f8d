/* SVG primitives of the report's figures (svg.h): scales with readable
 * ticks, axes, text and palettes.
 *
 * Linear ticks: the step is the smallest of 1, 2, 2.5, 5 or 10 times a
 * power of ten that gives at most `target` intervals over the range, the
 * usual "nice numbers" rule of plotting programs. Log ticks: the sparsest
 * set of mantissas per decade (1; 1-2-5; 1-1.5-2-3-5-7; ...) that puts at
 * least four ticks inside the range. Colours: the qualitative palette of
 * Okabe and Ito (2008, "Color Universal Design"), safe for the common
 * colour-vision deficiencies; ordered levels use a ramp through the
 * viridis colours (van der Walt and Smith, matplotlib 2015), stopping
 * before its pale yellow end, which is unreadable as a line on white. */
#include "report/svg.h"

#include <math.h>
#include <string.h>

#include "report/html.h"

#define MINUS "\xe2\x88\x92"
#define THIN_SPACE "\xe2\x80\x89"

static void set_ticks_linear(svg_scale *s, double step)
{
    s->n_ticks = 0;
    double first = ceil(s->lo / step - 1e-9);
    for (int i = 0; s->n_ticks < SVG_MAX_TICKS; i++) {
        double v = (first + i) * step;
        if (v > s->hi + 1e-9 * step)
            break;
        if (fabs(v) < 1e-12 * step)
            v = 0; /* no "-0" */
        s->ticks[s->n_ticks++] = v;
    }
    int d = -(int)floor(log10(step) + 1e-9);
    double mant = step / pow(10.0, floor(log10(step) + 1e-9));
    if (fabs(mant - 2.5) < 1e-6)
        d++;
    s->decimals = d > 0 ? d : 0;
}

void svg_scale_linear(svg_scale *s, double lo, double hi, double p0, double p1, int target,
                      int extend)
{
    memset(s, 0, sizeof *s);
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    if (hi < lo) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    if (hi - lo <= 1e-12 * fmax(fabs(lo), fabs(hi))) {
        double pad = lo != 0 ? fabs(lo) * 0.1 : 1;
        lo -= pad;
        hi += pad;
    }
    if (target < 2)
        target = 2;
    double raw = (hi - lo) / target;
    double mag = pow(10.0, floor(log10(raw)));
    static const double nice[] = {1, 2, 2.5, 5, 10};
    double step = 10 * mag;
    for (size_t i = 0; i < sizeof nice / sizeof nice[0]; i++)
        if (nice[i] * mag >= raw * (1 - 1e-9)) {
            step = nice[i] * mag;
            break;
        }
    if (extend) {
        lo = floor(lo / step + 1e-9) * step;
        hi = ceil(hi / step - 1e-9) * step;
    }
    s->lo = lo;
    s->hi = hi;
    s->p0 = p0;
    s->p1 = p1;
    set_ticks_linear(s, step);
}

void svg_scale_log(svg_scale *s, double lo, double hi, double p0, double p1)
{
    memset(s, 0, sizeof *s);
    if (!(lo > 0) || !(hi > 0) || !isfinite(lo) || !isfinite(hi)) {
        lo = 0.5;
        hi = 2;
    }
    if (hi < lo) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    if (hi / lo < 1.05) {
        lo /= 1.05;
        hi *= 1.05;
    }
    s->lo = lo;
    s->hi = hi;
    s->p0 = p0;
    s->p1 = p1;
    s->log10_scale = 1;
    s->decimals = -1; /* labels by %.3g unless the fallback below sets decimals */
    static const double sets[4][10] = {
        {1},
        {1, 2, 5},
        {1, 1.5, 2, 3, 5, 7},
        {1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8},
    };
    static const size_t set_n[4] = {1, 3, 6, 10};
    int e0 = (int)floor(log10(lo)), e1 = (int)floor(log10(hi));
    for (size_t k = 0; k < 4; k++) {
        s->n_ticks = 0;
        for (int e = e0; e <= e1; e++)
            for (size_t m = 0; m < set_n[k]; m++) {
                double v = sets[k][m] * pow(10.0, e);
                if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) && s->n_ticks < SVG_MAX_TICKS)
                    s->ticks[s->n_ticks++] = v;
            }
        if (s->n_ticks >= 4 && s->n_ticks <= 12)
            break;
        if (s->n_ticks > 12 && k > 0) { /* too dense: step back to the previous set */
            s->n_ticks = 0;
            for (int e = e0; e <= e1; e++)
                for (size_t m = 0; m < set_n[k - 1]; m++) {
                    double v = sets[k - 1][m] * pow(10.0, e);
                    if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) && s->n_ticks < SVG_MAX_TICKS)
                        s->ticks[s->n_ticks++] = v;
                }
            break;
        }
    }
    if (s->n_ticks < 3) {
        /* a range too short for any set (an odds ratio of 1.01 [1.00, 1.02]):
         * linear nice ticks, placed on the log axis */
        svg_scale lin;
        svg_scale_linear(&lin, lo, hi, p0, p1, 6, 0);
        memcpy(s->ticks, lin.ticks, sizeof lin.ticks);
        s->n_ticks = lin.n_ticks;
        s->decimals = lin.decimals;
    }
}

double svg_map(const svg_scale *s, double v)
{
    double a = s->lo, b = s->hi;
    if (s->log10_scale) {
        a = log10(a);
        b = log10(b);
        v = log10(v);
    }
    return s->p0 + (v - a) / (b - a) * (s->p1 - s->p0);
}

const char *svg_tick_label(const svg_scale *s, double v, char *buf, size_t size)
{
    char raw[64];
    if (s->log10_scale && s->decimals < 0)
        snprintf(raw, sizeof raw, "%.3g", v);
    else
        snprintf(raw, sizeof raw, "%.*f", s->decimals, v);
    /* sign, then digits grouped by three before the decimal point */
    const char *p = raw;
    size_t o = 0;
    buf[0] = '\0';
    if (*p == '-') {
        o += (size_t)snprintf(buf, size, "%s", MINUS);
        p++;
    }
    size_t int_len = strcspn(p, ".eE");
    int group = int_len > 4; /* 1000 stays 1000; 10 000 is grouped */
    for (size_t i = 0; p[i] && o + 4 < size; i++) {
        if (group && i > 0 && i < int_len && (int_len - i) % 3 == 0)
            o += (size_t)snprintf(buf + o, size - o, "%s", THIN_SPACE);
        if (o + 2 < size) {
            buf[o++] = p[i];
            buf[o] = '\0';
        }
    }
    return buf;
}

void svg_begin(FILE *out, double w, double h, const char *cls, const char *title)
{
    fprintf(out,
            "<svg class=\"%s\" viewBox=\"0 0 %g %g\" "
            "width=\"%g\" height=\"%g\" role=\"img\"><title>",
            cls, w, h, w, h);
    html_escape(out, title);
    fputs("</title>\n", out);
}

void svg_end(FILE *out)
{
    fputs("</svg>\n", out);
}

void svg_text(FILE *out, double x, double y, const char *anchor, const char *cls,
              const char *text)
{
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"", x, y, anchor);
    if (cls)
        fprintf(out, " class=\"%s\"", cls);
    fputc('>', out);
    html_escape(out, text);
    fputs("</text>\n", out);
}

void svg_axes(FILE *out, const svg_scale *x, const svg_scale *y, const char *xlabel,
              const char *ylabel, int grid_x, int grid_y)
{
    double left = x->p0, right = x->p1, bottom = y->p0, top = y->p1;
    char b[64];
    fputs("<g class=\"axes\">\n", out);
    if (grid_y)
        for (size_t i = 0; i < y->n_ticks; i++) {
            double py = svg_map(y, y->ticks[i]);
            fprintf(out, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n",
                    left, right, py, py);
        }
    if (grid_x)
        for (size_t i = 0; i < x->n_ticks; i++) {
            double px = svg_map(x, x->ticks[i]);
            fprintf(out, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n",
                    px, px, top, bottom);
        }
    fprintf(out, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n",
            left, top, right - left, bottom - top);
    for (size_t i = 0; i < x->n_ticks; i++) {
        double px = svg_map(x, x->ticks[i]);
        fprintf(out, "<line class=\"tick\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n", px,
                px, bottom, bottom + 5);
        fprintf(out, "<text class=\"ticklabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                px, bottom + 18, svg_tick_label(x, x->ticks[i], b, sizeof b));
    }
    for (size_t i = 0; i < y->n_ticks; i++) {
        double py = svg_map(y, y->ticks[i]);
        fprintf(out, "<line class=\"tick\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n",
                left - 5, left, py, py);
        fprintf(out, "<text class=\"ticklabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                left - 8, py + 4, svg_tick_label(y, y->ticks[i], b, sizeof b));
    }
    if (xlabel)
        svg_text(out, (left + right) / 2, bottom + 40, "middle", "axislabel", xlabel);
    if (ylabel) {
        fprintf(out, "<text class=\"axislabel\" text-anchor=\"middle\" "
                     "transform=\"translate(%.1f %.1f) rotate(-90)\">",
                left - 46, (top + bottom) / 2);
        html_escape(out, ylabel);
        fputs("</text>\n", out);
    }
    fputs("</g>\n", out);
}

const char *svg_color(size_t k, size_t n, int ordered, char buf[8])
{
    static const unsigned qualitative[] = {0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7,
                                           0xE69F00, 0x56B4E9, 0x000000};
    /* viridis at 0, 0.25, 0.5, 0.75, 1 */
    static const unsigned ramp[] = {0x440154, 0x3B528B, 0x21918C, 0x5EC962, 0xFDE725};
    unsigned c;
    if (!ordered) {
        c = qualitative[k % (sizeof qualitative / sizeof qualitative[0])];
    } else {
        double t = n > 1 ? 0.82 * (double)k / (double)(n - 1) : 0.3;
        double pos = t * 4;
        size_t i = (size_t)floor(pos);
        if (i > 3)
            i = 3;
        double f = pos - (double)i;
        c = 0;
        for (int sh = 16; sh >= 0; sh -= 8) {
            double a = (double)((ramp[i] >> sh) & 0xFF), b = (double)((ramp[i + 1] >> sh) & 0xFF);
            unsigned v = (unsigned)lround(a + f * (b - a));
            c |= v << sh;
        }
    }
    snprintf(buf, 8, "#%06X", c & 0xFFFFFFu);
    return buf;
}
