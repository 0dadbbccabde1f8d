## Multiple-imputation reference cases for partreg's `--imputations COL`
## (CONTRACT.md "Bias reduction, few clusters, multiple imputation" and
## "Readings fixed where the field differs"). Run from the repository root:
##
##   Rscript tests/ref/mi_cases.R > tests/ref/ref_mi_cases.h
##
## Writes tests/data/titanic_mi20.csv and tests/data/boys_mi10.csv (mice
## imputations, fixed seeds), tests/cases/mi/<id>.json and, on standard
## output, a C header with the D1 joint Wald tests by variable, the pooled
## covariance pieces (Ubar, B) and the per-imputation estimates.
##
## Reference route: every completed data set read back from the CSV, fitted
## by weighted ML (glm / clm start, Newton-polished with the analytic
## observed Hessian), within-imputation covariance = inverse observed
## information (the contract's `model`); Rubin's rules by hand: Qbar = mean,
## Ubar = mean of the covariances, B = between-imputation covariance,
## T = Ubar + (1 + 1/m) B; riv = (1 + 1/m) B / Ubar; Barnard-Rubin df with
## dfcom = n - k as mice:::barnard.rubin (lambda = (1 + 1/m) B / T floored
## at 1e-4, dfold = (m - 1)/lambda^2, dfobs = (dfcom + 1)/(dfcom + 3) dfcom
## (1 - lambda), df = dfold dfobs / (dfold + dfobs)); fmi = (riv + 2/(df + 3))
## / (riv + 1); intervals Qbar +- qt(0.975, df) sqrt(T). Cross-checks:
## mice::pool on the R fits, mice::pool.scalar on the reference numbers,
## mitools::MIcombine, mice::D1 (mitml) for the joint tests.
source("tests/ref/survey_common.R")
suppressPackageStartupMessages({ library(mice); library(mitools); library(carData) })
`%||%` <- function(a, b) if (is.null(a)) b else a
ai <- function(x) as.integer(x)

VERS <- versions_string(c("mice", "mitml", "mitools", "MASS", "ordinal", "numDeriv", "carData", "jsonlite"))
OUT <- "tests/cases/mi"
HDR <- list()

## ---------------------------------------------------------------- data
## Titanic: carData::TitanicSurvival, age missing for 263 of 1309.
tt <- carData::TitanicSurvival
tt <- data.frame(survived = as.character(tt$survived), sex = as.character(tt$sex),
                 age = tt$age, passengerClass = as.character(tt$passengerClass))
imp_t <- mice(transform(tt, survived = factor(survived), sex = factor(sex),
                        passengerClass = factor(passengerClass)),
              m = 20, seed = 20240502, printFlag = FALSE)
stack_t <- rbind(cbind(imp = 0L, tt),
                 do.call(rbind, lapply(1:20, function(i) {
                   ci <- complete(imp_t, i)
                   for (v in names(ci)) if (is.factor(ci[[v]])) ci[[v]] <- as.character(ci[[v]])
                   cbind(imp = i, ci)
                 })))
write.csv(stack_t, "tests/data/titanic_mi20.csv", row.names = FALSE, na = "")

