# Reference cases: inference on ordinal models with nominal and scale
# effects through the shared code: profile intervals, robust (HC1) and
# cluster-robust (CR1) covariances, average marginal effects.
#   Rscript tests/ref/ordinal_inference.R
# writes tests/cases/nominal_inference/*.json (prints a summary).
#
# Definitions (CONTRACT.md):
# - model: P(Y <= j | x) = F((theta_j - xp'beta - xn'beta_j) / exp(z'gamma)),
#   the exact likelihood of ordext_common.R (outer thresholds -Inf/+Inf),
#   maximised by Newton to max |gradient| < 1e-10;
# - --ci profile: each coefficient (slopes, cut-specific slopes, scale
#   terms; thresholds keep Wald intervals) solves 2 (l_max - l_max(b)) = z^2
#   with l_max(b) the log-likelihood maximised with the coefficient held at
#   b (constrained Newton, here), found by uniroot to 1e-12;
# - hc1: n/(n-k) B M B, B the inverse observed information, M = sum_i s_i s_i'
#   with s_i the weighted per-row score; cluster: G/(G-1) (n-1)/(n-k)
#   B (sum_g S_g S_g') B;
# - margins: the average over the rows of dP(Y = j)/dv (a numeric variable,
#   through every design column that contains it, scale columns included)
#   or of P(Y = j | V = L) - P(Y = j | V = ref); delta-method SEs with the
#   covariance in force (numDeriv::jacobian of the average over phi).
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "ordext_common.R"))
OUT <- normalizePath(file.path(.script_dir_ext, "..", "cases", "nominal_inference"), mustWork = FALSE)
dir.create(OUT, showWarnings = FALSE, recursive = TRUE)

## contract_design() (ordext_common.R) for data where a factor may take
## one level only (a margin sets it): the factor's own levels name the
## columns, so every level keeps its column
design_all_levels <- function(rhs, data) {
  tt <- terms(rhs); tl <- attr(tt, "term.labels")
  mf <- model.frame(rhs, data); mm <- model.matrix(tt, mf); asg <- attr(mm, "assign")
  nm <- character(0); var <- character(0)
  for (k in seq_along(tl)) {
    v <- all.vars(parse(text = tl[k])[[1]]); x <- mf[[tl[k]]]
    nm <- c(nm, if (is.factor(x)) paste0(v, "[", levels(x)[-1], "]") else gsub(" ", "", tl[k]))
    var <- c(var, rep(v, sum(asg == k)))
  }
  X <- mm[, asg > 0, drop = FALSE]; colnames(X) <- nm
  list(X = X, var = var)
}
## design of the spec on (possibly modified) data
designs <- function(sp, d) {
  D <- design_all_levels(sp$rhs, d)
  isn <- D$var %in% sp$nominal
  Z <- if (is.null(sp$scale)) matrix(0, nrow(d), 0) else design_all_levels(sp$scale, d)$X
  list(Xp = D$X[, !isn, drop = FALSE], Xn = D$X[, isn, drop = FALSE], Z = Z)
}
## n x J category probabilities
cat_probs <- function(phi, X, J, link) {
  L <- LINKS[[link]]
  U <- ext_cum_lp(phi, X$Xp, X$Xn, X$Z, J)$U
  Fm <- cbind(0, L$F(U), 1)
  Fm[, -1, drop = FALSE] - Fm[, -(J + 1), drop = FALSE]
}

