# The seed corpus of the SPSS/Stata fuzz harness (tests/fuzz/corpus/survey/
# haven-*): one small survey written by R's haven in every Stata format it
# writes (8 to 15) and as SPSS uncompressed, byte-compressed and zlib-
# compressed. Variable names have two letters or more: haven 2.5.1 refuses
# one-letter names for Stata formats before 14. Made with haven 2.5.1,
# R 4.2.2. The regress-* files are these with bytes changed (see
# tests/test_table_readstat.c). Run from tests/fuzz/corpus/survey:
#   Rscript ../../../ref/survey_seeds.R
# (the files carry the time they were written, so a new run differs there).
library(haven)
d <- data.frame(
  out = labelled(c(1, 2, 3, 2, 1, 3), c(low = 1, mid = 2, high = 3)),
  x1 = c(0.5, -1.25, 2, NA, 3.5, 1e-3),
  grp = c("a", "b", "a", "", "caf\u00e9", "b"),
  stringsAsFactors = FALSE)
d$sx <- labelled(c(1, 0, 1, 1, 0, NA), c(no = 0, yes = 1))
for (v in 8:15) write_dta(d, sprintf("haven-stata%d.dta", v), version = v)
write_sav(d, "haven-spss-uncompressed.sav", compress = "none")
write_sav(d, "haven-spss-compressed.sav", compress = "byte")
write_sav(d, "haven-spss-zlib.zsav", compress = "zsav")

# The reproducers, from haven-stata8.dta (format 113) and haven-stata14.dta:
# - regress-lbllist-unterminated.dta: the lbllist entry of the last
#   variable (sx, bytes 402-434) and its label table's name (bytes
#   1027-1059) filled with 33 'L' and no NUL;
# - regress-duplicate-names.dta: the second variable renamed "out";
# - regress-invalid-utf8.dta: "caf\u00e9" in grp replaced by bytes
#   63 FF FE 1B 21.
b <- readBin("haven-stata8.dta", "raw", 2000)
l <- b; l[403:435] <- charToRaw(strrep("L", 33)); l[1028:1060] <- charToRaw(strrep("L", 33))
writeBin(l, "regress-lbllist-unterminated.dta")
u <- b; u[147:150] <- c(charToRaw("out"), as.raw(0))
writeBin(u, "regress-duplicate-names.dta")
b14 <- readBin("haven-stata14.dta", "raw", 8000)
i <- grepRaw(charToRaw("caf\u00e9"), b14)
b14[i:(i + 4)] <- as.raw(c(0x63, 0xff, 0xfe, 0x1b, 0x21))
writeBin(b14, "regress-invalid-utf8.dta")
