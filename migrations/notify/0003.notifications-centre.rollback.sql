DROP TABLE notification_actors;
DROP TABLE notification_groups;
DROP TABLE notifications;
