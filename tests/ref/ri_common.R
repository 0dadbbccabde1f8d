# Random-intercept (community effect) models: exact, vectorised adaptive
# Gauss-Hermite (AGQ) marginal log-likelihood and its analytic gradient.
# Sourced by the ri_*.R scripts after common.R; not run on its own.
#
# Model (CONTRACT.md, "Community random intercepts"):
#   binary   P(y = 1 | x, u_g)  = F(x'beta + u_g)
#   ordinal  P(Y <= j | x, u_g) = F(theta_j - x'beta - u_g), theta_0 = -Inf,
#            theta_J = +Inf exactly
#   u_g ~ N(0, sigma^2); parameters psi = (beta, theta, s = log sigma).
#
# Group g, rows i in g, case weights w_i:
#   h(u) = sum_i w_i log p_i(u),  k(u) = h(u) - u^2 / (2 sigma^2)
#   u^ = argmax k (Newton to machine precision), c = -k''(u^) (the OBSERVED
#   curvature at the exact conditional mode, every link),
#   L_g = 1/(sigma sqrt(c)) sum_q W_q exp(k(u^ + x_q / sqrt(c)) + x_q^2 / 2)
# with (x_q, W_q) the Q-point Gauss-Hermite rule for the standard normal
# density (Q = 1: x = 0, W = 1, the Laplace approximation
# exp(k(u^)) / (sigma sqrt(c))).  loglik = sum_g log L_g.
#
# Gradient (exact derivative of the AGQ approximation, u^ and c depending on
# psi through the mode equation k'(u^) = 0):
#   du^/dpsi = k_u,psi(u^) / c
#   dc/dpsi  = -(k_uu,psi(u^) + k_uuu(u^) du^/dpsi)
#   dlog L_g/dpsi = sum_q pi_q [k_psi(u_q) + k_u(u_q) (du^/dpsi
#                   - x_q c^(-3/2) dc/dpsi / 2)] - (dc/dpsi) / (2 c) - [psi = s]
# pi_q the normalised terms of the sum.  Row derivatives of log p with
# respect to u, beta (= x times the u-derivative) and thresholds up to third
# order come from F, f, f'/f and f''/f of the link (ri_rows).

suppressPackageStartupMessages({
  library(statmod)
  library(numDeriv)
})

ri_versions <- function(pkgs = c("lme4", "ordinal", "numDeriv", "statmod", "MASS", "Matrix", "jsonlite")) {
  paste0(R.version.string, " [", paste(sprintf("%s %s", pkgs, sapply(pkgs, function(p)
    as.character(packageVersion(p)))), collapse = ", "), "]")
}

## ------------------------------------------------------------ link pieces
## log F, log(1 - F), log f, f'/f, f''/f; arguments may be +-Inf.
log1mexp <- function(x) ifelse(x > -log(2), log(-expm1(x)), log1p(-exp(x)))
LOGLINKS <- list(
  logit = list(
    logF  = function(x) plogis(x, log.p = TRUE),
    logFc = function(x) plogis(x, lower.tail = FALSE, log.p = TRUE),
    logf  = function(x) dlogis(x, log = TRUE),
    q1    = function(x) -tanh(x / 2),
    q2    = function(x) tanh(x / 2)^2 - 2 * dlogis(x)),
  probit = list(
    logF  = function(x) pnorm(x, log.p = TRUE),
    logFc = function(x) pnorm(x, lower.tail = FALSE, log.p = TRUE),
    logf  = function(x) dnorm(x, log = TRUE),
    q1    = function(x) -x,
    q2    = function(x) x^2 - 1),
  cloglog = list(                       # F = 1 - exp(-exp(x))
    logF  = function(x) ifelse(x < -20, x - exp(x) / 2, log(-expm1(-exp(x)))),
    logFc = function(x) -exp(x),
    logf  = function(x) x - exp(x),
    q1    = function(x) 1 - exp(x),
    q2    = function(x) (1 - exp(x))^2 - exp(x)),
  loglog = list(                        # F = exp(-exp(-x))
    logF  = function(x) -exp(-x),
    logFc = function(x) ifelse(x > 20, -x - exp(-x) / 2, log(-expm1(-exp(-x)))),
    logf  = function(x) -x - exp(-x),
    q1    = function(x) exp(-x) - 1,
    q2    = function(x) (exp(-x) - 1)^2 - exp(-x)),
  cauchit = list(                       # F = 1/2 + atan(x)/pi
    logF  = function(x) pcauchy(x, log.p = TRUE),
    logFc = function(x) pcauchy(x, lower.tail = FALSE, log.p = TRUE),
    logf  = function(x) dcauchy(x, log = TRUE),
    q1    = function(x) -2 * x / (1 + x^2),
    q2    = function(x) (6 * x^2 - 2) / (1 + x^2)^2)
)
## r * q with r = 0 wherever the density ratio vanishes (infinite arguments)
mul0 <- function(r, q) { z <- r * q; z[r == 0] <- 0; z }

