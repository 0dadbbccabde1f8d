# Small closed-form and edge-case references.  Usage (repository root):
#   Rscript tests/ref/edge.R > tests/ref/ref_edge.h
script_dir <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
source(file.path(script_dir, "common.R"))

## ---------------------------------------------------------------- (a) 2x2
## rows (x, y, count): the saturated model y ~ x on a 2x2 table.
tab_x <- c(0, 0, 1, 1); tab_y <- c(0, 1, 0, 1); tab_n <- c(30, 10, 15, 25)
n0 <- tab_n[1] + tab_n[2]; n1 <- tab_n[3] + tab_n[4]
p0 <- tab_n[2] / n0; p1 <- tab_n[4] / n1            # observed proportions
Xt <- cbind(1, tab_x)
sat <- list()
for (link in c("logit", "probit", "cloglog", "cauchit")) {
  qf <- switch(link, logit = qlogis, probit = qnorm, cauchit = qcauchy,
               cloglog = function(p) log(-log1p(-p)))
  b <- c(qf(p0), qf(p1) - qf(p0))                     # closed form
  L <- LINKS[[link]]
  ## observed = expected information at a saturated maximum (fitted = observed),
  ## var(eta_g) = p(1-p) / (n_g f(eta_g)^2)
  v0 <- p0 * (1 - p0) / (n0 * L$f(b[1])^2)
  v1 <- p1 * (1 - p1) / (n1 * L$f(b[1] + b[2])^2)
  se <- c(sqrt(v0), sqrt(v0 + v1))
  ll <- sum(tab_n * log(ifelse(tab_y == 1, c(p0, p0, p1, p1), 1 - c(p0, p0, p1, p1))))
  ## glm's default start (mustart from the 0/1 rows) sends IRLS off for
  ## cloglog and cauchit on these weighted rows (slope ~1e14); start at 0.
  g_default <- suppressWarnings(glm(tab_y ~ tab_x, family = binomial(link), weights = tab_n,
                                    control = glm.control(epsilon = 1e-14, maxit = 200)))
  g <- glm(tab_y ~ tab_x, family = binomial(link), weights = tab_n, start = c(0, 0),
           control = glm.control(epsilon = 1e-14, maxit = 200))
  se_obs <- sqrt(diag(solve(-bin_hess(b, Xt, tab_y, tab_n, link))))
  sat[[link]] <- list(b = b, se = se, ll = ll,
                      d_glm = digits_agree(unname(coef(g)), b),
                      d_glm_se = digits_agree(sqrt(diag(summary(g)$cov.unscaled)), se),
                      d_hess = digits_agree(se_obs, se),
                      d_ll = digits_agree(as.numeric(logLik(g)), ll),
                      grad = max(abs(bin_grad(b, Xt, tab_y, tab_n, link))),
                      default_slope = unname(coef(g_default)[2]),
                      default_conv = g_default$converged)
}
## the logit slope is the log odds ratio
lor <- log(tab_n[1] * tab_n[4] / (tab_n[2] * tab_n[3]))
stopifnot(abs(sat$logit$b[2] - lor) < 1e-14)

