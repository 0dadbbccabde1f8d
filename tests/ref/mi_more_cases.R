## More multiple-imputation reference cases for partreg's `--imputations COL`
## (CONTRACT.md "Bias reduction, few clusters, multiple imputation", "Survey
## designs" and "Readings fixed where the field differs"): pooling under a
## survey design, under --vcov cluster and hc1, with --firth, and pooled
## margins and --at predictions of an ordinal probit model; D1 tests of
## factors with 3 or more levels. Run from the repository root:
##
##   Rscript tests/ref/mi_more_cases.R > tests/ref/ref_mi_more_cases.h
##
## Writes tests/data/{nhanes_mi5,brandsma_mi5,popmis_mi10,apistrat_mi8,
## nhanes2_mi20}.csv (mice imputations, fixed seeds), tests/cases/mi/<id>.json
## and, on standard output, a C header (tests/test_mi_more.c) with the
## case's options, per-imputation estimates, pooled pieces, pooled margins
## and predictions and the D1 tests by variable.
##
## Reference route (by hand, per completed data set read back from the CSV):
## the weighted ML fit Newton-polished with the analytic observed Hessian
## (survey_common.R), or Firth's penalised logit by its modified score; the
## within-imputation covariance the contract names for the options:
##   model    A^-1 (A = observed information; Firth: the expected one, I^-1)
##   hc1      A^-1 (sum_i s_i s_i') A^-1 n / (n - k)
##   cluster  A^-1 (sum_g z_g z_g') A^-1 G/(G - 1) (n - 1)/(n - k)
##   design   A^-1 B A^-1, B the contract's stratified PSU meat, A of the
##            sampling-weighted log-likelihood
## Rubin's rules as mi_cases.R (Qbar, Ubar, B, T = Ubar + (1 + 1/m) B,
## riv, Barnard-Rubin df as mice:::barnard.rubin, fmi as mice::pool) with
## the complete-data df dfcom = n - k, or the design df (PSUs - strata) under
## a design. Margins (AME) and predictions at values: per imputation the
## estimate and its delta-method variance g V g' (analytic Jacobian g), pooled
## entry by entry with the same dfcom. D1 (Li, Raghunathan and Rubin 1991)
## with the denominator df of Reiter (2007) (mice::D1 with dfcom).
## Independent routes, per case: the R fitters (survey::svyglm, glm with
## sandwich::vcovCL / vcovHC, ordinal::clm, brglm2's MPL_Jeffreys) pooled by
## mice::pool.scalar and mitools::MIcombine; mitml's D1 on their estimates.
source("tests/ref/survey_common.R")
suppressPackageStartupMessages({ library(mice); library(mitools); library(sandwich) })
`%||%` <- function(a, b) if (is.null(a)) b else a
ai <- function(x) as.integer(x)

VERS <- versions_string(c("mice", "mitml", "mitools", "survey", "sandwich", "brglm2", "MASS",
                          "ordinal", "numDeriv", "jsonlite"))
OUT <- "tests/cases/mi"
HDR <- list()

stack_imp <- function(imp, m, cols, orig = NULL) {
  s <- do.call(rbind, lapply(seq_len(m), function(i) {
    ci <- complete(imp, i)[, cols]
    for (v in names(ci)) if (is.factor(ci[[v]])) ci[[v]] <- as.character(ci[[v]])
    cbind(imp = i, ci)
  }))
  if (!is.null(orig)) {
    o <- orig[, cols]
    for (v in names(o)) if (is.factor(o[[v]])) o[[v]] <- as.character(o[[v]])
    s <- rbind(cbind(imp = 0L, o), s)
  }
  s
}

## ---------------------------------------------------------------- data
## nhanes (survey::nhanes as tests/data/nhanes.csv): HI_CHOL missing for 745
## of 8591; agecat made missing at random (depending on female and race),
## about 7%; both imputed (logreg, polyreg) from the design variables too.
nh <- read_case_csv("tests/data/nhanes.csv")
set.seed(20261207)
nh$agecat[runif(nrow(nh)) < plogis(-2.9 + 0.5 * nh$female + 0.25 * (nh$race == 3))] <- NA
nh_i <- data.frame(HI_CHOL = factor(nh$HI_CHOL), race = factor(nh$race), agecat = factor(nh$agecat),
                   female = nh$female, SDMVSTRA = nh$SDMVSTRA, WTMEC2YR = nh$WTMEC2YR)
pm <- make.predictorMatrix(nh_i)
imp_nh <- mice(nh_i, m = 5, seed = 20261208, printFlag = FALSE, predictorMatrix = pm)
nh_st <- do.call(rbind, lapply(1:5, function(i) {
  ci <- complete(imp_nh, i)
  data.frame(imp = i, SDMVPSU = nh$SDMVPSU, SDMVSTRA = nh$SDMVSTRA, WTMEC2YR = nh$WTMEC2YR,
             HI_CHOL = as.integer(as.character(ci$HI_CHOL)), race = as.integer(as.character(ci$race)),
             agecat = as.character(ci$agecat), female = nh$female)
}))
write.csv(nh_st, "tests/data/nhanes_mi5.csv", row.names = FALSE, na = "")

## brandsma (mice::brandsma, 4106 pupils in 216 schools): repeated a grade
## (rpg > 0) missing for 13, IQ 17, SES 137, sex 10, school denomination 249;
## imputed with language and arithmetic pretests as auxiliaries (school id
## not a predictor).
br <- mice::brandsma
br_i <- data.frame(sch = br$sch, repeated = factor(ifelse(br$rpg > 0, "yes", "no")), iqv = br$iqv,
                   ses = br$ses, sex = br$sex, den = factor(br$den), lpr = br$lpr, apr = br$apr)
