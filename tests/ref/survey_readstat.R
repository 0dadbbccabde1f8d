# The apistrat design columns as Stata and SPSS files, for the reader
# check of tests/test_survey.c (a design read from .dta/.sav gives the
# CSV's numbers: the weight, strata and fpc variables are ordinary
# columns). Run from the repository root:
#   Rscript tests/ref/survey_readstat.R
# R 4.2.2, haven 2.5.1. stype becomes a string variable in both files.
d <- read.csv("tests/data/apistrat.csv", stringsAsFactors = FALSE)
d <- d[, c("stype", "dnum", "awards", "meals", "ell", "mobility", "pw", "fpc")]
haven::write_dta(d, "tests/data/apistrat_design.dta")
haven::write_sav(d, "tests/data/apistrat_design.sav")
