## Reference values for tests/test_margins.c and tests/test_wald_terms.c:
## average marginal effects (AME), marginal effects at the means (MEM),
## predictive margins at fixed values and joint Wald tests by variable.
##
##   Rscript tests/ref/margins_cases.R > tests/ref/ref_margins_cases.h
##
## Independent of the C code: design rows come from R's model.matrix(); the
## derivative of a design row with respect to a variable is a Richardson-
## extrapolated central difference of model.matrix() (error O(h^4)); the
## delta-method Jacobian is numDeriv::jacobian() of the margin as a function
## of the parameters; MEM's mean row enumerates EVERY combination of the
## categorical variables' levels (the C code groups columns instead).
## Fits: glm / clm, then Newton-polished (tests/ref/common.R); vcov = inverse
## observed information. Cross-checks (in the header comment): numDeriv::grad
## of the mean of predict() under a shift of the variable, and car's
## linearHypothesis / Anova for the Wald tests.
source("tests/ref/common.R")
suppressPackageStartupMessages(library(car))

wmean <- function(x, w) sum(w * x) / sum(w)

## ord probabilities n x J
ordP <- function(eta, theta, L) {
  J <- length(theta) + 1; th <- c(-Inf, theta, Inf)
  matrix(sapply(seq_len(J), function(j) ord_prob(th[j] - eta, th[j + 1] - eta, L)),
         nrow = length(eta))
}
## dP_j/deta = -(f(b_j) - f(a_j)), n x J
ordD <- function(eta, theta, L) {
  J <- length(theta) + 1; th <- c(-Inf, theta, Inf)
  f <- function(u) { r <- L$f(u); r[!is.finite(u)] <- 0; r }
  matrix(sapply(seq_len(J), function(j) -(f(th[j + 1] - eta) - f(th[j] - eta))),
         nrow = length(eta))
}

