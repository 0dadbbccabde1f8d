# Reference values for the C tests of community random intercepts:
# convergence in Q, conditional modes and SEs, population-averaged
# probabilities, full covariance, loglik and analytic gradient at fixed
# test points.  Usage (repository root, after ri_cases.R):
#   Rscript tests/ref/ri_header.R > tests/ref/ref_ri.h
script_dir <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(script_dir, "common.R"))
source(file.path(script_dir, "ri_common.R"))
source(file.path(script_dir, "ri_specs.R"))
suppressPackageStartupMessages(library(lme4))

SPECS <- ri_specs()
spec_of <- function(id) SPECS[[which(vapply(SPECS, `[[`, "", "id") == id)]]
case_of <- function(id) jsonlite::fromJSON(file.path("tests/cases/ri", paste0(id, ".json")), simplifyVector = FALSE)
psi_of_case <- function(C, m) {
  E <- C$expect
  unname(c(sapply(m$names[seq_len(m$p)], function(t) E$coefficients[[t]]$estimate),
           if (m$nthr) sapply(m$names[m$p + seq_len(m$nthr)], function(t) E$thresholds[[t]]$estimate),
           log(E$random_effects[[1]]$sd)))
}
QS <- c(1, 15, 25, 50)
dig <- function(a, b) digits_agree(a, b)

