# Reference cases: --nominal-test (per-variable likelihood-ratio tests of
# the parallel-lines assumption, as R's ordinal::nominal_test) and the
# matching scale tests (ordinal::scale_test; header only, the contract has
# no key for them).
#   Rscript tests/ref/nominal_test.R > tests/ref/ref_nominal_test.h
# writes tests/cases/nominal/nominal_test_*.json.
# Reading (CONTRACT.md, "Readings fixed"): the test works per VARIABLE: all
# columns of all terms of a variable are made nominal together (age and
# I(age^2) together; a 4-level factor gives df 3 (J - 2)); an entry is named
# by the variable (log(income) -> income). chi2 = 2 (loglik of the model
# with that variable nominal - loglik of the fitted model), df = number of
# extra parameters = columns x (J - 2), p = P(chi2_df > chi2). R's
# nominal_test works per TERM: where a variable has one term the two agree
# and the case records the agreement.
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))), "ordext_common.R"))
OUT <- normalizePath(file.path(.script_dir_ext, "..", "cases", "nominal"), mustWork = FALSE)
dir.create(OUT, showWarnings = FALSE, recursive = TRUE)

wine <- load_wine(); hous <- load_housing(); part <- load_participation(); soup <- load_soup()

specs <- list(
  list(id = "nominal_test_wine_logit", data = wine, yname = "rating", w = NULL, link = "logit",
       rhs = ~ temp + contact, csv = "../../data/wine.csv",
       args = c("--formula", "rating ~ temp + contact", "--family", "ordinal", "--levels", "1,2,3,4,5"),
       what = "ordinal::wine, rating ~ temp + contact"),
  list(id = "nominal_test_housing_weights", data = hous, yname = "Sat", w = hous$Freq, link = "logit",
       rhs = ~ Infl + Type + Cont, csv = "../../data/housing.csv",
       args = c("--formula", "Sat ~ Infl + Type + Cont", "--family", "ordinal",
                "--levels", "Low,Medium,High", "--ref", "Infl=Low", "--ref", "Type=Tower",
                "--ref", "Cont=Low", "--weights", "Freq"),
       what = "MASS::housing, case weights Freq, Sat ~ Infl + Type + Cont (Type: 4 levels, df 3 (J-2) = 3)"),
  list(id = "nominal_test_participation_terms", data = part, yname = "willingness", w = NULL, link = "logit",
       rhs = ~ social_capital + age + I(age^2) + education + log(income) + insured + gender,
       csv = "../../../examples/data/participation_survey.csv",
       args = c("--formula", "willingness ~ social_capital + age + I(age^2) + education + log(income) + insured + gender",
                "--family", "ordinal", "--levels", "1,2,3,4,5"),
       what = "participation_survey.csv, willingness 1..5 ~ social_capital + age + I(age^2) + education + log(income) + insured + gender: age has two terms (tested together, df 2 x 3 = 6), income is named by its variable"),
  list(id = "nominal_test_soup_probit", data = soup, yname = "SURENESS", w = NULL, link = "probit",
       rhs = ~ PROD + GENDER + AGEGROUP + COLD, csv = "../../data/soup.csv",
       args = c("--formula", "SURENESS ~ PROD + GENDER + AGEGROUP + COLD", "--family", "ordinal",
                "--levels", "1,2,3,4,5,6", "--ref", "GENDER=Male"),
       what = "ordinal::soup, SURENESS ~ PROD + GENDER + AGEGROUP + COLD, probit (AGEGROUP: 4 levels, df 3 x 4 = 12)")
)

