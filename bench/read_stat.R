# The .sav/.dta half of bench/read_csv.sh: writes the numeric bench CSV as
# SPSS and Stata files with haven (once; kept beside the CSV), then times
# haven::read_sav and haven::read_dta on them, best of REPEATS, wall
# (elapsed) and CPU (user + system) from proc.time().
# Usage: Rscript bench/read_stat.R CSV SAV DTA [REPEATS]
args <- commandArgs(trailingOnly = TRUE)
csv <- args[1]; sav <- args[2]; dta <- args[3]
reps <- if (length(args) > 3) as.integer(args[4]) else 5L
suppressPackageStartupMessages(library(haven))
if (!file.exists(sav) || !file.exists(dta)) {
  d <- data.table::fread(csv, data.table = FALSE)
  if (!file.exists(sav)) write_sav(d, sav)
  if (!file.exists(dta)) write_dta(d, dta)
}
best <- function(f, path) {
  wall <- cpu <- numeric(reps)
  for (r in seq_len(reps)) {
    invisible(gc())
    t0 <- proc.time()
    d <- f(path)
    t1 <- proc.time() - t0
    wall[r] <- t1[["elapsed"]]
    cpu[r] <- t1[["user.self"]] + t1[["sys.self"]]
    stopifnot(nrow(d) > 0)
  }
  sprintf("wall best %.3f s, median %.3f s; CPU best %.3f s; over %d runs (%d x %d)",
          min(wall), median(wall), min(cpu), reps, nrow(d), ncol(d))
}
cat(sprintf("haven %s read_sav: %s\n", packageVersion("haven"), best(read_sav, sav)))
cat(sprintf("haven %s read_dta: %s\n", packageVersion("haven"), best(read_dta, dta)))
