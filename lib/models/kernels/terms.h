/* The per-row terms loops of the logit fast paths, one copy per target
 * (terms_body.h says what they compute and to which bits). Private to
 * lib/. */
#ifndef PARTREG_MODELS_KERNELS_TERMS_H
#define PARTREG_MODELS_KERNELS_TERMS_H

#include <stddef.h>

#include "core/cpu.h"

/* The loops of one copy. w = NULL everywhere means unit weights. */
typedef struct partreg_terms {
    /* Binary logit: per row wl = w log P(y), gw = w dl/deta, hw = w F S
     * (wl 0 when w = 0); returns the sum of wl (vmath.h's sum16). */
    double (*binary_logit)(const double *restrict eta, const double *restrict y,
                           const double *restrict w, size_t m, double *restrict wl,
                           double *restrict gw, double *restrict hw);
    /* Binary logit without the log-likelihood, unit weights, for the
     * outcome 1{y > j} (an ordinal outcome's cut j) and the linear
     * predictor eta + a (eta is overwritten with it): per row F = P(1),
     * S = 1 - F (not formed by subtraction), gw = dl/deta = 1{y > j} - F
     * and hw = F S, gw and hw the bits binary_logit gives them (w = NULL),
     * and their sums over the rows into sums[0] and sums[1]
     * (vmath.h's sum16). For the Brant test's cut fits
     * (lib/inference/brant_cuts.c). */
    void (*binary_logit_cut)(double *restrict eta, double a, const double *restrict y, double j,
                             size_t m, double *restrict F, double *restrict S,
                             double *restrict gw, double *restrict hw, double *restrict sums);
    /* binary_logit at unit weights for the outcome 1{y > j} and the linear
     * predictor eta + a (eta overwritten with it): wl, gw, hw and the sum
     * of wl, the bits binary_logit gives for that outcome and eta, with
     * the sums of gw and hw as binary_logit_cut's. */
    double (*binary_logit_cut_value)(double *restrict eta, double a, const double *restrict y,
                                     double j, size_t m, double *restrict wl,
                                     double *restrict gw, double *restrict hw,
                                     double *restrict sums);
    /* Ordinal logit, value only: wl = w log P from the rows' cut points
     * a, b, their category's log g and D (ordinal_pass.c). */
    void (*ordinal_values)(const double *restrict a, const double *restrict b,
                           const double *restrict lg, const double *restrict D,
                           const double *restrict w, size_t m, double *restrict wl);
    /* Ordinal logit, value and gradient terms (wl, gw, wda, wdb; ea and eb
     * are scratch). */
    void (*ordinal_grad)(const double *restrict a, const double *restrict b,
                         const double *restrict g, const double *restrict lg,
                         const double *restrict D, const double *restrict w, size_t m,
                         double *restrict wl, double *restrict gw, double *restrict wda,
                         double *restrict wdb, double *restrict ea, double *restrict eb);
    /* Ordinal logit, every term of the information pass. */
    void (*ordinal_full)(const double *restrict a, const double *restrict b,
                         const double *restrict g, const double *restrict lg,
                         const double *restrict D, const double *restrict w, size_t m,
                         double *restrict wl, double *restrict gw, double *restrict hw,
                         double *restrict wda, double *restrict wdb, double *restrict qab,
                         double *restrict wfa, double *restrict wfb);
    /* Whether every gw[r] + hw[r] is finite. */
    int (*ordinal_finite)(const double *restrict gw, const double *restrict hw, size_t m);
    /* Nominal effects, logit: w log P and the weighted derivatives in the
     * cut points (lp, da, db, daa, dab, dbb), and ok[r] = 1 where the
     * closed forms apply (nominal_sums.c). */
    void (*nominal_logit)(const double *restrict a, const double *restrict b,
                          const double *restrict w, size_t m, double *restrict lp,
                          double *restrict da, double *restrict db, double *restrict daa,
                          double *restrict dab, double *restrict dbb, double *restrict ok);
} partreg_terms;

/* The copy an instruction set runs (static storage). */
const partreg_terms *partreg_terms_for(partreg_isa isa);

/* The copies (terms_base.c, and where PARTREG_CPU_X86_ROUTES,
 * terms_avx2.c and terms_avx512.c). */
const partreg_terms *partreg_terms_base(void);
const partreg_terms *partreg_terms_avx2(void);
const partreg_terms *partreg_terms_avx512(void);

#endif
