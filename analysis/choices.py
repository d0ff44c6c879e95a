"""The options of the engine, as plain names (no numpy, no scipy): the command line
builds its parser from them without loading the statistics."""

__all__ = ["ADJUSTMENTS", "ELEMENT_RULES", "LEVELS", "METHODS"]

#: Interval methods (analysis.methods.interval_table).
METHODS = ("logit", "beta", "wilson", "clopper-pearson", "jeffreys")
#: Index levels and element rules (analysis.engine).
LEVELS = ("item", "element", "overall", "pooled")
ELEMENT_RULES = ("mean", "pooled")
#: p-value adjustments, our names → statsmodels' names (analysis.multiple). ``holm``
#: controls the family-wise error rate, ``bh`` the false discovery rate (expected
#: share of false flags among the flags).
ADJUSTMENTS = {"holm": "holm", "bh": "fdr_bh", "none": None}
WEIGHTINGS = ("poststratify", "rake")  # analysis.weighting
OVERDISPERSION = ("none", "multiplicative", "additive")  # analysis.funnel
