# partreg for R: a thin layer over libpartreg. The formula is parsed by
# the library (not by R's model.frame), so terms, factor coding and the
# numbers are the partreg command's, bit for bit; the results are read
# from the JSON the library writes for the analysis.

partreg_condition <- function(e, call = NULL) {
  structure(class = c("partreg_error", "error", "condition"),
            list(message = e$message, call = call, status = e$status,
                 status_name = e$status_name, line = e$line, column = e$column,
                 index = e$index))
}

# A library result, or the condition of its error list.
checked <- function(x, call) {
  if (is.list(x) && !is.null(x$status_name) && is.null(x$ptr))
    stop(partreg_condition(x, call))
  x
}

#' The version of the loaded libpartreg.
partreg_version <- function() .Call(partreg_r_version)

#' The analysis options partreg_fit() takes, as a data frame: name (the
#' command's long option; write '_' or '-'), kind and help.
partreg_options <- function() {
  o <- .Call(partreg_r_options)
  data.frame(name = gsub("-", "_", o$name), kind = o$kind, help = o$help,
             stringsAsFactors = FALSE)
}

# Named arguments into (name, value) strings for the options table: TRUE a
# switch, FALSE one turned off, NULL nothing, several values a repeatable
# option once each (levels: one comma-separated list), a named vector or
# list for ref: VAR=LEVEL each.
option_strings <- function(args) {
  nm <- character(0)
  val <- character(0)
  for (name in names(args)) {
    v <- args[[name]]
    if (is.null(v)) next
    if (isTRUE(v)) {
      nm <- c(nm, name); val <- c(val, NA_character_)
    } else if (identical(v, FALSE)) {
      nm <- c(nm, name); val <- c(val, "false")
    } else if (name == "ref" && !is.null(names(v))) {
      nm <- c(nm, rep(name, length(v)))
      val <- c(val, paste0(names(v), "=", unlist(v)))
    } else if (name == "levels") {
      nm <- c(nm, name); val <- c(val, paste(as.character(v), collapse = ","))
    } else {
      v <- vapply(v, function(x) if (is.numeric(x)) format(x, digits = 17) else as.character(x), "")
      nm <- c(nm, rep(name, length(v))); val <- c(val, v)
    }
  }
  list(names = nm, values = val)
}

data_columns <- function(data, what) {
  if (!is.list(data))
    stop(sprintf("partreg: %s must be a data.frame or a list of columns, not %s", what,
                 class(data)[1]), call. = FALSE)
  for (n in names(data)) {
    col <- data[[n]]
    if (inherits(col, c("Date", "POSIXt", "difftime")) || is.list(col))
      stop(sprintf("partreg: column '%s' is %s; give numbers, strings, logicals or a factor",
                   n, class(col)[1]), call. = FALSE)
  }
  cols <- lapply(as.list(data), function(col) {
    if (is.factor(col)) col else as.vector(col)
  })
  list(cols = cols, names = names(data))
}

formula_text <- function(formula) {
  if (inherits(formula, "formula"))
    return(paste(deparse(formula, width.cutoff = 500L), collapse = " "))
  if (is.character(formula) && length(formula) == 1L) return(formula)
  stop("partreg: formula must be a formula or one string, e.g. lfp ~ k5 + age", call. = FALSE)
}

