# Conformance cases for community random intercepts, formula term (1 | G):
# tests/cases/ri/<id>.json in the shared case format (CONTRACT.md,
# "Community random intercepts"; conformance README).  Usage (repository root):
#   Rscript tests/ref/ri_cases.R            # every case
#   Rscript tests/ref/ri_cases.R ID ...     # some cases
# Data: tests/data/*.csv (written by tests/ref/ri_data.R) and
# examples/data/participation_survey.csv.  Deterministic; a few minutes.
script_dir <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(script_dir, "common.R"))
source(file.path(script_dir, "ri_common.R"))
suppressPackageStartupMessages(library(lme4))
source(file.path(script_dir, "ri_specs.R"))

CASE_DIR <- "tests/cases/ri"
dir.create(CASE_DIR, showWarnings = FALSE, recursive = TRUE)

rel <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-300))
digits_of <- function(d) if (!is.finite(d)) NA else if (d == 0) 16 else max(0, min(16, floor(-log10(d))))

## ------------------------------------------------------------ cross-checks
## lme4::glmer (binary): fit with tight and default control; its deviance
## function and conditional modes at OUR estimate (mkMerMod on the devfun).
xc_glmer <- function(sp, P, fit, sm) {
  m <- P$m; Q <- sp$Q
  fo <- as.formula(paste("yy ~", sp$rhs, "+ (1 |", sp$group, ")"))
  fam <- binomial(link = sp$link)
  dat <- P$frame; dat$yy <- m$y; dat$ww <- m$w
  tight <- glmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e5),
                        tolPwrss = 1e-12, calc.derivs = TRUE)
  call_txt <- sprintf("lme4::glmer(%s, family = binomial('%s'), nAGQ = %d%s, control = glmerControl(optimizer = 'bobyqa', optCtrl = list(rhoend = 1e-10), tolPwrss = 1e-12))",
                      deparse(fo), sp$link, Q, if (!is.null(sp$weights)) sprintf(", weights = %s", sp$weights) else "")
  one <- function(ctrl) {
    g <- suppressWarnings(suppressMessages(
      glmer(fo, data = dat, family = fam, nAGQ = Q, weights = ww, control = ctrl)))
    est <- c(unname(fixef(g)), unname(getME(g, "theta")))
    H <- g@optinfo$derivs$Hessian              # deviance scale, order (theta, beta)
    Vth <- tryCatch(solve(H / 2)[1, 1], error = function(e) NA)
    list(g = g, est = est, ll = as.numeric(logLik(g)), se = sqrt(diag(as.matrix(vcov(g)))),
         sd_se = sqrt(Vth))
  }
  T <- one(tight); D <- one(glmerControl())
  ## deviance function at our estimate, and modes / condVar there
  gm <- glFormula(fo, data = dat, family = fam, weights = ww)
  dev <- do.call(mkGlmerDevfun, c(gm, list(nAGQ = 1, control = tight)))
  opt1 <- optimizeGlmer(dev, optimizer = "bobyqa", control = tight$optCtrl)
  dev <- updateGlmerDevfun(dev, gm$reTrms, nAGQ = Q)
  par <- c(sm$sd, fit$psi[seq_len(m$p)])
  val <- dev(par)
  mm <- mkMerMod(environment(dev), list(par = par, fval = val, conv = 0, message = ""),
                 gm$reTrms, fr = gm$fr)
  re <- ranef(mm, condVar = TRUE)[[1]]
  rmode <- re[, 1]; rse <- sqrt(drop(attr(re, "postVar")))
  ord <- match(P$group_levels, rownames(re))
  ours <- c(fit$psi[seq_len(m$p)], sm$sd)
  fmt_fit <- function(F) list(
    estimate = rel(F$est, ours), loglik = abs(F$ll - fit$loglik) / abs(fit$loglik),
    std_error = rel(F$se, fit$se[seq_len(m$p)]), sd = abs(F$est[m$p + 1] - sm$sd) / sm$sd,
    sd_std_error = abs(F$sd_se - sm$sd_std_error) / sm$sd_std_error)
  tf <- fmt_fit(T); df <- fmt_fit(D)
  r <- list(
    agreement_digits = list(R_fit = lapply(tf, digits_of), R_fit_default_control = lapply(df, digits_of)),
    R_fit = c(list(call = call_txt), tf, list(
      R_deviance_function_at_our_estimate_loglik_minus_ours = -val / 2 - fit$loglik,
      own_loglik_at_R_estimate_minus_R_loglik = ri_ll(m, c(T$est[seq_len(m$p)], log(T$est[m$p + 1])), Q) - T$ll,
      conditional_modes_at_our_estimate_max_abs_diff = max(abs(rmode[ord] - fit$modes$u)),
      conditional_se_at_our_estimate_max_rel_diff = rel(rse[ord], 1 / sqrt(fit$modes$c)),
      note = paste("glmer with tightened control vs the Newton-polished maximum of our own AGQ likelihood (the reference);",
                   "glmer std errors from vcov() (its finite-difference Hessian over (theta, beta)), its sd_std_error from",
                   "the same Hessian (theta = sd for a scalar binomial random intercept); deviance function, conditional modes",
                   "(ranef) and conditional SEs (sqrt of condVar/postVar) evaluated at our estimate through",
                   "mkGlmerDevfun/updateGlmerDevfun/mkMerMod"))),
    R_fit_default_control = c(list(call = "same with glmerControl() defaults"), df))
  if (sp$link != "logit") r$R_fit$note_link <- paste(
    "for this link lme4's PIRLS and its Laplace/AGQ scale use the Fisher (expected) weights, not the observed curvature",
    "of the contract: the loglik difference at the same parameters and the conditional SEs above measure that choice",
    "(the conditional modes are the same exact maxima)")
  if (sp$link == "logit" && Q == 1) r$R_fit$note_laplace <- paste(
    "lme4's Laplace log-determinant comes from the Cholesky factor of its last PIRLS iteration, whose weights are those",
    "of the previous iterate: at the same parameters and identical modes its loglik differs from the exact-mode",
    "Laplace approximation by the amount above (AGQ with Q > 1 is insensitive to it)")
  r
}

