# Shared code of the reference scripts for nominal (partial proportional
# odds) effects, scale effects, autofit, --nominal-test, Firth and the
# ordinal goodness-of-fit tests (tests/ref/{nominal,scale,firth,gof}*.R).
# Sourced by those scripts; not run on its own. Builds on common.R (links,
# Newton polishing, C emitters).
#
# The model of CONTRACT.md ("Nominal (partial proportional odds) and scale
# effects"):
#   P(Y <= j | x) = F( (theta_j - xp'beta - xn'beta_j) / exp(z'gamma) ),
#   j = 1..J-1, theta_0 = -Inf and theta_J = +Inf EXACTLY;
# xp: parallel columns, xn: nominal columns (one slope per cut, a positive
# beta_j raises P(Y > j): gologit2's sign), z: scale columns.
# Parameter vector (the order of every vector and matrix these scripts emit):
#   beta (p parallel), then the nominal slopes term by term, each term's
#   J-1 cuts in order (beta_{t,1}, ..., beta_{t,J-1}), then theta (J-1),
#   then gamma (s scale).
.script_dir_ext <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
if (!length(.script_dir_ext) || !file.exists(file.path(.script_dir_ext, "common.R"))) .script_dir_ext <- "tests/ref"
source(file.path(.script_dir_ext, "common.R"))
suppressPackageStartupMessages({ library(VGAM); library(brglm2) })

REPO_DATA <- normalizePath(file.path(.script_dir_ext, "..", "data"))
EXAMPLES_DATA <- normalizePath(file.path(.script_dir_ext, "..", "..", "examples", "data"))

versions_ext <- function(pkgs = c("ordinal", "VGAM", "brglm2", "MASS", "numDeriv", "carData")) {
  paste0("R ", R.version$major, ".", R.version$minor, " [",
         paste(sprintf("%s %s", pkgs, sapply(pkgs, function(p)
           as.character(packageVersion(p)))), collapse = ", "), "]")
}