pm <- make.predictorMatrix(br_i); pm[, "sch"] <- 0
meth <- make.method(br_i); meth["sch"] <- ""
imp_br <- mice(br_i, m = 5, seed = 20261209, printFlag = FALSE, predictorMatrix = pm, method = meth)
br_st <- stack_imp(imp_br, 5, c("sch", "repeated", "iqv", "ses", "sex", "den"))
br_st$den <- as.integer(br_st$den)
write.csv(br_st, "tests/data/brandsma_mi5.csv", row.names = FALSE, na = "")

## popmis (mice::popmis, 2000 pupils in 100 schools): pupil popularity
## missing for 848; imputed by pmm from sex, teacher experience and teacher
## popularity rating.
pp <- mice::popmis
pp_i <- data.frame(popular = pp$popular, sex = pp$sex, texp = pp$texp, teachpop = pp$teachpop)
imp_pp <- mice(pp_i, m = 10, seed = 20261210, printFlag = FALSE)
pp_st <- stack_imp(imp_pp, 10, c("popular", "sex", "texp", "teachpop"))
pp_st$liked <- ifelse(pp_st$teachpop >= 6, "yes", "no")
pp_st$teachpop <- NULL
write.csv(pp_st, "tests/data/popmis_mi10.csv", row.names = FALSE, na = "")

## apistrat (tests/data/apistrat.csv): api4 ordinal; ell made missing at
## random (more often in high-meals schools, about 25%), meals about 10%;
## imputed by pmm (api4 as polr-imputed predictor, complete here).
ap <- read_case_csv("tests/data/apistrat.csv")
set.seed(20261211)
ap_i <- data.frame(api4 = factor(ap$api4, levels = c("low", "lower-mid", "upper-mid", "high"), ordered = TRUE),
                   meals = ap$meals, ell = ap$ell, stype = factor(ap$stype), mobility = ap$mobility)
ap_i$ell[runif(200) < plogis(-2 + 0.02 * ap$meals)] <- NA
ap_i$meals[runif(200) < 0.1] <- NA
imp_ap <- mice(ap_i, m = 8, seed = 20261212, printFlag = FALSE)
ap_st <- stack_imp(imp_ap, 8, c("api4", "meals", "ell", "stype"), orig = ap_i)
ap_st$api4 <- as.character(ap_st$api4)
write.csv(ap_st, "tests/data/apistrat_mi8.csv", row.names = FALSE, na = "")

## nhanes2 (mice::nhanes2, 25 adults): bmi, hyp, chl partly missing; no
## hypertensive observed aged 20-39 (quasi-separation: Firth).
imp_n2 <- mice(mice::nhanes2, m = 20, seed = 20261213, printFlag = FALSE)
n2_st <- stack_imp(imp_n2, 20, c("age", "bmi", "hyp", "chl"))
write.csv(n2_st, "tests/data/nhanes2_mi20.csv", row.names = FALSE, na = "")

## ---------------------------------------------------------------- pooling
br_df <- function(m, b, t, dfcom) {
  lambda <- (1 + 1 / m) * b / t
  lambda[lambda < 1e-04] <- 1e-04
  dfold <- (m - 1) / lambda^2
  dfobs <- (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lambda)
  dfold * dfobs / (dfold + dfobs)
}
rubin <- function(Q, U, dfcom) {      # Q: m x k, U: list of k x k
  m <- nrow(Q)
  qbar <- colMeans(Q); Ubar <- Reduce(`+`, U) / m; B <- cov(Q)
  ub <- diag(Ubar); b <- diag(B); t <- ub + (1 + 1 / m) * b
  df <- br_df(m, b, t, dfcom); riv <- (1 + 1 / m) * b / ub
  list(qbar = qbar, Ubar = Ubar, B = B, t = t, se = sqrt(t), df = df, riv = riv,
       fmi = (riv + 2 / (df + 3)) / (riv + 1), m = m)
}
## D1 with the Reiter (2007) denominator df when t = q (m - 1) > 4; for
## t <= 4, where Reiter's approximation has 1/(t - 4) and mice::D1 returns
## 4 (t = 4) or nonsense (t < 4): for one coefficient (F = its t^2) the
## Barnard-Rubin df of its own test, else Li et al.'s small-t df
## t (1 + 1/q) (1 + 1/r)^2 / 2 (mitml's D1 without df.com); partreg's rule
D1 <- function(P, idx, dfcom) {
  m <- P$m; k <- length(idx)
  Ub <- P$Ubar[idx, idx, drop = FALSE]; Bq <- P$B[idx, idx, drop = FALSE]; q <- P$qbar[idx]
  r <- (1 + 1 / m) * sum(diag(Bq %*% solve(Ub))) / k
  Fv <- drop(t(q) %*% solve((1 + r) * Ub, q)) / k
  t_ <- k * (m - 1)
  if (t_ <= 4) {
    v <- if (k == 1) br_df(m, diag(Bq), diag(Ub) + (1 + 1 / m) * diag(Bq), dfcom) else
      t_ * (1 + 1 / k) * (1 + 1 / r)^2 / 2
    return(list(F = Fv, k = k, r = r, df2 = v, p = pf(Fv, k, v, lower.tail = FALSE)))
  }
  a <- r * t_ / (t_ - 2); vstar <- (dfcom + 1) / (dfcom + 3) * dfcom
  c0 <- 1 / (t_ - 4); c1 <- vstar - 2 * (1 + a); c2 <- vstar - 4 * (1 + a)
  z <- 1 / c2 + c0 * (a^2 * c1 / ((1 + a)^2 * c2)) + c0 * (8 * a^2 * c1 / ((1 + a) * c2^2) + 4 * a^2 / ((1 + a) * c2)) +
    c0 * (4 * a^2 / (c2 * c1) + 16 * a^2 * c1 / c2^3) + c0 * (8 * a^2 / c2^2)
  v <- 4 + 1 / z
  list(F = Fv, k = k, r = r, df2 = v, p = pf(Fv, k, v, lower.tail = FALSE))
}
digits <- function(d) if (!is.finite(d)) NA_integer_ else if (d == 0) 16L else ai(min(16, max(0, floor(-log10(d)))))

