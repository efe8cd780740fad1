-- depends: 0009.media-uploads
-- Whether a media is private follows from its purpose (message media is); the column only
-- repeated that.
ALTER TABLE media DROP COLUMN is_private;
