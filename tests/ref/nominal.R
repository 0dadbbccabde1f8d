# Reference cases: nominal (partial proportional odds) effects, --nominal.
#   Rscript tests/ref/nominal.R > tests/ref/ref_nominal.h
# writes tests/cases/nominal/nominal_*.json and prints the header.
# Model (CONTRACT.md): P(Y <= j | x) = F(theta_j - xp'beta - xn'beta_j),
# outer thresholds exactly -Inf/+Inf; a positive beta_j raises P(Y > j)
# (gologit2's sign; clm's threshold table shows -beta_j, VGAM's
# cumulative(reverse = FALSE) shows -beta_j as 'x:j').
# Method: the exact likelihood, analytic gradient and observed Hessian
# (ordext_common.R), Newton from the parallel clm fit until max |gradient|
# < 1e-10; SEs from the inverse observed information.
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "ordext_common.R"))
OUT <- normalizePath(file.path(.script_dir_ext, "..", "cases", "nominal"), mustWork = FALSE)
dir.create(OUT, showWarnings = FALSE, recursive = TRUE)

wine <- load_wine(); hous <- load_housing(); part <- load_participation()
## MASS::birthwt with the birth weight (grams) in four ordered classes,
## bwt4 = (0,2000], (2000,2500], (2500,3000], (3000,Inf): written to
## tests/data/birthwt.csv (all of MASS::birthwt plus bwt4)
bw <- MASS::birthwt
bw$bwt4 <- as.character(cut(bw$bwt, c(0, 2000, 2500, 3000, Inf),
                            labels = c("le2000", "2001to2500", "2501to3000", "gt3000")))
write.csv(bw, file.path(REPO_DATA, "birthwt.csv"), row.names = FALSE, quote = FALSE)
bw$bwt4 <- factor(bw$bwt4, levels = c("le2000", "2001to2500", "2501to3000", "gt3000"), ordered = TRUE)
WINE_ARGS <- c("--formula", "rating ~ temp + contact", "--family", "ordinal", "--levels", "1,2,3,4,5")
HOUS_ARGS <- c("--formula", "Sat ~ Infl + Type + Cont", "--family", "ordinal",
               "--levels", "Low,Medium,High", "--ref", "Infl=Low", "--ref", "Type=Tower",
               "--ref", "Cont=Low", "--weights", "Freq")
PART_X <- "social_capital + age + education + income + insured + gender"

