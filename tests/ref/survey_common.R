# Shared code for the survey-design, CR2 and multiple-imputation reference
# scripts (tests/ref/survey_cases.R, cr2_cases.R, mi_cases.R). Sourced, not
# run on its own. Builds on tests/ref/common.R (links, binary log-likelihood
# and analytic observed Hessian, Newton polishing, C emitters).
#
# Everything here follows /work/shared/conformance/CONTRACT.md ("Additions"):
#   - model rows, factor levels and term names as partreg reads the CSV;
#   - weighted ML with the RAW sampling weights (Newton steps are taken on
#     the weights divided by their mean, which has the same maximiser; the
#     log-likelihood, Hessian and scores are then evaluated with raw weights);
#   - linearised V = A^-1 B A^-1, A = observed information (analytic), B the
#     contract's stratified PSU-total meat (written out below by hand);
#   - replicate V = c sum_r (b_r - b*)(b_r - b*)';
#   - AME margins and their delta-method Jacobian (analytic);
#   - case JSON written with shortest round-trip doubles (up to 17 digits).

source("tests/ref/common.R")
suppressPackageStartupMessages(library(survey))

VERSIONS_PKGS <- c("survey", "MASS", "ordinal", "numDeriv", "sandwich",
                   "clubSandwich", "mice", "mitools", "mitml", "jsonlite")
versions_string <- function(pkgs = VERSIONS_PKGS) {
  pkgs <- pkgs[sapply(pkgs, requireNamespace, quietly = TRUE)]
  sprintf("%s [%s]", sub("R version ([0-9.]+).*", "R \\1", R.version.string),
          paste(sprintf("%s %s", pkgs, sapply(pkgs, function(p)
            as.character(packageVersion(p)))), collapse = ", "))
}

## ------------------------------------------------------------ data + model
## byte (C-locale) order of strings, numeric order of numbers
contract_levels <- function(x) {
  u <- unique(x[!is.na(x)])
  if (is.numeric(u)) sort(u) else sort(as.character(u), method = "radix")
}

read_case_csv <- function(path) {
  read.csv(path, stringsAsFactors = FALSE, na.strings = c("", "NA"),
           check.names = FALSE)
}

## Build the model as partreg reads it.
##   formula: main effects only (numeric columns, text columns, factor(x))
##   family: "binary" or "ordinal"; ylevels: outcome order (NULL = default)
##   refs: named list var = reference level
##   extra: further columns that must be non-missing (design columns)
## Returns X (binary: with intercept; ordinal: without), y (0/1 or 1..J),
## term names, the rows used, and per-variable margin info.
build_model <- function(data, formula, family, ylevels = NULL, refs = list(),
                        extra = character(0)) {
  tt <- terms(formula)
  labs <- attr(tt, "term.labels")
  resp <- all.vars(formula)[1]
  vars <- unique(c(resp, all.vars(delete.response(tt)), extra))
  used <- complete.cases(data[, vars, drop = FALSE])
  d <- data[used, , drop = FALSE]
  cols <- list(); names_out <- character(0); info <- list()
  for (lab in labs) {
    m <- regmatches(lab, regexec("^factor\\((.+)\\)$", lab))[[1]]
    if (length(m) == 2 || is.character(d[[lab]])) {
      v <- if (length(m) == 2) m[2] else lab
      lev <- contract_levels(d[[v]])
      if (!is.null(refs[[v]])) lev <- c(refs[[v]], setdiff(lev, refs[[v]]))
      lev <- as.character(lev)
      for (L in lev[-1]) {
        cols[[length(cols) + 1]] <- as.numeric(as.character(d[[v]]) == L)
        names_out <- c(names_out, sprintf("%s[%s]", v, L))
      }
      info[[length(info) + 1]] <- list(type = "factor", var = v, levels = lev,
                                       cols = length(names_out) - (length(lev) - 2):0)
    } else {
      v <- lab
      cols[[length(cols) + 1]] <- as.numeric(d[[v]])
      names_out <- c(names_out, gsub(" ", "", v))
      info[[length(info) + 1]] <- list(type = "numeric", var = v, cols = length(names_out))
    }
  }
  X <- do.call(cbind, cols); colnames(X) <- names_out
  if (family == "binary") {
    X <- cbind("(Intercept)" = 1, X)
    for (i in seq_along(info)) info[[i]]$cols <- info[[i]]$cols + 1
  }
  yl <- if (is.null(ylevels)) contract_levels(d[[resp]]) else ylevels
  yl <- as.character(yl)
  yi <- match(as.character(d[[resp]]), yl)
  if (anyNA(yi)) stop("outcome value not in the levels")
  if (family == "binary") {
    if (length(yl) != 2) stop("binary outcome needs 2 levels")
    y <- as.numeric(yi == 2)
  } else y <- yi
  list(X = X, y = y, used = used, d = d, terms = colnames(X), info = info,
       ylevels = yl, J = length(yl), family = family,
       n_obs = sum(used), n_dropped = sum(!used))
}

