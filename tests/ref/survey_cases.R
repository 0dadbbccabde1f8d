## Survey-design reference cases (Taylor linearisation and replicate
## weights) for partreg, per CONTRACT.md "Survey designs". Run from the
## repository root after tests/ref/survey_data.R:
##
##   Rscript tests/ref/survey_cases.R > tests/ref/ref_survey_cases.h
##
## Writes tests/cases/survey/<id>.json (conformance case format) and, on
## standard output, a C header with what the case format cannot hold: the
## full design covariance, bread A and meat B, and the adjusted Wald F test
## of each variable (Stata's default: F = (df - q + 1) / (df q) W on
## (q, df - q + 1) degrees of freedom).
##
## Reference route: the CSV as partreg reads it; weighted ML with the raw
## sampling weights, Newton-polished with the analytic observed Hessian;
## linearised V = A^-1 B A^-1 with A the observed information (analytic)
## and B the contract's meat written out by hand (design_meat in
## survey_common.R); replicate V = c sum_r (b_r - b*)(b_r - b*)' with every
## replicate fit polished too. Cross-checks (recorded in each case's
## "crosscheck"): survey::svyglm / svyolr on svydesign / svrepdesign built
## from the same CSV rows, survey:::svyrecvar on the reference scores,
## numDeriv for the Hessian and the margins' Jacobian, regTermTest for W.
source("tests/ref/survey_common.R")
`%||%` <- function(a, b) if (is.null(a)) b else a
HEADER_W_R <- NULL

DATA <- "tests/data"
OUT <- "tests/cases/survey"
VERS <- versions_string()
options(survey.lonely.psu = "fail")

qt975 <- function(df) qt(0.975, df)

## survey's lonely.psu name for the contract's
R_LONELY <- c(fail = "fail", certainty = "certainty", centered = "adjust", scaled = "average")

args_of <- function(s) {
  a <- c("--formula", s$formula_txt, "--family", s$family, "--link", s$link)
  if (!is.null(s$ylevels)) a <- c(a, "--levels", paste(s$ylevels, collapse = ","))
  for (r in names(s$refs)) a <- c(a, "--ref", sprintf("%s=%s", r, s$refs[[r]]))
  a <- c(a, "--sampling-weights", s$weights)
  if (!is.null(s$strata)) a <- c(a, "--strata", s$strata)
  if (!is.null(s$psu)) a <- c(a, "--psu", s$psu)
  if (!is.null(s$fpc)) a <- c(a, "--fpc", s$fpc)
  if (!is.null(s$subpop)) a <- c(a, "--subpop", s$subpop)
  if (!is.null(s$lonely)) a <- c(a, "--lonely-psu", s$lonely)
  if (!is.null(s$rep)) {
    a <- c(a, "--repweights", paste0(s$rep$prefix, "*"), "--rep-type", s$rep$type)
    if (!is.null(s$rep$rho)) a <- c(a, "--fay-rho", as.character(s$rep$rho))
    if (isTRUE(s$rep$mse)) a <- c(a, "--rep-mse")
  }
  if (isTRUE(s$margins)) a <- c(a, "--margins")
  a
}

## survey's family for svyglm
qfam <- function(link) quasibinomial(link)

HEADER <- list()   # collected for the C header