specs <- list(
  list(id = "nominal_wine_probit", data = wine, yname = "rating", w = NULL, link = "probit",
       rhs = ~ temp + contact, nominal = "contact", csv = "../../data/wine.csv", args = WINE_ARGS,
       what = "ordinal::wine, rating ~ temp + contact, contact nominal (factor)"),
  list(id = "nominal_wine_cloglog", data = wine, yname = "rating", w = NULL, link = "cloglog",
       rhs = ~ temp + contact, nominal = "contact", csv = "../../data/wine.csv", args = WINE_ARGS,
       what = "ordinal::wine, rating ~ temp + contact, contact nominal (factor)"),
  list(id = "nominal_wine_loglog", data = wine, yname = "rating", w = NULL, link = "loglog",
       rhs = ~ temp + contact, nominal = "contact", csv = "../../data/wine.csv", args = WINE_ARGS,
       what = "ordinal::wine, rating ~ temp + contact, contact nominal (factor)"),
  list(id = "nominal_wine_cauchit", data = wine, yname = "rating", w = NULL, link = "cauchit",
       rhs = ~ temp + contact, nominal = "contact", csv = "../../data/wine.csv", args = WINE_ARGS,
       what = "ordinal::wine, rating ~ temp + contact, contact nominal (factor); the exact -Inf/+Inf outer thresholds matter for cauchit"),
  list(id = "nominal_housing_logit_weights", data = hous, yname = "Sat", w = hous$Freq, link = "logit",
       rhs = ~ Infl + Type + Cont, nominal = "Cont", csv = "../../data/housing.csv", args = HOUS_ARGS,
       what = "MASS::housing with case weights Freq, Sat ~ Infl + Type + Cont, Cont nominal (factor)"),
  list(id = "nominal_housing_cloglog_infl", data = hous, yname = "Sat", w = hous$Freq, link = "cloglog",
       rhs = ~ Infl + Type + Cont, nominal = "Infl", csv = "../../data/housing.csv", args = HOUS_ARGS,
       what = "MASS::housing with case weights Freq, Infl nominal (3-level factor)"),
  list(id = "nominal_participation_logit", data = part, yname = "willingness", w = NULL, link = "logit",
       rhs = as.formula(paste("~", PART_X)), nominal = "social_capital",
       csv = "../../../examples/data/participation_survey.csv",
       args = c("--formula", paste("willingness ~", PART_X), "--family", "ordinal", "--levels", "1,2,3,4,5"),
       what = "participation_survey.csv, willingness 1..5, social_capital nominal (numeric)"),
  list(id = "nominal_participation_probit_two", data = part, yname = "participation_type", w = NULL,
       link = "probit", rhs = as.formula(paste("~", PART_X)), nominal = c("age", "gender"),
       csv = "../../../examples/data/participation_survey.csv",
       args = c("--formula", paste("participation_type ~", PART_X), "--family", "ordinal",
                "--levels", "passive,cooperative,autonomous"),
       what = "participation_survey.csv, participation_type passive < cooperative < autonomous, age (numeric) and gender (factor) nominal"),
  list(id = "nominal_participation_cauchit", data = part, yname = "willingness", w = NULL, link = "cauchit",
       rhs = as.formula(paste("~", PART_X)), nominal = c("education"),
       csv = "../../../examples/data/participation_survey.csv",
       args = c("--formula", paste("willingness ~", PART_X), "--family", "ordinal", "--levels", "1,2,3,4,5"),
       what = "participation_survey.csv, willingness 1..5, education (3-level factor) nominal, cauchit"),
  list(id = "nominal_birthwt_crossing", data = bw, yname = "bwt4", w = NULL, link = "logit",
       rhs = ~ age + lwt + smoke + ht + ui, nominal = c("age", "lwt"), csv = "../../data/birthwt.csv",
       args = c("--formula", "bwt4 ~ age + lwt + smoke + ht + ui", "--family", "ordinal",
                "--levels", "le2000,2001to2500,2501to3000,gt3000"),
       what = "MASS::birthwt, birth weight in 4 classes (bwt4) ~ age + lwt + smoke + ht + ui, age and lwt nominal (numeric): the fitted cumulative probabilities CROSS for some rows")
)

res <- list()
for (sp in specs) {
  sp$vgam <- TRUE
  r <- fit_ext_spec(sp)
  a <- r$clm_args
  clm_text <- sprintf("clm(%s, nominal = %s%s, link = '%s')", paste(deparse(a$formula, width.cutoff = 500L), collapse = " "), rhs_text(a$nominal),
                      if (is.null(sp$w)) "" else ", weights = Freq", sp$link)
  args <- c(sp$args, "--link", sp$link, "--nominal", paste(sp$nominal, collapse = " + "))
  src <- paste0(versions_ext(), ": ", sp$what, ". Own likelihood P(Y <= j) = F(theta_j - x'beta - xn'beta_j) ",
                "with theta_0 = -Inf, theta_J = +Inf exactly (tests/ref/ordext_common.R: analytic gradient and ",
                "observed Hessian), Newton from the parallel clm fit to max|gradient| < 1e-10; model vcov = inverse ",
                "observed information; beta_j = -(clm's threshold-table 'cut.var' entry) = -(VGAM's 'x:j' with ",
                "reverse = FALSE); the nominal variables are listed in --formula and named by --nominal ",
                "(gologit2's npl()); cross-check call ", clm_text,
                sprintf("; fitted cumulative probabilities cross for %d rows", r$crossing),
                ". Regenerate: Rscript tests/ref/nominal.R > tests/ref/ref_nominal.h")
  case <- case_from_fit(r, sp$id, sp$csv, args, src)
  if (r$crossing > 0 && !is.null(case$crosscheck$VGAM_vglm))
    case$crosscheck$VGAM_vglm$note <- paste("VGAM's Fisher scoring does not reach this maximum: with crossing",
      "cumulative probabilities some of its fitted probabilities are negative and its logLik is NaN; clm agrees")
  write_case(file.path(OUT, paste0(sp$id, ".json")), case)
  res[[sp$id]] <- r
}

## a model with crossing cumulative probabilities: willingness with age
## nominal (the contract asks partreg to report how many rows cross)
cr <- fit_ext_spec(list(id = "crossing", data = part, yname = "willingness", w = NULL, link = "logit",
                        rhs = as.formula(paste("~", PART_X)),
                        nominal = c("social_capital", "age", "education", "income", "insured", "gender"),
                        vgam = FALSE))

