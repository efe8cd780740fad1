"""Why an upload was refused, as a stable code for clients and a short reason for people."""
from __future__ import annotations


class MediaRejected(Exception):
    """The file cannot become media: wrong type, empty, too large, corrupt, undecodable.

    ``code`` is stable (``unsupported_type``, ``empty_file``, ``too_many_pixels``, ``image_corrupt``,
    ``video_corrupt``, ``video_too_long``, ``video_timeout``); ``reason`` is for people and logs.
    Both travel through ``args``, so the error survives pickling out of a process-pool worker.
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"