## ---------------------------------------------------------------- Firth
## Firth's logit: l + log det I / 2 maximised by the modified score
## X'(y - p + h (1/2 - p)) = 0 (Firth 1993), steps I^-1 U*, I = X' diag(p(1-p)) X.
firth_logit <- function(X, y, tol = 1e-13, maxit = 200) {
  b <- rep(0, ncol(X))
  for (it in seq_len(maxit)) {
    p <- plogis(drop(X %*% b)); w <- p * (1 - p)
    I <- crossprod(X, w * X); Ii <- solve(I)
    h <- w * rowSums((X %*% Ii) * X)
    U <- drop(crossprod(X, y - p + h * (0.5 - p)))
    if (max(abs(U)) < tol) break
    b <- b + drop(Ii %*% U)
  }
  p <- plogis(drop(X %*% b)); I <- crossprod(X, p * (1 - p) * X)
  list(psi = b, V = solve(I), iter = it, score = max(abs(U)))
}

## ---------------------------------------------------------------- predictions at values
## at: named list var = value (numeric) or level (factor); every row set to
## it, everything else as observed; P(y = 1) or P(Y = j), averaged with wm.
## Returns estimates and the analytic Jacobian wrt psi.
pred_at <- function(M, psi, link, wm, at) {
  L <- LINKS[[link]]; X <- M$X; p <- ncol(X); J <- M$J; ordinal <- M$family == "ordinal"
  for (v in names(at)) {
    inf <- Filter(function(i) i$var == v, M$info)[[1]]
    if (inf$type == "numeric") X[, inf$cols] <- at[[v]] else {
      X[, inf$cols] <- 0
      li <- match(at[[v]], inf$levels)
      if (li > 1) X[, inf$cols[li - 1]] <- 1
    }
  }
  beta <- psi[seq_len(p)]; eta <- drop(X %*% beta); W <- sum(wm)
  fz <- function(u) { r <- L$f(u); r[!is.finite(u)] <- 0; r }
  if (!ordinal) {
    return(list(est = sum(wm * L$F(eta)) / W, J = matrix(colSums(wm * fz(eta) * X) / W, 1)))
  }
  th <- c(-Inf, psi[p + seq_len(J - 1)], Inf)
  est <- numeric(J); Jac <- matrix(0, J, length(psi))
  for (j in 1:J) {
    est[j] <- sum(wm * ord_prob(th[j] - eta, th[j + 1] - eta, L)) / W
    fu <- fz(th[j + 1] - eta); fl <- fz(th[j] - eta)
    Jac[j, seq_len(p)] <- -colSums(wm * (fu - fl) * X) / W
    if (j <= J - 1) Jac[j, p + j] <- sum(wm * fu) / W
    if (j >= 2) Jac[j, p + j - 1] <- -sum(wm * fl) / W
  }
  list(est = est, J = Jac)
}
## interval of a probability on the link scale with quantile q (partreg's
## default --prob-ci link): F(F^-1(p) -+ q se / f(F^-1(p)))
link_ci <- function(link, p, se, q) {
  u <- switch(link, logit = qlogis(p), probit = qnorm(p), stop("link"))
  h <- q * se / LINKS[[link]]$f(u)
  c(LINKS[[link]]$F(u - h), LINKS[[link]]$F(u + h))
}

