"""Users, roles and approval limits."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.db import models

from .roles import Role, capabilities_for


class User(AbstractUser):
    """A person who logs in. What they may do comes from their role (users.roles)."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.REP_1)
    # Lockout after LOCKOUT_MAX_FAILURES failures in a row, for LOCKOUT_MINUTES; a success
    # or the end of a lock starts the count again.
    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["username"]

    def has_capability(self, capability: str) -> bool:
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return capability in capabilities_for(self.role)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class ApprovalKind(models.TextChoices):
    REFUND = "refund", "Refund"
    ADJUSTMENT = "adjustment", "Adjustment"
    WRITE_OFF = "write_off", "Write-off"
    SUBCONTRACTOR_QUOTE = "subcontractor_quote", "Subcontractor quote"
    PURCHASE_ORDER = "purchase_order", "Purchase order"


class ApprovalLimit(models.Model):
    """The largest amount a role may approve for one kind of money decision. No row means
    the role may not approve that kind at all."""

    role = models.CharField(max_length=20, choices=Role.choices)
    kind = models.CharField(max_length=30, choices=ApprovalKind.choices)
    max_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        ordering = ["role", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["role", "kind"], name="users_approvallimit_once"),
            models.CheckConstraint(
                condition=models.Q(max_amount__gte=0), name="users_approvallimit_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.get_kind_display()} up to {self.max_amount}"