## ------------------------------------------------------------ the model
## parts of the likelihood for parameter vector phi
ext_dims <- function(Xp, Xn, Z, J) {
  p <- ncol(Xp); q <- ncol(Xn); s <- ncol(Z)
  list(p = p, q = q, s = s, J = J, K = p + q * (J - 1) + (J - 1), k = p + q * (J - 1) + (J - 1) + s)
}
## n x (J-1) matrix of c_ij = theta_j - xp'beta - xn'beta_j
ext_cum_lp <- function(phi, Xp, Xn, Z, J) {
  d <- ext_dims(Xp, Xn, Z, J); n <- nrow(Xp)
  beta <- phi[seq_len(d$p)]
  Bn <- matrix(phi[d$p + seq_len(d$q * (J - 1))], nrow = d$q, ncol = J - 1, byrow = TRUE)
  theta <- phi[d$p + d$q * (J - 1) + seq_len(J - 1)]
  gamma <- phi[d$K + seq_len(d$s)]
  eta <- if (d$p) drop(Xp %*% beta) else rep(0, n)
  C <- matrix(theta, n, J - 1, byrow = TRUE) - eta
  if (d$q) C <- C - Xn %*% Bn
  sc <- if (d$s) exp(drop(Z %*% gamma)) else rep(1, n)
  list(C = C, sc = sc, U = C / sc, beta = beta, Bn = Bn, theta = theta, gamma = gamma)
}
## P(Y = y_i) per row (NaN / negative when cumulative probabilities cross)
ext_prob_obs <- function(phi, Xp, Xn, Z, y, J, link) {
  L <- LINKS[[link]]; P <- ext_cum_lp(phi, Xp, Xn, Z, J)
  Uf <- cbind(-Inf, P$U, Inf); n <- length(y)
  a <- Uf[cbind(seq_len(n), y)]; b <- Uf[cbind(seq_len(n), y + 1)]
  ord_prob(a, b, L)
}
ext_ll <- function(phi, Xp, Xn, Z, y, w, J, link) {
  pr <- ext_prob_obs(phi, Xp, Xn, Z, y, J, link)
  if (any(!is.finite(pr)) || any(pr <= 0)) return(-Inf)
  sum(w * log(pr))
}
## analytic gradient and observed Hessian
ext_grad_hess <- function(phi, Xp, Xn, Z, y, w, J, link) {
  L <- LINKS[[link]]; d <- ext_dims(Xp, Xn, Z, J); n <- length(y)
  P <- ext_cum_lp(phi, Xp, Xn, Z, J)
  ## dc_ij/dpsi for the cut j: (-xp, -xn in block j, e_j)
  dC <- function(j) {
    M <- matrix(0, n, d$K)
    if (d$p) M[, seq_len(d$p)] <- -Xp
    if (d$q) for (t in seq_len(d$q)) M[, d$p + (t - 1) * (J - 1) + j] <- -Xn[, t]
    M[, d$p + d$q * (J - 1) + j] <- 1
    M
  }
  Ab <- matrix(0, n, d$K); Bb <- matrix(0, n, d$K)    # dc/dpsi of lower / upper bound
  ua <- rep(0, n); ub <- rep(0, n)                     # finite u (0 at the outer ends)
  for (j in seq_len(J - 1)) {
    Dj <- dC(j)
    lo <- y == j + 1; up <- y == j
    Ab[lo, ] <- Dj[lo, ]; ua[lo] <- P$U[lo, j]
    Bb[up, ] <- Dj[up, ]; ub[up] <- P$U[up, j]
  }
  outer_a <- y == 1; outer_b <- y == J
  fa <- L$f(ua); fpa <- L$fp(ua); fa[outer_a] <- 0; fpa[outer_a] <- 0
  fb <- L$f(ub); fpb <- L$fp(ub); fb[outer_b] <- 0; fpb[outer_b] <- 0
  Uf <- cbind(-Inf, P$U, Inf)
  pr <- ord_prob(Uf[cbind(seq_len(n), y)], Uf[cbind(seq_len(n), y + 1)], L)
  sc <- P$sc
  ## du/dphi = (dc/dpsi / s, -u z)
  DUa <- cbind(Ab / sc, if (d$s) -ua * Z else NULL)
  DUb <- cbind(Bb / sc, if (d$s) -ub * Z else NULL)
  G <- (fb * DUb - fa * DUa) / pr            # per-row gradient of log p
  grad <- colSums(w * G)
  H <- crossprod(DUb, (w * fpb / pr) * DUb) - crossprod(DUa, (w * fpa / pr) * DUa) -
    crossprod(G, w * G)
  if (d$s) {
    ## second derivatives of u: d2u/dpsi dgamma' = -(dc/dpsi) z'/s, d2u/dgamma2 = u z z'
    cb <- w * fb / pr; ca <- w * fa / pr
    Kp <- seq_len(d$K); Ks <- d$K + seq_len(d$s)
    X1 <- -crossprod(Bb / sc, cb * Z) + crossprod(Ab / sc, ca * Z)
    H[Kp, Ks] <- H[Kp, Ks] + X1
    H[Ks, Kp] <- H[Ks, Kp] + t(X1)
    H[Ks, Ks] <- H[Ks, Ks] + crossprod(Z, (cb * ub) * Z) - crossprod(Z, (ca * ua) * Z)
  }
  list(grad = grad, hess = H, scores = w * G)
}

## rows whose fitted cumulative probabilities cross (some P(Y = j) < 0)
ext_crossing_rows <- function(phi, Xp, Xn, Z, J) {
  P <- ext_cum_lp(phi, Xp, Xn, Z, J)
  if (J < 3) return(0L)
  sum(apply(P$C, 1, function(r) any(diff(r) < 0)))
}

