"""`{{ goal|goal_kind }}`, `{{ goal|goal_state }}`, `{{ paper|paper_state }}`: the public's
names of papers and goals (goals.naming)."""

from django import template

from goals import naming

register = template.Library()

register.filter("goal_kind", naming.goal_kind)
register.filter("goal_state", naming.goal_state)
register.filter("goal_name", naming.goal_name)
register.filter("paper_state", naming.paper_state)
register.filter("paper_state_note", naming.paper_state_note)
