# Reference cases: location-scale ordinal models, --scale.
#   Rscript tests/ref/scale.R > tests/ref/ref_scale.h
# writes tests/cases/scale/scale_*.json and prints the header.
# Model (CONTRACT.md): P(Y <= j | x) = F((theta_j - x'beta) / exp(z'gamma)),
# R's clm(scale = ~ z) and Stata's oglm, het(z); outer thresholds exactly
# -Inf/+Inf; the scale variables need not be in --formula.
# Method: the exact likelihood with the analytic gradient and observed
# Hessian (ordext_common.R), Newton from the location-only clm fit with
# gamma = 0 until max |gradient| < 1e-10; SEs from the inverse observed
# information; cross-checked with clm(scale = ~ z) and numDeriv.
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "ordext_common.R"))
OUT <- normalizePath(file.path(.script_dir_ext, "..", "cases", "scale"), mustWork = FALSE)
dir.create(OUT, showWarnings = FALSE, recursive = TRUE)

soup <- load_soup(); part <- load_participation(); hous <- load_housing()
PART_CSV <- "../../../examples/data/participation_survey.csv"
specs <- list(
  list(id = "scale_soup_logit_prod", data = soup, yname = "SURENESS", w = NULL, link = "logit",
       rhs = ~ PRODID, scale = ~ PROD, csv = "../../data/soup.csv",
       args = c("--formula", "SURENESS ~ factor(PRODID)", "--family", "ordinal", "--levels", "1,2,3,4,5,6",
                "--scale", "PROD"),
       what = "ordinal::soup, SURENESS ~ factor(PRODID), scale ~ PROD (factor not in the location formula)"),
  list(id = "scale_soup_probit_easy", data = soup, yname = "SURENESS", w = NULL, link = "probit",
       rhs = ~ PROD + GENDER, scale = ~ EASY, csv = "../../data/soup.csv",
       args = c("--formula", "SURENESS ~ PROD + GENDER", "--family", "ordinal", "--levels", "1,2,3,4,5,6",
                "--ref", "GENDER=Male", "--scale", "EASY"),
       what = "ordinal::soup, SURENESS ~ PROD + GENDER, scale ~ EASY (numeric 1..10, not in the location formula)"),
  list(id = "scale_participation_probit_numeric", data = part, yname = "willingness", w = NULL, link = "probit",
       rhs = ~ social_capital + age + gender, scale = ~ social_capital, csv = PART_CSV,
       args = c("--formula", "willingness ~ social_capital + age + gender", "--family", "ordinal",
                "--levels", "1,2,3,4,5", "--scale", "social_capital"),
       what = "participation_survey.csv, willingness ~ social_capital + age + gender, scale ~ social_capital (numeric, also in the location formula)"),
  list(id = "scale_participation_logit_factor", data = part, yname = "willingness", w = NULL, link = "logit",
       rhs = ~ social_capital + age + gender, scale = ~ education, csv = PART_CSV,
       args = c("--formula", "willingness ~ social_capital + age + gender", "--family", "ordinal",
                "--levels", "1,2,3,4,5", "--scale", "education"),
       what = "participation_survey.csv, willingness ~ social_capital + age + gender, scale ~ education (3-level factor not in the location formula)"),
  list(id = "scale_participation_cloglog_two", data = part, yname = "participation_type", w = NULL,
       link = "cloglog", rhs = ~ social_capital + age + education + income + insured + gender,
       scale = ~ gender + age, csv = PART_CSV,
       args = c("--formula", "participation_type ~ social_capital + age + education + income + insured + gender",
                "--family", "ordinal", "--levels", "passive,cooperative,autonomous", "--scale", "gender + age"),
       what = "participation_survey.csv, participation_type passive < cooperative < autonomous, scale ~ gender + age (factor and numeric, both in the location formula)"),
  list(id = "scale_housing_logit_weights", data = hous, yname = "Sat", w = hous$Freq, link = "logit",
       rhs = ~ Infl + Type + Cont, scale = ~ Cont, csv = "../../data/housing.csv",
       args = c("--formula", "Sat ~ Infl + Type + Cont", "--family", "ordinal",
                "--levels", "Low,Medium,High", "--ref", "Infl=Low", "--ref", "Type=Tower",
                "--ref", "Cont=Low", "--weights", "Freq", "--scale", "Cont"),
       what = "MASS::housing with case weights Freq, Sat ~ Infl + Type + Cont, scale ~ Cont (factor in the location formula)")
)

res <- list()
for (sp in specs) {
  sp$nominal <- character(0); sp$vgam <- FALSE
  r <- fit_ext_spec(sp)
  a <- r$clm_args
  clm_text <- sprintf("clm(%s, scale = ~ %s%s, link = '%s')", paste(deparse(a$formula, width.cutoff = 500L), collapse = " "),
                      rhs_text(sp$scale), if (is.null(sp$w)) "" else ", weights = Freq", sp$link)
  src <- paste0(versions_ext(), ": ", sp$what, "; link ", sp$link,
                ". Own likelihood P(Y <= j) = F((theta_j - x'beta) / exp(z'gamma)) with theta_0 = -Inf, theta_J = +Inf ",
                "exactly (tests/ref/ordext_common.R: analytic gradient and observed Hessian), Newton from the location-only ",
                "clm fit with gamma = 0 to max|gradient| < 1e-10; model vcov = inverse observed information over all ",
                "parameters (beta, theta, gamma); k for aic/bic counts gamma; cross-check call ", clm_text,
                ". Regenerate: Rscript tests/ref/scale.R > tests/ref/ref_scale.h")
  case <- case_from_fit(r, sp$id, sp$csv, c(sp$args, "--link", sp$link), src)
  write_case(file.path(OUT, paste0(sp$id, ".json")), case)
  res[[sp$id]] <- r
}

guard <- "PARTREG_REF_SCALE_H"
header_open(guard, c(
  "Reference values: location-scale ordinal models (--scale).",
  "Generated by: Rscript tests/ref/scale.R > tests/ref/ref_scale.h",
  "  (also writes tests/cases/scale/<id>.json with the same fits).",
  paste0("Software: ", versions_ext()),
  "Model: P(Y <= j) = F((theta_j - x'beta) / exp(z'gamma)), theta_0 = -Inf, theta_J = +Inf exactly.",
  "Parameter order: coefficients, thresholds, scale (gamma); vcov in that order, row-major.",
  "Method: exact likelihood, analytic gradient and observed Hessian (tests/ref/ordext_common.R),",
  "  Newton until max|gradient| < 1e-10; vcov = inverse observed information.",
  "Checks per fit: ordinal::clm(scale = ~ z) and numDeriv::jacobian of the analytic gradient."
))
for (id in names(res)) {
  r <- res[[id]]; pre <- paste0("ref_", id, "_")
  emit("/* ", id, ": ", r$spec$what, "; link ", r$spec$link, " */")
  emit_comment(sprintf("clm: estimates %s digits, loglik %s, SE %s; numDeriv SE rel diff %.2g; Newton steps %d, max|grad| %.2g",
                       digits_of(r$clm$est), digits_of(r$clm$loglik), digits_of(r$clm$se), r$se_jac,
                       r$fit$steps, r$fit$grad_max))
  emit_strings(paste0(pre, "terms"), names(r$phi))
  emit_array(paste0(pre, "est"), r$phi)
  emit_array(paste0(pre, "se"), r$se)
  emit_matrix(paste0(pre, "vcov"), r$V)
  emit_scalar(paste0(pre, "loglik"), r$loglik)
  emit("")
}
header_close(guard)