## Fit by Newton from a start; returns estimates, vcov (inverse observed
## information) and checks. start: full phi.
ext_fit <- function(start, Xp, Xn, Z, y, w, J, link, tol = 1e-10, maxit = 200) {
  llf <- function(s) ext_ll(s, Xp, Xn, Z, y, w, J, link)
  ghf <- function(s) ext_grad_hess(s, Xp, Xn, Z, y, w, J, link)
  if (!is.finite(llf(start))) stop("ext_fit: start has crossing probabilities for observed rows")
  pol <- newton_polish(start, llf, ghf, tol = tol, maxit = maxit)
  phi <- pol$par; gh <- ghf(phi)
  V <- solve(-gh$hess)
  list(phi = phi, V = V, se = sqrt(diag(V)), loglik = llf(phi), steps = pol$steps,
       grad_max = max(abs(gh$grad)), hess = gh$hess, llf = llf, ghf = ghf)
}

## thresholds-only log-likelihood (closed form)
null_loglik_ord <- function(y, w, J) {
  W <- tapply(w, factor(y, levels = 1:J), sum); W <- W[W > 0]
  sum(W * log(W / sum(W)))
}

## design columns of a model.matrix without its intercept, grouped by
## variable: list(X, var_of_col)
design_no_int <- function(formula_rhs, data) {
  mm <- model.matrix(formula_rhs, data)
  asg <- attr(mm, "assign")
  tl <- attr(terms(formula_rhs), "term.labels")
  keep <- asg > 0
  list(X = mm[, keep, drop = FALSE], term_of_col = tl[asg[keep]])
}

## contract term names for model.matrix columns
## map: named character vector R column name -> contract name
rename_cols <- function(X, map) {
  cn <- colnames(X)
  miss <- setdiff(cn, names(map))
  if (length(miss)) stop("no contract name for column(s): ", paste(miss, collapse = ", "))
  colnames(X) <- unname(map[cn]); X
}

## clm start -> phi (clm: theta(x) = alpha_j + xn' a_j with clm's "j.var"
## entries = -beta_j; scale zeta = gamma)
clm_to_phi <- function(m, p, q, J, s) {
  alpha <- m$alpha
  beta <- if (p) unname(m$beta) else numeric(0)
  if (q) {
    A <- matrix(alpha, nrow = J - 1)        # clm orders: cut fastest, then columns
    theta <- A[, 1]
    Bn <- -t(A[, -1, drop = FALSE])         # q x (J-1)
    bn <- as.vector(t(Bn))
  } else { theta <- alpha; bn <- numeric(0) }
  gamma <- if (s) unname(m$zeta) else numeric(0)
  c(beta, bn, unname(theta), gamma)
}

## names of all parameters, contract style
ext_names <- function(pnames, qnames, cuts, snames) {
  c(pnames, unlist(lapply(qnames, function(t) paste(t, "@", cuts))), cuts,
    if (length(snames)) paste0("scale:", snames) else character(0))
}

## ------------------------------------------------------------ JSON output
## JSON with every double at full precision: jsonlite prints at most 15
## significant digits, so doubles are first turned into marked strings holding
## the shortest of %.15g/%.16g/%.17g that reads back to the same double, and
## the marks are removed after toJSON. Integers (R integer type) stay integers.
num_repr <- function(x) {
  vapply(x, function(v) {
    if (is.na(v)) return("null")
    if (!is.finite(v)) stop("infinite number in a case")
    for (d in 15:17) { s <- sprintf(paste0("%.", d, "g"), v); if (as.numeric(s) == v) return(s) }
    s
  }, "")
}
mark_doubles <- function(x) {
  if (is.list(x)) return(lapply(x, mark_doubles))
  if (is.double(x)) {
    out <- paste0("@@NUM@@", num_repr(x))
    if (length(x) == 1) return(out) else return(I(out))
  }
  x
}
write_case <- function(path, case) {
  js <- jsonlite::toJSON(mark_doubles(case), auto_unbox = TRUE, pretty = TRUE, null = "null", na = "null")
  js <- gsub('"@@NUM@@([^"]*)"', "\\1", js)
  writeLines(js, path)
}
## coefficient entries (estimate, se, Wald CI)
coef_entries <- function(names, est, se, level = 0.95, ci = TRUE) {
  q <- qnorm(1 - (1 - level) / 2)
  out <- list()
  for (i in seq_along(names)) {
    e <- list(estimate = est[i], std_error = se[i])
    if (ci) { e$conf_low <- est[i] - q * se[i]; e$conf_high <- est[i] + q * se[i] }
    out[[names[i]]] <- e
  }
  out
}

