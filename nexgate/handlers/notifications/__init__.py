"""The notifications area's manifest: no routes of its own yet; its workers deliver the email
and SMS other areas request (domain/notifications)."""
from ...area import Area
from ...workers import email, sms

AREA = Area("notifications", consumer_groups={"email": email.consumer_group, "sms": sms.consumer_group})