## ------------------------------------------------------------ computations
## One block: the Q = 15 case refitted from its JSON estimate (same maximum),
## then the other quantities.
block <- function(id, X0, X0_labels, test_links) {
  sp <- spec_of(id); P <- prep(sp); m <- P$m; C <- case_of(id)
  fit <- ri_fit(m, 15, psi_of_case(C, m))
  psi <- fit$psi
  ll_at <- sapply(QS, function(Q) ri_ll(m, psi, Q))
  ll_int <- ri_ll_integrate(m, psi)
  fits <- lapply(QS, function(Q) if (Q == 15) fit else ri_fit(m, Q, psi))
  est_q <- t(sapply(fits, `[[`, "psi")); ll_max <- sapply(fits, `[[`, "loglik")
  ## conditional modes and SEs at the estimate
  M <- fit$modes
  mode <- M$u; mode_se <- 1 / sqrt(M$c)
  ## population-averaged probabilities (100-point GH) and checks
  pa <- ri_pa_probs(m, psi, X0, 100)
  sig <- exp(psi[m$k]); Lk <- LINKS[[m$link]]
  beta <- psi[seq_len(m$p)]; eta0 <- drop(X0 %*% beta)
  pa_int <- if (m$family == "binary") sapply(eta0, function(e)
    integrate(function(u) Lk$F(e + u) * dnorm(u, 0, sig), -Inf, Inf, rel.tol = 1e-13)$value) else
    t(sapply(eta0, function(e) diff(c(0, sapply(psi[m$p + seq_len(m$nthr)], function(t)
      integrate(function(u) Lk$F(t - e - u) * dnorm(u, 0, sig), -Inf, Inf, rel.tol = 1e-13)$value), 1))))
  pa_closed <- if (m$link == "probit") {
    if (m$family == "binary") pnorm(eta0 / sqrt(1 + sig^2)) else
      t(sapply(eta0, function(e) diff(c(0, pnorm((psi[m$p + seq_len(m$nthr)] - e) / sqrt(1 + sig^2)), 1))))
  } else NULL
  cond0 <- if (m$family == "binary") Lk$F(eta0) else
    t(sapply(eta0, function(e) diff(c(0, Lk$F(psi[m$p + seq_len(m$nthr)] - e), 1))))
  ## loglik and analytic gradient at a fixed test point, several links
  ptest <- round(psi, 1)
  tests <- lapply(setNames(test_links, test_links), function(link) {
    ml <- m; ml$link <- link; ml$L <- LOGLINKS[[link]]
    lapply(setNames(c(1, 15), c("q1", "q15")), function(Q) {
      ev <- ri_eval(ml, ptest, Q)
      gn <- numDeriv::grad(function(p) ri_ll(ml, p, Q), ptest)
      list(ll = ev$loglik, grad = ev$grad, d_num = max(abs(gn - ev$grad)) / max(abs(gn)))
    })
  })
  ## cross-check of modes / SEs / loglik at the estimate with R's fitters
  xc <- if (m$family == "binary") {
    dat <- P$frame; dat$yy <- m$y
    fo <- as.formula(paste("yy ~", sp$rhs, "+ (1 |", sp$group, ")"))
    ctl <- glmerControl(tolPwrss = 1e-12)
    gm <- glFormula(fo, data = dat, family = binomial(m$link))
    dev <- do.call(mkGlmerDevfun, c(gm, list(nAGQ = 1, control = ctl)))
    invisible(optimizeGlmer(dev))
    dev <- updateGlmerDevfun(dev, gm$reTrms, nAGQ = 15)
    par <- c(sig, beta); val <- dev(par)
    mm <- mkMerMod(environment(dev), list(par = par, fval = val, conv = 0, message = ""), gm$reTrms, fr = gm$fr)
    re <- ranef(mm, condVar = TRUE)[[1]]; o <- match(P$group_levels, rownames(re))
    sprintf("lme4 1.1.31 at this estimate (mkGlmerDevfun/updateGlmerDevfun nAGQ = 15, mkMerMod): loglik %d digits, ranef %d, sqrt(condVar) %d",
            dig(-val / 2, ll_at[2]), dig(re[o, 1], mode), dig(sqrt(drop(attr(re, "postVar")))[o], mode_se))
  } else {
    dat <- P$frame; dat$yy <- factor(m$y, levels = 1:m$J, ordered = TRUE)
    fo <- as.formula(paste("yy ~", sp$rhs, "+ (1 |", sp$group, ")"))
    rho <- suppressWarnings(clmm(fo, data = dat, link = c(logit = "logit", probit = "probit", cloglog = "loglog",
      loglog = "cloglog", cauchit = "cauchit")[[m$link]], nAGQ = 15, doFit = FALSE,
      control = clmm.control(gradTol = 1e-12, maxIter = 200, innerCtrl = "noWarn")))
    nll <- ordinal:::getNAGQ.ssr(rho, c(psi[m$p + seq_len(m$nthr)], beta, psi[m$k]))
    o <- match(P$group_levels, as.character(rho$random.names))
    sprintf("ordinal 2022.11.16 clmm at this estimate (getNAGQ.ssr, nAGQ = 15, inner gradTol 1e-12): loglik %d digits, modes u*tau %d, tau/sqrt(D) %d",
            dig(-nll, ll_at[2]), dig((rho$u * rho$tau)[o], mode), dig((rho$tau / sqrt(rho$D))[o], mode_se))
  }
  list(id = id, sp = sp, P = P, m = m, C = C, fit = fit, psi = psi, ll_at = ll_at, ll_int = ll_int,
       est_q = est_q, ll_max = ll_max, fits = fits, mode = mode, mode_se = mode_se, X0 = X0,
       X0_labels = X0_labels, pa = pa, pa_int = pa_int, pa_closed = pa_closed, cond0 = cond0,
       ptest = ptest, tests = tests, xc = xc)
}

## covariate settings (rows of the design, the contract's column order)
cb_X0 <- rbind(c(1, 0, 0, 0), c(1, 1, 0, 0), c(1, 0, 1, 0), c(1, 0, 0, 1))
cb_lab <- c("period 1", "period 2", "period 3", "period 4")
wi_X0 <- rbind(c(-1, 0, 30, 0, 0, log(1500)), c(0, 1, 50, 1, 0, log(2500)), c(1, 1, 70, 0, 1, log(5000)))
wi_lab <- c("social_capital -1, insured no, age 30, primary, income 1500",
            "social_capital 0, insured yes, age 50, secondary, income 2500",
            "social_capital 1, insured yes, age 70, tertiary, income 5000")
so_X0 <- rbind(0, 1)
so_lab <- c("PROD Ref", "PROD Test")

B <- list(
  cbpp = block("ri_cbpp_logit_agq15", cb_X0, cb_lab, c("logit", "probit", "cloglog", "cauchit")),
  will = block("ri_willingness_logit_agq15", wi_X0, wi_lab, c("logit", "probit", "cloglog", "loglog", "cauchit")),
  soup = block("ri_soup_probit_agq15", so_X0, so_lab, c("logit", "probit", "cloglog", "loglog", "cauchit")))
