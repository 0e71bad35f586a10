"""The account API's `collection` section (customers.api.extensions)."""

from __future__ import annotations

from servicebook.core.permissions import has_capability
from servicebook.users.roles import Cap

from ..selectors import account_collection_brief


def account_collection_section(*, request, account):
    """The account's collection step, or null (also for users who may not see collections)."""
    if not (
        has_capability(request.user, Cap.RECEIVABLES_COLLECT)
        or has_capability(request.user, Cap.RECEIVABLES_VIEW)
    ):
        return None
    c = account_collection_brief(account)
    process = c.process
    if process is None:
        return None
    promise = c.promises[0] if c.promises else None
    return {
        "status": process.status,
        "step": process.step.kind if process.step else None,
        "step_label": process.step.get_kind_display() if process.step else None,
        "position": process.position,
        "step_date": process.step_date,
        "next_step_on": c.next_step_on if process.status == "open" else None,
        "hold_reason": process.hold_reason,
        "held_on": process.held_on,
        "past_due": c.past_due,
        "policy": process.policy.name,
        "promise": None
        if promise is None
        else {
            "amount": f"{promise.amount:.2f}",
            "promised_on": promise.promised_on.isoformat(),
            "follow_up_on": promise.follow_up_on.isoformat() if promise.follow_up_on else None,
            "status": promise.status,
        },
    }
