"""WSGI entry point for production servers (gunicorn, waitress, uWSGI)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asamblea.settings")
application = get_wsgi_application()