## ------------------------------------------------------------ model object
## binary: X with the intercept column, y in {0, 1}; ordinal: X without
## intercept, y in 1..J.  g: group codes 1..G.  w: case weights.
ri_model <- function(family, link, X, y, g, w = NULL, J = NULL, coef_names = colnames(X),
                     thr_names = NULL, group_levels = NULL) {
  X <- as.matrix(X); storage.mode(X) <- "double"
  gf <- factor(g)
  m <- list(family = family, link = link, X = X, y = as.integer(y),
            g = as.integer(gf), G = nlevels(gf),
            group_levels = if (is.null(group_levels)) levels(gf) else group_levels,
            w = if (is.null(w)) rep(1, length(y)) else as.numeric(w),
            n = length(y), p = ncol(X), L = LOGLINKS[[link]])
  if (family == "binary") {
    m$J <- 2; m$nthr <- 0
  } else {
    m$J <- J; m$nthr <- J - 1
    m$Iy <- sapply(seq_len(J - 1), function(j) as.numeric(m$y == j))       # theta_j is b
    m$Iy1 <- sapply(seq_len(J - 1), function(j) as.numeric(m$y == j + 1))  # theta_j is a
  }
  m$k <- m$p + m$nthr + 1
  m$names <- c(coef_names, thr_names, "log(sd)")
  m
}
ri_split <- function(m, psi) {
  list(beta = psi[seq_len(m$p)], theta = psi[m$p + seq_len(m$nthr)],
       s = psi[m$k], sigma = exp(psi[m$k]))
}

## ------------------------------------------------------------ row terms
## U: n x Q matrix (or n-vector) of the random effect in each row.
## order 0: logD; 1: + l1 (d/du), lA, lB (d/dtheta of the row's lower and
## upper threshold); 3: + l2, l3, luA, luuA, luB, luuB.
ri_rows <- function(m, psi, U, order = 1) {
  P <- ri_split(m, psi); L <- m$L
  U <- as.matrix(U)
  eta <- if (m$p > 0) drop(m$X %*% P$beta) else rep(0, m$n)
  out <- list()
  if (m$family == "binary") {
    t <- eta + U
    one <- matrix(m$y == 1, nrow(U), ncol(U))
    logD <- ifelse(one, L$logF(t), L$logFc(t))
    out$logD <- logD
    if (order == 0) return(out)
    r <- exp(L$logf(t) - logD); r[!is.finite(t) | !is.finite(logD)] <- 0
    sg <- ifelse(one, 1, -1)
    d1 <- sg * r
    out$l1 <- d1
    if (order >= 3) {
      Duu <- sg * mul0(r, L$q1(t)); Duuu <- sg * mul0(r, L$q2(t))
      out$l2 <- Duu - d1^2
      out$l3 <- Duuu - 3 * Duu * d1 + 2 * d1^3
    }
    return(out)
  }
  o <- if (is.null(m$outer)) Inf else m$outer   # finite stand-ins only for cross-checks
  th <- c(-o, P$theta, o)
  a <- (th[m$y] - eta) - U          # lower limit A - u
  b <- (th[m$y + 1] - eta) - U      # upper limit B - u
  up <- a > 0                       # both limits in the upper tail: use 1 - F
  big <- ifelse(up, L$logFc(a), L$logF(b))
  small <- ifelse(up, L$logFc(b), L$logF(a))
  logD <- big + log1mexp(small - big)
  logD[big == -Inf] <- -Inf         # the probability underflows
  out$logD <- logD
  if (order == 0) return(out)
  ra <- exp(L$logf(a) - logD); ra[!is.finite(a) | !is.finite(logD)] <- 0
  rb <- exp(L$logf(b) - logD); rb[!is.finite(b) | !is.finite(logD)] <- 0
  d1 <- ra - rb
  out$l1 <- d1; out$lA <- -ra; out$lB <- rb
  if (order >= 3) {
    q1a <- L$q1(a); q1b <- L$q1(b); q2a <- L$q2(a); q2b <- L$q2(b)
    Duu <- mul0(rb, q1b) - mul0(ra, q1a)
    Duuu <- -(mul0(rb, q2b) - mul0(ra, q2a))
    out$l2 <- Duu - d1^2
    out$l3 <- Duuu - 3 * Duu * d1 + 2 * d1^3
    out$luB <- -(mul0(rb, q1b) + rb * d1)
    out$luuB <- mul0(rb, q2b) - rb * Duu + 2 * mul0(rb, q1b) * d1 + 2 * rb * d1^2
    out$luA <- mul0(ra, q1a) + ra * d1
    out$luuA <- -(mul0(ra, q2a) - ra * Duu + 2 * mul0(ra, q1a) * d1 + 2 * ra * d1^2)
  }
  out
}
gsum <- function(m, M) rowsum(m$w * M, m$g, reorder = TRUE)   # G x ncol(M)