## ordinal::clmm (ordinal): fit with tight and default control; its own
## objective (getNLA.ssr / getNAGQ.ssr) and conditional modes at OUR estimate.
CLMM_LINK <- c(logit = "logit", probit = "probit", cloglog = "loglog", loglog = "cloglog", cauchit = "cauchit")
xc_clmm <- function(sp, P, fit, sm) {
  m <- P$m; Q <- sp$Q; cl <- CLMM_LINK[[sp$link]]
  dat <- P$frame; dat$yy <- factor(m$y, levels = 1:m$J, ordered = TRUE); dat$ww <- m$w
  fo <- as.formula(paste("yy ~", sp$rhs, "+ (1 |", sp$group, ")"))
  call_txt <- sprintf("ordinal::clmm(%s, link = '%s', nAGQ = %d%s, control = clmm.control(gradTol = 1e-10))",
                      deparse(fo), cl, Q, if (!is.null(sp$weights)) sprintf(", weights = %s", sp$weights) else "")
  p <- m$p; J <- m$J
  cpar <- c(fit$psi[p + seq_len(J - 1)], fit$psi[seq_len(p)], fit$psi[m$k])
  started <- FALSE
  one <- function(ctrl) {
    c1 <- tryCatch(suppressWarnings(clmm(fo, data = dat, weights = ww, link = cl, nAGQ = Q, control = ctrl)),
                   error = function(e) NULL)
    if (is.null(c1)) {     # clmm's own start can fail (cauchit): start it at our estimate
      started <<- TRUE
      c1 <- suppressWarnings(clmm(fo, data = dat, weights = ww, link = cl, nAGQ = Q, control = ctrl, start = cpar))
    }
    est <- c(unname(c1$beta), unname(c1$alpha), log(unname(c1$ST[[1]][1])))
    V <- tryCatch(vcov(c1), error = function(e) NULL)
    se <- if (is.null(V)) rep(NA, m$k) else sqrt(diag(V))[c(J - 1 + seq_len(p), seq_len(J - 1), J + p)]
    list(est = est, ll = c1$logLik, se = se)
  }
  T <- one(clmm.control(gradTol = 1e-10, innerCtrl = "noWarn")); D <- one(clmm.control(innerCtrl = "noWarn"))
  rho <- suppressWarnings(clmm(fo, data = dat, weights = ww, link = cl, nAGQ = Q, doFit = FALSE,
                               control = clmm.control(gradTol = 1e-12, maxIter = 200, innerCtrl = "noWarn")))
  nll <- if (Q > 1) ordinal:::getNAGQ.ssr(rho, cpar) else ordinal:::getNLA.ssr(rho, cpar)
  ord <- match(P$group_levels, as.character(rho$random.names))
  rmode <- (rho$u * rho$tau)[ord]; rse <- sqrt(rho$tau^2 / rho$D)[ord]
  fmt_fit <- function(F) list(
    estimate = rel(F$est[-m$k], fit$psi[-m$k]), loglik = abs(F$ll - fit$loglik) / abs(fit$loglik),
    std_error = rel(F$se[-m$k], fit$se[-m$k]), sd = abs(exp(F$est[m$k]) - sm$sd) / sm$sd,
    sd_std_error = abs(exp(F$est[m$k]) * F$se[m$k] - sm$sd_std_error) / sm$sd_std_error)
  tf <- fmt_fit(T); df <- fmt_fit(D)
  r <- list(
    agreement_digits = list(R_fit = lapply(tf, digits_of), R_fit_default_control = lapply(df, digits_of)),
    R_fit = c(list(call = call_txt), tf, list(
      R_objective_at_our_estimate_loglik_minus_ours = -nll - fit$loglik,
      own_loglik_at_R_estimate_minus_R_loglik = ri_ll(m, T$est, Q) - T$ll,
      conditional_modes_at_our_estimate_max_abs_diff = max(abs(rmode - fit$modes$u)),
      conditional_se_at_our_estimate_max_rel_diff = rel(rse, 1 / sqrt(fit$modes$c)),
      note = paste("clmm (gradTol 1e-10) vs the Newton-polished maximum of our own AGQ likelihood (the reference);",
                   "clmm's std errors from its numerical Hessian (vcov), sd_std_error = sd * SE(log sd) from the same;",
                   "its objective (ordinal:::getNLA.ssr / getNAGQ.ssr, inner gradTol 1e-12), conditional modes (u * tau)",
                   "and conditional SEs (tau / sqrt(D)) evaluated at our estimate"))),
    R_fit_default_control = c(list(call = "same with clmm.control() defaults"), df))
  if (started) r$R_fit$note_start <- paste("clmm from its default start stopped with 'non-finite likelihood at starting",
    "value'; both clmm fits were started at our estimate (argument start = c(thresholds, coefficients, log sd))")
  if (sp$link %in% c("cloglog", "loglog")) r$R_fit$note_link <- paste0(
    "ordinal 2022.11.16's compiled code for a single random-effects term (src/utilityFuns.c d_pfun/d_dfun/d_gfun, used by ",
    "NRalgv3 and getNAGQ) maps link code 3 'cloglog' to exp(-exp(-x)) and code 4 'loglog' to 1 - exp(-exp(x)): clmm(link = ",
    "'cloglog') fits the loglog model and vice versa (clm and clmm(control = clmm.control(useMatrix = TRUE)), which use ",
    "the R-level links, are right). The cross-check therefore calls clmm with link = '", cl, "' for the contract's ", sp$link, ".")
  if (sp$link == "cauchit") {
    ## clmm evaluates the outermost categories with finite stand-ins
    m2 <- m; m2$outer <- 1e5
    r$R_fit$note_link <- sprintf(paste(
      "clmm (like clm) puts the outermost thresholds at -1e5/+1e5 instead of -Inf/+Inf, which changes the cauchit",
      "likelihood; our own AGQ likelihood with those stand-ins at our estimate minus clmm's objective there: %.3g"),
      ri_ll(m2, fit$psi, Q) - (-nll))
  }
  r
}

