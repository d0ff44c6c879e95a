# Reference for weighting to dossier volumes (issue 17), from R `survey` 4.1.1.
#   Rscript tests/analysis/reference/make_weighting_reference.R   (from the repository root)
# A dossier matches a respondent: the design has ONE ROW PER RESPONDENT (with a scored
# answer), with its satisfied and answered counts (all items: the pooled index; per
# item: the item indices), the unit as stratum and the respondent as cluster. It is
# post-stratified on unit x field (postStratify) or raked on unit x field and
# unit x channel (rake), with the dossier counts of the cells that have respondents
# (a cell with dossiers and no respondent cannot be weighted: it is reported apart).
# Then svyratio(~sat, ~ans) per unit (domain = subset) and over the whole file, and
# degf of the domain; the element indices (mean of their items' ratios) and the overall
# index (mean of the elements) by svyratio of every item (covmat = TRUE) + svycontrast.
# Output: reference_weighting.csv.
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust", digits = 17)
here <- "tests/analysis/reference"
stopifnot(packageVersion("survey") == "4.1.1")

raw <- read.csv(file.path(here, "weighting_answers.csv"), colClasses = "character")
raw$value <- as.numeric(raw$value)
a <- raw[!is.na(raw$value), ]
a$sat <- as.numeric(a$value >= 4)
items <- sort(unique(a$item))
resp <- unique(a[c("response_id", "unit", "period", "field", "channel")])
resp$sat <- as.numeric(tapply(a$sat, a$response_id, sum)[resp$response_id])
resp$ans <- as.numeric(table(a$response_id)[resp$response_id])
for (k in items) {
  s <- a[a$item == k, ]
  resp[[paste0("sat_", k)]] <- ifelse(resp$response_id %in% s$response_id,
    s$sat[match(resp$response_id, s$response_id)], 0)
  resp[[paste0("ans_", k)]] <- as.numeric(resp$response_id %in% s$response_id)
}
resp$uf <- paste(resp$unit, resp$field, sep = "|")
resp$uc <- paste(resp$unit, resp$channel, sep = "|")
d <- svydesign(ids = ~response_id, strata = ~unit, data = resp, weights = ~1)

vol <- read.csv(file.path(here, "weighting_volumes.csv"), colClasses = "character")
vol$uf <- paste(vol$unit_code, vol$field_code, sep = "|")
pop <- data.frame(uf = vol$uf, Freq = as.numeric(vol$received))
pop <- pop[pop$uf %in% resp$uf, ]  # cells with respondents; the others are reported apart
ps <- postStratify(d, ~uf, pop)

mar <- read.csv(file.path(here, "weighting_margins.csv"), colClasses = "character")
mf <- mar[mar$field_code != "", ]; mc <- mar[mar$channel != "", ]
popf <- data.frame(uf = paste(mf$unit_code, mf$field_code, sep = "|"),
                   Freq = as.numeric(mf$received))
popc <- data.frame(uc = paste(mc$unit_code, mc$channel, sep = "|"),
                   Freq = as.numeric(mc$received))
rk <- rake(d, list(~uf, ~uc), list(popf, popc),
           control = list(maxit = 1000, epsilon = 1e-12, verbose = FALSE))

rows <- list()
for (w in c("poststratify", "rake")) {
  des <- if (w == "poststratify") ps else rk
  for (g in c(sort(unique(resp$unit)), "*")) {
    sub <- if (g == "*") des else subset(des, unit == g)
    for (k in c("pooled", items)) {
      num <- if (k == "pooled") ~sat else as.formula(paste0("~sat_", k))
      den <- if (k == "pooled") ~ans else as.formula(paste0("~ans_", k))
      r <- svyratio(num, den, sub)
      rows[[length(rows) + 1]] <- data.frame(
        weighting = w, unit = g, index = k, estimate = as.numeric(coef(r)),
        se = as.numeric(SE(r)), design_df = degf(sub), stringsAsFactors = FALSE)
    }
    stopifnot(all(colSums(sub$variables[paste0("ans_", items)] * (weights(sub) > 0)) > 0))
    r <- svyratio(as.formula(paste("~", paste0("sat_", items, collapse = "+"))),
                  as.formula(paste("~", paste0("ans_", items, collapse = "+"))),
                  sub, covmat = TRUE)
    el <- unique(raw[c("item", "element")]); el <- el[match(items, el$item), "element"]
    on <- paste0("sat_", items, "/ans_", items)
    contrasts <- list()
    for (e in unique(el)) contrasts[[e]] <- setNames((el == e) / sum(el == e), on)
    contrasts[["overall"]] <- setNames(1 / as.numeric(table(el)[el]) / length(unique(el)), on)
    cst <- svycontrast(r, lapply(contrasts, function(v) {
      full <- setNames(rep(0, length(coef(r))), names(coef(r))); full[names(v)] <- v; full }))
    rows[[length(rows) + 1]] <- data.frame(
      weighting = w, unit = g, index = names(contrasts), estimate = as.numeric(coef(cst)),
      se = as.numeric(SE(cst)), design_df = degf(sub), stringsAsFactors = FALSE)
  }
}
out <- do.call(rbind, rows)
write.csv(out, file.path(here, "reference_weighting.csv"), row.names = FALSE)
w <- data.frame(response_id = resp$response_id, poststratify = weights(ps),
                rake = weights(rk))
write.csv(w, file.path(here, "reference_weighting_weights.csv"), row.names = FALSE)
cat(nrow(out), "rows\n")
