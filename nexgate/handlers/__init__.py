"""REST handlers, one module (or package) per area; ``AREAS`` lists every area's routes."""
from . import auth, docs, health, messages, users

AREAS = (health.routes, docs.routes, *auth.ROUTES, *users.ROUTES, *messages.ROUTES)