## ------------------------------------------------------------ one case
build_case <- function(sp) {
  t0 <- proc.time()[3]
  P <- prep(sp)
  m <- P$m; Q <- sp$Q
  fixed <- ri_fixed_fit(m)
  null_ll <- ri_null_loglik(m)
  if (isTRUE(sp$boundary)) return(build_boundary_case(sp, P, fixed, null_ll, t0))
  start <- c(fixed$psi, log(0.5))
  fit <- ri_fit(m, Q, start)
  sm <- ri_summary(m, fit, fixed, null_ll)
  ## checks
  Hn <- numDeriv::hessian(function(p) ri_ll(m, p, Q), fit$psi)
  se_num <- sqrt(diag(solve(-Hn)))
  Hj3 <- numDeriv::jacobian(function(p) ri_gr(m, p, Q), fit$psi, method.args = list(d = 1e-3, r = 4))
  se_j3 <- sqrt(diag(solve(-(Hj3 + t(Hj3)) / 2)))
  Hc <- sapply(seq_len(m$k), function(j) {
    e <- replace(numeric(m$k), j, 1e-5); (ri_gr(m, fit$psi + e, Q) - ri_gr(m, fit$psi - e, Q)) / 2e-5 })
  se_c <- sqrt(diag(solve(-(Hc + t(Hc)) / 2)))
  ptest <- fit$psi + 0.05 * seq_along(fit$psi) / length(fit$psi)
  gnum <- numDeriv::grad(function(p) ri_ll(m, p, Q), ptest)
  gan <- ri_gr(m, ptest, Q)
  ll_int <- ri_ll_integrate(m, fit$psi)
  xc <- if (sp$family == "binary") xc_glmer(sp, P, fit, sm) else xc_clmm(sp, P, fit, sm)
  crosscheck <- c(list(agreement_digits = xc$agreement_digits), xc[setdiff(names(xc), "agreement_digits")], list(
    newton_polish = list(steps = fit$steps, gradient_max_abs_after = fit$grad_max),
    analytic_gradient_vs_numDeriv_grad = list(max_rel_diff = rel(gan, gnum),
      note = "our analytic gradient of the AGQ likelihood vs numDeriv::grad (Richardson) at the estimate + 0.05 * (1..k)/k"),
    numDeriv_hessian_other_step_se = rel(se_j3, fit$se),
    central_difference_of_gradient_se = rel(se_c, fit$se),
    numDeriv_hessian_of_loglik_se = rel(se_num, fit$se),
    hessian_note = paste("max relative differences of the std errors from: numDeriv::jacobian of the analytic gradient",
      "with d = 1e-3 instead of 1e-4; plain central differences of the analytic gradient (h = 1e-5); numDeriv::hessian",
      "of the loglik itself (no analytic gradient; its off-diagonal entries are the least accurate)"),
    quadrature_error = list(loglik_integrate_minus_loglik_agq = ll_int - fit$loglik,
      note = "the same marginal likelihood at the reference estimate with each group's integral by stats::integrate (rel.tol 1e-12): the size of the AGQ/Laplace approximation error (informational)"),
    model_without_random_intercept = list(loglik = fixed$loglik,
      note = "glm/clm fit (Newton-polished, exact -Inf/+Inf outer thresholds) of the same fixed effects: the lr test's null")))
  if (!is.null(sp$extra_check)) crosscheck <- c(crosscheck, sp$extra_check(sp, P, fit, sm))
  case <- case_json(sp, P, fit$psi, fit$se, sm, source_text(sp, P), crosscheck)
  write_case(file.path(CASE_DIR, paste0(sp$id, ".json")), case)
  message(sprintf("%s: loglik %.10f sd %.6f (%d Newton steps, %.1f s)", sp$id, fit$loglik, sm$sd,
                  fit$steps, proc.time()[3] - t0))
  invisible(list(fit = fit, sm = sm, P = P))
}

