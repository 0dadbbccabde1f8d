## Reference values for tests/test_standardize.c: standardized coefficients
## as Long and Freese's listcoef lists them (Regression Models for
## Categorical Dependent Variables Using Stata, 3rd ed., 2014, sec. 4.4.2):
## bStdX = b SD(x), bStdY = b / SD(y*), bStdXY = b SD(x) / SD(y*),
## SD(y*)^2 = var(x'b) + v (v = pi^2/3 logit, 1 probit), and exp(b SD(x)).
##
##   Rscript tests/ref/standardize.R > tests/ref/ref_standardize.h
##
## By hand from model.matrix() and the Newton-polished fits of common.R.
## Variances: sample variance (n - 1); with frequency weights
## sum w (x - xbar)^2 / (sum w - 1), which is the variance of the data with
## each row repeated w times (checked below by expanding the rows).
source("tests/ref/common.R")

d <- read.csv("examples/data/participation_survey.csv", stringsAsFactors = FALSE)
d$education <- factor(d$education, levels = c("primary", "secondary", "tertiary"))
d$insured <- factor(d$insured, levels = c("no", "yes"))
d$participated <- as.numeric(d$participated == "yes")
d$fw <- 1 + seq_len(nrow(d)) %% 3

wvar <- function(x, w) { m <- sum(w * x) / sum(w); sum(w * (x - m)^2) / (sum(w) - 1) }

one <- function(name, formula, family, link, weights = FALSE) {
  w <- if (weights) d$fw else rep(1, nrow(d))
  rhs <- delete.response(terms(formula))
  X <- model.matrix(rhs, d)
  if (family == "binary") {
    g <- glm(formula, data = d, family = binomial(link))
    pol <- newton_polish(unname(coef(g)), function(b) bin_ll(b, X, d$participated, w, link),
                         function(b) list(grad = bin_grad(b, X, d$participated, w, link),
                                          hess = bin_hess(b, X, d$participated, w, link)))
    b <- pol$par
    Xs <- X[, -1, drop = FALSE]; bs <- b[-1]
  } else {
    X <- X[, -1, drop = FALSE]
    yv <- factor(d$willingness, levels = 1:5)
    dd <- d; dd$willingness <- yv
    r <- fit_ordinal(formula, dd, if (weights) "fw" else NULL, link, X, as.integer(yv), w, 5,
                     coef_terms = colnames(X), thr_terms = paste0("t", 1:4))
    b <- r$psi; Xs <- X; bs <- b[seq_len(ncol(X))]
  }
  sdx <- sqrt(apply(Xs, 2, wvar, w = w))
  v <- if (link == "logit") pi^2 / 3 else 1
  sdy <- sqrt(wvar(drop(Xs %*% bs), w) + v)
  ## the weighted variance is the variance of the rows repeated w times
  rep_check <- digits_agree(sd(rep(Xs[, 1], w)), sdx[1])
  list(name = name, sdx = sdx, bx = bs * sdx, by = bs / sdy, bxy = bs * sdx / sdy,
       or = if (link == "logit") exp(bs * sdx) else rep(NaN, length(bs)), sdy = sdy,
       note = sprintf("%s: %s (%s %s%s); expanded-rows SD check %d digits", name,
                      deparse(formula), family, link, if (weights) ", weights fw = 1 + row % 3" else "",
                      rep_check))
}

cases <- list(
  one("logit", participated ~ social_capital + age + insured + education, "binary", "logit"),
  one("probit", participated ~ social_capital + age + insured + education, "binary", "probit"),
  one("ordinal", willingness ~ social_capital + age + insured, "ordinal", "logit", weights = TRUE)
)
header_open("PARTREG_REF_STANDARDIZE_H", c(
  "Standardized coefficients (listcoef): tests/ref/standardize.R.",
  pkg_versions(c("MASS", "ordinal", "numDeriv")),
  sapply(cases, function(c) c$note),
  "Order: the slopes in design order (the intercept left out). Tolerance 1e-9."))
for (c in cases) {
  emit_array(paste0(c$name, "_sdx"), c$sdx)
  emit_array(paste0(c$name, "_bstdx"), c$bx)
  emit_array(paste0(c$name, "_bstdy"), c$by)
  emit_array(paste0(c$name, "_bstdxy"), c$bxy)
  emit_array(paste0(c$name, "_or_sd"), c$or)
  emit_scalar(paste0(c$name, "_sdy"), c$sdy)
}
header_close("PARTREG_REF_STANDARDIZE_H")