res <- list()
for (sp in specs) {
  sp$nominal <- character(0); sp$vgam <- FALSE
  base <- fit_ext_spec(sp)
  D <- contract_design(sp$rhs, sp$data)
  vars <- unique(D$var)
  J <- base$J
  tests <- list(); stests <- list(); refits <- list()
  for (v in vars) {
    spv <- sp; spv$nominal <- v
    rv <- fit_ext_spec(spv)
    ncol_v <- sum(D$var == v)
    chi2 <- 2 * (rv$loglik - base$loglik); df <- ncol_v * (J - 2)
    tests[[v]] <- list(variable = v, chi2 = chi2, df = as.integer(df),
                       p_value = pchisq(chi2, df, lower.tail = FALSE))
    refits[[v]] <- list(steps = rv$fit$steps, grad = rv$fit$grad_max,
                        max_abs_est = max(abs(rv$phi)), crossing = rv$crossing,
                        clm_est_digits = digits_of(rv$clm$est))
    ## scale test, same reading: all terms of the variable in the scale part
    tl <- attr(terms(sp$rhs), "term.labels")
    tv <- tl[sapply(tl, function(t) all.vars(parse(text = t)[[1]])) == v]
    sps <- sp; sps$scale <- as.formula(paste("~", paste(tv, collapse = " + ")))
    rs <- tryCatch(fit_ext_spec(sps), error = function(e) e)
    stests[[v]] <- if (inherits(rs, "error")) list(variable = v, error = conditionMessage(rs)) else {
      c2 <- 2 * (rs$loglik - base$loglik)
      list(variable = v, chi2 = c2, df = as.integer(ncol_v), p_value = pchisq(c2, ncol_v, lower.tail = FALSE),
           clm_est_digits = digits_of(rs$clm$est))
    }
  }
  ## R's own per-term tests
  ## (fitted in the global environment: nominal_test/scale_test refit by update();
  nt_data <- sp$data; nt_data$nt_w <- base$w
  assign("nt_data", nt_data, envir = globalenv())
  m <- eval(bquote(clm(.(as.formula(paste(sp$yname, "~", rhs_text(sp$rhs)))), data = nt_data,
                       weights = nt_w, link = .(sp$link))), globalenv())  # default control: with gradTol 1e-12 its refits report non-convergence
  nt <- ordinal::nominal_test(m); st <- ordinal::scale_test(m)
  R_nt <- data.frame(term = rownames(nt)[-1], LRT = nt$LRT[-1], Df = nt$Df[-1], p = nt$`Pr(>Chi)`[-1])
  R_st <- data.frame(term = rownames(st)[-1], LRT = st$LRT[-1], Df = st$Df[-1], p = st$`Pr(>Chi)`[-1])
  agree <- list()
  for (v in vars) {
    hit <- R_nt$term == v
    if (any(hit) && sum(D$var == v) > 0 && sum(sapply(attr(terms(sp$rhs), "term.labels"),
          function(t) all.vars(parse(text = t)[[1]])) == v) == 1) agree[[v]] <- list(R_term = v, R_LRT = R_nt$LRT[hit], R_df = R_nt$Df[hit],
                                     digits = digits_of(abs(R_nt$LRT[hit] - tests[[v]]$chi2) / tests[[v]]$chi2))
  }
  differ <- lapply(seq_len(nrow(R_nt)), function(i) if (!R_nt$term[i] %in% names(agree))
    list(R_term = R_nt$term[i], R_LRT = R_nt$LRT[i], R_df = R_nt$Df[i]) else NULL)
  differ <- Filter(Negate(is.null), differ)
  src <- paste0(versions_ext(), ": ", sp$what, "; link ", sp$link,
                ". The fit is the parallel model (own exact likelihood, Newton to max|gradient| < 1e-10, ",
                "model vcov); nominal_test: for each VARIABLE v the model with all of v's columns nominal ",
                "(P(Y <= j) = F(theta_j - x'beta - x_v'beta_j)) is refitted the same way (started at the parallel ",
                "fit), chi2 = 2 (loglik_v - loglik), df = columns of v x (J - 2); entries named by the variable ",
                "(CONTRACT.md readings). Cross-check: ordinal::nominal_test(clm(...)) where a variable is one term. ",
                "Regenerate: Rscript tests/ref/nominal_test.R > tests/ref/ref_nominal_test.h")
  extra <- list(nominal_test_R = list(note = "ordinal::nominal_test on the clm fit, per TERM (its names); agreement with the per-variable reference where the variable is a single term",
                                      agree = agree, R_terms_not_variables = differ),
                refits = refits)
  case <- case_from_fit(base, sp$id, sp$csv, c(sp$args, "--link", sp$link, "--nominal-test"), src,
                        extra_cross = extra,
                        tol = list(estimate = 1e-6, std_error = 1e-5, ci = 1e-5, loglik = 1e-8, brant = 1e-6),
                        extra_expect = list(nominal_test = unname(tests)))
  write_case(file.path(OUT, paste0(sp$id, ".json")), case)
  res[[sp$id]] <- list(sp = sp, tests = tests, stests = stests, R_nt = R_nt, R_st = R_st, base = base)
}

