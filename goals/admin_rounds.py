"""Admin for the yearly status rounds: rounds, reports, joint progress and decisions.

Imported at the end of goals/admin.py so Django's autodiscovery registers it.
"""
