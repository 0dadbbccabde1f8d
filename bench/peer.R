# Peer timings for bench/run.sh: R's glm (IRLS), ordinal::clm and MASS::polr
# on a gen_data .f64 file. Only the fit call is timed (elapsed seconds).
# Usage: Rscript peer.R FILE.f64 N P glm|clm|polr|clm_nominal|vglm_nominal
# Prints "fit_s=..." and a "coef" line in partreg's order (binary:
# intercept, x1..xP; ordinal: x1..xP then the 4 thresholds).
#  glm:  glm.fit(X, y, family = binomial()) - the engine glm() calls, on the
#        model matrix (so model.frame/model.matrix time is not counted).
#  clm:  ordinal::clm.fit(y, X) - the engine clm() calls; it computes the
#        Hessian (standard errors) as part of the fit.
#  polr: MASS::polr(y ~ X, Hess = TRUE) - formula interface (polr has no
#        matrix interface); Hess = TRUE so standard errors are available, as
#        they are from partreg's fit.
#  clm_nominal: ordinal::clm.fit(y, X, N = nominal design) with x1 and x2
#        nominal (partial proportional odds; the engine clm(nominal =)
#        calls), Hessian included. coef: 0 0 x3..xP, the thresholds, then
#        x1's cut-specific slopes and x2's (partreg's sign: minus clm's).
#  vglm_nominal: VGAM::vglm(y ~ ., cumulative(parallel = FALSE ~ x1 + x2))
#        (Fisher scoring; formula interface); coef as clm_nominal.
a <- commandArgs(trailingOnly = TRUE)
n <- as.numeric(a[2]); p <- as.integer(a[3]); model <- a[4]
con <- file(a[1], "rb")
v <- readBin(con, "double", n * (p + 2))
close(con)
dim(v) <- c(n, p + 2)
X <- v[, 3:(p + 2), drop = FALSE]
colnames(X) <- paste0("x", 1:p)
if (model == "glm") {
  y <- v[, 1]; rm(v); invisible(gc())
  X1 <- cbind("(Intercept)" = 1, X); rm(X); invisible(gc())
  t <- system.time(fit <- glm.fit(X1, y, family = binomial()))[["elapsed"]]
  est <- fit$coefficients
} else if (model == "clm") {
  suppressMessages(library(ordinal))
  y <- factor(v[, 2]); rm(v); invisible(gc())
  X1 <- cbind("(Intercept)" = 1, X); rm(X); invisible(gc())
  t <- system.time(fit <- clm.fit(y, X1, link = "logit"))[["elapsed"]]
  est <- c(fit$beta, fit$alpha)
} else if (model == "polr") {
  suppressMessages(library(MASS))
  y <- factor(v[, 2]); rm(v); invisible(gc())
  t <- system.time(fit <- polr(y ~ X, method = "logistic", Hess = TRUE))[["elapsed"]]
  est <- c(fit$coefficients, fit$zeta)
} else if (model == "clm_nominal") {
  suppressMessages(library(ordinal))
  y <- factor(v[, 2]); rm(v); invisible(gc())
  J <- nlevels(y)
  N <- cbind("(Intercept)" = 1, X[, 1:2]); X1 <- cbind("(Intercept)" = 1, X[, -(1:2)])
  t <- system.time(fit <- clm.fit(y, X1, N = N, link = "logit"))[["elapsed"]]
  A <- matrix(fit$alpha, nrow = J - 1)  # cuts by (threshold, x1, x2)
  est <- c(0, 0, fit$beta, A[, 1], -A[, 2], -A[, 3])
} else if (model == "vglm_nominal") {
  suppressMessages(library(VGAM))
  df <- data.frame(y = factor(v[, 2], ordered = TRUE), X); rm(v, X); invisible(gc())
  J <- nlevels(df$y)
  t <- system.time(fit <- vglm(y ~ ., cumulative(link = "logitlink", parallel = FALSE ~ x1 + x2,
                                                    reverse = FALSE), data = df))[["elapsed"]]
  cf <- coef(fit)
  est <- c(0, 0, -cf[paste0("x", 3:p)], cf[paste0("(Intercept):", 1:(J - 1))],
           -cf[paste0("x1:", 1:(J - 1))], -cf[paste0("x2:", 1:(J - 1))])
} else stop("unknown model ", model)
cat(sprintf("fit_s=%.6f\n", t))
cat("coef", sprintf("%.12g", est), "\n")
