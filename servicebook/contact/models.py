"""Interactions, agent sessions and states, schedules, telephony, call scripts and quality.

Durations are stored as whole seconds next to the instants they come from, computed once
when the interaction, state or shift is written (services and importers): the metrics are
then plain SUM/COUNT aggregates over indexed columns, the same on SQLite and PostgreSQL.
Every call metric is attributed to `counted_on`, the business-zone date its work ended
(wrap-up end, or hang-up when there was no wrap-up): a call whose wrap-up ends the next day
counts on the next day.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from servicebook.cases.choices import CaseType
from servicebook.cases.models import Case
from servicebook.customers.models import Account, Note

from .choices import (
    AgentState,
    BreakReason,
    ContactChannel,
    ContactDirection,
    InteractionSource,
    InteractionState,
    NodeKind,
    PopState,
    QueueOutcome,
    StateSource,
)

TEXT_MAX_LENGTH = 10_000


# --- Teams and agents -------------------------------------------------------------------------


class Team(models.Model):
    """A group of agents with a supervisor; metrics roll up per team. A team owns the PBX
    queues it answers, so abandoned calls (which have no agent) still count for it."""

    name = models.CharField(max_length=100, unique=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queue_names = models.JSONField(
        default=list, blank=True, help_text="Asterisk queue names this team answers"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentProfile(models.Model):
    """A user who takes contacts: their team and how the PBX names them (the phone
    extension, and the queue member interface in Asterisk's queue_log, e.g. PJSIP/201)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="agents"
    )
    # NULL rather than "" when unset, so the unique constraints allow many agents without one.
    extension = models.CharField(max_length=40, unique=True, null=True, blank=True)
    queue_member = models.CharField(max_length=120, unique=True, null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user} ({self.extension or 'no extension'})"


class AgentSession(models.Model):
    """One log-in of an agent to the contact centre, from log-in to log-out."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_sessions"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=100, blank=True)
    source = models.CharField(
        max_length=20, choices=StateSource.choices, default=StateSource.CONSOLE
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "started_at"], name="contact_session_key"),
            # Logging in twice cannot open two sessions (the second insert fails).
            models.UniqueConstraint(
                fields=["agent"],
                condition=Q(ended_at__isnull=True),
                name="contact_one_open_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} from {self.started_at:%Y-%m-%d %H:%M}"


class AgentStateSpan(models.Model):
    """A stretch of time an agent spent in one state while logged in.

    A span never crosses the business zone's midnight: closing one that did writes one row
    per day, so log-in, phone and adherence time add up per day with a plain SUM.
    `in_shift_seconds` is the part of it inside the agent's scheduled shifts.
    """

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="state_spans"
    )
    session = models.ForeignKey(
        AgentSession, null=True, blank=True, on_delete=models.CASCADE, related_name="spans"
    )
    state = models.CharField(max_length=20, choices=AgentState.choices)
    reason = models.CharField(max_length=20, choices=BreakReason.choices, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    day = models.DateField()
    seconds = models.PositiveIntegerField(default=0)
    in_shift_seconds = models.PositiveIntegerField(default=0)
    source = models.CharField(
        max_length=20, choices=StateSource.choices, default=StateSource.CONSOLE
    )

    class Meta:
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "started_at"], name="contact_span_key"),
            models.UniqueConstraint(
                fields=["agent"], condition=Q(ended_at__isnull=True), name="contact_one_open_span"
            ),
        ]
        indexes = [models.Index(fields=["day", "agent"])]

    def __str__(self) -> str:
        return f"{self.agent} {self.state} {self.started_at:%H:%M}"


class Shift(models.Model):
    """A scheduled shift: attendance and adherence are measured against these."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    day = models.DateField(help_text="Business-zone date the shift starts on")
    scheduled_seconds = models.PositiveIntegerField(default=0)
    # Planned breaks inside the shift (lunch): adherence expects this much less working time.
    break_minutes = models.PositiveSmallIntegerField(default=0)
    attended = models.BooleanField(default=False)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "starts_at"], name="contact_shift_key"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="contact_shift_order"
            ),
        ]
        indexes = [models.Index(fields=["day", "agent"])]

    def __str__(self) -> str:
        return f"{self.agent} {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%H:%M}"


# --- Interactions -----------------------------------------------------------------------------


