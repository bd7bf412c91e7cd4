"""What the reports app does when something happens in goals: publishing a round stores
its PDF papers (the signal is sent after the round's transaction has committed)."""

from reports.papers import schedule_papers


def store_papers_on_publish(sender, round, **kwargs):
    schedule_papers(round)
