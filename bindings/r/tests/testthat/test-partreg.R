# The R package against the partreg command: the same JSON byte for byte
# on the shared conformance cases, errors as conditions, memory.
# Environment: PARTREG_CLI the command, PARTREG_CASES the case folders
# (separated by ':'). Run by ctest (tests/r_binding.sh).

cli <- Sys.getenv("PARTREG_CLI", "partreg")
case_dirs <- Filter(nzchar, strsplit(Sys.getenv("PARTREG_CASES"), ":", fixed = TRUE)[[1]])

run_cli <- function(folder, args) {
  old <- setwd(folder)
  on.exit(setwd(old))
  out <- suppressWarnings(system2(cli, shQuote(args), stdout = TRUE, stderr = FALSE))
  list(status = if (is.null(attr(out, "status"))) 0L else attr(out, "status"),
       out = if (length(out)) paste0(paste(out, collapse = "\n"), "\n") else "")
}

kinds <- local({
  o <- partreg_options()
  setNames(o$kind, o$name)
})

# The command's arguments as partreg_fit()'s.
case_call <- function(args) {
  opts <- list()
  formula <- NULL
  i <- 1L
  while (i <= length(args)) {
    name <- gsub("-", "_", sub("^--", "", args[i]))
    value <- if (i < length(args)) args[i + 1L] else NA_character_
    if (name == "formula") {
      formula <- value; i <- i + 2L; next
    }
    kind <- kinds[[name]]
    if (kind == "flag") {
      opts[[name]] <- TRUE; i <- i + 1L
    } else if (kind == "optional") {
      if (!is.na(suppressWarnings(as.numeric(value)))) {
        opts[[name]] <- value; i <- i + 2L
      } else {
        opts[[name]] <- TRUE; i <- i + 1L
      }
    } else if (kind == "repeatable") {
      opts[[name]] <- c(opts[[name]], value); i <- i + 2L
    } else {
      opts[[name]] <- value; i <- i + 2L
    }
  }
  list(formula = formula, opts = opts)
}

cases <- function() {
  out <- list()
  for (d in case_dirs) {
    for (f in sort(Sys.glob(file.path(d, "*.json")))) {
      c <- jsonlite::fromJSON(f, simplifyVector = FALSE)
      if (!is.null(c$args) && is.character(c$data) && grepl("\\.csv$", c$data))
        out[[length(out) + 1L]] <- list(dir = d, case = c)
    }
  }
  out
}

# A CSV file as the command's reader sees it. Numbers are converted by
# the C library's strtod (through jsonlite), which rounds correctly; R's
# own parser (read.csv, as.numeric) can be one unit in the last place off
# for a few values (e.g. 23023.724784), which would be other data.
exact_numbers <- function(x) {
  ok <- !is.na(x)
  out <- rep(NA_real_, length(x))
  v <- tryCatch(jsonlite::fromJSON(paste0("[", paste(x[ok], collapse = ","), "]")),
                error = function(e) as.numeric(x[ok]))
  out[ok] <- as.numeric(v)
  out
}

read_case <- function(path, na) {
  d <- utils::read.csv(path, na.strings = c("", "NA", unlist(na)), colClasses = "character",
                       check.names = FALSE)
  for (n in names(d)) {
    x <- d[[n]]
    if (all(is.na(x) | !is.na(suppressWarnings(as.numeric(x)))))
      d[[n]] <- exact_numbers(x)
  }
  d
}

test_that("every case gives the command's JSON byte for byte", {
  all <- cases()
  expect_gt(length(all), 0)
  for (x in all) {
    cc <- case_call(unlist(x$case$args))
    data <- read_case(file.path(x$dir, x$case$data), cc$opts[["na"]])
    ref <- run_cli(x$dir, c("fit", x$case$data, unlist(x$case$args), "--format", "json"))
    expect_true(ref$status %in% c(0L, 3L), label = x$case$id)
    r <- suppressWarnings(do.call(partreg_fit, c(list(cc$formula, data, data_name = x$case$data),
                                                 cc$opts)))
    expect_identical(r$json_text, ref$out, label = x$case$id)
    j <- jsonlite::fromJSON(ref$out, simplifyVector = FALSE)
    est <- vapply(c(j$coefficients, j$thresholds, j$scale), function(e) e$estimate, 0)
    expect_identical(unname(coef(r)), est, label = x$case$id)
    expect_equal(sqrt(diag(vcov(r))), r$std_error, tolerance = 1e-15, label = x$case$id)
    if (!is.null(j$loglik)) expect_identical(as.numeric(logLik(r)), j$loglik)
    if (!is.null(j$aic)) expect_identical(AIC(r), j$aic)
    expect_identical(nobs(r), j$n_obs)
  }
})

mroz_dir <- function() {
  for (d in case_dirs) if (file.exists(file.path(d, "mroz.csv"))) return(d)
  skip("mroz.csv not among the cases")
}