## ------------------------------------------------------------ Gauss-Hermite
## Q-point rule for the standard normal density: statmod's Golub-Welsch
## nodes refined by Newton on the orthonormal Hermite polynomials, weights
## 1 / sum_k p_k(x)^2 (relative accuracy also for the smallest weights).
gh_rule <- function(Q) {
  if (Q == 1) return(list(x = 0, w = 1, statmod_w_rel = 0, statmod_x_abs = 0))
  r <- statmod::gauss.quad.prob(Q, dist = "normal")
  x <- r$nodes
  ortho <- function(x) {
    P <- matrix(0, Q + 1, length(x)); P[1, ] <- 1; P[2, ] <- x
    for (k in 1:(Q - 1)) P[k + 2, ] <- (x * P[k + 1, ] - sqrt(k) * P[k, ]) / sqrt(k + 1)
    P
  }
  for (it in 1:4) {
    P <- ortho(x)
    x <- x - P[Q + 1, ] / (sqrt(Q) * P[Q, ])
  }
  x <- (x - rev(x)) / 2
  P <- ortho(x)
  w <- 1 / colSums(P[1:Q, , drop = FALSE]^2)
  w <- (w + rev(w)) / 2
  list(x = x, w = w, statmod_x_abs = max(abs(x - r$nodes)),
       statmod_w_rel = max(abs(w - r$weights) / w))
}
GH_CACHE <- new.env()
gh_get <- function(Q) {
  key <- as.character(Q)
  if (is.null(GH_CACHE[[key]])) GH_CACHE[[key]] <- gh_rule(Q)
  GH_CACHE[[key]]
}

## ------------------------------------------------------------ modes
## Conditional modes u^_g of k_g by vectorised Newton with per-group step
## halving, from u = 0, to machine precision.  Returns u, c = -k''(u^), k(u^).
ri_modes <- function(m, psi, maxit = 200) {
  P <- ri_split(m, psi); is2 <- 1 / P$sigma^2
  kfun <- function(u) drop(gsum(m, ri_rows(m, psi, u[m$g], 0)$logD)) - u^2 * is2 / 2
  u <- rep(0, m$G); kv <- kfun(u)
  if (!all(is.finite(kv))) stop("ri_modes: log-likelihood not finite at u = 0")
  conv <- FALSE
  for (it in seq_len(maxit)) {
    R <- ri_rows(m, psi, u[m$g], 3)
    k1 <- drop(gsum(m, R$l1)) - u * is2
    k2 <- drop(gsum(m, R$l2)) - is2
    step <- ifelse(k2 < 0, -k1 / k2, sign(k1) * pmin(abs(k1) / is2, 1))
    tstep <- rep(1, m$G)
    repeat {
      un <- u + tstep * step
      kn <- kfun(un)
      bad <- !(is.finite(kn) & kn >= kv - 1e-14 * abs(kv))
      if (!any(bad)) break
      tstep[bad] <- tstep[bad] / 2
      if (min(tstep) < 1e-12) stop("ri_modes: line search failed")
    }
    done <- all(abs(tstep * step) <= 1e-9 * (1 + abs(u)))
    u <- un; kv <- kn
    if (done) { conv <- TRUE; break }
  }
  ## two plain Newton steps more: from |step| < 1e-9 to the rounding level
  if (conv) for (extra in 1:2) {
    R <- ri_rows(m, psi, u[m$g], 3)
    u <- u - (drop(gsum(m, R$l1)) - u * is2) / (drop(gsum(m, R$l2)) - is2)
  }
  kv <- kfun(u)
  if (!conv) stop("ri_modes: no convergence at psi = ", paste(format(psi, digits = 17), collapse = ", "))
  R <- ri_rows(m, psi, u[m$g], 3)
  k1 <- drop(gsum(m, R$l1)) - u * is2
  c <- -(drop(gsum(m, R$l2)) - is2)
  if (any(c <= 0)) stop("ri_modes: curvature not positive")
  list(u = u, c = c, k = kv, k1 = k1, R = R, iterations = it)
}

