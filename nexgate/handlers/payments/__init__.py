"""The payments area's manifest: payment methods over REST."""
from ...area import Area
from . import methods

AREA = Area("payments", routes=(methods.routes,))
