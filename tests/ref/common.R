# Shared helpers for the reference-value scripts in tests/ref/.
# Sourced by the other *.R scripts; not run on its own.
#
# Contents:
#   - link functions F, 1-F (computed in the tail where they are precise),
#     density f and its derivative f' for logit, probit, cloglog, loglog, cauchit;
#   - binary log-likelihood, gradient and analytic OBSERVED Hessian;
#   - cumulative-link log-likelihood, gradient and analytic observed Hessian
#     with the outermost thresholds exactly -Inf / +Inf;
#   - Newton polishing to max |gradient| < tol;
#   - C emitters (%.17g, i.e. full double precision).

suppressPackageStartupMessages({
  library(MASS)
  library(ordinal)
  library(numDeriv)
  library(jsonlite)
})

CONF_DIR <- "/work/shared/conformance/cases"

pkg_versions <- function(pkgs = c("MASS", "ordinal", "numDeriv", "carData")) {
  paste0(R.version.string, "; ",
         paste(sprintf("%s %s", pkgs, sapply(pkgs, function(p)
           as.character(packageVersion(p)))), collapse = ", "))
}

## ---------------------------------------------------------------- links
## Each link: F(x), Fc(x) = 1 - F(x), f(x) = F'(x), fp(x) = f'(x).
LINKS <- list(
  logit = list(
    F  = function(x) plogis(x),
    Fc = function(x) plogis(x, lower.tail = FALSE),
    f  = function(x) dlogis(x),
    fp = function(x) { p <- plogis(x); dlogis(x) * (1 - 2 * p) }),
  probit = list(
    F  = function(x) pnorm(x),
    Fc = function(x) pnorm(x, lower.tail = FALSE),
    f  = function(x) dnorm(x),
    fp = function(x) -x * dnorm(x)),
  cloglog = list(                       # F = 1 - exp(-exp(x))
    F  = function(x) -expm1(-exp(x)),
    Fc = function(x) exp(-exp(x)),
    f  = function(x) ifelse(is.finite(x), exp(x - exp(x)), 0),
    fp = function(x) ifelse(is.finite(x), exp(x - exp(x)) * (1 - exp(x)), 0)),
  loglog = list(                        # F = exp(-exp(-x))
    F  = function(x) exp(-exp(-x)),
    Fc = function(x) -expm1(-exp(-x)),
    f  = function(x) ifelse(is.finite(x), exp(-x - exp(-x)), 0),
    fp = function(x) ifelse(is.finite(x), exp(-x - exp(-x)) * (exp(-x) - 1), 0)),
  cauchit = list(                       # F = 1/2 + atan(x)/pi
    F  = function(x) pcauchy(x),
    Fc = function(x) pcauchy(x, lower.tail = FALSE),
    f  = function(x) dcauchy(x),
    fp = function(x) ifelse(is.finite(x), -2 * x / (pi * (1 + x^2)^2), 0))
)

## ---------------------------------------------------------------- binary
## l(beta) = sum w [y log F(eta) + (1-y) log(1-F(eta))]
bin_ll <- function(beta, X, y, w, link) {
  L <- LINKS[[link]]; eta <- drop(X %*% beta)
  sum(w * ifelse(y == 1, log(L$F(eta)), log(L$Fc(eta))))
}
bin_grad <- function(beta, X, y, w, link) {
  L <- LINKS[[link]]; eta <- drop(X %*% beta)
  f <- L$f(eta)
  d1 <- ifelse(y == 1, f / L$F(eta), -f / L$Fc(eta))
  drop(crossprod(X, w * d1))
}
## analytic observed Hessian: d2l/deta2 =
##   y  (f' F - f^2) / F^2  -  (1-y) (f' (1-F) + f^2) / (1-F)^2
bin_hess <- function(beta, X, y, w, link) {
  L <- LINKS[[link]]; eta <- drop(X %*% beta)
  F <- L$F(eta); Fc <- L$Fc(eta); f <- L$f(eta); fp <- L$fp(eta)
  d2 <- ifelse(y == 1, (fp * F - f^2) / F^2, -(fp * Fc + f^2) / Fc^2)
  crossprod(X, (w * d2) * X)
}
## expected information X' diag(w f^2 / (F (1-F))) X
bin_expected_info <- function(beta, X, w, link) {
  L <- LINKS[[link]]; eta <- drop(X %*% beta)
  wt <- w * L$f(eta)^2 / (L$F(eta) * L$Fc(eta))
  crossprod(X, wt * X)
}