## ------------------------------------------------------------ AGQ loglik
## Returns loglik, per-group log L_g, and (grad = TRUE) the analytic gradient.
ri_eval <- function(m, psi, Q, grad = TRUE) {
  P <- ri_split(m, psi); is2 <- 1 / P$sigma^2
  gh <- gh_get(Q)
  M <- ri_modes(m, psi)
  sc <- 1 / sqrt(M$c)
  Ug <- M$u + outer(sc, gh$x)                 # G x Q nodes
  R <- ri_rows(m, psi, Ug[m$g, , drop = FALSE], if (grad) 1 else 0)
  kq <- gsum(m, R$logD) - Ug^2 * is2 / 2        # G x Q
  lt <- sweep(kq, 2, log(gh$w) + gh$x^2 / 2, "+")
  mx <- apply(lt, 1, max)
  S <- rowSums(exp(lt - mx))
  lg <- -P$s - 0.5 * log(M$c) + mx + log(S)
  res <- list(loglik = sum(lg), group = lg, modes = M)
  if (!grad) return(res)
  PI <- exp(lt - mx) / S                        # G x Q, rows sum to 1
  PI[!is.finite(PI)] <- 0
  ku <- gsum(m, R$l1) - Ug * is2                # k_u at the nodes
  ku[PI == 0] <- 0
  Rm <- M$R                                     # row terms at the mode
  kuuu <- drop(gsum(m, Rm$l3))
  xq <- matrix(gh$x, m$G, Q, byrow = TRUE)
  g <- numeric(m$k)
  one_param <- function(kpsi_q, kupsi, kuupsi, extra = 0) {
    du <- kupsi / M$c
    dc <- -(kuupsi + kuuu * du)
    kpsi_q[PI == 0] <- 0
    inner <- kpsi_q + ku * (du - xq * (M$c^-1.5) * dc / 2)
    sum(rowSums(PI * inner) - dc / (2 * M$c)) + extra
  }
  for (j in seq_len(m$p)) {
    xj <- m$X[, j]
    g[j] <- one_param(gsum(m, xj * R$l1), drop(gsum(m, xj * Rm$l2)), drop(gsum(m, xj * Rm$l3)))
  }
  if (m$nthr > 0) for (j in seq_len(m$nthr)) {
    Ib <- m$Iy[, j]; Ia <- m$Iy1[, j]
    g[m$p + j] <- one_param(gsum(m, Ib * R$lB + Ia * R$lA),
                            drop(gsum(m, Ib * Rm$luB + Ia * Rm$luA)),
                            drop(gsum(m, Ib * Rm$luuB + Ia * Rm$luuA)))
  }
  g[m$k] <- one_param(Ug^2 * is2, 2 * M$u * is2, rep(2 * is2, m$G), extra = -m$G)
  res$grad <- g
  res
}
## -Inf where the likelihood is not defined (thresholds out of order, a
## probability that underflows at u = 0), so that optimisers back off.
ri_ll <- function(m, psi, Q) {
  if (m$nthr > 1 && any(diff(ri_split(m, psi)$theta) <= 0)) return(-Inf)
  r <- tryCatch(suppressWarnings(ri_eval(m, psi, Q, grad = FALSE)$loglik), error = function(e) -Inf)
  if (is.finite(r)) r else -Inf
}
ri_gr <- function(m, psi, Q) ri_eval(m, psi, Q, grad = TRUE)$grad
ri_hess <- function(m, psi, Q) {
  H <- numDeriv::jacobian(function(p) ri_gr(m, p, Q), psi)
  (H + t(H)) / 2
}

