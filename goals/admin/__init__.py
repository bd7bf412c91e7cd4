"""The secretariat's admin of goals: `papers.py` for goal papers, themes, goals, milestones
and indicators; `status_rounds.py` for the yearly rounds, reports, joint progress, decisions and
reminders. Both build on the region scoping in `municipalities/scoping.py`; the models are
registered here, in one place."""

from django.contrib import admin

from goals.admin.papers import (
    GoalAdmin,
    GoalPaperAdmin,
    IndicatorAdmin,
    MilestoneAdmin,
    ThemeAdmin,
)
from goals.admin.status_rounds import (
    GoalDecisionAdmin,
    JointProgressAdmin,
    ReminderAdmin,
    StatusReportAdmin,
    StatusRoundAdmin,
)
from goals.models import (
    Goal,
    GoalDecision,
    GoalPaper,
    Indicator,
    JointProgress,
    Milestone,
    Reminder,
    StatusReport,
    StatusRound,
    Theme,
)

admin.site.register(GoalPaper, GoalPaperAdmin)
admin.site.register(Theme, ThemeAdmin)
admin.site.register(Goal, GoalAdmin)
admin.site.register(Milestone, MilestoneAdmin)
admin.site.register(Indicator, IndicatorAdmin)
admin.site.register(StatusRound, StatusRoundAdmin)
admin.site.register(StatusReport, StatusReportAdmin)
admin.site.register(JointProgress, JointProgressAdmin)
admin.site.register(GoalDecision, GoalDecisionAdmin)
admin.site.register(Reminder, ReminderAdmin)
