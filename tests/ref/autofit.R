# Reference cases: --autofit [ALPHA], gologit2's autofit procedure.
#   Rscript tests/ref/autofit.R > tests/ref/ref_autofit.h
# writes tests/cases/nominal/autofit_*.json.
# Procedure (CONTRACT.md, Williams' gologit2 autofit):
#   1. every predictor VARIABLE is nominal (one slope per cut for each of
#      its columns);
#   2. fit; for each still-nominal variable v, Wald test that its slopes are
#      equal across the cuts: R beta = 0 with rows beta_{t,j} - beta_{t,j+1}
#      (t a column of v, j = 1..J-2), chi2 = (R b)'(R V R')^-1 (R b),
#      df = columns x (J - 2), V = the model covariance (inverse observed
#      information, --vcov model);
#   3. if the largest p-value is > ALPHA, make that variable parallel
#      (one slope) and go to 2; else stop (every remaining p <= ALPHA).
# "autofit" lists, for each variable made parallel, the test that did it and
# the number of that round ('step', counted from 1 in the order the variables
# were made parallel, as gologit2 numbers the constraints it imposes).
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "ordext_common.R"))
OUT <- normalizePath(file.path(.script_dir_ext, "..", "cases", "nominal"), mustWork = FALSE)
dir.create(OUT, showWarnings = FALSE, recursive = TRUE)

## Wald test of equal slopes across cuts for variable v in fit r
equal_slopes_test <- function(r, v, var_of_nominal_col) {
  J <- r$J; cols <- which(var_of_nominal_col == v); k <- length(r$phi)
  R <- NULL
  for (t in cols) for (j in seq_len(J - 2)) {
    row <- numeric(k)
    row[r$p + (t - 1) * (J - 1) + j] <- 1; row[r$p + (t - 1) * (J - 1) + j + 1] <- -1
    R <- rbind(R, row)
  }
  wald_test(r$phi, r$V, R)
}

autofit <- function(spec, alpha) {
  D <- contract_design(spec$rhs, spec$data)
  nominal <- unique(D$var)
  steps <- list(); all_tests <- list(); step <- 0L
  repeat {
    sp <- spec; sp$nominal <- nominal; sp$vgam <- FALSE
    r <- fit_ext_spec(sp)
    if (!length(nominal)) break
    vnc <- D$var[D$var %in% nominal]
    tests <- lapply(nominal, function(v) { t <- equal_slopes_test(r, v, vnc); t$variable <- v; t })
    ps <- sapply(tests, `[[`, "p")
    all_tests[[length(all_tests) + 1]] <- list(step = step + 1L, nominal = nominal, tests = tests,
                                               loglik = r$loglik, steps = r$fit$steps)
    best <- which.max(ps)
    if (ps[best] > alpha) {
      step <- step + 1L
      steps[[length(steps) + 1]] <- list(variable = nominal[best], chi2 = tests[[best]]$chi2,
                                         df = as.integer(tests[[best]]$df), p_value = tests[[best]]$p,
                                         step = step)
      nominal <- nominal[-best]
    } else break
  }
  list(final = r, steps = steps, all = all_tests, nominal = nominal)
}

part <- load_participation(); soup <- load_soup(); hous <- load_housing()
PART_X <- "social_capital + age + education + income + insured + gender"
specs <- list(
  list(id = "autofit_participation_logit", data = part, yname = "willingness", w = NULL, link = "logit",
       rhs = as.formula(paste("~", PART_X)), alpha = 0.05, alpha_arg = NULL,
       csv = "../../../examples/data/participation_survey.csv",
       args = c("--formula", paste("willingness ~", PART_X), "--family", "ordinal", "--levels", "1,2,3,4,5"),
       what = "participation_survey.csv, willingness 1..5 ~ social_capital + age + education + income + insured + gender, logit, --autofit with the default alpha 0.05"),
  list(id = "autofit_soup_logit", data = soup, yname = "SURENESS", w = NULL, link = "logit",
       rhs = ~ PROD + GENDER + AGEGROUP + COLD, alpha = 0.05, alpha_arg = "0.05",
       csv = "../../data/soup.csv",
       args = c("--formula", "SURENESS ~ PROD + GENDER + AGEGROUP + COLD", "--family", "ordinal",
                "--levels", "1,2,3,4,5,6", "--ref", "GENDER=Male"),
       what = "ordinal::soup, SURENESS 1..6 ~ PROD + GENDER + AGEGROUP + COLD, logit, --autofit 0.05"),
  list(id = "autofit_housing_weights", data = hous, yname = "Sat", w = hous$Freq, link = "logit",
       rhs = ~ Infl + Type + Cont, alpha = 0.2, alpha_arg = "0.2",
       csv = "../../data/housing.csv",
       args = c("--formula", "Sat ~ Infl + Type + Cont", "--family", "ordinal",
                "--levels", "Low,Medium,High", "--ref", "Infl=Low", "--ref", "Type=Tower",
                "--ref", "Cont=Low", "--weights", "Freq"),
       what = "MASS::housing with case weights Freq, Sat ~ Infl + Type + Cont, logit, --autofit 0.2")
)

