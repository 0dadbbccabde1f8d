## Reference values for the Archer-Lemeshow F-adjusted mean residual test
## of a binary design fit (partreg_fit_survey_gof). Run from the repository
## root:
##
##   Rscript tests/ref/survey_gof.R > tests/ref/ref_survey_gof.h
##
## The statistic (Archer and Lemeshow 2006, Stata Journal 6(1):97-105,
## "Goodness-of-fit test for a logistic regression model fitted using
## survey sample data"; Archer, Lemeshow and Hosmer 2007, Computational
## Statistics & Data Analysis 51:4450-4464; Stata's svylogitgof and
## `estat gof` after svy), written here from those definitions with the
## survey package doing the design-based estimation:
##
##  1. The rows of the estimation sample (the domain's rows under a
##     subpopulation), their fitted probabilities p_i at the design-weighted
##     estimate and residuals r_i = y_i - p_i.
##  2. g = 10 "deciles of risk" formed with the sampling weights w_i: the
##     weighted percentiles of p at j/g, j = 1..g-1, by Stata's rule for
##     weighted percentiles ([D] pctile, Methods and formulas: with p sorted
##     and W_i the cumulative weight of the first i rows, P = W j / g,
##     q_j = p_(i) for the first i with W_i > P, or (p_(i-1) + p_(i)) / 2
##     when W_(i-1) = P); a row is in group j when q_(j-1) < p <= q_j
##     (xtile), so rows with equal p share a group; empty groups are dropped
##     and g counts the groups left.
##  3. M_j = the design-based mean of r in group j (the group a domain:
##     the ratio of weighted totals), V = the design covariance of M
##     (Taylor linearisation over strata and PSUs with the fpc; replicate
##     weights: the replicates' group means at the full-sample residuals
##     and groups): survey::svyby(~r, ~grp, design, svymean, covmat = TRUE).
##  4. W = M' V^-1 M,  F = (d - g + 2) W / (d g) on (g - 1, d - g + 2)
##     degrees of freedom, d the design df (PSUs - strata, Stata's count of
##     PSUs; R - 1 with replicate weights, as partreg's design df).
##
## The residuals are data: the estimation of p is not linearised (as in the
## paper and in Stata). Stata's `estat gof, total` uses the groups' residual
## TOTALS instead of their means (same groups, svytotal, same W and F
## formulas); that variant is emitted too (`*_total_*`), for comparison
## only: the mean residual test is the paper's and Stata's default.
##
## The estimates are the reference fits of tests/ref/survey_cases.R
## (weighted ML with the raw sampling weights, Newton-polished), so p_i is
## what partreg computes to about 1e-13.
source("tests/ref/survey_common.R")
`%||%` <- function(a, b) if (is.null(a)) b else a
options(survey.lonely.psu = "fail")

DATA <- "tests/data"
G_GROUPS <- 10L
VERS <- versions_string(c("survey", "MASS", "numDeriv", "jsonlite"))

## Stata's weighted percentile of x at fraction f ([D] pctile).
stata_wpctile <- function(xs, Wc, f) {
  P <- Wc[length(Wc)] * f
  i <- which(Wc > P)[1]
  if (i > 1 && Wc[i - 1] == P) (xs[i - 1] + xs[i]) / 2 else xs[i]
}

## xtile's groups of p with weights w (1..g, then renumbered over the
## non-empty ones in order).
decile_groups <- function(p, w, g) {
  o <- order(p)
  xs <- p[o]; Wc <- cumsum(w[o])
  q <- sapply(seq_len(g - 1) / g, function(f) stata_wpctile(xs, Wc, f))
  grp <- 1L + vapply(p, function(v) sum(v > q), integer(1))
  match(grp, sort(unique(grp)))
}

## The grouping partreg used before this reference was written:
## ceil(g C(p) / W), C(p) the weight of rows with fitted value <= p.
ceiling_groups <- function(p, w, g) {
  o <- order(p); Wc <- cumsum(w[o]); W <- sum(w)
  Cp <- tapply(Wc, p[o], max)[as.character(p)]
  grp <- pmax(1, pmin(g, ceiling(g * Cp / W - 1e-12)))
  match(grp, sort(unique(grp)))
}

wald <- function(M, V, d) {
  g <- length(M)
  W <- drop(t(M) %*% solve(V, M))
  F <- (d - g + 2) * W / (d * g)
  list(W = W, F = F, df1 = g - 1, df2 = d - g + 2,
       p = pf(F, g - 1, d - g + 2, lower.tail = FALSE), g = g)
}

