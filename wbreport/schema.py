"""The data contract of SPEC §2: tables, columns, column types and allowed values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from wbreport.partners import ALL_CODES, NATIONAL_CODES
from wbreport.registry import BUILTIN, BUILTIN_NAMES

ColumnType = Literal["id", "text", "code", "date", "bool", "int", "number", "period"]

ACTIVITY_TYPES = (
    "training",
    "train_the_trainers",
    "workshop",
    "expert_meeting",
    "study_visit",
    "tool_handover",
)
MODULE_TYPES = ("training", "train_the_trainers")
SCOPES = ("national", "regional")
DELIVERY = ("in_person", "virtual", "blended")
ACTIVITY_STATUS = ("planned", "delivered", "cancelled")
FRAMEWORKS = (
    "first_generation_roadmap",
    "second_generation_roadmap",
    "advanced_cooperation_framework",
)
MILESTONE_STATUS = ("not_started", "in_progress", "achieved", "dropped")
LANGUAGES = ("en", "sq", "bs", "hr", "sr-Latn", "sr-Cyrl", "mk", "cnr")
TOOL_STATUS = ("planned", "in_translation", "published")

# The indicator names of SPEC §4 and §8 in their order; everything else about an indicator
# lives in the registry (wbreport.registry).
INDICATORS: tuple[str, ...] = BUILTIN_NAMES
RATIO_INDICATORS = frozenset(i.name for i in BUILTIN if i.decimals is not None)
LOWER_IS_BETTER = frozenset(i.name for i in BUILTIN if i.lower_is_better)
EVALUATED_TYPES = ("training", "train_the_trainers", "workshop")
TARGET_SCOPES = ("period", "to_date")
RESULT_LEVELS = ("impact", "outcome", "output")
UNITS = ("count", "share", "score", "points")
DIRECTIONS = ("higher", "lower")
CUSTOM_NAME_PATTERN = r"[a-z][a-z0-9_]{0,63}"


@dataclass(frozen=True)
class Column:
    """One column of a table: its type, whether it must be present or may be empty, and its
    allowed values or pattern."""

    name: str
    type: ColumnType
    required: bool = True  # the column must be present in the table
    nullable: bool = False  # an empty cell is allowed
    allowed: tuple[str, ...] = ()
    pattern: str | None = None


@dataclass(frozen=True)
class Table:
    """One table of the data package: its columns, unique keys and whether it is required."""

    name: str
    columns: tuple[Column, ...]
    unique: tuple[tuple[str, ...], ...] = field(default=())
    required: bool = True

    @property
    def column_names(self) -> tuple[str, ...]:
        """The names of the columns, in order."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        return next(c for c in self.columns if c.name == name)


ID_PATTERN = r"[A-Za-z0-9_-]{1,64}"

