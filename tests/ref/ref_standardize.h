/* GENERATED FILE - do not edit. */
/*
 * Standardized coefficients (listcoef): tests/ref/standardize.R.
 * R version 4.2.2 Patched (2022-11-10 r83330); MASS 7.3.58.2, ordinal 2022.11.16, numDeriv 2016.8.1.1
 * logit: participated ~ social_capital + age + insured + education (binary logit); expanded-rows SD check 16 digits
 * probit: participated ~ social_capital + age + insured + education (binary probit); expanded-rows SD check 16 digits
 * ordinal: willingness ~ social_capital + age + insured (ordinal logit, weights fw = 1 + row % 3); expanded-rows SD check 16 digits
 * Order: the slopes in design order (the intercept left out). Tolerance 1e-9.
 */
#ifndef PARTREG_REF_STANDARDIZE_H
#define PARTREG_REF_STANDARDIZE_H

#include <math.h> /* INFINITY */

static const double logit_sdx[5] = {
    1.0456950830408669, 19.898941773165877, 0.48385411789474508, 0.49368194308731328,
    0.40988016648215331
};
static const double logit_bstdx[5] = {
    0.66308947104346683, 0.31135107682852081, 0.21431013597169413, 0.1658132553079488,
    0.26411066640226644
};
static const double logit_bstdy[5] = {
    0.32104128318453901, 0.0079216236837364139, 0.22424464812717482, 0.1700457646623619,
    0.3262292169232221
};
static const double logit_bstdxy[5] = {
    0.33571129127920296, 0.1576319284316027, 0.10850169641219168, 0.083948523512282811,
    0.13371488574383278
};
static const double logit_or_sd[5] = {
    1.940779062443895, 1.365268451175885, 1.239006855808257, 1.1803526565470748,
    1.3022723061175789
};
static const double logit_sdy = 1.9751777442957417;
static const double probit_sdx[5] = {
    1.0456950830408669, 19.898941773165877, 0.48385411789474508, 0.49368194308731328,
    0.40988016648215331
};
static const double probit_bstdx[5] = {
    0.40133896221193027, 0.18475998676230171, 0.12899124477162691, 0.098655010327439951,
    0.15865895810189015
};
static const double probit_bstdy[5] = {
    0.34713514945933094, 0.0083978917956801721, 0.24112271527207937, 0.18074414468705963,
    0.35010638193574833
};
static const double probit_bstdxy[5] = {
    0.36299751894027882, 0.16710915985958719, 0.11666821870235776, 0.089230120550762085,
    0.14350166211428889
};
static const double probit_or_sd[5] = {
    NAN, NAN, NAN, NAN,
    NAN
};
static const double probit_sdy = 1.1056245325962117;
static const double ordinal_sdx[3] = {
    1.0435956065623717, 19.862002865661385, 0.48505005577862509
};
static const double ordinal_bstdx[3] = {
    0.72834237465869023, 0.054116207197643824, 0.23479565594237781
};
static const double ordinal_bstdy[3] = {
    0.3540160003957758, 0.0013820503530495452, 0.24554045384772547
};
static const double ordinal_bstdxy[3] = {
    0.36944954266581448, 0.027450288072758393, 0.11909941083474815
};
static const double ordinal_or_sd[3] = {
    2.0716437507710905, 1.0556072641898202, 1.2646503185498459
};
static const double ordinal_sdy = 1.9714258391098136;

#endif /* PARTREG_REF_STANDARDIZE_H */