## Wald test that a set of linear combinations R phi = 0
wald_test <- function(phi, V, R) {
  r <- drop(R %*% phi)
  chi2 <- drop(t(r) %*% solve(R %*% V %*% t(R), r))
  list(chi2 = chi2, df = nrow(R), p = pchisq(chi2, nrow(R), lower.tail = FALSE))
}

## ------------------------------------------------------------ designs
rhs_text <- function(f) paste(deparse(f[[length(f)]], width.cutoff = 500L), collapse = " ")
## model.matrix of a right-hand side (treatment contrasts, no intercept) with
## the contract's column names (V[L] for a level of a categorical variable,
## the term's text otherwise) and the VARIABLE each column belongs to
## (log(income) -> income, factor(DAY) -> DAY), as --nominal-test and
## --autofit group columns.
contract_design <- function(rhs, data) {
  tt <- terms(rhs); tl <- attr(tt, "term.labels")
  mf <- model.frame(rhs, data)
  mm <- model.matrix(tt, mf)
  asg <- attr(mm, "assign")
  cols <- list(); nm <- character(0); var <- character(0)
  for (k in seq_along(tl)) {
    idx <- which(asg == k)
    v <- all.vars(parse(text = tl[k])[[1]])
    if (length(v) != 1) stop("contract_design: one variable per term here: ", tl[k])
    x <- mf[[tl[k]]]
    if (is.factor(x) || is.character(x)) {
      lev <- levels(factor(x))
      nm <- c(nm, paste0(v, "[", lev[-1], "]"))
    } else nm <- c(nm, gsub(" ", "", tl[k]))
    var <- c(var, rep(v, length(idx)))
  }
  X <- mm[, asg > 0, drop = FALSE]
  rnames <- colnames(X)
  colnames(X) <- nm
  list(X = X, var = var, rnames = rnames)
}

