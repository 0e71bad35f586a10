"""The integrations app listens to work-order moves (workorders.hooks) and publishes
`workorder.status_changed` in the move's own transaction: a move that rolls back leaves no
event and no delivery."""

from __future__ import annotations

from django.utils import timezone

from .events import publish


def workorder_status_changed(
    *, action: str, work_order, from_status: str, to_status: str, actor, **details
) -> None:
    if from_status == to_status:
        return
    labels = dict(type(work_order)._meta.get_field("status").choices)
    publish(
        "workorder.status_changed",
        {
            "work_order": work_order.number,
            "work_type": work_order.work_type,
            "from_status": from_status,
            "to_status": to_status,
            "to_status_label": str(labels.get(to_status, to_status)),
            "action": action,
            "account": work_order.account.number,
            "at": timezone.now().isoformat(),
        },
        about=work_order,
        work_order=work_order,
    )
