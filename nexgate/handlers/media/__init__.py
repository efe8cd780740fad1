"""The media area's REST routes: uploads (in one request or resumable), media records, and the
local store's files."""
from . import files, library, resumable

ROUTES = (library.routes, resumable.routes, files.routes)
