# Reference cases: Firth / Jeffreys-prior penalised binary fits, --firth.
#   Rscript tests/ref/firth.R > tests/ref/ref_firth.h
# writes tests/cases/firth/firth_*.json, tests/data/endometrial.csv and
# tests/data/mtcars.csv, and prints the header (FLIC, profile details).
# Definition (CONTRACT.md): maximise l*(beta) = loglik(beta) + log det I(beta) / 2,
# I(beta) = X' diag(f^2 / (F (1 - F))) X the EXPECTED information; SEs from
# I(beta_hat)^-1; `loglik` is l*(beta_hat); --ci profile profiles l* with
# the full model's penalty (logistf): for coefficient j fixed at b, the
# other coefficients maximise loglik + log det I_full / 2, I_full computed
# from all columns; the bounds solve 2 (l*_max - l*_prof(b)) = qchisq(0.95, 1).
# Method: analytic penalised score (below), Newton steps with a Richardson
# (numDeriv::jacobian) Hessian of that score, from brglm2's MPL_Jeffreys fit,
# until max |score| < 1e-10; profile bounds by uniroot (tol 1e-13) on
# constrained refits (the same Newton on the free coefficients). No profile
# case for the completely separated mtcars data: there the constrained
# refits far from the estimate put every fitted probability within 1e-300 of
# 0 or 1 and R's double arithmetic cannot give a trustworthy reference.
# Penalised score: X'(y - F) f/(F(1-F)) + X'(h * d log w / d eta) / 2, with
# w = f^2/(F(1-F)), h_i = w_i x_i' I^-1 x_i, d log w/d eta = 2 f'/f - f/F + f/(1-F).
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "ordext_common.R"))
OUT <- normalizePath(file.path(.script_dir_ext, "..", "cases", "firth"), mustWork = FALSE)
dir.create(OUT, showWarnings = FALSE, recursive = TRUE)

## ---------------------------------------------------------------- data
endo <- brglm2::endometrial[, c("HG", "NV", "PI", "EH")]
write.csv(endo, file.path(REPO_DATA, "endometrial.csv"), row.names = FALSE, quote = FALSE)
mt <- data.frame(model = rownames(datasets::mtcars), datasets::mtcars, row.names = NULL)
write.csv(mt, file.path(REPO_DATA, "mtcars.csv"), row.names = FALSE, quote = FALSE)
mroz <- read.csv(file.path(REPO_DATA, "mroz.csv"), stringsAsFactors = FALSE)
mroz$lfp <- as.integer(mroz$lfp == "yes")
mroz$wc <- factor(mroz$wc, levels = c("no", "yes")); mroz$hc <- factor(mroz$hc, levels = c("no", "yes"))
M <- carData::Mroz
if (!(all(mroz$k5 == M$k5) && all(abs(mroz$lwg - M$lwg) < 1e-6) && all((mroz$lfp == 1) == (M$lfp == "yes"))))
  stop("mroz.csv differs from carData::Mroz")

