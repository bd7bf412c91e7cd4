"""WSGI entry point (gunicorn kkrmaal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kkrmaal.settings")
application = get_wsgi_application()