run_case <- function(cs) {
  d <- cs$data; w <- if (is.null(cs$weights)) rep(1, nrow(d)) else d[[cs$weights]]
  L <- LINKS[[cs$link]]
  rhs <- delete.response(terms(cs$formula))
  xlev <- lapply(d[sapply(d, is.factor)], levels)
  xlev <- xlev[intersect(names(xlev), all.vars(rhs))]
  d$.w <- w
  ordinal <- cs$family == "ordinal"
  mm <- function(nd) {
    X <- model.matrix(rhs, model.frame(rhs, nd, xlev = xlev))
    if (ordinal) X[, -1, drop = FALSE] else X
  }
  X <- mm(d)
  assign <- attr(model.matrix(rhs, model.frame(rhs, d, xlev = xlev)), "assign")
  if (ordinal) assign <- assign[-1]
  p <- ncol(X)
  resp <- all.vars(cs$formula)[1]

  ## ---- fit
  if (!ordinal) {
    y <- as.numeric(d[[resp]] == cs$event)
    g <- glm(cs$formula, data = d, weights = .w, family = binomial(cs$link),
             control = glm.control(epsilon = 1e-14, maxit = 100))
    pol <- newton_polish(unname(coef(g)), function(b) bin_ll(b, X, y, w, cs$link),
                         function(b) list(grad = bin_grad(b, X, y, w, cs$link),
                                          hess = bin_hess(b, X, y, w, cs$link)))
    psi <- pol$par; V <- solve(-pol$hess); J <- 2; nout <- 1
    g$coefficients[] <- psi
    fit_note <- sprintf("glm + %d Newton steps, max|grad| %.2g", pol$steps, pol$grad_max)
  } else {
    y <- as.integer(d[[resp]]); J <- nlevels(d[[resp]]); nout <- J
    r <- fit_ordinal(cs$formula, d, cs$weights, cs$link, X, y, w, J,
                     coef_terms = colnames(X), thr_terms = paste0("t", 1:(J - 1)))
    psi <- r$psi; V <- r$vcov
    fit_note <- sprintf("clm + %d Newton steps, max|grad| %.2g", r$steps, r$grad_max)
  }
  k <- length(psi)
  prob <- function(psi, Xm) {            # n x nout
    eta <- drop(Xm %*% psi[seq_len(p)])
    if (ordinal) ordP(eta, psi[p + seq_len(J - 1)], L) else matrix(L$F(eta), ncol = 1)
  }
  dprob <- function(psi, Xm) {           # dP/deta, n x nout
    eta <- drop(Xm %*% psi[seq_len(p)])
    if (ordinal) ordD(eta, psi[p + seq_len(J - 1)], L) else matrix(L$f(eta), ncol = 1)
  }
  rich <- function(nd, v, h = 1e-3) {     # d design / d v
    D <- function(hh) { a <- nd; b <- nd; a[[v]] <- a[[v]] + hh; b[[v]] <- b[[v]] - hh
                        (mm(a) - mm(b)) / (2 * hh) }
    (4 * D(h / 2) - D(h)) / 3
  }
  vars <- cs$vars
  is_cat <- sapply(vars, function(v) is.factor(d[[v]]))

  ## ---- entries: terms, per-entry designs
  terms_out <- character(0); outcome_out <- character(0)
  blocks <- list()
  for (v in vars) {
    if (is_cat[[v]]) {
      levs <- levels(d[[v]])
      for (l in levs[-1]) blocks[[length(blocks) + 1]] <- list(v = v, level = l, term = sprintf("%s[%s]", v, l))
    } else blocks[[length(blocks) + 1]] <- list(v = v, level = NULL, term = v)
  }
  for (b in blocks) {
    terms_out <- c(terms_out, rep(b$term, nout))
    outcome_out <- c(outcome_out, if (ordinal) levels(d[[resp]]) else rep("", 1))
  }
  ## AME: precompute designs
  pre <- lapply(blocks, function(b) {
    if (is.null(b$level)) list(X = X, dX = rich(d, b$v))
    else { a <- d; r0 <- d; a[[b$v]] <- factor(b$level, levels(d[[b$v]]))
           r0[[b$v]] <- factor(levels(d[[b$v]])[1], levels(d[[b$v]]))
           list(X1 = mm(a), X0 = mm(r0)) }
  })
  effects <- function(psi, pre, w) {
    beta <- psi[seq_len(p)]
    unlist(lapply(seq_along(blocks), function(i) {
      q <- pre[[i]]
      if (is.null(blocks[[i]]$level)) {
        gg <- drop(q$dX %*% beta)
        apply(dprob(psi, q$X) * gg, 2, wmean, w = w)
      } else apply(prob(psi, q$X1) - prob(psi, q$X0), 2, wmean, w = w)
    }))
  }
  ame <- effects(psi, pre, w)
  Jac <- numDeriv::jacobian(function(s) effects(s, pre, w), psi)
  ame_se <- sqrt(diag(Jac %*% V %*% t(Jac)))

  ## cross-check: d/d delta of the weighted mean of predict() with v shifted
  xc <- sapply(vars[!is_cat], function(v) {
    m <- function(delta) { a <- d; a[[v]] <- a[[v]] + delta; colSums(w * prob(psi, mm(a))) / sum(w) }
    numDeriv::jacobian(m, 0)[, 1]
  })
  ame_num <- unlist(lapply(seq_along(blocks), function(i) if (is.null(blocks[[i]]$level)) NULL else
    ame[(i - 1) * nout + seq_len(nout)]))
  num_idx <- unlist(lapply(seq_along(blocks), function(i) if (is.null(blocks[[i]]$level))
    (i - 1) * nout + seq_len(nout) else NULL))
  d_fd <- if (length(num_idx)) digits_agree(as.numeric(xc), ame[num_idx]) else NA
  xc_pred <- NA
  if (!ordinal) {          # R's own predict() on the polished glm
    xc_pred <- digits_agree(as.numeric(sapply(vars[!is_cat], function(v) {
      m <- function(delta) { a <- d; a[[v]] <- a[[v]] + delta
        wmean(predict(g, newdata = a, type = "response"), w) }
      numDeriv::grad(m, 0) })), ame[num_idx])
  }

  ## ---- MEM: mean row by full enumeration of the categorical levels
  cats <- vars[is_cat]; nums <- vars[!is_cat]
  props <- lapply(cats, function(v) tapply(w, d[[v]], sum) / sum(w)); names(props) <- cats
  base <- d[1, , drop = FALSE]
  for (v in nums) base[[v]] <- wmean(d[[v]], w)
  mean_row <- function(fixed = NULL, level = NULL, dvar = NULL) {
    free <- setdiff(cats, fixed)
    grid <- if (length(free)) expand.grid(lapply(free, function(v) levels(d[[v]])),
                                          stringsAsFactors = FALSE) else data.frame(x = 1)[, 0, drop = FALSE]
    if (length(free)) names(grid) <- free
    acc <- 0; nr <- max(1, nrow(grid))
    for (r in seq_len(nr)) {
      nd <- base; wt <- 1
      for (v in free) { nd[[v]] <- factor(grid[r, v], levels(d[[v]])); wt <- wt * props[[v]][[grid[r, v]]] }
      if (!is.null(fixed)) nd[[fixed]] <- factor(level, levels(d[[fixed]]))
      acc <- acc + wt * (if (is.null(dvar)) mm(nd) else rich(nd, dvar))
    }
    acc
  }
  pre_mem <- lapply(blocks, function(b) {
    if (is.null(b$level)) list(X = mean_row(), dX = mean_row(dvar = b$v))
    else list(X1 = mean_row(b$v, b$level), X0 = mean_row(b$v, levels(d[[b$v]])[1]))
  })
  mem <- effects(psi, pre_mem, 1)
  Jm <- numDeriv::jacobian(function(s) effects(s, pre_mem, 1), psi)
  mem_se <- sqrt(diag(Jm %*% V %*% t(Jm)))

  ## ---- at()
  a <- d
  for (nm in names(cs$at)) {
    a[[nm]] <- if (is.factor(d[[nm]])) factor(cs$at[[nm]], levels(d[[nm]])) else cs$at[[nm]]
  }
  Xa <- mm(a)
  at_fun <- function(s) apply(prob(s, Xa), 2, wmean, w = w)
  at_est <- at_fun(psi)
  Ja <- numDeriv::jacobian(at_fun, psi)
  at_se <- sqrt(diag(Ja %*% V %*% t(Ja)))
  xc_at <- NA
  if (!ordinal) xc_at <- digits_agree(wmean(predict(g, newdata = a, type = "response"), w), at_est)

  ## ---- Wald by variable
  labels <- attr(terms(cs$formula), "term.labels")
  wald <- t(sapply(vars, function(v) {
    tk <- which(sapply(labels, function(l) v %in% all.vars(str2lang(l))))
    S <- which(assign %in% tk)
    b <- psi[S]; chi2 <- drop(t(b) %*% solve(V[S, S], b))
    c(chi2 = chi2, df = length(S), p = pchisq(chi2, length(S), lower.tail = FALSE))
  }))
  xc_lh <- NA; xc_anova <- NA
  if (!ordinal) {
    lh <- sapply(vars, function(v) {
      tk <- which(sapply(labels, function(l) v %in% all.vars(str2lang(l))))
      S <- which(assign %in% tk)
      linearHypothesis(g, names(coef(g))[S], vcov. = V, test = "Chisq")$Chisq[2]
    })
    xc_lh <- digits_agree(lh, wald[, "chi2"])
    ## car::Anova type II Wald for the variables in a single term
    av <- tryCatch(Anova(g, type = 2, test.statistic = "Wald", vcov. = V), error = function(e) NULL)
    single <- vars[sapply(vars, function(v) {
      tl <- labels[sapply(labels, function(l) v %in% all.vars(str2lang(l)))]
      length(tl) == 1 && tl == v })]
    if (!is.null(av) && length(single)) {
      rn <- rownames(av)
      xc_anova <- sprintf("car::Anova(type = 2, test.statistic = 'Wald', vcov. = V) vs ours for %s: %d digits",
                          paste(single, collapse = ", "),
                          digits_agree(av[match(single, rn), "Chisq"], wald[single, "chi2"]))
    }
  }
  list(ame = ame, ame_se = ame_se, mem = mem, mem_se = mem_se, terms = terms_out,
       outcomes = outcome_out, at_est = at_est, at_se = at_se, wald = wald,
       d_fd = d_fd, xc_pred = xc_pred, xc_at = xc_at, xc_lh = xc_lh, xc_anova = xc_anova,
       fit_note = fit_note, d_mem_vs_ame = NA,
       d_se_jac = NA)
}

