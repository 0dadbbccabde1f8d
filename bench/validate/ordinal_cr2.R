## ordinal_cr2.R: a bias-reduced cluster-robust covariance (CR2) and its
## Satterthwaite degrees of freedom for cumulative-link (ordinal) models,
## in three residual coordinates, checked and validated by Monte Carlo.
## The proposal it supports is docs/ordinal_cr2.md.
##
## What it computes
##   Model: P(Y <= j | x) = F(theta_j - x'beta), j = 1..J-1 (MASS::polr,
##   ordinal::clm). One resident is one multinomial observation, written as
##   a (J-1)-vector in one of three coordinates:
##     (a) cumulative: Y*_j = 1[y <= j], mean gamma_j = F(theta_j - x'beta);
##     (b) category:   indicators of categories 1..J-1, mean pi_j;
##     (c) whitened:   (a) premultiplied by Phi_i^-1/2 (symmetric root), so
##                     the working covariance is the identity.
##   CR2 is clubSandwich's general form (Pustejovsky and Tipton 2018) on
##   the stacked rows of each cluster: derivative matrix D, working
##   covariance Phi (block diagonal, (J-1) x (J-1) blocks), W = Phi^-1,
##   M = (D'WD)^-1 (inverse EXPECTED information), A_j = T_j' B_j^-1/2 T_j,
##   B_j = T_j (Phi_j - D_j M D_j') T_j', T_j'T_j = Phi_j,
##   V = M (sum_j D_j'W_j A_j e_j e_j' A_j W_j D_j) M, and the Satterthwaite
##   df of clubSandwich::coef_test. (c) is computed by its low-rank form
##   (I - P_jj)^-1/2 = I + U ((I - Lambda)^-1/2 - I) U' from a k x k
##   eigenproblem.
##   Assertions (stopifnot): analytic score and observed information against
##   numDeriv and ordinal::clm; D'Phi^-1 e = score and D'Phi^-1 D = expected
##   information (the latter against the expectation of the observed
##   information over the categories); Phi_i^-1 tridiagonal in (a); the
##   dense route of (a) against clubSandwich's own CR2 adjustment matrices
##   (clubSandwich:::CR2); (c)'s low-rank route against the dense route;
##   (a) unchanged by an orthogonal change of each row's coordinates (its
##   eigenbasis of Phi_i: J - 1 pseudo-rows with a diagonal Phi, the form
##   the binary C route takes) and by reversing the scale, while (b) on the
##   reversed scale is (b) with the first category dropped. Reported, not
##   asserted: the ratio of the ends of the interval that holds the
##   spectrum of B_j (what Zolotarev's approximation must cover), per
##   cluster, in (a) and (b). For J = 2, (a) and (b) against
##   clubSandwich::vcovCR(glm, type = "CR2") and coef_test(test =
##   "Satterthwaite") on two data sets and two links.
##   Then the three variants on a real-size example (examples/data/
##   participation_survey.csv, 2000 residents in 40 communities), and the
##   Monte Carlo: ordinal probit data with community effects whose
##   population-averaged model is exactly the ordinal probit with the true
##   coefficients; G = 10, 20, 40 communities of 10 to 50 residents; J = 3
##   and 5; coverage of 95% intervals for the two slopes by CR1 (normal and
##   t(G - 1)) and the three CR2 variants with Satterthwaite df.
##   Output: markdown on standard output; progress on standard error.
##
## How to run (from the repository root; one process, about 16 minutes on
## one core for R = 1000):
##   OPENBLAS_NUM_THREADS=1 nice Rscript bench/validate/ordinal_cr2.R [R [SEED]]
## R = replications per cell (default 1000), SEED (default 20261207);
## R = 0 runs the checks and the example only.
##
## Software: R 4.2.2, clubSandwich 0.5.8, ordinal 2022.11.16, MASS 7.3-58.2,
## numDeriv 2016.8-1.1 (printed again at the top of the output).

suppressPackageStartupMessages({
  library(clubSandwich); library(ordinal); library(MASS); library(numDeriv)
})

args <- commandArgs(trailingOnly = TRUE)
R_REPS <- if (length(args) >= 1) as.integer(args[1]) else 1000L
SEED <- if (length(args) >= 2) as.numeric(args[2]) else 20261207
say <- function(...) cat(sprintf(...), file = stderr())
close_to <- function(a, b, tol) max(abs(a - b) / pmax(1, abs(b))) < tol
rel_diff <- function(a, b) max(abs(a - b) / abs(b))
## covariance difference relative to the standard errors: |dV_ij| / sqrt(V_ii V_jj)
rel_diff_V <- function(a, b) max(abs(a - b) / sqrt(outer(diag(b), diag(b))))

LINKS <- list(
  probit = list(F = pnorm, f = dnorm, fp = function(z) -z * dnorm(z)),
  logit = list(F = plogis, f = dlogis,
               fp = function(z) { p <- plogis(z); p * (1 - p) * (1 - 2 * p) }))

