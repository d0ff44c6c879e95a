"""Figures for reports (matplotlib, no pyplot state): each function returns a
:class:`matplotlib.figure.Figure`; :func:`save_figure` writes PNG and SVG.

Labels are Vietnamese by default (``locale="en"`` for English); percentages use the
decimal comma in Vietnamese ("92,5%"). See :mod:`analysis.figures.style`.
"""

from analysis.figures.distribution import answer_shares, distribution_plot
from analysis.figures.forest import forest_plot
from analysis.figures.heatmap import heatmap
from analysis.figures.priority_matrix import priority_matrix
from analysis.figures.style import percent, save_figure
from analysis.figures.trend import trend_plot

__all__ = ["forest_plot", "heatmap", "trend_plot", "distribution_plot", "answer_shares",
           "priority_matrix", "save_figure", "percent"]