source_text <- function(sp, P) paste0(
  ri_versions(), ": own adaptive Gauss-Hermite marginal likelihood (tests/ref/ri_common.R: per group the exact ",
  "conditional mode by Newton to rounding level, scale 1/sqrt of the observed curvature -k''(mode) for every link, ",
  if (sp$Q == 1) "Q = 1: Laplace" else sprintf("Q = %d standard-normal Gauss-Hermite nodes (statmod::gauss.quad.prob refined by Newton on the Hermite recurrence)", sp$Q),
  "; outermost ordinal thresholds exactly -Inf/+Inf), maximised by BFGS with our analytic gradient then Newton steps ",
  "with the numDeriv (Richardson) Jacobian of that gradient to max|gradient| < 1e-9; std errors from the inverse of that ",
  "Hessian over (coefficients, thresholds, log sd); sd_std_error = sd * SE(log sd) (delta method); icc = sd^2/(sd^2 + v), ",
  "v = pi^2/3 logit, 1 probit, pi^2/6 cloglog/loglog, null cauchit; lr_chi2 = 2*(loglik - loglik of the same model without ",
  "the random intercept (glm/clm, Newton-polished)), lr_p_value = pchisq(lr, 1, lower = FALSE)/2; aic/bic count the sd ",
  "(k = coefficients + thresholds + 1), bic with N = rows (the sum of the case weights: weights are duplicated rows); null_loglik: intercept-only / thresholds-only model without ",
  "the random intercept (closed form). Data: ", sp$data_note, ". Cross-check: ",
  if (sp$family == "binary") sprintf("lme4::glmer(nAGQ = %d)", sp$Q) else sprintf("ordinal::clmm(nAGQ = %d)", sp$Q),
  " (see crosscheck). Generated by tests/ref/ri_cases.R.")

