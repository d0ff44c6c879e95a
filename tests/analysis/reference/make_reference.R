# Independent reference values for the SIPAS index engine, from R `survey` 4.1.1.
#   Rscript tests/analysis/reference/make_reference.R   (from the repository root)
# Reads the data sets written by make_data.py and writes reference_<name>.csv.
# The design is built on the valid answers only (one row per answer, the respondent
# is the PSU), so a respondent whose answers are all "not applicable" is not a PSU.
# Every cell is a domain: the design is subset with `[`, which keeps nh (fpc$sampsize)
# of the whole file, as svyby does.
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust", digits = 17)
here <- "tests/analysis/reference"
stopifnot(packageVersion("survey") == "4.1.1")

safe <- function(expr) tryCatch(suppressWarnings(expr), error = function(e) NULL)

ci_prop <- function(sub, method) {
  r <- safe(svyciprop(~sat, sub, method = method, level = 0.95))
  if (is.null(r)) return(c(NA, NA))
  as.numeric(confint(r))
}

# logit and Korn-Graubard intervals for an estimate with linearised se, exactly as
# svyciprop computes them from svymean's estimate and variance.
manual_ci <- function(p, se, df, nA) {
  t <- qt(0.975, df)
  lg <- plogis(qlogis(p) + c(-1, 1) * t * se / (p * (1 - p)))
  neff <- p * (1 - p) / se^2 * (qt(0.025, nA - 1) / qt(0.025, df))^2
  bt <- c(qbeta(0.025, neff * p, neff * (1 - p) + 1), qbeta(0.975, neff * p + 1, neff * (1 - p)))
  c(lg, bt)
}

row_out <- function(group, level, index, rule, est, se, df, nA, nR, ci) {
  data.frame(group = group, level = level, index = index, element_rule = rule,
             estimate = est, se = se, df = df, n_answers = nA, n_respondents = nR,
             logit_low = ci[1], logit_high = ci[2], beta_low = ci[3], beta_high = ci[4],
             stringsAsFactors = FALSE)
}

ratio_row <- function(d, sel, group, level, index, rule) {
  sub <- d[sel, ]
  m <- svymean(~sat, sub)
  ci <- c(ci_prop(sub, "logit"), ci_prop(sub, "beta"))
  row_out(group, level, index, rule, coef(m)[[1]], SE(m)[[1]], degf(sub), nrow(sub),
          length(unique(sub$variables$response_id)), ci)
}

contrast_row <- function(d, sel, by, group, level, index, rule) {
  sub <- d[sel, ]
  b <- svyby(as.formula("~sat"), as.formula(paste0("~", by)), sub, svymean, covmat = TRUE)
  cells <- as.character(b[[by]])
  # mean of the cells; for overall under the mean rule, mean over elements of the
  # mean over the element's answered items
  if (by == "item" && level == "overall") {
    el <- sub$variables$element[match(cells, sub$variables$item)]
    w <- 1 / as.numeric(table(el)[el]) / length(unique(el))
  } else {
    w <- rep(1 / length(cells), length(cells))
  }
  if (length(cells) == 1) {  # vcov.svyby fails on one cell; the contrast is the cell
    cst <- svymean(~sat, sub)
  } else {
    cst <- svycontrast(b, w)
  }
  est <- coef(cst)[[1]]; se <- SE(cst)[[1]]
  row_out(group, level, index, rule, est, se, degf(sub), nrow(sub),
          length(unique(sub$variables$response_id)), manual_ci(est, se, degf(sub), nrow(sub)))
}

independent <- function(x, n) {
  w <- suppressWarnings(prop.test(x, n, correct = FALSE)$conf.int)
  cp <- binom.test(x, n)$conf.int
  jl <- if (x > 0) qbeta(0.025, x + 0.5, n - x + 0.5) else 0
  jh <- if (x < n) qbeta(0.975, x + 0.5, n - x + 0.5) else 1
  c(w[1], w[2], cp[1], cp[2], jl, jh)
}

reference <- function(name, by, weights = NULL, strata = NULL) {
  raw <- read.csv(file.path(here, paste0(name, ".csv")), encoding = "UTF-8",
                  colClasses = "character")
  raw$value <- as.numeric(raw$value)
  d0 <- raw[!is.na(raw$value), ]
  d0$sat <- as.numeric(d0$value >= 4)
  d0$grp <- do.call(paste, c(d0[by], sep = "|"))
  if (!is.null(weights)) d0$w <- as.numeric(d0[[weights]])
  d <- svydesign(ids = ~response_id, data = d0,
                 weights = if (is.null(weights)) NULL else ~w,
                 strata = if (is.null(strata)) NULL else as.formula(paste0("~", strata)))
  items <- unique(raw[c("item", "element")])
  out <- list()
  for (g in sort(unique(d0$grp))) {
    ing <- d0$grp == g
    for (k in items$item) {
      sel <- ing & d0$item == k
      if (!any(sel)) next
      r <- ratio_row(d, sel, g, "item", k, "any")
      x <- sum(d0$sat[sel]); n <- sum(sel)
      out[[length(out) + 1]] <- cbind(r, t(setNames(independent(x, n), c(
        "wilson_low", "wilson_high", "cp_low", "cp_high", "jeffreys_low", "jeffreys_high"))))
    }
    indep_na <- setNames(rep(NA, 6), c("wilson_low", "wilson_high", "cp_low", "cp_high",
                                        "jeffreys_low", "jeffreys_high"))
    for (e in unique(items$element)) {
      sel <- ing & d0$element == e
      if (!any(sel)) next
      out[[length(out) + 1]] <- cbind(ratio_row(d, sel, g, "element", e, "pooled"), t(indep_na))
      out[[length(out) + 1]] <- cbind(
        contrast_row(d, sel, "item", g, "element", e, "mean"), t(indep_na))
    }
    r <- ratio_row(d, ing, g, "pooled", "pooled", "any")
    x <- sum(d0$sat[ing]); n <- sum(ing)
    out[[length(out) + 1]] <- cbind(r, t(setNames(independent(x, n), names(indep_na))))
    out[[length(out) + 1]] <- cbind(
      contrast_row(d, ing, "item", g, "overall", "overall", "mean"), t(indep_na))
    out[[length(out) + 1]] <- cbind(
      contrast_row(d, ing, "element", g, "overall", "overall", "pooled"), t(indep_na))
  }
  res <- do.call(rbind, out)
  if (!is.null(weights)) res[c("wilson_low", "wilson_high", "cp_low", "cp_high",
                               "jeffreys_low", "jeffreys_high")] <- NA
  write.csv(res, file.path(here, paste0("reference_", name, ".csv")), row.names = FALSE,
            fileEncoding = "UTF-8", na = "")
  cat(name, nrow(res), "rows\n")
}

reference("basic", by = c("unit", "field"))
reference("weighted", by = c("unit"), weights = "weight", strata = "district")