## ------------------------------------------------------------ fits
## per-row (unweighted) scores, n x k
bin_scores <- function(beta, X, y, link) {
  L <- LINKS[[link]]; eta <- drop(X %*% beta); f <- L$f(eta)
  X * ifelse(y == 1, f / L$F(eta), -f / L$Fc(eta))
}
## ordinal: vectorised scores and Hessian, psi = (beta, theta)
ord_AB <- function(X, y, J) {
  n <- length(y); p <- ncol(X); k <- p + J - 1
  A <- cbind(-X, matrix(0, n, J - 1)); B <- A
  for (j in 1:(J - 1)) { A[y == j + 1, p + j] <- 1; B[y == j, p + j] <- 1 }
  A[y == 1, ] <- 0; B[y == J, ] <- 0
  list(A = A, B = B)
}
ord_scores <- function(psi, X, y, J, link) {
  L <- LINKS[[link]]; P <- ord_parts(psi, X, y, J); AB <- ord_AB(X, y, J)
  pr <- ord_prob(P$a, P$b, L)
  fa <- L$f(P$a); fb <- L$f(P$b); fa[!is.finite(P$a)] <- 0; fb[!is.finite(P$b)] <- 0
  (fb * AB$B - fa * AB$A) / pr
}
ord_hess_v <- function(psi, X, y, w, J, link) {
  L <- LINKS[[link]]; P <- ord_parts(psi, X, y, J); AB <- ord_AB(X, y, J)
  pr <- ord_prob(P$a, P$b, L)
  fpa <- L$fp(P$a); fpb <- L$fp(P$b); fpa[!is.finite(P$a)] <- 0; fpb[!is.finite(P$b)] <- 0
  S <- ord_scores(psi, X, y, J, link)
  crossprod(AB$B, (w * fpb / pr) * AB$B) - crossprod(AB$A, (w * fpa / pr) * AB$A) -
    crossprod(S, w * S)
}

## Weighted ML, Newton-polished. w: raw weights (zero = row not in the
## likelihood). Returns estimates, raw-weight loglik, Hessian, scores.
fit_w <- function(M, w, link, start = NULL, tol = 1e-11) {
  X <- M$X; y <- M$y; J <- M$J
  keep <- w > 0
  wn <- w / mean(w[keep])
  if (M$family == "binary") {
    if (is.null(start)) {
      g <- suppressWarnings(glm.fit(X[keep, , drop = FALSE], y[keep], wn[keep],
                                    family = quasibinomial(link),
                                    control = glm.control(epsilon = 1e-14, maxit = 100)))
      start <- unname(g$coefficients)
    }
    llf <- function(b) bin_ll(b, X[keep, , drop = FALSE], y[keep], wn[keep], link)
    ghf <- function(b) list(grad = bin_grad(b, X[keep, , drop = FALSE], y[keep], wn[keep], link),
                            hess = bin_hess(b, X[keep, , drop = FALSE], y[keep], wn[keep], link))
  } else {
    if (is.null(start)) {
      df <- data.frame(yf = factor(y[keep], levels = 1:J), X[keep, , drop = FALSE], check.names = FALSE)
      colnames(df)[-1] <- paste0("x", seq_len(ncol(X)))
      fo <- as.formula(paste("yf ~", paste(colnames(df)[-1], collapse = " + ")))
      m <- clm(fo, data = df, weights = wn[keep], link = link,
               control = clm.control(gradTol = 1e-12, relTol = 1e-14, maxIter = 500))
      start <- c(unname(m$beta), unname(m$alpha))
    }
    Xk <- X[keep, , drop = FALSE]; yk <- y[keep]
    llf <- function(s) ord_ll(s, Xk, yk, wn[keep], J, link)
    ghf <- function(s) list(grad = colSums(wn[keep] * ord_scores(s, Xk, yk, J, link)),
                            hess = ord_hess_v(s, Xk, yk, wn[keep], J, link))
  }
  pol <- newton_polish(start, llf, ghf, tol = tol)
  psi <- pol$par
  ## raw-weight quantities (rows with w = 0 contribute nothing)
  if (M$family == "binary") {
    S <- bin_scores(psi, X, y, link); S[!keep, ] <- 0
    H <- bin_hess(psi, X[keep, , drop = FALSE], y[keep], w[keep], link)
    ll <- bin_ll(psi, X[keep, , drop = FALSE], y[keep], w[keep], link)
  } else {
    S <- ord_scores(psi, X, y, J, link); S[!keep, ] <- 0
    H <- ord_hess_v(psi, X[keep, , drop = FALSE], y[keep], w[keep], J, link)
    ll <- ord_ll(psi, X[keep, , drop = FALSE], y[keep], w[keep], J, link)
  }
  Hn <- ghf(psi)$hess
  se_model_n <- sqrt(diag(solve(-Hn)))
  list(psi = psi, ll = ll, H = H, A = -H, S = S, steps = pol$steps,
       grad_norm = ghf(psi)$grad, grad_se = max(abs(ghf(psi)$grad * se_model_n)),
       start = start, keep = keep)
}
null_loglik <- function(M, w) {
  keep <- w > 0
  if (M$family == "binary") {
    p <- sum(w[keep] * M$y[keep]) / sum(w[keep])
    sum(w[keep] * ifelse(M$y[keep] == 1, log(p), log1p(-p)))
  } else {
    Wj <- tapply(w[keep], factor(M$y[keep], levels = 1:M$J), sum)
    Wj <- Wj[!is.na(Wj) & Wj > 0]
    sum(Wj * log(Wj / sum(Wj)))
  }
}
param_names <- function(M) {
  if (M$family == "binary") M$terms else
    c(M$terms, paste(M$ylevels[-M$J], M$ylevels[-1], sep = "|"))
}