## ---------------------------------------------------------------- Firth
dlogw <- function(eta, L) {
  F <- L$F(eta); Fc <- L$Fc(eta); f <- L$f(eta)
  2 * L$fp(eta) / f - f / F + f / Fc
}
exp_info <- function(b, X, link) bin_expected_info(b, X, rep(1, nrow(X)), link)
pen_ll <- function(b, X, y, link) {
  I <- exp_info(b, X, link)
  dt <- determinant(I, logarithm = TRUE)
  if (dt$sign <= 0) return(-Inf)
  bin_ll(b, X, y, rep(1, nrow(X)), link) + as.numeric(dt$modulus) / 2
}
pen_grad <- function(b, X, y, link) {
  L <- LINKS[[link]]; eta <- drop(X %*% b)
  f <- L$f(eta); F <- L$F(eta); Fc <- L$Fc(eta)
  w <- f^2 / (F * Fc)
  Ii <- solve(crossprod(X, w * X))
  h <- w * rowSums((X %*% Ii) * X)
  drop(bin_grad(b, X, y, rep(1, nrow(X)), link) + crossprod(X, h * dlogw(eta, L)) / 2)
}
pen_hess <- function(b, X, y, link, scale = rep(1, length(b))) {
  H <- numDeriv::jacobian(function(u) pen_grad(b + u * scale, X, y, link) * scale, 0 * b)
  H <- (H + t(H)) / 2
  H / tcrossprod(scale)
}
## Newton on the free coefficients (free = logical), the others fixed
pen_newton <- function(b, X, y, link, free = rep(TRUE, length(b)), tol = 1e-10, maxit = 100) {
  llf <- function(bb) pen_ll(bb, X, y, link)
  steps <- 0
  repeat {
    g <- pen_grad(b, X, y, link)[free]
    if ((max(abs(g)) < tol && steps >= 1) || steps >= maxit) break
    sc <- sqrt(pmax(diag(solve(exp_info(b, X, link))), 1e-12))
    H <- pen_hess(b, X, y, link, sc)[free, free, drop = FALSE]
    st <- -solve(H, g)
    l0 <- llf(b); t <- 1
    repeat {
      cand <- b; cand[free] <- b[free] + t * st
      lc <- llf(cand)
      if (is.finite(lc) && lc >= l0 - 1e-12 * abs(l0)) break
      t <- t / 2
      if (t < 1e-12) {
        ## far from the maximum (Hessian not negative definite): BFGS on the
        ## free coefficients, then Newton again
        o <- optim(b[free], function(u) { bb <- b; bb[free] <- u; -llf(bb) },
                   function(u) { bb <- b; bb[free] <- u; -pen_grad(bb, X, y, link)[free] },
                   method = "BFGS", control = list(maxit = 10000, reltol = 1e-15))
        cand <- b; cand[free] <- o$par
        if (!(llf(cand) > l0)) stop("pen_newton: no ascent")
        break
      }
    }
    b <- cand; steps <- steps + 1
  }
  list(b = b, steps = steps, grad_max = max(abs(pen_grad(b, X, y, link)[free])), ll = llf(b))
}
firth_fit <- function(formula, data, link) {
  X <- model.matrix(formula, data); y <- model.response(model.frame(formula, data))
  colnames(X)[-1] <- colnames(contract_design(formula[-2], data)$X)     # wc[yes], ...
  bg <- suppressWarnings(glm(formula, data = data, family = binomial(link), method = brglm2::brglmFit,
                             type = "MPL_Jeffreys", epsilon = 1e-14, maxit = 500))
  ok <- function(b) { v <- tryCatch(pen_grad(b, X, y, link), error = function(e) NA)
                      all(is.finite(v)) && is.finite(pen_ll(b, X, y, link)) && max(abs(b)) < 1e3 }
  start <- unname(coef(bg)); start_from <- "brglm2"
  if (!bg$converged || !ok(start)) {
    ## brglm2's quasi-Fisher scoring did not find the maximum: BFGS on l* from
    ## the intercept-only start, then Newton
    b1 <- c(qlogis(mean(y)), rep(0, ncol(X) - 1))
    o <- optim(b1, function(b) -pen_ll(b, X, y, link), function(b) -pen_grad(b, X, y, link),
               method = "BFGS", control = list(maxit = 10000, reltol = 1e-15))
    start <- o$par; start_from <- "optim BFGS (brglm2 did not converge to the maximum)"
  }
  nw <- pen_newton(start, X, y, link)
  b <- nw$b; names(b) <- colnames(X)
  V <- solve(exp_info(b, X, link)); se <- sqrt(diag(V))
  ng <- numDeriv::grad(function(bb) pen_ll(bb, X, y, link), b)
  ## an independent optimiser from the intercept-only start
  nb <- nlminb(c(qlogis(mean(y)), rep(0, ncol(X) - 1)), function(bb) -pen_ll(bb, X, y, link),
               function(bb) -pen_grad(bb, X, y, link), control = list(eval.max = 5000, iter.max = 5000,
               rel.tol = 1e-15, x.tol = 1e-15))
  ml <- suppressWarnings(glm(formula, data = data, family = binomial(link),
                             control = glm.control(epsilon = 1e-14, maxit = 100)))
  list(b = b, se = se, V = V, ll = nw$ll, X = X, y = y, link = link, steps = nw$steps, grad_max = nw$grad_max,
       brglm2_est = max(abs(coef(bg) - b) / pmax(abs(b), 1e-8)),
       brglm2_se = max(abs(sqrt(diag(vcov(bg))) - se) / se),
       numDeriv_grad = max(abs(ng)), ml = coef(ml), start_from = start_from,
       nlminb_est = max(abs(nb$par - b) / pmax(abs(b), 1e-8)),
       brglm2_converged = bg$converged, brglm2_coef = unname(coef(bg)), ml_conv = ml$converged,
       loglik_unpenalised = bin_ll(b, X, y, rep(1, nrow(X)), link))
}

