# Reference values: goodness-of-fit tests of a proportional-odds logit fit.
#   Rscript tests/ref/gof.R > tests/ref/ref_gof.h
# Implemented here from the published definitions (R's generalhoslem and
# gofcat packages implement them but are not in Debian; when their sources are
# found under /work/.mirror the script also runs them for a cross-check and
# says so in the header):
#
# Common: the fitted PO model gives P_ij = P(Y_i = j), j = 1..c; the ORDINAL
# SCORE is s_i = sum_j j P_ij (Fagerland & Hosmer 2013, Statistics in
# Medicine 32:2235; Lipsitz, Fitzmaurice & Molenberghs 1996, Applied
# Statistics 45:175 group on the same ordering, which for a PO model is the
# order of x'beta).
# Groups (HL and Lipsitz): rows sorted by s_i (ties by the observed category,
# then by row order: gofcat's rule; the data here have no tied scores across
# a group boundary, which the header reports), g = 10 groups by rank:
# the row of rank r (1..n) is in group ceiling(r g / n) (sizes floor(n/g) or
# ceiling(n/g)).
#
# 1. Ordinal Hosmer-Lemeshow (Fagerland & Hosmer 2013; 2016, J Stat Comput
#    Simul 86:3398; 2017, Stata Journal 17:668): O_kj = number of rows of
#    group k in category j, E_kj = sum over group k of P_ij;
#    C = sum_k sum_j (O_kj - E_kj)^2 / E_kj,
#    df = (g - 2)(c - 1) + (c - 2).
# 2. Lipsitz test (Lipsitz et al. 1996): add the indicators of groups
#    2..g to the linear predictor, P(Y <= j) = F(theta_j - x'beta - sum_k
#    I_k gamma_k), refit; LR = 2 (ll_augmented - ll), df = g - 1 (the LR
#    form, as Fagerland & Hosmer's ologitgof and both R packages; the score
#    statistic U'I^-1U at the fitted model, which Lipsitz et al. also give,
#    is emitted as well).
# 3. Pulkstenis-Robinson (2004, Statistics in Medicine 23:999): covariate
#    patterns = the distinct combinations of the CATEGORICAL covariates
#    (I patterns); each pattern is split by the median of s_i within it
#    (s_i <= median: first half, > median: second half), giving 2I rows;
#    O and E as above on those rows;
#    chi2 = sum (O - E)^2 / E,  deviance = 2 sum O log(O / E) (0 log 0 = 0),
#    df = (2I - 1)(c - 1) - k - 1, k = number of categorical covariates
#    (the df of Pulkstenis & Robinson as given by Fagerland & Hosmer 2016 and
#    used by gofcat and generalhoslem).
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "ordext_common.R"))

G <- 10L

