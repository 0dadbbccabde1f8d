## Reference values for tests/test_margins_grid.c: predictive margins over
## at-grids (full grids, last variable fastest) and --over groups, their
## contrasts, probability intervals on the link scale and by the delta
## method, and row predictions with standard errors.
##
##   Rscript tests/ref/margins_grid.R > tests/ref/ref_margins_grid.h
##
## Independent of the C code: design rows from R's model.matrix() on the
## data with the variables set (counterfactual rows, as Stata's margins,
## at() and marginaleffects' datagrid(grid_type = "counterfactual")); the
## gradient of each margin over the parameters by numDeriv::jacobian();
## V = inverse observed information of the Newton-polished fit (common.R).
## Link-scale interval of a probability P with SE s: F(F^-1(P) -+ q s /
## f(F^-1(P))); for one binary row this is R's predict(type = "link",
## se.fit = TRUE) mapped through F, which the script checks. Cross-check:
## emmeans 1.8.4 with counterfactuals (G-computation) for the binary grid.
source("tests/ref/common.R")
suppressPackageStartupMessages(library(emmeans))

d <- read.csv("examples/data/participation_survey.csv", stringsAsFactors = FALSE)
d$education <- factor(d$education, levels = c("primary", "secondary", "tertiary"))
d$insured <- factor(d$insured, levels = c("no", "yes"))
d$gender <- factor(d$gender, levels = c("female", "male"))
d$participated <- as.numeric(d$participated == "yes")
q <- qnorm(0.975)
n <- nrow(d)

## predictions P (n x nout) of data nd at parameters psi
setv <- function(nd, cell) {
  for (v in names(cell)) {
    if (is.factor(d[[v]])) nd[[v]] <- factor(cell[[v]], levels = levels(d[[v]]))
    else nd[[v]] <- cell[[v]]
  }
  nd
}

run_case <- function(name, formula, family, link, grid, over = NULL, rows = 1:5) {
  rhs <- delete.response(terms(formula))
  fv <- intersect(all.vars(rhs), names(d)[sapply(d, is.factor)])
  xlev <- lapply(d[fv], levels)
  mm <- function(nd) {
    X <- model.matrix(rhs, model.frame(rhs, nd, xlev = xlev))
    if (family == "ordinal") X[, -1, drop = FALSE] else X
  }
  X <- mm(d)
  p <- ncol(X)
  L <- LINKS[[link]]
  if (family == "binary") {
    y <- d$participated; w <- rep(1, n)
    g <- glm(formula, data = d, family = binomial(link),
             control = glm.control(epsilon = 1e-14, maxit = 100))
    pol <- newton_polish(unname(coef(g)), function(b) bin_ll(b, X, y, w, link),
                         function(b) list(grad = bin_grad(b, X, y, w, link),
                                          hess = bin_hess(b, X, y, w, link)))
    psi <- pol$par; V <- solve(-pol$hess); J <- 2; nout <- 1
    levs <- c("no", "yes")
    prob <- function(psi, Xm) matrix(L$F(drop(Xm %*% psi)), ncol = 1)
  } else {
    yv <- factor(d$willingness, levels = 1:5)
    y <- as.integer(yv); w <- rep(1, n); J <- 5; nout <- J
    dd <- d; dd$willingness <- yv
    r <- fit_ordinal(formula, dd, NULL, link, X, y, w, J,
                     coef_terms = colnames(X), thr_terms = paste0("t", 1:(J - 1)))
    psi <- r$psi; V <- r$vcov
    levs <- as.character(1:5)
    prob <- function(psi, Xm) {
      eta <- drop(Xm %*% psi[seq_len(p)]); th <- c(-Inf, psi[p + 1:(J - 1)], Inf)
      sapply(1:J, function(j) ord_prob(th[j] - eta, th[j + 1] - eta, L))
    }
  }
  ## cells of the grid: last clause fastest
  cells <- expand.grid(rev(grid), stringsAsFactors = FALSE)[, rev(names(grid)), drop = FALSE]
  groups <- if (is.null(over)) list(all = seq_len(n)) else
    lapply(levels(d[[over]]), function(l) which(d[[over]] == l))
  G <- length(groups); C <- nrow(cells)
  Xc <- lapply(seq_len(C), function(c) mm(setv(d, as.list(cells[c, , drop = FALSE]))))
  est <- c(); jac <- NULL
  for (gi in seq_len(G)) for (c in seq_len(C)) {
    f <- function(s) colMeans(prob(s, Xc[[c]][groups[[gi]], , drop = FALSE]))
    est <- c(est, f(psi))
    jac <- rbind(jac, numDeriv::jacobian(f, psi))
  }
  se <- sqrt(rowSums((jac %*% V) * jac))
  u <- L_q <- NULL
  qf <- switch(link, logit = qlogis, probit = qnorm)
  link_lo <- L$F(qf(est) - q * se / L$f(qf(est)))
  link_hi <- L$F(qf(est) + q * se / L$f(qf(est)))
  ## contrasts: across cells within each group (reference), or across groups
  ## (pairwise) when there is one cell
  con <- NULL
  if (C > 1) {
    for (gi in seq_len(G)) for (c in 2:C) for (o in seq_len(nout)) {
      ia <- ((gi - 1) * C + 0) * nout + o; ib <- ((gi - 1) * C + c - 1) * nout + o
      gd <- jac[ib, ] - jac[ia, ]
      con <- rbind(con, c(est[ib] - est[ia], sqrt(drop(gd %*% V %*% gd))))
    }
  } else {
    for (a in 1:(G - 1)) for (b in (a + 1):G) for (o in seq_len(nout)) {
      gd <- jac[(b - 1) * nout + o, ] - jac[(a - 1) * nout + o, ]
      con <- rbind(con, c(est[(b - 1) * nout + o] - est[(a - 1) * nout + o],
                          sqrt(drop(gd %*% V %*% gd))))
    }
  }
  ## row predictions: every level, SE, link and delta intervals
  Xr <- X[rows, , drop = FALSE]
  rp <- c(); rse <- c(); rlo <- c(); rhi <- c()
  for (i in seq_along(rows)) {
    f <- function(s) { P <- prob(s, Xr[i, , drop = FALSE]); if (nout == 1) c(1 - P, P) else P }
    P <- f(psi); Jm <- numDeriv::jacobian(f, psi)
    s <- sqrt(rowSums((Jm %*% V) * Jm))
    rp <- c(rp, P); rse <- c(rse, s)
    rlo <- c(rlo, L$F(qf(P) - q * s / L$f(qf(P)))); rhi <- c(rhi, L$F(qf(P) + q * s / L$f(qf(P))))
  }
  eta_rows <- drop(Xr %*% psi[seq_len(p)])
  xv <- Xr %*% V[seq_len(p), seq_len(p)]
  eta_se <- sqrt(rowSums(xv * Xr))
  notes <- sprintf("%s: %s (%s %s), %d cells x %d groups; fit: %d Newton steps", name,
                   deparse(formula), family, link, C, G,
                   if (family == "binary") pol$steps else r$steps)
  if (family == "binary" && link == "logit") {
    ## R's own link-scale route for one row: predict(type = "link", se.fit = TRUE)
    g$coefficients[] <- psi
    pr <- predict(g, newdata = d[rows, ], type = "link", se.fit = TRUE)
    V_glm <- vcov(g)
    agree <- digits_agree(L$F(pr$fit + q * pr$se.fit), rhi[seq(2, 2 * length(rows), 2)])
    notes <- c(notes, sprintf("  predict(glm, type = 'link', se.fit = TRUE) through plogis: %s digits (logit: glm's vcov is the observed information)",
                              agree))
  }
  list(name = name, est = est, se = se, link_lo = link_lo, link_hi = link_hi,
       delta_lo = est - q * se, delta_hi = est + q * se, con = con,
       rp = rp, rse = rse, rlo = rlo, rhi = rhi, eta = eta_rows, eta_se = eta_se,
       notes = notes, g = if (family == "binary") g else NULL)
}