## boys: mice::boys, boys aged 9 or more (418; gen missing for 178).
bb <- subset(mice::boys, age >= 9)
imp_b <- mice(bb, m = 10, seed = 20240503, printFlag = FALSE)
stack_b <- do.call(rbind, lapply(1:10, function(i) {
  ci <- complete(imp_b, i)
  for (v in names(ci)) if (is.factor(ci[[v]])) ci[[v]] <- as.character(ci[[v]])
  cbind(imp = i, ci)
}))
write.csv(stack_b, "tests/data/boys_mi10.csv", row.names = FALSE, na = "")

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
## D1 (Li, Raghunathan and Rubin 1991) for the columns idx; denominator df
## with dfcom (Reiter 2007, mitml/mice::D1) and without (Li et al. 1991)
D1 <- function(P, idx, dfcom) {
  m <- P$m; k <- length(idx)
  Ub <- P$Ubar[idx, idx, drop = FALSE]; Bq <- P$B[idx, idx, drop = FALSE]; q <- P$qbar[idx]
  r <- (1 + 1 / m) * sum(diag(Bq %*% solve(Ub))) / k
  Fv <- drop(t(q) %*% solve((1 + r) * Ub, q)) / k
  t_ <- k * (m - 1)
  v_li <- if (t_ > 4) 4 + (t_ - 4) * (1 + (1 - 2 / t_) / r)^2 else t_ * (1 + 1 / k) * (1 + 1 / r)^2 / 2
  a <- r * t_ / (t_ - 2); vstar <- (dfcom + 1) / (dfcom + 3) * dfcom
  c0 <- 1 / (t_ - 4); c1 <- vstar - 2 * (1 + a); c2 <- vstar - 4 * (1 + a)
  z <- 1 / c2 + c0 * (a^2 * c1 / ((1 + a)^2 * c2)) + c0 * (8 * a^2 * c1 / ((1 + a) * c2^2) + 4 * a^2 / ((1 + a) * c2)) +
    c0 * (4 * a^2 / (c2 * c1) + 16 * a^2 * c1 / c2^3) + c0 * (8 * a^2 / c2^2)
  v_reiter <- 4 + 1 / z
  list(F = Fv, k = k, r = r, df2_reiter = v_reiter, p_reiter = pf(Fv, k, v_reiter, lower.tail = FALSE),
       df2_li = v_li, p_li = pf(Fv, k, v_li, lower.tail = FALSE))
}