gof_all <- function(d, yname, rhs, catvars, g = G) {
  yf <- d[[yname]]; y <- as.integer(yf); J <- nlevels(yf); n <- nrow(d)
  D <- contract_design(rhs, d); X <- D$X; Z0 <- matrix(0, n, 0); Xn0 <- matrix(0, n, 0)
  m0 <- clm(as.formula(paste(yname, "~", rhs_text(rhs))), data = d, link = "logit", control = CLM_CTL)
  fit <- ext_fit(c(unname(m0$beta), unname(m0$alpha)), X, Xn0, Z0, y, rep(1, n), J, "logit")
  p <- ncol(X); beta <- fit$phi[seq_len(p)]; theta <- fit$phi[p + seq_len(J - 1)]
  P <- ord_predict(drop(X %*% beta), theta, "logit")$probs
  s <- drop(P %*% seq_len(J))
  o <- order(s, y, seq_len(n))
  grp <- integer(n); grp[o] <- ceiling(seq_len(n) * g / n)
  ## ties of s across a group boundary
  srt <- s[o]; gs <- grp[o]
  bnd <- which(diff(gs) != 0)
  ties_at_boundary <- sum(abs(srt[bnd + 1] - srt[bnd]) <= 1e-12 * abs(srt[bnd]))
  ## 1. ordinal HL
  O <- t(sapply(seq_len(g), function(k) tabulate(y[grp == k], J)))
  E <- t(sapply(seq_len(g), function(k) colSums(P[grp == k, , drop = FALSE])))
  hl <- sum((O - E)^2 / E); hl_df <- (g - 2) * (J - 1) + (J - 2)
  ## 2. Lipsitz: indicators of groups 2..g
  Ig <- outer(grp, 2:g, `==`) * 1
  Xa <- cbind(X, Ig)
  fa <- ext_fit(c(beta, rep(0, g - 1), theta), Xa, Xn0, Z0, y, rep(1, n), J, "logit")
  lr <- 2 * (fa$loglik - fit$loglik)
  gh0 <- ext_grad_hess(c(beta, rep(0, g - 1), theta), Xa, Xn0, Z0, y, rep(1, n), J, "logit")
  sc <- drop(t(gh0$grad) %*% solve(-gh0$hess, gh0$grad))
  ## R's clm as a cross-check of the augmented fit
  da <- d; da$lz_grp <- factor(grp)
  ma <- clm(as.formula(paste(yname, "~", rhs_text(rhs), "+ lz_grp")), data = da, link = "logit", control = CLM_CTL)
  ## 3. Pulkstenis-Robinson
  pat <- interaction(d[catvars], drop = TRUE, lex.order = TRUE)
  med <- tapply(s, pat, median)
  half <- ifelse(s <= med[as.character(pat)], 1L, 2L)
  cell <- interaction(pat, half, drop = FALSE, lex.order = TRUE)
  Op <- t(sapply(levels(cell), function(k) tabulate(y[cell == k], J)))
  Ep <- t(sapply(levels(cell), function(k) colSums(P[cell == k, , drop = FALSE])))
  keep <- rowSums(Op) > 0
  I <- nlevels(pat)
  pr_chi <- sum(((Op - Ep)^2 / Ep)[keep, ])
  dv <- ifelse(Op > 0, Op * log(Op / Ep), 0)
  pr_dev <- 2 * sum(dv[keep, ])
  pr_df <- (2 * I - 1) * (J - 1) - length(catvars) - 1
  list(n = n, J = J, fit = fit, P = P, s = s, grp = grp, O = O, E = E,
       hl = hl, hl_df = hl_df, hl_p = pchisq(hl, hl_df, lower.tail = FALSE),
       lr = lr, lr_df = g - 1, lr_p = pchisq(lr, g - 1, lower.tail = FALSE),
       score = sc, score_p = pchisq(sc, g - 1, lower.tail = FALSE),
       lipsitz_clm_digits = digits_of(abs(2 * (ma$logLik - fit$loglik) - lr) / lr),
       lipsitz_aug_steps = fa$steps, lipsitz_aug_grad = fa$grad_max,
       I = I, empty_halves = sum(!keep), pr_chi = pr_chi, pr_dev = pr_dev, pr_df = pr_df,
       pr_chi_p = pchisq(pr_chi, pr_df, lower.tail = FALSE), pr_dev_p = pchisq(pr_dev, pr_df, lower.tail = FALSE),
       Op = Op, Ep = Ep, ties_at_boundary = ties_at_boundary, m0 = m0, catvars = catvars,
       group_sizes = tabulate(grp, g), fit_clm_digits = digits_of(max(abs(c(m0$beta, m0$alpha) - fit$phi) / abs(fit$phi))))
}

