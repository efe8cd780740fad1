DROP FUNCTION user_relationship(uuid, uuid);
