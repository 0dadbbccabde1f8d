# Case specifications of the random-intercept references (sourced by
# ri_cases.R and ri_header.R): data, formula, link, Q, and how R codes the
# data so that its term names and reference levels are the contract's.

## byte-order levels (the contract's default), a --ref level first
byte_levels <- function(x, ref = NULL) {
  lv <- sort(unique(x), method = "radix")
  if (!is.null(ref)) lv <- c(ref, setdiff(lv, ref))
  lv
}
## model.matrix column names -> contract term names (V[L], factor(V) -> V[L])
contract_names <- function(cn, frame) {
  fx <- grepl("^factor\\([A-Za-z_.][A-Za-z0-9_.]*\\)", cn)
  cn[fx] <- sub("^factor\\(([A-Za-z_.][A-Za-z0-9_.]*)\\)(.+)$", "\\1[\\2]", cn[fx])
  for (v in names(frame)) if (is.factor(frame[[v]])) for (L in levels(frame[[v]])) {
    cn[cn == paste0(v, L)] <- sprintf("%s[%s]", v, L)
    cn[cn == paste0("factor(", v, ")", L)] <- sprintf("%s[%s]", v, L)
  }
  cn
}

prep <- function(sp) {
  d <- read.csv(sp$csv, stringsAsFactors = FALSE, check.names = FALSE)
  resp <- d[[sp$response]]
  lev <- if (!is.null(sp$levels)) sp$levels else if (is.numeric(resp)) sort(unique(resp)) else byte_levels(resp)
  frame <- d
  for (v in names(d)) if (is.character(d[[v]]) && v != sp$response)
    frame[[v]] <- factor(d[[v]], levels = byte_levels(d[[v]], sp$ref[[v]]))
  gcol <- d[[sp$group]]
  glev <- if (is.numeric(gcol)) as.character(sort(unique(gcol))) else byte_levels(gcol)
  frame[[sp$group]] <- factor(as.character(gcol), levels = glev)
  for (v in sp$factor_vars) frame[[v]] <- factor(d[[v]], levels = sort(unique(d[[v]])))
  X <- model.matrix(as.formula(paste("~", sp$rhs)), frame)
  cn <- contract_names(colnames(X), frame)
  w <- if (!is.null(sp$weights)) d[[sp$weights]] else NULL
  if (sp$family == "binary") {
    y <- as.integer(as.character(resp) == as.character(lev[length(lev)]))
    m <- ri_model("binary", sp$link, X, y, frame[[sp$group]], w = w, coef_names = cn, group_levels = glev)
  } else {
    X <- X[, -1, drop = FALSE]; cn <- cn[-1]
    y <- match(as.character(resp), as.character(lev))
    thr <- paste(lev[-length(lev)], lev[-1], sep = "|")
    m <- ri_model("ordinal", sp$link, X, y, frame[[sp$group]], w = w, J = length(lev),
                  coef_names = cn, thr_names = thr, group_levels = glev)
  }
  stopifnot(!anyNA(m$y), !anyNA(m$X), identical(levels(factor(frame[[sp$group]])), glev))
  list(frame = frame, m = m, group_levels = glev, levels = lev)
}

mk_spec <- function(id, csv, data, family, link, Q, response, rhs, group, levels = NULL, ref = NULL,
                    weights = NULL, data_note, boundary = FALSE, factor_vars = NULL, cli_rhs = rhs) {
  args <- c("--formula", sprintf("%s ~ %s + (1 | %s)", response, cli_rhs, group),
            "--family", family, "--link", link)
  if (!is.null(levels)) args <- c(args, "--levels", paste(levels, collapse = ","))
  for (v in names(ref)) args <- c(args, "--ref", sprintf("%s=%s", v, ref[[v]]))
  if (!is.null(weights)) args <- c(args, "--weights", weights)
  args <- c(args, "--nagq", as.character(Q))
  list(id = id, csv = csv, data = data, family = family, link = link, Q = Q, response = response,
       rhs = rhs, group = group, levels = levels, ref = ref, weights = weights, args = args,
       data_note = data_note, boundary = boundary, factor_vars = factor_vars)
}