## profile interval of coefficient j (penalised likelihood, full-model penalty)
profile_ci <- function(ft, j, level = 0.95) {
  q <- qchisq(level, 1); b <- ft$b; free <- seq_along(b) != j
  ## constrained refits start from the solution at the nearest value already
  ## profiled (continuation), so that far values do not start where every
  ## fitted probability is 0 or 1
  memo_v <- b[j]; memo_b <- list(b)
  lp <- function(v) {
    k <- which.min(abs(memo_v - v)); bb <- memo_b[[k]]; bb[j] <- v
    r <- pen_newton(bb, ft$X, ft$y, ft$link, free = free)
    memo_v <<- c(memo_v, v); memo_b[[length(memo_b) + 1]] <<- r$b
    r$ll }
  g <- function(v) 2 * (ft$ll - lp(v)) - q
  side <- function(dir) {
    step <- ft$se[j]; a <- b[j]; z <- b[j] + dir * step
    while (g(z) < 0) { a <- z; step <- 1.5 * step; z <- b[j] + dir * step
      if (step > 1e3 * (1 + abs(b[j]))) stop("profile bound not bracketed") }
    uniroot(g, sort(c(a, z)), tol = 1e-13)$root
  }
  lo <- side(-1); hi <- side(1)
  ## check with a different optimiser: BFGS on the free coefficients at the bounds
  chk <- sapply(c(lo, hi), function(v) {
    bb <- b; bb[j] <- v
    o <- optim(b[free], function(u) { bb[free] <- u; -pen_ll(bb, ft$X, ft$y, ft$link) },
               function(u) { bb[free] <- u; -pen_grad(bb, ft$X, ft$y, ft$link)[free] },
               method = "BFGS", control = list(reltol = 1e-15, maxit = 1000))
    abs(2 * (ft$ll + o$value) - q)
  })
  c(lo, hi, abs(g(lo)), abs(g(hi)), max(chk))
}

