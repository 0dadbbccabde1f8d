# Data sets of the random-intercept reference cases (tests/cases/ri/), written
# from R's own copies, deterministically.  Usage (repository root):
#   Rscript tests/ref/ri_data.R
# Writes tests/data/{cbpp_long,cbpp_agg,bacteria,verbagg_sub,soup_resp}.csv.
# (ordinal::wine is tests/data/wine.csv already, checked identical below; the
# participation survey is examples/data/participation_survey.csv, used in place.)
suppressPackageStartupMessages({ library(lme4); library(MASS); library(ordinal) })
out <- "tests/data"
wcsv <- function(d, f) write.csv(d, file.path(out, f), row.names = FALSE, quote = FALSE)

## lme4::cbpp: contagious bovine pleuropneumonia, 15 herds x up to 4 periods,
## `incidence` new cases of `size` animals.  cbpp_long: one 0/1 row per
## animal (herd-period order of cbpp, the cases first); cbpp_agg: the same
## as case-weighted rows (incidence = 1 with count = cases, incidence = 0
## with count = size - cases; rows with count 0 left out).
cb <- lme4::cbpp
long <- do.call(rbind, lapply(seq_len(nrow(cb)), function(i) data.frame(
  herd = as.integer(as.character(cb$herd[i])), period = as.integer(as.character(cb$period[i])),
  incidence = rep(c(1L, 0L), c(cb$incidence[i], cb$size[i] - cb$incidence[i])))))
wcsv(long, "cbpp_long.csv")
agg <- do.call(rbind, lapply(seq_len(nrow(cb)), function(i) data.frame(
  herd = as.integer(as.character(cb$herd[i])), period = as.integer(as.character(cb$period[i])),
  incidence = c(1L, 0L), count = c(cb$incidence[i], cb$size[i] - cb$incidence[i]))))
agg <- agg[agg$count > 0, ]
wcsv(agg, "cbpp_agg.csv")

## MASS::bacteria: presence of H. influenzae (y = n/y) in 50 children (ID)
## at weeks 0, 2, 4, 6, 11; trt placebo / drug / drug+ (R's reference
## placebo; byte order puts drug first, so the cases pass --ref trt=placebo).
bac <- MASS::bacteria
wcsv(data.frame(y = as.character(bac$y), ap = as.character(bac$ap), hilo = as.character(bac$hilo),
                week = bac$week, ID = as.character(bac$ID), trt = as.character(bac$trt)),
     "bacteria.csv")

## lme4::VerbAgg (verbal aggression, 316 respondents x 24 items): every
## fourth respondent (id 1, 5, 9, ..., 313: 79 respondents, 1896 rows).
va <- lme4::VerbAgg
ids <- seq(1L, 316L, by = 4L)
va <- va[as.integer(as.character(va$id)) %in% ids, ]
va <- va[order(as.integer(as.character(va$id)), as.integer(va$item)), ]
wcsv(data.frame(id = as.integer(as.character(va$id)), item = as.character(va$item),
                Anger = va$Anger, Gender = as.character(va$Gender), btype = as.character(va$btype),
                situ = as.character(va$situ), mode = as.character(va$mode),
                resp = as.character(va$resp), r2 = as.character(va$r2)),
     "verbagg_sub.csv")

## ordinal::soup: 185 respondents (RESP) x about 10 tastings, SURENESS 1..6
## of the product (PROD Ref / Test) being the reference or the test soup.
so <- ordinal::soup
wcsv(data.frame(RESP = as.integer(as.character(so$RESP)), PROD = as.character(so$PROD),
                SURENESS = as.integer(as.character(so$SURENESS)), DAY = as.integer(as.character(so$DAY)),
                GENDER = as.character(so$GENDER), AGEGROUP = as.character(so$AGEGROUP)),
     "soup_resp.csv")

## ordinal::wine is tests/data/wine.csv
W <- ordinal::wine; wc <- read.csv(file.path(out, "wine.csv"), stringsAsFactors = FALSE)
stopifnot(all(wc$rating == as.integer(W$rating)), all(wc$temp == as.character(W$temp)),
          all(wc$contact == as.character(W$contact)), all(wc$bottle == as.integer(as.character(W$bottle))),
          all(wc$judge == as.integer(as.character(W$judge))))