## ---- profile intervals ------------------------------------------------
## l_max(b) with parameter i held at b; start: the linear trace of V
## (falling back to the previous refit when it is not finite)
constrained_max <- function(r, i, b, start) {
  llf <- function(s) { p <- append(s, b, after = i - 1); r$fit$llf(p) }
  ghf <- function(s) {
    p <- append(s, b, after = i - 1); g <- r$fit$ghf(p)
    list(grad = g$grad[-i], hess = g$hess[-i, -i, drop = FALSE])
  }
  pol <- newton_polish(start, llf, ghf, tol = 1e-10, maxit = 200)
  list(ll = llf(pol$par), par = pol$par)
}
profile_ci <- function(r, i, level = 0.95) {
  z <- qnorm(1 - (1 - level) / 2)
  phi <- r$phi; V <- r$V; bh <- phi[i]; lh <- r$loglik; se <- sqrt(V[i, i])
  slope <- V[-i, i] / V[i, i]
  last <- NULL
  h <- function(b) {
    cands <- list(phi[-i] + slope * (b - bh))
    if (!is.null(last)) cands <- c(list(last$par + slope * (b - last$b)), list(last$par), cands)
    for (st in cands) if (is.finite(r$fit$llf(append(st, b, after = i - 1)))) break
    m <- constrained_max(r, i, b, st)
    last <<- list(par = m$par, b = b)
    sqrt(max(2 * (lh - m$ll), 0)) - z
  }
  bound <- function(side) {
    last <<- NULL
    lo <- bh; k <- 0
    repeat {
      hi <- bh + side * z * se * 2^k
      if (h(hi) >= 0) break
      lo <- hi; k <- k + 1
      if (k > 20) return(side * Inf)
    }
    uniroot(h, sort(c(lo, hi)), tol = 1e-12)$root
  }
  c(bound(-1), bound(1))
}

## ---- sandwich covariances -----------------------------------------------
sandwich_V <- function(r, type, cluster = NULL) {
  S <- r$fit$ghf(r$phi)$scores; B <- r$V; n <- r$n; k <- r$k
  if (type == "hc1") return(n / (n - k) * B %*% crossprod(S) %*% B)
  Sg <- rowsum(S, cluster); G <- nrow(Sg)
  G / (G - 1) * (n - 1) / (n - k) * B %*% crossprod(Sg) %*% B
}

## ---- average marginal effects ---------------------------------------------
## variables: list(name, kind = "numeric" | "factor", levels (factor: all,
## reference first)); returns list of entries (term, outcome, value function)
ame_functions <- function(r, sp, d, vars, levels_y) {
  J <- r$J; w <- r$w; W <- sum(w); link <- sp$link
  out <- list()
  ## each closure keeps its own variable and level (R's loops do not)
  ## a numeric variable entering as itself (no transformation here): the
  ## design derivative is 1 in its columns, so per row
  ## dP_j/dv = f(t_j) dt_j - f(t_{j-1}) dt_{j-1},
  ## dt_j = -(beta'dxp + beta_j'dxn)/s - t_j gamma'dz (analytic; numDeriv then
  ## differentiates it once over the parameters)
  numeric_f <- function(name) { force(name); function(phi) {
    X <- designs(sp, d); L <- LINKS[[link]]; n <- nrow(X$Xp)
    P <- ext_cum_lp(phi, X$Xp, X$Xn, X$Z, J)
    dxp <- as.numeric(colnames(X$Xp) == name); dxn <- as.numeric(colnames(X$Xn) == name)
    dz <- as.numeric(colnames(X$Z) == name)
    loc <- matrix(sum(P$beta * dxp), n, J - 1)
    if (ncol(X$Xn)) loc <- loc + matrix(colSums(P$Bn * dxn), n, J - 1, byrow = TRUE)
    h <- if (ncol(X$Z)) sum(P$gamma * dz) else 0
    dT <- -loc / P$sc - P$U * h
    fd <- cbind(0, L$f(P$U) * dT, 0)
    colSums(w * (fd[, -1, drop = FALSE] - fd[, -(J + 1), drop = FALSE])) / W
  } }
  level_f <- function(name, levs, L) { force(name); force(levs); force(L); function(phi) {
    d1 <- d; d1[[name]] <- factor(L, levels = levs)
    d0 <- d; d0[[name]] <- factor(levs[1], levels = levs)
    colSums(w * (cat_probs(phi, designs(sp, d1), J, link) -
                 cat_probs(phi, designs(sp, d0), J, link))) / W
  } }
  for (v in vars) {
    if (v$kind == "numeric") {
      out[[length(out) + 1]] <- list(term = v$name, f = numeric_f(v$name))
    } else {
      for (L in v$levels[-1])
        out[[length(out) + 1]] <- list(term = paste0(v$name, "[", L, "]"),
                                       f = level_f(v$name, v$levels, L))
    }
  }
  out
}
margin_entries <- function(r, sp, d, vars, levels_y, V) {
  ents <- list()
  for (a in ame_functions(r, sp, d, vars, levels_y)) {
    est <- a$f(r$phi)
    Jm <- numDeriv::jacobian(a$f, r$phi)
    se <- sqrt(pmax(diag(Jm %*% V %*% t(Jm)), 0))
    for (j in seq_along(est))
      ents[[length(ents) + 1]] <- list(term = a$term, outcome = levels_y[j], estimate = est[j],
                                       std_error = se[j])
  }
  ents
}