## ---------------------------------------------------------------- the fit
## X: n x p (no intercept), y in 1..J, psi = (theta_1..theta_{J-1}, beta).
## Returns the log-likelihood, the per-row scores S (n x k) and the observed
## information A = -sum_i w_i d2 l_i (k x k).
ord_derivs <- function(psi, X, y, J, L, w = rep(1, length(y))) {
  n <- nrow(X); p <- ncol(X); q <- J - 1L; k <- q + p
  th <- c(-Inf, psi[seq_len(q)], Inf); eta <- drop(X %*% psi[q + seq_len(p)])
  a <- th[y + 1L] - eta; b <- th[y] - eta
  fa <- numeric(n); fb <- numeric(n); fpa <- numeric(n); fpb <- numeric(n)
  ia <- y < J; ib <- y > 1L
  fa[ia] <- L$f(a[ia]); fpa[ia] <- L$fp(a[ia])
  fb[ib] <- L$f(b[ib]); fpb[ib] <- L$fp(b[ib])
  pr <- L$F(a) - L$F(b)
  Ga <- matrix(0, n, k); Gb <- matrix(0, n, k)
  Ga[cbind(which(ia), y[ia])] <- 1; Ga[ia, q + seq_len(p)] <- -X[ia, ]
  Gb[cbind(which(ib), y[ib] - 1L)] <- 1; Gb[ib, q + seq_len(p)] <- -X[ib, ]
  da <- fa / pr; db <- -fb / pr
  S <- da * Ga + db * Gb
  haa <- fpa / pr - da^2; hbb <- -fpb / pr - db^2; hab <- -da * db
  H <- crossprod(Ga, (w * haa) * Ga) + crossprod(Gb, (w * hbb) * Gb) +
    crossprod(Ga, (w * hab) * Gb) + crossprod(Gb, (w * hab) * Ga)
  list(ll = sum(w * log(pr)), S = S, A = -(H + t(H)) / 2)
}

## Newton with the observed information and step halving, from psi0.
ord_fit <- function(X, y, J, L, psi0, tol = 1e-10, maxit = 50) {
  psi <- psi0; d <- ord_derivs(psi, X, y, J, L)
  for (it in seq_len(maxit)) {
    g <- colSums(d$S)
    step <- tryCatch(solve(d$A, g), error = function(e) NULL)
    if (is.null(step) || any(!is.finite(step))) return(NULL)
    t <- 1
    repeat {
      cand <- psi + t * step
      ok <- all(diff(cand[seq_len(J - 1)]) > 0)
      if (ok) { dn <- ord_derivs(cand, X, y, J, L); ok <- is.finite(dn$ll) && dn$ll >= d$ll - 1e-9 }
      if (ok) break
      t <- t / 2
      if (t < 1e-8) return(NULL)
    }
    psi <- cand; d <- dn
    if (max(abs(t * step)) < tol) {
      return(list(psi = psi, ll = d$ll, S = d$S, A = d$A, iter = it,
                  grad = max(abs(colSums(d$S)) * sqrt(diag(solve(d$A))))))
    }
  }
  NULL
}

## ---------------------------------------------------- the working model
## Per row i (J-1 coordinates, cumulative): gamma_ij, e_ij = 1[y_i <= j] -
## gamma_ij, D_i = d gamma_i / d psi' and Phi_i (entries gamma_min (1 -
## gamma_max)). Stored row-wise: e and gam are n x q; D is (n q) x k with
## row i's block in rows (i-1)q + 1..iq; Phi blocks as an n x q x q array.
working_model <- function(psi, X, y, J, L) {
  n <- nrow(X); p <- ncol(X); q <- J - 1L; k <- q + p
  eta <- drop(X %*% psi[q + seq_len(p)])
  z <- outer(-eta, psi[seq_len(q)], "+")                 # n x q: theta_j - eta_i
  gam <- L$F(z); fz <- L$f(z)
  e <- outer(y, seq_len(q), "<=") - gam
  D <- matrix(0, n * q, k)
  rows <- function(j) (seq_len(n) - 1L) * q + j
  for (j in seq_len(q)) {
    D[rows(j), j] <- fz[, j]
    D[rows(j), q + seq_len(p)] <- -fz[, j] * X
  }
  Phi <- array(0, c(n, q, q))
  for (j in seq_len(q)) for (l in seq_len(q))
    Phi[, j, l] <- gam[, min(j, l)] * (1 - gam[, max(j, l)])
  list(n = n, q = q, k = k, e = e, D = D, Phi = Phi, gam = gam)
}

## Change of per-row coordinates. "a": cumulative (as built); "b":
## category indicators, K = lower bidiagonal (1 on the diagonal, -1 below);
## "c": whitened by the symmetric root Phi_i^-1/2 (working covariance I).
## For the checks: "b_first", the indicators of categories 2..J (the first
## dropped instead of the last; their residuals are K e with K upper
## bidiagonal, -1 on the diagonal); "a_rot", (a) rotated into each row's
## eigenbasis of Phi_i (orthogonal, so the same CR2 as (a); Phi diagonal).
## Returns per-row blocks: Dr ((n q) x k), er (n x q), Phir (n x q x q).
recoordinate <- function(wm, how) {
  n <- wm$n; q <- wm$q
  Lr <- switch(how,
    a = lapply(seq_len(n), function(i) diag(q)),
    b = { K <- diag(q); if (q > 1) K[cbind(2:q, 1:(q - 1))] <- -1; rep(list(K), n) },
    b_first = {                                   # categories 2..J instead: 1[y = j] - 1[y = j-1] ..., 1 - Y*_{J-1}
      K <- matrix(0, q, q); if (q > 1) K[cbind(1:(q - 1), 2:q)] <- 1
      if (q > 1) K[cbind(1:(q - 1), 1:(q - 1))] <- -1
      K[q, q] <- -1; rep(list(K), n) },
    a_rot = lapply(seq_len(n), function(i)          # orthogonal: each row's eigenbasis of Phi_i
      t(eigen(matrix(wm$Phi[i, , ], q, q), symmetric = TRUE)$vectors)),
    c = lapply(seq_len(n), function(i) {
      es <- eigen(matrix(wm$Phi[i, , ], q, q), symmetric = TRUE)
      es$vectors %*% (es$values^-0.5 * t(es$vectors))
    }))
  Dr <- wm$D; er <- wm$e; Phir <- wm$Phi
  for (i in seq_len(n)) {
    r <- (i - 1L) * q + seq_len(q); Li <- Lr[[i]]
    Dr[r, ] <- Li %*% wm$D[r, , drop = FALSE]
    er[i, ] <- Li %*% wm$e[i, ]
    Phir[i, , ] <- Li %*% matrix(wm$Phi[i, , ], q, q) %*% t(Li)
  }
  list(n = n, q = q, k = wm$k, D = Dr, e = er, Phi = Phir)
}

