# Reference for tests/test_robust_inputs.c test_extreme_scales (docs/errors.md
# row D13): a predictor around 1e6 next to one around 1e-3. Writes the same
# 400 rows as the test (same LCG, same formatting) and prints glm's
# estimates and standard errors, converged tightly.
# Run: Rscript tests/ref/robust_scales.R   (R 4.2.2)
s <- 12345
# exact (a s + c) mod 2^31 in doubles: split a so no product exceeds 2^53
lcg <- function() {
  a <- 1103515245; ahi <- a %/% 65536; alo <- a %% 65536
  s <<- (((ahi * s) %% 32768) * 65536 + alo * s + 12345) %% 2147483648
  s / 2147483648
}
n <- 400
rows <- character(n)
for (i in seq_len(n)) {
  u <- c(lcg(), lcg(), lcg())
  big <- 1e6 * (1 + u[1] * 4); small <- 1e-3 * (u[2] * 2 - 1)
  eta <- -1 + 0.5e-6 * big + 800 * small
  rows[i] <- sprintf("%d,%.2f,%.8f", as.integer(u[3] < 1 / (1 + exp(-eta))), big, small)
}
f <- tempfile(fileext = ".csv")
writeLines(c("y,big,small", rows), f)
d <- read.csv(f)
m <- glm(y ~ big + small, binomial, d, control = glm.control(epsilon = 1e-15, maxit = 100))
print(coef(summary(m))[, 1:2], digits = 15)
