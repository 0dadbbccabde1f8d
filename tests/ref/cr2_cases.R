## CR2 (bias-reduced cluster-robust) reference cases for partreg's
## `--vcov cr2` (CONTRACT.md "Bias reduction, few clusters"), plus one
## `--vcov cluster` (CR1) case. Run from the repository root:
##
##   Rscript tests/ref/cr2_cases.R > tests/ref/ref_cr2_cases.h
##
## Writes tests/data/aawards_2001_girls.csv (and a copy with precision
## weights, aawards_2001_girls_weighted.csv), tests/cases/cr2/<id>.json and,
## on standard output, a C header with the full CR2/CR1 covariances and the
## CR1 intervals on t(G - 1) (no contract option asks for those yet).
##
## Data: clubSandwich::AchievementAwardsRCT (Angrist and Lavy 2009, the
## Israeli achievement-awards trial), the 2001 cohort of girls: 1861
## students in 34 schools (clusters school_id), outcome Bagrut_status (0/1).
##
## Reference route for CR2, written from Pustejovsky and Tipton (2018) with
## full n x n matrices (not clubSandwich's code): D = f(eta) X, working
## variance Phi = diag(mu (1 - mu)), W = Phi^-1, M = (D' W D)^-1 (the
## inverse EXPECTED information, = observed for logit), H = D M D' W;
## B_j = T_j [(I - H) Phi (I - H)']_jj T_j' with T_j = chol(Phi_j),
## A_j = T_j' B_j^-1/2 T_j; V = M (sum_j D_j' W_j A_j e_j e_j' A_j' W_j D_j) M,
## e = y - mu. Satterthwaite df of coefficient c: with p_j = A_j' W_j D_j M c
## stacked by cluster into P (n x G), Omega = P' (I - H) Phi (I - H)' P,
## df = tr(Omega)^2 / sum(Omega^2) (working model e = (I - H) eps,
## eps ~ N(0, Phi)). Cross-check: clubSandwich::vcovCR(glm, cluster,
## type = "CR2") and coef_test(..., test = "Satterthwaite") on the glm at
## the polished estimate.
source("tests/ref/survey_common.R")
suppressPackageStartupMessages({ library(clubSandwich); library(sandwich) })
`%||%` <- function(a, b) if (is.null(a)) b else a
ai <- function(x) as.integer(x)

VERS <- versions_string(c("clubSandwich", "sandwich", "MASS", "numDeriv", "jsonlite"))
OUT <- "tests/cases/cr2"
CSV <- "aawards_2001_girls.csv"

## ---- data
aw <- as.data.frame(clubSandwich::AchievementAwardsRCT)
aw <- subset(aw, year == "2001" & sex == "Girl",
             select = c(school_id, school_type, treated, Bagrut_status, lagscore,
                        father_ed, mother_ed, siblings, immigrant))
aw$school_type <- as.character(aw$school_type)
write.csv(aw, file.path("tests/data", CSV), row.names = FALSE, na = "")
data <- read_case_csv(file.path("tests/data", CSV))
## the same rows with precision weights w (two decimals in [0.4, 2.6],
## drawn with a fixed seed) for the weighted cases
WCSV <- "aawards_2001_girls_weighted.csv"
set.seed(20261207)
aw$w <- round(runif(nrow(aw), 0.4, 2.6), 2)
write.csv(aw, file.path("tests/data", WCSV), row.names = FALSE, na = "")
wdata <- read_case_csv(file.path("tests/data", WCSV))

FORMULA <- Bagrut_status ~ treated + lagscore + father_ed + mother_ed + siblings + immigrant + school_type
DATADESC <- "clubSandwich::AchievementAwardsRCT (Angrist and Lavy 2009 achievement-awards trial in Israeli schools), 2001 cohort of girls: 1861 students in 34 schools (cluster school_id, 12 to 146 students each); Bagrut_status (1 = Bagrut certificate) on treatment, lagged score, parents' education, siblings, immigrant and school type (Arab reference)"

HDR <- list()
WDESC <- paste0(", with precision weights w (", WCSV, "): the log-likelihood sum_i w_i l_i; clubSandwich's",
                " glm(weights = w) working model: W = w / V(mu), target Phi = V(mu) / w")