## ---------------------------------------------------------------- a case
## spec: id, csv, formula, family, link, ylevels, vcov (model|hc1|cluster|
## design|firth), cluster, weights/strata/psu, margins, at (list of named
## lists, in partreg's grid order) and at_arg, r_route (function(di) ->
## list(est, V) from R's own fitters, parameters in the reference order),
## r_call, desc.
run_mi <- function(s) {
  cat("## ", s$id, "\n", file = stderr())
  all <- read_case_csv(file.path("tests/data", s$csv))
  ms <- sort(unique(all$imp[all$imp > 0])); m <- length(ms)
  extra <- c(s$cluster, s$weights, s$strata, s$psu)
  fits <- list(); Ms <- list(); dfd <- NA
  for (i in ms) {
    di <- all[all$imp == i, ]
    M <- build_model(di, s$formula, s$family, s$ylevels, extra = extra %||% character(0))
    n <- M$n_obs
    w <- if (is.null(s$weights)) rep(1, n) else M$d[[s$weights]]
    if (s$vcov == "firth") {
      f <- firth_logit(M$X, M$y)
    } else {
      f <- fit_w(M, w, s$link)
      Ai <- solve(f$A); k <- length(f$psi)
      f$V <- switch(s$vcov,
        model = Ai,
        hc1 = Ai %*% crossprod(f$S) %*% Ai * n / (n - k),
        cluster = {
          Z <- rowsum(f$S, M$d[[s$cluster]]); G <- nrow(Z)
          Ai %*% crossprod(Z) %*% Ai * G / (G - 1) * (n - 1) / (n - k)
        },
        design = {
          dm <- design_meat(w * f$S, strata = M$d[[s$strata]], psu = M$d[[s$psu]])
          dfd <- dm$df
          Ai %*% dm$B %*% Ai
        })
    }
    f$V <- (f$V + t(f$V)) / 2
    fits[[i]] <- f; Ms[[i]] <- M
  }
  M1 <- Ms[[1]]; k <- length(fits[[1]]$psi); n <- M1$n_obs
  dfcom <- if (s$vcov == "design") dfd else n - k
  pn <- param_names(M1); p <- ncol(M1$X)
  Q <- t(sapply(fits, `[[`, "psi")); U <- lapply(fits, `[[`, "V")
  P <- rubin(Q, U, dfcom)
  q <- qt(0.975, P$df)
  cc <- list()
  ## mice::pool.scalar and mitools::MIcombine on the reference numbers
  ps <- lapply(seq_len(k), function(j) pool.scalar(Q[, j], sapply(U, function(u) u[j, j]), n = dfcom + k, k = k))
  cc$mice_pool_scalar <- list(
    estimate = rel_diff(sapply(ps, `[[`, "qbar"), P$qbar), std_error = rel_diff(sqrt(sapply(ps, `[[`, "t")), P$se),
    df = rel_diff(sapply(ps, `[[`, "df"), P$df), riv = rel_diff(sapply(ps, `[[`, "r"), P$riv),
    fmi = rel_diff(sapply(ps, `[[`, "fmi"), P$fmi),
    note = "mice::pool.scalar(Q_j, U_j, n = dfcom + k, k) per parameter on the reference per-imputation estimates and variances")
  mc <- MIcombine(lapply(seq_len(m), function(i) Q[i, ]), U, df.complete = dfcom)
  cc$mitools_MIcombine <- list(estimate = rel_diff(unname(coef(mc)), P$qbar),
                               std_error = rel_diff(unname(sqrt(diag(vcov(mc)))), P$se),
                               note = "mitools::MIcombine(estimates, variances, df.complete = dfcom): same estimate and T")
  ## R's own fitters per imputation, pooled by mice::pool.scalar
  rf <- lapply(ms, function(i) s$r_route(all[all$imp == i, ]))
  Qr <- t(sapply(rf, `[[`, "est")); Ur <- lapply(rf, `[[`, "V")
  psr <- lapply(seq_len(k), function(j) pool.scalar(Qr[, j], sapply(Ur, function(u) u[j, j]), n = dfcom + k, k = k))
  cc$r_fitters <- list(
    per_imputation_estimate = rel_diff(as.vector(Qr), as.vector(Q)),
    per_imputation_vcov = max(sapply(seq_len(m), function(i) max(abs(Ur[[i]] - U[[i]])) / max(abs(U[[i]])))),
    estimate = rel_diff(sapply(psr, `[[`, "qbar"), P$qbar), std_error = rel_diff(sqrt(sapply(psr, `[[`, "t")), P$se),
    df = rel_diff(sapply(psr, `[[`, "df"), P$df), riv = rel_diff(sapply(psr, `[[`, "r"), P$riv),
    fmi = rel_diff(sapply(psr, `[[`, "fmi"), P$fmi),
    call = s$r_call, note = paste("pooled by mice::pool.scalar(n = dfcom + k, k) with dfcom =", dfcom))
  if (!is.null(s$r_note)) cc$r_fitters$note2 <- s$r_note
  if (s$vcov == "firth") {
    cc$firth <- list(max_abs_modified_score = max(sapply(fits, `[[`, "score")),
                     note = "Firth's modified score X'(y - p + h (1/2 - p)) at the reference estimates, every imputation")
  } else {
    cc$newton_polish <- list(max_steps = ai(max(sapply(fits, `[[`, "steps"))),
                             max_abs_gradient_times_model_se = max(sapply(fits, `[[`, "grad_se")))
  }
  cc$dfcom <- dfcom
  wm_of <- function(i) if (is.null(s$weights)) rep(1, n) else Ms[[i]]$d[[s$weights]]
  ## ---- margins, pooled
  mg <- NULL; mgp <- NULL; mlab <- NULL
  if (isTRUE(s$margins)) {
    am <- lapply(ms, function(i) ame(Ms[[i]], fits[[i]]$psi, s$link, wm_of(i)))
    Qm <- t(sapply(am, `[[`, "est"))
    Um <- lapply(ms, function(i) am[[i]]$J %*% fits[[i]]$V %*% t(am[[i]]$J))
    mgp <- rubin(Qm, Um, dfcom)
    Jn <- numDeriv::jacobian(function(z) ame(Ms[[1]], z, s$link, wm_of(1))$est, fits[[1]]$psi)
    ## the R fitters' estimates and covariances through the same AME
    amr <- lapply(ms, function(i) ame(Ms[[i]], Qr[i, ], s$link, wm_of(i)))
    mgr <- rubin(t(sapply(amr, `[[`, "est")), lapply(ms, function(i) amr[[i]]$J %*% Ur[[i]] %*% t(amr[[i]]$J)), dfcom)
    cc$margins <- list(jacobian_analytic_vs_numDeriv_imp1 = max(abs(Jn - am[[1]]$J)) / max(abs(am[[1]]$J)),
                       pooled_estimate_from_r_fitters = rel_diff(mgr$qbar, mgp$qbar),
                       pooled_std_error_from_r_fitters = rel_diff(mgr$se, mgp$se),
                       note = "AME per imputation (analytic; rows weighted by the sampling weights under a design), variance J V J' with the imputation's V; pooled by Rubin's rules entry by entry, dfcom as the coefficients")
    mg <- margins_block(list(est = mgp$qbar, term = am[[1]]$term, outcome = am[[1]]$outcome), mgp$se)
    mlab <- ifelse(is.na(am[[1]]$outcome), am[[1]]$term, paste0(am[[1]]$term, " @ ", am[[1]]$outcome))
  }
  ## ---- predictions at values, pooled
  pa <- NULL
  if (!is.null(s$at)) {
    lab <- character(0); outc <- character(0); Qa <- NULL; Ua <- vector("list", m); Qar <- NULL; Uar <- vector("list", m)
    jerr <- 0
    for (g in s$at) {
      gl <- paste(sprintf("%s=%s", names(g), unlist(g)), collapse = ",")
      pr <- lapply(ms, function(i) pred_at(Ms[[i]], fits[[i]]$psi, s$link, wm_of(i), g))
      prr <- lapply(ms, function(i) pred_at(Ms[[i]], Qr[i, ], s$link, wm_of(i), g))
      Jn <- numDeriv::jacobian(function(z) pred_at(Ms[[1]], z, s$link, wm_of(1), g)$est, fits[[1]]$psi)
      jerr <- max(jerr, max(abs(Jn - pr[[1]]$J)) / max(abs(pr[[1]]$J)))
      no <- length(pr[[1]]$est)
      lab <- c(lab, rep(gl, no)); outc <- c(outc, if (no == 1) NA else M1$ylevels)
      Qa <- cbind(Qa, t(sapply(pr, `[[`, "est"))); Qar <- cbind(Qar, t(sapply(prr, `[[`, "est")))
      for (i in ms) {
        Ua[[i]] <- as.matrix(Matrix::bdiag(c(if (!is.null(Ua[[i]])) list(Ua[[i]]), list(pr[[i]]$J %*% fits[[i]]$V %*% t(pr[[i]]$J)))))
        Uar[[i]] <- as.matrix(Matrix::bdiag(c(if (!is.null(Uar[[i]])) list(Uar[[i]]), list(prr[[i]]$J %*% Ur[[i]] %*% t(prr[[i]]$J)))))
      }
    }
    Pa <- rubin(Qa, Ua, dfcom); Par <- rubin(Qar, Uar, dfcom)
    ci <- t(sapply(seq_along(Pa$qbar), function(e) link_ci(s$link, Pa$qbar[e], Pa$se[e], qt(0.975, Pa$df[e]))))
    pa <- list(label = lab, outcome = ifelse(is.na(outc), "", outc), est = Pa$qbar, se = Pa$se, df = Pa$df,
               lo = ci[, 1], hi = ci[, 2])
    cc$predictions_at <- list(jacobian_analytic_vs_numDeriv_imp1 = jerr,
                              pooled_estimate_from_r_fitters = rel_diff(Par$qbar, Pa$qbar),
                              pooled_std_error_from_r_fitters = rel_diff(Par$se, Pa$se),
                              note = "P(Y = j) with the variables held at the values in every row, averaged over the rows, per imputation with variance g V g' (analytic g), pooled entry by entry (dfcom as the coefficients); intervals on the link scale, F(F^-1(p) -+ qt(0.975, df) se / f(F^-1(p))), in tests/ref/ref_mi_more_cases.h")
  }
  ## ---- D1 by variable
  tests <- list()
  for (inf in M1$info) tests[[inf$var]] <- D1(P, inf$cols, dfcom)
  dint <- sapply(M1$info, function(inf) {
    idx <- inf$cols
    Uh <- array(unlist(lapply(Ur, function(u) u[idx, idx, drop = FALSE])), c(length(idx), length(idx), m))
    small <- length(idx) * (m - 1) <= 4
    r <- mitml:::.D1(Qhat = t(Qr[, idx, drop = FALSE]), Uhat = Uh, df.com = if (small) NULL else dfcom)
    ## one coefficient, t <= 4: the Barnard-Rubin df of its pooled test
    ## (mice::pool.scalar on the R fitters' numbers)
    v <- if (small && length(idx) == 1)
      pool.scalar(Qr[, idx], sapply(Ur, function(u) u[idx, idx]), n = dfcom + k, k = k)$df else r$v
    c(F = drop(r$F), df2 = v, r = r$r)
  })
  cc$mitml_D1_on_r_fitters <- list(
    F = rel_diff(dint["F", ], sapply(tests, `[[`, "F")), df2 = rel_diff(dint["df2", ], sapply(tests, `[[`, "df2")),
    riv = rel_diff(dint["r", ], sapply(tests, `[[`, "r")),
    note = "mitml:::.D1(Qhat, Uhat, df.com = dfcom) (the routine behind mice::D1) on the R fitters' per-imputation estimates and covariances; for a test with q (m - 1) <= 4 (mitml with df.com gives 4 at t = 4, the limit of Reiter's formula, and is undefined below): one coefficient, the Barnard-Rubin df of mice::pool.scalar (F is its t^2), else df.com = NULL (Li et al.'s small-t df), as partreg")
  ## agreement digits
  agree <- list()
  for (nm in names(cc)) if (is.list(cc[[nm]])) {
    a <- list()
    for (kk in names(cc[[nm]])) if (is.numeric(cc[[nm]][[kk]]) && !kk %in% c("max_steps", "max_abs_gradient_times_model_se", "max_abs_modified_score"))
      a[[kk]] <- digits(cc[[nm]][[kk]])
    if (length(a)) agree[[nm]] <- a
  }
  coefs <- term_block(pn[seq_len(p)], P$qbar[seq_len(p)], P$se[seq_len(p)], q[seq_len(p)],
                      extra = list(df = P$df[seq_len(p)], riv = P$riv[seq_len(p)], fmi = P$fmi[seq_len(p)]))
  thr <- empty_obj()
  if (s$family == "ordinal") {
    thr <- list()
    for (j in p + seq_len(M1$J - 1)) thr[[pn[j]]] <- list(estimate = P$qbar[j], std_error = P$se[j])
  }
  vt <- switch(s$vcov, firth = "model", s$vcov)
  expect <- list(family = s$family, link = s$link, vcov_type = vt, converged = TRUE,
                 imputations = ai(m), n_obs = ai(n))
  if (s$vcov == "design") expect$df <- dfcom
  expect$coefficients <- coefs
  expect$thresholds <- thr
  if (!is.null(mg)) expect$margins <- mg
  case <- list(id = s$id, data = file.path("../../data", s$csv), args = s$args,
               source = paste0(VERS, ": ", s$desc, " Per imputation: ", s$fit_desc,
                               " Rubin's rules: estimate = mean, T = Ubar + (1 + 1/m) B, Barnard-Rubin df with dfcom = ",
                               if (s$vcov == "design") paste0("the design df (PSUs - strata) = ", dfcom) else paste0("n - k = ", n, " - ", k, " = ", dfcom),
                               " (mice:::barnard.rubin, lambda floored at 1e-4), riv = (1 + 1/m) B / Ubar, fmi = (riv + 2/(df + 3)) / (riv + 1) (mice::pool); intervals estimate +- qt(0.975, df) sqrt(T); n_obs = rows per completed data set.",
                               if (s$family == "ordinal") " Thresholds pooled the same way (estimate, std_error only)." else "",
                               if (!is.null(mg)) " Margins: AME per imputation with its delta-method variance, pooled by Rubin's rules (estimate = mean, std_error = sqrt(T))." else "",
                               if (!is.null(pa)) " Predictions at values pooled the same way (tests/ref/ref_mi_more_cases.h)." else "",
                               " D1 tests by variable (Li, Raghunathan and Rubin 1991; Reiter 2007 denominator df with dfcom) in tests/ref/ref_mi_more_cases.h."),
               crosscheck = c(list(agreement_digits = agree), cc),
               tolerance = list(estimate = 1e-8, std_error = 1e-6, ci = 1e-6, df = 1e-6, margins = 1e-6),
               expect = expect)
  write_case(file.path(OUT, paste0(s$id, ".json")), case)
  HDR[[s$id]] <<- list(pn = pn, P = P, Q = Q, tests = tests, agree = agree, m = m, dfcom = dfcom,
                       mgp = mgp, mlab = mlab, pa = pa, args = s$args, csv = s$csv, n = n)
}

