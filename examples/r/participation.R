# Who takes part in community governance? The partreg R package on the
# example survey: a binary logit with cluster-robust errors and average
# marginal effects, an ordinal model of willingness, and predictions.
#   Rscript examples/r/participation.R [examples/data/participation_survey.csv]
library(partreg)

args <- commandArgs(trailingOnly = TRUE)
path <- if (length(args)) args[1] else {
  here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1]))
  file.path(here, "..", "data", "participation_survey.csv")
}
df <- read.csv(path, stringsAsFactors = FALSE)

# binary: who participated, standard errors clustered by community
r <- partreg_fit(participated ~ social_capital + insured + age + education + log(income), df,
                 vcov = "cluster", cluster = "community", margins = TRUE)
print(summary(r))
print(tidy(r)[, c("term", "estimate", "std.error", "p.value")], digits = 4)
print(glance(r))
print(margins(r)[, c("term", "estimate", "std_error")], digits = 4)

# ordinal: willingness 1..5, with male as the reference (a factor's first level)
df$gender <- factor(df$gender, levels = c("male", "female"))
w <- partreg_fit(willingness ~ social_capital + age + gender, df, family = "ordinal")
print(coef(w))
print(confint(w))

# predicted probabilities of each willingness level for two residents
new <- data.frame(social_capital = c(-1, 1), age = c(30, 60),
                  gender = factor(c("female", "male"), levels = c("male", "female")))
print(round(predict(w, new), 3))

# errors are conditions of class partreg_error with the library's message
tryCatch(partreg_fit(participated ~ social_capitl, df),
         partreg_error = function(e) cat(e$status_name, ": ", conditionMessage(e), "\n", sep = ""))
