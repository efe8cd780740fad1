"""The notifications area's manifest: the in-app centre, the preferences and the push
subscriptions over REST (the preferences and push first: the centre's
/api/notifications/{notification_id} would take their fixed paths for ids); its workers turn
every area's events into notifications (``notifications``), push them to the recipients'
devices (``notifications_push``) and deliver the email and SMS other areas request
(domain/notifications), whose delivery reports the SMS gateway POSTs back."""
from ...area import Area
from ...workers import email, notifications, notifications_push, sms
from . import centre, preferences, push, sms_reports

AREA = Area("notifications", routes=(preferences.routes, push.routes, sms_reports.routes, centre.routes), consumer_groups={
    "email": email.consumer_group, "sms": sms.consumer_group, "notifications": notifications.consumer_group,
    "notifications_push": notifications_push.consumer_group})
