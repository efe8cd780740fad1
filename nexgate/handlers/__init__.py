"""REST handlers, one module (or package) per area; ``AREAS`` lists every area's routes."""
from . import auth, docs, health, media, messages, users

AREAS = (health.routes, docs.routes, *auth.ROUTES, *users.ROUTES, *media.ROUTES, *messages.ROUTES)