cr2_by_hand <- function(M, psi, link, cl, w = rep(1, nrow(M$X))) {
  L <- LINKS[[link]]; X <- M$X; y <- M$y; n <- nrow(X); k <- ncol(X)
  eta <- drop(X %*% psi); mu <- L$F(eta); f <- L$f(eta)
  v <- mu * L$Fc(eta) / w; e <- y - mu          # target Phi = V(mu) / w (clubSandwich)
  D <- f * X; Wd <- 1 / v
  Mi <- solve(crossprod(D, Wd * D))
  Hfull <- D %*% Mi %*% t(D * Wd)                      # n x n
  IH <- diag(n) - Hfull
  Om_full <- IH %*% (v * t(IH))                          # (I-H) Phi (I-H)'
  cls <- split(seq_len(n), factor(cl, levels = unique(cl)))
  G <- length(cls)
  Ej <- list(); comps <- matrix(0, k, G)
  for (g in seq_len(G)) {
    i <- cls[[g]]
    Tj <- diag(sqrt(v[i]), length(i))
    Bj <- Tj %*% Om_full[i, i, drop = FALSE] %*% t(Tj)
    es <- eigen((Bj + t(Bj)) / 2, symmetric = TRUE)
    Bmh <- es$vectors %*% (es$values^-0.5 * t(es$vectors))
    Aj <- t(Tj) %*% Bmh %*% Tj
    Ej[[g]] <- t(D[i, , drop = FALSE] * Wd[i]) %*% Aj          # k x n_j
    comps[, g] <- Ej[[g]] %*% e[i]
  }
  V <- Mi %*% tcrossprod(comps) %*% Mi
  df <- sapply(seq_len(k), function(ci) {
    cvec <- numeric(k); cvec[ci] <- 1
    P <- matrix(0, n, G)
    for (g in seq_len(G)) P[cls[[g]], g] <- drop(t(Ej[[g]]) %*% (Mi %*% cvec))
    Om <- t(P) %*% Om_full %*% P
    sum(diag(Om))^2 / sum(Om^2)
  })
  list(V = (V + t(V)) / 2, df = df, Mi = Mi, G = G)
}

## What CR2 is NOT: with the rows scaled by W^1/2 (z = f x / sqrt(v),
## r = (y - mu) / sqrt(v)) the hat matrix is the projection P = Z M Z', each
## cluster's I - P_jj is the identity minus a matrix of rank <= k, and
## (I - P_jj)^-1/2 = I + U ((I - Lambda)^-1/2 - I) U' from a k x k
## eigenproblem. The adjustment built on it, u_j = Z_j' (I - P_jj)^-1/2 r_j,
## is unbiased under the working model too, but it is not clubSandwich's:
## clubSandwich's A_j = T_j' B_j^-1/2 T_j is the one symmetric solution of
## A S_j A = Phi_j, and in these rows u_j = Z_j' (Phi_j C_j Phi_j)^-1/2 Phi_j r_j,
## which equals the above only where Phi_j is constant within the cluster.
## Its standard errors, for the record (crosscheck in each CR2 case).
cr2_symmetric_scaling <- function(M, psi, link, cl, w = rep(1, nrow(M$X))) {
  L <- LINKS[[link]]; X <- M$X; y <- M$y
  eta <- drop(X %*% psi); mu <- L$F(eta); v <- mu * L$Fc(eta) / w
  Z <- (L$f(eta) / sqrt(v)) * X; r <- (y - mu) / sqrt(v)
  Mi <- solve(crossprod(Z))
  U <- sapply(split(seq_len(nrow(X)), factor(cl, levels = unique(cl))), function(i) {
    Zi <- Z[i, , drop = FALSE]
    C <- diag(length(i)) - Zi %*% Mi %*% t(Zi)
    es <- eigen((C + t(C)) / 2, symmetric = TRUE)
    crossprod(Zi, es$vectors %*% (es$values^-0.5 * crossprod(es$vectors, r[i])))
  })
  sqrt(diag(Mi %*% tcrossprod(U) %*% Mi))
}