class Disposition(models.Model):
    """How a contact ended (billing question answered, payment taken, technician booked...).
    `resolves` marks outcomes that settle the customer's issue on the contact."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=100)
    resolves = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class Interaction(models.Model):
    """One contact with a customer on any channel, with its timings, the agent who handled
    it, the account and case it was about, its disposition and the agent's note.

    Talk is answer to hang-up less the time on hold, so talk + hold is the connected time
    and handle time (talk + hold + wrap-up) counts nothing twice.
    """

    channel = models.CharField(max_length=20, choices=ContactChannel.choices)
    direction = models.CharField(
        max_length=10, choices=ContactDirection.choices, default=ContactDirection.INBOUND
    )
    state = models.CharField(
        max_length=10, choices=InteractionState.choices, default=InteractionState.TALKING
    )
    source = models.CharField(
        max_length=10, choices=InteractionSource.choices, default=InteractionSource.CONSOLE
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    # Indexes (Meta): the account by (account, created_at); case, note, disposition and the
    # console's call ids partially, where set. A million-row PBX import leaves all of
    # those empty, and full indexes made it update thirteen indexes a row.
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
        db_index=False,
    )
    case = models.ForeignKey(
        Case,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
        db_index=False,
    )
    note = models.ForeignKey(
        Note,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
        db_index=False,
    )
    customer_number = models.CharField(max_length=40, blank=True)
    queue_name = models.CharField(max_length=80, blank=True)
    # The PBX's call id (Asterisk uniqueid) and, for imported rows, a natural key of the
    # record, unique per source: importing the same file twice inserts nothing the second time.
    call_id = models.CharField(max_length=80, blank=True)
    external_key = models.CharField(max_length=200, null=True, blank=True)

    queued_at = models.DateTimeField(null=True, blank=True)
    ring_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    hold_started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    wrap_ended_at = models.DateTimeField(null=True, blank=True)

    ring_seconds = models.PositiveIntegerField(default=0)
    talk_seconds = models.PositiveIntegerField(default=0)
    hold_seconds = models.PositiveIntegerField(default=0)
    hold_count = models.PositiveSmallIntegerField(default=0)
    wrap_seconds = models.PositiveIntegerField(default=0)
    handle_seconds = models.PositiveIntegerField(default=0)
    counted_on = models.DateField(null=True, blank=True)
    handled = models.BooleanField(default=False)
    transferred = models.BooleanField(default=False)
    # A later contact from the same account on the same issue came within the first-contact
    # resolution window (CONTACT_FCR_DAYS): this one did not resolve it.
    repeated = models.BooleanField(default=False)

    disposition = models.ForeignKey(
        Disposition,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    summary = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)])
    recording_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_key"], name="contact_interaction_natural_key"
            ),
            # An agent handles one live contact at a time.
            models.UniqueConstraint(
                fields=["agent"],
                condition=Q(state__in=["talking", "wrap_up"], source="console"),
                name="contact_one_live_interaction",
            ),
        ]
        indexes = [
            models.Index(fields=["counted_on", "agent"], name="contact_int_day_agent"),
            models.Index(fields=["account", "created_at"], name="contact_int_account"),
            models.Index(fields=["channel", "state"], name="contact_int_channel_state"),
            models.Index(fields=["case"], condition=Q(case__isnull=False), name="contact_int_case"),
            models.Index(fields=["note"], condition=Q(note__isnull=False), name="contact_int_note"),
            models.Index(
                fields=["disposition"],
                condition=Q(disposition__isnull=False),
                name="contact_int_disposition",
            ),
            # The PBX import finds the console's contacts by call id (importers._merge_console).
            models.Index(
                fields=["call_id"],
                condition=Q(source="console") & ~Q(call_id=""),
                name="contact_int_console_call",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.get_direction_display().lower()} #{self.pk}"

    @property
    def on_hold(self) -> bool:
        return self.hold_started_at is not None


class QueueCall(models.Model):
    """One caller's stay in a PBX queue (from Asterisk's queue_log): offered, answered
    within what wait, or abandoned. Service level and abandon rate come from these."""

    call_id = models.CharField(max_length=80)
    queue_name = models.CharField(max_length=80)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField()
    day = models.DateField()
    outcome = models.CharField(max_length=10, choices=QueueOutcome.choices)
    wait_seconds = models.PositiveIntegerField(default=0)
    talk_seconds = models.PositiveIntegerField(default=0)
    caller_number = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-entered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["call_id", "queue_name", "entered_at"], name="contact_queuecall_key"
            )
        ]
        indexes = [models.Index(fields=["day", "team"])]

    def __str__(self) -> str:
        return f"{self.queue_name} {self.call_id} {self.outcome}"


# --- Telephony ----------------------------------------------------------------------------------


class Pbx(models.Model):
    """A phone system allowed to call the screen-pop endpoint. Only a hash of its token is
    kept (`servicebook pbx-token NAME` makes one and shows it once)."""

    name = models.CharField(max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "PBX"
        verbose_name_plural = "PBXs"

    def __str__(self) -> str:
        return self.name


class ScreenPop(models.Model):
    """A ringing call the PBX announced for an agent, with the accounts its number matches.
    The agent's console polls for these and takes the call from the pop."""

    pbx = models.ForeignKey(Pbx, on_delete=models.CASCADE, related_name="pops")
    call_id = models.CharField(max_length=80, blank=True)
    extension = models.CharField(max_length=40, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    caller_raw = models.CharField(max_length=60, blank=True)
    caller_number = models.CharField(max_length=40, blank=True)
    queue_name = models.CharField(max_length=80, blank=True)
    account_ids = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=PopState.choices, default=PopState.RINGING)
    received_at = models.DateTimeField(default=timezone.now)
    taken_at = models.DateTimeField(null=True, blank=True)
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            # The PBX may announce the same ring twice (a retry): one pop per call and agent.
            models.UniqueConstraint(
                fields=["pbx", "call_id", "extension"],
                condition=~Q(call_id=""),
                name="contact_pop_once",
            )
        ]
        indexes = [models.Index(fields=["agent", "state", "received_at"])]

    def __str__(self) -> str:
        return f"pop {self.caller_number or self.caller_raw} -> {self.extension}"