## Per-cluster stacked pieces: D_j (m x k), e_j (m), Phi_j (m x m, block
## diagonal), m = n_j q.
cluster_blocks <- function(rc, cl) {
  q <- rc$q
  lapply(split(seq_len(rc$n), cl), function(ii) {
    rr <- as.vector(t(outer((ii - 1L) * q, seq_len(q), "+")))
    m <- length(rr); Ph <- matrix(0, m, m)
    for (t in seq_along(ii)) {
      s <- (t - 1L) * q + seq_len(q)
      Ph[s, s] <- rc$Phi[ii[t], , ]
    }
    list(D = rc$D[rr, , drop = FALSE], e = as.vector(t(rc$e[ii, , drop = FALSE])), Phi = Ph)
  })
}

expected_information <- function(blocks)
  Reduce(`+`, lapply(blocks, function(b) crossprod(b$D, solve(b$Phi, b$D))))

sym_power <- function(S, pw) {
  es <- eigen((S + t(S)) / 2, symmetric = TRUE)
  es$vectors %*% (es$values^pw * t(es$vectors))
}

## clubSandwich's CR2, dense per cluster (any coordinates). Returns V, the
## Satterthwaite df of each coefficient in `which`, and the adjustments A_j.
cr2_dense <- function(blocks, which) {
  Mi <- solve(expected_information(blocks))
  k <- ncol(Mi)
  Ej <- lapply(blocks, function(b) {
    Tj <- chol(b$Phi)                                       # T'T = Phi
    Bj <- Tj %*% (b$Phi - b$D %*% Mi %*% t(b$D)) %*% t(Tj)
    Aj <- t(Tj) %*% sym_power(Bj, -0.5) %*% Tj
    list(E = crossprod(solve(b$Phi, b$D), Aj), A = Aj)     # D'W A (k x m)
  })
  comps <- mapply(function(E, b) E$E %*% b$e, Ej, blocks)
  V <- Mi %*% tcrossprod(matrix(comps, nrow = k)) %*% Mi
  df <- sapply(which, function(ci) {
    cc <- Mi[, ci]
    Pj <- lapply(Ej, function(E) drop(crossprod(E$E, cc)))    # A W D M c
    d1 <- mapply(function(p, b) sum(p * (b$Phi %*% p)), Pj, blocks)
    PD <- t(mapply(function(p, b) drop(crossprod(b$D, p)), Pj, blocks))
    if (k == 1) PD <- t(PD)
    Om <- diag(d1) - PD %*% Mi %*% t(PD)
    sum(diag(Om))^2 / sum(Om^2)
  })
  list(V = (V + t(V)) / 2, df = df, A = lapply(Ej, `[[`, "A"), Mi = Mi)
}

## (c) by its low-rank form: rows whitened (Phi = I), Z_j = whitened D_j,
## P_jj = Z_j M Z_j' of rank <= k, (I - P_jj)^-1/2 = I + U ((1 - lambda)^-1/2
## - 1) U' with Z_j M^1/2 = U Lambda^1/2 V'. Needs only k x k eigenproblems.
cr2_whitened_lowrank <- function(blocks_c, which) {
  Mi <- solve(Reduce(`+`, lapply(blocks_c, function(b) crossprod(b$D))))
  Mh <- sym_power(Mi, 0.5); k <- ncol(Mi)
  apply_adj <- lapply(blocks_c, function(b) {
    Q <- b$D %*% Mh
    es <- eigen(crossprod(Q), symmetric = TRUE)
    keep <- es$values > 1e-12 * max(1, es$values[1])
    U <- Q %*% es$vectors[, keep, drop = FALSE] %*% diag(es$values[keep]^-0.5, sum(keep))
    s <- (1 - es$values[keep])^-0.5 - 1
    function(v) v + U %*% (s * crossprod(U, v))              # (I - P_jj)^-1/2 v
  })
  comps <- mapply(function(f, b) crossprod(b$D, f(b$e)), apply_adj, blocks_c)
  V <- Mi %*% tcrossprod(matrix(comps, nrow = k)) %*% Mi
  df <- sapply(which, function(ci) {
    Pj <- mapply(function(f, b) list(drop(f(b$D %*% Mi[, ci]))), apply_adj, blocks_c)
    d1 <- sapply(Pj, function(p) sum(p^2))
    PD <- t(mapply(function(p, b) drop(crossprod(b$D, p)), Pj, blocks_c))
    Om <- diag(d1) - PD %*% Mi %*% t(PD)
    sum(diag(Om))^2 / sum(Om^2)
  })
  list(V = (V + t(V)) / 2, df = df, Mi = Mi)
}

## CR1 as partreg's --vcov cluster: G/(G-1) (n-1)/(n-k) A^-1 S'S A^-1,
## A the observed information, S the cluster sums of the scores.
cr1 <- function(fit, cl) {
  n <- nrow(fit$S); k <- ncol(fit$S); G <- length(unique(cl))
  Ai <- solve(fit$A); Sg <- rowsum(fit$S, cl)
  V <- G / (G - 1) * (n - 1) / (n - k) * Ai %*% crossprod(Sg) %*% Ai
  (V + t(V)) / 2
}