## ---------------------------------------------------------------- (b) separation
glm_sep <- function(x, y) {
  warn <- character(0)
  g <- withCallingHandlers(
    glm(y ~ x, family = binomial, control = glm.control(epsilon = 1e-14, maxit = 200)),
    warning = function(w) { warn <<- c(warn, conditionMessage(w)); invokeRestart("muffleWarning") })
  list(g = g, warn = unique(warn))
}
cs_x <- c(1, 2, 3, 4, 5, 6); cs_y <- c(0, 0, 0, 1, 1, 1)             # complete
qs_x <- c(1, 2, 3, 3, 4, 5); qs_y <- c(0, 0, 0, 1, 1, 1)             # quasi (tie at 3)
qd_x <- c(0, 0, 0, 0, 1, 1, 1); qd_y <- c(0, 0, 1, 1, 1, 1, 1)       # quasi, dummy
cs <- glm_sep(cs_x, cs_y); qs <- glm_sep(qs_x, qs_y); qd <- glm_sep(qd_x, qd_y)
## limits of the fitted probabilities and supremum of the log-likelihood
cs_lim <- cs_y;                qs_lim <- c(0, 0, 0.5, 0.5, 1, 1)
qd_lim <- c(0.5, 0.5, 0.5, 0.5, 1, 1, 1)
sup_ll <- function(lim, y) sum(ifelse(lim %in% c(0, 1), 0, log(0.5)))
sep_desc <- function(r, name, lim) c(
  sprintf("%s: glm(y ~ x, binomial, epsilon 1e-14, maxit 200): converged = %s, iterations = %d,",
          name, r$g$converged, r$g$iter),
  sprintf("  coef = (%s), SE = (%s)",
          paste(sprintf("%.4g", coef(r$g)), collapse = ", "),
          paste(sprintf("%.4g", sqrt(diag(summary(r$g)$cov.unscaled))), collapse = ", ")),
  sprintf("  warnings: %s", if (length(r$warn)) paste0("\"", r$warn, "\"", collapse = "; ") else "none"),
  sprintf("  fitted = (%s)", paste(sprintf("%.3g", fitted(r$g)), collapse = ", ")),
  sprintf("  max |fitted - limit| = %.3g; deviance = %.3g", max(abs(fitted(r$g) - lim)), deviance(r$g)))

## ordinal complete separation: x = 1..6, y codes 0,0,1,1,2,2
os_x <- 1:6; os_y <- c(0, 0, 1, 1, 2, 2)
os_warn <- character(0)
os_fit <- withCallingHandlers(
  tryCatch(clm(factor(os_y) ~ os_x, control = clm.control(gradTol = 1e-12, relTol = 1e-14, maxIter = 500)),
           error = function(e) { os_warn <<- c(os_warn, paste("error:", conditionMessage(e))); NULL }),
  warning = function(w) { os_warn <<- c(os_warn, conditionMessage(w)); invokeRestart("muffleWarning") })
os_desc <- if (is.null(os_fit)) paste("clm:", os_warn) else c(
  sprintf("ordinal separation: clm(factor(y) ~ x, tight control): convergence code %d, message \"%s\"",
          os_fit$convergence$code, paste(os_fit$convergence$messages, collapse = " ")),
  sprintf("  beta = %.4g, thresholds = (%s), logLik = %.3g; warnings: %s",
          os_fit$beta, paste(sprintf("%.4g", os_fit$alpha), collapse = ", "), os_fit$logLik,
          if (length(os_warn)) gsub("\\s+", " ", paste0("\"", unique(os_warn), "\"", collapse = "; ")) else "none"))

## ---------------------------------------------------------------- (c) J = 2
## Binary P(y=1) = F(b0 + x'b) vs ordinal J = 2: P(Y <= 0) = F(theta - x'beta),
## so P(Y = 1) = 1 - F(theta - x'beta). For a symmetric F (logit, probit,
## cauchit) this is F(x'beta - theta): beta equal, theta = -b0. For the
## asymmetric links 1 - F_cloglog(-u) = F_loglog(u): binary cloglog equals the
## ordinal loglog model (and binary loglog equals ordinal cloglog), again with
## beta equal and theta = -b0.
csv <- read.csv(file.path(CONF_DIR, "mroz.csv"), stringsAsFactors = FALSE)
Xm <- cbind(csv$k5, csv$k618, csv$age, as.numeric(csv$wc == "yes"),
            as.numeric(csv$hc == "yes"), csv$lwg, csv$inc)