run_case <- function(s) {
  cat(sprintf("## %s\n", s$id), file = stderr())
  data <- read_case_csv(file.path(DATA, s$csv))
  s$formula_txt <- s$formula_txt %||% deparse(s$formula)
  extra <- c(s$weights, s$strata, s$psu, s$fpc, s$subpop_col, s$subpop_eq[1])
  M <- build_model(data, s$formula, s$family, s$ylevels, s$refs %||% list(), extra)
  d <- M$d
  w <- d[[s$weights]]
  ## domain
  dom <- rep(TRUE, nrow(d))
  if (!is.null(s$subpop_col)) dom <- as.numeric(d[[s$subpop_col]]) != 0
  if (!is.null(s$subpop_eq)) dom <- as.character(d[[s$subpop_eq[1]]]) == s$subpop_eq[2]
  wd <- w * dom
  fit <- fit_w(M, wd, s$link)
  psi <- fit$psi; k <- length(psi); pn <- param_names(M)
  Ainv <- solve(fit$A)
  Z <- wd * fit$S
  cc <- list()
  if (is.null(s$rep)) {
    ## ---------------- linearisation
    dm <- design_meat(Z, if (!is.null(s$strata)) d[[s$strata]], if (!is.null(s$psu)) d[[s$psu]],
                      if (!is.null(s$fpc)) d[[s$fpc]], s$lonely %||% "fail")
    V <- Ainv %*% dm$B %*% Ainv
    df <- dm$df
    vtype <- "design"
    design_obj <- list(strata = as.integer(dm$n_strata), psu = as.integer(dm$n_psu),
                       population_size = sum(w), subpop_size = as.integer(sum(dom)))
    ## -- cross-check: survey's design on the rows used
    ids <- if (is.null(s$psu)) ~1 else as.formula(paste("~", s$psu))
    st <- if (is.null(s$strata)) NULL else as.formula(paste("~", s$strata))
    fp <- if (is.null(s$fpc)) NULL else as.formula(paste("~", s$fpc))
    dd <- d; dd$.dom <- dom
    for (v in names(dd)) if (is.character(dd[[v]]) && v %in% all.vars(s$formula))
      dd[[v]] <- factor(dd[[v]], levels = contract_levels(dd[[v]]))
    for (r in names(s$refs)) dd[[r]] <- relevel(dd[[r]], s$refs[[r]])
    if (s$family == "ordinal") dd[[all.vars(s$formula)[1]]] <- factor(dd[[all.vars(s$formula)[1]]], levels = M$ylevels)
    op <- options(survey.lonely.psu = R_LONELY[[s$lonely %||% "fail"]])
    des <- svydesign(ids = ids, strata = st, fpc = fp, weights = as.formula(paste("~", s$weights)),
                     nest = TRUE, data = dd)
    Vr <- survey:::svyrecvar((fit$S * wd) %*% Ainv, des$cluster, des$strata, des$fpc,
                             postStrata = des$postStrata)
    cc$survey_svyrecvar_on_reference_scores <- list(
      std_error = rel_diff(sqrt(diag(Vr)), sqrt(diag(V))), V_matrix = max(abs(Vr - V)) / max(abs(V)),
      note = sprintf("survey:::svyrecvar(S %%*%% solve(A), ...) with options(survey.lonely.psu = '%s') on svydesign(ids = %s, strata = %s, fpc = %s, weights = ~%s, nest = TRUE) built from the CSV rows used",
                     R_LONELY[[s$lonely %||% "fail"]], deparse(ids), deparse(st), deparse(fp), s$weights),
      degf_R = as.integer(degf(if (any(!dom)) subset(des, .dom) else des)), df_contract = as.integer(df))
    sdes <- if (any(!dom)) subset(des, .dom) else des
    if (s$family == "binary") {
      g <- do.call(svyglm, list(formula = s$formula, design = sdes, family = qfam(s$link), start = psi,
                                control = glm.control(epsilon = 1e-14, maxit = 100)))
      cc$svyglm <- list(estimate = rel_diff(unname(coef(g)), psi),
                        std_error = rel_diff(unname(sqrt(diag(vcov(g)))), sqrt(diag(V))),
                        call = sprintf("svyglm(%s, design, family = quasibinomial('%s'), control = glm.control(epsilon = 1e-14), start = reference)",
                                       deparse(s$formula), s$link))
      if (s$link != "logit") {
        ## what svyglm does: bread = inverse EXPECTED information (IRLS)
        Iexp <- bin_expected_info(psi, M$X, wd, s$link)
        Vexp <- solve(Iexp) %*% dm$B %*% solve(Iexp)
        cc$svyglm$std_error_vs_expected_information_sandwich <- rel_diff(unname(sqrt(diag(vcov(g)))), sqrt(diag(Vexp)))
        cc$svyglm$note <- sprintf("svyglm's bread is the IRLS (expected) information for the %s link; the contract's is the observed information. svyglm's SEs equal A_exp^-1 B A_exp^-1 with A_exp = X'diag(w f^2/(F(1-F)))X to %.2g (rel.); the contract value differs from svyglm by up to %.3g (rel.)",
                                  s$link, rel_diff(unname(sqrt(diag(vcov(g)))), sqrt(diag(Vexp))),
                                  rel_diff(unname(sqrt(diag(vcov(g)))), sqrt(diag(V))))
      }
      ## Wald W by regTermTest (same V only for logit)
      if (s$link == "logit") {
        wt <- sapply(M$info, function(inf) {
          rt <- regTermTest(g, as.formula(paste("~", if (inf$type == "factor" && !is.character(d[[inf$var]])) sprintf("factor(%s)", inf$var) else inf$var)),
                            method = "Wald", df = df)
          rt$Ftest * rt$df
        })
        HEADER_W_R <<- wt
      } else HEADER_W_R <<- NULL
    } else {
      meth <- c(logit = "logistic", probit = "probit")[[s$link]]
      so <- do.call(svyolr, list(formula = s$formula, design = sdes, method = meth,
                                 start = c(psi[seq_len(ncol(M$X))], psi[ncol(M$X) + 1],
                                           log(diff(psi[ncol(M$X) + seq_len(M$J - 1)]))),
                                 control = list(reltol = 1e-16, maxit = 1000, ndeps = rep(1e-6, k))))
      pso <- c(unname(so$coefficients), unname(so$zeta))
      cc$svyolr <- list(estimate = rel_diff(pso, psi),
                        std_error = rel_diff(unname(sqrt(diag(vcov(so)))), sqrt(diag(V))),
                        call = sprintf("svyolr(%s, design, method = '%s', start = reference, control = list(reltol = 1e-16, ndeps = 1e-6))", deparse(s$formula), meth),
                        note = "svyolr's bread is optim's Hessian (finite differences of its analytic gradient, step ndeps) of the observed log-likelihood (outer thresholds +-100): agreement limited by that numerical Hessian")
      HEADER_W_R <<- NULL
    }
    if (isTRUE(s$full_design_check)) {
      full <- read_case_csv(file.path(DATA, s$csv))
      for (v in names(full)) if (is.character(full[[v]]) && v %in% all.vars(s$formula))
        full[[v]] <- factor(full[[v]], levels = contract_levels(full[[v]]))
      fdes <- svydesign(ids = ids, strata = st, fpc = fp, weights = as.formula(paste("~", s$weights)),
                        nest = TRUE, data = full)
      gf <- do.call(svyglm, list(formula = s$formula, design = fdes, family = qfam(s$link), start = psi,
                                 control = glm.control(epsilon = 1e-14, maxit = 100)))
      cc$svyglm_full_design_na_omit <- list(
        estimate_rel_diff = rel_diff(unname(coef(gf)), psi),
        std_error_rel_diff = rel_diff(unname(sqrt(diag(vcov(gf)))), sqrt(diag(V))),
        degf_R = as.integer(degf(fdes)),
        note = "svyglm on the design of ALL rows (svyglm drops the incomplete rows but the design keeps n_h = 40 and f_h = 40/757 from construction, the lost districts entering as zero PSU totals): same estimates, different V; the contract (Stata) drops the 5 districts from n_h. Expected to differ: not an agreement check.")
    }
    options(op)
  } else {
    ## ---------------- replicate weights
    rcols <- grep(paste0("^", s$rep$prefix, "[0-9]+$"), names(d), value = TRUE)
    R <- length(rcols)
    br <- sapply(rcols, function(cn) fit_w(M, d[[cn]] * dom, s$link, start = psi)$psi)
    br <- matrix(br, nrow = k)
    rho <- s$rep$rho %||% 0
    cfac <- switch(s$rep$type, brr = 1 / R, fay = 1 / (R * (1 - rho)^2),
                   jk1 = (R - 1) / R, bootstrap = 1 / (R - 1))
    bstar <- if (isTRUE(s$rep$mse)) psi else rowMeans(br)
    dev <- br - bstar
    V <- cfac * dev %*% t(dev)
    df <- R - 1
    vtype <- "replicate"
    design_obj <- list(population_size = sum(w))
    ## -- cross-check: svrepdesign on the CSV
    dd <- d
    for (v in names(dd)) if (is.character(dd[[v]]) && v %in% all.vars(s$formula))
      dd[[v]] <- factor(dd[[v]], levels = contract_levels(dd[[v]]))
    if (s$family == "ordinal") dd[[all.vars(s$formula)[1]]] <- factor(dd[[all.vars(s$formula)[1]]], levels = M$ylevels)
    rtype <- c(brr = "BRR", fay = "Fay", jk1 = "JK1", bootstrap = "bootstrap")[[s$rep$type]]
    rargs <- list(data = dd, repweights = paste0("^", s$rep$prefix, "[0-9]+$"),
                  weights = as.formula(paste("~", s$weights)), type = rtype,
                  combined.weights = TRUE, mse = isTRUE(s$rep$mse))
    if (s$rep$type == "fay") rargs$rho <- rho
    if (s$rep$type == "bootstrap") { rargs$scale <- 1 / (R - 1); rargs$rscales <- rep(1, R) }
    rdes <- do.call(svrepdesign, rargs)
    if (s$family == "binary") {
      g <- do.call(svyglm, list(formula = s$formula, design = rdes, family = qfam(s$link), start = psi,
                                control = glm.control(epsilon = 1e-14, maxit = 100), return.replicates = TRUE))
      reps <- g$replicates
      cc$svyglm_svrepdesign_csv <- list(
        estimate = rel_diff(unname(coef(g)), psi),
        std_error = rel_diff(unname(sqrt(diag(vcov(g)))), sqrt(diag(V))),
        replicate_estimates = max(abs(unname(reps) - t(br))) / max(abs(br)),
        note = if (s$link != "logit") "svyglm refits the replicates by IRLS with glm's deviance stopping rule, which for non-canonical links stops about 7 digits short of the maximum: agreement limited by that" else NULL,
        scale_R = rdes$scale, c_contract = cfac, degf_R = as.integer(degf(rdes)), df_contract = as.integer(df),
        call = sprintf("svyglm(%s, svrepdesign(repweights = '^%s[0-9]+$', weights = ~%s, type = '%s'%s, combined.weights = TRUE, mse = %s), family = quasibinomial('%s'), control = glm.control(epsilon = 1e-14), start = reference)",
                       deparse(s$formula), s$rep$prefix, s$weights, rtype,
                       if (s$rep$type == "fay") sprintf(", rho = %g", rho) else if (s$rep$type == "bootstrap") sprintf(", scale = 1/%d, rscales = 1", R - 1) else "",
                       isTRUE(s$rep$mse), s$link))
    } else {
      meth <- c(logit = "logistic", probit = "probit")[[s$link]]
      so <- svyolr(s$formula, rdes, method = meth, return.replicates = TRUE)
      pso <- c(unname(so$coefficients), unname(so$zeta))
      cc$svyolr_svrepdesign_csv <- list(
        estimate = rel_diff(pso, psi), std_error = rel_diff(unname(sqrt(diag(vcov(so)))), sqrt(diag(V))),
        replicate_estimates = max(abs(unname(so$replicates) - t(br))) / max(abs(br)),
        degf_R = as.integer(degf(rdes)), df_contract = as.integer(df),
        call = sprintf("svyolr(%s, svrepdesign(repweights = '^%s[0-9]+$', weights = ~%s, type = '%s', combined.weights = TRUE, mse = %s), method = '%s')",
                       deparse(s$formula), s$rep$prefix, s$weights, rtype, isTRUE(s$rep$mse), meth),
        note = "svyolr refits each replicate with MASS::polr at its default optim tolerance (BFGS, reltol 1e-8): agreement limited by polr's convergence")
    }
    ## independent refits of every replicate: glm IRLS / clm, tight control
    keep_fit <- function(wr) {
      kk <- wr > 0
      if (M$family == "binary") {
        ## Fisher scoring written with glm's family functions, iterated on the
        ## coefficient change (glm.fit's deviance rule stops ~1e-8 short)
        fam <- binomial(s$link); Xk <- M$X[kk, , drop = FALSE]; yk <- M$y[kk]; wk <- wr[kk] / mean(wr[kk])
        b <- psi
        for (it in 1:500) {
          eta <- drop(Xk %*% b); mu <- fam$linkinv(eta); me <- fam$mu.eta(eta); vv <- fam$variance(mu)
          step <- solve(crossprod(Xk, (wk * me^2 / vv) * Xk), crossprod(Xk, wk * (yk - mu) * me / vv))
          b <- b + drop(step)
          if (max(abs(step)) < 1e-15 * max(1, max(abs(b)))) break
        }
        b
      } else {
        df_ <- data.frame(yf = factor(M$y[kk], levels = 1:M$J), M$X[kk, , drop = FALSE])
        colnames(df_)[-1] <- paste0("x", seq_len(ncol(M$X)))
        fo <- as.formula(paste("yf ~", paste(colnames(df_)[-1], collapse = " + ")))
        m <- clm(fo, data = df_, weights = wr[kk] / mean(wr[kk]), link = s$link,
                 control = clm.control(gradTol = 1e-13, relTol = 1e-15, maxIter = 1000))
        c(unname(m$beta), unname(m$alpha))
      }
    }
    bi <- sapply(rcols, function(cn) keep_fit(d[[cn]] * dom)); bi <- matrix(bi, nrow = k)
    bsi <- if (isTRUE(s$rep$mse)) psi else rowMeans(bi)
    Vi <- cfac * (bi - bsi) %*% t(bi - bsi)
    cc$independent_replicate_refits <- list(
      replicate_estimates = max(abs(bi - br)) / max(abs(br)),
      std_error = rel_diff(sqrt(diag(Vi)), sqrt(diag(V))),
      note = if (M$family == "binary") "each replicate refitted by Fisher scoring (IRLS) written with binomial(link)'s linkinv/mu.eta/variance, iterated until the step is below 1e-15 (glm.fit's deviance rule stops probit/cloglog about 1e-8 short), on rw_r / mean(rw_r), rows with rw_r = 0 left out" else
        "each replicate refitted by ordinal::clm(gradTol = 1e-13, relTol = 1e-15) on rw_r / mean(rw_r), rows with rw_r = 0 left out")
    HEADER_W_R <<- NULL
  }
  V <- (V + t(V)) / 2
  se <- sqrt(diag(V)); q <- qt975(df)
  ## ---- numerical checks of A
  if (M$family == "binary") {
    Hj <- numDeriv::jacobian(function(b) bin_grad(b, M$X[wd > 0, ], M$y[wd > 0], wd[wd > 0] / mean(wd[wd > 0]), s$link), psi)
  } else {
    Hj <- numDeriv::jacobian(function(b) colSums((wd[wd > 0] / mean(wd[wd > 0])) *
                                                  ord_scores(b, M$X[wd > 0, , drop = FALSE], M$y[wd > 0], M$J, s$link)), psi)
  }
  Hj <- (Hj + t(Hj)) / 2 * mean(wd[wd > 0])
  cc$numDeriv_jacobian_of_score_vs_analytic_hessian <- list(
    bread_std_error = rel_diff(sqrt(diag(solve(-Hj) %*% (if (is.null(s$rep)) dm$B else fit$A %*% V %*% fit$A) %*% solve(-Hj))), se))
  cc$newton_polish <- list(steps = as.integer(fit$steps), max_abs_gradient_times_model_se = fit$grad_se,
                           start_vs_polished = rel_diff(fit$start, psi),
                           note = "start: glm.fit / clm (tight control) on weights / mean(weight); Newton steps with the analytic Hessian; gradient and Hessian then evaluated with the raw weights")
  ## ---- margins
  mg <- NULL
  if (isTRUE(s$margins)) {
    am <- ame(M, psi, s$link, wd)
    Vm <- am$J %*% V %*% t(am$J)
    mse_ <- sqrt(diag(Vm))
    Jn <- ame_jac_num(M, psi, s$link, wd)
    cc$margins <- list(jacobian_analytic_vs_numDeriv = max(abs(Jn - am$J)) / max(abs(am$J)),
                       std_error_with_numDeriv_jacobian = rel_diff(sqrt(diag(Jn %*% V %*% t(Jn))), mse_),
                       note = "AME over the rows used (in the domain), weighted by the sampling weights; delta method J V J' with the design V")
    fd <- ame_fd(M, psi, s$link, wd)
    if (any(!is.na(fd))) cc$margins$numeric_estimate_vs_numDeriv_grad <- rel_diff(fd[!is.na(fd)], am$est[!is.na(fd)])
    cc$margins$estimate_check <- "numeric variables: analytic weighted mean of dP/dx vs numDeriv::grad of the weighted mean prediction under a shift of the column; factor levels: weighted mean of P(V = L) - P(V = ref), direct"
    mg <- margins_block(am, mse_)
    s$margins_out <- list(am = am, se = mse_, V = Vm)
  }
  ## ---- Wald tests by variable and all slopes
  tests <- list()
  for (inf in M$info) tests[[inf$var]] <- wald_adjF(psi, V, inf$cols, df)
  slopes <- if (M$family == "binary") 2:ncol(M$X) else seq_len(ncol(M$X))
  tests[["(all slopes)"]] <- wald_adjF(psi, V, slopes, df)
  if (!is.null(HEADER_W_R)) {
    Wm <- sapply(M$info, function(inf) tests[[inf$var]]$W)
    cc$regTermTest_W <- list(W = rel_diff(HEADER_W_R, Wm),
                             note = "survey::regTermTest(svyglm, ~var, method = 'Wald', df = df): Ftest * numerator df = W (unadjusted Wald); the adjusted F is (df - q + 1)/(df q) W (header only)")
  }
  ## ---- JSON case
  ll <- fit$ll; ll0 <- null_loglik(M, wd)
  p <- ncol(M$X)
  coefs <- term_block(pn[seq_len(p)], psi[seq_len(p)], se[seq_len(p)], q)
  thr <- if (M$family == "ordinal") term_block(pn[p + seq_len(M$J - 1)], psi[p + seq_len(M$J - 1)],
                                            se[p + seq_len(M$J - 1)], q) else empty_obj()
  agree <- list()
  for (nm in names(cc)) {
    x <- cc[[nm]]
    a <- list()
    for (kk in c("estimate", "std_error", "V_matrix", "replicate_estimates", "bread_std_error",
                 "jacobian_analytic_vs_numDeriv", "std_error_with_numDeriv_jacobian", "W", "numeric_estimate_vs_numDeriv_grad",
                 "std_error_vs_expected_information_sandwich"))
      if (!is.null(x[[kk]]) && is.numeric(x[[kk]])) a[[kk]] <- if (x[[kk]] == 0) 16L else as.integer(min(16, max(0, floor(-log10(x[[kk]])))))
    if (length(a)) agree[[nm]] <- a
  }
  tol <- s$tolerance %||% list(estimate = 1e-8, std_error = 1e-6, ci = 1e-6, loglik = 1e-8, margins = 1e-6)
  expect <- list(family = M$family, link = s$link, vcov_type = vtype, converged = TRUE,
                 n_obs = as.integer(M$n_obs), n_dropped = as.integer(M$n_dropped),
                 loglik = ll, null_loglik = ll0, aic = -2 * ll + 2 * k, df = df,
                 design = design_obj, coefficients = coefs, thresholds = thr)
  if (!is.null(df) && df == round(df)) expect$df <- as.integer(df)
  if (!is.null(mg)) expect$margins <- mg
  case <- list(id = s$id, data = file.path("../../data", s$csv), args = args_of(s),
               source = paste0(VERS, ": ", s$source,
                               " Reference: ", if (is.null(s$rep)) "weighted ML with the raw sampling weights, Newton-polished (analytic observed Hessian); V = A^-1 B A^-1, A = observed information of the raw-weight log-likelihood (analytic), B = sum_h (1 - f_h) n_h/(n_h - 1) sum_i (z_hi - zbar_h)(z_hi - zbar_h)' over PSU totals z_hi of weight x score (by hand); df = PSUs - strata; intervals estimate +- qt(0.975, df) se; loglik, null_loglik, aic of the raw-weight pseudo-likelihood; bic must be null under a design (not checked: the checker cannot compare a null)."
                               else sprintf("weighted ML with the full-sample weights and with each replicate column, all Newton-polished (replicates started at the full-sample estimate); V = c sum_r (b_r - b*)(b_r - b*)' with c = %s, b* = %s; df = R - 1 = %d; intervals estimate +- qt(0.975, df) se; loglik etc. of the full-sample raw-weight pseudo-likelihood; bic null (not checked).",
                                            num_json(cfac), if (isTRUE(s$rep$mse)) "the full-sample estimate (--rep-mse)" else "the mean of the replicate estimates", as.integer(df))),
               crosscheck = c(list(agreement_digits = agree), cc),
               tolerance = tol, expect = expect)
  write_case(file.path(OUT, paste0(s$id, ".json")), case)
  HEADER[[s$id]] <<- list(s = s, M = M, psi = psi, V = V, A = fit$A,
                          B = if (is.null(s$rep)) dm$B else NULL, df = df, tests = tests, pn = pn,
                          agree = agree, ll = ll, margins = s$margins_out)
  invisible(case)
}