## ------------------------------------------------------------ design meat
## Z: n x k matrix of weight x score (rows outside the domain are zero).
## strata, psu: vectors (NULL = one stratum / every row its own PSU).
## fpc: per-row value (NULL = none). lonely: certainty|centered|scaled|fail.
## The contract's B, written out by hand.
design_meat <- function(Z, strata = NULL, psu = NULL, fpc = NULL, lonely = "fail") {
  n <- nrow(Z); k <- ncol(Z)
  if (is.null(strata)) strata <- rep(1, n)
  if (is.null(psu)) psu <- seq_len(n)
  key <- paste(strata, psu, sep = "\r")
  ukey <- unique(key)
  zt <- rowsum(Z, factor(key, levels = ukey), reorder = FALSE)
  st <- strata[match(ukey, key)]
  fp <- if (is.null(fpc)) rep(NA, length(ukey)) else fpc[match(ukey, key)]
  zbar_all <- colMeans(zt)
  B <- matrix(0, k, k); H <- 0; Hok <- 0; lonely_strata <- character(0)
  for (h in unique(st)) {
    idx <- which(st == h); nh <- length(idx); H <- H + 1
    f <- if (is.na(fp[idx[1]])) 0 else if (fp[idx[1]] > 1) nh / fp[idx[1]] else fp[idx[1]]
    if (nh > 1) {
      Hok <- Hok + 1
      dz <- sweep(zt[idx, , drop = FALSE], 2, colMeans(zt[idx, , drop = FALSE]))
      B <- B + (1 - f) * nh / (nh - 1) * crossprod(dz)
    } else {
      lonely_strata <- c(lonely_strata, as.character(h))
      if (lonely == "fail") stop("stratum ", h, " has one PSU")
      if (lonely == "centered") {
        dz <- zt[idx, , drop = FALSE] - matrix(zbar_all, 1)
        B <- B + (1 - f) * crossprod(dz)
      }
    }
  }
  if (lonely == "scaled" && length(lonely_strata)) B <- B * H / Hok
  list(B = B, n_psu = length(ukey), n_strata = H, df = length(ukey) - H,
       lonely_strata = lonely_strata, zbar_all = zbar_all)
}

