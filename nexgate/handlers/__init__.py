"""REST handlers, one module per area; ``AREAS`` lists every area's routes."""
from . import docs, health

AREAS = (health.routes, docs.routes)
