"""Reporting: the SQL aggregation path that feeds `analysis` (docs/analysis.md, contract).

Every figure a dashboard, export, report or API shows comes from `compute_indices_sql`,
on the scope `dashboard.report_scope()` builds from a staff query (`query.parse_query`).
"""

from survey_app.reporting.indices import GROUP_COLUMNS, ReportScope, compute_indices_sql

__all__ = ["GROUP_COLUMNS", "ReportScope", "compute_indices_sql"]