## ------------------------------------------------------------ one case
## spec: id, data (factors with the contract's reference level first), yname
## (ordered factor column), w (case weights or NULL), link, rhs (location
## formula), nominal (variables), scale (formula or NULL), clm_text (the R
## call, for "source"), data_note.
## Fits the exact model by Newton from the parallel fit, then cross-checks
## with ordinal::clm and (nominal models) VGAM::vglm.
CLM_CTL <- clm.control(gradTol = 1e-12, relTol = 1e-14, maxIter = 1000, maxLineIter = 200)
fit_ext_spec <- function(spec) {
  d <- spec$data; yf <- d[[spec$yname]]; y <- as.integer(yf); J <- nlevels(yf)
  cuts <- paste(levels(yf)[-J], levels(yf)[-1], sep = "|")
  n <- nrow(d); w <- if (is.null(spec$w)) rep(1, n) else spec$w
  D <- contract_design(spec$rhs, d)
  isn <- D$var %in% spec$nominal
  if (length(spec$nominal) && !all(spec$nominal %in% D$var)) stop("nominal variable not in formula")
  Xp <- D$X[, !isn, drop = FALSE]; Xn <- D$X[, isn, drop = FALSE]
  if (!is.null(spec$scale)) { S <- contract_design(spec$scale, d); Z <- S$X } else
    { S <- NULL; Z <- matrix(0, n, 0) }
  p <- ncol(Xp); q <- ncol(Xn); s <- ncol(Z)
  ## parallel clm fit as the start
  ctl <- CLM_CTL
  f0 <- as.formula(paste(spec$yname, "~", rhs_text(spec$rhs)))
  m0 <- clm(f0, data = d, weights = w, link = spec$link, control = ctl)
  b0 <- unname(m0$beta); names(b0) <- colnames(D$X)
  start <- c(b0[!isn], rep(b0[isn], each = J - 1), unname(m0$alpha), rep(0, s))
  fit <- ext_fit(start, Xp, Xn, Z, y, w, J, spec$link)
  phi <- fit$phi
  names(phi) <- ext_names(colnames(Xp), colnames(Xn), cuts, colnames(Z))
  ## the same maximum from clm's own nominal/scale fit
  tl <- attr(terms(spec$rhs), "term.labels")
  tvar <- sapply(tl, function(t) all.vars(parse(text = t)[[1]]))
  nt <- tl[tvar %in% spec$nominal]; pt <- tl[!tvar %in% spec$nominal]
  args <- list(formula = as.formula(paste(spec$yname, "~", if (length(pt)) paste(pt, collapse = " + ") else "1")),
               data = d, weights = w, link = spec$link, control = ctl)
  if (q) args$nominal <- as.formula(paste("~", paste(nt, collapse = " + ")))
  if (s) args$scale <- spec$scale
  mc <- tryCatch(do.call(clm, args), error = function(e) NULL)
  clm_chk <- NULL
  if (!is.null(mc)) {
    phic <- clm_to_phi(mc, p, q, J, s)
    ## clm orders its covariance (alpha, beta, zeta); alpha = (theta, -nominal) cut-fastest
    vc <- vcov(mc)
    na <- length(mc$alpha); nb <- length(mc$beta); nz <- length(mc$zeta)
    A <- matrix(seq_len(na), nrow = J - 1)
    idx <- c(na + seq_len(nb), if (q) as.vector(A[, -1, drop = FALSE]), A[, 1], na + nb + seq_len(nz))
    sgn <- c(rep(1, nb), rep(-1, q * (J - 1)), rep(1, J - 1), rep(1, nz))
    sec <- sqrt(diag(vc))[idx]
    ## clm's logLik reproduced at clm's own estimate with its finite stand-ins
    ## (+-1e5 on the linear-predictor scale) for the outer thresholds
    Pc <- ext_cum_lp(phic, Xp, Xn, Z, J); Lk <- LINKS[[spec$link]]
    Uf <- cbind(-1e5, Pc$U, 1e5)
    pc <- Lk$F(Uf[cbind(seq_len(n), y + 1)]) - Lk$F(Uf[cbind(seq_len(n), y)])
    standin <- digits_of(abs(sum(w * log(pc)) - mc$logLik) / abs(mc$logLik))
    clm_chk <- list(est = max(abs(phic - phi) / pmax(abs(phi), 1e-8)), standin_digits = standin,
                    se = max(abs(sec - fit$se) / fit$se),
                    loglik = abs(mc$logLik - fit$loglik) / abs(fit$loglik),
                    code = mc$convergence$code[1])
  }
  ## VGAM for nominal models
  vg_chk <- NULL
  if (isTRUE(spec$vgam) && s == 0) {
    vlink <- switch(spec$link, logit = "logitlink", probit = "probitlink", cloglog = "clogloglink",
                    loglog = "clogloglink", cauchit = "cauchitlink")
    rev <- spec$link == "loglog"
    par_f <- if (q) as.formula(paste("FALSE ~", paste(nt, collapse = " + "))) else TRUE
    fam <- do.call(cumulative, list(link = vlink, parallel = par_f, reverse = rev))
    vg <- tryCatch(vglm(f0, family = fam, data = d, weights = w,
                        control = vglm.control(epsilon = 1e-15, maxit = 300, checkwz = FALSE)),
                   error = function(e) e)
    if (!inherits(vg, "error")) {
      cf <- coef(vg)
      sg <- if (rev) 1 else -1                 # beta = sg * VGAM slope
      th <- cf[paste0("(Intercept):", seq_len(J - 1))] * (if (rev) -1 else 1)
      bp <- sg * cf[D$rnames[!isn]]
      bn <- unlist(lapply(D$rnames[isn], function(r) sg * cf[paste0(r, ":", seq_len(J - 1))]))
      phiv <- unname(c(bp, bn, th))
      vg_chk <- list(est = max(abs(phiv - phi) / pmax(abs(phi), 1e-8)),
                     loglik = abs(as.numeric(logLik(vg)) - fit$loglik) / abs(fit$loglik),
                     call = sprintf("VGAM::vglm(%s, cumulative(link = '%s', parallel = %s, reverse = %s), weights = %s)",
                                    paste(deparse(f0, width.cutoff = 500L), collapse = " "), vlink,
                                    if (q) paste(deparse(par_f, width.cutoff = 500L), collapse = " ") else "TRUE", rev,
                                    if (is.null(spec$w)) "none" else "the case weights"))
    } else vg_chk <- list(error = conditionMessage(vg))
  }
  ## checks of the standard errors
  ## (Richardson differences of the analytic gradient in units of the standard
  ## errors, so that badly scaled columns such as income do not spoil them)
  Hj <- numDeriv::jacobian(function(u) fit$ghf(fit$phi + u * fit$se)$grad * fit$se, 0 * fit$phi)
  Hj <- (Hj + t(Hj)) / 2
  se_j <- fit$se * sqrt(diag(solve(-Hj)))
  ll0 <- null_loglik_ord(y, w, J); k <- length(phi); N <- sum(w)
  list(spec = spec, fit = fit, phi = phi, se = fit$se, V = fit$V, p = p, q = q, s = s, J = J,
       cuts = cuts, Xp = Xp, Xn = Xn, Z = Z, y = y, w = w, n = n,
       loglik = fit$loglik, null_loglik = ll0, aic = -2 * fit$loglik + 2 * k,
       bic = -2 * fit$loglik + k * log(N), k = k, N = N,
       crossing = ext_crossing_rows(fit$phi, Xp, Xn, Z, J),
       clm = clm_chk, clm_args = args, vgam = vg_chk,
       se_jac = max(abs(se_j - fit$se) / fit$se))
}

