library(testthat)
library(partreg)
test_check("partreg")
