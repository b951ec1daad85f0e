"""WSGI entry point; runs the production safety checks before serving."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outletcrm.settings")
application = get_wsgi_application()

from outletcrm.core.checks import refuse_unsafe_production  # noqa: E402

refuse_unsafe_production()