## JSON case from fit_ext_spec()
digits_of <- function(rel) if (is.null(rel) || !is.finite(rel)) NA else if (rel == 0) 16 else
  max(0, min(16, floor(-log10(rel))))
case_from_fit <- function(r, id, data_rel, args, source, extra_cross = list(),
                          tol = list(estimate = 1e-6, std_error = 1e-5, ci = 1e-5, loglik = 1e-8),
                          extra_expect = list()) {
  p <- r$p; q <- r$q; J <- r$J; s <- r$s
  nm <- names(r$phi)
  ic <- seq_len(p + q * (J - 1)); it <- p + q * (J - 1) + seq_len(J - 1); is <- p + q * (J - 1) + J - 1 + seq_len(s)
  coefs <- coef_entries(nm[ic], r$phi[ic], r$se[ic])
  thr <- list(); for (i in it) thr[[nm[i]]] <- list(estimate = r$phi[[i]], std_error = r$se[[i]])
  cross <- list(
    agreement_digits = list(
      clm = if (!is.null(r$clm)) list(estimate = digits_of(r$clm$est), loglik = digits_of(r$clm$loglik),
                                       std_error = digits_of(r$clm$se)) else "clm failed",
      VGAM_vglm = if (!is.null(r$vgam$est)) list(estimate = digits_of(r$vgam$est),
                                                 loglik = digits_of(r$vgam$loglik)) else NULL),
    newton = list(steps = r$fit$steps, gradient_max_abs_after = r$fit$grad_max),
    numDeriv_jacobian_of_gradient_vs_reference_se = r$se_jac,
    crossing_rows = r$crossing)
  rn <- function(x) { if (is.null(x)) return(x); n <- names(x)
    n[n == "est"] <- "estimate_max_rel_diff"; n[n == "se"] <- "std_error_max_rel_diff"
    n[n == "loglik"] <- "loglik_rel_diff"; n[n == "code"] <- "clm_convergence_code"
    n[n == "standin_digits"] <- "clm_logLik_reproduced_with_outer_standins_digits"; names(x) <- n; x }
  if (!is.null(r$vgam)) cross$VGAM_vglm <- rn(r$vgam)
  if (!is.null(r$clm)) cross$clm <- c(rn(r$clm), list(note = "ordinal::clm with gradTol 1e-12 and its own vcov; for cauchit clm uses finite stand-ins for the outer thresholds, so it differs from the exact -Inf/+Inf maximum (the reference)"))
  cross <- c(cross, extra_cross)
  ex <- list(family = "ordinal", link = r$spec$link, vcov_type = "model", converged = TRUE,
             n_obs = r$n, n_dropped = 0L, loglik = r$loglik, null_loglik = r$null_loglik,
             aic = r$aic, bic = r$bic, coefficients = coefs, thresholds = thr)
  if (s) {
    sc <- coef_entries(sub("^scale:", "", nm[is]), r$phi[is], r$se[is])
    ex$scale <- sc
  }
  ex <- c(ex, extra_expect)
  list(id = id, data = data_rel, args = args, source = source, crosscheck = cross,
       tolerance = tol, expect = ex)
}