all_variants <- function(psi, X, y, J, L, cl, which) {
  wm <- working_model(psi, X, y, J, L)
  out <- list()
  for (h in c("a", "b")) out[[h]] <- cr2_dense(cluster_blocks(recoordinate(wm, h), cl), which)
  out$c <- cr2_whitened_lowrank(cluster_blocks(recoordinate(wm, "c"), cl), which)
  out
}

ord_design <- function(formula, data) {
  mf <- model.frame(formula, data)
  X <- model.matrix(formula, mf)[, -1, drop = FALSE]
  yf <- model.response(mf); if (!is.factor(yf)) yf <- factor(yf)
  list(X = X, y = as.integer(yf), J = nlevels(yf), mf = mf)
}

start_psi <- function(X, y, J) {
  cp <- cumsum(tabulate(y, J))[-J] / length(y)
  c(qnorm(cp), rep(0, ncol(X)))
}

## ================================================================ checks
cat("# Ordinal CR2: checks, example and Monte Carlo\n\n")
cat(sprintf("%s; clubSandwich %s, ordinal %s, MASS %s, numDeriv %s. Seed %.0f, R = %d.\n\n",
            R.version.string, packageVersion("clubSandwich"), packageVersion("ordinal"),
            packageVersion("MASS"), packageVersion("numDeriv"), SEED, R_REPS))

svy <- read.csv("examples/data/participation_survey.csv")
svy$ptype <- factor(svy$participation_type, levels = c("passive", "cooperative", "autonomous"))
svy$will <- factor(svy$willingness, levels = 1:5)
svy$part <- as.integer(svy$participated == "yes")
RHS <- ~ social_capital + insured + age + education + log(income) + gender

## 1. score, observed and expected information (J = 5 and J = 3, probit and logit)
say("checks: derivatives\n")
for (case in list(list("will", "probit"), list("ptype", "logit"))) {
  f <- update(RHS, as.formula(paste(case[[1]], "~ .")))
  dz <- ord_design(f, svy); L <- LINKS[[case[[2]]]]
  fit <- ord_fit(dz$X, dz$y, dz$J, L, start_psi(dz$X, dz$y, dz$J), tol = 1e-12)
  stopifnot(!is.null(fit), fit$grad < 1e-8)
  cm <- clm(f, data = svy, link = case[[2]])
  q <- dz$J - 1
  stopifnot(close_to(fit$psi, unname(c(cm$alpha, cm$beta)), 1e-6),
            close_to(solve(fit$A), unname(vcov(cm)), 1e-5))
  ## analytic derivatives at a point off the maximum
  p1 <- fit$psi + 0.01 * seq_along(fit$psi) / length(fit$psi)
  d1 <- ord_derivs(p1, dz$X, dz$y, dz$J, L)
  llf <- function(p) ord_derivs(p, dz$X, dz$y, dz$J, L)$ll
  stopifnot(close_to(colSums(d1$S), grad(llf, p1), 1e-7),
            close_to(d1$A, -hessian(llf, p1), 1e-5))
  ## D' Phi^-1 e = score and D' Phi^-1 D = E[observed information]
  wm <- working_model(p1, dz$X, dz$y, dz$J, L)
  bl <- cluster_blocks(wm, svy$community)
  sc <- Reduce(`+`, lapply(bl, function(b) crossprod(b$D, solve(b$Phi, b$e))))
  stopifnot(close_to(drop(sc), colSums(d1$S), 1e-10))
  pr <- cbind(wm$gam, 1) - cbind(0, wm$gam)                    # P(y = c), n x J
  Aexp <- Reduce(`+`, lapply(seq_len(dz$J), function(cat)
    ord_derivs(p1, dz$X, rep(cat, nrow(dz$X)), dz$J, L, w = pr[, cat])$A))
  stopifnot(close_to(expected_information(bl), Aexp, 1e-10))
  ## W_i = Phi_i^-1 in cumulative coordinates is tridiagonal: 1/pi_j +
  ## 1/pi_{j+1} on the diagonal, -1/pi_{j+1} beside it (pi the category
  ## probabilities), the inverse covariance of a Markov chain of indicators
  for (i in c(1, 17, nrow(dz$X))) {
    Wt <- diag(1 / pr[i, -dz$J] + 1 / pr[i, -1], dz$J - 1)
    if (dz$J > 2) Wt[cbind(1:(dz$J - 2), 2:(dz$J - 1))] <- Wt[cbind(2:(dz$J - 1), 1:(dz$J - 2))] <- -1 / pr[i, 2:(dz$J - 1)]
    stopifnot(close_to(solve(matrix(wm$Phi[i, , ], dz$J - 1)), Wt, 1e-10))
  }
  ## the same in category coordinates (the score is invariant)
  blb <- cluster_blocks(recoordinate(wm, "b"), svy$community)
  stopifnot(close_to(expected_information(blb), Aexp, 1e-10))
  say("  %s/%s: score, observed and expected information agree\n", case[[1]], case[[2]])
}

