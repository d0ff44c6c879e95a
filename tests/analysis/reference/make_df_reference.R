# Independent reference for the Satterthwaite df of the engine (docs/analysis.md,
# "Degrees of freedom"), from R `survey` 4.1.1 influence functions, and the intervals
# svyciprop gives with that df.
#   Rscript tests/analysis/reference/make_df_reference.R   (from the repository root)
# Same data and design as make_reference.R (one row per valid answer, respondent = PSU,
# domain = subset of the whole design). For each cell, R's influence functions
# (svymean(influence = TRUE); svyby(influence = TRUE) + svycontrast for means of
# ratios) are summed per PSU: z_i. Respondent i's term of the variance is
# e_i = n_h/(n_h - 1) (z_i - zbar_h)^2 over EVERY PSU of its stratum in the whole design
# (those outside the domain have z = 0), or z_i^2 for a lonely PSU; V = sum e_i (checked
# against SE^2), df = min(degf(domain), V^2 / sum e_i^2).
# Ratio rows: svyciprop(method = "logit", df = df); Korn-Graubard ("beta": svyciprop
# ignores `df` there and uses degf) by svyciprop's formula with df. Means of ratios: the
# same formulas on svycontrast's estimate and se (manual_ci).
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust", digits = 17)
here <- "tests/analysis/reference"
stopifnot(packageVersion("survey") == "4.1.1")

sat_df <- function(full, sub, inf) {
  psu <- as.character(sub$cluster[, 1])
  z <- rowsum(as.numeric(inf), psu)[, 1]
  strat_of <- tapply(as.character(sub$strata[, 1]), psu, `[`, 1)[names(z)]
  all_psu <- unique(data.frame(psu = as.character(full$cluster[, 1]),
                               strat = as.character(full$strata[, 1])))
  v <- 0; e2 <- 0
  for (h in unique(all_psu$strat)) {
    nh <- sum(all_psu$strat == h)
    zh <- z[strat_of == h]
    if (length(zh) == 0) next
    if (nh == 1) { e <- zh^2 } else {
      zbar <- sum(zh) / nh
      e <- nh / (nh - 1) * c((zh - zbar)^2, rep(zbar^2, nh - length(zh)))
    }
    v <- v + sum(e); e2 <- e2 + sum(e^2)
  }
  list(v = v, df = if (v > 0 && e2 > 0) min(degf(sub), v^2 / e2) else degf(sub))
}

manual_ci <- function(p, se, df, nA) {
  t <- qt(0.975, df)
  lg <- plogis(qlogis(p) + c(-1, 1) * t * se / (p * (1 - p)))
  neff <- p * (1 - p) / se^2 * (qt(0.025, nA - 1) / qt(0.025, df))^2
  bt <- c(qbeta(0.025, neff * p, neff * (1 - p) + 1), qbeta(0.975, neff * p + 1, neff * (1 - p)))
  c(lg, bt)
}

ci_prop <- function(sub, method, df) {
  r <- tryCatch(suppressWarnings(svyciprop(~sat, sub, method = method, df = df)),
                error = function(e) NULL)
  if (is.null(r)) return(c(NA, NA))
  as.numeric(confint(r))
}

row_out <- function(group, level, index, rule, est, se, v, design_df, df, ci) {
  data.frame(group = group, level = level, index = index, element_rule = rule,
             estimate = est, se = se, var_from_influence = v, design_df = design_df,
             df = df, logit_low = ci[1], logit_high = ci[2], beta_low = ci[3],
             beta_high = ci[4], stringsAsFactors = FALSE)
}

ratio_row <- function(d, sel, group, level, index, rule) {
  sub <- d[sel, ]
  m <- svymean(~sat, sub, influence = TRUE)
  s <- sat_df(d, sub, attr(m, "influence"))
  # svyciprop(method = "beta") takes its df from degf(design), not from `df`: the
  # Korn-Graubard bounds with this df are svyciprop's formula (manual_ci), checked
  # against svyciprop itself at degf(design) by make_reference.R.
  ci <- c(ci_prop(sub, "logit", s$df),
          manual_ci(coef(m)[[1]], SE(m)[[1]], s$df, nrow(sub))[3:4])
  row_out(group, level, index, rule, coef(m)[[1]], SE(m)[[1]], s$v, degf(sub), s$df, ci)
}

contrast_row <- function(d, sel, by, group, level, index, rule) {
  sub <- d[sel, ]
  b <- svyby(as.formula("~sat"), as.formula(paste0("~", by)), sub, svymean,
             covmat = TRUE, influence = TRUE)
  cells <- as.character(b[[by]])
  if (length(cells) == 1) return(NULL)  # a single cell is a ratio row
  if (by == "item" && level == "overall") {
    el <- sub$variables$element[match(cells, sub$variables$item)]
    w <- 1 / as.numeric(table(el)[el]) / length(unique(el))
  } else {
    w <- rep(1 / length(cells), length(cells))
  }
  cst <- svycontrast(b, w)
  est <- coef(cst)[[1]]; se <- SE(cst)[[1]]
  s <- sat_df(d, sub, attr(cst, "influence"))
  row_out(group, level, index, rule, est, se, s$v, degf(sub), s$df,
          manual_ci(est, se, s$df, nrow(sub)))
}

reference <- function(name, by, weights = NULL, strata = NULL) {
  raw <- read.csv(file.path(here, paste0(name, ".csv")), encoding = "UTF-8",
                  colClasses = "character")
  raw$value <- as.numeric(raw$value)
  d0 <- raw[!is.na(raw$value), ]
  d0$sat <- as.numeric(d0$value >= 4)
  d0$grp <- do.call(paste, c(d0[by], sep = "|"))
  if (!is.null(weights)) d0$w <- as.numeric(d0[[weights]])
  d <- suppressWarnings(svydesign(ids = ~response_id, data = d0,
                 weights = if (is.null(weights)) NULL else ~w,
                 strata = if (is.null(strata)) NULL else as.formula(paste0("~", strata))))
  items <- unique(raw[c("item", "element")])
  out <- list()
  for (g in sort(unique(d0$grp))) {
    ing <- d0$grp == g
    for (k in items$item) {
      sel <- ing & d0$item == k
      if (any(sel)) out[[length(out) + 1]] <- ratio_row(d, sel, g, "item", k, "any")
    }
    for (e in unique(items$element)) {
      sel <- ing & d0$element == e
      if (!any(sel)) next
      out[[length(out) + 1]] <- ratio_row(d, sel, g, "element", e, "pooled")
      out[[length(out) + 1]] <- contrast_row(d, sel, "item", g, "element", e, "mean")
    }
    out[[length(out) + 1]] <- ratio_row(d, ing, g, "pooled", "pooled", "any")
    out[[length(out) + 1]] <- contrast_row(d, ing, "item", g, "overall", "overall", "mean")
    out[[length(out) + 1]] <- contrast_row(d, ing, "element", g, "overall", "overall", "pooled")
  }
  res <- do.call(rbind, out)
  write.csv(res, file.path(here, paste0("reference_df_", name, ".csv")), row.names = FALSE,
            fileEncoding = "UTF-8", na = "")
  cat(name, nrow(res), "rows\n")
}

reference("basic", by = c("unit", "field"))
reference("weighted", by = c("unit"), weights = "weight", strata = "district")