## ---------------------------------------------------------------- cases
cases <- list(
  list(id = "firth_endometrial_probit", f = HG ~ NV + PI + EH, data = endo, link = "probit",
       csv = "../../data/endometrial.csv", formula = "HG ~ NV + PI + EH", profile = FALSE,
       what = "brglm2::endometrial (Heinze & Schemper 2002; NV quasi-separates: every NV = 1 case has HG = 1)"),
  list(id = "firth_endometrial_cloglog", f = HG ~ NV + PI + EH, data = endo, link = "cloglog",
       csv = "../../data/endometrial.csv", formula = "HG ~ NV + PI + EH", profile = FALSE,
       what = "brglm2::endometrial (NV quasi-separates)"),
  list(id = "firth_endometrial_cauchit", f = HG ~ NV + PI + EH, data = endo, link = "cauchit",
       csv = "../../data/endometrial.csv", formula = "HG ~ NV + PI + EH", profile = FALSE,
       what = "brglm2::endometrial (NV quasi-separates)"),
  list(id = "firth_endometrial_logit_profile", f = HG ~ NV + PI + EH, data = endo, link = "logit",
       csv = "../../data/endometrial.csv", formula = "HG ~ NV + PI + EH", profile = TRUE,
       what = "brglm2::endometrial (NV quasi-separates), profile penalised-likelihood intervals as logistf"),
  list(id = "firth_mtcars_separated_logit", f = am ~ wt + qsec, data = mt, link = "logit",
       csv = "../../data/mtcars.csv", formula = "am ~ wt + qsec", profile = FALSE,
       what = "datasets::mtcars, am ~ wt + qsec: COMPLETE separation (ML estimates do not exist)"),
  list(id = "firth_mtcars_separated_probit", f = am ~ wt + qsec, data = mt, link = "probit",
       csv = "../../data/mtcars.csv", formula = "am ~ wt + qsec", profile = FALSE,
       what = "datasets::mtcars, am ~ wt + qsec: COMPLETE separation (ML estimates do not exist)"),
  list(id = "firth_mroz_logit_profile", f = lfp ~ k5 + k618 + age + wc + hc + lwg + inc, data = mroz, link = "logit",
       csv = "../../data/mroz.csv", formula = "lfp ~ k5 + k618 + age + wc + hc + lwg + inc", profile = TRUE,
       what = "carData::Mroz (tests/data/mroz.csv), no separation: Firth slightly shrinks the ML estimates"),
  list(id = "firth_mroz_cloglog", f = lfp ~ k5 + k618 + age + wc + hc + lwg + inc, data = mroz, link = "cloglog",
       csv = "../../data/mroz.csv", formula = "lfp ~ k5 + k618 + age + wc + hc + lwg + inc", profile = FALSE,
       what = "carData::Mroz (tests/data/mroz.csv), no separation")
)
## complete separation check of the mtcars example: some b with y = 1 exactly when x'b > 0
sep <- suppressWarnings(glm(am ~ wt + qsec, data = mt, family = binomial, control = glm.control(maxit = 100)))
sep_complete <- all((predict(sep) > 0) == (mt$am == 1))