## 2. (a) in the dense route = clubSandwich's own CR2 adjustment matrices;
##    (c) low-rank = (c) dense
say("checks: clubSandwich:::CR2 and the low-rank route\n")
{
  dz <- ord_design(update(RHS, will ~ .), svy); L <- LINKS$probit
  fit <- ord_fit(dz$X, dz$y, dz$J, L, start_psi(dz$X, dz$y, dz$J), tol = 1e-12)
  wm <- working_model(fit$psi, dz$X, dz$y, dz$J, L)
  cls <- svy$community
  bl <- cluster_blocks(recoordinate(wm, "a"), cls)
  ra <- cr2_dense(bl, seq_len(wm$k))
  Mi <- ra$Mi
  cs <- clubSandwich:::CR2(M_U = Mi, U_list = lapply(bl, `[[`, "D"),
                           UW_list = lapply(bl, function(b) t(solve(b$Phi, b$D))),
                           Theta_list = lapply(bl, `[[`, "Phi"), inverse_var = TRUE)
  stopifnot(max(mapply(function(x, y) max(abs(x - y)), cs, ra$A)) < 1e-9)
  blc <- cluster_blocks(recoordinate(wm, "c"), cls)
  rcd <- cr2_dense(blc, seq_len(wm$k)); rcl <- cr2_whitened_lowrank(blc, seq_len(wm$k))
  stopifnot(close_to(rcd$V, rcl$V, 1e-10), close_to(rcd$df, rcl$df, 1e-9))
  ## orthogonal changes leave CR2 alone: (a) in each row's eigenbasis of Phi_i
  ## (diagonal Phi: J - 1 pseudo-rows per resident, the binary route's form)
  rrot <- cr2_dense(cluster_blocks(recoordinate(wm, "a_rot"), cls), seq_len(wm$k))
  stopifnot(close_to(rrot$V, ra$V, 1e-10), close_to(rrot$df, ra$df, 1e-9))
  ## reversing the scale (y -> J + 1 - y: theta -> -rev(theta), beta -> -beta)
  ## maps cumulative coordinates by a signed permutation: (a) is unchanged;
  ## (b) on the reversed scale is (b) with the first category dropped
  J <- dz$J; q <- J - 1; perm <- c(rev(seq_len(q)), q + seq_len(ncol(dz$X)))
  psir <- c(-rev(fit$psi[seq_len(q)]), -fit$psi[-seq_len(q)])
  wmr <- working_model(psir, dz$X, J + 1L - dz$y, J, L)
  rar <- cr2_dense(cluster_blocks(recoordinate(wmr, "a"), cls), seq_len(wm$k))
  stopifnot(close_to(sqrt(diag(rar$V)), sqrt(diag(ra$V))[perm], 1e-10), close_to(rar$df, ra$df[perm], 1e-9))
  rbr <- cr2_dense(cluster_blocks(recoordinate(wmr, "b"), cls), seq_len(wm$k))
  rbf <- cr2_dense(cluster_blocks(recoordinate(wm, "b_first"), cls), seq_len(wm$k))
  rb <- cr2_dense(cluster_blocks(recoordinate(wm, "b"), cls), seq_len(wm$k))
  stopifnot(close_to(sqrt(diag(rbr$V)), sqrt(diag(rbf$V))[perm], 1e-10))
  REVERSAL <- c(a = rel_diff(sqrt(diag(rar$V)), sqrt(diag(ra$V))[perm]),
                b = rel_diff(sqrt(diag(rbf$V)), sqrt(diag(rb$V))))
  say("  clubSandwich:::CR2 = A_j of (a); (c) low rank = (c) dense; (a) invariant under rotation and reversal\n")
}

## 3. J = 2: (a) = (b) = clubSandwich::vcovCR(glm, type = "CR2")
say("checks: J = 2 against clubSandwich on glm\n")
aw <- read.csv("tests/data/aawards_2001_girls.csv")
aw$school_type <- factor(aw$school_type)
j2cases <- list(
  list(name = "participation_survey, participated", data = svy, cl = "community",
       f = update(RHS, part ~ .)),
  list(name = "aawards_2001_girls, Bagrut_status", data = aw, cl = "school_id",
       f = Bagrut_status ~ treated + lagscore + father_ed + mother_ed + siblings + immigrant + school_type))