ym <- as.numeric(csv$lfp == "yes"); wm <- rep(1, length(ym))
j2 <- list()
for (pair in list(c("logit", "logit"), c("probit", "probit"), c("cauchit", "cauchit"),
                  c("cloglog", "loglog"))) {
  bl <- pair[1]; ol <- pair[2]
  gb <- glm(ym ~ Xm, family = binomial(bl), control = glm.control(epsilon = 1e-14, maxit = 200))
  pb <- newton_polish(unname(coef(gb)), function(b) bin_ll(b, cbind(1, Xm), ym, wm, bl),
                      function(b) list(grad = bin_grad(b, cbind(1, Xm), ym, wm, bl),
                                       hess = bin_hess(b, cbind(1, Xm), ym, wm, bl)))
  seb <- sqrt(diag(solve(-pb$hess)))
  ## ordinal fit from the binary start mapped over, then polished
  yo <- ym + 1
  po <- newton_polish(c(pb$par[-1], -pb$par[1]),
                      function(s) ord_ll(s, Xm, yo, wm, 2, ol),
                      function(s) ord_grad_hess(s, Xm, yo, wm, 2, ol))
  ## and from clm's own fit (independent start)
  mo <- clm(factor(ym) ~ Xm, link = ol,
            control = clm.control(gradTol = 1e-12, relTol = 1e-14, maxIter = 500))
  seo <- sqrt(diag(solve(-po$hess)))
  j2[[bl]] <- list(ol = ol, theta = po$par[8], b0 = pb$par[1],
                   d_beta = digits_agree(po$par[1:7], pb$par[-1]),
                   d_theta = digits_agree(po$par[8], -pb$par[1]),
                   d_se = digits_agree(seo, c(seb[-1], seb[1])),
                   d_ll = digits_agree(ord_ll(po$par, Xm, yo, wm, 2, ol),
                                       bin_ll(pb$par, cbind(1, Xm), ym, wm, bl)),
                   d_clm = digits_agree(c(unname(mo$beta), unname(mo$alpha)), po$par))
}

## ---------------------------------------------------------------- output
guard <- "PARTREG_REF_EDGE_H"
header_open(guard, c(
  "Small closed-form and edge-case references.",
  "Generated by: Rscript tests/ref/edge.R > tests/ref/ref_edge.h",
  paste0("Software: ", pkg_versions())
))

emit("/* ---------------- (a) saturated 2x2 table ---------------- */")
emit_comment(c(
  "Rows (x, y) with case weights (counts); equivalently expand each row count times.",
  "Model y ~ x (intercept + x) is saturated: fitted = observed proportions",
  sprintf("  p0 = P(y=1 | x=0) = %g/%g, p1 = P(y=1 | x=1) = %g/%g.", tab_n[2], n0, tab_n[4], n1),
  "Closed form for every link: b0 = Finv(p0), b1 = Finv(p1) - Finv(p0).",
  "Logit: b1 = log odds ratio = log((30*25)/(10*15)) = log(5), b0 = log(10/30) = -log(3),",
  "  SE(b1) = sqrt(1/30 + 1/10 + 1/15 + 1/25), SE(b0) = sqrt(1/30 + 1/10).",
  "Other links: var(eta_g) = p_g(1-p_g) / (n_g f(eta_g)^2) (observed = expected",
  "  information at a saturated maximum); SE(b0) = sqrt(v0), SE(b1) = sqrt(v0 + v1).",
  "loglik = sum count * log(fitted prob of the observed y) (same for every link).",
  "Checks (digits): glm(y ~ x, binomial(L), weights = count, start = c(0, 0)) estimates / glm SE /",
  "  SE from our analytic observed Hessian / glm logLik:",
  sapply(names(sat), function(l) sprintf("  %s: %d / %d / %d / %d; max|grad| at closed form %.2g",
                                         l, sat[[l]]$d_glm, sat[[l]]$d_glm_se, sat[[l]]$d_hess,
                                         sat[[l]]$d_ll, sat[[l]]$grad)),
  "  (glm SE: 7-8 digits because glm's final weights lag one IRLS step.)",
  "NOTE: with glm's DEFAULT start these weighted 0/1 rows send IRLS astray:",
  sapply(names(sat), function(l) sprintf("  %s: default-start slope %.4g, converged = %s",
                                         l, sat[[l]]$default_slope, sat[[l]]$default_conv)),
  "  so a solver needs safe starting values (e.g. beta = 0 with step halving)."))
emit_array("edge_2x2_x", tab_x)
emit_array("edge_2x2_y", tab_y)
emit_array("edge_2x2_count", tab_n)
emit_scalar("edge_2x2_log_odds_ratio", lor, "= log(5)")
emit_scalar("edge_2x2_loglik", sat$logit$ll, "at the saturated maximum, every link")
emit_scalar("edge_2x2_null_loglik", {p <- sum(tab_n * tab_y) / sum(tab_n); sum(tab_n * (tab_y * log(p) + (1 - tab_y) * log1p(-p)))},
            "intercept only")