## ---- the cases
mroz <- read.csv(file.path(CONF_DIR, "mroz.csv"), stringsAsFactors = TRUE)
soup <- read.csv(file.path(CONF_DIR, "soup.csv"), stringsAsFactors = TRUE)
soup$SURENESS <- factor(soup$SURENESS, levels = 1:6)
housing <- read.csv(file.path(CONF_DIR, "housing.csv"), stringsAsFactors = TRUE)
housing$Sat <- factor(housing$Sat, levels = c("Low", "Medium", "High"))

cases <- list(
  A = list(data = mroz, family = "binary", link = "probit", event = "yes",
           formula = lfp ~ k5 + age + I(age^2) + k5:age + wc * lwg + log(inc + 1) + hc,
           ftext = "lfp ~ k5 + age + I(age^2) + k5:age + wc*lwg + log(inc + 1) + hc",
           vars = c("k5", "age", "wc", "lwg", "inc", "hc"),
           at = list(age = 30, wc = "yes"), at_spec = "age=30,wc=yes"),
  B = list(data = soup, family = "ordinal", link = "cloglog",
           formula = SURENESS ~ PROD * EASY + log(EASY) + GENDER + DAY,
           ftext = "SURENESS ~ PROD*EASY + log(EASY) + GENDER + DAY",
           vars = c("PROD", "EASY", "GENDER", "DAY"),
           at = list(EASY = 5, PROD = "Test"), at_spec = "EASY=5,PROD=Test"),
  C = list(data = housing, family = "ordinal", link = "logit", weights = "Freq",
           formula = Sat ~ Infl + Type + Cont, ftext = "Sat ~ Infl + Type + Cont",
           vars = c("Infl", "Type", "Cont"),
           at = list(Infl = "High", Cont = "Low"), at_spec = "Infl=High,Cont=Low")
)
res <- lapply(cases, run_case)