j2rows <- character(0)
for (cs in j2cases) for (link in c("logit", "probit")) {
  g <- glm(cs$f, data = cs$data, family = binomial(link),
           control = glm.control(epsilon = 1e-14, maxit = 100))
  ## glm's working weights and QR belong to the last IRLS iterate's start:
  ## recompute them at its final coefficients, so that clubSandwich
  ## (bread = sandwich::bread.glm) is evaluated exactly at one estimate
  gp <- g; Xg <- model.matrix(g)
  gp$linear.predictors <- drop(Xg %*% coef(g)); gp$fitted.values <- g$family$linkinv(gp$linear.predictors)
  me <- g$family$mu.eta(gp$linear.predictors)
  gp$weights <- me^2 / (gp$fitted.values * (1 - gp$fitted.values))
  gp$residuals <- (g$y - gp$fitted.values) / me
  gp$qr <- qr(sqrt(gp$weights) * Xg)
  clv <- cs$data[[cs$cl]]
  ctp <- coef_test(gp, vcov = vcovCR(gp, cluster = clv, type = "CR2"), test = "Satterthwaite")
  vc <- vcovCR(gp, cluster = clv, type = "CR2")
  ct <- coef_test(g, vcov = vcovCR(g, cluster = clv, type = "CR2"), test = "Satterthwaite")
  ## category 1 = success: P(Y <= 1) = F(a + x'b) = F(theta - x'beta) with
  ## theta = a, beta = -b; the covariances differ by the signs fl
  X <- Xg[, -1, drop = FALSE]; y <- 2L - as.integer(g$y)
  fl <- c(1, rep(-1, ncol(X)))
  psi <- fl * unname(coef(g))
  va <- all_variants(psi, X, y, 2L, LINKS[[link]], clv, seq_along(psi))
  Vcs <- unname(as.matrix(vc)); df_cs <- unname(ctp$df_Satt)
  fit <- ord_fit(X, y, 2L, LINKS[[link]], psi, tol = 1e-13)
  vfit <- all_variants(fit$psi, X, y, 2L, LINKS[[link]], clv, seq_along(psi))
  r <- c(V_a = rel_diff_V(outer(fl, fl) * va$a$V, Vcs), V_b = rel_diff_V(outer(fl, fl) * va$b$V, Vcs),
         df_a = rel_diff(va$a$df, df_cs), df_b = rel_diff(va$b$df, df_cs),
         se_glm = rel_diff(sqrt(diag(vfit$a$V)), unname(ct$SE)), df_glm = rel_diff(vfit$a$df, unname(ct$df_Satt)),
         se_c = rel_diff(sqrt(diag(va$c$V)), unname(ctp$SE)), df_c = rel_diff(va$c$df, df_cs))
  say("  %s\n", paste(names(r), signif(r, 3), collapse = " "))
  stopifnot(r["V_a"] < 1e-9, r["V_b"] < 1e-9, r["df_a"] < 1e-10, r["df_b"] < 1e-10,
            r["se_glm"] < 1e-6, r["df_glm"] < 1e-6)
  j2rows <- c(j2rows, sprintf("| %s | %s | %d | %.1e | %.1e | %.1e | %.1e | %.1e | %.1e | %.1e | %.1e |",
                              cs$name, link, length(unique(clv)), r["V_a"], r["V_b"], r["df_a"], r["df_b"],
                              r["se_glm"], r["df_glm"], r["se_c"], r["df_c"]))
}
cat("## J = 2 against clubSandwich::vcovCR(glm, type = \"CR2\") and coef_test(test = \"Satterthwaite\")\n\n")
cat("Largest relative differences (for V: |dV_ij| / sqrt(V_ii V_jj)). Columns V, df: (a) and (b) against clubSandwich, both ",
    "at glm's estimate (glm.control(epsilon = 1e-14), working weights and QR recomputed there). 'Newton vs glm': (a) at this ",
    "script's Newton estimate against clubSandwich on the glm object as fitted. (c): the whitened variant against clubSandwich ",
    "(not the same estimator).\n\n", sep = "")
