## Reference case: a Firth logit whose ML fit is quasi-separated
## (education[tertiary]) and whose profile refits run far out, where the
## penalised likelihood's scoring steps converge slowly: one community
## (community 6, 50 residents) of examples/data/participation_survey.csv.
##   Rscript tests/ref/firth_profile_separated.R
## writes tests/data/participation_community6.csv and
## tests/cases/firth/firth_community6_separated_profile.json.
## Method, written here without logistf (not in Debian): l*(b) = loglik(b)
## + log det(X' diag(p(1-p)) X) / 2 (logit: expected = observed information),
## maximised by Newton on the analytic penalised score with a numDeriv
## Jacobian as Hessian (from brglm2's MPL_Jeffreys fit) to |score| < 1e-10;
## profile bounds of l* with the full model's penalty (logistf's default):
## coefficient j held at v, the others maximise l* by the same Newton, the
## bound solves 2 (l*_max - l*_prof(v)) = qchisq(0.95, 1) (uniroot, tol 1e-12).
suppressPackageStartupMessages({ library(brglm2); library(numDeriv); library(jsonlite) })
d <- read.csv("examples/data/participation_survey.csv", stringsAsFactors = FALSE)
d <- d[d$community == 6, ]
write.csv(d, "tests/data/participation_community6.csv", row.names = FALSE, quote = FALSE)
d$education <- factor(d$education, levels = c("primary", "secondary", "tertiary"))
d$insured <- factor(d$insured, levels = c("no", "yes"))
d$y <- as.integer(d$participated == "yes")
X <- model.matrix(~ social_capital + education + insured, d); y <- d$y
ml <- suppressWarnings(glm(y ~ X - 1, family = binomial, control = glm.control(maxit = 100)))
pll <- function(b) { p <- plogis(drop(X %*% b)); sum(dbinom(y, 1, p, log = TRUE)) +
  as.numeric(determinant(crossprod(X, p * (1 - p) * X))$modulus) / 2 }
psc <- function(b) { p <- plogis(drop(X %*% b)); w <- p * (1 - p)
  A <- solve(crossprod(X, w * X)); h <- w * rowSums((X %*% A) * X)
  drop(crossprod(X, y - p + h * (0.5 - p))) }
newton <- function(b, free = rep(TRUE, length(b))) {
  for (it in 1:200) {
    g <- psc(b)[free]; if (max(abs(g)) < 1e-11) break
    H <- jacobian(function(bb) { b2 <- b; b2[free] <- bb; psc(b2)[free] }, b[free])
    step <- -solve(H, g); t <- 1
    while (pll(replace(b, free, b[free] + t * step)) < pll(b) - 1e-12 && t > 1e-8) t <- t / 2
    b[free] <- b[free] + t * step
  }
  b }
br <- glm(y ~ X - 1, family = binomial, method = brglm2::brglmFit, type = "MPL_Jeffreys",
          control = list(epsilon = 1e-14, maxit = 500))
b <- newton(unname(coef(br)))
lmax <- pll(b)
p <- plogis(drop(X %*% b)); V <- solve(crossprod(X, p * (1 - p) * X)); se <- sqrt(diag(V))
q <- qchisq(0.95, 1)
prof <- function(j, v, start) { s <- start; s[j] <- v; newton(s, free = seq_along(b) != j) }
bound <- function(j, dir) {
  g <- function(v) 2 * (lmax - pll(prof(j, v, b))) - q
  lo <- b[j]; hi <- b[j] + dir * se[j]
  while (g(hi) < 0) { lo <- hi; hi <- b[j] + 2 * (hi - b[j]) }
  uniroot(g, sort(c(lo, hi)), tol = 1e-12)$root }
ci <- t(sapply(seq_along(b), function(j) c(bound(j, -1), bound(j, +1))))
terms <- c("(Intercept)", "social_capital", "education[secondary]", "education[tertiary]", "insured[yes]")
coefs <- setNames(lapply(seq_along(b), function(j) list(estimate = b[j], std_error = se[j],
                  conf_low = ci[j, 1], conf_high = ci[j, 2])), terms)
case <- list(
  id = "firth_community6_separated_profile", data = "../../data/participation_community6.csv",
  args = c("--formula", "participated ~ social_capital + education + insured", "--family", "binary",
           "--link", "logit", "--firth", "--ci", "profile"),
  source = paste0("R ", getRversion(), " [brglm2 ", packageVersion("brglm2"), ", numDeriv ",
    packageVersion("numDeriv"), "]: examples/data/participation_survey.csv, community 6 (50 residents); ",
    "ML is quasi-separated (education[tertiary] runs off: glm's estimate ",
    signif(coef(ml)[4], 4), "). Firth logit: own Newton on the analytic penalised score from ",
    "brglm2 MPL_Jeffreys to |score| < 1e-11; SEs sqrt(diag(I^-1)); loglik = penalised; profile ",
    "intervals of l* with the full model's penalty (logistf's default), uniroot tol 1e-12. ",
    "Regenerate: Rscript tests/ref/firth_profile_separated.R"),
  crosscheck = list(brglm2_estimate_max_rel_diff = max(abs(coef(br) - b) / abs(b)),
                    score_max_abs = max(abs(psc(b)))),
  tolerance = list(estimate = 1e-6, std_error = 1e-5, ci = 1e-5, loglik = 1e-8),
  expect = list(family = "binary", link = "logit", vcov_type = "model", converged = TRUE,
                n_obs = nrow(X), n_dropped = 0L, loglik = lmax, coefficients = coefs,
                thresholds = setNames(list(), character(0))))
writeLines(toJSON(case, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "tests/cases/firth/firth_community6_separated_profile.json")
