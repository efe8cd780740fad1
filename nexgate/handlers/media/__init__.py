"""The media area's manifest: uploads (in one request or resumable), media records and the
local store's files; the ``media`` worker processes uploaded videos."""
from ...area import Area
from ...workers import media as media_worker
from . import files, library, resumable

AREA = Area(
    "media",
    routes=(library.routes, resumable.routes, files.routes),
    consumer_groups={"media": media_worker.consumer_group},
)
