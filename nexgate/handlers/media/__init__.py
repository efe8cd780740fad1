"""The media area's REST routes."""
from . import files

ROUTES = (files.routes,)