cases <- list(
  run_case("bin_grid", participated ~ social_capital + age + insured + education, "binary", "logit",
           list(age = c(20, 40, 60, 80), insured = c("yes", "no"))),
  run_case("bin_over", participated ~ social_capital + age + insured + education, "binary", "logit",
           list(age = c(30, 60)), over = "gender"),
  run_case("bin_over_only", participated ~ social_capital + age + insured + education, "binary",
           "logit", list(insured = "yes"), over = "education"),
  run_case("probit_grid", participated ~ social_capital + age + insured, "binary", "probit",
           list(social_capital = c(-3, 0, 3))),
  run_case("ord_grid", willingness ~ social_capital + age + insured, "ordinal", "logit",
           list(age = c(20, 50, 80)), rows = 1:3),
  run_case("ord_over", willingness ~ social_capital + age + insured, "ordinal", "logit",
           list(social_capital = 1), over = "education", rows = 1:3)
)

## emmeans cross-check of the binary grid (G-computation over the rows)
em_note <- tryCatch({
  g <- cases[[1]]$g
  em <- emmeans(g, ~ insured | age, at = list(age = c(20, 40, 60, 80)),
                counterfactuals = c("age", "insured"), regrid = "response", rg.limit = 20000)
  s <- as.data.frame(summary(em))
  ours <- cases[[1]]$est
  theirs <- sapply(seq_along(ours), function(k) {
    age <- c(20, 20, 40, 40, 60, 60, 80, 80)[k]; ins <- rep(c("yes", "no"), 4)[k]
    s$prob[s$age == age & s$insured == ins]
  })
  sprintf("emmeans %s counterfactuals (bin_grid): estimates %d digits", packageVersion("emmeans"),
          digits_agree(theirs, ours))
}, error = function(e) paste("emmeans counterfactuals cross-check not run:",
                              gsub("\n", " ", conditionMessage(e))))

header_open("PARTREG_REF_MARGINS_GRID_H", c(
  "Predictive margins over at-grids and groups, contrasts, probability intervals",
  "and row predictions: tests/ref/margins_grid.R (see its header for the method).",
  pkg_versions(c("MASS", "ordinal", "numDeriv", "emmeans")),
  "Data: examples/data/participation_survey.csv (2000 rows).",
  unlist(lapply(cases, function(c) c$notes)), em_note,
  "Tolerances: estimates 1e-9 relative; SEs and intervals 1e-6 (numDeriv's Jacobian)."))
for (c in cases) {
  emit_array(paste0(c$name, "_est"), c$est)
  emit_array(paste0(c$name, "_se"), c$se)
  emit_array(paste0(c$name, "_link_lo"), c$link_lo)
  emit_array(paste0(c$name, "_link_hi"), c$link_hi)
  emit_array(paste0(c$name, "_delta_lo"), c$delta_lo)
  emit_array(paste0(c$name, "_con_est"), c$con[, 1])
  emit_array(paste0(c$name, "_con_se"), c$con[, 2])
  emit_array(paste0(c$name, "_row_p"), c$rp)
  emit_array(paste0(c$name, "_row_se"), c$rse)
  emit_array(paste0(c$name, "_row_lo"), c$rlo)
  emit_array(paste0(c$name, "_row_hi"), c$rhi)
  emit_array(paste0(c$name, "_eta"), c$eta)
  emit_array(paste0(c$name, "_eta_se"), c$eta_se)
}
header_close("PARTREG_REF_MARGINS_GRID_H")