run_cr2 <- function(id, link, weighted = FALSE) {
  cat("## ", id, "\n", file = stderr())
  src <- if (weighted) wdata else data
  M <- build_model(src, FORMULA, "binary", extra = c("school_id", if (weighted) "w"))
  w1 <- if (weighted) M$d$w else rep(1, nrow(M$X))
  fit <- fit_w(M, w1, link)
  psi <- fit$psi; k <- length(psi); pn <- param_names(M)
  cl <- M$d$school_id
  hb <- cr2_by_hand(M, psi, link, cl, w1)
  V <- hb$V; se <- sqrt(diag(V)); df <- hb$df
  ## clubSandwich on glm at the reference estimate
  dd <- M$d; dd$school_type <- factor(dd$school_type, levels = contract_levels(dd$school_type))
  dd$.w <- w1
  g <- suppressWarnings(glm(FORMULA, data = dd, family = binomial(link), weights = .w, start = psi,
                            control = glm.control(epsilon = 1e-14, maxit = 100)))
  gp <- g
  ## evaluate clubSandwich exactly at the polished maximum
  gp$coefficients[] <- psi
  gp$linear.predictors <- drop(model.matrix(g) %*% psi)
  gp$fitted.values <- binomial(link)$linkinv(gp$linear.predictors)
  eta <- gp$linear.predictors; mu <- gp$fitted.values; me <- binomial(link)$mu.eta(eta)
  gp$weights <- w1 * me^2 / (mu * (1 - mu))                   # IRLS working weights
  gp$residuals <- (M$y - mu) / me
  gp$qr <- qr(sqrt(gp$weights) * model.matrix(g))
  vc <- vcovCR(gp, cluster = dd$school_id, type = "CR2")
  ct <- coef_test(gp, vcov = vc, test = "Satterthwaite")
  vc_g <- vcovCR(g, cluster = dd$school_id, type = "CR2")
  ct_g <- coef_test(g, vcov = vc_g, test = "Satterthwaite")
  q <- qt(0.975, df)
  ll <- fit$ll; ll0 <- null_loglik(M, w1); n <- nrow(M$X); N <- sum(w1)
  cc <- list(
    agreement_digits = list(
      clubSandwich_at_reference = list(std_error = as.integer(digits_agree(unname(ct$SE), se)),
                                       V_matrix = as.integer(digits_agree(unname(as.matrix(vc)), V)),
                                       df = as.integer(digits_agree(unname(ct$df_Satt), df))),
      clubSandwich_on_glm_fit = list(estimate = as.integer(digits_agree(unname(coef(g)), psi)),
                                     std_error = as.integer(digits_agree(unname(ct_g$SE), se)),
                                     df = as.integer(digits_agree(unname(ct_g$df_Satt), df)))),
    clubSandwich_at_reference = list(
      std_error = rel_diff(unname(ct$SE), se), df = rel_diff(unname(ct$df_Satt), df),
      call = "coef_test(fit, vcov = vcovCR(fit, cluster = school_id, type = 'CR2'), test = 'Satterthwaite') with fit = glm(..., family = binomial(link)) whose coefficients, linear predictors, fitted values, working weights/residuals and QR are set to the polished reference estimate"),
    clubSandwich_on_glm_fit = list(
      estimate = rel_diff(unname(coef(g)), psi), std_error = rel_diff(unname(ct_g$SE), se),
      df = rel_diff(unname(ct_g$df_Satt), df),
      call = sprintf("glm(%s, binomial('%s'), epsilon = 1e-14, start = reference); clubSandwich 0.5.8 vcovCR(type = 'CR2'), coef_test(test = 'Satterthwaite')", deparse(FORMULA), link),
      note = if (link != "logit") "glm's IRLS stops on the deviance (about 1e-8 short of the maximum for non-canonical links): agreement limited by that" else NULL),
    newton_polish = list(steps = as.integer(fit$steps), max_abs_gradient_times_model_se = fit$grad_se),
    symmetric_scaling_is_not_clubSandwich = list(
      std_error = rel_diff(cr2_symmetric_scaling(M, psi, link, cl, w1), se),
      note = "standard errors of the adjustment Z_j' (I - P_jj)^-1/2 r_j in rows scaled by W^1/2 (low rank per cluster), against clubSandwich's Z_j' (Phi_j C_j Phi_j)^-1/2 Phi_j r_j: largest relative difference (cr2_cases.R, cr2_symmetric_scaling)"),
    bread = if (link == "logit") "M = inverse expected information = inverse observed information (logit)" else
      sprintf("M = inverse EXPECTED information X'diag(f^2/(mu(1-mu)))X (clubSandwich's sandwich::bread.glm); the observed-information bread would change the SEs by up to %.3g (rel.)",
              rel_diff(sqrt(diag(solve(fit$A) %*% solve(hb$Mi) %*% V %*% solve(hb$Mi) %*% solve(fit$A))), se)))
  coefs <- term_block(pn, psi, se, q, extra = list(df = df))
  case <- list(id = id, data = file.path("../../data", if (weighted) WCSV else CSV),
               args = c("--formula", paste(deparse(FORMULA), collapse = ""), "--family", "binary", "--link", link,
                        "--vcov", "cr2", "--cluster", "school_id", if (weighted) c("--weights", "w")),
               source = paste0(VERS, ": ", DATADESC, if (weighted) WDESC, ". ", link, " ML fit (glm start, Newton-polished with the analytic observed Hessian). CR2 covariance of Bell and McCaffrey (2002) / Pustejovsky and Tipton (2018), as clubSandwich::vcovCR(glm, cluster = school_id, type = 'CR2'): working weights W = 1/(mu(1-mu)) on the derivative matrix D = f(eta) X, target Phi = W^-1, bread M = (D'WD)^-1 (expected information, the contract's 'working weights of the expected information'; for logit = observed information), A_j = T_j' B_j^-1/2 T_j with B_j = T_j [(I-H) Phi (I-H)']_jj T_j', T_j = chol(Phi_j), V = M sum_j D_j'W_j A_j e_j e_j' A_j' W_j D_j M, e = y - mu (computed by hand with n x n matrices). Each coefficient's df: Satterthwaite df of clubSandwich::coef_test (tr(Omega)^2 / sum(Omega^2), Omega = P'(I-H) Phi (I-H)'P); intervals estimate +- qt(0.975, df) se; loglik, null_loglik, aic, bic of the ordinary (unweighted) likelihood."),
               crosscheck = cc,
               tolerance = list(estimate = 1e-8, std_error = 1e-6, ci = 1e-6, loglik = 1e-8, df = 1e-6),
               expect = list(family = "binary", link = link, vcov_type = "cr2", converged = TRUE,
                             n_obs = as.integer(M$n_obs), n_dropped = as.integer(M$n_dropped),
                             loglik = ll, null_loglik = ll0, aic = -2 * ll + 2 * k, bic = -2 * ll + k * log(N),
                             coefficients = coefs, thresholds = empty_obj()))
  write_case(file.path(OUT, paste0(id, ".json")), case)
  HDR[[id]] <<- list(pn = pn, psi = psi, V = V, df = df, G = hb$G, agree = cc$agreement_digits)
}

