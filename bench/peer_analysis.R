# The whole analysis in R, for the peers' table of bench/results.md:
# what `partreg fit --vcov hc1 --margins --ci profile [--brant]` computes,
# on a gen_data .f64 file, each step timed (elapsed seconds).
# Usage: Rscript peer_analysis.R FILE.f64 N P binary|ordinal
#   binary:  glm(yb ~ x, binomial); sandwich::vcovHC(type = "HC1");
#            confint() (MASS's profile likelihood); average marginal
#            effects by hand: mean f(eta) b_k, delta-method SEs from the
#            analytic Jacobian under the HC1 covariance.
#   ordinal: ordinal::clm(yo ~ x, logit); sandwich::sandwich(adjust = TRUE)
#            (HC1); confint() (ordinal's profile likelihood); AME of every
#            variable on every level by hand, delta-method SEs with
#            numDeriv::jacobian; the Brant test by hand (J-1 glm fits and
#            Brant's covariance, as tests/ref/inference_brant.R).
# Prints "step=... s=..." lines and "total_s=...".
a <- commandArgs(trailingOnly = TRUE)
n <- as.numeric(a[2]); p <- as.integer(a[3]); family <- a[4]
con <- file(a[1], "rb")
v <- readBin(con, "double", n * (p + 2))
close(con)
dim(v) <- c(n, p + 2)
d <- data.frame(v)
names(d) <- c("yb", "yo", paste0("x", 1:p))
rm(v); invisible(gc())
f <- as.formula(paste(if (family == "binary") "yb" else "factor(yo)", "~",
                      paste0("x", 1:p, collapse = " + ")))
suppressMessages({library(sandwich); library(numDeriv); library(ordinal); library(MASS)})
steps <- list()
timed <- function(name, expr) {
  t <- system.time(val <- force(expr))[["elapsed"]]
  steps[[name]] <<- t
  cat(sprintf("step=%s s=%.3f\n", name, t))
  val
}
X <- as.matrix(d[, paste0("x", 1:p)])
if (family == "binary") {
  fit <- timed("fit", glm(f, family = binomial(), data = d))
  V <- timed("vcov_hc1", vcovHC(fit, type = "HC1"))
  ci <- timed("profile_ci", suppressMessages(confint(fit)))
  ame <- timed("margins", {
    b <- coef(fit); X1 <- cbind(1, X); eta <- drop(X1 %*% b)
    fe <- dlogis(eta); fp <- fe * (1 - 2 * plogis(eta))
    est <- mean(fe) * b[-1]
    J <- t(sapply(2:(p + 1), function(k) {
      g <- colMeans(fp * X1) * b[k]; g[k] <- g[k] + mean(fe); g }))
    list(est = est, se = sqrt(diag(J %*% V %*% t(J))))
  })
} else {
  fit <- timed("fit", clm(f, data = d, link = "logit"))
  V <- timed("vcov_hc1", sandwich(fit, adjust = TRUE))
  ci <- timed("profile_ci", confint(fit, type = "profile"))
  ame <- timed("margins", {
    J <- length(fit$alpha) + 1
    probs_ame <- function(par) { # clm: P(Y <= j) = F(alpha_j - x'b)
      al <- par[1:(J - 1)]; b <- par[J:(J - 1 + p)]; eta <- drop(X %*% b)
      out <- c()
      for (k in 1:p) for (j in 1:J) {
        up <- if (j < J) dlogis(al[j] - eta) else 0
        lo <- if (j > 1) dlogis(al[j - 1] - eta) else 0
        out <- c(out, mean(-(up - lo) * b[k]))
      }
      out
    }
    par <- c(fit$alpha, fit$beta)
    est <- probs_ame(par)
    Jac <- jacobian(probs_ame, par)
    list(est = est, se = sqrt(diag(Jac %*% V %*% t(Jac))))
  })
  br <- timed("brant", {
    yo <- as.integer(factor(d$yo)); Z <- cbind(1, X); m <- max(yo) - 1
    ctl <- glm.control(epsilon = 1e-10, maxit = 100)
    fits <- lapply(1:m, function(j) glm.fit(Z, as.numeric(yo > j), family = binomial(), control = ctl))
    B <- sapply(fits, function(g) g$coefficients); P <- sapply(fits, function(g) g$fitted.values)
    inv <- lapply(1:m, function(j) solve(crossprod(Z, P[, j] * (1 - P[, j]) * Z)))
    Vb <- matrix(0, m * p, m * p); s <- function(j) (j - 1) * p + 1:p
    for (j in 1:m) for (l in j:m) {
      Vjl <- if (l == j) inv[[j]] else inv[[j]] %*% crossprod(Z, P[, l] * (1 - P[, j]) * Z) %*% inv[[l]]
      Vjl <- Vjl[-1, -1, drop = FALSE]
      Vb[s(j), s(l)] <- Vjl
      if (l != j) Vb[s(l), s(j)] <- t(Vjl)
    }
    b <- as.vector(B[-1, , drop = FALSE])
    D <- matrix(0, (m - 1) * p, m * p)
    for (j in 1:(m - 1)) { D[s(j), s(j)] <- diag(p); D[s(j), s(j + 1)] <- -diag(p) }
    Db <- D %*% b
    drop(t(Db) %*% solve(D %*% Vb %*% t(D), Db))
  })
}
cat(sprintf("total_s=%.3f\n", sum(unlist(steps))))
cat("profile_ci", sprintf("%.10g", as.vector(ci[seq_len(p) + (family == "binary"), ])), "\n")