specs <- list(
  list(id = "nhanes_hichol_probit_design", csv = "nhanes.csv",
       formula = HI_CHOL ~ factor(RIAGENDR) + factor(race) + agecat, link = "probit",
       weights = "WTMEC2YR", strata = "SDMVSTRA", psu = "SDMVPSU"),
  list(id = "nhanes_hichol_logit_subpop", csv = "nhanes.csv",
       formula = HI_CHOL ~ factor(race) + agecat, link = "logit",
       weights = "WTMEC2YR", strata = "SDMVSTRA", psu = "SDMVPSU", subpop_col = "female"),
  list(id = "apistrat_awards_cloglog_design", csv = "apistrat.csv",
       formula = awards ~ meals + ell + mobility, link = "cloglog",
       weights = "pw", strata = "stype", fpc = "fpc"),
  list(id = "apistrat_awards_logit_bootstrap", csv = "apistrat.csv",
       formula = awards ~ meals + ell + mobility + stype, link = "logit",
       weights = "pw", rep = list(prefix = "bs", type = "bootstrap"))
)

run_gof <- function(s) {
  data <- read_case_csv(file.path(DATA, s$csv))
  case <- jsonlite::fromJSON(file.path("tests/cases/survey", paste0(s$id, ".json")))
  extra <- c(s$weights, s$strata, s$psu, s$fpc, s$subpop_col)
  M <- build_model(data, s$formula, "binary", extra = extra)
  d <- M$d
  w <- d[[s$weights]]
  dom <- if (is.null(s$subpop_col)) rep(TRUE, nrow(d)) else as.numeric(d[[s$subpop_col]]) != 0
  fit <- fit_w(M, w * dom, s$link)
  psi <- fit$psi
  ## the same estimate as the case JSON (partreg's reference)
  est_json <- sapply(param_names(M), function(nm) case$expect$coefficients[[nm]]$estimate)
  est_agree <- rel_diff(psi, est_json)
  p <- LINKS[[s$link]]$F(drop(M$X %*% psi))
  r <- M$y - p
  grp <- rep(NA_integer_, nrow(d))
  grp[dom] <- decile_groups(p[dom], w[dom], G_GROUPS)
  grp_ceiling <- rep(NA_integer_, nrow(d))
  grp_ceiling[dom] <- ceiling_groups(p[dom], w[dom], G_GROUPS)
  same_partition <- length(unique(paste(grp[dom], grp_ceiling[dom]))) == max(grp[dom]) &&
    max(grp[dom]) == max(grp_ceiling[dom])
  dd <- d
  dd$.r <- r; dd$.grp <- factor(grp); dd$.grpc <- factor(grp_ceiling); dd$.dom <- dom
  if (is.null(s$rep)) {
    ids <- if (is.null(s$psu)) ~1 else as.formula(paste("~", s$psu))
    st <- if (is.null(s$strata)) NULL else as.formula(paste("~", s$strata))
    fp <- if (is.null(s$fpc)) NULL else as.formula(paste("~", s$fpc))
    des <- svydesign(ids = ids, strata = st, fpc = fp, weights = as.formula(paste("~", s$weights)),
                     nest = TRUE, data = dd)
    call <- sprintf("svydesign(ids = %s, strata = %s, fpc = %s, weights = ~%s, nest = TRUE)",
                    deparse(ids), deparse(st), deparse(fp), s$weights)
  } else {
    R <- length(grep(paste0("^", s$rep$prefix, "[0-9]+$"), names(dd)))
    des <- svrepdesign(data = dd, repweights = paste0("^", s$rep$prefix, "[0-9]+$"),
                       weights = as.formula(paste("~", s$weights)), type = "bootstrap",
                       scale = 1 / (R - 1), rscales = rep(1, R), combined.weights = TRUE,
                       mse = FALSE)
    call <- sprintf("svrepdesign(repweights = '^%s[0-9]+$', weights = ~%s, type = 'bootstrap', scale = 1/%d, rscales = 1, combined.weights = TRUE, mse = FALSE)",
                    s$rep$prefix, s$weights, R - 1)
  }
  sdes <- if (any(!dom)) subset(des, .dom) else des
  ddf <- case$expect$df
  bym <- svyby(~.r, ~.grp, sdes, svymean, covmat = TRUE)
  mean_t <- wald(unname(coef(bym)), unname(vcov(bym)), ddf)
  byt <- svyby(~.r, ~.grp, sdes, svytotal, covmat = TRUE)
  tot_t <- wald(unname(coef(byt)), unname(vcov(byt)), ddf)
  bymc <- svyby(~.r, ~.grpc, sdes, svymean, covmat = TRUE)
  ceil_t <- wald(unname(coef(bymc)), unname(vcov(bymc)), ddf)
  ## cross-check: the group means as a regression on the group indicators
  gl <- svyglm(.r ~ 0 + .grp, design = sdes)
  glw <- drop(t(coef(gl)) %*% solve(vcov(gl), coef(gl)))
  tab <- data.frame(group = seq_len(mean_t$g),
                    rows = as.integer(table(grp[dom])),
                    weight = as.numeric(tapply(w[dom], grp[dom], sum)),
                    p_max = as.numeric(tapply(p[dom], grp[dom], max)),
                    mean = unname(coef(bym)), se = unname(SE(bym)))
  list(s = s, call = call, df = ddf, mean = mean_t, total = tot_t, ceiling = ceil_t,
       same_partition = same_partition, tab = tab, est_agree = est_agree,
       svyglm_W = rel_diff(glw, mean_t$W), distinct_p = length(unique(p[dom])))
}