## ---------------------------------------------------------------- ordinal
## Parameters psi = (beta[1..p], theta[1..J-1]) (library order: coefficients
## then thresholds). y in 1..J. Row i in category j:
##   p = F(b) - F(a),  b = theta_j - eta,  a = theta_{j-1} - eta,
##   theta_0 = -Inf, theta_J = +Inf exactly.
ord_parts <- function(psi, X, y, J) {
  p <- ncol(X); beta <- psi[seq_len(p)]; theta <- psi[p + seq_len(J - 1)]
  eta <- if (p > 0) drop(X %*% beta) else rep(0, length(y))
  th <- c(-Inf, theta, Inf)
  list(beta = beta, theta = theta, eta = eta,
       b = th[y + 1] - eta, a = th[y] - eta)
}
## P(a < Z <= b) computed in the tail where it is precise
ord_prob <- function(a, b, L) {
  ifelse(a > 0, L$Fc(a) - L$Fc(b), L$F(b) - L$F(a))
}
ord_ll <- function(psi, X, y, w, J, link) {
  L <- LINKS[[link]]; P <- ord_parts(psi, X, y, J)
  sum(w * log(ord_prob(P$a, P$b, L)))
}
## d p / d psi = f(b) B - f(a) A,  A = d a/d psi = (-x, e_{j-1}),  B = (-x, e_j)
## d2 p = f'(b) B B' - f'(a) A A';  Hessian of log p = d2p/p - dp dp'/p^2
ord_grad_hess <- function(psi, X, y, w, J, link) {
  L <- LINKS[[link]]; P <- ord_parts(psi, X, y, J)
  p <- ncol(X); k <- p + J - 1; n <- length(y)
  pr <- ord_prob(P$a, P$b, L)
  fa <- L$f(P$a); fb <- L$f(P$b); fpa <- L$fp(P$a); fpb <- L$fp(P$b)
  fa[!is.finite(P$a)] <- 0; fpa[!is.finite(P$a)] <- 0   # outer categories
  fb[!is.finite(P$b)] <- 0; fpb[!is.finite(P$b)] <- 0
  g <- numeric(k); H <- matrix(0, k, k)
  for (i in seq_len(n)) {
    A <- c(-X[i, ], numeric(J - 1)); B <- A
    if (y[i] > 1) A[p + y[i] - 1] <- 1 else A[] <- 0
    if (y[i] < J) B[p + y[i]] <- 1 else B[] <- 0
    dp <- fb[i] * B - fa[i] * A
    d2p <- fpb[i] * tcrossprod(B) - fpa[i] * tcrossprod(A)
    g <- g + w[i] * dp / pr[i]
    H <- H + w[i] * (d2p / pr[i] - tcrossprod(dp) / pr[i]^2)
  }
  list(grad = g, hess = H)
}
## category and cumulative probabilities for linear predictor eta
ord_predict <- function(eta, theta, link) {
  L <- LINKS[[link]]; J <- length(theta) + 1; th <- c(-Inf, theta, Inf)
  probs <- t(sapply(eta, function(e) ord_prob(th[1:J] - e, th[2:(J + 1)] - e, L)))
  cum <- t(sapply(eta, function(e) L$F(theta - e)))
  if (J == 2) cum <- t(cum)
  list(probs = probs, cum = cum)
}

## ---------------------------------------------------------------- Newton
## Newton with step halving on the log-likelihood; takes at least min_steps
## steps and stops once max|g| < tol.
newton_polish <- function(psi, llf, ghf, tol = 1e-10, maxit = 50, min_steps = 2) {
  steps <- 0
  gh <- ghf(psi)
  while ((max(abs(gh$grad)) >= tol || steps < min_steps) && steps < maxit) {
    step <- solve(-gh$hess, gh$grad)
    ll0 <- llf(psi); t <- 1
    repeat {
      cand <- psi + t * step
      llc <- llf(cand)
      if (is.finite(llc) && llc >= ll0 - 1e-12 * abs(ll0)) break
      t <- t / 2
      if (t < 1e-10) stop("newton_polish: line search failed")
    }
    psi <- cand; steps <- steps + 1
    gh <- ghf(psi)
  }
  list(par = psi, steps = steps, grad_max = max(abs(gh$grad)), hess = gh$hess)
}

