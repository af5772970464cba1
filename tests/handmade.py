"""A small hand-made package whose indicators are worked out by hand in test_indicators."""

from __future__ import annotations

ACTIVITIES = [
    dict(
        activity_id="A1",
        type="training",
        module="Inclusion",
        end_date="2020-10-15",
        led_by_certified_trainer="TRUE",
    ),
    dict(
        activity_id="A2",
        type="training",
        module="Inclusion",
        end_date="2020-11-10",
        delivery="virtual",
    ),
    dict(
        activity_id="A3",
        type="train_the_trainers",
        module="Interview",
        end_date="2020-12-31",
        delivery="blended",
    ),
    dict(activity_id="A4", status="cancelled", end_date="2020-11-01"),
    dict(
        activity_id="A5",
        type="training",
        module="Reception",
        start_date="2020-09-20",
        end_date="2020-10-01",
        led_by_certified_trainer="true",
    ),
    dict(
        activity_id="A6",
        type="training",
        module="Inclusion",
        start_date="2020-12-30",
        end_date="2021-01-01",
        led_by_certified_trainer="true",
    ),
    dict(
        activity_id="A7",
        scope="regional",
        partner="WB",
        end_date="2020-10-20",
        delivery="virtual",
        organisers="UNHCR;IOM",
    ),
    dict(
        activity_id="A8",
        scope="regional",
        partner="WB",
        type="train_the_trainers",
        module="Interview",
        start_date="2020-09-14",
        end_date="2020-09-15",
    ),
    dict(
        activity_id="A9",
        partner="RS",
        type="training",
        module="Inclusion",
        end_date="2020-12-01",
        led_by_certified_trainer="True",
    ),
    dict(
        activity_id="A10",
        scope="regional",
        partner="WB",
        status="planned",
        start_date="2021-02-01",
        end_date="2021-02-01",
    ),
]
PARTICIPATION = [
    dict(activity_id="A1", participants=10, women=6),
    dict(activity_id="A2", participants=12, women=4),
    dict(activity_id="A3", participants=6, women=3, certified_trainers=5),
    dict(activity_id="A4", participants=0, women=0),
    dict(activity_id="A5", participants=8, women=8),
    dict(activity_id="A6", participants=9, women=1),
    dict(activity_id="A7", participants=5, women=2),
    dict(activity_id="A7", partner="BA", participants=0, women=0),
    dict(activity_id="A7", partner="RS", participants=8, women=4),
    dict(activity_id="A8", participants=4, women=3, certified_trainers=2),
    dict(activity_id="A8", partner="XK", participants=3, women=1, certified_trainers=1),
    dict(activity_id="A9", partner="RS", participants=20, women=12),
]
MILESTONES = [
    dict(milestone_id="M1", due_date="2020-06-30", status="achieved", achieved_date="2020-05-01"),
    dict(milestone_id="M2", due_date="2020-12-31", status="achieved", achieved_date="2021-01-15"),
    dict(milestone_id="M3", due_date="2020-09-30", status="dropped"),
    dict(milestone_id="M4", due_date="2021-03-31", status="in_progress"),
    dict(milestone_id="M5", due_date="2020-11-30", status="achieved", achieved_date="2020-12-31"),
    dict(milestone_id="M6", partner="ME", due_date="2019-12-31", status="in_progress"),
]
TOOLS = [
    dict(tool_id="T1", status="published", published_date="2020-11-01"),
    dict(tool_id="T1", language="en", status="published", published_date="2019-05-01"),
    dict(tool_id="T2", status="published", published_date="2021-02-01"),
    dict(tool_id="T2", partner="XK", status="published", published_date="2020-10-10"),
    dict(tool_id="T3", partner="XK", language="sr-Latn", status="in_translation"),
    dict(
        tool_id="T1",
        partner="XK",
        language="sr-Latn",
        status="published",
        published_date="2020-12-31",
    ),
]
TARGETS = [
    dict(indicator="participants", partner="AL", target=50),
    dict(indicator="women_share", partner="WB", baseline=0.5, target=0.5),
    dict(indicator="activities_delivered", partner="RS", baseline=1, target=2),
    dict(indicator="participants", partner="BA", baseline=0, target=10),
    dict(indicator="women_share", partner="BA", target=0.5),
    dict(indicator="participants", partner="RS", period="2020Q3", target=1),
]