res <- lapply(specs, run_gof)
names(res) <- sapply(specs, `[[`, "id")

guard <- "PARTREG_REF_SURVEY_GOF_H"
header_open(guard, c(
  "Archer-Lemeshow F-adjusted mean residual test after a binary design fit:",
  "reference values for partreg_fit_survey_gof (tests/test_survey_gof.c).",
  "Generated by: Rscript tests/ref/survey_gof.R > tests/ref/ref_survey_gof.h",
  paste("Software:", VERS),
  "Definition (the script's head has it in full): residuals r = y - p of the",
  "estimation sample (the domain's rows); g = 10 groups by the weighted",
  "percentiles of p (Stata's [D] pctile rule with the sampling weights;",
  "row in group j when q_(j-1) < p <= q_j, equal p together, empty groups",
  "dropped); M_j = svymean(r) in group j and V its design covariance",
  "(svyby(~r, ~grp, design, svymean, covmat = TRUE)); W = M' V^-1 M;",
  "F = (d - g + 2) W / (d g) on (g - 1, d - g + 2), d = the design df.",
  "*_total_*: the same with the groups' residual totals (svytotal; Stata's",
  "`estat gof, total`), not what partreg computes.",
  "*_ceiling_W: W with the groups ceil(g C(p) / W_total), C(p) the weight",
  "of rows with fitted value <= p (the rule partreg used before this",
  "reference; it puts a row whose weight straddles a percentile in the",
  "upper group where Stata's rule puts it in the lower one)."))
for (id in names(res)) {
  h <- res[[id]]; pre <- paste0("ref_gof_", id, "_")
  emit("/* ==================== ", id, " ==================== */")
  emit_comment(c(sprintf("design: %s", h$call),
                 sprintf("model: %s, link %s, weights %s%s", deparse(h$s$formula), h$s$link, h$s$weights,
                         if (!is.null(h$s$subpop_col)) sprintf(", domain %s != 0", h$s$subpop_col) else ""),
                 sprintf("estimate vs the case JSON's: %.2g (rel.); distinct fitted values in the domain: %d",
                         h$est_agree, h$distinct_p),
                 sprintf("cross-check: W from svyglm(r ~ 0 + grp) agrees to %.2g (rel.)", h$svyglm_W),
                 sprintf("the ceiling rule gives %s partition (%d groups, W = %.10g)",
                         if (h$same_partition) "the same" else "a different", h$ceiling$g, h$ceiling$W),
                 "groups: rows, weight, largest p, mean residual, its SE:",
                 sprintf("  %2d %5d %14.6f %.6f % .6e %.6e", h$tab$group, h$tab$rows, h$tab$weight,
                         h$tab$p_max, h$tab$mean, h$tab$se)))
  emit_int(paste0(pre, "groups"), h$mean$g)
  emit_scalar(paste0(pre, "design_df"), h$df, "d")
  emit_scalar(paste0(pre, "W"), h$mean$W, "M' V^-1 M")
  emit_scalar(paste0(pre, "F"), h$mean$F, "(d - g + 2) W / (d g)")
  emit_scalar(paste0(pre, "df1"), h$mean$df1)
  emit_scalar(paste0(pre, "df2"), h$mean$df2)
  emit_scalar(paste0(pre, "p"), h$mean$p)
  emit_array(paste0(pre, "mean"), h$tab$mean, "the groups' mean residuals M")
  emit_scalar(paste0(pre, "total_W"), h$total$W, "Stata's `estat gof, total` (not partreg's)")
  emit_scalar(paste0(pre, "total_F"), h$total$F)
  emit_scalar(paste0(pre, "ceiling_W"), h$ceiling$W, "W with the ceiling grouping (not partreg's)")
  emit("")
}
header_close(guard)