res <- list()
for (sp in specs) {
  a <- autofit(sp, sp$alpha)
  r <- a$final
  ## cross-check of the first Wald tests with a covariance from numDeriv
  first <- a$all[[1]]
  sp1 <- sp; sp1$nominal <- first$nominal; sp1$vgam <- FALSE
  r1 <- fit_ext_spec(sp1)
  se1 <- r1$se
  Hn <- numDeriv::jacobian(function(u) r1$fit$ghf(r1$fit$phi + u * se1)$grad * se1, 0 * se1)
  Hn <- (Hn + t(Hn)) / 2
  r1n <- r1; r1n$V <- solve(-Hn) * tcrossprod(se1)
  D <- contract_design(sp$rhs, sp$data)
  chk <- max(sapply(first$nominal, function(v) {
    t1 <- equal_slopes_test(r1, v, D$var); t2 <- equal_slopes_test(r1n, v, D$var)
    abs(t1$chi2 - t2$chi2) / t1$chi2 }))
  args <- c(sp$args, "--link", sp$link, "--autofit", sp$alpha_arg)
  src <- paste0(versions_ext(), ": ", sp$what, ". gologit2's autofit by hand (tests/ref/autofit.R): start with every ",
                "variable nominal; Wald test of equal slopes across cuts per still-nominal VARIABLE (all its columns ",
                "jointly, df = columns x (J-2)) with the inverse observed information; the variable with the largest ",
                "p > alpha is made parallel and the model refitted; stop when every p <= alpha. 'autofit' lists the ",
                "test that made each variable parallel ('step' counts from 1 in that order); the expected coefficients are the final model's ",
                "(own exact likelihood, Newton to max|gradient| < 1e-10). Final nominal variables: ",
                if (length(a$nominal)) paste(a$nominal, collapse = ", ") else "none (the parallel model)",
                ". Regenerate: Rscript tests/ref/autofit.R > tests/ref/ref_autofit.h")
  extra <- list(first_step_wald_with_numDeriv_hessian_max_rel_diff = chk,
                final_nominal = if (length(a$nominal)) a$nominal else "none",
                all_steps = lapply(a$all, function(s) list(step = s$step, nominal = s$nominal,
                   loglik = s$loglik, tests = lapply(s$tests, function(t)
                     list(variable = t$variable, chi2 = t$chi2, df = as.integer(t$df), p_value = t$p)))))
  case <- case_from_fit(r, sp$id, sp$csv, args, src, extra_cross = extra,
                        tol = list(estimate = 1e-6, std_error = 1e-5, ci = 1e-5, loglik = 1e-8, brant = 1e-6),
                        extra_expect = list(autofit = a$steps))
  write_case(file.path(OUT, paste0(sp$id, ".json")), case)
  res[[sp$id]] <- list(sp = sp, a = a)
}

guard <- "PARTREG_REF_AUTOFIT_H"
header_open(guard, c(
  "Reference values: gologit2-style --autofit, every Wald test of every step.",
  "Generated by: Rscript tests/ref/autofit.R > tests/ref/ref_autofit.h",
  "  (also writes tests/cases/nominal/autofit_*.json: the final model and the autofit list).",
  paste0("Software: ", versions_ext()),
  "Each refit makes the listed variables nominal; then each of them gets a Wald test that",
  "  its slopes are equal across the cuts (df = columns x (J-2), model covariance = inverse",
  "  observed information). The variable with the largest p > alpha is made parallel.",
  "Arrays per refit k (k = 0: all variables nominal): the nominal variables, their chi2, df",
  "  and p, in that order, and the refit's loglik."
))
for (id in names(res)) {
  a <- res[[id]]$a; sp <- res[[id]]$sp
  emit("/* ", id, ": ", sp$what, " */")
  emit("#define REF_", toupper(id), "_NFITS ", length(a$all))
  for (s in a$all) {
    pre <- sprintf("ref_%s_fit%d_", id, s$step - 1L)
    emit_strings(paste0(pre, "variables"), sapply(s$tests, `[[`, "variable"))
    emit_array(paste0(pre, "chi2"), sapply(s$tests, `[[`, "chi2"))
    emit("static const int ", pre, "df[", length(s$tests), "] = {",
         paste(sapply(s$tests, `[[`, "df"), collapse = ", "), "};")
    emit_array(paste0(pre, "p"), sapply(s$tests, `[[`, "p"))
    emit_scalar(paste0(pre, "loglik"), s$loglik, "loglik of this refit")
  }
  emit_strings(sprintf("ref_%s_made_parallel", id),
               if (length(a$steps)) sapply(a$steps, `[[`, "variable") else "", "in step order")
  emit("")
}
header_close(guard)
