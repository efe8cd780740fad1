DROP TABLE media_upload_parts;
DROP TABLE media_uploads;