## ---------------------------------------------------------------- agreement
## digits of agreement: -log10(max relative difference), capped at 16
rel_diff <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-300))
digits_agree <- function(a, b) {
  d <- rel_diff(a, b)
  if (d == 0) 16 else max(0, min(16, floor(-log10(d))))
}

## ---------------------------------------------------------------- C output
fmt <- function(x) {
  s <- sprintf("%.17g", x)
  s[is.infinite(x) & x > 0] <- "INFINITY"
  s[is.infinite(x) & x < 0] <- "-INFINITY"
  s[is.nan(x)] <- "NAN"
  s
}
emit <- function(...) cat(..., "\n", sep = "")
emit_comment <- function(lines) {
  emit("/*")
  for (l in lines) emit(" * ", l)
  emit(" */")
}
emit_scalar <- function(name, x, comment = NULL) {
  if (!is.null(comment)) emit("/* ", comment, " */")
  emit("static const double ", name, " = ", fmt(x), ";")
}
emit_int <- function(name, x, comment = NULL) {
  if (!is.null(comment)) emit("/* ", comment, " */")
  emit("static const int ", name, " = ", as.integer(x), ";")
}
emit_array <- function(name, x, comment = NULL, per_line = 4) {
  if (!is.null(comment)) emit("/* ", comment, " */")
  x <- as.numeric(x)
  emit("static const double ", name, "[", length(x), "] = {")
  s <- fmt(x)
  idx <- split(seq_along(s), ceiling(seq_along(s) / per_line))
  for (k in seq_along(idx)) {
    last <- k == length(idx)
    emit("    ", paste(s[idx[[k]]], collapse = ", "), if (!last) "," else "")
  }
  emit("};")
}
## matrix in row-major order, declared as a 2-D array [nr][nc]
emit_matrix <- function(name, M, comment = NULL) {
  if (!is.null(comment)) emit("/* ", comment, " */")
  emit("static const double ", name, "[", nrow(M), "][", ncol(M), "] = {")
  for (i in seq_len(nrow(M)))
    emit("    {", paste(fmt(M[i, ]), collapse = ", "), "}",
         if (i < nrow(M)) "," else "")
  emit("};")
}
emit_strings <- function(name, s, comment = NULL) {
  if (!is.null(comment)) emit("/* ", comment, " */")
  emit("static const char *const ", name, "[", length(s), "] = {",
       paste0("\"", s, "\"", collapse = ", "), "};")
}
header_open <- function(guard, lines) {
  emit("/* GENERATED FILE - do not edit. */")
  emit_comment(lines)
  emit("#ifndef ", guard)
  emit("#define ", guard)
  emit("")
  emit("#include <math.h> /* INFINITY */")
  emit("")
}
header_close <- function(guard) {
  emit("")
  emit("#endif /* ", guard, " */")
}

