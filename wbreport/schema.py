"""The data contract of SPEC §2: tables, columns, column types and allowed values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from wbreport.partners import ALL_CODES, NATIONAL_CODES

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

INDICATORS: tuple[str, ...] = (
    "activities_delivered",
    "regional_activities",
    "participants",
    "women_share",
    "trainers_certified",
    "certified_trainers_to_date",
    "cascade_sessions",
    "virtual_share",
    "milestones_due",
    "milestones_achieved",
    "milestone_completion_rate",
    "milestones_overdue",
    "translations_published",
    "tools_available",
    "languages_covered",
)
RATIO_INDICATORS = frozenset({"women_share", "virtual_share", "milestone_completion_rate"})
LOWER_IS_BETTER = frozenset({"milestones_overdue"})


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = True  # the column must be present in the table
    nullable: bool = False  # an empty cell is allowed
    allowed: tuple[str, ...] = ()
    pattern: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    unique: tuple[tuple[str, ...], ...] = field(default=())
    required: bool = True

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
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
        Column("indicator", "code", allowed=INDICATORS),
        Column("partner", "code", allowed=ALL_CODES),
        Column("period", "period"),
        Column("baseline", "number", nullable=True),
        Column("target", "number"),
    ),
    unique=(("indicator", "partner", "period"),),
    required=False,
)

TABLES: tuple[Table, ...] = (ACTIVITIES, PARTICIPATION, MILESTONES, TOOLS, TARGETS)
TABLES_BY_NAME = {t.name: t for t in TABLES}