guard <- "PARTREG_REF_NOMINAL_H"
header_open(guard, c(
  "Reference values: ordinal models with nominal (partial proportional odds) effects.",
  "Generated by: Rscript tests/ref/nominal.R > tests/ref/ref_nominal.h",
  "  (also writes tests/cases/nominal/<id>.json, the conformance cases with the same fits).",
  paste0("Software: ", versions_ext()),
  "Model: P(Y <= j) = F(theta_j - xp'beta - xn'beta_j), theta_0 = -Inf, theta_J = +Inf exactly;",
  "  a positive beta_j raises P(Y > j) (gologit2; clm's threshold table shows -beta_j).",
  "Parameter order of every array: parallel coefficients, then the nominal slopes term by",
  "  term with the J-1 cuts of a term together, then the thresholds.",
  "Method: exact likelihood, analytic gradient and observed Hessian (tests/ref/ordext_common.R),",
  "  Newton from the parallel clm fit until max|gradient| < 1e-10. SEs: inverse observed information.",
  "Checks (digits of agreement, per fit below): ordinal::clm(nominal = ~ ...), VGAM::vglm(",
  "  cumulative(parallel = FALSE ~ nominal terms)) and numDeriv::jacobian of the analytic gradient.",
  "crossing_rows: rows of the data whose fitted cumulative probabilities cross (some",
  "  P(Y = j) < 0), which partreg must report."
))
for (id in names(res)) {
  r <- res[[id]]; pre <- paste0("ref_", id, "_")
  emit("/* ", id, ": ", r$spec$what, "; link ", r$spec$link, " */")
  emit_comment(c(
    sprintf("clm: estimates %s digits, loglik %s, SE %s; VGAM: estimates %s, loglik %s; numDeriv SE rel diff %.2g",
            digits_of(r$clm$est), digits_of(r$clm$loglik), digits_of(r$clm$se),
            if (is.null(r$vgam$est)) "-" else digits_of(r$vgam$est),
            if (is.null(r$vgam$est)) "-" else digits_of(r$vgam$loglik), r$se_jac),
    sprintf("Newton steps %d, max|grad| %.2g", r$fit$steps, r$fit$grad_max)))
  emit_strings(paste0(pre, "terms"), names(r$phi))
  emit_array(paste0(pre, "est"), r$phi)
  emit_array(paste0(pre, "se"), r$se)
  emit_scalar(paste0(pre, "loglik"), r$loglik)
  emit_int(paste0(pre, "crossing_rows"), r$crossing)
  emit("")
}
bc <- res[["nominal_birthwt_crossing"]]
Pc <- ext_cum_lp(bc$fit$phi, bc$Xp, bc$Xn, bc$Z, bc$J)$C
cr_rows <- which(apply(Pc, 1, function(r) any(diff(r) < 0)))
emit_comment(c(
  "Crossing rows of nominal_birthwt_crossing (1-based data rows): for each, the cumulative",
  "  linear predictors c_j = theta_j - x'beta - xn'beta_j are not increasing in j, so some",
  "  P(Y = j) = F(c_j) - F(c_{j-1}) < 0. Their cumulative probabilities F(c_j) follow."))
emit("static const int ref_nominal_birthwt_crossing_rows_list[", length(cr_rows), "] = {",
     paste(cr_rows, collapse = ", "), "};")
emit_matrix("ref_nominal_birthwt_crossing_cumprob", plogis(Pc[cr_rows, , drop = FALSE]),
            "P(Y <= j), j = 1..3, of the crossing rows")
emit("")
emit_comment(c(
  "All-nominal example: participation_survey.csv, willingness ~ social_capital + age + education +",
  "  income + insured + gender, logit, EVERY variable nominal (--nominal with all six, the",
  "  start of --autofit). The fit is the maximum of the exact likelihood over parameters",
  "  whose OBSERVED rows all have positive probabilities (Newton with step halving from the",
  "  parallel fit); crossing rows are counted over all data rows."))
emit_strings("ref_nominal_all_terms", names(cr$phi))
emit_array("ref_nominal_all_est", cr$phi)
emit_array("ref_nominal_all_se", cr$se)
emit_scalar("ref_nominal_all_loglik", cr$loglik)
emit_int("ref_nominal_all_crossing_rows", cr$crossing, "rows with some P(Y = j) < 0 at the estimate")
header_close(guard)
