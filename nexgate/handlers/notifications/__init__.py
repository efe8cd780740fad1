"""The notifications area's manifest: the in-app centre and the preferences over REST (the
preferences first: the centre's /api/notifications/{notification_id} would take their fixed
path for an id); its workers turn every area's events into notifications
(``notifications``) and deliver the email and SMS other areas request (domain/notifications)."""
from ...area import Area
from ...workers import email, notifications, sms
from . import centre, preferences

AREA = Area("notifications", routes=(preferences.routes, centre.routes), consumer_groups={
    "email": email.consumer_group, "sms": sms.consumer_group, "notifications": notifications.consumer_group})