## factor columns for the R fitters, levels as partreg orders them
fac <- function(d, v, lev = contract_levels(d[[v]])) { d[[v]] <- factor(d[[v]], levels = lev); d }
glm_tight <- glm.control(epsilon = 1e-14, maxit = 100)

## ---------------------------------------------------------------- cases
## 1. survey design (strata + PSU), margins, 4-level factor
des_route <- function(di) {
  di <- fac(di, "race"); di <- fac(di, "agecat")
  d <- svydesign(ids = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = di)
  g <- svyglm(HI_CHOL ~ race + agecat + female, design = d, family = quasibinomial("logit"), control = glm_tight)
  list(est = unname(coef(g)), V = unname(vcov(g)))
}
run_mi(list(
  id = "nhanes_hichol_logit_design_mi5", csv = "nhanes_mi5.csv",
  formula = HI_CHOL ~ factor(race) + agecat + female, family = "binary", link = "logit",
  vcov = "design", weights = "WTMEC2YR", strata = "SDMVSTRA", psu = "SDMVPSU", margins = TRUE,
  args = c("--formula", "HI_CHOL ~ factor(race) + agecat + female", "--family", "binary", "--link", "logit",
           "--sampling-weights", "WTMEC2YR", "--strata", "SDMVSTRA", "--psu", "SDMVPSU",
           "--imputations", "imp", "--margins"),
  r_route = des_route,
  r_call = "svyglm(HI_CHOL ~ race + agecat + female, svydesign(ids = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE), quasibinomial('logit'), epsilon = 1e-14) per imputation",
  r_note = "svyglm's bread is the IRLS information, the observed one for the logit link; mice::pool(dfcom = NULL) would take df.residual(svyglm) = design df + 1 - k, not the contract's design df",
  fit_desc = "binary logit, sampling-weighted ML Newton-polished (analytic observed Hessian); design vcov A^-1 B A^-1 (Taylor linearisation, strata SDMVSTRA, PSUs SDMVPSU within strata; 15 strata, 31 PSUs).",
  desc = "survey::nhanes (tests/data/nhanes.csv, 8591 rows) with HI_CHOL missing for 745 and agecat made missing at random (set.seed(20261207), P = plogis(-2.9 + 0.5 female + 0.25 [race = 3])); imputed by mice(m = 5, seed = 20261208) with its default methods (logreg HI_CHOL, polyreg agecat; race, female, SDMVSTRA and WTMEC2YR as predictors); stacked with imp = 1..5. Logit of HI_CHOL on factor(race) (4 levels), agecat (4 levels) and female under the design; pooled AME margins (sampling-weighted, design variance)."))