## the shared Laplace case made the same way by others
shared_line <- local({
  f <- "/work/shared/conformance/next/shared_wine_ri_laplace.json"
  if (!file.exists(f)) return("  shared_wine_ri_laplace.json: not found")
  E <- jsonlite::fromJSON(f, simplifyVector = FALSE)$expect
  W <- read.csv("tests/data/wine.csv", stringsAsFactors = FALSE)
  X <- cbind("temp[warm]" = as.numeric(W$temp == "warm"), "contact[yes]" = as.numeric(W$contact == "yes"))
  m <- ri_model("ordinal", "logit", X, W$rating, W$judge, J = 5)
  est0 <- unname(c(sapply(E$coefficients, `[[`, "estimate"), sapply(E$thresholds, `[[`, "estimate"),
                   log(E$random_effects[[1]]$sd)))
  se0 <- unname(c(sapply(E$coefficients, `[[`, "std_error"), sapply(E$thresholds, `[[`, "std_error")))
  f1 <- ri_fit(m, 1, est0)
  sprintf("  /work/shared/conformance/next/shared_wine_ri_laplace.json (Laplace, made independently): our loglik at its estimate %d digits, our maximum vs its estimates %d digits, std errors %d, sd_std_error %d",
          dig(ri_ll(m, est0, 1), E$loglik), dig(f1$psi[-7], est0[-7]), dig(f1$se[-7], se0),
          dig(exp(f1$psi[7]) * f1$se[7], E$random_effects[[1]]$sd_std_error))
})
gh50 <- gh_rule(50); gh100 <- gh_rule(100); gh25 <- gh_rule(25); gh15 <- gh_rule(15)

