"""How a paper and its goals are named to the public: one rule, so a page, a PDF, a search
result and the API never call a proposal's goal "aktivt" or a position paper's focus area a
"KKR-mål".

What a paper is decides what its goals are. A proposal commits no one yet, so its goals are
"foreslået"; dialogue material and a draft commit no one at all; a position paper (Syddanmark's)
names "fælleskommunale fokusområder" and Midtjylland's "målsætninger", which the portal follows up
like KKR-mål but calls by the paper's own word.
"""

from django.utils.translation import gettext_lazy as _

from goals.models import Goal
from goals.models import GoalPaper

# The state of a paper in the public's words, with what it means in one sentence.
PAPER_STATES = {
    GoalPaper.State.DRAFT: (_("Udkast"), _("papiret er et udkast og er ikke vedtaget.")),
    GoalPaper.State.DIALOGUE: (
        _("Dialogmateriale"),
        _("oplæg til en politisk drøftelse; intet i papiret er vedtaget."),
    ),
    GoalPaper.State.PROPOSED: (
        _("Forslag"),
        _("papiret er et forslag og siger ikke, at det er vedtaget."),
    ),
    GoalPaper.State.ADOPTED: (_("Vedtaget"), _("papiret er vedtaget af KKR.")),
    GoalPaper.State.ARCHIVED: (_("Arkiveret"), _("papiret er afløst og vises som historik.")),
}

# The state a goal has while its paper commits no one (a goal's own state is the
# secretariat's bookkeeping once a paper is adopted).
_UNCOMMITTED_GOAL_STATE = {
    GoalPaper.State.DRAFT: _("udkast"),
    GoalPaper.State.DIALOGUE: _("til drøftelse"),
    GoalPaper.State.PROPOSED: _("foreslået"),
}


# What a paper calls the goals it commits to, where that is not "KKR-mål".
_PAPERS_WORD = {
    GoalPaper.Kind.POSITION_PAPER: _("fælleskommunalt fokusområde"),
    GoalPaper.Kind.OBJECTIVES: _("målsætning"),
}


def paper_state(paper):
    """ "Forslag", "Dialogmateriale", "Vedtaget" …: the word a reader sees for the paper."""
    return PAPER_STATES[paper.state][0]


def paper_state_note(paper):
    """What the paper's state means, in one sentence (without its first word)."""
    return PAPER_STATES[paper.state][1]


def goal_kind(goal):
    """What the goal is, in its paper's words: a KKR-mål, udviklingsområde or fokusområde;
    a position paper's followed-up areas are "fælleskommunale fokusområder", Midtjylland's
    goals "målsætninger"."""
    if goal.kind == Goal.Kind.COMMITMENT:
        own_word = _PAPERS_WORD.get(goal.paper.kind)
        if own_word:
            return own_word
    return goal.get_kind_display()


def goal_state(goal):
    """The goal's state as the public may read it: its paper's when that commits no one."""
    return _UNCOMMITTED_GOAL_STATE.get(goal.paper.state) or goal.get_state_display()


def goal_name(goal):
    """Kind and state in one phrase, e.g. "KKR-mål · foreslået"."""
    return f"{goal_kind(goal)} · {goal_state(goal)}"