# --- Call scripts -------------------------------------------------------------------------------


class Script(models.Model):
    """An approved call script for one call type: a tree of questions, branches and
    statements the agent must read."""

    name = models.CharField(max_length=100)
    call_type = models.CharField(max_length=30, choices=CaseType.choices)
    description = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["call_type", "name"]

    def __str__(self) -> str:
        return self.name


class ScriptNode(models.Model):
    """One step of a script. A question branches through its options (or takes a free
    answer and goes to `next_node`); a statement is read out and confirmed; an end stops."""

    script = models.ForeignKey(Script, on_delete=models.CASCADE, related_name="nodes")
    key = models.SlugField(max_length=40)
    kind = models.CharField(max_length=10, choices=NodeKind.choices, default=NodeKind.QUESTION)
    text = models.TextField(validators=[MaxLengthValidator(2000)])
    required = models.BooleanField(
        default=False, help_text="A statement the agent must read (counts for adherence)"
    )
    position = models.PositiveSmallIntegerField(default=0)
    next_node = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["script", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["script", "key"], name="contact_node_key")]

    def __str__(self) -> str:
        return f"{self.key}: {self.text[:60]}"


class ScriptOption(models.Model):
    """An answer to a question and the step it leads to (none: the script ends)."""

    node = models.ForeignKey(ScriptNode, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(max_length=200)
    next_node = models.ForeignKey(
        ScriptNode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["node", "position", "id"]

    def __str__(self) -> str:
        return self.label


class ScriptRun(models.Model):
    """An agent's way through a script on one contact: each step with its answer, and how
    many required statements were confirmed out of those on the path taken."""

    script = models.ForeignKey(Script, on_delete=models.PROTECT, related_name="runs")
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="script_runs"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="script_runs"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    current_node = models.ForeignKey(
        ScriptNode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answers = models.JSONField(default=list, blank=True)
    required_total = models.PositiveSmallIntegerField(default=0)
    required_confirmed = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.script} run #{self.pk}"


# --- Quality ------------------------------------------------------------------------------------


class EvaluationForm(models.Model):
    """A quality form: criteria with weights, scored on recorded interactions."""

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EvaluationCriterion(models.Model):
    """One thing the evaluator scores (greeting, verification, accuracy...), 0 to
    `max_points`, weighted against the form's other criteria."""

    form = models.ForeignKey(EvaluationForm, on_delete=models.CASCADE, related_name="criteria")
    label = models.CharField(max_length=200)
    weight = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    max_points = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1)])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["form", "position", "id"]
        verbose_name_plural = "evaluation criteria"

    def __str__(self) -> str:
        return self.label


class Evaluation(models.Model):
    """A supervisor's score of one interaction on a form: the weighted share of the
    points, in percent (two places, half-up)."""

    form = models.ForeignKey(EvaluationForm, on_delete=models.PROTECT, related_name="evaluations")
    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, related_name="evaluations"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="evaluations"
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    evaluated_at = models.DateTimeField(default=timezone.now)
    day = models.DateField(help_text="The day the evaluated contact counts on")
    score = models.DecimalField(max_digits=5, decimal_places=2)
    comment = models.TextField(blank=True, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)])

    class Meta:
        ordering = ["-evaluated_at"]
        indexes = [models.Index(fields=["day", "agent"])]

    def __str__(self) -> str:
        return f"{self.form} {self.score}% for {self.agent}"


class EvaluationScore(models.Model):
    """The points given on one criterion."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(EvaluationCriterion, on_delete=models.PROTECT, related_name="+")
    points = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "criterion"], name="contact_one_score_per_criterion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.points}"