## ---------------------------------------------------------------- a case
run_mi <- function(id, csv, formula, family, link, ylevels = NULL, margins = FALSE,
                   d1 = FALSE, desc, r_fit, r_fit0 = NULL) {
  cat("## ", id, "\n", file = stderr())
  all <- read_case_csv(file.path("tests/data", csv))
  ms <- sort(unique(all$imp[all$imp > 0])); m <- length(ms)
  fits <- list(); Ms <- list()
  for (i in ms) {
    di <- all[all$imp == i, ]
    M <- build_model(di, formula, family, ylevels)
    f <- fit_w(M, rep(1, nrow(M$X)), link)
    f$V <- solve(f$A); f$V <- (f$V + t(f$V)) / 2
    fits[[i]] <- f; Ms[[i]] <- M
  }
  M1 <- Ms[[1]]; k <- length(fits[[1]]$psi); n <- M1$n_obs; dfcom <- n - k
  pn <- param_names(M1); p <- ncol(M1$X)
  Q <- t(sapply(fits, `[[`, "psi")); U <- lapply(fits, `[[`, "V")
  P <- rubin(Q, U, dfcom)
  q <- qt(0.975, P$df)
  cc <- list()
  ## mice::pool.scalar on the reference numbers
  ps <- lapply(seq_len(k), function(j) pool.scalar(Q[, j], sapply(U, function(u) u[j, j]), n = dfcom + k, k = k))
  cc$mice_pool_scalar <- list(
    estimate = rel_diff(sapply(ps, `[[`, "qbar"), P$qbar), std_error = rel_diff(sqrt(sapply(ps, `[[`, "t")), P$se),
    df = rel_diff(sapply(ps, `[[`, "df"), P$df), riv = rel_diff(sapply(ps, `[[`, "r"), P$riv),
    fmi = rel_diff(sapply(ps, `[[`, "fmi"), P$fmi),
    note = "mice::pool.scalar(Q_j, U_j, n = dfcom + k, k) per parameter on the reference per-imputation estimates and variances")
  ## mitools
  mc <- MIcombine(lapply(seq_len(m), function(i) Q[i, ]), U, df.complete = dfcom)
  cc$mitools_MIcombine <- list(estimate = rel_diff(unname(coef(mc)), P$qbar),
                               std_error = rel_diff(unname(sqrt(diag(vcov(mc)))), P$se),
                               note = "mitools::MIcombine(estimates, variances, df.complete = dfcom): same estimate and T (its df uses a different observed-data formula; not compared)")
  ## R fits per imputation, pooled by mice::pool
  rf <- lapply(ms, function(i) r_fit(all[all$imp == i, ], M1))
  pr <- summary(pool(as.mira(rf), dfcom = dfcom))
  pp <- pool(as.mira(rf), dfcom = dfcom)$pooled
  ord <- r_fit_order(pr, M1, family)
  cc$mice_pool <- list(
    estimate = rel_diff(pr$estimate[ord], P$qbar), std_error = rel_diff(pr$std.error[ord], P$se),
    df = rel_diff(pr$df[ord], P$df), riv = rel_diff(pp$riv[ord], P$riv), fmi = rel_diff(pp$fmi[ord], P$fmi),
    dfcom_R = ai(pp$dfcom[1]), call = attr(r_fit, "call"), note = attr(r_fit, "note"))
  if (family == "ordinal") {
    ## ordinal::clm per imputation (analytic Hessian), pooled by mice::pool.scalar
    cf <- lapply(ms, function(i) {
      di <- all[all$imp == i, ]
      for (v in names(di)) if (is.character(di[[v]]) && v %in% all.vars(formula))
        di[[v]] <- factor(di[[v]], levels = if (v == all.vars(formula)[1]) ylevels else contract_levels(di[[v]]))
      mm <- clm(formula, data = di, link = link, control = clm.control(gradTol = 1e-13, relTol = 1e-15, maxIter = 1000))
      J1 <- length(mm$alpha); o <- c(J1 + seq_along(mm$beta), seq_len(J1))
      list(est = c(unname(mm$beta), unname(mm$alpha)), V = unname(vcov(mm)[o, o]))
    })
    Qc <- t(sapply(cf, `[[`, "est")); Uc <- lapply(cf, `[[`, "V")
    psc <- lapply(seq_len(k), function(j) pool.scalar(Qc[, j], sapply(Uc, function(u) u[j, j]), n = dfcom + k, k = k))
    cc$clm_pool_scalar <- list(
      estimate = rel_diff(sapply(psc, `[[`, "qbar"), P$qbar), std_error = rel_diff(sqrt(sapply(psc, `[[`, "t")), P$se),
      df = rel_diff(sapply(psc, `[[`, "df"), P$df), riv = rel_diff(sapply(psc, `[[`, "r"), P$riv),
      fmi = rel_diff(sapply(psc, `[[`, "fmi"), P$fmi),
      note = "ordinal::clm(gradTol = 1e-13, relTol = 1e-15) per imputation, its vcov (analytic Hessian), pooled by mice::pool.scalar(n = dfcom + k, k)")
  }
  cc$newton_polish <- list(max_steps = ai(max(sapply(fits, `[[`, "steps"))),
                           max_abs_gradient_times_model_se = max(sapply(fits, `[[`, "grad_se")))
  cc$dfcom <- ai(dfcom)
  ## ---- margins, pooled
  mg <- NULL; mgp <- NULL
  if (margins) {
    am <- lapply(ms, function(i) ame(Ms[[i]], fits[[i]]$psi, link, rep(1, n)))
    Qm <- t(sapply(am, `[[`, "est"))
    Um <- lapply(ms, function(i) am[[i]]$J %*% fits[[i]]$V %*% t(am[[i]]$J))
    mgp <- rubin(Qm, Um, dfcom)
    Jn <- numDeriv::jacobian(function(s) ame(Ms[[1]], s, link, rep(1, n))$est, fits[[1]]$psi)
    psm <- lapply(seq_len(ncol(Qm)), function(j) pool.scalar(Qm[, j], sapply(Um, function(u) u[j, j]), n = dfcom + k, k = k))
    fd <- ame_fd(Ms[[1]], fits[[1]]$psi, link, rep(1, n))
    cc$margins <- list(jacobian_analytic_vs_numDeriv_imp1 = max(abs(Jn - am[[1]]$J)) / max(abs(am[[1]]$J)),
                       numeric_estimate_vs_numDeriv_grad_imp1 = rel_diff(fd[!is.na(fd)], am[[1]]$est[!is.na(fd)]),
                       pooled_std_error_vs_mice_pool_scalar = rel_diff(sqrt(sapply(psm, `[[`, "t")), mgp$se),
                       note = "AME per imputation (analytic, rows unweighted), delta-method variance J V J' with the model V; pooled by Rubin's rules: estimate = mean, std_error = sqrt(Ubar + (1 + 1/m) B)")
    mg <- margins_block(list(est = mgp$qbar, term = am[[1]]$term, outcome = am[[1]]$outcome), mgp$se)
  }
  ## ---- D1 by variable
  tests <- NULL
  tests_all <- NULL
  if (d1) {
    tests <- list()
    for (inf in M1$info) tests[[inf$var]] <- D1(P, inf$cols, dfcom)
    ## mice::D1 against refits without the variable
    dchk <- sapply(M1$info, function(inf) {
      f0 <- lapply(ms, function(i) r_fit0(all[all$imp == i, ], inf$var))
      r <- mice::D1(as.mira(rf), as.mira(f0), dfcom = dfcom)$result
      c(F = unname(r[1, "F.value"]), df2 = unname(r[1, "df2"]), r = unname(r[1, "RIV"]))
    })
    dchk_li <- sapply(M1$info, function(inf) {
      f0 <- lapply(ms, function(i) r_fit0(all[all$imp == i, ], inf$var))
      r <- mitml::testModels(rf, f0, method = "D1")$test
      c(F = unname(r[1, "F.value"]), df2 = unname(r[1, "df2"]))
    })
    cc$mice_D1 <- list(
      F = rel_diff(dchk["F", ], sapply(tests, `[[`, "F")), df2 = rel_diff(dchk["df2", ], sapply(tests, `[[`, "df2_reiter")),
      riv = rel_diff(dchk["r", ], sapply(tests, `[[`, "r")),
      note = "mice::D1(fit, fit_without_variable, dfcom = n - k) (mitml::testModels D1 with df.com: Reiter 2007 denominator df) on glm refits")
    dint <- sapply(M1$info, function(inf) {
      idx <- inf$cols
      Uh <- array(unlist(lapply(U, function(u) u[idx, idx, drop = FALSE])), c(length(idx), length(idx), m))
      r <- mitml:::.D1(Qhat = t(Q[, idx, drop = FALSE]), Uhat = Uh, df.com = dfcom)
      c(F = drop(r$F), df2 = r$v, r = r$r)
    })
    cc$mitml_D1_on_reference_numbers <- list(
      F = rel_diff(dint["F", ], sapply(tests, `[[`, "F")), df2 = rel_diff(dint["df2", ], sapply(tests, `[[`, "df2_reiter")),
      riv = rel_diff(dint["r", ], sapply(tests, `[[`, "r")),
      note = "mitml:::.D1(Qhat, Uhat, df.com = n - k) (the routine behind mice::D1) on the reference per-imputation estimates and covariances")
    ## D1 of every slope: the pooled test that replaces each imputation's LR test
    all_cols <- sort(unique(unlist(lapply(M1$info, `[[`, "cols"))))
    tests_all <- D1(P, all_cols, dfcom)
    Uh <- array(unlist(lapply(U, function(u) u[all_cols, all_cols, drop = FALSE])), c(length(all_cols), length(all_cols), m))
    r_all <- mitml:::.D1(Qhat = t(Q[, all_cols, drop = FALSE]), Uhat = Uh, df.com = dfcom)
    cc$mitml_D1_all_slopes <- list(
      F = rel_diff(drop(r_all$F), tests_all$F), df2 = rel_diff(r_all$v, tests_all$df2_reiter),
      note = "mitml:::.D1(Qhat, Uhat, df.com = n - k) for every slope at once (the model test)")
    cc$mitml_D1_no_dfcom <- list(
      F = rel_diff(dchk_li["F", ], sapply(tests, `[[`, "F")), df2 = rel_diff(dchk_li["df2", ], sapply(tests, `[[`, "df2_li")),
      note = "mitml::testModels(fit, fit0, method = 'D1') without df.com: Li, Raghunathan and Rubin (1991) denominator df")
  }
  ## agreement digits
  agree <- list()
  for (nm in names(cc)) if (is.list(cc[[nm]])) {
    a <- list()
    for (kk in names(cc[[nm]])) if (is.numeric(cc[[nm]][[kk]]) && !kk %in% c("dfcom_R", "max_steps", "max_abs_gradient_times_model_se"))
      a[[kk]] <- if (cc[[nm]][[kk]] == 0) 16L else ai(min(16, max(0, floor(-log10(cc[[nm]][[kk]])))))
    if (length(a)) agree[[nm]] <- a
  }
  coefs <- term_block(pn[seq_len(p)], P$qbar[seq_len(p)], P$se[seq_len(p)], q[seq_len(p)],
                      extra = list(df = P$df[seq_len(p)], riv = P$riv[seq_len(p)], fmi = P$fmi[seq_len(p)]))
  thr <- empty_obj()
  if (family == "ordinal") {
    thr <- list()
    for (j in p + seq_len(M1$J - 1)) thr[[pn[j]]] <- list(estimate = P$qbar[j], std_error = P$se[j])
  }
  expect <- list(family = family, link = link, vcov_type = "model", converged = TRUE,
                 imputations = ai(m), n_obs = ai(n), coefficients = coefs, thresholds = thr)
  if (!is.null(mg)) expect$margins <- mg
  a <- c("--formula", paste(deparse(formula), collapse = ""), "--family", family, "--link", link)
  if (!is.null(ylevels)) a <- c(a, "--levels", paste(ylevels, collapse = ","))
  a <- c(a, "--imputations", "imp")
  if (margins) a <- c(a, "--margins")
  case <- list(id = id, data = file.path("../../data", csv), args = a,
               source = paste0(VERS, ": ", desc, " Per imputation: ", family, " ", link,
                               " ML fit, Newton-polished (analytic observed Hessian), model vcov (inverse observed information). Rubin's rules: estimate = mean, T = Ubar + (1 + 1/m) B, Barnard-Rubin df with dfcom = n - k = ", n, " - ", k, " = ", dfcom,
                               " (mice:::barnard.rubin, lambda floored at 1e-4), riv = (1 + 1/m) B / Ubar, fmi = (riv + 2/(df + 3)) / (riv + 1) (mice::pool); intervals estimate +- qt(0.975, df) sqrt(T); n_obs = rows per completed data set.",
                               if (family == "ordinal") " Thresholds are pooled the same way (estimate, std_error); they carry no df/riv/fmi keys, and their intervals are not checked (the contract does not say whether they use t(df) or the normal)." else "",
                               if (margins) " Margins: AME per imputation with its delta-method variance (model V), pooled by Rubin's rules (estimate = mean, std_error = sqrt(T))." else "",
                               if (d1) " D1 tests by variable (Li, Raghunathan and Rubin 1991) in tests/ref/ref_mi_cases.h." else ""),
               crosscheck = c(list(agreement_digits = agree), cc),
               tolerance = list(estimate = 1e-8, std_error = 1e-6, ci = 1e-6, df = 1e-6, margins = 1e-6),
               expect = expect)
  write_case(file.path(OUT, paste0(id, ".json")), case)
  HDR[[id]] <<- list(pn = pn, P = P, Q = Q, tests = tests, tests_all = tests_all, agree = agree, m = m, dfcom = dfcom, mgp = mgp,
                     mlab = if (margins) { a1 <- ame(M1, fits[[1]]$psi, link, rep(1, n)); ifelse(is.na(a1$outcome), a1$term, paste0(a1$term, " @ ", a1$outcome)) })
}
## order R's pooled rows as the reference's parameters
r_fit_order <- function(pr, M, family) {
  if (family == "binary") return(seq_len(nrow(pr)))
  ## polr: coefficients then zeta (mice's summary lists them in that order)
  seq_len(nrow(pr))
}

