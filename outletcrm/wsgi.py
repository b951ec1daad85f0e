"""WSGI entry point; runs the production safety checks before serving.

A configuration error stops the server with one line on stderr that says what to set
(outletcrm.configuration), not a traceback in every worker's log.
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured

from outletcrm.configuration import EX_CONFIG, config_message

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outletcrm.settings")

try:
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()

    from outletcrm.core.checks import refuse_unsafe_production

    refuse_unsafe_production()
except ImproperlyConfigured as exc:
    print(config_message(exc), file=sys.stderr)
    raise SystemExit(EX_CONFIG) from None