## 2a. --vcov cluster (CR1), 4-level factor(den)
cl_route <- function(di) {
  di <- fac(di, "repeated"); di <- fac(di, "den")
  g <- glm(repeated ~ iqv + ses + sex + den, binomial("logit"), data = di, control = glm_tight)
  list(est = unname(coef(g)), V = unname(vcovCL(g, cluster = ~sch, type = "HC1", cadjust = TRUE)))
}
run_mi(list(
  id = "brandsma_repeated_logit_cluster_mi5", csv = "brandsma_mi5.csv",
  formula = repeated ~ iqv + ses + sex + factor(den), family = "binary", link = "logit",
  vcov = "cluster", cluster = "sch",
  args = c("--formula", "repeated ~ iqv + ses + sex + factor(den)", "--family", "binary", "--link", "logit",
           "--vcov", "cluster", "--cluster", "sch", "--imputations", "imp"),
  r_route = cl_route,
  r_call = "sandwich::vcovCL(glm(repeated ~ iqv + ses + sex + den, binomial, epsilon = 1e-14), cluster = ~sch, type = 'HC1', cadjust = TRUE) per imputation",
  fit_desc = "binary logit ML Newton-polished; cluster-robust CR1 vcov G/(G - 1) (n - 1)/(n - k) A^-1 (sum_g z_g z_g') A^-1 with the 216 schools.",
  desc = "mice::brandsma (4106 pupils in 216 schools): repeated (rpg > 0; yes = event) missing for 13, iqv 17, ses 137, sex 10, den 249; imputed by mice(m = 5, seed = 20261209) with its default methods (logreg repeated, pmm iqv/ses/sex, polyreg den; pretests lpr and apr as auxiliaries; the school id sch not a predictor); stacked with imp = 1..5. Logit of repeating a grade on IQ, SES, sex and school denomination factor(den) (4 levels) with school clusters."))