res <- list()
for (cs in cases) {
  ft <- firth_fit(cs$f, cs$data, cs$link)
  nm <- names(ft$b); qz <- qnorm(0.975)
  lo <- ft$b - qz * ft$se; hi <- ft$b + qz * ft$se
  prof <- NULL
  if (cs$profile) {
    prof <- t(sapply(seq_along(ft$b), function(j) profile_ci(ft, j)))
    lo <- prof[, 1]; hi <- prof[, 2]
  }
  coefs <- list()
  for (i in seq_along(nm)) coefs[[nm[i]]] <- list(estimate = ft$b[[i]], std_error = ft$se[[i]],
                                                  conf_low = lo[[i]], conf_high = hi[[i]])
  args <- c("--formula", cs$formula, "--family", "binary", "--link", cs$link, "--firth")
  if (cs$profile) args <- c(args, "--ci", "profile")
  src <- paste0(versions_ext(), ": ", cs$what, ". Own maximiser of loglik + log det I(beta)/2, I = X'WX the EXPECTED ",
                "information (w = f^2/(F(1-F))), analytic penalised score, Newton with a Richardson Hessian of that ",
                "score, started at glm(..., method = brglm2::brglmFit, type = 'MPL_Jeffreys'); std errors ",
                "sqrt(diag(I(beta_hat)^-1)); 'loglik' is the PENALISED log-likelihood at the estimate (logistf's ",
                "loglik['full'], firthlogit's 'Penalized log likelihood'); null_loglik/aic/bic not checked (no ",
                "convention fixed for a penalised fit); ",
                if (cs$profile) paste0("conf_low/conf_high: profile intervals of the penalised likelihood with the FULL ",
                  "model's penalty (logistf): coefficient fixed at b, the others maximise loglik + log det I_full/2, ",
                  "2 (l*_max - l*_prof(b)) = qchisq(0.95, 1) by uniroot (tol 1e-13)") else
                  "conf_low/conf_high: Wald, estimate -+ qnorm(0.975) se",
                ". Regenerate: Rscript tests/ref/firth.R > tests/ref/ref_firth.h")
  cross <- list(
    agreement_digits = list(brglm2 = list(estimate = digits_of(ft$brglm2_est), std_error = digits_of(ft$brglm2_se))),
    brglm2 = list(estimate_max_rel_diff = ft$brglm2_est, std_error_max_rel_diff = ft$brglm2_se,
                  converged = ft$brglm2_converged, estimates = ft$brglm2_coef,
                  note = sprintf("glm(%s, family = binomial('%s'), method = brglm2::brglmFit, type = 'MPL_Jeffreys', epsilon 1e-14); its vcov is the inverse expected information at its estimate",
                                 cs$formula, cs$link)),
    newton = list(steps = ft$steps, gradient_max_abs_after = ft$grad_max, started_from = ft$start_from),
    numDeriv_gradient_of_penalised_loglik_max_abs = ft$numDeriv_grad,
    nlminb_from_intercept_only_start = list(estimate_max_rel_diff = ft$nlminb_est,
      note = "stats::nlminb on -l* with the analytic penalised score, rel.tol 1e-15, from (qlogis(mean(y)), 0, ...)"),
    unpenalised_loglik_at_estimate = ft$loglik_unpenalised,
    ordinary_ml_for_comparison = list(ml_estimates = unname(ft$ml), glm_converged = ft$ml_conv,
      note = "glm ML fit (not the reference); under separation its estimates run off (huge values)"))
  if (cs$profile) cross$profile = list(root_check_max_abs = max(prof[, 3:4]),
                                       bfgs_refit_check_max_abs = max(prof[, 5]),
                                       note = "|2 (l*_max - l*_prof(bound)) - qchisq(0.95,1)| at the bounds; the BFGS check re-maximises the constrained penalised likelihood with optim()")
  if (grepl("mtcars", cs$id)) cross$separation <- list(complete = sep_complete,
    note = "glm's (non-converged) ML direction classifies every row correctly: am = 1 exactly when x'b > 0")
  if (cs$id == "firth_endometrial_logit_profile")
    cross$published <- list(source = "Heinze & Schemper (2002, Statistics in Medicine 21:2409), endometrial example, Firth estimates with profile penalised likelihood 95% intervals, as commonly quoted (recalled; the paper itself was not consulted in this sandbox)",
      printed = list(NV = 2.93, "NV low" = 0.61, "NV high" = 7.85, PI = -0.03, "PI low" = -0.12, "PI high" = 0.04,
                     EH = -2.60, "EH low" = -4.36, "EH high" = -1.23),
      reference = list(NV = ft$b[["NV"]], "NV low" = lo[2], "NV high" = hi[2], PI = ft$b[["PI"]], "PI low" = lo[3],
                       "PI high" = hi[3], EH = ft$b[["EH"]], "EH low" = lo[4], "EH high" = hi[4]))
  shared <- "/work/shared/conformance/next/shared_endometrial_firth.json"
  if (cs$id == "firth_endometrial_logit_profile" && file.exists(shared)) {
    E <- jsonlite::fromJSON(shared)$expect
    se_ <- sapply(names(ft$b), function(t) E$coefficients[[t]]$estimate)
    ss_ <- sapply(names(ft$b), function(t) E$coefficients[[t]]$std_error)
    cross$shared_case_shared_endometrial_firth <- list(
      estimate_digits = digits_of(max(abs(se_ - ft$b) / abs(ft$b))),
      std_error_digits = digits_of(max(abs(ss_ - ft$se) / ft$se)),
      loglik_digits = digits_of(abs(E$loglik - ft$ll) / abs(ft$ll)))
  }
  case <- list(id = cs$id, data = cs$csv, args = args, source = src, crosscheck = cross,
               tolerance = list(estimate = 1e-6, std_error = 1e-5, ci = 1e-5, loglik = 1e-8),
               expect = list(family = "binary", link = cs$link, vcov_type = "model", converged = TRUE,
                             n_obs = nrow(ft$X), n_dropped = 0L, loglik = ft$ll, coefficients = coefs,
                             thresholds = structure(list(), names = character(0))))
  write_case(file.path(OUT, paste0(cs$id, ".json")), case)
  res[[cs$id]] <- list(cs = cs, ft = ft, lo = lo, hi = hi, prof = prof)
}

