"""The users area's REST routes: profiles and the social graph."""
from . import blocks, follows, profiles, search, verification

ROUTES = (profiles.routes, follows.routes, blocks.routes, verification.routes, search.routes)