guard <- "PARTREG_REF_NOMINAL_TEST_H"
header_open(guard, c(
  "Reference values: per-variable likelihood-ratio tests of the parallel-lines (nominal_test)",
  "and of scale effects (scale_test) for ordinal fits.",
  "Generated by: Rscript tests/ref/nominal_test.R > tests/ref/ref_nominal_test.h",
  "  (also writes tests/cases/nominal/nominal_test_*.json with the nominal tests).",
  paste0("Software: ", versions_ext()),
  "nominal test of variable v: refit with all columns of v nominal (one slope per cut),",
  "  chi2 = 2 (ll_v - ll), df = ncol(v) (J - 2). scale test of v: refit with all of v's terms",
  "  in the scale part, P(Y <= j) = F((theta_j - x'beta) / exp(x_v'gamma)), df = ncol(v).",
  "All fits: exact likelihood (outer thresholds -Inf/+Inf), Newton to max|gradient| < 1e-10.",
  "R's ordinal::nominal_test / scale_test work per TERM; their values are listed for each",
  "  model (the per-variable reference equals them where a variable is one term)."
))
for (id in names(res)) {
  r <- res[[id]]; pre <- paste0("ref_", id, "_")
  emit("/* ", id, ": ", r$sp$what, "; link ", r$sp$link, " */")
  rl <- c("R ordinal::nominal_test (per term):",
          sprintf("  %-20s LRT %.10g df %d p %.6g", r$R_nt$term, r$R_nt$LRT, r$R_nt$Df, r$R_nt$p),
          "R ordinal::scale_test (per term):",
          sprintf("  %-20s LRT %.10g df %d p %.6g", r$R_st$term, r$R_st$LRT, r$R_st$Df, r$R_st$p))
  emit_comment(rl)
  vars <- names(r$tests)
  emit_strings(paste0(pre, "variables"), vars)
  emit_array(paste0(pre, "nominal_chi2"), sapply(r$tests, `[[`, "chi2"))
  emit("static const int ", pre, "nominal_df[", length(vars), "] = {",
       paste(sapply(r$tests, `[[`, "df"), collapse = ", "), "};")
  emit_array(paste0(pre, "nominal_p"), sapply(r$tests, `[[`, "p_value"))
  ok <- sapply(r$stests, function(x) is.null(x$error))
  if (!all(ok)) emit_comment(paste("scale refit failed:", names(r$stests)[!ok]))
  emit_array(paste0(pre, "scale_chi2"), sapply(r$stests, function(x) if (is.null(x$chi2)) NaN else x$chi2))
  emit("static const int ", pre, "scale_df[", length(vars), "] = {",
       paste(sapply(r$stests, function(x) if (is.null(x$df)) -1L else x$df), collapse = ", "), "};")
  emit_array(paste0(pre, "scale_p"), sapply(r$stests, function(x) if (is.null(x$p_value)) NaN else x$p_value))
  emit_scalar(paste0(pre, "loglik"), r$base$loglik, "loglik of the parallel model being tested")
  emit("")
}
header_close(guard)