## ------------------------------------------------------------ data
load_wine <- function() {
  w <- read.csv(file.path(REPO_DATA, "wine.csv"), stringsAsFactors = FALSE)
  W <- ordinal::wine
  if (!(all(w$rating == as.integer(W$rating)) && all(w$temp == as.character(W$temp)) &&
        all(w$contact == as.character(W$contact)) && all(w$judge == as.integer(W$judge))))
    stop("wine.csv differs from ordinal::wine")
  w$rating <- factor(w$rating, levels = 1:5, ordered = TRUE)
  w$temp <- factor(w$temp, levels = c("cold", "warm"))
  w$contact <- factor(w$contact, levels = c("no", "yes"))
  w
}
load_housing <- function() {
  h <- read.csv(file.path(REPO_DATA, "housing.csv"), stringsAsFactors = FALSE)
  H <- MASS::housing
  if (!(all(h$Sat == H$Sat) && all(h$Infl == H$Infl) && all(h$Type == H$Type) &&
        all(h$Cont == H$Cont) && all(h$Freq == H$Freq))) stop("housing.csv differs from MASS::housing")
  h$Sat <- factor(h$Sat, levels = c("Low", "Medium", "High"), ordered = TRUE)
  h$Infl <- factor(h$Infl, levels = c("Low", "Medium", "High"))
  h$Type <- factor(h$Type, levels = c("Tower", "Apartment", "Atrium", "Terrace"))
  h$Cont <- factor(h$Cont, levels = c("Low", "High"))
  h
}
load_participation <- function() {
  d <- read.csv(file.path(EXAMPLES_DATA, "participation_survey.csv"), stringsAsFactors = FALSE)
  d$willingness <- factor(d$willingness, levels = 1:5, ordered = TRUE)
  d$participation_type <- factor(d$participation_type,
                                 levels = c("passive", "cooperative", "autonomous"), ordered = TRUE)
  d$education <- factor(d$education, levels = c("primary", "secondary", "tertiary"))
  d$insured <- factor(d$insured, levels = c("no", "yes"))
  d$gender <- factor(d$gender, levels = c("female", "male"))
  d
}
## tests/data/soup.csv is ordinal::soup written by write.csv (see scale.R)
load_soup <- function() {
  s <- read.csv(file.path(REPO_DATA, "soup.csv"), stringsAsFactors = FALSE)
  S <- ordinal::soup
  if (!(all(s$SURENESS == as.integer(S$SURENESS)) && all(s$PROD == as.character(S$PROD)) &&
        all(s$RESP == as.integer(as.character(S$RESP)))))
    stop("soup.csv differs from ordinal::soup")
  s$SURENESS <- factor(s$SURENESS, levels = 1:6, ordered = TRUE)
  for (v in c("PROD", "GENDER", "AGEGROUP", "LOCATION", "COLD", "SOUPTYPE", "SOUPFREQ", "DAY", "PRODID"))
    s[[v]] <- factor(s[[v]], levels = levels(S[[v]]))
  s
}
