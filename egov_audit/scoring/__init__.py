"""Scoring: frameworks (config/frameworks/*.yaml) turn findings, self-reports and reviewer decisions into
indicator points, achieved and readiness levels, cross-check outcomes and rankings (CRITERIA.md §4).
Pure and deterministic: nothing here reads the database or the network."""

from egov_audit.scoring.engine import (
    CrosscheckResult,
    DecisionInput,
    FindingInput,
    IndicatorScore,
    SurveySource,
    UnitInput,
    UnitScore,
    score_units,
    scores_export,
)
from egov_audit.scoring.framework import (
    Framework,
    FrameworkError,
    Indicator,
    SurveyField,
    list_frameworks,
    load_framework,
    load_survey_fields,
)

__all__ = [
    "CrosscheckResult",
    "DecisionInput",
    "FindingInput",
    "Framework",
    "FrameworkError",
    "Indicator",
    "IndicatorScore",
    "SurveyField",
    "SurveySource",
    "UnitInput",
    "UnitScore",
    "list_frameworks",
    "load_framework",
    "load_survey_fields",
    "score_units",
    "scores_export",
]