## ------------------------------------------------------------ margins
## AME of each variable (binary: P(y = 1); ordinal: P(Y = j) for each j),
## rows weighted by wm (0 = not averaged). Returns estimates, the analytic
## Jacobian wrt psi (coefficients then thresholds), and labels.
ame <- function(M, psi, link, wm) {
  L <- LINKS[[link]]
  X <- M$X; p <- ncol(X); J <- M$J; W <- sum(wm)
  beta <- psi[seq_len(p)]
  ordinal <- M$family == "ordinal"
  theta <- if (ordinal) psi[p + seq_len(J - 1)] else NULL
  nout <- if (ordinal) J else 1
  fz <- function(u) { r <- L$f(u); r[!is.finite(u)] <- 0; r }
  fpz <- function(u) { r <- L$fp(u); r[!is.finite(u)] <- 0; r }
  th <- c(-Inf, theta, Inf)
  ## P_j(eta) and derivatives, n x nout
  Pm <- function(eta) if (!ordinal) matrix(L$F(eta), ncol = 1) else
    sapply(1:J, function(j) ord_prob(th[j] - eta, th[j + 1] - eta, L))
  ## dP_j/deta
  D1 <- function(eta) if (!ordinal) matrix(fz(eta), ncol = 1) else
    sapply(1:J, function(j) -(fz(th[j + 1] - eta) - fz(th[j] - eta)))
  ## d2P_j/deta2
  D2 <- function(eta) if (!ordinal) matrix(fpz(eta), ncol = 1) else
    sapply(1:J, function(j) fpz(th[j + 1] - eta) - fpz(th[j] - eta))
  ## dP_j/dtheta_m (m = 1..J-1): f(theta_m - eta) (j = m) - f(theta_m - eta) (j = m + 1)
  Dth <- function(eta, j) {
    G <- matrix(0, length(eta), J - 1)
    if (j <= J - 1) G[, j] <- fz(th[j + 1] - eta)
    if (j >= 2) G[, j - 1] <- -fz(th[j] - eta)
    G
  }
  ## d/dtheta of dP_j/deta
  Dth2 <- function(eta, j) {
    G <- matrix(0, length(eta), J - 1)
    if (j <= J - 1) G[, j] <- -fpz(th[j + 1] - eta)
    if (j >= 2) G[, j - 1] <- fpz(th[j] - eta)
    G
  }
  outl <- if (ordinal) M$ylevels else NA
  est <- numeric(0); Jac <- NULL; term <- character(0); outc <- character(0)
  eta0 <- drop(X %*% beta)
  for (inf in M$info) {
    if (inf$type == "numeric") {
      c1 <- inf$cols; bv <- beta[c1]
      d1 <- D1(eta0); d2 <- D2(eta0)
      for (j in 1:nout) {
        est <- c(est, sum(wm * d1[, j]) * bv / W)
        gb <- colSums(wm * d2[, j] * bv * X) / W
        gb[c1] <- gb[c1] + sum(wm * d1[, j]) / W
        gt <- if (ordinal) colSums(wm * bv * Dth2(eta0, j)) / W else NULL
        Jac <- rbind(Jac, c(gb, gt))
        term <- c(term, inf$var); outc <- c(outc, outl[j])
      }
    } else {
      X0 <- X; X0[, inf$cols] <- 0
      eta_r <- drop(X0 %*% beta)
      for (li in seq_along(inf$cols)) {
        X1 <- X0; X1[, inf$cols[li]] <- 1
        eta_l <- drop(X1 %*% beta)
        P1 <- Pm(eta_l); P0 <- Pm(eta_r); d1l <- D1(eta_l); d1r <- D1(eta_r)
        for (j in 1:nout) {
          est <- c(est, sum(wm * (P1[, j] - P0[, j])) / W)
          gb <- (colSums(wm * d1l[, j] * X1) - colSums(wm * d1r[, j] * X0)) / W
          gt <- if (ordinal) colSums(wm * (Dth(eta_l, j) - Dth(eta_r, j))) / W else NULL
          Jac <- rbind(Jac, c(gb, gt))
          term <- c(term, sprintf("%s[%s]", inf$var, inf$levels[li + 1]))
          outc <- c(outc, outl[j])
        }
      }
    }
  }
  list(est = est, J = Jac, term = term, outcome = outc)
}
## numerical check of the AME estimates: numeric variables by numDeriv::grad
## of the weighted mean predicted probability under a shift of the column
## (Richardson extrapolation); factor levels are direct differences (NA here)
ame_fd <- function(M, psi, link, wm) {
  L <- LINKS[[link]]; X <- M$X; p <- ncol(X); J <- M$J; ordinal <- M$family == "ordinal"
  beta <- psi[seq_len(p)]; theta <- if (ordinal) psi[p + seq_len(J - 1)] else NULL
  th <- c(-Inf, theta, Inf)
  mp <- function(Xm, j) {
    eta <- drop(Xm %*% beta)
    pr <- if (!ordinal) L$F(eta) else ord_prob(th[j] - eta, th[j + 1] - eta, L)
    sum(wm * pr) / sum(wm)
  }
  out <- numeric(0)
  for (inf in M$info) {
    nout <- if (ordinal) J else 1
    if (inf$type == "numeric") {
      for (j in 1:nout) out <- c(out, numDeriv::grad(function(h) { Xh <- X; Xh[, inf$cols] <- Xh[, inf$cols] + h; mp(Xh, j) }, 0))
    } else out <- c(out, rep(NA, length(inf$cols) * nout))
  }
  out
}
## numerical check of the AME Jacobian
ame_jac_num <- function(M, psi, link, wm)
  numDeriv::jacobian(function(s) ame(M, s, link, wm)$est, psi)