## 2b. --vcov hc1, probit
hc_route <- function(di) {
  di <- fac(di, "liked")
  g <- glm(liked ~ popular + sex + texp, binomial("probit"), data = di, control = glm_tight)
  ## sandwich's bread for glm is the IRLS (expected) information; the
  ## contract's is the observed one: bread. = n (numDeriv Hessian)^-1
  X <- model.matrix(g); y <- g$y
  H <- numDeriv::hessian(function(b) sum(dbinom(y, 1, pnorm(drop(X %*% b)), log = TRUE)), coef(g))
  V <- sandwich(g, bread. = nrow(X) * solve(-H), meat. = meatHC(g, type = "HC1"))
  list(est = unname(coef(g)), V = unname(V), V_expected = unname(vcovHC(g, type = "HC1")))
}
run_mi(list(
  id = "popmis_liked_probit_hc1_mi10", csv = "popmis_mi10.csv",
  formula = liked ~ popular + sex + texp, family = "binary", link = "probit", vcov = "hc1",
  args = c("--formula", "liked ~ popular + sex + texp", "--family", "binary", "--link", "probit",
           "--vcov", "hc1", "--imputations", "imp"),
  r_route = hc_route,
  r_call = "sandwich::sandwich(glm(liked ~ popular + sex + texp, binomial('probit'), epsilon = 1e-14), bread. = n solve(-numDeriv::hessian(loglik)), meat. = meatHC(type = 'HC1')) per imputation",
  r_note = "sandwich::vcovHC(type = 'HC1') itself uses glm's IRLS (expected-information) bread, which for the probit link is not the contract's observed information",
  fit_desc = "binary probit ML Newton-polished; HC1 vcov n/(n - k) A^-1 (sum_i s_i s_i') A^-1.",
  desc = "mice::popmis (2000 pupils in 100 schools; pupil popularity missing for 848) imputed by mice(m = 10, seed = 20261210), pmm from sex, texp and teachpop; stacked with imp = 1..10; liked = (teacher's popularity rating teachpop >= 6), yes = event. Probit of liked on popular, sex and teacher experience texp with HC1 standard errors."))

## 3. ordinal probit, margins and predictions at values
ap_route <- function(di) {
  di$api4 <- factor(di$api4, levels = c("low", "lower-mid", "upper-mid", "high")); di <- fac(di, "stype")
  mm <- clm(api4 ~ meals + ell + stype, data = di, link = "probit",
            control = clm.control(gradTol = 1e-13, relTol = 1e-15, maxIter = 1000))
  J1 <- length(mm$alpha); o <- c(J1 + seq_along(mm$beta), seq_len(J1))
  list(est = c(unname(mm$beta), unname(mm$alpha)), V = unname(vcov(mm)[o, o]))
}
run_mi(list(
  id = "apistrat_api4_oprobit_margins_mi8", csv = "apistrat_mi8.csv",
  formula = api4 ~ meals + ell + stype, family = "ordinal", link = "probit",
  ylevels = c("low", "lower-mid", "upper-mid", "high"), vcov = "model", margins = TRUE,
  at = list(list(ell = 10, stype = "E"), list(ell = 10, stype = "H"),
            list(ell = 50, stype = "E"), list(ell = 50, stype = "H")),
  args = c("--formula", "api4 ~ meals + ell + stype", "--family", "ordinal", "--link", "probit",
           "--levels", "low,lower-mid,upper-mid,high", "--imputations", "imp", "--margins",
           "--at", "ell=10,50 stype=E,H"),
  r_route = ap_route,
  r_call = "ordinal::clm(api4 ~ meals + ell + stype, link = 'probit', gradTol = 1e-13, relTol = 1e-15) per imputation, vcov (analytic Hessian)",
  fit_desc = "ordinal probit ML Newton-polished (analytic observed Hessian), model vcov (inverse observed information).",
  desc = "tests/data/apistrat.csv (200 schools), api4 (low < lower-mid < upper-mid < high); ell made missing at random (set.seed(20261211), P = plogis(-2 + 0.02 meals)) and meals completely at random (10%); imputed by mice(m = 8, seed = 20261212), pmm with api4, stype and mobility as predictors; stacked with imp = 0 (the rows with the missing values: skipped) and 1..8. Ordinal probit of api4 on meals, ell and stype (E reference); pooled AME margins of every outcome level and predictions at ell = 10, 50 by stype = E, H."))