ri_specs <- function() {
  S <- list()
  ## ---- lme4::cbpp, one 0/1 row per animal
  cbpp_note <- "tests/data/cbpp_long.csv = lme4::cbpp expanded to one 0/1 row per animal (842 rows, 15 herds)"
  cb <- function(id, link, Q) mk_spec(id, "tests/data/cbpp_long.csv", "../../data/cbpp_long.csv", "binary", link, Q,
                                     "incidence", "factor(period)", "herd", data_note = cbpp_note)
  S[[length(S) + 1]] <- cb("ri_cbpp_logit_laplace", "logit", 1)
  S[[length(S) + 1]] <- cb("ri_cbpp_logit_agq15", "logit", 15)
  S[[length(S) + 1]] <- cb("ri_cbpp_probit_agq15", "probit", 15)
  S[[length(S) + 1]] <- cb("ri_cbpp_cloglog_agq15", "cloglog", 15)
  S[[length(S) + 1]] <- cb("ri_cbpp_cloglog_laplace", "cloglog", 1)
  S[[length(S) + 1]] <- mk_spec("ri_cbpp_logit_agq15_weights", "tests/data/cbpp_agg.csv", "../../data/cbpp_agg.csv",
    "binary", "logit", 15, "incidence", "factor(period)", "herd", weights = "count",
    data_note = "tests/data/cbpp_agg.csv = lme4::cbpp as case-weighted 0/1 rows (90 rows, weights = animals, sum 842; rows of weight 0 left out): the same likelihood as ri_cbpp_logit_agq15")
  ## ---- MASS::bacteria
  bac_note <- "tests/data/bacteria.csv = MASS::bacteria (220 rows, 50 children ID)"
  S[[length(S) + 1]] <- mk_spec("ri_bacteria_logit_agq15", "tests/data/bacteria.csv", "../../data/bacteria.csv",
    "binary", "logit", 15, "y", "trt + week", "ID", ref = list(trt = "placebo"), data_note = bac_note)
  S[[length(S) + 1]] <- mk_spec("ri_bacteria_cauchit_agq15", "tests/data/bacteria.csv", "../../data/bacteria.csv",
    "binary", "cauchit", 15, "y", "trt + week", "ID", ref = list(trt = "placebo"), data_note = bac_note)
  ## ---- participation survey (examples/data)
  ps <- "examples/data/participation_survey.csv"; psd <- "../../../examples/data/participation_survey.csv"
  ps_note <- "examples/data/participation_survey.csv (2000 residents, 40 communities; docs/simulator.md)"
  ps_rhs <- "social_capital + insured + age + education + log(income)"
  S[[length(S) + 1]] <- mk_spec("ri_participation_logit_laplace", ps, psd, "binary", "logit", 1, "participated",
    ps_rhs, "community", levels = c("no", "yes"), data_note = ps_note)
  S[[length(S) + 1]] <- mk_spec("ri_participation_logit_agq15", ps, psd, "binary", "logit", 15, "participated",
    ps_rhs, "community", levels = c("no", "yes"), data_note = ps_note)
  S[[length(S) + 1]] <- mk_spec("ri_willingness_logit_laplace", ps, psd, "ordinal", "logit", 1, "willingness",
    ps_rhs, "community", levels = 1:5, data_note = ps_note)
  S[[length(S) + 1]] <- mk_spec("ri_willingness_logit_agq15", ps, psd, "ordinal", "logit", 15, "willingness",
    ps_rhs, "community", levels = 1:5, data_note = ps_note)
  S[[length(S) + 1]] <- mk_spec("ri_participation_type_probit_agq15", ps, psd, "ordinal", "probit", 15,
    "participation_type", ps_rhs, "community", levels = c("passive", "cooperative", "autonomous"), data_note = ps_note)
  S[[length(S) + 1]] <- mk_spec("ri_education_logit_boundary", ps, psd, "ordinal", "logit", 15, "education",
    "age", "community", levels = c("primary", "secondary", "tertiary"), boundary = TRUE,
    data_note = paste(ps_note, "(education is simulated from age alone: no community effect)"))
  ## ---- lme4::VerbAgg subsample
  va <- "tests/data/verbagg_sub.csv"; vad <- "../../data/verbagg_sub.csv"
  va_note <- "tests/data/verbagg_sub.csv = lme4::VerbAgg, every fourth respondent (ids 1, 5, ..., 313: 79 respondents x 24 items = 1896 rows)"
  va_rhs <- "Anger + Gender + btype + situ"
  S[[length(S) + 1]] <- mk_spec("ri_verbagg_r2_logit_laplace", va, vad, "binary", "logit", 1, "r2", va_rhs, "id",
    levels = c("N", "Y"), data_note = va_note)
  S[[length(S) + 1]] <- mk_spec("ri_verbagg_logit_laplace", va, vad, "ordinal", "logit", 1, "resp", va_rhs, "id",
    levels = c("no", "perhaps", "yes"), data_note = va_note)
  S[[length(S) + 1]] <- mk_spec("ri_verbagg_logit_agq15", va, vad, "ordinal", "logit", 15, "resp", va_rhs, "id",
    levels = c("no", "perhaps", "yes"), data_note = va_note)
  ## ---- ordinal::soup, SURENESS ~ PROD + (1 | RESP), four links
  so <- "tests/data/soup_resp.csv"; sod <- "../../data/soup_resp.csv"
  so_note <- "tests/data/soup_resp.csv = ordinal::soup (1847 rows, 185 respondents RESP)"
  for (link in c("probit", "cloglog", "loglog", "cauchit"))
    S[[length(S) + 1]] <- mk_spec(sprintf("ri_soup_%s_agq15", link), so, sod, "ordinal", link, 15, "SURENESS",
      "PROD", "RESP", levels = 1:6, data_note = so_note)
  ## ---- ordinal::wine
  wn <- "tests/data/wine.csv"; wnd <- "../../data/wine.csv"
  wn_note <- "tests/data/wine.csv = ordinal::wine (72 rows, 9 judges, 8 bottles)"
  S[[length(S) + 1]] <- mk_spec("ri_wine_logit_agq10", wn, wnd, "ordinal", "logit", 10, "rating",
    "temp + contact", "judge", levels = 1:5, data_note = wn_note)
  S[[length(S) + 1]] <- mk_spec("ri_wine_probit_agq25", wn, wnd, "ordinal", "probit", 25, "rating",
    "temp + contact", "judge", levels = 1:5, data_note = wn_note)
  S[[length(S) + 1]] <- mk_spec("ri_wine_bottle_logit_boundary", wn, wnd, "ordinal", "logit", 1, "rating",
    "temp + contact", "bottle", levels = 1:5, boundary = TRUE,
    data_note = paste(wn_note, "(bottles are nested in temp x contact, two per cell)"))
  S
}