header_open("PARTREG_REF_MARGINS_CASES_H", c(
  "Reference values: marginal effects, predictive margins, Wald tests by variable.",
  "Generated by: Rscript tests/ref/margins_cases.R > tests/ref/ref_margins_cases.h",
  paste0("Software: ", pkg_versions(c("MASS", "ordinal", "numDeriv", "carData", "car"))),
  "Data: /work/shared/conformance/cases/{mroz,soup,housing}.csv (copies in tests/data/).",
  "Method (independent of the C code): model.matrix() design rows; d(design)/dv by",
  "  Richardson-extrapolated central differences (h = 1e-3, 5e-4); AME = weighted mean of",
  "  f(eta) beta'dX (ordinal: -(f(b_j) - f(a_j)) beta'dX) or of P(V=L) - P(V=ref);",
  "  SE = sqrt(diag(J V J')), J = numDeriv::jacobian over (coefficients, thresholds),",
  "  V = inverse observed information at the Newton-polished maximum.",
  "MEM: mean row = sum over EVERY combination of the categorical levels of",
  "  prod(weighted proportions) * model.matrix(numerics at weighted means) (Stata atmeans).",
  "at(): weighted mean of P over the rows with the variables set.",
  "Wald by variable: b_S' V_SS^-1 b_S over the columns of every term containing the variable.",
  "Entries are in partreg's order (variables by first appearance, levels, outcome levels).",
  "Significant digits: ~10 (numDeriv Jacobian); suggested tolerance 1e-7 relative."))
for (nm in names(cases)) {
  cs <- cases[[nm]]; r <- res[[nm]]; pre <- paste0("ref_", nm, "_")
  emit("")
  emit("/* ==================== case ", nm, ": ", cs$ftext, " (", cs$family, " ", cs$link,
       if (!is.null(cs$weights)) paste0(", weights ", cs$weights) else "", ") ==================== */")
  emit_comment(c(r$fit_note,
    if (!is.na(r$d_fd)) sprintf("AME of numeric variables vs numDeriv::jacobian of the weighted mean probability under a shift: %d digits", r$d_fd),
    if (!is.na(r$xc_pred)) sprintf("AME vs numDeriv::grad of mean(predict(glm, type = 'response')): %d digits", r$xc_pred),
    if (!is.na(r$xc_at)) sprintf("at() vs mean(predict(glm, newdata, type = 'response')): %d digits", r$xc_at),
    if (!is.na(r$xc_lh)) sprintf("Wald: car::linearHypothesis(test = 'Chisq', vcov. = V) vs b'V^-1 b: %d digits", r$xc_lh),
    if (!is.na(r$xc_anova)) r$xc_anova))
  emit("static const char *const ", pre, "formula = \"", cs$ftext, "\";")
  emit("static const char *const ", pre, "link = \"", cs$link, "\";")
  emit_strings(paste0(pre, "term"), r$terms)
  emit_strings(paste0(pre, "outcome"), r$outcomes, "outcome level (\"\" = binary, outcome NULL)")
  emit_array(paste0(pre, "ame"), r$ame, "AME estimates")
  emit_array(paste0(pre, "ame_se"), r$ame_se, "AME delta-method SEs")
  emit_array(paste0(pre, "mem"), r$mem, "MEM estimates (atmeans)")
  emit_array(paste0(pre, "mem_se"), r$mem_se, "MEM SEs")
  emit("static const char *const ", pre, "at_spec = \"", cs$at_spec, "\";")
  emit_array(paste0(pre, "at"), r$at_est, "at() margins (one per outcome level)")
  emit_array(paste0(pre, "at_se"), r$at_se, "at() SEs")
  emit_strings(paste0(pre, "wald_var"), rownames(r$wald))
  emit_array(paste0(pre, "wald_chi2"), r$wald[, "chi2"], "Wald chi2 by variable")
  emit_array(paste0(pre, "wald_df"), r$wald[, "df"], "df")
  emit_array(paste0(pre, "wald_p"), r$wald[, "p"], "p-values")
}
header_close("PARTREG_REF_MARGINS_CASES_H")
