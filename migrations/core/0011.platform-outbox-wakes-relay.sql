-- The outbox wakes its relay itself: a statement that adds events notifies the relay's
-- channel once, at commit (NOTIFY is transactional), whichever query wrote them; a
-- message's event goes in with the message, in the statement that stores it.
CREATE FUNCTION outbox_notify_relay() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('nexgate_outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_wakes_relay AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify_relay();
