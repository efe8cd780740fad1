"""The media area: uploads, their processing, storage and delivery (docs/media.md)."""