case_json <- function(sp, P, psi, se, sm, source, crosscheck, coef_ci = TRUE) {
  m <- P$m
  cn <- m$names[seq_len(m$p)]; tn <- m$names[m$p + seq_len(m$nthr)]
  coefs <- ri_terms_json(cn, psi[seq_len(m$p)], se[seq_len(m$p)], ci = coef_ci)
  thr <- if (m$nthr) ri_terms_json(tn, psi[m$p + seq_len(m$nthr)], se[m$p + seq_len(m$nthr)], ci = FALSE) else
    structure(list(), names = character(0))
  re <- list(group = sp$group, n_groups = m$G, sd = sm$sd)
  if (!is.null(sm$sd_std_error)) re$sd_std_error <- sm$sd_std_error
  re$icc <- if (is.na(sm$icc)) NULL else sm$icc
  if (is.na(sm$icc)) re["icc"] <- list(NULL)
  re$lr_chi2 <- sm$lr_chi2; re$lr_p_value <- sm$lr_p_value
  expect <- list(family = sp$family, link = sp$link, vcov_type = "model", converged = TRUE,
                 n_obs = m$n, n_dropped = 0L, nagq = as.integer(sp$Q),
                 loglik = sm$loglik, null_loglik = sm$null_loglik, aic = sm$aic)
  expect$bic <- sm$bic
  expect$coefficients <- coefs; expect$thresholds <- thr
  expect$random_effects <- list(re)
  list(id = sp$id, data = sp$data, args = sp$args, source = source, crosscheck = crosscheck,
       tolerance = list(estimate = 1e-6, std_error = 1e-4, ci = 1e-4, loglik = 1e-8, random = 1e-4),
       expect = expect)
}

