"""The media area's REST routes: uploads and media records, and the local store's files."""
from . import files, library

ROUTES = (library.routes, files.routes)
