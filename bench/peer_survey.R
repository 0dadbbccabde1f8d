# Peer timings for bench/survey.sh: R survey's svyglm (binary logit) and
# svyolr (ordinal logit) on a gen_survey .f64 file, with the design
# svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE).
# Timed: the fit call with its design variance (svyglm and svyolr both
# compute the linearised covariance inside the call). Not timed: reading
# the data and building the design object.
# Usage: Rscript peer_survey.R FILE.f64 N P svyglm|svyolr
# Prints "fit_s=... cpu_s=..." (cpu_s: user + system CPU time of the
# call), a "coef" and an "se" line in partreg's order.
a <- commandArgs(trailingOnly = TRUE)
n <- as.numeric(a[2]); p <- as.integer(a[3]); model <- a[4]
suppressMessages(library(survey))
con <- file(a[1], "rb")
v <- readBin(con, "double", n * (p + 5))
close(con)
dim(v) <- c(n, p + 5)
d <- as.data.frame(v)
names(d) <- c("stratum", "psu", "w", "yb", "yo", paste0("x", 1:p))
rm(v); invisible(gc())
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = d)
fml <- paste(paste0("x", 1:p), collapse = " + ")
if (model == "svyglm") {
  st <- system.time(fit <- svyglm(as.formula(paste("yb ~", fml)), des,
                                  family = quasibinomial()))
  est <- coef(fit); se <- sqrt(diag(vcov(fit)))
} else if (model == "svyolr") {
  des <- update(des, yo = factor(yo))
  st <- system.time(fit <- svyolr(as.formula(paste("yo ~", fml)), des,
                                  method = "logistic"))
  est <- c(fit$coefficients, fit$zeta); se <- sqrt(diag(vcov(fit)))
} else stop("unknown model ", model)
cat(sprintf("fit_s=%.6f cpu_s=%.6f\n", st[["elapsed"]],
            st[["user.self"]] + st[["sys.self"]]))
cat("coef", sprintf("%.12g", est), "\n")
cat("se", sprintf("%.12g", se), "\n")