## ---------------------------------------------------------------- ordinal fit
## Fit with ordinal::clm (tight control), then Newton-polish the exact
## (+-Inf outer thresholds) likelihood with the analytic observed Hessian.
## X: n x p design without intercept, y in 1..J, w case weights.
## rows: data rows whose predicted probabilities are recorded.
fit_ordinal <- function(formula, data, wname, link, X, y, w, J, rows = 1:3,
                        conf_file = NULL, coef_terms, thr_terms) {
  args <- list(formula = formula, data = data, link = link,
               control = clm.control(gradTol = 1e-12, relTol = 1e-14, maxIter = 500))
  if (!is.null(wname)) args$weights <- data[[wname]]
  m <- do.call(clm, args)
  p <- ncol(X); k <- p + J - 1
  psi_clm <- c(unname(m$beta), unname(m$alpha))
  llf <- function(s) ord_ll(s, X, y, w, J, link)
  ghf <- function(s) ord_grad_hess(s, X, y, w, J, link)
  pol <- newton_polish(psi_clm, llf, ghf)
  psi <- pol$par
  gh <- ghf(psi)
  V <- solve(-gh$hess)
  se <- sqrt(diag(V))
  ## checks of the analytic Hessian
  Hjac <- numDeriv::jacobian(function(s) ghf(s)$grad, psi); Hjac <- (Hjac + t(Hjac)) / 2
  Hnum <- numDeriv::hessian(llf, psi)
  ## clm's own covariance (its order: thresholds, beta) -> ours
  ord <- c(J - 1 + seq_len(p), seq_len(J - 1))
  Vclm <- vcov(m)[ord, ord]
  ## clm's likelihood at our maximum with its finite stand-ins: for cauchit
  ## its outermost categories differ slightly from exact +-Inf.
  ll <- llf(psi)
  N <- sum(w)
  Wj <- tapply(w, factor(y, levels = 1:J), sum)
  ll0 <- sum(Wj * log(Wj / N))
  beta <- psi[seq_len(p)]; theta <- psi[p + seq_len(J - 1)]
  eta <- drop(X %*% beta)
  pr <- ord_predict(eta[rows], theta, link)
  q <- qnorm(0.975)
  lr <- 2 * (ll - ll0)
  r <- list(
    clm = m, psi = psi, beta = beta, theta = theta, vcov = V, se = se,
    se_beta = se[seq_len(p)], se_theta = se[p + seq_len(J - 1)],
    z = psi / se, p = 2 * pnorm(-abs(psi / se)),
    ci_low = psi - q * se, ci_high = psi + q * se,
    loglik = ll, null_loglik = ll0, aic = -2 * ll + 2 * k, bic = -2 * ll + k * log(N),
    N = N, k = k, lr = lr, lr_df = p, lr_p = pchisq(lr, p, lower.tail = FALSE),
    r2_mcfadden = 1 - ll / ll0,
    r2_coxsnell = 1 - exp(2 * (ll0 - ll) / N),
    r2_nagelkerke = (1 - exp(2 * (ll0 - ll) / N)) / (1 - exp(2 * ll0 / N)),
    eta = eta, rows = rows, probs = pr$probs, cum = pr$cum,
    steps = pol$steps, grad_max = max(abs(gh$grad)),
    d_clm_est = digits_agree(psi_clm, psi), d_clm_ll = digits_agree(m$logLik, ll),
    clm_ll_minus_exact_ll_at_clm = m$logLik - llf(psi_clm),
    ## clm's logLik reproduced with finite outer thresholds -1e5 / +1e5
    d_clm_ll_standin = {
      P <- ord_parts(psi_clm, X, y, J); Lk <- LINKS[[link]]
      a <- pmax(P$a, -1e5 - P$eta); b <- pmin(P$b, 1e5 - P$eta)
      digits_agree(m$logLik, sum(w * log(Lk$F(b) - Lk$F(a))))
    },
    d_clm_se = digits_agree(sqrt(diag(Vclm)), se),
    d_jac_se = digits_agree(sqrt(diag(solve(-Hjac))), se),
    d_num_se = digits_agree(sqrt(diag(solve(-Hnum))), se),
    d_clm_null = if (!is.null(wname)) NA else NA
  )
  ## clm fitted probabilities (of the observed category) vs ours
  fo <- ord_prob(ord_parts(psi, X, y, J)$a, ord_parts(psi, X, y, J)$b, LINKS[[link]])
  r$d_clm_fitted <- digits_agree(unname(fitted(m)), fo)
  ## thresholds-only model fitted by clm
  args0 <- args; args0$formula <- update(formula, . ~ 1)
  m0 <- do.call(clm, args0)
  r$d_clm_null <- digits_agree(m0$logLik, ll0)
  if (!is.null(conf_file) && file.exists(conf_file)) {
    E <- fromJSON(conf_file)$expect
    ce <- c(sapply(coef_terms, function(t) E$coefficients[[t]]$estimate),
            sapply(thr_terms, function(t) E$thresholds[[t]]$estimate))
    cs <- c(sapply(coef_terms, function(t) E$coefficients[[t]]$std_error),
            sapply(thr_terms, function(t) E$thresholds[[t]]$std_error))
    cl <- sapply(coef_terms, function(t) E$coefficients[[t]]$conf_low)
    r$conf <- sprintf(
      "conformance %s: estimate %d digits, std_error %d, conf_low %d, loglik %d, null_loglik %d, aic %d%s",
      basename(conf_file), digits_agree(ce, psi), digits_agree(cs, se),
      digits_agree(cl, r$ci_low[seq_len(p)]), digits_agree(E$loglik, ll),
      digits_agree(E$null_loglik, ll0), digits_agree(E$aic, r$aic),
      if (!is.null(E$bic)) sprintf(", bic %d", digits_agree(E$bic, r$bic)) else "")
  } else r$conf <- "no conformance case for this link"
  r
}

