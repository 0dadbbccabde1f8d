# Shared helpers of the inference reference scripts (tests/ref/inference_*.R):
# data loading with the coding the C tests use, and C emitters (%.17g).
# Sourced by the other inference_*.R scripts; not run on its own.
suppressPackageStartupMessages({
  library(MASS); library(ordinal); library(sandwich); library(jsonlite)
})
CONF_DIR <- "/work/shared/conformance/cases"

inf_versions <- function(pkgs = c("MASS", "ordinal", "sandwich", "carData", "jsonlite")) {
  paste0(R.version.string, "; ", paste(sprintf("%s %s", pkgs, sapply(pkgs, function(p)
    as.character(packageVersion(p)))), collapse = ", "))
}

# Mroz: same design as tests/ref/mroz_design.h
mroz_data <- function() {
  csv <- read.csv(file.path(CONF_DIR, "mroz.csv"), stringsAsFactors = FALSE)
  csv$lfp <- as.numeric(csv$lfp == "yes")
  csv$wc <- factor(csv$wc, levels = c("no", "yes"))
  csv$hc <- factor(csv$hc, levels = c("no", "yes"))
  csv
}
MROZ_FORMULA <- lfp ~ k5 + k618 + age + wc + hc + lwg + inc

# wine: same design as tests/ref/wine_design.h (temp[warm], contact[yes])
wine_data <- function() {
  w <- read.csv(file.path(CONF_DIR, "wine.csv"), stringsAsFactors = FALSE)
  w$rating <- factor(w$rating, levels = 1:5, ordered = TRUE)
  w$temp <- factor(w$temp, levels = c("cold", "warm"))
  w$contact <- factor(w$contact, levels = c("no", "yes"))
  w
}

# soup: same design as tests/ref/inference_soup_design.h
soup_data <- function() {
  s <- read.csv(file.path(CONF_DIR, "soup.csv"), stringsAsFactors = FALSE)
  s$SURENESS <- factor(s$SURENESS, levels = 1:6, ordered = TRUE)
  s$PROD <- factor(s$PROD, levels = c("Ref", "Test"))
  s$GENDER <- factor(s$GENDER, levels = c("Male", "Female"))
  s$AGEGROUP <- factor(s$AGEGROUP, levels = c("18-30", "31-40", "41-50", "51-65"))
  s$COLD <- factor(s$COLD, levels = c("No", "Yes"))
  s
}
SOUP_FORMULA <- SURENESS ~ PROD + GENDER + AGEGROUP + COLD

# clm orders (thresholds, coefficients); partreg orders (coefficients, thresholds)
clm_order <- function(fit) {
  nt <- length(fit$alpha); nb <- length(fit$beta)
  c(nt + seq_len(nb), seq_len(nt))
}

fmt <- function(x) {
  s <- sprintf("%.17g", x)
  s[is.infinite(x) & x > 0] <- "INFINITY"
  s[is.infinite(x) & x < 0] <- "-INFINITY"
  s[is.nan(x)] <- "NAN"
  s
}
emit <- function(...) cat(..., "\n", sep = "")
emit_scalar <- function(name, x, comment = NULL) {
  if (!is.null(comment)) emit("/* ", comment, " */")
  emit("static const double ", name, " = ", fmt(x), ";")
}
emit_array <- function(name, x, comment = NULL, per_line = 4) {
  if (!is.null(comment)) emit("/* ", comment, " */")
  x <- as.numeric(x)
  emit("static const double ", name, "[", length(x), "] = {")
  s <- fmt(x)
  idx <- split(seq_along(s), ceiling(seq_along(s) / per_line))
  for (k in seq_along(idx))
    emit("    ", paste(s[idx[[k]]], collapse = ", "), if (k < length(idx)) "," else "")
  emit("};")
}
# row-major k x k
emit_square <- function(name, M, comment = NULL) emit_array(name, t(M), comment, ncol(M))
header_open <- function(guard, lines) {
  emit("/* GENERATED FILE - do not edit. */")
  emit("/*")
  for (l in lines) emit(" * ", l)
  emit(" */")
  emit("#ifndef ", guard)
  emit("#define ", guard)
  emit("")
}
header_close <- function(guard) {
  emit("")
  emit("#endif /* ", guard, " */")
}
digits <- function(a, b) floor(-log10(max(abs(a - b) / pmax(abs(b), 1e-300), 1e-17)))
