# Peer timings for bench/ri.sh: ordinal::clmm and lme4::glmer on a gen_ri
# .f64 file. Only the fit call is timed (elapsed seconds).
# Usage: Rscript peer_ri.R FILE.f64 N P clmm|glmer NAGQ
# Prints "fit_s=...", "loglik=..." and a "coef" line in partreg's order
# (glmer: intercept, x1..xP, sd; clmm: x1..xP, the 4 thresholds, sd).
#  clmm:  ordinal::clmm(yo ~ x1 + ... + (1 | community), nAGQ = NAGQ), its
#         default control; it computes the Hessian (standard errors) as
#         part of the fit. nAGQ = 1 is its Laplace default.
#  glmer: lme4::glmer(yb ~ x1 + ... + (1 | community), family = binomial,
#         nAGQ = NAGQ), its default control; vcov() is called inside the
#         timed block so that standard errors are available, as they are
#         from partreg's fit.
suppressMessages({ library(ordinal); library(lme4) })
a <- commandArgs(trailingOnly = TRUE)
n <- as.numeric(a[2]); p <- as.integer(a[3]); model <- a[4]; Q <- as.integer(a[5])
con <- file(a[1], "rb")
v <- readBin(con, "double", n * (p + 3))
close(con)
dim(v) <- c(n, p + 3)
df <- data.frame(yb = v[, 1], yo = factor(v[, 2], levels = 0:4, ordered = TRUE),
                 community = factor(v[, 3]), v[, 4:(p + 3), drop = FALSE])
names(df)[4:(p + 3)] <- paste0("x", 1:p)
rm(v); invisible(gc())
rhs <- paste(paste0("x", 1:p), collapse = " + ")
if (model == "clmm") {
  fo <- as.formula(paste("yo ~", rhs, "+ (1 | community)"))
  t <- system.time(fit <- clmm(fo, data = df, nAGQ = Q))[["elapsed"]]
  est <- c(fit$beta, fit$alpha, fit$ST[[1]][1, 1])
  ll <- as.numeric(logLik(fit))
} else if (model == "glmer") {
  fo <- as.formula(paste("yb ~", rhs, "+ (1 | community)"))
  t <- system.time({
    fit <- glmer(fo, data = df, family = binomial, nAGQ = Q)
    V <- vcov(fit)
  })[["elapsed"]]
  est <- c(fixef(fit), getME(fit, "theta"))
  ll <- as.numeric(logLik(fit))
} else stop("unknown model ", model)
cat(sprintf("fit_s=%.6f\n", t))
cat(sprintf("loglik=%.10f\n", ll))
cat("coef", sprintf("%.12g", est), "\n")
