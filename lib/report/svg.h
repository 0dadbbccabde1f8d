/* Hand-written SVG for the report's figures: scales with "nice" ticks
 * (linear and log10), axes with tick labels and titles, and the colour
 * palettes. Private to lib/. */
#ifndef PARTREG_REPORT_SVG_H
#define PARTREG_REPORT_SVG_H

#include <stddef.h>
#include <stdio.h>

#define SVG_MAX_TICKS 24

/* A map from data values [lo, hi] to pixels [p0, p1] with its ticks. */
typedef struct svg_scale {
    double lo, hi;               /* domain (positive for log scales) */
    double p0, p1;               /* pixels of lo and hi */
    int log10_scale;             /* 1: positions are linear in log10(value) */
    double ticks[SVG_MAX_TICKS]; /* tick values inside [lo, hi] */
    size_t n_ticks;
    int decimals;                /* decimals of tick labels; -1: %.3g (log scales) */
} svg_scale;

/* Linear scale over [lo, hi] with about `target` ticks at 1, 2, 2.5 or 5
 * times a power of ten; with `extend` the domain grows to the ticks just
 * outside it. A degenerate or non-finite range becomes a unit one. */
void svg_scale_linear(svg_scale *s, double lo, double hi, double p0, double p1, int target,
                      int extend);
/* Log10 scale over [lo, hi] (both > 0): ticks at 1-2-5 multiples of powers
 * of ten, made denser (1, 1.5, 2, 3, 5, 7 ...) when the range is short. */
void svg_scale_log(svg_scale *s, double lo, double hi, double p0, double p1);
/* Pixel of value v (values outside the domain map outside [p0, p1]). */
double svg_map(const svg_scale *s, double v);
/* Label of tick value v: decimals of the scale, thousands separated by
 * a thin space, U+2212 minus. */
const char *svg_tick_label(const svg_scale *s, double v, char *buf, size_t size);

/* <svg> with a viewBox of w x h, a class, role="img" and an escaped
 * <title> for screen readers. */
void svg_begin(FILE *out, double w, double h, const char *cls, const char *title);
void svg_end(FILE *out);

/* Axes of a plot whose area is x->p0..x->p1 by y->p1..y->p0 (y pixels run
 * downwards, so y->p0 is the bottom): light grid lines at the ticks (when
 * grid_x / grid_y), a frame, tick marks and labels, and the axis titles
 * (escaped; NULL for none). */
void svg_axes(FILE *out, const svg_scale *x, const svg_scale *y, const char *xlabel,
              const char *ylabel, int grid_x, int grid_y);

/* Escaped text at (x, y); anchor "start", "middle" or "end"; cls may be NULL. */
void svg_text(FILE *out, double x, double y, const char *anchor, const char *cls,
              const char *text);

/* Colour k of n as "#rrggbb" into buf (8 bytes): with `ordered`, steps
 * along a perceptually ordered dark-blue-to-green ramp (for ordered
 * outcome levels); otherwise a colour-blind-safe qualitative palette. */
const char *svg_color(size_t k, size_t n, int ordered, char buf[8]);

#endif