cat("| data, outcome | link | G | V (a) | V (b) | df (a) | df (b) | SE (a), Newton vs glm | df (a), Newton vs glm | SE (c) | df (c) |\n")
cat("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
cat(j2rows, sep = "\n"); cat("\n\n")

## 4. the three variants on the real-size example
say("example: participation_survey\n")
cat("## The three coordinates on examples/data/participation_survey.csv (2000 residents, 40 communities, probit)\n\n")
cat(sprintf(paste0("Reversing the scale (willingness 5..1): largest relative change of the SEs of (a) %.1e; ",
                   "(b) becomes the category indicators with the first category dropped, whose SEs differ from (b)'s by up to %.1e.\n\n"),
            REVERSAL["a"], REVERSAL["b"]))
## the spectrum Zolotarev's approximation must cover, per cluster: with Z, r
## whitened and T_j = Phi_j^1/2, B_j = Phi_j (I - P_jj) Phi_j has eigenvalues
## in [min_i lambda_min(Phi_i)^2 (1 - rho_j), max_i lambda_max(Phi_i)^2]
kappa_of <- function(wm, how, cl) {
  rc <- recoordinate(wm, how); q <- rc$q
  ev <- t(sapply(seq_len(rc$n), function(i) range(eigen(matrix(rc$Phi[i, , ], q, q), symmetric = TRUE, only.values = TRUE)$values)))
  Mi <- solve(expected_information(cluster_blocks(rc, cl)))
  sapply(split(seq_len(rc$n), cl), function(ii) {
    rr <- as.vector(t(outer((ii - 1L) * q, seq_len(q), "+")))
    Z <- do.call(rbind, lapply(ii, function(i) {
      es <- eigen(matrix(rc$Phi[i, , ], q, q), symmetric = TRUE)
      es$vectors %*% (es$values^-0.5 * t(es$vectors)) %*% rc$D[(i - 1L) * q + seq_len(q), , drop = FALSE] }))
    rho <- max(eigen(Mi %*% crossprod(Z), only.values = TRUE)$values)
    max(ev[ii, 2])^2 / (min(ev[ii, 1])^2 * (1 - Re(rho)))
  })
}
KAPPA <- list()
for (oc in c("ptype", "will")) {
  f <- update(RHS, as.formula(paste(oc, "~ .")))
  dz <- ord_design(f, svy); L <- LINKS$probit
  fit <- ord_fit(dz$X, dz$y, dz$J, L, start_psi(dz$X, dz$y, dz$J), tol = 1e-12)
  k <- length(fit$psi); q <- dz$J - 1
  va <- all_variants(fit$psi, dz$X, dz$y, dz$J, L, svy$community, seq_len(k))
  v1 <- cr1(fit, svy$community)
  wmk <- working_model(fit$psi, dz$X, dz$y, dz$J, L)
  KAPPA[[oc]] <- sapply(c("a", "b"), function(h) { kp <- kappa_of(wmk, h, svy$community); c(median(kp), max(kp)) })
  nm <- c(paste0("threshold ", seq_len(q), "|", seq_len(q) + 1), colnames(dz$X))
  cat(sprintf("### %s (J = %d)\n\n", if (oc == "ptype") "participation_type: passive < cooperative < autonomous" else "willingness 1..5", dz$J))
  cat("| parameter | estimate | SE CR1 | SE CR2 (a) | SE CR2 (b) | SE CR2 (c) | df (a) | df (b) | df (c) |\n")
  cat("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
  for (i in seq_len(k))
    cat(sprintf("| %s | %.4f | %.5f | %.5f | %.5f | %.5f | %.2f | %.2f | %.2f |\n", nm[i], fit$psi[i],
                sqrt(v1[i, i]), sqrt(va$a$V[i, i]), sqrt(va$b$V[i, i]), sqrt(va$c$V[i, i]),
                va$a$df[i], va$b$df[i], va$c$df[i]))
  sl <- q + seq_len(ncol(dz$X))
  rd <- function(u, v) max(abs(sqrt(diag(u$V))[sl] / sqrt(diag(v$V))[sl] - 1))
  rdf <- function(u, v) max(abs(u$df[sl] / v$df[sl] - 1))
  cat(sprintf("\nSlopes, largest relative difference of SE: (a) vs (b) %.2e, (a) vs (c) %.2e, (b) vs (c) %.2e; of df: %.2e, %.2e, %.2e. CR2 (a) / CR1 SE ratio: %.3f to %.3f.\n\n",
              rd(va$a, va$b), rd(va$a, va$c), rd(va$b, va$c), rdf(va$a, va$b), rdf(va$a, va$c), rdf(va$b, va$c),
              min(sqrt(diag(va$a$V) / diag(v1))[sl]), max(sqrt(diag(va$a$V) / diag(v1))[sl])))
}
{
  g <- glm(update(RHS, part ~ .), data = svy, family = binomial("probit"))
  dz <- ord_design(update(RHS, part ~ .), svy); dz$y <- 2L - dz$y     # category 1 = participated
  wmk <- working_model(c(coef(g)[1], -coef(g)[-1]), dz$X, dz$y, 2L, LINKS$probit)
  kb <- kappa_of(wmk, "a", svy$community)
}
cat("Condition number kappa_j of B_j (the interval Zolotarev's approximation covers), median / largest over the 40 communities:",
    sprintf("participated (binary) %.3g / %.3g;", median(kb), max(kb)),
    sprintf("participation_type (a) %.3g / %.3g, (b) %.3g / %.3g;", KAPPA$ptype[1, "a"], KAPPA$ptype[2, "a"], KAPPA$ptype[1, "b"], KAPPA$ptype[2, "b"]),
    sprintf("willingness (a) %.3g / %.3g, (b) %.3g / %.3g.\n\n", KAPPA$will[1, "a"], KAPPA$will[2, "a"], KAPPA$will[1, "b"], KAPPA$will[2, "b"]))

## ================================================================ Monte Carlo
## Latent y* = b_c xc + b_w xw + u_g + eps, u_g ~ N(0, tau^2), eps ~ N(0,
## 1 - tau^2), Y = j when theta_{j-1} < y* <= theta_j: marginally
## P(Y <= j | x) = Phi(theta_j - x'b) exactly, the estimand of a
## cluster-robust fit. xc ~ N(0, 1) per community, xw ~ N(0, 1) per
## resident; community sizes uniform on 10..50. tau^2 = 0.49 / 1.49 and
## b = 0.5 / sqrt(1.49) mirror bench/validate/small_samples.c (u sd 0.7,
## e sd 1, slopes 0.5, rescaled to total variance 1).
TAU2 <- 0.49 / 1.49
BETA <- c(0.5, 0.5) / sqrt(1.49)
THETA <- list(`3` = c(-0.3, 0.6), `5` = c(-1.0, -0.3, 0.4, 1.2))
SIZES <- 10:50

mc_rep <- function(G, J) {
  th <- THETA[[as.character(J)]]
  nj <- sample(SIZES, G, replace = TRUE); cl <- rep(seq_len(G), nj); n <- sum(nj)
  xc <- rnorm(G)[cl]; xw <- rnorm(n)
  ys <- BETA[1] * xc + BETA[2] * xw + rnorm(G, sd = sqrt(TAU2))[cl] + rnorm(n, sd = sqrt(1 - TAU2))
  y <- findInterval(ys, th) + 1L
  if (length(unique(y)) < J) return(NULL)
  X <- cbind(xc = xc, xw = xw); psi0 <- c(th, BETA)
  fit <- ord_fit(X, y, J, LINKS$probit, psi0, tol = 1e-8)
  if (is.null(fit)) return(NULL)
  sl <- J - 1 + 1:2
  v1 <- cr1(fit, cl); va <- all_variants(fit$psi, X, y, J, LINKS$probit, cl, sl)
  c(fit$psi[sl], diag(v1)[sl],
    unlist(lapply(c("a", "b", "c"), function(h) diag(va[[h]]$V)[sl])),
    unlist(lapply(c("a", "b", "c"), function(h) va[[h]]$df)))
}
## one replication (16 numbers, slope s = 1, 2): estimate (s), CR1 variance
## (2 + s), CR2 variances of (a), (b), (c) (4 + 2 h + s, h = 0..2), their
## Satterthwaite df (10 + 2 h + s)

if (R_REPS > 0) {
  METHODS <- c("CR1, normal", "CR1, t(G-1)", "CR2 (a) cumulative", "CR2 (b) category", "CR2 (c) whitened")
  SLOPES <- c("xc (community)", "xw (resident)")
  res_all <- list()
  t_all <- proc.time()[3]
  for (J in c(3L, 5L)) for (G in c(10L, 20L, 40L)) {
    set.seed(SEED + 100 * J + G)
    t0 <- proc.time()[3]; fails <- 0L
    out <- matrix(NA_real_, R_REPS, 16)
    for (r in seq_len(R_REPS)) {
      v <- tryCatch(mc_rep(G, J), error = function(e) NULL)
      if (is.null(v) || any(!is.finite(v))) fails <- fails + 1L else out[r, ] <- v
    }
    say("MC J = %d, G = %d: %d reps in %.0f s (%d failed)\n", J, G, R_REPS, proc.time()[3] - t0, fails)
    res_all[[sprintf("%d_%d", J, G)]] <- list(J = J, G = G, out = out[stats::complete.cases(out), , drop = FALSE],
                                              fails = fails, secs = proc.time()[3] - t0)
  }
  ## per cell and slope: variance estimate and critical value of each method
  methods_of <- function(o, s, G) {
    v1 <- o[, 2 + s]
    list(list(v = v1, crit = qnorm(0.975)), list(v = v1, crit = qt(0.975, G - 1)),
         list(v = o[, 4 + s], crit = qt(0.975, o[, 10 + s])),
         list(v = o[, 6 + s], crit = qt(0.975, o[, 12 + s])),
         list(v = o[, 8 + s], crit = qt(0.975, o[, 14 + s])))
  }
  Z_LIMIT <- max(3, qnorm(1 - 0.01 / (2 * 8)))                 # Bonferroni over the 8 cells with G >= 20
  zmax <- numeric(length(METHODS)); n2 <- integer(length(METHODS))
  cat(sprintf("## Monte Carlo: coverage of nominal 95%% intervals for the slopes (ordinal probit, R = %d per cell, seed %.0f, %.0f s)\n\n",
              R_REPS, SEED, proc.time()[3] - t_all))
  cat("Coverage in %; in parentheses the Monte Carlo SE at 95%, sqrt(0.95 x 0.05 / R). CR2 intervals use the Satterthwaite df of their variant.\n\n")
  cat("| J | G | slope |", paste(METHODS, collapse = " | "), "| mean df (a) / (b) / (c) |\n")
  cat("|", paste(rep("---", 4 + length(METHODS)), collapse = " | "), "|\n")
  for (cell in res_all) {
    o <- cell$out; Rn <- nrow(o); mse <- sqrt(0.95 * 0.05 / Rn)
    for (s in 1:2) {
      ms <- methods_of(o, s, cell$G)
      cov <- sapply(ms, function(m) mean(abs(o[, s] - BETA[s]) <= m$crit * sqrt(m$v)))
      if (cell$G >= 20) {
        z <- abs(cov - 0.95) / mse
        zmax <- pmax(zmax, z); n2 <- n2 + (z <= 2)
      }
      dfm <- sapply(0:2, function(h) mean(o[, 10 + 2 * h + s]))
      cat(sprintf("| %d | %d | %s | %s | %.1f / %.1f / %.1f |\n", cell$J, cell$G, SLOPES[s],
                  paste(sprintf("%.1f (%.1f)", 100 * cov, 100 * mse), collapse = " | "), dfm[1], dfm[2], dfm[3]))
    }
  }
  cat("\nFits that failed or samples with an empty category (left out):",
      paste(sprintf("J = %d, G = %d: %d", sapply(res_all, `[[`, "J"), sapply(res_all, `[[`, "G"),
                    sapply(res_all, `[[`, "fails")), collapse = "; "), "\n\n")
  cat(sprintf("Over the 8 cells with G >= 20 (both J, both slopes), largest |coverage - 95%%| in Monte Carlo SEs, and cells within 2 SEs: %s. Bonferroni limit for 8 cells at family level 0.01: %.2f.\n\n",
              paste(sprintf("%s %.2f (%d of 8)", METHODS, zmax, n2), collapse = "; "), Z_LIMIT))

  cat("### Bias of the variance estimators\n\n")
  cat("Mean estimated variance over the Monte Carlo variance of the estimate (1 = unbiased; the ratio's own relative SE is about sqrt(2 / R)).\n\n")
  cat("| J | G | slope | CR1 | CR2 (a) | CR2 (b) | CR2 (c) |\n| --- | --- | --- | --- | --- | --- | --- |\n")
  for (cell in res_all) {
    o <- cell$out
    for (s in 1:2) {
      ve <- var(o[, s])
      cat(sprintf("| %d | %d | %s | %.3f | %.3f | %.3f | %.3f |\n", cell$J, cell$G, SLOPES[s],
                  mean(o[, 2 + s]) / ve, mean(o[, 4 + s]) / ve, mean(o[, 6 + s]) / ve, mean(o[, 8 + s]) / ve))
    }
  }
  cat("\n### How far the variants differ within a sample\n\n")
  cat("Mean / largest |relative difference| over the replications of the slopes' SE and Satterthwaite df between the variants.\n\n")
  cat("| J | G | slope | SE (a)/(b) - 1 | SE (a)/(c) - 1 | df (a)/(b) - 1 | df (a)/(c) - 1 | mean SE CR2 (a) / SE CR1 |\n")
  cat("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
  for (cell in res_all) {
    o <- cell$out
    for (s in 1:2) {
      sa <- sqrt(o[, 4 + s]); sb <- sqrt(o[, 6 + s]); sc <- sqrt(o[, 8 + s])
      da <- o[, 10 + s]; db <- o[, 12 + s]; dc <- o[, 14 + s]
      ms <- function(u) sprintf("%.1e / %.1e", mean(abs(u)), max(abs(u)))
      cat(sprintf("| %d | %d | %s | %s | %s | %s | %s | %.3f |\n", cell$J, cell$G, SLOPES[s],
                  ms(sa / sb - 1), ms(sa / sc - 1), ms(da / db - 1), ms(da / dc - 1), mean(sa / sqrt(o[, 2 + s]))))
    }
  }
  cat("\n")
}