## Each group's integral by stats::integrate (for the size of the AGQ error)
ri_ll_integrate <- function(m, psi, rel.tol = 1e-12) {
  P <- ri_split(m, psi); M <- ri_modes(m, psi)
  sum(sapply(seq_len(m$G), function(gi) {
    rows <- which(m$g == gi)
    sub <- m; sub$X <- m$X[rows, , drop = FALSE]; sub$y <- m$y[rows]; sub$w <- m$w[rows]
    sub$g <- rep(1L, length(rows)); sub$n <- length(rows); sub$G <- 1
    kfun <- function(u) sapply(u, function(v)
      sum(sub$w * ri_rows(sub, psi, rep(v, sub$n), 0)$logD) - v^2 / (2 * P$sigma^2))
    sc <- 1 / sqrt(M$c[gi])
    ## integrand relative to its value at the mode, on the scaled axis
    f <- function(z) { v <- exp(kfun(M$u[gi] + sc * z) - M$k[gi]); v[!is.finite(v)] <- 0; v }
    I <- integrate(f, -Inf, Inf, rel.tol = rel.tol, subdivisions = 1000L)$value
    M$k[gi] + log(I * sc) - P$s - 0.5 * log(2 * pi)
  }))
}

## ------------------------------------------------------------ fitting
## BFGS with the analytic gradient, then Newton steps with the numDeriv
## (Richardson) Jacobian of the analytic gradient until max|grad| < tol.
ri_fit <- function(m, Q, start, tol = 1e-9, maxit = 30) {
  o <- optim(start, function(p) ri_ll(m, p, Q),
             function(p) { g <- tryCatch(ri_gr(m, p, Q), error = function(e) rep(NA, m$k))
                           if (all(is.finite(g))) g else rep(0, m$k) },
             method = "BFGS", control = list(fnscale = -1, reltol = 1e-15, maxit = 2000))
  psi <- o$par; steps <- 0
  ev <- ri_eval(m, psi, Q)
  while ((max(abs(ev$grad)) >= tol || steps < 1) && steps < maxit) {
    H <- ri_hess(m, psi, Q)
    step <- solve(-H, ev$grad)
    t <- 1
    repeat {
      cand <- psi + t * step
      llc <- tryCatch(ri_ll(m, cand, Q), error = function(e) -Inf)
      if (is.finite(llc) && llc >= ev$loglik - 1e-12 * abs(ev$loglik)) break
      t <- t / 2
      if (t < 1e-8) stop("ri_fit: line search failed")
    }
    psi <- cand; steps <- steps + 1
    ev <- ri_eval(m, psi, Q)
  }
  if (max(abs(ev$grad)) >= tol) stop("ri_fit: gradient not below tol")
  H <- ri_hess(m, psi, Q)
  V <- solve(-H); V <- (V + t(V)) / 2
  list(psi = psi, loglik = ev$loglik, grad = ev$grad, H = H, V = V, se = sqrt(diag(V)),
       modes = ev$modes, steps = steps, bfgs_counts = o$counts, Q = Q,
       grad_max = max(abs(ev$grad)))
}

## ------------------------------------------------------------ model without u
## Same model with sigma = 0 (the lr test's null) and the null model
## (intercept / thresholds only, no random intercept).
ri_fixed_fit <- function(m) {
  if (m$family == "binary") {
    start <- unname(coef(glm.fit(m$X, m$y, weights = m$w, family = binomial(m$link),
                                 control = list(epsilon = 1e-14, maxit = 200))))
    llf <- function(b) bin_ll(b, m$X, m$y, m$w, m$link)
    ghf <- function(b) list(grad = bin_grad(b, m$X, m$y, m$w, m$link),
                            hess = bin_hess(b, m$X, m$y, m$w, m$link))
  } else {
    ## clm on a data frame built from the design
    df <- data.frame(yy = factor(m$y, levels = 1:m$J, ordered = TRUE), m$X, ww = m$w)
    fo <- as.formula(paste("yy ~", if (m$p) paste(colnames(df)[1 + seq_len(m$p)], collapse = " + ") else "1"))
    cm <- clm(fo, data = df, weights = ww, link = m$link,
              control = clm.control(gradTol = 1e-12, relTol = 1e-14, maxIter = 500))
    start <- c(unname(cm$beta), unname(cm$alpha))
    llf <- function(s) ord_ll(s, m$X, m$y, m$w, m$J, m$link)
    ghf <- function(s) ord_grad_hess(s, m$X, m$y, m$w, m$J, m$link)
  }
  pol <- newton_polish(start, llf, ghf, tol = 1e-10)
  list(psi = pol$par, loglik = llf(pol$par), V = solve(-ghf(pol$par)$hess),
       grad_max = pol$grad_max)
}
ri_null_loglik <- function(m) {
  if (m$family == "binary") {
    N <- sum(m$w); N1 <- sum(m$w[m$y == 1]); N0 <- N - N1
    N1 * log(N1 / N) + N0 * log(N0 / N)
  } else {
    Wj <- tapply(m$w, factor(m$y, levels = 1:m$J), sum); N <- sum(m$w)
    sum(Wj * log(Wj / N))
  }
}