## ---------------------------------------------------------------- cases
tfit <- function(di, M) {
  di$sex <- factor(di$sex, levels = c("female", "male"))
  di$passengerClass <- factor(di$passengerClass, levels = c("1st", "2nd", "3rd"))
  di$survived <- factor(di$survived, levels = c("no", "yes"))
  glm(survived ~ sex + age + passengerClass, data = di, family = binomial("logit"),
      control = glm.control(epsilon = 1e-14, maxit = 100))
}
attr(tfit, "call") <- "mice::pool(as.mira(lapply(imputations, function(d) glm(survived ~ sex + age + passengerClass, binomial, epsilon = 1e-14))), dfcom = n - k)"
attr(tfit, "note") <- "glm's covariance comes from the working weights of its last-but-one IRLS iterate (its deviance rule stops about 1e-8 short in the coefficients): agreement of SE, df, riv, fmi and D1 limited to about 8 digits by that"
tfit0 <- function(di, drop) {
  di$sex <- factor(di$sex, levels = c("female", "male"))
  di$passengerClass <- factor(di$passengerClass, levels = c("1st", "2nd", "3rd"))
  di$survived <- factor(di$survived, levels = c("no", "yes"))
  fo <- as.formula(paste("survived ~", paste(setdiff(c("sex", "age", "passengerClass"), drop), collapse = " + ")))
  glm(fo, data = di, family = binomial("logit"), control = glm.control(epsilon = 1e-14, maxit = 100))
}
run_mi("titanic_survived_logit_mi20", "titanic_mi20.csv", survived ~ sex + age + passengerClass,
       "binary", "logit", margins = TRUE, d1 = TRUE, r_fit = tfit, r_fit0 = tfit0,
       desc = "carData::TitanicSurvival (1309 passengers of the Titanic; age missing for 263) imputed by mice(m = 20, seed = 20240502) with its default methods (pmm for age; survived, sex, passengerClass as predictors); stacked with imp = 0 for the original rows (age missing: partreg must skip them) and imp = 1..20 for the completed data sets. Logit of survived (yes = event) on sex (female reference), age and passengerClass (1st reference); with pooled AME margins.")

