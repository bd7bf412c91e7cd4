"""The Celery app: renders the PDF status papers in the background.

With `CELERY_BROKER_URL` set (e.g. redis://127.0.0.1:6379/0) tasks go to the broker and a
worker (`celery -A kkrmaal worker`) runs them; without it settings make every task run
inline (`CELERY_TASK_ALWAYS_EAGER`), so the default install needs no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kkrmaal.settings")

app = Celery("kkrmaal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
