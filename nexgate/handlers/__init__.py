"""REST handlers, one module (or package) per area; ``AREAS`` lists every area's routes."""
from . import auth, docs, health, media, users

AREAS = (health.routes, docs.routes, *auth.ROUTES, *users.ROUTES, *media.ROUTES)