wine <- load_wine(); part <- load_participation(); soup <- load_soup()
PART_CSV <- "../../../examples/data/participation_survey.csv"
cases <- list(
  list(id = "nominal_wine_profile_margins", data = wine, yname = "rating", w = NULL, link = "logit",
       rhs = ~ temp + contact, nominal = "contact", scale = NULL, csv = "../../data/wine.csv",
       args = c("--formula", "rating ~ temp + contact", "--family", "ordinal", "--levels", "1,2,3,4,5",
                "--nominal", "contact", "--ci", "profile", "--margins"),
       profile = TRUE, vcov = "model",
       vars = list(list(name = "temp", kind = "factor", levels = c("cold", "warm")),
                   list(name = "contact", kind = "factor", levels = c("no", "yes"))),
       what = "ordinal::wine, rating ~ temp + contact, contact nominal"),
  list(id = "nominal_wine_cluster", data = wine, yname = "rating", w = NULL, link = "probit",
       rhs = ~ temp + contact, nominal = "contact", scale = NULL, csv = "../../data/wine.csv",
       args = c("--formula", "rating ~ temp + contact", "--family", "ordinal", "--levels", "1,2,3,4,5",
                "--link", "probit", "--nominal", "contact", "--vcov", "cluster", "--cluster", "judge",
                "--margins"),
       profile = FALSE, vcov = "cluster", cluster = "judge",
       vars = list(list(name = "temp", kind = "factor", levels = c("cold", "warm")),
                   list(name = "contact", kind = "factor", levels = c("no", "yes"))),
       what = "ordinal::wine, rating ~ temp + contact, contact nominal, clustered by judge"),
  list(id = "nominal_participation_hc1_margins", data = part, yname = "willingness", w = NULL,
       link = "logit", rhs = ~ social_capital + age + gender, nominal = c("social_capital", "gender"),
       scale = NULL, csv = PART_CSV,
       args = c("--formula", "willingness ~ social_capital + age + gender", "--family", "ordinal",
                "--levels", "1,2,3,4,5", "--nominal", "social_capital + gender", "--vcov", "hc1",
                "--margins"),
       profile = FALSE, vcov = "hc1",
       vars = list(list(name = "social_capital", kind = "numeric"), list(name = "age", kind = "numeric"),
                   list(name = "gender", kind = "factor", levels = c("female", "male"))),
       what = "participation_survey.csv, willingness ~ social_capital + age + gender, social_capital and gender nominal"),
  list(id = "scale_participation_profile_margins", data = part, yname = "willingness", w = NULL,
       link = "probit", rhs = ~ social_capital + age + gender, nominal = character(0),
       scale = ~ social_capital + education, csv = PART_CSV,
       args = c("--formula", "willingness ~ social_capital + age + gender", "--family", "ordinal",
                "--levels", "1,2,3,4,5", "--link", "probit", "--scale", "social_capital + education",
                "--ci", "profile", "--margins"),
       profile = TRUE, vcov = "model",
       vars = list(list(name = "social_capital", kind = "numeric"), list(name = "age", kind = "numeric"),
                   list(name = "gender", kind = "factor", levels = c("female", "male")),
                   list(name = "education", kind = "factor", levels = c("primary", "secondary", "tertiary"))),
       what = "participation_survey.csv, willingness ~ social_capital + age + gender, scale ~ social_capital + education (education only in the scale)"),
  list(id = "scale_soup_cluster", data = soup, yname = "SURENESS", w = NULL, link = "logit",
       rhs = ~ PRODID, nominal = character(0), scale = ~ PROD, csv = "../../data/soup.csv",
       args = c("--formula", "SURENESS ~ factor(PRODID)", "--family", "ordinal", "--levels", "1,2,3,4,5,6",
                "--scale", "PROD", "--vcov", "cluster", "--cluster", "RESP"),
       profile = FALSE, vcov = "cluster", cluster = "RESP", vars = list(),
       what = "ordinal::soup, SURENESS ~ factor(PRODID), scale ~ PROD, clustered by respondent (RESP)")
)