## ------------------------------------------------ optional cross-check with
## the generalhoslem and gofcat sources (run only when their git mirrors are
## present; never part of the reference values)
crosscheck_pkgs <- function(d, yname, rhs, catvars, r) {
  out <- character(0)
  gh <- "/work/.mirror/matthewjay15+generalhoslem/repo"; gc <- "/work/.mirror/ejikeugba+gofcat/repo"
  if (!dir.exists(gh) || !dir.exists(gc)) return("generalhoslem / gofcat sources not found: cross-check not run")
  suppressPackageStartupMessages({ library(reshape); library(epiR); library(stringr) })
  src_git <- function(repo, path, env) {
    tf <- tempfile(fileext = ".R"); system2("git", c("-C", repo, "show", paste0("HEAD:", path)), stdout = tf)
    sys.source(tf, envir = env)
  }
  e1 <- new.env(); for (f in c("R/logitgof.R", "R/lipsitz.test.R", "R/pulkrob.chisq.R", "R/pulkrob.deviance.R")) src_git(gh, f, e1)
  e2 <- new.env()
  fl <- system2("git", c("-C", gc, "ls-tree", "--name-only", "HEAD", "R/"), stdout = TRUE)
  for (f in fl) src_git(gc, f, e2)
  ## the clm fit in the global environment (the packages refit by update())
  assign("gof_d", d, envir = globalenv())
  m <- eval(bquote(clm(.(as.formula(paste(yname, "~", rhs_text(rhs)))), data = gof_d, link = "logit")), globalenv())
  assign("gof_m", m, envir = globalenv())
  yhat <- predict(m, newdata = d[, all.vars(rhs), drop = FALSE], type = "prob")$fit
  hl1 <- suppressWarnings(e1$logitgof(d[[yname]], yhat, g = G, ord = TRUE))
  out <- c(out, sprintf("generalhoslem 1.3.4 logitgof(ord = TRUE): chi2 %.10g df %d (groups: cut(1:n, %d) on the sorted score)",
                        hl1$statistic, hl1$parameter, G))
  lz1 <- tryCatch(suppressWarnings(e1$lipsitz.test(m, g = G)), error = function(e) e)
  if (!inherits(lz1, "error")) out <- c(out, sprintf("generalhoslem lipsitz.test: LR %.10g df %d (groups: quantile breaks of 1 - P(Y = 1))",
                                                      lz1$statistic, lz1$parameter))
  pc1 <- tryCatch(suppressWarnings(e1$pulkrob.chisq(m, catvars)), error = function(e) e)
  pd1 <- tryCatch(suppressWarnings(e1$pulkrob.deviance(m, catvars)), error = function(e) e)
  if (!inherits(pc1, "error")) out <- c(out, sprintf("generalhoslem pulkrob.chisq: %.10g df %d; pulkrob.deviance: %s",
                                                     pc1$statistic, pc1$parameter,
                                                     if (inherits(pd1, "error")) conditionMessage(pd1) else sprintf("%.10g", pd1$statistic)))
  else out <- c(out, paste("generalhoslem pulkrob.chisq failed:", conditionMessage(pc1)))
  hl2 <- tryCatch(e2$hosmerlem(m, group = G), error = function(e) e)
  if (!inherits(hl2, "error")) out <- c(out, sprintf("gofcat 0.1.3 hosmerlem: chi2 %.10g df %d (group sizes round(n/g), remainder in the last)",
                                                     hl2$chi.sq, hl2$df))
  else out <- c(out, paste("gofcat hosmerlem failed:", conditionMessage(hl2)))
  lz2 <- tryCatch(e2$lipsitz(m, group = G), error = function(e) e)
  if (!inherits(lz2, "error")) out <- c(out, sprintf("gofcat lipsitz: LR %.10g df %d", lz2$LRT, lz2$df))
  else out <- c(out, paste("gofcat lipsitz failed:", conditionMessage(lz2)))
  for (tst in c("chisq", "deviance")) {
    pr2 <- tryCatch(e2$pulkroben(m, test = tst), error = function(e) e)
    if (!inherits(pr2, "error")) out <- c(out, sprintf("gofcat pulkroben(test = '%s'): %.10g df %d", tst, pr2$stat, pr2$df))
    else out <- c(out, paste("gofcat pulkroben failed:", conditionMessage(pr2)))
  }
  ## our statistics with each package's grouping rule, to show where they differ
  n <- r$n; J <- r$J; P <- r$P; yy <- as.integer(d[[yname]])
  hl_for <- function(grp) { gg <- sort(unique(grp))
    O <- t(sapply(gg, function(k) tabulate(yy[grp == k], J))); E <- t(sapply(gg, function(k) colSums(P[grp == k, , drop = FALSE])))
    sum((O - E)^2 / E) }
  o <- order(r$s); gA <- integer(n); gA[o] <- as.integer(cut(seq_len(n), breaks = G, include.lowest = TRUE))
  sp <- round(n / G); sz <- c(rep(sp, G - 1), n - sp * (G - 1)); o2 <- order(r$s, yy)
  gB <- integer(n); gB[o2] <- rep(seq_len(G), sz)
  out <- c(out, sprintf("this script's HL with generalhoslem's grouping: %.10g; with gofcat's grouping: %.10g",
                        hl_for(gA), hl_for(gB)))
  out
}

part <- load_participation()
ret <- read.csv(file.path(REPO_DATA, "retinopathy.csv"))
ret$RET <- factor(ret$RET, levels = 0:2, ordered = TRUE)
ret$SM <- factor(ret$SM, levels = 0:1)

sets <- list(
  participation = list(d = part, yname = "willingness",
                       rhs = ~ social_capital + age + education + income + insured + gender,
                       catvars = c("education", "insured", "gender"),
                       what = "participation_survey.csv (examples/data), willingness 1..5 ~ social_capital + age + education + income + insured + gender, logit; PR patterns: education x insured x gender"),
  retinopathy = list(d = ret, yname = "RET",
                     rhs = ~ SM + DIAB + GH + BP, catvars = "SM",
                     what = "retinopathy (Bender & Grouven 1998, J Clin Epidemiol 51:809; R package gofcat 0.1.3's data set, tests/data/retinopathy.csv), RET 0 < 1 < 2 ~ SM + DIAB + GH + BP, logit, SM categorical; PR patterns: SM")
)
res <- lapply(sets, function(s) {
  r <- gof_all(s$d, s$yname, s$rhs, s$catvars)
  r$cross <- tryCatch(crosscheck_pkgs(s$d, s$yname, s$rhs, s$catvars, r), error = function(e)
    paste("package cross-check failed:", conditionMessage(e)))
  r
})