#' Fit a binary or ordinal model with partreg.
#'
#' @param formula a formula or a string, in partreg's syntax (R's):
#'   y ~ a + b, a:b, a*b, factor(x), I(x^2), log(x), (1 | g).
#' @param data a data.frame (or list of equal-length columns; or a list of
#'   data.frames: the completed data sets of a multiple imputation, pooled
#'   by Rubin's rules): numeric,
#'   integer and logical columns are numbers; factors keep their level
#'   order (the first level is the reference; an outcome's levels go lowest
#'   first); character columns are text whose levels are ordered by bytes,
#'   as the command orders a CSV file's.
#' @param family "binary" or "ordinal" (NULL: by the outcome's levels).
#' @param link "logit" (default), "probit", "cloglog", "loglog", "cauchit".
#' @param ... any option of `partreg fit` (partreg_options()), '_' for
#'   '-': weights = "w", vcov = "hc1", cluster = "g", margins = TRUE,
#'   at = c("age=30", "k5=0"), ref = c(Infl = "Low"), levels = c("A", "B"),
#'   sampling_weights = "w", strata = "s", ...
#' @param data_name what the report calls the data.
#' @return an object of class "partreg".
partreg_fit <- function(formula, data, family = NULL, link = NULL, ...,
                        data_name = "data frame") {
  call <- match.call()
  args <- c(list(formula = formula_text(formula), family = family, link = link), list(...))
  o <- option_strings(args)
  if (!is.data.frame(data) && is.list(data) && length(data) > 0 &&
      all(vapply(data, is.data.frame, TRUE))) {
    # completed data sets of a multiple imputation, pooled by Rubin's rules
    ds <- lapply(data, data_columns, what = "data")
    r <- checked(.Call(partreg_r_fit_mi, lapply(ds, `[[`, "cols"), lapply(ds, `[[`, "names"),
                       o$names, o$values, data_name), call)
  } else {
    d <- data_columns(data, "data")
    r <- checked(.Call(partreg_r_fit, d$cols, d$names, o$names, o$values, data_name), call)
  }
  json <- jsonlite::fromJSON(r$json, simplifyVector = FALSE)
  if (r$status != 0L)
    warning(r$message, call. = FALSE)
  entries <- list()
  for (section in c("coefficients", "thresholds", "scale")) {
    for (e in json[[section]]) {
      name <- e$term
      if (!is.null(e$cut)) name <- paste0(name, " @ ", e$cut)
      if (section == "scale") name <- paste0("scale(", name, ")")
      e$name <- name
      entries[[length(entries) + 1L]] <- e
    }
  }
  num <- function(key) {
    v <- vapply(entries, function(e) if (is.null(e[[key]])) NA_real_ else as.numeric(e[[key]]), 0)
    names(v) <- vapply(entries, function(e) e$name, "")
    v
  }
  structure(list(call = call, ptr = r$ptr, json_text = r$json, json = json,
                 coefficients = num("estimate"), std_error = num("std_error"),
                 statistic = num("z"), p_value = num("p_value"),
                 conf_low = num("conf_low"), conf_high = num("conf_high"),
                 conf_level = json$conf_level, family = json$family, link = json$link,
                 levels = unlist(json$levels), converged = isTRUE(json$converged)),
            class = "partreg")
}

coef.partreg <- function(object, ...) object$coefficients

vcov.partreg <- function(object, ...) {
  v <- .Call(partreg_r_vcov, object$ptr)
  if (nrow(v) != length(object$coefficients))
    stop("partreg: the covariance of this analysis has no one-to-one map to its parameters ",
         "(pooled or penalised results); use the standard errors of tidy()", call. = FALSE)
  dimnames(v) <- list(names(object$coefficients), names(object$coefficients))
  v
}

#' Intervals of the report (level = the fit's conf_level; profile ones with
#' ci = "profile"), or Wald ones at another level.
confint.partreg <- function(object, parm, level = object$conf_level, ...) {
  if (abs(level - object$conf_level) < 1e-12) {
    ci <- cbind(object$conf_low, object$conf_high)
  } else {
    q <- stats::qnorm(1 - (1 - level) / 2)
    ci <- cbind(object$coefficients - q * object$std_error,
                object$coefficients + q * object$std_error)
  }
  pct <- paste(format(100 * c((1 - level) / 2, 1 - (1 - level) / 2), trim = TRUE,
                      scientific = FALSE, digits = 3), "%")
  dimnames(ci) <- list(names(object$coefficients), pct)
  if (!missing(parm)) ci <- ci[parm, , drop = FALSE]
  ci
}

logLik.partreg <- function(object, ...) {
  structure(object$json$loglik, df = object$json$n_params, nobs = object$json$n_obs,
            class = "logLik")
}