## ====================================================================== cases
NH <- "survey::nhanes (NHANES 2009-10 examination sample: 15 strata SDMVSTRA, PSUs SDMVPSU numbered 1, 2 (3 in stratum 86) within each stratum, MEC weights WTMEC2YR; HI_CHOL missing for 745 rows, dropped listwise; no PSU loses all its rows)"
API <- "survey's api data (California Academic Performance Index 2000); api4 = api00 cut at 600, 700, 800 into low < lower-mid < upper-mid < high"
specs <- list(
  list(id = "nhanes_hichol_probit_design", csv = "nhanes.csv",
       formula = HI_CHOL ~ factor(RIAGENDR) + factor(race) + agecat, family = "binary", link = "probit",
       weights = "WTMEC2YR", strata = "SDMVSTRA", psu = "SDMVPSU", margins = TRUE,
       source = paste(NH, "svy probit of HI_CHOL on sex, race, age group, with AME margins (discrete changes of each factor level, weighted by WTMEC2YR over the rows used, delta method J V J' with the design V).")),
  list(id = "nhanes_hichol_logit_subpop", csv = "nhanes.csv",
       formula = HI_CHOL ~ factor(race) + agecat, family = "binary", link = "logit",
       weights = "WTMEC2YR", strata = "SDMVSTRA", psu = "SDMVPSU", subpop = "female", subpop_col = "female",
       source = paste(NH, "svy logit of HI_CHOL on race and age group in the domain female == 1 (--subpop female: female = RIAGENDR == 2). Rows outside the domain keep their PSUs and strata (n_h counts every PSU of the rows used), add zero to the scores and the information; n_obs = all rows used (7846), design.subpop_size = domain rows, population_size = sum of WTMEC2YR over all rows used; df = 31 PSUs - 15 strata.")),
  list(id = "apistrat_api4_ologit_design", csv = "apistrat.csv",
       formula = api4 ~ meals + ell + mobility + stype, family = "ordinal", link = "logit",
       ylevels = c("low", "lower-mid", "upper-mid", "high"),
       weights = "pw", strata = "stype", fpc = "fpc", margins = TRUE,
       source = paste(API, "; apistrat: stratified simple random sample of 200 schools by school type stype (E 100, M 50, H 50), fpc = schools in the stratum's population (4421, 1018, 755): f_h = n_h / fpc; every row its own PSU. Ordinal logit of api4 with AME margins per outcome level (numeric: mean of dP(Y=j)/dx; stype: discrete change from E), weighted by pw, delta method with the design V.")),
  list(id = "apistrat_awards_cloglog_design", csv = "apistrat.csv",
       formula = awards ~ meals + ell + mobility, family = "binary", link = "cloglog",
       weights = "pw", strata = "stype", fpc = "fpc", margins = TRUE,
       source = paste(API, "; apistrat (strata stype, fpc = stratum population size). Binary cloglog of awards (Yes = event): the bread is the observed information, not svyglm's IRLS information. AME margins of the numeric predictors (weighted mean of f(eta) beta_v), delta method with the design V.")),
  list(id = "apiclus1_api4_oprobit_design", csv = "apiclus1.csv",
       formula = api4 ~ meals + ell + mobility, family = "ordinal", link = "probit",
       ylevels = c("low", "lower-mid", "upper-mid", "high"),
       weights = "pw", psu = "dnum", fpc = "fpc",
       source = paste(API, "; apiclus1: one-stage cluster sample of 15 of the 757 districts (PSU dnum, fpc 757 = districts in the population), all schools of a sampled district; one stratum. Ordinal probit of api4.")),
  list(id = "apiclus1_awards_logit_subpop_stypeM", csv = "apiclus1.csv",
       formula = awards ~ meals + ell, family = "binary", link = "logit",
       weights = "pw", psu = "dnum", fpc = "fpc", subpop = "stype=M", subpop_eq = c("stype", "M"),
       source = paste(API, "; apiclus1 (PSU dnum, fpc 757). Logit of awards in the domain of middle schools (--subpop \"stype=M\": 25 schools). Three districts (135, 406, 413) have no middle school: they still count as PSUs (n_h = 15, df = 15 - 1 = 14, Stata's rule); R's degf() of the subset design counts only the 12 districts with domain rows (df 11).")),
  list(id = "apiclus2_awards_logit_design", csv = "apiclus2.csv",
       formula = awards ~ meals + ell + stype, family = "binary", link = "logit",
       weights = "pw", psu = "dnum", fpc = "fpc1",
       source = paste(API, "; apiclus2: two-stage sample, 40 of 757 districts then up to 5 schools per district. Linearised with the first stage only (ultimate clusters): --psu dnum --fpc fpc1 (757), i.e. Stata's svyset dnum [pw = pw], fpc(fpc1); the second stage (fpc2) is not used.")),
  list(id = "apiclus2_awards_logit_psu_dropped", csv = "apiclus2.csv", full_design_check = TRUE,
       formula = awards ~ acs_k3 + meals, family = "binary", link = "logit",
       weights = "pw", psu = "dnum", fpc = "fpc1",
       source = paste(API, "; apiclus2 with first-stage design (PSU dnum, fpc1 = 757). acs_k3 (average class size K-3) is missing for 44 rows (middle and high schools): listwise deletion leaves 82 rows and removes every row of 5 districts (176, 264, 523, 679, 719). Contract (Stata): those PSUs leave n_h: n_h = 35, f_h = 35/757, df = 35 - 1 = 34. R's svyglm on the full design with na.omit keeps them as zero PSU totals (n_h = 40, f_h = 40/757): crosscheck svyglm_full_design_na_omit shows the difference.")),
  list(id = "nhanes_lonely_logit_certainty", csv = "nhanes_lonely.csv",
       formula = HI_CHOL ~ factor(RIAGENDR) + agecat, family = "binary", link = "logit",
       weights = "WTMEC2YR", strata = "SDMVSTRA", psu = "SDMVPSU", lonely = "certainty",
       source = paste(NH, "with PSU 2 of stratum 89 removed (nhanes_lonely.csv): stratum 89 has a single PSU. --lonely-psu certainty: that stratum adds 0 to B (R: survey.lonely.psu = 'certainty'). df = 29 PSUs - 15 strata = 14.")),
  list(id = "nhanes_lonely_logit_centered", csv = "nhanes_lonely.csv",
       formula = HI_CHOL ~ factor(RIAGENDR) + agecat, family = "binary", link = "logit",
       weights = "WTMEC2YR", strata = "SDMVSTRA", psu = "SDMVPSU", lonely = "centered",
       source = paste(NH, "with PSU 2 of stratum 89 removed: stratum 89 has a single PSU. --lonely-psu centered: it adds (1 - f_h)(z_h1 - zbar)(z_h1 - zbar)' with zbar the mean of the PSU totals over ALL PSUs and no n_h/(n_h - 1) factor (contract; Stata's singleunit(centered)). At the maximum the weighted scores sum to zero, so zbar = 0 and this equals R's survey.lonely.psu = 'adjust' (which leaves the lonely PSU total uncentered).")),
  list(id = "nhanes_lonely_logit_scaled", csv = "nhanes_lonely.csv",
       formula = HI_CHOL ~ factor(RIAGENDR) + agecat, family = "binary", link = "logit",
       weights = "WTMEC2YR", strata = "SDMVSTRA", psu = "SDMVPSU", lonely = "scaled",
       source = paste(NH, "with PSU 2 of stratum 89 removed: stratum 89 has a single PSU. --lonely-psu scaled: B of the other strata times H / H_ok = 15/14 (Stata's singleunit(scaled), R's survey.lonely.psu = 'average').")),
  list(id = "apistrat_lonely_logit_centered", csv = "apistrat_lonely.csv",
       formula = awards ~ meals + ell, family = "binary", link = "logit",
       weights = "pw", strata = "stype", fpc = "fpc", lonely = "centered",
       source = paste(API, "; apistrat with the H stratum cut to its first school (apistrat_lonely.csv: 151 rows): stratum H has one PSU with fpc 755 (f_h = 1/755). --lonely-psu centered: (1 - 1/755)(z - zbar)(z - zbar)', zbar over all 151 PSUs (= 0 at the maximum).")),
  list(id = "apistrat_lonely_logit_scaled", csv = "apistrat_lonely.csv",
       formula = awards ~ meals + ell, family = "binary", link = "logit",
       weights = "pw", strata = "stype", fpc = "fpc", lonely = "scaled",
       source = paste(API, "; apistrat_lonely.csv (stratum H has one PSU). --lonely-psu scaled: B of strata E and M times 3/2.")),
  list(id = "apiclus1_api4_ologit_jk1", csv = "apiclus1.csv",
       formula = api4 ~ meals + ell + mobility, family = "ordinal", link = "logit",
       ylevels = c("low", "lower-mid", "upper-mid", "high"),
       weights = "pw", rep = list(prefix = "rw", type = "jk1"),
       source = paste(API, "; apiclus1 with replicate weights rw1..rw15 = weights(as.svrepdesign(svydesign(ids = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1), type = 'JK1'), 'analysis') (delete-one-district jackknife, full weights; the weights are the same without fpc: survey would put the fpc into its scale, (1 - 15/757) 14/15 = 0.9148, but the contract has no fpc for replicate designs). Ordinal logit of api4; c = (R - 1)/R = 14/15.")),
  list(id = "apiclus1_awards_probit_jk1_mse", csv = "apiclus1.csv",
       formula = awards ~ meals + ell + mobility, family = "binary", link = "probit",
       weights = "pw", rep = list(prefix = "rw", type = "jk1", mse = TRUE),
       source = paste(API, "; apiclus1, JK1 replicate weights rw1..rw15; probit of awards; --rep-mse: deviations from the full-sample estimate.")),
  list(id = "nhanes_hichol_logit_brr", csv = "nhanes_brr.csv",
       formula = HI_CHOL ~ factor(RIAGENDR) + factor(race) + agecat, family = "binary", link = "logit",
       weights = "WTMEC2YR", rep = list(prefix = "brr", type = "brr"),
       source = paste(NH, "restricted to the 14 strata with exactly two PSUs (stratum 86 left out; nhanes_brr.csv); BRR replicate weights brr1..brr16 = weights(as.svrepdesign(svydesign(ids = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE), type = 'BRR'), 'analysis'); c = 1/R.")),
  list(id = "nhanes_hichol_cloglog_fay", csv = "nhanes_brr.csv",
       formula = HI_CHOL ~ factor(RIAGENDR) + factor(race) + agecat, family = "binary", link = "cloglog",
       weights = "WTMEC2YR", rep = list(prefix = "fay", type = "fay", rho = 0.3),
       source = paste(NH, "restricted to the 14 strata with two PSUs (nhanes_brr.csv); Fay replicate weights fay1..fay16 = weights(as.svrepdesign(..., type = 'Fay', fay.rho = 0.3), 'analysis'); cloglog; c = 1/(R (1 - rho)^2).")),
  list(id = "apistrat_awards_logit_bootstrap", csv = "apistrat.csv",
       formula = awards ~ meals + ell + mobility + stype, family = "binary", link = "logit",
       weights = "pw", rep = list(prefix = "bs", type = "bootstrap"),
       source = paste(API, "; apistrat with 50 Rao-Wu (n - 1) bootstrap replicate weights bs1..bs50 (survey's as.svrepdesign(type = 'subbootstrap', replicates = 50), seed 20240501; full weights); c = 1/(R - 1) = 1/49 exactly (survey's scale for subbootstrap)."))
)

