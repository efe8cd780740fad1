ALTER TABLE media ADD COLUMN is_private boolean NOT NULL DEFAULT false;
UPDATE media SET is_private = (purpose = 'message');
ALTER TABLE media ALTER COLUMN is_private DROP DEFAULT;