## ---------------------------------------------------------------- FLIC
## Puhr, Heinze, Nold, Lusa & Geroldinger (2017, Statistics in Medicine 36:2302):
## keep the Firth slopes, refit the intercept by ML with the Firth linear
## predictor minus its intercept as an offset. As logistf::flic (1.26):
## intercept SE = sqrt([X' diag(p (1 - p)) X]^-1_11) with p the FLIC fitted
## probabilities (its Wald interval uses 1.96); the slopes keep their Firth
## estimates, SEs and intervals; its 'loglik full' is the unpenalised loglik at
## the FLIC estimate + log det(X' diag(p(1-p)) X) / 2. logistf's summary()
## prints sqrt(diag(var)) with var = (X' diag(p) X)^-1 (p, not p(1-p)), which
## we record for information only.
flic <- function(ft) {
  X <- ft$X; y <- ft$y; b <- ft$b
  off <- drop(X[, -1, drop = FALSE] %*% b[-1])
  g <- glm(y ~ 1, family = binomial, offset = off, control = glm.control(epsilon = 1e-15, maxit = 100))
  ## polish the one-parameter ML equation sum(y - p) = 0
  a <- unname(coef(g))
  for (it in 1:20) { p <- plogis(a + off); a <- a + sum(y - p) / sum(p * (1 - p)) }
  p <- plogis(a + off)
  XWX <- crossprod(X, p * (1 - p) * X)
  se0 <- sqrt(solve(XWX)[1, 1])
  var_logistf <- solve(crossprod(X, p * X))
  list(a = a, se0 = se0, ci = a + c(-1, 1) * 1.96 * se0, ciq = a + c(-1, 1) * qnorm(0.975) * se0,
       score = sum(y - p), ll_full = sum(y * log(p) + (1 - y) * log(1 - p)) + as.numeric(determinant(XWX)$modulus) / 2,
       se_logistf_summary = sqrt(diag(var_logistf)), mean_p = mean(p), mean_y = mean(y),
       mean_p_firth = mean(plogis(drop(X %*% b))), glm_a = unname(coef(g)))
}
fl <- flic(res[["firth_endometrial_logit_profile"]]$ft)

