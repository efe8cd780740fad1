"""The payments area's manifest: payment methods over REST; the escrow holds' timer worker."""
from ...area import Area
from ...workers import payments_holds
from . import methods

AREA = Area("payments", routes=(methods.routes,),
            consumer_groups={"payments_holds": payments_holds.consumer_group})