## ------------------------------------------------------------ Wald tests
## joint Wald test of the columns idx: W = b' V^-1 b; adjusted F (design)
wald_adjF <- function(psi, V, idx, df) {
  b <- psi[idx]; W <- drop(t(b) %*% solve(V[idx, idx, drop = FALSE], b)); q <- length(idx)
  Fadj <- (df - q + 1) / (df * q) * W
  list(W = W, q = q, F = Fadj, df1 = q, df2 = df - q + 1,
       p = pf(Fadj, q, df - q + 1, lower.tail = FALSE))
}

## ------------------------------------------------------------ JSON
num_json <- function(x) {
  if (is.na(x) || !is.finite(x)) return("null")
  if (x == round(x) && abs(x) < 1e15 && is.integer(x)) return(sprintf("%d", x))
  for (d in 15:17) { s <- sprintf("%.*g", d, x); if (as.numeric(s) == x) break }
  if (!grepl("[.eEn]", s)) s <- paste0(s, ".0")
  s
}
to_json <- function(x, indent = 0) {
  pad <- strrep("  ", indent); pad1 <- strrep("  ", indent + 1)
  if (is.null(x)) return("null")
  if (is.list(x) && !is.null(names(x)) && !inherits(x, "json_array")) {
    if (length(x) == 0) return("{}")
    items <- mapply(function(k, v) sprintf("%s%s: %s", pad1, toJSON_str(k), to_json(v, indent + 1)),
                    names(x), x)
    return(paste0("{\n", paste(items, collapse = ",\n"), "\n", pad, "}"))
  }
  if (is.list(x)) {
    if (length(x) == 0) return("[]")
    items <- sapply(x, function(v) paste0(pad1, to_json(v, indent + 1)))
    return(paste0("[\n", paste(items, collapse = ",\n"), "\n", pad, "]"))
  }
  if (inherits(x, "json_array") || length(x) != 1) {
    if (length(x) == 0) return("[]")
    return(paste0("[", paste(sapply(x, to_json, indent = indent), collapse = ", "), "]"))
  }
  if (is.character(x)) return(if (is.na(x)) "null" else toJSON_str(x))
  if (is.logical(x)) return(if (is.na(x)) "null" else if (x) "true" else "false")
  if (is.integer(x)) return(if (is.na(x)) "null" else sprintf("%d", x))
  num_json(x)
}
toJSON_str <- function(s) as.character(jsonlite::toJSON(s, auto_unbox = TRUE))
json_array <- function(x) structure(x, class = c("json_array", class(x)))
empty_obj <- function() structure(list(), names = character(0))
write_case <- function(path, case) {
  dir.create(dirname(path), showWarnings = FALSE, recursive = TRUE)
  txt <- to_json(case)
  writeLines(txt, path)
  invisible(jsonlite::fromJSON(path))   # parse check
}

## coefficient / threshold blocks for the expect section
term_block <- function(names, est, se, q, extra = NULL) {
  out <- list()
  q <- rep_len(q, length(names))   # one quantile, or one per term (t with per-term df)
  for (i in seq_along(names)) {
    e <- list(estimate = est[i], std_error = se[i],
              conf_low = est[i] - q[i] * se[i], conf_high = est[i] + q[i] * se[i])
    if (!is.null(extra)) for (nm in names(extra)) e[[nm]] <- extra[[nm]][i]
    out[[names[i]]] <- e
  }
  if (length(out) == 0) empty_obj() else out
}
## margins entries; outcome NA is written as JSON null (binary)
margins_block <- function(am, se) {
  lapply(seq_along(am$est), function(i) {
    e <- list(term = am$term[i], outcome = NA_character_,
              estimate = am$est[i], std_error = se[i])
    if (!is.na(am$outcome[i])) e$outcome <- am$outcome[i]
    e
  })
}