## ------------------------------------------------------------ emit
agree_line <- function(b) {
  a <- b$C$crosscheck$agreement_digits$R_fit
  sprintf("  case %s (tests/cases/ri): %s tight fit agrees with the reference to: estimate %s digits, loglik %s, std_error %s, sd %s, sd_std_error %s",
          b$id, if (b$m$family == "binary") "glmer" else "clmm", a$estimate, a$loglik, a$std_error, a$sd, a$sd_std_error)
}
guard <- "PARTREG_REF_RI_H"
header_open(guard, c(
  "Reference values: community random intercepts, formula term (1 | G), maximum marginal",
  "likelihood by adaptive Gauss-Hermite quadrature (CONTRACT.md, 'Community random intercepts').",
  "Generated by: Rscript tests/ref/ri_header.R > tests/ref/ref_ri.h (after tests/ref/ri_cases.R)",
  paste0("Software: ", ri_versions()),
  "Model: binary P(y = 1 | x, u_g) = F(x'beta + u_g); ordinal P(Y <= j | x, u_g) = F(theta_j - x'beta - u_g),",
  "  outermost thresholds exactly -Inf/+Inf; u_g ~ N(0, sigma^2). Parameter vector psi = (coefficients,",
  "  thresholds, log sigma): every *_est, *_vcov, *_test_psi and *_grad uses that order.",
  "Quadrature (tests/ref/ri_common.R): k_g(u) = sum_{i in g} w_i log p_i(u) - u^2/(2 sigma^2); mode u^ by Newton to",
  "  rounding level; c = -k_g''(u^), the OBSERVED curvature (every link); nodes u^ + x_q/sqrt(c) with (x_q, W_q)",
  "  the Q-point Gauss-Hermite rule for the standard normal density (Q = 1: x = 0, W = 1, Laplace);",
  "  log L_g = -log sigma - log(c)/2 + log sum_q W_q exp(k_g(u_q) + x_q^2/2); loglik = sum_g log L_g.",
  sprintf("  Rule: statmod::gauss.quad.prob nodes refined by Newton on the orthonormal Hermite recurrence, weights 1/sum p_k(x)^2; statmod agrees to %.1g (nodes, abs) and %.1g (weights, rel) at Q = 50, %.1g / %.1g at Q = 100.",
          gh50$statmod_x_abs, gh50$statmod_w_rel, gh100$statmod_x_abs, gh100$statmod_w_rel),
  "Gradient: the exact derivative of the AGQ approximation, with du^/dpsi = k_u,psi/c and",
  "  dc/dpsi = -(k_uu,psi + k_uuu du^/dpsi) (tests/ref/ri_common.R: ri_eval); checked against numDeriv::grad.",
  "Estimates: BFGS with that gradient, then Newton with the numDeriv (Richardson) Jacobian of the gradient",
  "  until max|gradient| < 1e-9. vcov: inverse of minus that Jacobian (symmetrised) over all of psi.",
  "Blocks (prefix, case, data):",
  "  ri_cbpp_ : ri_cbpp_logit_agq15, incidence ~ factor(period) + (1 | herd), binary logit, tests/data/cbpp_long.csv",
  "            (lme4::cbpp, one 0/1 row per animal, 842 rows, herds 1..15)",
  "  ri_will_ : ri_willingness_logit_agq15, willingness ~ social_capital + insured + age + education + log(income)",
  "            + (1 | community), ordinal logit, examples/data/participation_survey.csv (2000 rows, communities 1..40)",
  "  ri_soup_ : ri_soup_probit_agq15, SURENESS ~ PROD + (1 | RESP), ordinal probit, tests/data/soup_resp.csv",
  "            (ordinal::soup, 1847 rows, RESP 1..185)",
  "Per block: *_est, *_se, *_vcov at the Q = 15 maximum (= the case's expect); *_loglik_at_est[4]: the loglik at",
  "  that same estimate with Q = 1, 15, 25, 50, and *_loglik_integrate with stats::integrate per group (rel.tol",
  "  1e-12); *_est_by_q[4][k] and *_loglik_max[4]: the maxima for Q = 1, 15, 25, 50; *_mode[G], *_mode_se[G]:",
  "  conditional mode u^_g and conditional SE 1/sqrt(c_g) at the Q = 15 estimate (groups in *_groups order; as",
  "  lme4's ranef/condVar and clmm's ranef/condVar at the same parameters for logit/probit links);",
  "  *_pa_x[S][p]: covariate settings (design rows), *_pa_prob: population-averaged P(y = 1) (binary) or",
  "  P(Y = j) (ordinal, [S][J]) = integral over u ~ N(0, sigma^2) by the 100-point rule, *_cond0_prob the same",
  "  at u = 0 (conditional on an average community); *_test_psi: a fixed off-maximum point (the estimate",
  "  rounded to 1 decimal), *_test_loglik_<link>[2] (Q = 1, 15) and *_test_grad_<link>_q1/_q15[k] the loglik",
  "  and analytic gradient there for the same data with other links.",
  "Agreement:",
  agree_line(B$cbpp), agree_line(B$will), agree_line(B$soup),
  "  (their std errors come from finite-difference Hessians; see each case's crosscheck)",
  sprintf("  %s: %s", B$cbpp$id, B$cbpp$xc), sprintf("  %s: %s", B$will$id, B$will$xc),
  sprintf("  %s: %s", B$soup$id, B$soup$xc), shared_line,
  "Significant digits: estimates ~10, loglik ~13, std errors ~8 (Jacobian step d = 1e-3 vs 1e-4 and central",
  "  differences agree to that), modes ~14. Suggested C tolerances: loglik 1e-10 rel at given parameters,",
  "  gradient 1e-7 rel, estimates 1e-6, SEs 1e-5, modes 1e-9, population-averaged probabilities 1e-10."
))