AIC.partreg <- function(object, ..., k = 2) {
  if (k != 2 || length(list(...))) return(stats::AIC(logLik(object), ..., k = k))
  object$json$aic
}

BIC.partreg <- function(object, ...) object$json$bic

nobs.partreg <- function(object, ...) object$json$n_obs

summary.partreg <- function(object, ...) {
  structure(list(text = .Call(partreg_r_text, object$ptr), table = tidy.partreg(object)),
            class = "summary.partreg")
}

print.summary.partreg <- function(x, ...) {
  cat(x$text)
  invisible(x)
}

print.partreg <- function(x, ...) {
  cat(sprintf("partreg %s %s fit, %d observations%s\n", x$family, x$link, x$json$n_obs,
              if (x$converged) "" else " (NOT CONVERGED)"))
  print(x$coefficients)
  invisible(x)
}

#' Predicted probabilities for the rows of newdata: a binary model's
#' probability of its event (a vector), an ordinal model's of each level
#' (a matrix); NA where a model variable is missing.
predict.partreg <- function(object, newdata, ...) {
  if (missing(newdata))
    stop("partreg: give newdata, the rows to predict (the data fitted, for fitted values)",
         call. = FALSE)
  d <- data_columns(newdata, "newdata")
  p <- checked(.Call(partreg_r_predict, object$ptr, d$cols, d$names), sys.call())
  p[is.nan(p)] <- NA_real_
  if (ncol(p) == 1L) return(drop(p))
  colnames(p) <- object$levels
  p
}

entries_frame <- function(rows) {
  if (!length(rows)) return(data.frame())
  keys <- unique(unlist(lapply(rows, names)))
  out <- lapply(keys, function(k) {
    v <- lapply(rows, function(r) if (is.null(r[[k]])) NA else r[[k]])
    if (all(vapply(v, function(x) is.numeric(x) || is.na(x), TRUE)))
      as.numeric(unlist(v))
    else vapply(v, function(x) if (is.na(x)[1]) NA_character_ else as.character(x), "")
  })
  names(out) <- keys
  as.data.frame(out, stringsAsFactors = FALSE, optional = TRUE)
}

margins <- function(x, ...) UseMethod("margins")

#' The margins the fit was asked for: kind "margins" (margins = TRUE),
#' "predictions" (at, over), "contrasts" (contrast) or "profile".
margins.partreg <- function(x, kind = "margins", ...) {
  rows <- if (kind == "profile") x$json$profile$predictions else x$json[[kind]]
  if (is.null(rows))
    stop(sprintf("partreg: this fit has no %s; fit with %s", kind,
                 switch(kind, margins = "margins = TRUE", predictions = "at = ... or over = ...",
                        contrasts = "contrast = \"reference\"", profile = "profile = \"VAR\"",
                        "margins = TRUE")), call. = FALSE)
  entries_frame(rows)
}

tidy <- function(x, ...) UseMethod("tidy")
glance <- function(x, ...) UseMethod("glance")

#' One row per parameter, broom's columns: term, estimate, std.error,
#' statistic, p.value, conf.low, conf.high.
tidy.partreg <- function(x, ...) {
  data.frame(term = names(x$coefficients), estimate = unname(x$coefficients),
             std.error = unname(x$std_error), statistic = unname(x$statistic),
             p.value = unname(x$p_value), conf.low = unname(x$conf_low),
             conf.high = unname(x$conf_high), stringsAsFactors = FALSE)
}

#' One row for the model, broom's columns where they exist.
glance.partreg <- function(x, ...) {
  j <- x$json
  data.frame(nobs = j$n_obs, logLik = j$loglik, AIC = j$aic, BIC = j$bic,
             deviance = j$deviance, null.deviance = -2 * j$null_loglik,
             df = j$n_params, converged = isTRUE(j$converged), family = j$family,
             link = j$link, vcov = j$vcov_type, stringsAsFactors = FALSE)
}