only <- Sys.getenv("ONLY")
for (s in specs) if (only == "" || s$id %in% strsplit(only, ",")[[1]]) run_case(s)

## ====================================================================== header
guard <- "PARTREG_REF_SURVEY_CASES_H"
header_open(guard, c(
  "Survey-design reference values that the conformance case format cannot",
  "hold, one block per case of tests/cases/survey/ (same id).",
  "Generated by: Rscript tests/ref/survey_cases.R > tests/ref/ref_survey_cases.h",
  paste("Software:", VERS),
  "Per case: parameter names (coefficients, then thresholds), estimates,",
  "the design covariance V (k x k, row-major [k][k]), A = observed information",
  "of the raw-weight log-likelihood (linearised cases), B = the contract's meat",
  "(linearised cases), design df, and the joint Wald test of each predictor",
  "variable (all columns of a factor together) and of all slopes:",
  "W = b' V^-1 b, q columns, adjusted F = (df - q + 1) / (df q) W on",
  "(q, df - q + 1) degrees of freedom, p = P(F > F_adj) (Stata's default after svy).",
  "Estimates, V and df are the same numbers as in the case JSON; see each",
  "case's 'source' and 'crosscheck' for the route and the agreement digits."))
for (id in names(HEADER)) {
  h <- HEADER[[id]]; pre <- paste0("ref_", id, "_")
  emit("/* ==================== ", id, " ==================== */")
  emit_comment(c(sprintf("partreg fit tests/data/%s %s", h$s$csv,
                         paste(sapply(args_of(h$s), function(a) if (grepl("[ *~|()]", a)) shQuote(a) else a), collapse = " ")),
                 sprintf("agreement digits: %s", paste(sprintf("%s %s", names(h$agree),
                   sapply(h$agree, function(a) paste(sprintf("%s=%d", names(a), unlist(a)), collapse = "/"))), collapse = "; "))))
  emit_int(paste0(pre, "k"), length(h$psi))
  emit_strings(paste0(pre, "names"), h$pn)
  emit_array(paste0(pre, "est"), h$psi)
  emit_scalar(paste0(pre, "df"), h$df, "design degrees of freedom")
  emit_scalar(paste0(pre, "loglik"), h$ll)
  emit_matrix(paste0(pre, "V"), h$V, "design covariance of the estimates")
  if (!is.null(h$B)) {
    emit_matrix(paste0(pre, "A"), h$A, "observed information, raw sampling weights (bread^-1)")
    emit_matrix(paste0(pre, "B"), h$B, "meat: sum_h (1-f_h) n_h/(n_h-1) sum_i (z_hi - zbar_h)(z_hi - zbar_h)' (lonely-PSU rule of the case)")
  }
  tn <- names(h$tests)
  emit_int(paste0(pre, "n_tests"), length(tn))
  emit_strings(paste0(pre, "test_vars"), tn, "joint Wald tests: variable names ('(all slopes)' = every coefficient but the intercept)")
  emit_array(paste0(pre, "test_W"), sapply(h$tests, `[[`, "W"), "Wald chi2 W = b' V^-1 b")
  emit_array(paste0(pre, "test_q"), sapply(h$tests, `[[`, "q"), "numerator df q")
  emit_array(paste0(pre, "test_F"), sapply(h$tests, `[[`, "F"), "adjusted F = (df - q + 1)/(df q) W")
  emit_array(paste0(pre, "test_df2"), sapply(h$tests, `[[`, "df2"), "denominator df = df - q + 1")
  emit_array(paste0(pre, "test_p"), sapply(h$tests, `[[`, "p"), "P(F(q, df - q + 1) > F)")
  if (!is.null(h$margins)) {
    lab <- ifelse(is.na(h$margins$am$outcome), h$margins$am$term, paste0(h$margins$am$term, " @ ", h$margins$am$outcome))
    emit_strings(paste0(pre, "margin_labels"), lab, "AME entries (term @ outcome level for ordinal)")
    emit_matrix(paste0(pre, "margin_V"), h$margins$V, "covariance of the AMEs, J V J' with the design V")
  }
  emit("")
}
header_close(guard)
