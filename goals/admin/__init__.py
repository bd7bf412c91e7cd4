"""The secretariat's admin of goals: `papers.py` for goal papers, themes, goals, milestones
and indicators; `series.py` for the indicators' series from public sources; `imports.py` the
imports of a paper from a spreadsheet and of a series from a file; `status_rounds.py` for the
yearly rounds, reports, joint progress, decisions and reminders. All build on the region scoping in `municipalities/scoping.py`; the models are
registered here, in one place, but for the status round: its admin publishes, which is the
read side's use case, so `reports/admin.py` registers it with that action."""

from django.contrib import admin

from goals.admin.papers import GoalAdmin
from goals.admin.papers import GoalPaperAdmin
from goals.admin.papers import IndicatorAdmin
from goals.admin.papers import MilestoneAdmin
from goals.admin.papers import ThemeAdmin
from goals.admin.series import IndicatorSeriesAdmin
from goals.admin.status_rounds import GoalDecisionAdmin
from goals.admin.status_rounds import JointProgressAdmin
from goals.admin.status_rounds import ReminderAdmin
from goals.admin.status_rounds import StatusReportAdmin
from goals.models import Goal
from goals.models import GoalDecision
from goals.models import GoalPaper
from goals.models import Indicator
from goals.models import IndicatorSeries
from goals.models import JointProgress
from goals.models import Milestone
from goals.models import Reminder
from goals.models import StatusReport
from goals.models import Theme

admin.site.register(GoalPaper, GoalPaperAdmin)
admin.site.register(Theme, ThemeAdmin)
admin.site.register(Goal, GoalAdmin)
admin.site.register(Milestone, MilestoneAdmin)
admin.site.register(Indicator, IndicatorAdmin)
admin.site.register(IndicatorSeries, IndicatorSeriesAdmin)
admin.site.register(StatusReport, StatusReportAdmin)
admin.site.register(JointProgress, JointProgressAdmin)
admin.site.register(GoalDecision, GoalDecisionAdmin)
admin.site.register(Reminder, ReminderAdmin)
