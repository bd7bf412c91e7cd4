"""Signals other apps listen to, so that goals does not import them.

`round_published` is sent by `goals.rounds.publish_round` after the round's transaction has
committed; `reports` renders and stores the PDFs on it.
"""

from django.dispatch import Signal

round_published = Signal()  # sender=StatusRound, round=<StatusRound>