for (l in names(sat)) {
  emit_array(paste0("edge_2x2_", l, "_coef"), sat[[l]]$b, "(Intercept), x")
  emit_array(paste0("edge_2x2_", l, "_se"), sat[[l]]$se)
}
emit("")

emit("/* ---------------- (b) separation ---------------- */")
emit_comment(c(
  "No finite maximum exists in these data sets; the fit must report separation.",
  "The _limit arrays are the limits of the fitted probabilities along the path",
  "to the supremum of the likelihood; _sup_loglik is that supremum.",
  "What R says:",
  sep_desc(cs, "complete (cs)", cs_lim),
  sep_desc(qs, "quasi-complete, tie at x = 3 (qs)", qs_lim),
  sep_desc(qd, "quasi-complete, dummy x: every x = 1 has y = 1 (qd)", qd_lim),
  "  In qd the intercept stays finite (its limit is logit(2/4) = 0) while the",
  "  slope diverges to +inf.",
  os_desc,
  "  Ordinal (os): x = 1..6, y codes 0,0,1,1,2,2 is completely separated (beta -> +inf)."))
emit_array("edge_sep_complete_x", cs_x)
emit_array("edge_sep_complete_y", cs_y)
emit_array("edge_sep_complete_limit", cs_lim)
emit_scalar("edge_sep_complete_sup_loglik", 0)
emit_array("edge_sep_quasi_x", qs_x)
emit_array("edge_sep_quasi_y", qs_y)
emit_array("edge_sep_quasi_limit", qs_lim)
emit_scalar("edge_sep_quasi_sup_loglik", 2 * log(0.5))
emit_array("edge_sep_quasidummy_x", qd_x)
emit_array("edge_sep_quasidummy_y", qd_y)
emit_array("edge_sep_quasidummy_limit", qd_lim)
emit_scalar("edge_sep_quasidummy_sup_loglik", 4 * log(0.5))
emit_scalar("edge_sep_quasidummy_intercept_limit", 0)
emit_array("edge_sep_ordinal_x", os_x)
emit_array("edge_sep_ordinal_y", os_y, "level codes 0..2")
emit_scalar("edge_sep_ordinal_sup_loglik", 0)
emit("")

emit("/* ---------------- (c) J = 2 ordinal vs binary ---------------- */")
emit_comment(c(
  "Binary P(y=1) = F(b0 + x'b); ordinal J = 2: P(Y <= 0) = F(theta - x'beta), so",
  "  P(Y = 1) = 1 - F(theta - x'beta). Symmetric F (logit, probit, cauchit):",
  "  = F(x'beta - theta), hence beta = b and theta = -b0, same loglik, same SEs",
  "  (the SE of theta equals the SE of b0).",
  "  Asymmetric: 1 - F_cloglog(-u) = F_loglog(u), so the BINARY cloglog model is",
  "  the ORDINAL loglog model with J = 2 (theta = -b0, beta = b), and binary",
  "  loglog is ordinal cloglog.",
  "Checked on Mroz (lfp no < yes, columns k5..inc), both fits Newton-polished;",
  "  digits of agreement beta / theta vs -b0 / SEs / loglik / clm(J=2) vs ours:",
  sapply(names(j2), function(l) sprintf("  binary %s vs ordinal %s: %d / %d / %d / %d / %d",
                                         l, j2[[l]]$ol, j2[[l]]$d_beta, j2[[l]]$d_theta,
                                         j2[[l]]$d_se, j2[[l]]$d_ll, j2[[l]]$d_clm)),
  "  (clm's cauchit differs: finite outer stand-ins +-1e5; see ref_housing.h.)",
  "The thresholds below are the ordinal J = 2 fits; compare with -mroz_<link>_coef[0]",
  "  in ref_mroz.h."))
for (l in names(j2))
  emit_scalar(sprintf("edge_j2_mroz_%s_theta", j2[[l]]$ol), j2[[l]]$theta,
              sprintf("ordinal %s, J = 2, Mroz = -(binary %s intercept)", j2[[l]]$ol, l))
header_close(guard)
