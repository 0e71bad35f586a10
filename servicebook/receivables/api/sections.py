"""The account API's `collection` section (customers.api.extensions)."""

from __future__ import annotations

from servicebook.core.permissions import has_capability
from servicebook.users.roles import Cap

from ..selectors import account_collection_brief


def account_collection_section(*, request, account):
    """The account's collection step, its write-offs and open agency referral, or null when
    it was never in collections nor written off (also for users who may not see
    collections). Three queries whatever the history (the 360 view's count is pinned)."""
    if not (
        has_capability(request.user, Cap.RECEIVABLES_COLLECT)
        or has_capability(request.user, Cap.RECEIVABLES_VIEW)
    ):
        return None
    from ..models import AgencyReferral, ReferralStatus, WriteOff

    c = account_collection_brief(account)
    process = c.process
    write_offs = list(WriteOff.objects.filter(account=account).order_by("written_off_on", "pk"))
    if process is None and not write_offs:
        return None
    referral = (
        AgencyReferral.objects.filter(account=account, status=ReferralStatus.REFERRED)
        .select_related("agency")
        .first()
    )
    promise = c.promises[0] if c.promises else None
    return {
        "status": process.status if process else None,
        "step": process.step.kind if process and process.step else None,
        "step_label": process.step.get_kind_display() if process and process.step else None,
        "position": process.position if process else None,
        "step_date": process.step_date if process else None,
        "next_step_on": c.next_step_on if process and process.status == "open" else None,
        "hold_reason": process.hold_reason if process else "",
        "held_on": process.held_on if process else None,
        "past_due": c.past_due,
        "policy": process.policy.name if process else None,
        "promise": None
        if promise is None
        else {
            "amount": f"{promise.amount:.2f}",
            "promised_on": promise.promised_on.isoformat(),
            "follow_up_on": promise.follow_up_on.isoformat() if promise.follow_up_on else None,
            "status": promise.status,
        },
        "write_offs": [
            {
                "number": w.number,
                "amount": w.amount,
                "recovered": w.recovered,
                "outstanding": w.outstanding,
                "written_off_on": w.written_off_on,
                "reason": w.reason,
                "source": w.source,
            }
            for w in write_offs
        ],
        "referral": None
        if referral is None
        else {
            "id": referral.pk,
            "agency": referral.agency.name,
            "agency_code": referral.agency.code,
            "amount": referral.amount,
            "paid": referral.paid,
            "referred_on": referral.referred_on,
            "status": referral.status,
        },
    }