emit_ordinal <- function(pre, r, link, coef_terms, thr_terms, level_names) {
  p <- length(coef_terms); J <- length(thr_terms) + 1
  emit("/* ==================== link: ", link, " ==================== */")
  emit_comment(c(
    sprintf("clm vs polished exact-Inf maximum: estimate %d digits, loglik %d; Newton steps %d, max|grad| after %.3g",
            r$d_clm_est, r$d_clm_ll, r$steps, r$grad_max),
    sprintf("clm logLik minus exact (+-Inf) log-likelihood at clm's estimate: %.3g%s",
            r$clm_ll_minus_exact_ll_at_clm,
            if (link == "cauchit") " (clm's finite outer stand-ins)" else ""),
    sprintf("clm logLik reproduced with outer thresholds -1e5/+1e5 instead of -Inf/+Inf: %d digits",
            r$d_clm_ll_standin),
    sprintf("SE: clm vcov %d digits; numDeriv::jacobian(analytic gradient) %d; numDeriv::hessian(loglik) %d",
            r$d_clm_se, r$d_jac_se, r$d_num_se),
    sprintf("clm fitted() %d digits; clm thresholds-only logLik vs closed-form null_loglik %d digits",
            r$d_clm_fitted, r$d_clm_null),
    r$conf))
  emit_array(paste0(pre, "coef"), r$beta, paste("coefficients:", paste(coef_terms, collapse = ", ")))
  emit_array(paste0(pre, "theta"), r$theta, paste("thresholds:", paste(thr_terms, collapse = ", ")))
  emit_array(paste0(pre, "se"), r$se_beta, "SE of coefficients, inverse observed information")
  emit_array(paste0(pre, "theta_se"), r$se_theta, "SE of thresholds, inverse observed information")
  emit_array(paste0(pre, "z"), r$z, "z of all k parameters (coefficients then thresholds)")
  emit_array(paste0(pre, "p"), r$p, "two-sided normal p of all k parameters")
  emit_array(paste0(pre, "ci_low"), r$ci_low, "95% Wald CI of all k parameters")
  emit_array(paste0(pre, "ci_high"), r$ci_high)
  emit_matrix(paste0(pre, "vcov"), r$vcov,
              "k x k covariance = inverse observed information, order: coefficients then thresholds")
  emit_scalar(paste0(pre, "loglik"), r$loglik)
  emit_scalar(paste0(pre, "null_loglik"), r$null_loglik, "thresholds-only model, closed form sum_j W_j log(W_j/W)")
  emit_scalar(paste0(pre, "aic"), r$aic, sprintf("-2 loglik + 2k, k = %d", r$k))
  emit_scalar(paste0(pre, "bic"), r$bic, sprintf("-2 loglik + k log(N), N = sum of weights = %g", r$N))
  emit_scalar(paste0(pre, "lr_chi2"), r$lr, "2 (loglik - null_loglik)")
  emit_scalar(paste0(pre, "lr_df"), r$lr_df)
  emit_scalar(paste0(pre, "lr_p"), r$lr_p)
  emit_scalar(paste0(pre, "r2_mcfadden"), r$r2_mcfadden)
  emit_scalar(paste0(pre, "r2_coxsnell"), r$r2_coxsnell, "uses N = sum of weights")
  emit_scalar(paste0(pre, "r2_nagelkerke"), r$r2_nagelkerke, "uses N = sum of weights")
  emit_array(paste0(pre, "eta"), r$eta, "linear predictor x'beta of every data row")
  emit_matrix(paste0(pre, "probs"), r$probs,
              sprintf("P(Y = j) for data rows %d..%d (row-major [row][level]); columns %s",
                      min(r$rows), max(r$rows), paste(level_names, collapse = ", ")))
  emit_matrix(paste0(pre, "cumprobs"), r$cum,
              sprintf("P(Y <= j) = F(theta_j - eta), j = %s, for the same rows",
                      paste(level_names[-J], collapse = ", ")))
  emit("")
}
