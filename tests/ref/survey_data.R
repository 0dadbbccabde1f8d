## Exports the CSV files of the survey-design reference cases from R's own
## data sets (package survey 4.1.1). Run from the repository root:
##
##   Rscript tests/ref/survey_data.R
##
## Writes tests/data/{nhanes,nhanes_lonely,nhanes_brr,apistrat,
## apistrat_lonely,apiclus1,apiclus2}.csv. Deterministic (the bootstrap
## replicate weights use set.seed). Column names: R's dots become
## underscores (sch.wide -> sch_wide, acs.k3 -> acs_k3). See
## tests/data/README.md for what each file holds.
suppressPackageStartupMessages(library(survey))
data(api); data(nhanes)
out <- "tests/data"
wcsv <- function(d, f) {
  names(d) <- gsub(".", "_", names(d), fixed = TRUE)
  for (v in names(d)) if (is.factor(d[[v]])) d[[v]] <- as.character(d[[v]])
  write.csv(d, file.path(out, f), row.names = FALSE, na = "")
  cat(sprintf("%s: %d rows, %d columns\n", f, nrow(d), ncol(d)))
}
api4 <- function(a) as.character(cut(a, c(-Inf, 600, 700, 800, Inf), right = FALSE,
                                     labels = c("low", "lower-mid", "upper-mid", "high")))

## NHANES 2009-10 (survey::nhanes): strata SDMVSTRA, PSUs SDMVPSU, MEC weights.
nh <- nhanes
nh$female <- as.integer(nh$RIAGENDR == 2)
wcsv(nh, "nhanes.csv")

## One stratum left with a single PSU: PSU 2 of stratum 89 removed.
wcsv(nh[!(nh$SDMVSTRA == 89 & nh$SDMVPSU == 2), ], "nhanes_lonely.csv")

## BRR and Fay replicate weights: the 14 strata with exactly two PSUs
## (stratum 86, which has three, left out); survey's Hadamard-based
## half-samples; Fay with rho = 0.3. Columns brr1..brrR and fay1..fayR hold
## full replicate weights (sampling weight x replicate factor).
nb <- nh[nh$SDMVSTRA != 86, ]
des <- svydesign(ids = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = nb)
brr <- as.svrepdesign(des, type = "BRR")
fay <- as.svrepdesign(des, type = "Fay", fay.rho = 0.3)
rb <- weights(brr, "analysis"); rf <- weights(fay, "analysis")
colnames(rb) <- paste0("brr", seq_len(ncol(rb))); colnames(rf) <- paste0("fay", seq_len(ncol(rf)))
wcsv(cbind(nb, rb, rf), "nhanes_brr.csv")

## apistrat: stratified by school type, fpc = schools in the stratum's
## population; Rao-Wu (n - 1) bootstrap replicate weights bs1..bs50
## (survey's subbootstrap, seed 20240501), full weights.
keep_api <- c("cds", "stype", "snum", "dnum", "api00", "sch.wide", "awards",
              "meals", "ell", "mobility", "acs.k3", "enroll", "pw")
set.seed(20240501)
dst <- svydesign(ids = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
bs <- as.svrepdesign(dst, type = "subbootstrap", replicates = 50)
rw <- weights(bs, "analysis"); colnames(rw) <- paste0("bs", 1:50)
as_ <- apistrat[, c(keep_api, "fpc")]; as_$api4 <- api4(as_$api00)
wcsv(cbind(as_, rw), "apistrat.csv")

## apistrat with the high-school stratum cut to its first school: a
## single-PSU stratum with fpc 755.
al <- as_[as_$stype != "H" | as_$snum == as_$snum[as_$stype == "H"][1], ]
wcsv(al, "apistrat_lonely.csv")

## apiclus1: one-stage cluster sample of 15 districts (dnum) of 757, fpc 757;
## delete-one-district jackknife weights rw1..rw15 (survey's JK1; the
## fpc changes only survey's scale, not the weights).
d1 <- svydesign(ids = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
jk <- as.svrepdesign(d1, type = "JK1")
rj <- weights(jk, "analysis"); colnames(rj) <- paste0("rw", seq_len(ncol(rj)))
a1 <- apiclus1[, c(keep_api, "fpc")]; a1$api4 <- api4(a1$api00)
wcsv(cbind(a1, rj), "apiclus1.csv")

## apiclus2: two-stage sample, 40 districts (fpc1 = 757) then up to 5
## schools each (fpc2 = schools in the district). acs.k3 is missing for
## middle and high schools: five districts have no row with it.
a2 <- apiclus2[, c(keep_api, "fpc1", "fpc2")]; a2$api4 <- api4(a2$api00)
wcsv(a2, "apiclus2.csv")