emit_block <- function(pre, b) {
  m <- b$m
  emit("/* ==================== ", b$id, " ==================== */")
  emit(sprintf("#define %sK %d", toupper(pre), m$k))
  emit(sprintf("#define %sG %d", toupper(pre), m$G))
  emit(sprintf("#define %sN %d", toupper(pre), m$n))
  emit_strings(paste0(pre, "terms"), m$names, "parameters: coefficients, thresholds, log(sd)")
  emit_strings(paste0(pre, "groups"), b$P$group_levels, "group labels in the order of *_mode")
  emit_array(paste0(pre, "est"), b$psi, sprintf("Q = 15 maximum; loglik %s, max|gradient| %.2g", fmt(b$fit$loglik), b$fit$grad_max))
  emit_array(paste0(pre, "se"), b$fit$se, "sqrt(diag(vcov)); sd_std_error = sd * se[k-1] (delta method)")
  emit_matrix(paste0(pre, "vcov"), b$fit$V, "inverse observed information of the marginal loglik over psi (log sd last)")
  emit_array(paste0(pre, "loglik_at_est"), b$ll_at,
             sprintf("loglik at *_est with Q = 1, 15, 25, 50; Q = 25 minus Q = 15: %.3g, Q = 50 minus Q = 25: %.3g",
                     b$ll_at[3] - b$ll_at[2], b$ll_at[4] - b$ll_at[3]))
  emit_scalar(paste0(pre, "loglik_integrate"), b$ll_int,
              sprintf("stats::integrate per group at *_est (rel.tol 1e-12); minus Q = 50: %.3g", b$ll_int - b$ll_at[4]))
  emit_matrix(paste0(pre, "est_by_q"), b$est_q, "maxima for Q = 1, 15, 25, 50 (rows)")
  emit_array(paste0(pre, "loglik_max"), b$ll_max,
             sprintf("maximised loglik for Q = 1, 15, 25, 50; estimates Q = 25 vs Q = 50 agree to %d digits",
                     dig(b$est_q[3, ], b$est_q[4, ])))
  emit_array(paste0(pre, "mode"), b$mode, "conditional modes u^_g at *_est (Q = 15 estimate)")
  emit_array(paste0(pre, "mode_se"), b$mode_se, "conditional SEs 1/sqrt(-k_g''(u^_g)) at *_est")
  emit_matrix(paste0(pre, "pa_x"), b$X0, paste0("covariate settings (design rows): ", paste(b$X0_labels, collapse = "; ")))
  chk <- sprintf("integrate (rel.tol 1e-13) %d digits%s", dig(as.numeric(b$pa_int), as.numeric(b$pa)),
                 if (!is.null(b$pa_closed)) sprintf(", probit closed form Phi(./sqrt(1 + sd^2)) %d digits",
                                                    dig(as.numeric(b$pa_closed), as.numeric(b$pa))) else "")
  if (m$family == "binary") {
    emit_array(paste0(pre, "pa_prob"), b$pa, paste("population-averaged P(y = 1) per setting, 100-point rule;", chk))
    emit_array(paste0(pre, "cond0_prob"), b$cond0, "P(y = 1 | u = 0) per setting")
  } else {
    emit_matrix(paste0(pre, "pa_prob"), b$pa, paste("population-averaged P(Y = j) [setting][j], 100-point rule;", chk))
    emit_matrix(paste0(pre, "cond0_prob"), b$cond0, "P(Y = j | u = 0) [setting][j]")
  }
  emit_array(paste0(pre, "test_psi"), b$ptest, "fixed test point (the estimate rounded to 1 decimal)")
  for (link in names(b$tests)) {
    tq <- b$tests[[link]]
    emit_array(sprintf("%stest_loglik_%s", pre, link), c(tq$q1$ll, tq$q15$ll),
               sprintf("loglik at *_test_psi, link %s, Q = 1 and Q = 15", link))
    emit_array(sprintf("%stest_grad_%s_q1", pre, link), tq$q1$grad,
               sprintf("analytic gradient, Q = 1 (max |numDeriv::grad - this| / max |numDeriv::grad| = %.1g)", tq$q1$d_num))
    emit_array(sprintf("%stest_grad_%s_q15", pre, link), tq$q15$grad,
               sprintf("analytic gradient, Q = 15 (max |numDeriv::grad - this| / max |numDeriv::grad| = %.1g)", tq$q15$d_num))
  }
  emit("")
}
emit_block("ri_cbpp_", B$cbpp)
emit_block("ri_will_", B$will)
emit_block("ri_soup_", B$soup)
emit_comment(c("Gauss-Hermite rules for the standard normal density (nodes ascending), as used above,",
               "for checking a C implementation of the rule itself (Q = 15)."))
emit_array("ri_gh15_x", gh15$x); emit_array("ri_gh15_w", gh15$w)
header_close(guard)