bfit <- function(di, M) {
  di$gen <- factor(di$gen, levels = paste0("G", 1:5))
  di$reg <- factor(di$reg, levels = contract_levels(di$reg))
  MASS::polr(gen ~ age + hgt + reg, data = di, Hess = TRUE, method = "logistic",
             control = list(reltol = 1e-15, maxit = 1000))
}
attr(bfit, "call") <- "mice::pool(as.mira(lapply(imputations, function(d) MASS::polr(gen ~ age + hgt + reg, Hess = TRUE, control = list(reltol = 1e-15)))), dfcom = n - k)"
attr(bfit, "note") <- "polr's covariance is the inverse of optim's finite-difference Hessian: agreement limited by that"
run_mi("boys_gen_ologit_mi10", "boys_mi10.csv", gen ~ age + hgt + reg, "ordinal", "logit",
       ylevels = paste0("G", 1:5), r_fit = bfit,
       desc = "mice::boys (Fifth Dutch Growth Study), boys aged 9 or more (418; genital Tanner stage gen missing for 178, hgt for 2, reg complete) imputed by mice(m = 10, seed = 20240503) with its default methods (pmm; polr for the ordered factors gen and phb); stacked with imp = 1..10 (no imp = 0 rows). Ordinal logit of gen (G1 < ... < G5) on age, height and region (reg; reference 'city', the first in byte order).")

