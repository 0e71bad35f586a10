"""Quality evaluations: a supervisor scores one handled interaction on a form of weighted
criteria. The score is the weighted share of the points, in percent:

    score = 100 * sum(weight * points / max_points) / sum(weight)

kept with two places, rounded half-up, so the same marks always give the same score.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from servicebook.core.audit import audit_created
from servicebook.core.errors import ValidationFailed
from servicebook.core.permissions import require_capability
from servicebook.users.roles import Cap

from .models import Evaluation, EvaluationForm, EvaluationScore, Interaction

HUNDRED = Decimal(100)


def weighted_score(marks: list[tuple[int, int, int]]) -> Decimal:
    """(weight, points, max_points) per criterion -> percent, two places, half-up."""
    total_weight = sum(weight for weight, _, _ in marks)
    if not total_weight:
        return Decimal("0.00")
    earned = sum(Decimal(weight) * Decimal(points) / Decimal(top) for weight, points, top in marks)
    return (HUNDRED * earned / Decimal(total_weight)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


@transaction.atomic
def evaluation_record(
    *,
    form: EvaluationForm,
    interaction: Interaction,
    points: dict[int, int],
    comment: str = "",
    actor,
    now=None,
) -> Evaluation:
    """Score a handled interaction on every criterion of the form."""
    require_capability(actor, Cap.CONTACT_QUALITY)
    if not interaction.handled or interaction.agent_id is None:
        raise ValidationFailed({"interaction": ["Only a handled contact can be evaluated."]})
    if not form.active:
        raise ValidationFailed({"form": ["This form is retired."]})
    criteria = list(form.criteria.all())
    if not criteria:
        raise ValidationFailed({"form": ["This form has no criteria."]})
    errors: dict[str, list[str]] = {}
    marks = []
    for criterion in criteria:
        value = points.get(criterion.pk)
        if value is None:
            errors[f"c{criterion.pk}"] = [f"Score “{criterion.label}”."]
        elif not 0 <= int(value) <= criterion.max_points:
            errors[f"c{criterion.pk}"] = [f"Between 0 and {criterion.max_points}."]
        else:
            marks.append((criterion.weight, int(value), criterion.max_points))
    if errors:
        raise ValidationFailed(errors)
    evaluation = Evaluation.objects.create(
        form=form,
        interaction=interaction,
        agent_id=interaction.agent_id,
        evaluator=actor,
        evaluated_at=now or timezone.now(),
        day=interaction.counted_on or timezone.localdate(),
        score=weighted_score(marks),
        comment=(comment or "").strip(),
    )
    EvaluationScore.objects.bulk_create(
        EvaluationScore(evaluation=evaluation, criterion=c, points=int(points[c.pk]))
        for c in criteria
    )
    audit_created(actor=actor, obj=evaluation)
    return evaluation