run_cluster <- function(id, link) {
  cat("## ", id, "\n", file = stderr())
  M <- build_model(data, FORMULA, "binary", extra = "school_id")
  w1 <- rep(1, nrow(M$X)); fit <- fit_w(M, w1, link)
  psi <- fit$psi; k <- length(psi); n <- nrow(M$X); pn <- param_names(M)
  cl <- M$d$school_id; G <- length(unique(cl))
  Ainv <- solve(fit$A)
  Sg <- rowsum(fit$S, cl)
  V <- G / (G - 1) * (n - 1) / (n - k) * Ainv %*% crossprod(Sg) %*% Ainv
  V <- (V + t(V)) / 2; se <- sqrt(diag(V))
  dd <- M$d; dd$school_type <- factor(dd$school_type, levels = contract_levels(dd$school_type))
  g <- glm(FORMULA, data = dd, family = binomial(link), start = psi, control = glm.control(epsilon = 1e-14, maxit = 100))
  vs <- sandwich::vcovCL(g, cluster = dd$school_id, type = "HC1", cadjust = TRUE)
  vcr <- vcovCR(g, cluster = dd$school_id, type = "CR1S")
  ctn <- coef_test(g, vcov = vcr, test = "naive-t")
  ll <- fit$ll; ll0 <- null_loglik(M, w1)
  qz <- qnorm(0.975); qtG <- qt(0.975, G - 1)
  cc <- list(
    agreement_digits = list(sandwich_vcovCL_HC1 = list(estimate = as.integer(digits_agree(unname(coef(g)), psi)),
                                                         std_error = as.integer(digits_agree(unname(sqrt(diag(vs))), se))),
                            clubSandwich_CR1S = list(std_error = as.integer(digits_agree(unname(ctn$SE), se)),
                                                     p_t_G_minus_1 = as.integer(digits_agree(unname(ctn$p_t), 2 * pt(-abs(psi / se), G - 1))))),
    sandwich_vcovCL_HC1 = list(std_error = rel_diff(unname(sqrt(diag(vs))), se),
                               call = "sandwich::vcovCL(glm, cluster = ~school_id, type = 'HC1', cadjust = TRUE): G/(G-1) (n-1)/(n-k), bread = inverse information of glm (= observed for logit)"),
    clubSandwich_CR1S = list(std_error = rel_diff(unname(ctn$SE), se),
                             call = "clubSandwich::coef_test(glm, vcovCR(glm, cluster = school_id, type = 'CR1S'), test = 'naive-t'): same V, t(G - 1) p-values (in ref_cr2_cases.h)"),
    newton_polish = list(steps = as.integer(fit$steps), max_abs_gradient_times_model_se = fit$grad_se))
  case <- list(id = id, data = file.path("../../data", CSV),
               args = c("--formula", paste(deparse(FORMULA), collapse = ""), "--family", "binary", "--link", link,
                        "--vcov", "cluster", "--cluster", "school_id"),
               source = paste0(VERS, ": ", DATADESC, ". ", link, " ML fit, Newton-polished; cluster-robust CR1 = G/(G-1) (n-1)/(n-k) A^-1 (sum_g s_g s_g') A^-1, A = observed information, G = 34, n = 1861, k = 9; Wald intervals on the normal (the contract has no option for t(G - 1) intervals: those are in tests/ref/ref_cr2_cases.h)."),
               crosscheck = cc,
               tolerance = list(estimate = 1e-8, std_error = 1e-6, ci = 1e-6, loglik = 1e-8),
               expect = list(family = "binary", link = link, vcov_type = "cluster", converged = TRUE,
                             n_obs = as.integer(M$n_obs), n_dropped = as.integer(M$n_dropped),
                             loglik = ll, null_loglik = ll0, aic = -2 * ll + 2 * k, bic = -2 * ll + k * log(n),
                             coefficients = term_block(pn, psi, se, qz), thresholds = empty_obj()))
  write_case(file.path(OUT, paste0(id, ".json")), case)
  HDR[[id]] <<- list(pn = pn, psi = psi, V = V, G = G, cluster = TRUE, se = se,
                     tlow = psi - qtG * se, thigh = psi + qtG * se, p_t = 2 * pt(-abs(psi / se), G - 1),
                     agree = cc$agreement_digits)
}