## ---------------------------------------------------------------- header
guard <- "PARTREG_REF_MI_CASES_H"
header_open(guard, c(
  "Multiple-imputation reference values for tests/cases/mi/ (same ids).",
  "Generated by: Rscript tests/ref/mi_cases.R > tests/ref/ref_mi_cases.h",
  paste("Software:", VERS),
  "Per case: parameter names, per-imputation estimates Q[m][k], pooled",
  "estimate, Ubar, B (k x k), T (diagonal), Barnard-Rubin df, riv, fmi for",
  "every parameter (thresholds included), pooled margins where the case has",
  "them, and D1 joint Wald tests by variable (Li, Raghunathan and Rubin",
  "1991): r = (1 + 1/m) tr(B U^-1)/q, F = Qbar' ((1 + r) Ubar)^-1 Qbar / q,",
  "denominator df with dfcom (Reiter 2007; mice::D1 / mitml) and without",
  "(Li et al. 1991), each with its p-value. Agreement digits per block."))
for (id in names(HDR)) {
  h <- HDR[[id]]; pre <- paste0("ref_", id, "_"); P <- h$P; k <- length(P$qbar)
  emit("/* ==================== ", id, " ==================== */")
  emit_comment(sprintf("agreement digits: %s", paste(sprintf("%s %s", names(h$agree),
    sapply(h$agree, function(a) paste(sprintf("%s=%d", names(a), unlist(a)), collapse = "/"))), collapse = "; ")))
  emit_int(paste0(pre, "k"), k); emit_int(paste0(pre, "m"), h$m)
  emit_scalar(paste0(pre, "dfcom"), h$dfcom, "complete-data df n - k")
  emit_strings(paste0(pre, "names"), h$pn)
  emit_matrix(paste0(pre, "Q"), h$Q, "per-imputation estimates [m][k]")
  emit_array(paste0(pre, "qbar"), P$qbar)
  emit_matrix(paste0(pre, "Ubar"), P$Ubar, "mean within-imputation covariance")
  emit_matrix(paste0(pre, "B"), P$B, "between-imputation covariance")
  emit_array(paste0(pre, "se"), P$se, "sqrt(diag(Ubar) + (1 + 1/m) diag(B))")
  emit_array(paste0(pre, "df"), P$df, "Barnard-Rubin df")
  emit_array(paste0(pre, "riv"), P$riv)
  emit_array(paste0(pre, "fmi"), P$fmi)
  if (!is.null(h$mgp)) {
    emit_strings(paste0(pre, "margin_labels"), h$mlab)
    emit_array(paste0(pre, "margin_est"), h$mgp$qbar, "pooled AME")
    emit_array(paste0(pre, "margin_se"), h$mgp$se, "pooled AME std error sqrt(T)")
    emit_array(paste0(pre, "margin_df"), h$mgp$df, "Barnard-Rubin df of each AME (dfcom = n - k)")
  }
  if (!is.null(h$tests)) {
    tn <- names(h$tests)
    emit_int(paste0(pre, "n_tests"), length(tn))
    emit_strings(paste0(pre, "test_vars"), tn, "D1 tests: one per predictor variable")
    emit_array(paste0(pre, "test_F"), sapply(h$tests, `[[`, "F"), "D1 statistic")
    emit_array(paste0(pre, "test_df1"), sapply(h$tests, `[[`, "k"), "numerator df q")
    emit_array(paste0(pre, "test_r"), sapply(h$tests, `[[`, "r"), "average relative increase in variance")
    emit_array(paste0(pre, "test_df2_reiter"), sapply(h$tests, `[[`, "df2_reiter"), "denominator df with dfcom (Reiter 2007; mice::D1)")
    emit_array(paste0(pre, "test_p_reiter"), sapply(h$tests, `[[`, "p_reiter"))
    emit_array(paste0(pre, "test_df2_li"), sapply(h$tests, `[[`, "df2_li"), "denominator df without dfcom (Li et al. 1991)")
    emit_array(paste0(pre, "test_p_li"), sapply(h$tests, `[[`, "p_li"))
    ta <- h$tests_all
    emit_array(paste0(pre, "test_all"), c(ta$F, ta$k, ta$df2_reiter, ta$p_reiter),
               "F, df1, df2, p: D1 of every slope (Reiter 2007 df)")
  }
  emit("")
}
header_close(guard)
