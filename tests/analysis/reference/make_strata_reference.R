# Units as strata (issue 13, items 1 and 6): reference values from R `survey` 4.1.1.
#   Rscript tests/analysis/reference/make_strata_reference.R   (from the repository root)
# Writes strata_periods.csv (the data: 4 units, 2 periods, 4 items in 2 elements, some
# "not applicable") and reference_strata.csv:
#   kind = cell:   pooled index of every unit x period, and of every period, in ONE design
#                  with the unit as stratum and the respondent as PSU (svymean of the
#                  domain, degf of the domain);
#   kind = change: pooled index after - before, per unit and for the whole file, with
#                  both periods in that design: svyby(~sat, ~period, ..., covmat = TRUE)
#                  then svycontrast (the joint SE, covariance between periods included);
#                  se_separate = sqrt(se_before^2 + se_after^2) for comparison.
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust", digits = 17)
here <- "tests/analysis/reference"
stopifnot(packageVersion("survey") == "4.1.1")

set.seed(13)
units <- c(A = 3, B = 8, C = 15, D = 25)  # respondents per period
base <- c(A = 1.8, B = 0.6, C = 1.2, D = 2.2)
items <- data.frame(item = c("i1", "i2", "i3", "i4"), element = c("E1", "E1", "E2", "E2"))
rows <- list()
rid <- 0
for (period in c("P1", "P2")) for (u in names(units)) for (k in seq_len(units[[u]])) {
  rid <- rid + 1
  person <- rnorm(1)
  shift <- if (period == "P2") 0.5 else 0
  for (j in seq_len(nrow(items))) {
    na <- runif(1) < 0.1
    p <- plogis(base[[u]] + shift + person)
    value <- if (na) NA else if (runif(1) < p) sample(4:5, 1) else sample(1:3, 1)
    rows[[length(rows) + 1]] <- data.frame(response_id = sprintf("r%03d", rid), unit = u,
      period = period, element = items$element[j], item = items$item[j], value = value)
  }
}
data <- do.call(rbind, rows)
write.csv(data, file.path(here, "strata_periods.csv"), row.names = FALSE, na = "")

valid <- data[!is.na(data$value), ]
valid$sat <- as.numeric(valid$value >= 4)
d <- svydesign(ids = ~response_id, strata = ~unit, data = valid)

out <- list()
add <- function(kind, unit, period, est, se, df, se_sep = NA) {
  out[[length(out) + 1]] <<- data.frame(kind = kind, unit = unit, period = period,
    estimate = est, se = se, df = df, se_separate = se_sep, stringsAsFactors = FALSE)
}
for (p in c("P1", "P2")) {
  for (u in names(units)) {
    sub <- d[d$variables$unit == u & d$variables$period == p, ]
    m <- svymean(~sat, sub)
    add("cell", u, p, coef(m)[[1]], SE(m)[[1]], degf(sub))
  }
  sub <- d[d$variables$period == p, ]
  m <- svymean(~sat, sub)
  add("cell", "*", p, coef(m)[[1]], SE(m)[[1]], degf(sub))
}
change <- function(des, label) {
  b <- svyby(~sat, ~period, des, svymean, covmat = TRUE)
  ct <- svycontrast(b, c(P1 = -1, P2 = 1))
  se <- SE(b)
  add("change", label, "P2-P1", coef(ct)[[1]], SE(ct)[[1]], degf(des),
      sqrt(sum(se^2)))
}
for (u in names(units)) change(subset(d, unit == u), u)
change(d, "*")
write.csv(do.call(rbind, out), file.path(here, "reference_strata.csv"), row.names = FALSE)