run_cr2("aawards_girls2001_logit_cr2", "logit")
run_cr2("aawards_girls2001_probit_cr2", "probit")
run_cr2("aawards_girls2001_cloglog_cr2", "cloglog")
run_cr2("aawards_girls2001_weighted_logit_cr2", "logit", weighted = TRUE)
run_cr2("aawards_girls2001_weighted_probit_cr2", "probit", weighted = TRUE)
run_cluster("aawards_girls2001_logit_cluster", "logit")

## ---- header
guard <- "PARTREG_REF_CR2_CASES_H"
header_open(guard, c(
  "CR2 and CR1 cluster-robust reference values for tests/cases/cr2/ (same ids).",
  "Generated by: Rscript tests/ref/cr2_cases.R > tests/ref/ref_cr2_cases.h",
  paste("Software:", VERS),
  paste("Data:", DATADESC),
  "CR2 blocks: estimates, the full CR2 covariance (row-major [k][k]) and the",
  "Satterthwaite df of each coefficient (clubSandwich::coef_test).",
  "CR1 block (--vcov cluster): V, and intervals / p-values on t(G - 1)",
  "(Stata's default after vce(cluster); a '--cluster-df' style option is not",
  "in the contract, so no case file holds these).",
  "Agreement digits with clubSandwich / sandwich are in each block's comment."))
for (id in names(HDR)) {
  h <- HDR[[id]]; pre <- paste0("ref_", id, "_")
  emit("/* ==================== ", id, " ==================== */")
  emit_comment(sprintf("agreement digits: %s", paste(sprintf("%s %s", names(h$agree),
    sapply(h$agree, function(a) paste(sprintf("%s=%d", names(a), unlist(a)), collapse = "/"))), collapse = "; ")))
  emit_int(paste0(pre, "k"), length(h$psi))
  emit_int(paste0(pre, "G"), h$G, "number of clusters")
  emit_strings(paste0(pre, "names"), h$pn)
  emit_array(paste0(pre, "est"), h$psi)
  emit_matrix(paste0(pre, "V"), h$V, if (isTRUE(h$cluster)) "CR1 covariance G/(G-1)(n-1)/(n-k) A^-1 S'S A^-1" else "CR2 covariance")
  if (isTRUE(h$cluster)) {
    emit_array(paste0(pre, "se"), h$se)
    emit_array(paste0(pre, "conf_low_tG1"), h$tlow, "estimate - qt(0.975, G - 1) se")
    emit_array(paste0(pre, "conf_high_tG1"), h$thigh, "estimate + qt(0.975, G - 1) se")
    emit_array(paste0(pre, "p_tG1"), h$p_t, "2 P(t_{G-1} > |estimate / se|)")
  } else {
    emit_array(paste0(pre, "df"), h$df, "Satterthwaite df per coefficient")
  }
  emit("")
}
header_close(guard)
