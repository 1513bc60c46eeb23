"""The notices app's services, one module per noun.

fanout       who hears of a public fact or a membership decision (do_announce)
inbox        a member's notices in the app: count, list, mark read
preferences  the member's choices per channel and kind; unsubscribing
delivery     sending due deliveries outside the app, with retries and digests
"""

from asamblea.notices.services.delivery import do_deliver_due, person_language
from asamblea.notices.services.fanout import (
    ENTRY_TYPES,
    announcement_for_entry,
    announcement_for_membership,
    do_announce,
)
from asamblea.notices.services.inbox import (
    access_notice,
    access_notices,
    do_mark_all_notices_read,
    do_mark_notice_read,
    unread_count,
)
from asamblea.notices.services.preferences import (
    access_choices,
    do_set_notice_choices,
    do_unsubscribe,
)

__all__ = [
    "ENTRY_TYPES",
    "access_choices",
    "access_notice",
    "access_notices",
    "announcement_for_entry",
    "announcement_for_membership",
    "do_announce",
    "do_deliver_due",
    "do_mark_all_notices_read",
    "do_mark_notice_read",
    "do_set_notice_choices",
    "do_unsubscribe",
    "person_language",
    "unread_count",
]
