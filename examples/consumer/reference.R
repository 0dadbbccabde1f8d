# Reference values for consumer.c, checked by tests/cli_install.sh.
# Produced with R 4.2.2 (2022-11-10 r83330): Rscript examples/consumer/reference.R
# Output (10 significant digits; the test compares to 1e-5 relative, well
# above the solvers' convergence error and the 6 decimals consumer prints):
#   (Intercept) -2.8298104704  se 1.2295282439
#   hours        0.9463017908  se 0.3719895896
#   logLik     -11.21552443
# The logit link is canonical, so glm's expected-information standard errors
# equal partreg's observed-information ones here.
hours <- c(0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0,
           3.25, 3.5, 4.0, 4.25, 4.5, 4.75, 5.0, 5.5, 5.75, 6.0, 6.25, 6.5)
took_part <- c(0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0,
               1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1)
m <- glm(took_part ~ hours, family = binomial("logit"),
         control = glm.control(epsilon = 1e-14, maxit = 100))
print(format(coef(m), digits = 10))
print(format(sqrt(diag(vcov(m))), digits = 10))
print(format(logLik(m), digits = 10))
