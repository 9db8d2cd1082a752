"""The file formats of the landing zone (SPEC section 4), written the way Taobao tools write them.

Every writer returns the number of data rows it wrote; writers that can plant a bad row also
return that row's 1-based physical line (header = line 1). No written field holds a line break,
so physical lines and CSV records coincide.
"""

from .chats import CHAT_HEADER, write_chats
from .common import ADJUSTMENT_HEADER, ROSTER_HEADER, write_manifest, write_plain_csv
from .orders import ORDER_HEADER, write_orders
from .ratings import RATING_HEADER, write_ratings
from .refunds import REFUND_HEADER, write_refunds

__all__ = [
    "ADJUSTMENT_HEADER",
    "CHAT_HEADER",
    "ORDER_HEADER",
    "RATING_HEADER",
    "REFUND_HEADER",
    "ROSTER_HEADER",
    "write_chats",
    "write_manifest",
    "write_orders",
    "write_plain_csv",
    "write_ratings",
    "write_refunds",
]