for (sp in cases) {
  sp$vgam <- FALSE
  r <- fit_ext_spec(sp)
  nm <- names(r$phi); p <- r$p; q <- r$q; J <- r$J; s <- r$s
  ic <- seq_len(p + q * (J - 1)); it <- p + q * (J - 1) + seq_len(J - 1)
  is <- p + q * (J - 1) + J - 1 + seq_len(s)
  V <- switch(sp$vcov, model = r$V, hc1 = sandwich_V(r, "hc1"),
              cluster = sandwich_V(r, "cluster", sp$data[[sp$cluster]]))
  se <- sqrt(diag(V)); zq <- qnorm(0.975)
  lo <- r$phi - zq * se; hi <- r$phi + zq * se
  if (sp$profile) for (i in c(ic, is)) { b <- profile_ci(r, i); lo[i] <- b[1]; hi[i] <- b[2] }
  ent <- function(idx, names) { out <- list(); for (i in idx) out[[names[i]]] <-
    list(estimate = r$phi[[i]], std_error = se[[i]], conf_low = lo[[i]], conf_high = hi[[i]]); out }
  ex <- list(family = "ordinal", link = sp$link, vcov_type = sp$vcov, converged = TRUE,
             n_obs = r$n, n_dropped = 0L, loglik = r$loglik, null_loglik = r$null_loglik,
             coefficients = ent(ic, nm), thresholds = ent(it, nm))
  for (i in it) ex$thresholds[[nm[i]]] <- list(estimate = r$phi[[i]], std_error = se[[i]])
  if (s) ex$scale <- ent(is, sub("^scale:", "", nm))
  if (length(sp$vars))
    ex$margins <- margin_entries(r, sp, sp$data, sp$vars, levels(sp$data[[sp$yname]]), V)
  ## cross-checks: clm's own profile intervals (location and scale; clm
  ## does not profile nominal effects) and the sandwich package's meat
  cross <- list(newton = list(steps = r$fit$steps, gradient_max_abs_after = r$fit$grad_max))
  if (sp$profile && !is.null(r$clm) && q == 0) {
    mc <- do.call(clm, r$clm_args)
    ci <- tryCatch(confint(mc, type = "profile", level = 0.95), error = function(e) NULL)
    if (!is.null(ci)) cross$clm_profile_confint <- list(
      note = "ordinal::confint.clm(type = 'profile') interpolates the profile by splines",
      max_abs_diff = max(abs(c(lo[c(ic, is)], hi[c(ic, is)]) - c(ci[, 1], ci[, 2]))))
  }
  src <- paste0(versions_ext(), ": ", sp$what, "; link ", sp$link, ". Own likelihood P(Y <= j) = ",
                "F((theta_j - xp'beta - xn'beta_j) / exp(z'gamma)), theta_0 = -Inf, theta_J = +Inf exactly ",
                "(tests/ref/ordext_common.R), Newton to max|gradient| < 1e-10. ",
                switch(sp$vcov, model = "Covariance: inverse observed information. ",
                       hc1 = "Covariance HC1 = n/(n-k) B M B (B inverse observed information, M the sum of outer products of the per-row scores). ",
                       cluster = sprintf("Covariance CR1 = G/(G-1) (n-1)/(n-k) B (sum_g S_g S_g') B, clusters %s. ", sp$cluster)),
                if (sp$profile) "Profile intervals for every slope and scale term (constrained Newton refits, uniroot to 1e-12); thresholds Wald. " else "",
                if (length(sp$vars)) "Margins: AME of each variable (numeric: the analytic dP/dv averaged, through every design column containing it, scale columns included; factor levels as differences from the reference), delta-method SEs with the covariance in force (numDeriv::jacobian over the parameters). " else "",
                "Regenerate: Rscript tests/ref/ordinal_inference.R")
  case <- list(id = sp$id, data = sp$csv, args = sp$args, source = src, crosscheck = cross,
               tolerance = list(estimate = 1e-6, std_error = 1e-5, ci = 1e-5, loglik = 1e-8, margins = 1e-5),
               expect = ex)
  write_case(file.path(OUT, paste0(sp$id, ".json")), case)
  cat(sp$id, ": loglik", format(r$loglik, digits = 12), "\n")
}