test_that("predictions are the command's", {
  d <- mroz_dir()
  data <- read_case(file.path(d, "mroz.csv"), NULL)
  f <- "lfp ~ k5 + age + wc + inc"
  r <- partreg_fit(f, data)
  ref <- run_cli(d, c("predict", "mroz.csv", "--formula", f, "--newdata", "mroz.csv",
                      "--format", "csv"))
  rows <- utils::read.csv(text = ref$out, check.names = FALSE, colClasses = "character")
  expect_identical(predict(r, data), as.numeric(rows[["P(yes)"]]))
  p <- predict(r, data.frame(k5 = c(1, NA), age = 30, wc = "yes", inc = 20))
  expect_true(is.finite(p[1]) && is.na(p[2]))
})

test_that("methods: formula objects, factors, margins, tidy, glance", {
  d <- mroz_dir()
  data <- read_case(file.path(d, "mroz.csv"), NULL)
  data$wc <- factor(data$wc, levels = c("yes", "no"))
  r <- partreg_fit(lfp ~ k5 + age + wc, data, vcov = "hc1", margins = TRUE, conf_level = 0.9)
  expect_identical(names(coef(r)), c("(Intercept)", "k5", "age", "wc[no]"))
  ref <- run_cli(d, c("fit", "mroz.csv", "--formula", "lfp ~ k5 + age + wc", "--ref", "wc=yes",
                      "--vcov", "hc1", "--margins", "--conf-level", "0.9", "--format", "json"))
  j <- jsonlite::fromJSON(ref$out, simplifyVector = FALSE)
  expect_identical(unname(coef(r)), vapply(j$coefficients, function(e) e$estimate, 0))
  expect_identical(unname(confint(r)[, 1]), vapply(j$coefficients, function(e) e$conf_low, 0))
  m <- margins(r)
  expect_identical(m$estimate, vapply(j$margins, function(e) e$estimate, 0))
  expect_identical(tidy(r)$std.error, unname(r$std_error))
  expect_identical(glance(r)$nobs, 753L)
  expect_output(print(summary(r)), "Average marginal effects")
  expect_error(margins(partreg_fit(lfp ~ k5, data)), "margins = TRUE")
  o <- partreg_fit("rating ~ temp + contact", read_case(file.path(d, "wine.csv"), NULL),
                   family = "ordinal", levels = 1:5)
  expect_identical(names(coef(o))[3:6], c("1|2", "2|3", "3|4", "4|5"))
  expect_identical(dim(predict(o, data.frame(temp = "warm", contact = "yes"))), c(1L, 5L))
})

test_that("a list of data frames is a multiple imputation, pooled as the stacked data", {
  path <- NULL
  for (d in case_dirs) {
    p <- file.path(d, "..", "..", "data", "titanic_mi20.csv")
    if (file.exists(p)) path <- p
  }
  if (is.null(path)) skip("titanic_mi20.csv not among the cases' data")
  data <- read_case(path, NULL)
  f <- "survived ~ sex + age + passengerClass"
  stacked <- partreg_fit(f, data, imputations = "imp")
  frames <- lapply(split(data, data$imp), function(x) x[, names(x) != "imp"])
  frames <- frames[names(frames) != "0"]
  pooled <- partreg_fit(f, unname(frames))
  expect_identical(coef(pooled), coef(stacked))
  expect_identical(pooled$std_error, stacked$std_error)
})

test_that("errors are conditions with the library's message and status", {
  d <- mroz_dir()
  data <- read_case(file.path(d, "mroz.csv"), NULL)
  e <- tryCatch(partreg_fit(lfp ~ k5 + agee, data), partreg_error = function(e) e)
  expect_s3_class(e, "partreg_error")
  expect_identical(e$status_name, "PARTREG_ENOTFOUND")
  expect_match(conditionMessage(e), "did you mean 'age'", fixed = TRUE)
  expect_error(partreg_fit("lfp ~ k5 +", data), class = "partreg_error")
  expect_error(partreg_fit("lfp ~ k5", data, lnk = "probit"), "did you mean 'link'",
               class = "partreg_error")
  expect_error(partreg_fit("lfp ~ k5", data, conf_level = 2),
               "must be a number in (0, 1)", fixed = TRUE)
  expect_error(partreg_fit("y ~ x", data.frame(y = c(0, 1, 1), x = c(1, Inf, 2))),
               class = "partreg_error")
  expect_error(partreg_fit("y ~ d", data.frame(y = c(0, 1), d = Sys.Date() + 0:1)),
               "column 'd' is Date")
  expect_error(partreg_fit("y ~ x", 1:3), "must be a data.frame")
  expect_warning(partreg_fit("y ~ x", data.frame(y = c(0, 0, 0, 1, 1, 1), x = 1:6)))
})

test_that("repeated fits release their memory", {
  d <- mroz_dir()
  data <- read_case(file.path(d, "mroz.csv"), NULL)[seq(1, 753, by = 4), ]
  rss <- function() {
    s <- readLines("/proc/self/status")
    as.numeric(strsplit(trimws(sub("VmRSS:", "", grep("^VmRSS:", s, value = TRUE))), " ")[[1]][1])
  }
  skip_if_not(file.exists("/proc/self/status"))
  n <- as.integer(Sys.getenv("PARTREG_R_LOOPS", "10000"))
  some <- function(k) {
    for (i in seq_len(k)) {
      r <- partreg_fit("lfp ~ k5 + age + wc", data)
      p <- predict(r, data)
    }
    invisible(gc())
  }
  some(200)
  before <- rss()
  some(n)
  expect_lt(rss() - before, 8192)
})