guard <- "PARTREG_REF_GOF_H"
header_open(guard, c(
  "Reference values: goodness-of-fit tests of proportional-odds logit fits: ordinal",
  "Hosmer-Lemeshow (Fagerland & Hosmer 2013, 2016, 2017), Lipsitz (Lipsitz, Fitzmaurice &",
  "Molenberghs 1996) and Pulkstenis-Robinson (2004) chi-squared and deviance tests.",
  "Generated by: Rscript tests/ref/gof.R > tests/ref/ref_gof.h",
  paste0("Software: ", versions_ext()),
  "Definitions (the script's comments give the formulas): ordinal score s_i = sum_j j P(Y_i = j);",
  "  rows sorted by s (ties: observed category, then row order), g = 10 groups, rank r in",
  "  group ceil(r g / n); HL C = sum (O - E)^2 / E over the g x c table, df (g-2)(c-1) + (c-2);",
  "  Lipsitz: LR of the model plus indicators of groups 2..g, df g - 1 (the score statistic too);",
  "  PR: patterns of the categorical covariates split at the pattern's median score",
  "  (s <= median first), chi2 and deviance over the 2I x c table, df (2I-1)(c-1) - k - 1,",
  "  k = number of categorical covariates.",
  "Fits: exact likelihood, Newton to max|gradient| < 1e-10 (tests/ref/ordext_common.R).",
  "No published data set of these papers was available here to reproduce."
))
for (nm in names(res)) {
  r <- res[[nm]]; s <- sets[[nm]]; pre <- paste0("ref_gof_", nm, "_")
  emit("/* ", nm, ": ", s$what, " */")
  emit_comment(c(
    sprintf("n = %d, c = %d; group sizes %s; tied scores across a group boundary: %d",
            r$n, r$J, paste(r$group_sizes, collapse = " "), r$ties_at_boundary),
    sprintf("PO fit vs clm: %s digits; Lipsitz augmented fit: Newton steps %d, max|grad| %.2g; LR vs clm refit: %s digits",
            r$fit_clm_digits, r$lipsitz_aug_steps, r$lipsitz_aug_grad, r$lipsitz_clm_digits),
    sprintf("PR: I = %d covariate patterns, empty halves %d", r$I, r$empty_halves),
    "Cross-check with the R packages' own code (informational; their grouping rules differ):",
    paste0("  ", r$cross)))
  emit_array(paste0(pre, "coef"), r$fit$phi, "PO fit: coefficients then thresholds")
  emit_scalar(paste0(pre, "loglik"), r$fit$loglik)
  emit_scalar(paste0(pre, "hl_chi2"), r$hl); emit_int(paste0(pre, "hl_df"), r$hl_df); emit_scalar(paste0(pre, "hl_p"), r$hl_p)
  emit_matrix(paste0(pre, "hl_observed"), r$O, "HL table, rows = groups 1..g, columns = categories")
  emit_matrix(paste0(pre, "hl_expected"), r$E)
  emit_scalar(paste0(pre, "lipsitz_lr"), r$lr); emit_int(paste0(pre, "lipsitz_df"), r$lr_df)
  emit_scalar(paste0(pre, "lipsitz_p"), r$lr_p)
  emit_scalar(paste0(pre, "lipsitz_score"), r$score, "score statistic U' (-H)^-1 U at the fitted model, df g - 1")
  emit_scalar(paste0(pre, "lipsitz_score_p"), r$score_p)
  emit_scalar(paste0(pre, "pr_chi2"), r$pr_chi); emit_scalar(paste0(pre, "pr_deviance"), r$pr_dev)
  emit_int(paste0(pre, "pr_df"), r$pr_df)
  emit_scalar(paste0(pre, "pr_chi2_p"), r$pr_chi_p); emit_scalar(paste0(pre, "pr_deviance_p"), r$pr_dev_p)
  emit_strings(paste0(pre, "pr_rows"), rownames(r$Op), "PR rows: pattern.half (half 1: s <= median)")
  emit_matrix(paste0(pre, "pr_observed"), r$Op)
  emit_matrix(paste0(pre, "pr_expected"), r$Ep)
  emit("")
}
header_close(guard)