ACTIVITIES = Table(
    "activities",
    (
        Column("activity_id", "id", pattern=ID_PATTERN),
        Column("title", "text"),
        Column("type", "code", allowed=ACTIVITY_TYPES),
        Column("module", "text", nullable=True),
        Column("scope", "code", allowed=SCOPES),
        Column("partner", "code", allowed=ALL_CODES),
        Column("start_date", "date"),
        Column("end_date", "date"),
        Column("delivery", "code", allowed=DELIVERY),
        Column("status", "code", allowed=ACTIVITY_STATUS),
        Column("organisers", "text", nullable=True),
        Column("led_by_certified_trainer", "bool", nullable=True),
    ),
    unique=(("activity_id",),),
)
PARTICIPATION = Table(
    "participation",
    (
        Column("activity_id", "id", pattern=ID_PATTERN),
        Column("partner", "code", allowed=NATIONAL_CODES),
        Column("participants", "int"),
        Column("women", "int"),
        Column("certified_trainers", "int"),
    ),
    unique=(("activity_id", "partner"),),
)
MILESTONES = Table(
    "milestones",
    (
        Column("milestone_id", "id"),
        Column("partner", "code", allowed=NATIONAL_CODES),
        Column("framework", "code", allowed=FRAMEWORKS),
        Column("priority_area", "text"),
        Column("description", "text", nullable=True),
        Column("due_date", "date"),
        Column("status", "code", allowed=MILESTONE_STATUS),
        Column("achieved_date", "date", nullable=True),
        Column("chapter24_ref", "text", required=False, nullable=True),
    ),
    unique=(("milestone_id",),),
)
TOOLS = Table(
    "tools",
    (
        Column("tool_id", "id"),
        Column("title", "text"),
        Column("partner", "code", allowed=NATIONAL_CODES),
        Column("language", "code", allowed=LANGUAGES),
        Column("status", "code", allowed=TOOL_STATUS),
        Column("published_date", "date", nullable=True),
    ),
    unique=(("tool_id", "partner", "language"),),
)
TARGETS = Table(
    "targets",
    (
        # a built-in name or a custom indicator declared in indicator_definitions (§9);
        # checked against both by validation
        Column("indicator", "text"),
        Column("partner", "code", allowed=ALL_CODES),
        Column("period", "period"),
        Column("baseline", "number", nullable=True),
        Column("target", "number"),
        Column("scope", "code", required=False, nullable=True, allowed=TARGET_SCOPES),
    ),
    unique=(("indicator", "partner", "period", "scope"),),
    required=False,
)
EVALUATIONS = Table(
    "evaluations",
    (
        Column("activity_id", "id", pattern=ID_PATTERN),
        Column("partner", "code", allowed=NATIONAL_CODES),
        Column("respondents", "int"),
        Column("satisfaction_1", "int"),
        Column("satisfaction_2", "int"),
        Column("satisfaction_3", "int"),
        Column("satisfaction_4", "int"),
        Column("satisfaction_5", "int"),
        Column("useful", "int"),
        Column("pre_tested", "int"),
        Column("post_tested", "int"),
        Column("pre_score_mean", "number", nullable=True),
        Column("post_score_mean", "number", nullable=True),
        Column("passed", "int"),
    ),
    unique=(("activity_id", "partner"),),
    required=False,
)
FOLLOWUPS = Table(
    "followups",
    (
        Column("activity_id", "id", pattern=ID_PATTERN),
        Column("partner", "code", allowed=NATIONAL_CODES),
        Column("survey_date", "date"),
        Column("respondents", "int"),
        Column("applying", "int"),
    ),
    unique=(("activity_id", "partner", "survey_date"),),
    required=False,
)
RESULTS = Table(
    "results",
    (
        Column("result_id", "id", pattern=ID_PATTERN),
        Column("level", "code", allowed=RESULT_LEVELS),
        Column("parent_id", "text", nullable=True),
        Column("partner", "code", allowed=ALL_CODES),
        Column("statement", "text"),
        Column("indicators", "text", nullable=True),
        Column("means_of_verification", "text", required=False, nullable=True),
    ),
    unique=(("result_id",),),
    required=False,
)
INDICATOR_DEFINITIONS = Table(
    "indicator_definitions",
    (
        Column("indicator", "id", pattern=CUSTOM_NAME_PATTERN),
        Column("label", "text"),
        Column("unit", "code", allowed=UNITS),
        Column("direction", "code", allowed=DIRECTIONS),
    ),
    unique=(("indicator",),),
    required=False,
)
OBSERVATIONS = Table(
    "observations",
    (
        Column("indicator", "text"),
        Column("partner", "code", allowed=ALL_CODES),
        Column("period", "period"),
        Column("value", "number"),
        Column("source", "text", required=False, nullable=True),
    ),
    unique=(("indicator", "partner", "period"),),
    required=False,
)

TABLES: tuple[Table, ...] = (
    ACTIVITIES,
    PARTICIPATION,
    MILESTONES,
    TOOLS,
    TARGETS,
    EVALUATIONS,
    FOLLOWUPS,
    RESULTS,
    INDICATOR_DEFINITIONS,
    OBSERVATIONS,
)
TABLES_BY_NAME = {t.name: t for t in TABLES}