## 4. Firth logit
fi_route <- function(di) {
  di <- fac(di, "hyp"); di <- fac(di, "age")
  g <- glm(hyp ~ age + bmi, binomial("logit"), data = di, method = brglm2::brglmFit,
           type = "MPL_Jeffreys", epsilon = 1e-13, maxit = 500)
  list(est = unname(coef(g)), V = unname(vcov(g)))
}
run_mi(list(
  id = "nhanes2_hyp_firth_mi20", csv = "nhanes2_mi20.csv",
  formula = hyp ~ age + bmi, family = "binary", link = "logit", vcov = "firth",
  args = c("--formula", "hyp ~ age + bmi", "--family", "binary", "--link", "logit", "--firth",
           "--imputations", "imp"),
  r_route = fi_route,
  r_call = "glm(hyp ~ age + bmi, binomial, method = brglm2::brglmFit, type = 'MPL_Jeffreys', epsilon = 1e-13) per imputation, vcov (inverse expected information)",
  fit_desc = "Firth's penalised logit (loglik + log det I / 2) solved by its modified score to 1e-13, vcov I^-1 (expected information at the estimate).",
  desc = "mice::nhanes2 (25 adults; bmi, hyp, chl partly missing) imputed by mice(m = 20, seed = 20261213) with its default methods; stacked with imp = 1..20. No hypertensive is observed aged 20-39, so the ML logit of hyp on age and bmi runs off to infinity in most imputations: Firth's logit of hyp (yes = event) on age (3 levels, 20-39 reference) and bmi."))

## ---------------------------------------------------------------- header
guard <- "PARTREG_REF_MI_MORE_CASES_H"
header_open(guard, c(
  "Multiple-imputation reference values for the cases of tests/ref/mi_more_cases.R",
  "(tests/cases/mi/, same ids): pooling under a survey design, --vcov cluster",
  "and hc1, --firth, pooled margins and predictions at values.",
  "Generated by: Rscript tests/ref/mi_more_cases.R > tests/ref/ref_mi_more_cases.h",
  paste("Software:", VERS),
  "Per case: the command's arguments after DATA, parameter names, per-imputation",
  "estimates Q[m][k], pooled estimate, std error sqrt(T), Barnard-Rubin df, riv,",
  "fmi of every parameter; pooled margins and predictions (estimate, std error,",
  "df, link-scale interval with qt(0.975, df)); D1 joint Wald tests by variable",
  "(F, q, riv, Reiter denominator df with dfcom, p). Agreement digits per block."))
for (id in names(HDR)) {
  h <- HDR[[id]]; pre <- paste0("ref_", id, "_"); P <- h$P; k <- length(P$qbar)
  emit("/* ==================== ", id, " ==================== */")
  emit_comment(strwrap(sprintf("agreement digits: %s", paste(sprintf("%s %s", names(h$agree),
    sapply(h$agree, function(a) paste(sprintf("%s=%s", names(a), unlist(a)), collapse = "/"))), collapse = "; ")), 76))
  emit_strings(paste0(pre, "data"), h$csv)
  emit_strings(paste0(pre, "args"), gsub("\"", "\\\\\"", h$args), "arguments after DATA")
  emit_int(paste0(pre, "nargs"), length(h$args))
  emit_int(paste0(pre, "k"), k); emit_int(paste0(pre, "m"), h$m); emit_int(paste0(pre, "n"), h$n)
  emit_scalar(paste0(pre, "dfcom"), h$dfcom, "complete-data df: n - k, or the design df")
  emit_strings(paste0(pre, "names"), h$pn)
  emit_matrix(paste0(pre, "Q"), h$Q, "per-imputation estimates [m][k]")
  emit_array(paste0(pre, "qbar"), P$qbar)
  emit_array(paste0(pre, "se"), P$se, "sqrt(diag(Ubar) + (1 + 1/m) diag(B))")
  emit_array(paste0(pre, "df"), P$df, "Barnard-Rubin df")
  emit_array(paste0(pre, "riv"), P$riv)
  emit_array(paste0(pre, "fmi"), P$fmi)
  if (!is.null(h$mgp)) {
    emit_int(paste0(pre, "n_margins"), length(h$mlab))
    emit_strings(paste0(pre, "margin_labels"), h$mlab)
    emit_array(paste0(pre, "margin_est"), h$mgp$qbar, "pooled AME")
    emit_array(paste0(pre, "margin_se"), h$mgp$se, "pooled AME std error sqrt(T)")
    emit_array(paste0(pre, "margin_df"), h$mgp$df, "Barnard-Rubin df of each AME")
  }
  if (!is.null(h$pa)) {
    emit_int(paste0(pre, "n_at"), length(h$pa$est))
    emit_strings(paste0(pre, "at_labels"), h$pa$label)
    emit_strings(paste0(pre, "at_outcomes"), h$pa$outcome, "\"\" for a binary model")
    emit_array(paste0(pre, "at_est"), h$pa$est, "pooled predicted probability")
    emit_array(paste0(pre, "at_se"), h$pa$se, "its std error sqrt(T)")
    emit_array(paste0(pre, "at_df"), h$pa$df, "Barnard-Rubin df")
    emit_array(paste0(pre, "at_lo"), h$pa$lo, "link-scale interval, qt(0.975, df)")
    emit_array(paste0(pre, "at_hi"), h$pa$hi)
  }
  tn <- names(h$tests)
  emit_int(paste0(pre, "n_tests"), length(tn))
  emit_strings(paste0(pre, "test_vars"), tn, "D1 tests: one per predictor variable")
  emit_array(paste0(pre, "test_F"), sapply(h$tests, `[[`, "F"), "D1 statistic")
  emit_array(paste0(pre, "test_df1"), sapply(h$tests, `[[`, "k"), "numerator df q")
  emit_array(paste0(pre, "test_r"), sapply(h$tests, `[[`, "r"), "average relative increase in variance")
  emit_array(paste0(pre, "test_df2"), sapply(h$tests, `[[`, "df2"), "denominator df with dfcom (Reiter 2007; mice::D1)")
  emit_array(paste0(pre, "test_p"), sapply(h$tests, `[[`, "p"))
  emit("")
}
header_close(guard)