## ------------------------------------------------------------ boundary
## sigma estimated at 0: the maximum over sigma >= 0 is the model without the
## random intercept.  Shown by (1) the score for sigma^2 at 0, a = 1/2 sum_g
## [h_g'(0)^2 + h_g''(0)] at the glm/clm estimate, negative; (2) the AGQ
## loglik minus the fixed-model loglik, divided by sigma^2, tending to a as
## sigma -> 0; (3) the profile loglik (other parameters maximised) below the
## fixed model's on a grid of sigma.
build_boundary_case <- function(sp, P, fixed, null_ll, t0) {
  m <- P$m; Q <- sp$Q
  R0 <- ri_rows(m, c(fixed$psi, 0), rep(0, m$n), 3)
  a <- 0.5 * sum(drop(gsum(m, R0$l1))^2 + drop(gsum(m, R0$l2)))
  small <- sapply(c(1e-2, 1e-3, 1e-4), function(s) (ri_ll(m, c(fixed$psi, log(s)), Q) - fixed$loglik) / s^2)
  grid <- c(1e-3, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 1)
  prof <- sapply(grid, function(s) {
    f <- function(p) ri_ll(m, c(p, log(s)), Q)
    g <- function(p) ri_gr(m, c(p, log(s)), Q)[-m$k]
    o <- optim(fixed$psi, f, g, method = "BFGS", control = list(fnscale = -1, reltol = 1e-14, maxit = 1000))
    o$value - fixed$loglik
  })
  ## what clmm / glmer report
  xc <- if (sp$family == "ordinal") {
    cl <- CLMM_LINK[[sp$link]]
    dat <- P$frame; dat$yy <- factor(m$y, levels = 1:m$J, ordered = TRUE)
    fo <- as.formula(paste("yy ~", sp$rhs, "+ (1 |", sp$group, ")"))
    c1 <- suppressWarnings(clmm(fo, data = dat, link = cl, nAGQ = Q, control = clmm.control(gradTol = 1e-10, innerCtrl = "noWarn")))
    est <- c(unname(c1$beta), unname(c1$alpha))
    se_c <- sqrt(diag(vcov(c1)))[c(m$J - 1 + seq_len(m$p), seq_len(m$J - 1))]
    list(call = sprintf("ordinal::clmm(%s, link = '%s', nAGQ = %d, control = clmm.control(gradTol = 1e-10))", deparse(fo), cl, Q),
         sd = unname(c1$ST[[1]][1]), loglik_minus_ours = c1$logLik - fixed$loglik,
         estimate = rel(est, fixed$psi), std_error = rel(se_c, sqrt(diag(fixed$V))),
         note = "clmm optimises log(sd) and stops where the gradient is small: a tiny sd with the loglik of the model without the random intercept")
  } else NULL
  se <- sqrt(diag(fixed$V))
  k <- m$k
  sm <- list(loglik = fixed$loglik, null_loglik = null_ll, aic = -2 * fixed$loglik + 2 * k,
             bic = -2 * fixed$loglik + k * log(sum(m$w)), sd = 0, sd_std_error = NULL,
             icc = if (is.na(ICC_V[[m$link]])) NA else 0, lr_chi2 = 0, lr_p_value = 0.5)
  crosscheck <- list(
    boundary = list(
      score_sigma2_at_0 = a,
      loglik_gain_over_sigma2_at_small_sd = setNames(as.list(small), c("sd_1e-2", "sd_1e-3", "sd_1e-4")),
      profile_loglik_minus_fixed = setNames(as.list(prof), paste0("sd_", grid)),
      note = paste("sd is estimated at the boundary 0: the score for sigma^2 at sigma = 0 (d loglik / d sigma^2 at the",
                   "glm/clm estimate, 1/2 sum_g [h_g'(0)^2 + h_g''(0)]) is negative, the AGQ loglik gain over the fixed model",
                   "divided by sd^2 tends to it, and the profile loglik (other parameters re-maximised, BFGS) is below the",
                   "fixed model's for every sd on the grid. A maximiser in log sd runs to -Inf; the reference reports sd = 0,",
                   "loglik = the model without the random intercept, lr_chi2 = 0, lr_p_value = P(chi2_1 > 0)/2 = 0.5, icc = 0.",
                   "Coefficient and threshold std errors: the limit of the inverse observed information as sd -> 0, which is",
                   "that of the model without the random intercept (the cross-derivatives with log sd and its own second",
                   "derivative vanish like sd^2, so the Schur complement tends to the fixed-model information).",
                   "sd_std_error is left out of expect: sd * SE(log sd) has no defined value at sd = 0 (the expected JSON",
                   "does not constrain it; null is the natural output).")),
    R_fit = xc,
    model_without_random_intercept = list(loglik = fixed$loglik, grad_max = fixed$grad_max))
  src <- paste0(ri_versions(), ": boundary case. The model without the random intercept (clm/glm, Newton-polished with the ",
                "analytic Hessian, exact -Inf/+Inf outer thresholds) is the maximum over sd >= 0 of our own AGQ marginal likelihood ",
                sprintf("(Q = %d, tests/ref/ri_common.R)", Q), "; see crosscheck.boundary for how that was established. ",
                "aic/bic count the sd (k = coefficients + thresholds + 1), bic with N = rows (the sum of the case weights). Data: ", sp$data_note,
                ". Generated by tests/ref/ri_cases.R.")
  case <- case_json(sp, P, fixed$psi, se, sm, src, crosscheck)
  write_case(file.path(CASE_DIR, paste0(sp$id, ".json")), case)
  message(sprintf("%s: boundary, score %.4g, loglik %.10f (%.1f s)", sp$id, a, fixed$loglik, proc.time()[3] - t0))
  invisible(NULL)
}

## ------------------------------------------------------------ run
SPECS <- ri_specs()
want <- commandArgs(TRUE)
ids <- vapply(SPECS, `[[`, "", "id")
if (length(want)) {
  bad <- setdiff(want, ids); if (length(bad)) stop("unknown case: ", paste(bad, collapse = ", "))
  SPECS <- SPECS[ids %in% want]
}
for (sp in SPECS) build_case(sp)