## ------------------------------------------------------------ summaries
ICC_V <- c(logit = pi^2 / 3, probit = 1, cloglog = pi^2 / 6, loglog = pi^2 / 6, cauchit = NA)
ri_summary <- function(m, fit, fixed, null_ll) {
  P <- ri_split(m, fit$psi)
  k <- m$k; N <- sum(m$w)     # case weights are duplicated rows: N = rows when unweighted
  lr <- 2 * (fit$loglik - fixed$loglik)
  v <- ICC_V[[m$link]]
  list(loglik = fit$loglik, null_loglik = null_ll,
       aic = -2 * fit$loglik + 2 * k, bic = -2 * fit$loglik + k * log(N),
       sd = P$sigma, sd_std_error = P$sigma * fit$se[k],
       icc = if (is.na(v)) NA else P$sigma^2 / (P$sigma^2 + v),
       lr_chi2 = lr, lr_p_value = pchisq(lr, 1, lower.tail = FALSE) / 2)
}

## Population-averaged probabilities at covariate rows X0 (binary: P(y = 1);
## ordinal: P(Y = j), j = 1..J), integrated over u ~ N(0, sigma^2) by the
## nQ-point Gauss-Hermite rule for the normal density.
ri_pa_probs <- function(m, psi, X0, nQ = 100) {
  P <- ri_split(m, psi); gh <- gh_get(nQ); L <- LINKS[[m$link]]
  X0 <- as.matrix(X0)
  eta <- if (m$p > 0) drop(X0 %*% P$beta) else rep(0, nrow(X0))
  u <- P$sigma * gh$x
  if (m$family == "binary") return(sapply(eta, function(e) sum(gh$w * L$F(e + u))))
  th <- c(-Inf, P$theta, Inf)
  t(sapply(eta, function(e) {
    cum <- sapply(th, function(t) if (is.infinite(t)) as.numeric(t > 0) else sum(gh$w * L$F(t - e - u)))
    diff(cum)
  }))
}

## ------------------------------------------------------------ JSON
## Named list of per-term {estimate, std_error[, conf_low, conf_high]}.
ri_terms_json <- function(names, est, se, ci = TRUE) {
  q <- qnorm(0.975)
  out <- lapply(seq_along(names), function(i) {
    e <- list(estimate = est[i], std_error = se[i])
    if (ci) { e$conf_low <- est[i] - q * se[i]; e$conf_high <- est[i] + q * se[i] }
    e
  })
  names(out) <- names
  out
}
## Shortest of %.15g/%.16g/%.17g that reads back as the same double
## (jsonlite stops at 15 significant digits).
num_text <- function(x) {
  if (!is.finite(x)) return("null")
  for (d in 15:17) { s <- sprintf("%.*g", d, x); if (as.numeric(s) == x) return(s) }
  s
}
json_exact <- function(v) {
  if (is.list(v)) {
    at <- attributes(v); v <- lapply(v, json_exact)
    if (!is.null(at$names)) names(v) <- at$names
    return(v)
  }
  if (is.double(v) && length(v) == 1) return(structure(num_text(v), class = "json"))
  if (is.double(v)) return(lapply(v, json_exact))
  v
}
write_case <- function(path, case) {
  txt <- jsonlite::toJSON(json_exact(case), auto_unbox = TRUE, json_verbatim = TRUE, pretty = TRUE,
                          null = "null", na = "null")
  writeLines(txt, path)
  chk <- jsonlite::fromJSON(path, simplifyVector = FALSE)
  stopifnot(identical(chk$expect$loglik, case$expect$loglik))
}