guard <- "PARTREG_REF_FIRTH_H"
header_open(guard, c(
  "Reference values: Firth (Jeffreys-prior penalised) binary fits, profile intervals, FLIC.",
  "Generated by: Rscript tests/ref/firth.R > tests/ref/ref_firth.h",
  "  (also writes tests/cases/firth/<id>.json and tests/data/{endometrial,mtcars}.csv).",
  paste0("Software: ", versions_ext()),
  "Penalised log-likelihood l* = loglik + log det I(beta) / 2, I = X' diag(f^2 / (F (1 - F))) X",
  "  (EXPECTED information); SEs sqrt(diag(I^-1)) at the estimate; loglik = l* at the estimate.",
  "Method: analytic penalised score, Newton with a Richardson Hessian of it, from brglm2",
  "  (type = 'MPL_Jeffreys'), to max|score| < 1e-10. Profile bounds: l* profiled with the full",
  "  model's penalty (logistf), uniroot tol 1e-13.",
  "Data: tests/data/endometrial.csv = brglm2::endometrial; tests/data/mtcars.csv = datasets::mtcars",
  sprintf("  (am ~ wt + qsec is completely separated: %s); tests/data/mroz.csv = carData::Mroz.",
          if (sep_complete) "checked" else "NOT separated?!"),
  "Coefficient order: (Intercept), then the formula's terms."
))
for (id in names(res)) {
  r <- res[[id]]; ft <- r$ft; pre <- paste0("ref_", id, "_")
  emit("/* ", id, ": ", r$cs$formula, ", link ", r$cs$link, "; brglm2 agreement: estimates ",
       digits_of(ft$brglm2_est), " digits, SE ", digits_of(ft$brglm2_se), "; nlminb estimates ",
       digits_of(ft$nlminb_est), " digits; numDeriv |grad l*| ", sprintf("%.2g", ft$numDeriv_grad),
       if (ft$start_from != "brglm2") "; brglm2's fit runs off to 1e305 here: started from BFGS" else "", " */")
  emit_strings(paste0(pre, "terms"), names(ft$b))
  emit_array(paste0(pre, "est"), ft$b)
  emit_array(paste0(pre, "se"), ft$se, "sqrt(diag(I^-1)), expected information")
  emit_matrix(paste0(pre, "vcov"), ft$V, "I(beta_hat)^-1")
  emit_scalar(paste0(pre, "loglik"), ft$ll, "penalised log-likelihood l*")
  emit_scalar(paste0(pre, "loglik_unpenalised"), ft$loglik_unpenalised, "ordinary log-likelihood at the Firth estimate")
  emit_array(paste0(pre, "ci_low"), r$lo, if (r$cs$profile) "95% profile penalised-likelihood bounds" else "95% Wald")
  emit_array(paste0(pre, "ci_high"), r$hi)
  emit("")
}
emit_comment(c(
  "FLIC (Puhr, Heinze, Nold, Lusa & Geroldinger 2017): endometrial, HG ~ NV + PI + EH, logit.",
  "  Slopes: the Firth estimates above (ref_firth_endometrial_logit_profile_est[1..3]).",
  "  Intercept: ML with offset x'b_Firth - b0_Firth (glm, then Newton on sum(y - p) = 0);",
  sprintf("  |sum(y - p)| after: %.2g; glm's own intercept differs by %.2g.", abs(fl$score), abs(fl$glm_a - fl$a)),
  sprintf("  mean fitted P: FLIC %.17g = mean(y) %.17g; Firth %.17g.", fl$mean_p, fl$mean_y, fl$mean_p_firth),
  "  Intercept SE as logistf::flic: sqrt([X' diag(p(1-p)) X]^-1_11), p = FLIC probabilities;",
  "  its Wald interval uses 1.96 (logistf) - the qnorm(0.975) interval is given too.",
  "  logistf's summary() prints sqrt(diag((X' diag(p) X)^-1)) (weights p, not p(1-p)):",
  paste0("  informational only: ", paste(sprintf("%.10g", fl$se_logistf_summary), collapse = ", "))))
emit_scalar("ref_flic_endometrial_intercept", fl$a)
emit_scalar("ref_flic_endometrial_intercept_se", fl$se0)
emit_array("ref_flic_endometrial_intercept_ci196", fl$ci, "intercept -+ 1.96 se (logistf::flic)")
emit_array("ref_flic_endometrial_intercept_ci", fl$ciq, "intercept -+ qnorm(0.975) se")
emit_scalar("ref_flic_endometrial_loglik_full", fl$ll_full,
            "logistf::flic loglik['full']: loglik at the FLIC estimate + log det(X' diag(p(1-p)) X)/2")
header_close(guard)
