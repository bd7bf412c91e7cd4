"""The API's vocabularies: one named schema component per concept (`GoalStateEnum`, …), which
every field and filter of that concept refers to, so a generated client has one class per
concept, with the same English name whatever the schema's language. The values are the
codes the models store; their labels (Danish, or English in the English schema) are in the
component's description. `kkrmaal.api.schema` adds the components to the schema.

A concept whose value may be blank says so in its values: `LineStatusEnum` has "" for a
line nobody answered (one enum, not a status enum and a `BlankEnum`).
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from goals.evaluation import GOAL_EVALUATIONS
from goals.evaluation import Evaluation
from goals.models import Goal
from goals.models import GoalDecision
from goals.models import GoalPaper
from goals.models import Indicator
from goals.models import Milestone
from goals.models import MilestoneStatus
from goals.models import StatusReport
from goals.models import StatusRound

ENUMS = {
    "PaperKindEnum": GoalPaper.Kind.choices,
    "PaperStateEnum": GoalPaper.State.choices,
    "GoalKindEnum": Goal.Kind.choices,
    "GoalStateEnum": Goal.State.choices,
    "MilestoneScopeEnum": Milestone.Scope.choices,
    "IndicatorDirectionEnum": Indicator.Direction.choices,
    "RoundStateEnum": StatusRound.State.choices,
    "ReportStateEnum": StatusReport.State.choices,
    "LineStatusEnum": [("", _("ikke besvaret")), *MilestoneStatus.Status.choices],
    "EvaluationEnum": Evaluation.choices,
    "VerdictEnum": [(value, Evaluation(value).label) for value in GOAL_EVALUATIONS],
    "DecisionEnum": GoalDecision.Decision.choices,
}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def component(name):
    """The schema component of the enum `name`, its labels in the active language."""
    choices = ENUMS[name]
    return {
        "type": "string",
        "enum": [value for value, _label in choices],
        "description": "\n".join(f"* `{value}` - {label}" for value, label in choices),
    }


_field_classes = {}


def enum_field(name, **kwargs):
    """A serializer ChoiceField of the enum `name`, documented as a reference to it. (The
    reference sits on a class of its own: DRF copies fields by their arguments.)"""
    if name not in _field_classes:
        field_class = type(f"{name}Field", (serializers.ChoiceField,), {})
        _field_classes[name] = extend_schema_field(ref(name))(field_class)
    return _field_classes[name](choices=ENUMS[name], **kwargs)


class EnumFilter(django_filters.ChoiceFilter):
    """A query filter on one of the enums, documented as a reference to it."""

    def __init__(self, name, help_text, **kwargs):
        values = [(value, label) for value, label in ENUMS[name] if value]
        super().__init__(choices=values, help_text=help_text, **kwargs)
        extend_schema_field({**ref(name), "description": help_text})(self)
