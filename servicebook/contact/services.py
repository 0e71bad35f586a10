"""Every write of the contact centre's live work: agents' log-in and states, shifts,
contacts from the first second to the end of wrap-up, caller-ID pops from the PBX and
answering-service messages.

Each service checks the actor's capability, validates, writes in one transaction with its
audit row. Races are closed by the database, not by a read first: one open session, one
open state span and one live contact per agent are unique constraints, and hold/resume,
taking a pop and the call's lifecycle are compare-and-set updates or row locks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from servicebook.cases.choices import CaseType
from servicebook.cases.models import Case
from servicebook.cases.services import case_add_note, case_log_contact, case_open
from servicebook.core.audit import audit_created, audit_record
from servicebook.core.errors import InvalidTransition, ValidationFailed
from servicebook.core.permissions import has_capability, require_capability
from servicebook.core.phones import normalize_phone
from servicebook.customers.models import Account, Note
from servicebook.customers.selectors import account_search, accounts_visible_to
from servicebook.customers.services import note_log
from servicebook.users.roles import Cap

from .choices import (
    AgentState,
    BreakReason,
    ContactChannel,
    ContactDirection,
    InteractionSource,
    InteractionState,
    PopState,
)
from .models import (
    AgentProfile,
    AgentSession,
    AgentStateSpan,
    Disposition,
    Interaction,
    Pbx,
    ScreenPop,
    ScriptRun,
    Shift,
    Team,
)
from .timeutil import business_day, overlap_seconds, seconds_between, split_at_midnight

# --- Agents, teams and shifts -------------------------------------------------------------------


def _require_self_or_supervisor(actor, agent) -> None:
    """An agent changes their own state; a supervisor may change anyone's (log out an agent
    who went home logged in)."""
    require_capability(actor, Cap.CONTACT_AGENT)
    if agent.pk != actor.pk:
        require_capability(actor, Cap.CONTACT_SUPERVISE)


@transaction.atomic
def agent_profile_set(
    *,
    user,
    team: Team | None = None,
    extension: str | None = None,
    queue_member: str | None = None,
    actor,
) -> AgentProfile:
    """Create or update how the PBX names an agent and the team they belong to."""
    require_capability(actor, Cap.CONTACT_SUPERVISE)
    profile, created = AgentProfile.objects.get_or_create(user=user)
    profile.team = team
    profile.extension = (extension or "").strip() or None
    profile.queue_member = (queue_member or "").strip() or None
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError as exc:
        raise ValidationFailed(
            {"extension": ["Another agent already has this extension or queue member name."]}
        ) from exc
    if created:
        audit_created(actor=actor, obj=profile)
    else:
        audit_record(actor=actor, action="update", obj=profile, message="agent profile")
    return profile


def _shift_windows(agent_id: int, start: dt.datetime, end: dt.datetime):
    return list(
        Shift.objects.filter(agent_id=agent_id, starts_at__lt=end, ends_at__gt=start).values_list(
            "starts_at", "ends_at"
        )
    )


def _close_span(span: AgentStateSpan, now: dt.datetime) -> None:
    """End an open span at `now`: the row keeps the part up to the first midnight, and one
    row per further day is added, each with its seconds and the part inside shifts."""
    end = max(now, span.started_at)
    windows = _shift_windows(span.agent_id, span.started_at, end)
    parts = split_at_midnight(span.started_at, end)
    first_start, first_end, first_day = parts[0]
    span.ended_at = first_end
    span.day = first_day
    span.seconds = seconds_between(first_start, first_end)
    span.in_shift_seconds = overlap_seconds(first_start, first_end, windows)
    span.save(update_fields=["ended_at", "day", "seconds", "in_shift_seconds"])
    AgentStateSpan.objects.bulk_create(
        AgentStateSpan(
            agent_id=span.agent_id,
            session_id=span.session_id,
            state=span.state,
            reason=span.reason,
            started_at=p_start,
            ended_at=p_end,
            day=p_day,
            seconds=seconds_between(p_start, p_end),
            in_shift_seconds=overlap_seconds(p_start, p_end, windows),
            source=span.source,
        )
        for p_start, p_end, p_day in parts[1:]
    )
    if windows:
        # Being logged in at all during a shift is attendance.
        Shift.objects.filter(
            agent_id=span.agent_id, starts_at__lt=end, ends_at__gt=span.started_at, attended=False
        ).update(attended=True)


def _open_session(agent) -> AgentSession | None:
    return AgentSession.objects.filter(agent=agent, ended_at__isnull=True).first()


def _switch_state(agent, session: AgentSession, state: str, reason: str, now: dt.datetime):
    """Close the agent's open span and open one in the new state."""
    current = (
        AgentStateSpan.objects.select_for_update()
        .filter(agent=agent, ended_at__isnull=True)
        .first()
    )
    if current is not None:
        if current.state == state and current.reason == reason:
            return current
        _close_span(current, now)
    return AgentStateSpan.objects.create(
        agent=agent,
        session=session,
        state=state,
        reason=reason,
        started_at=now,
        day=business_day(now),
    )


@transaction.atomic
def agent_login(*, agent, actor, now: dt.datetime | None = None) -> AgentSession:
    """Log an agent in to the contact centre: a session starts and the agent is available."""
    _require_self_or_supervisor(actor, agent)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            session = AgentSession.objects.create(agent=agent, started_at=now)
    except IntegrityError as exc:
        raise InvalidTransition("You are already logged in.") from exc
    _switch_state(agent, session, AgentState.AVAILABLE, "", now)
    audit_created(actor=actor, obj=session, message="log in")
    return session


def _ensure_session(agent, now: dt.datetime) -> AgentSession:
    """The agent's open session; taking a contact while logged out logs the agent in."""
    session = _open_session(agent)
    if session is not None:
        return session
    try:
        with transaction.atomic():
            return AgentSession.objects.create(agent=agent, started_at=now)
    except IntegrityError:
        return _open_session(agent)


def _live_interaction(agent) -> Interaction | None:
    return Interaction.objects.filter(
        agent=agent, source=InteractionSource.CONSOLE, state__in=["talking", "wrap_up"]
    ).first()


@transaction.atomic
def agent_set_state(
    *, agent, state: str, reason: str = "", actor, now: dt.datetime | None = None
) -> AgentStateSpan:
    """Make the agent available or put them on a break (with a reason). On-call and wrap-up
    follow the contacts themselves and cannot be chosen."""
    _require_self_or_supervisor(actor, agent)
    now = now or timezone.now()
    if state not in (AgentState.AVAILABLE, AgentState.BREAK):
        raise ValidationFailed({"state": ["Choose available or a break."]})
    if state == AgentState.BREAK and reason not in BreakReason.values:
        raise ValidationFailed({"reason": ["Say why you are taking a break."]})
    if state == AgentState.AVAILABLE:
        reason = ""
    session = _open_session(agent)
    if session is None:
        raise InvalidTransition("Log in first.")
    if _live_interaction(agent) is not None:
        raise InvalidTransition("Finish the current contact (wrap-up) first.")
    span = _switch_state(agent, session, state, reason, now)
    audit_record(
        actor=actor,
        action="state",
        obj=session,
        changes={"state": [None, state], "reason": [None, reason]},
    )
    return span


@transaction.atomic
def agent_logout(*, agent, actor, reason: str = "", now: dt.datetime | None = None) -> AgentSession:
    """Log the agent out: the open state and the session end now."""
    _require_self_or_supervisor(actor, agent)
    now = now or timezone.now()
    session = (
        AgentSession.objects.select_for_update().filter(agent=agent, ended_at__isnull=True).first()
    )
    if session is None:
        raise InvalidTransition("You are not logged in.")
    if _live_interaction(agent) is not None:
        raise InvalidTransition("Finish the current contact (wrap-up) first.")
    current = AgentStateSpan.objects.filter(agent=agent, ended_at__isnull=True).first()
    if current is not None:
        _close_span(current, now)
    session.ended_at = max(now, session.started_at)
    session.end_reason = (reason or "log out")[:100]
    session.save(update_fields=["ended_at", "end_reason"])
    audit_record(actor=actor, action="logout", obj=session, message=session.end_reason)
    return session


def recompute_shift_overlap(agent_id: int, start: dt.datetime, end: dt.datetime) -> None:
    """Recount the in-shift seconds of the agent's closed spans in [start, end) and the
    attendance of the shifts there, after shifts changed or spans were imported."""
    windows = _shift_windows(agent_id, start, end)
    spans = list(
        AgentStateSpan.objects.filter(
            agent_id=agent_id, ended_at__isnull=False, started_at__lt=end, ended_at__gt=start
        )
    )
    for span in spans:
        span.in_shift_seconds = overlap_seconds(span.started_at, span.ended_at, windows)
    AgentStateSpan.objects.bulk_update(spans, ["in_shift_seconds"], batch_size=500)
    for shift in Shift.objects.filter(agent_id=agent_id, starts_at__lt=end, ends_at__gt=start):
        attended = (
            AgentStateSpan.objects.filter(agent_id=agent_id, started_at__lt=shift.ends_at)
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=shift.starts_at))
            .exists()
        )
        if attended != shift.attended:
            Shift.objects.filter(pk=shift.pk).update(attended=attended)


@transaction.atomic
def shift_length(starts_at: dt.datetime, ends_at: dt.datetime, break_minutes: int) -> int:
    """The scheduled seconds of a shift, or ValidationFailed naming the field at fault: it
    ends after it starts, lasts at most CONTACT_SHIFT_MAX_HOURS (a night shift is fine;
    times typed the wrong way round are not) and its breaks do not fill it."""
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": ["A shift ends after it starts."]})
    scheduled = seconds_between(starts_at, ends_at)
    longest = settings.CONTACT_SHIFT_MAX_HOURS
    if scheduled > longest * 3600:
        raise ValidationFailed({"ends_at": [f"A shift lasts at most {longest} hours."]})
    if break_minutes < 0 or break_minutes * 60 >= scheduled:
        raise ValidationFailed({"break_minutes": ["Breaks cannot fill the whole shift."]})
    return scheduled


def shift_schedule(
    *, agent, starts_at: dt.datetime, ends_at: dt.datetime, break_minutes: int = 0, actor
) -> Shift:
    """Schedule a shift for an agent; attendance and adherence are measured against it."""
    require_capability(actor, Cap.CONTACT_SUPERVISE)
    scheduled = shift_length(starts_at, ends_at, break_minutes)
    if Shift.objects.filter(agent=agent, starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        # Overlapping shifts would count the same time twice; the unique key guards the
        # exact duplicate, this message the partial overlap (a supervisor's typo).
        raise ValidationFailed({"starts_at": ["This overlaps another shift of the agent."]})
    try:
        with transaction.atomic():
            shift = Shift.objects.create(
                agent=agent,
                starts_at=starts_at,
                ends_at=ends_at,
                day=business_day(starts_at),
                scheduled_seconds=scheduled,
                break_minutes=break_minutes,
            )
    except IntegrityError as exc:
        raise ValidationFailed({"starts_at": ["The agent already has this shift."]}) from exc
    recompute_shift_overlap(agent.pk, starts_at, ends_at)
    audit_created(actor=actor, obj=shift)
    return shift


# --- Contacts -------------------------------------------------------------------------------------


def _locked_interaction(interaction: Interaction) -> Interaction:
    return Interaction.objects.select_for_update(of=("self",)).get(pk=interaction.pk)


def _require_own(interaction: Interaction, actor) -> None:
    require_capability(actor, Cap.CONTACT_AGENT)
    if interaction.agent_id != actor.pk:
        raise InvalidTransition("This contact is handled by someone else.")


def _normalized_or_raw(number: str) -> str:
    try:
        return normalize_phone(number)
    except ValueError:
        return (number or "").strip()[:40]


@transaction.atomic
def interaction_start(
    *,
    agent,
    channel: str = ContactChannel.PHONE,
    direction: str = ContactDirection.INBOUND,
    account: Account | None = None,
    customer_number: str = "",
    call_id: str = "",
    queue_name: str = "",
    ring_at: dt.datetime | None = None,
    actor,
    now: dt.datetime | None = None,
) -> Interaction:
    """The agent takes a contact: the call timer starts now and the agent is on a call.
    One live contact per agent (a database constraint)."""
    require_capability(actor, Cap.CONTACT_AGENT)
    if agent.pk != actor.pk:
        raise InvalidTransition("Take contacts for yourself.")
    now = now or timezone.now()
    if channel not in ContactChannel.values or channel == ContactChannel.ANSWERING_SERVICE:
        raise ValidationFailed({"channel": ["Choose phone, email, letter, walk-in or chat."]})
    if direction not in ContactDirection.values:
        raise ValidationFailed({"direction": ["Choose inbound or outbound."]})
    interaction = Interaction(
        channel=channel,
        direction=direction,
        state=InteractionState.TALKING,
        source=InteractionSource.CONSOLE,
        agent=agent,
        account=account,
        customer_number=_normalized_or_raw(customer_number) if customer_number else "",
        call_id=(call_id or "")[:80],
        queue_name=(queue_name or "")[:80],
        ring_at=ring_at,
        ring_seconds=seconds_between(ring_at, now),
        answered_at=now,
        created_at=now,
    )
    try:
        with transaction.atomic():
            interaction.save()
    except IntegrityError as exc:
        raise InvalidTransition("Finish your current contact (wrap-up) first.") from exc
    session = _ensure_session(agent, now)
    _switch_state(agent, session, AgentState.ON_CALL, "", now)
    audit_created(actor=actor, obj=interaction)
    return interaction


@transaction.atomic
def interaction_hold(
    *, interaction: Interaction, actor, now: dt.datetime | None = None
) -> Interaction:
    """Put the customer on hold (the hold clock runs until resume)."""
    _require_own(interaction, actor)
    now = now or timezone.now()
    # Compare-and-set: two clicks on Hold count one hold.
    changed = Interaction.objects.filter(
        pk=interaction.pk, state=InteractionState.TALKING, hold_started_at__isnull=True
    ).update(hold_started_at=now, hold_count=F("hold_count") + 1)
    if not changed:
        raise InvalidTransition("Only a contact in progress and not on hold can be held.")
    interaction.refresh_from_db()
    audit_record(actor=actor, action="hold", obj=interaction)
    return interaction


def _resume(interaction: Interaction, now: dt.datetime) -> None:
    interaction.hold_seconds += seconds_between(interaction.hold_started_at, now)
    interaction.hold_started_at = None


@transaction.atomic
def interaction_resume(
    *, interaction: Interaction, actor, now: dt.datetime | None = None
) -> Interaction:
    """Take the customer off hold; the time on hold adds to the contact's hold total."""
    _require_own(interaction, actor)
    now = now or timezone.now()
    interaction = _locked_interaction(interaction)
    if interaction.hold_started_at is None or interaction.state != InteractionState.TALKING:
        raise InvalidTransition("This contact is not on hold.")
    _resume(interaction, now)
    interaction.save(update_fields=["hold_seconds", "hold_started_at"])
    audit_record(actor=actor, action="resume", obj=interaction)
    return interaction


def _hang_up(interaction: Interaction, now: dt.datetime) -> None:
    if interaction.hold_started_at is not None:
        _resume(interaction, now)
    interaction.ended_at = max(now, interaction.answered_at or now)
    connected = seconds_between(interaction.answered_at, interaction.ended_at)
    interaction.talk_seconds = max(0, connected - interaction.hold_seconds)
    interaction.state = InteractionState.WRAP_UP


@transaction.atomic
def interaction_hang_up(
    *, interaction: Interaction, actor, now: dt.datetime | None = None
) -> Interaction:
    """The conversation ends; wrap-up starts (the agent's state follows)."""
    _require_own(interaction, actor)
    now = now or timezone.now()
    interaction = _locked_interaction(interaction)
    if interaction.state != InteractionState.TALKING:
        raise InvalidTransition("This contact has already ended.")
    _hang_up(interaction, now)
    interaction.save(
        update_fields=["hold_seconds", "hold_started_at", "ended_at", "talk_seconds", "state"]
    )
    session = _ensure_session(interaction.agent, now)
    _switch_state(interaction.agent, session, AgentState.WRAP_UP, "", now)
    audit_record(actor=actor, action="hang_up", obj=interaction)
    return interaction


def mark_repeats(*, account_id: int, case_id: int | None, before: dt.datetime) -> int:
    """A contact from an account makes the account's earlier handled contacts within the
    first-contact-resolution window repeats (not resolved on first contact), unless the two
    are about different cases: the same issue is the same case, or either has none."""
    window_start = before - dt.timedelta(days=settings.CONTACT_FCR_DAYS)
    # A contact ends when its wrap-up ends; calls imported from the PBX have no wrap-up,
    # so they end at hang-up (the same rule as recount_repeats()).
    earlier = Interaction.objects.filter(
        Q(wrap_ended_at__gte=window_start, wrap_ended_at__lt=before)
        | Q(wrap_ended_at__isnull=True, ended_at__gte=window_start, ended_at__lt=before),
        account_id=account_id,
        handled=True,
        repeated=False,
    )
    if case_id is not None:
        earlier = earlier.filter(Q(case_id__isnull=True) | Q(case_id=case_id))
    return earlier.update(repeated=True)


def _script_answers_to_case(interaction: Interaction, case: Case, actor, now) -> None:
    """The answers of the scripts run on this contact land on its case as one note each."""
    from .scripting import run_transcript

    runs = ScriptRun.objects.filter(interaction=interaction, case__isnull=True).select_related(
        "script"
    )
    for run in runs:
        case_add_note(case=case, body=run_transcript(run), actor=actor, now=now)
        run.case = case
        run.save(update_fields=["case"])


@dataclass
class WrapUp:
    """What the one-screen wrap-up collects."""

    summary: str
    disposition: Disposition | None
    case: Case | None = None
    new_case_type: str = ""


@transaction.atomic
def interaction_wrap_up(
    *, interaction: Interaction, wrap: WrapUp, actor, now: dt.datetime | None = None
) -> Interaction:
    """End the contact: the note, disposition and case are recorded, the account's
    timeline gets the note (customers.note_log, through cases.case_log_contact when there
    is a case, so the case gets it too), script answers land on the case, and wrap-up ends
    now. A contact still in progress is hung up first."""
    _require_own(interaction, actor)
    now = now or timezone.now()
    interaction = _locked_interaction(interaction)
    if interaction.state not in (InteractionState.TALKING, InteractionState.WRAP_UP):
        raise InvalidTransition("This contact is already wrapped up.")
    summary = (wrap.summary or "").strip()
    errors: dict[str, list[str]] = {}
    if not summary:
        errors["summary"] = ["Write what the contact was about."]
    if wrap.disposition is None or not wrap.disposition.active:
        errors["disposition"] = ["Choose how the contact ended."]
    if wrap.case is not None and wrap.case.account_id != interaction.account_id:
        errors["case"] = ["That case belongs to another account."]
    if wrap.new_case_type and wrap.new_case_type not in CaseType.values:
        errors["new_case_type"] = ["Unknown case type."]
    if (wrap.case is not None or wrap.new_case_type) and interaction.account_id is None:
        errors["case"] = ["Choose the account first: a case belongs to an account."]
    if errors:
        raise ValidationFailed(errors)
    was_talking = interaction.state == InteractionState.TALKING
    if was_talking:
        _hang_up(interaction, now)
    case = wrap.case
    if case is None and wrap.new_case_type:
        case = case_open(
            account=interaction.account,
            case_type=wrap.new_case_type,
            subject=summary.splitlines()[0][:200],
            description=summary,
            channel=interaction.channel,
            assignee=actor if has_capability(actor, Cap.CASES_WORK) else None,
            actor=actor,
            now=now,
        )
    note = None
    if interaction.account_id is not None:
        if case is not None:
            case_log_contact(
                case=case,
                summary=summary,
                channel=interaction.channel,
                direction=interaction.direction,
                actor=actor,
                now=now,
            )
            # case_log_contact wrote the account note at this very instant; link it.
            note = (
                Note.objects.filter(
                    account_id=interaction.account_id, author=actor, occurred_at=now
                )
                .order_by("-id")
                .first()
            )
            _script_answers_to_case(interaction, case, actor, now)
        else:
            note = note_log(
                account=interaction.account,
                summary=summary,
                channel=interaction.channel,
                direction=interaction.direction,
                occurred_at=now,
                actor=actor,
            )
    interaction.summary = summary
    interaction.disposition = wrap.disposition
    interaction.case = case
    interaction.note = note
    interaction.wrap_ended_at = now
    interaction.wrap_seconds = seconds_between(interaction.ended_at, now)
    interaction.handle_seconds = (
        interaction.talk_seconds + interaction.hold_seconds + interaction.wrap_seconds
    )
    interaction.counted_on = business_day(now)
    interaction.handled = True
    interaction.state = InteractionState.DONE
    interaction.save()
    if interaction.account_id is not None and interaction.direction == ContactDirection.INBOUND:
        mark_repeats(
            account_id=interaction.account_id,
            case_id=interaction.case_id,
            before=interaction.answered_at or now,
        )
    session = _open_session(interaction.agent)
    if session is not None:
        _switch_state(interaction.agent, session, AgentState.AVAILABLE, "", now)
    audit_record(
        actor=actor,
        action="wrap_up",
        obj=interaction,
        changes={
            "disposition": [None, wrap.disposition.code],
            "case": [None, case.number if case else None],
            "handle_seconds": [None, interaction.handle_seconds],
        },
    )
    return interaction


@transaction.atomic
def interaction_set_account(*, interaction: Interaction, account: Account, actor) -> Interaction:
    """Say which account a live contact is about (a caller the pop did not recognise)."""
    _require_own(interaction, actor)
    interaction = _locked_interaction(interaction)
    if interaction.state not in (InteractionState.TALKING, InteractionState.WRAP_UP):
        raise InvalidTransition("This contact is already wrapped up.")
    if not accounts_visible_to(actor).filter(pk=account.pk).exists():
        raise ValidationFailed({"account": ["No such account."]})
    interaction.account = account
    interaction.save(update_fields=["account"])
    audit_record(
        actor=actor, action="update", obj=interaction, changes={"account": [None, account.pk]}
    )
    return interaction


# --- Telephony: caller-ID screen pop ------------------------------------------------------------


def pbx_token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


@transaction.atomic
def pbx_issue_token(*, name: str, actor=None) -> tuple[Pbx, str]:
    """Create a PBX (or rotate its token); the token is returned once and only its hash
    is kept."""
    token = secrets.token_urlsafe(32)
    pbx, created = Pbx.objects.update_or_create(
        name=name.strip(), defaults={"token_hash": pbx_token_hash(token), "active": True}
    )
    audit_record(
        actor=actor, action="create" if created else "rotate", obj=pbx, message="PBX token"
    )
    return pbx, token


def pbx_authenticate(token: str) -> Pbx | None:
    """The active PBX holding this token, or None."""
    if not token:
        return None
    return Pbx.objects.filter(token_hash=pbx_token_hash(token), active=True).first()


def agent_for_pbx_name(name: str):
    """The agent a PBX name means: the extension (201), the queue member interface
    (PJSIP/201) or a channel of it (PJSIP/201-0000002a)."""
    from .importers import AgentDirectory

    return AgentDirectory.load().user_id(name)


@transaction.atomic
def screen_pop_receive(
    *,
    pbx: Pbx,
    caller: str,
    extension: str = "",
    call_id: str = "",
    queue_name: str = "",
    now: dt.datetime | None = None,
) -> ScreenPop:
    """The PBX says a call is ringing at an agent's extension: find the accounts the caller's
    number belongs to (what that agent may see) and offer them on the agent's console. The
    same ring announced twice gives the same pop."""
    from servicebook.users.models import User

    now = now or timezone.now()
    extension = (extension or "").strip()[:40]
    call_id = (call_id or "").strip()[:80]
    if call_id:
        existing = ScreenPop.objects.filter(pbx=pbx, call_id=call_id, extension=extension).first()
        if existing is not None:
            return existing
    agent_id = agent_for_pbx_name(extension) if extension else None
    agent = User.objects.filter(pk=agent_id, is_active=True).first() if agent_id else None
    account_ids: list[int] = []
    if agent is not None and caller:
        account_ids = [
            hit.account_id
            for hit in account_search(user=agent, query=caller, limit=5)
            if hit.matched == "phone"
        ]
    pop = ScreenPop(
        pbx=pbx,
        call_id=call_id,
        extension=extension,
        agent=agent,
        caller_raw=(caller or "")[:60],
        caller_number=_normalized_or_raw(caller) if caller else "",
        queue_name=(queue_name or "")[:80],
        account_ids=account_ids,
        received_at=now,
    )
    try:
        with transaction.atomic():
            pop.save()
    except IntegrityError:
        return ScreenPop.objects.get(pbx=pbx, call_id=call_id, extension=extension)
    Pbx.objects.filter(pk=pbx.pk).update(last_seen_at=now)
    return pop


@transaction.atomic
def pop_take(
    *, pop: ScreenPop, account: Account | None = None, actor, now: dt.datetime | None = None
) -> Interaction:
    """The agent takes the ringing call: the contact starts (timer running) on the chosen
    account, or the only one the number matched."""
    require_capability(actor, Cap.CONTACT_AGENT)
    now = now or timezone.now()
    if pop.agent_id != actor.pk:
        raise InvalidTransition("This call rings for someone else.")
    if account is None and len(pop.account_ids) == 1:
        account = accounts_visible_to(actor).filter(pk=pop.account_ids[0]).first()
    if (
        account is not None
        and account.pk not in pop.account_ids
        and not accounts_visible_to(actor).filter(pk=account.pk).exists()
    ):
        raise ValidationFailed({"account": ["No such account."]})
    # Compare-and-set: a double click takes the call once.
    if not ScreenPop.objects.filter(pk=pop.pk, state=PopState.RINGING).update(
        state=PopState.TAKEN, taken_at=now
    ):
        raise InvalidTransition("This call was already taken or dismissed.")
    interaction = interaction_start(
        agent=actor,
        channel=ContactChannel.PHONE,
        direction=ContactDirection.INBOUND,
        account=account,
        customer_number=pop.caller_number or pop.caller_raw,
        call_id=pop.call_id,
        queue_name=pop.queue_name,
        ring_at=pop.received_at,
        actor=actor,
        now=now,
    )
    ScreenPop.objects.filter(pk=pop.pk).update(interaction=interaction)
    return interaction


@transaction.atomic
def pop_dismiss(*, pop: ScreenPop, actor) -> ScreenPop:
    """Dismiss a pop (the call was picked up elsewhere, or it was not for this agent)."""
    require_capability(actor, Cap.CONTACT_AGENT)
    if pop.agent_id != actor.pk:
        raise InvalidTransition("This call rings for someone else.")
    if not ScreenPop.objects.filter(pk=pop.pk, state=PopState.RINGING).update(
        state=PopState.DISMISSED
    ):
        raise InvalidTransition("This call was already taken or dismissed.")
    pop.refresh_from_db()
    return pop


# --- Answering-service messages -----------------------------------------------------------------


@dataclass
class AnsweringMessage:
    """One message taken by the answering service, however it arrived."""

    message_id: str
    received_at: dt.datetime
    caller_name: str = ""
    callback_number: str = ""
    account_number: str = ""
    body: str = ""


def _match_account(actor, message: AnsweringMessage) -> Account | None:
    visible = accounts_visible_to(actor)
    if message.account_number:
        account = visible.filter(number=message.account_number.strip()).first()
        if account is not None:
            return account
    if message.callback_number:
        hits = [
            h
            for h in account_search(user=actor, query=message.callback_number, limit=3)
            if h.matched == "phone"
        ]
        if len(hits) == 1:  # a number shared by several accounts needs a person to choose
            return visible.filter(pk=hits[0].account_id).first()
    return None


def _open_callback(interaction: Interaction, account: Account, actor, now) -> Case:
    name = interaction.summary.splitlines()[0][:80] if interaction.summary else ""
    case = case_open(
        account=account,
        case_type=CaseType.CALLBACK,
        priority=settings.CONTACT_CALLBACK_PRIORITY,
        subject=f"Call back {interaction.customer_number or 'the customer'}"[:200],
        description=interaction.summary or name,
        channel=ContactChannel.ANSWERING_SERVICE,
        actor=actor,
        now=now,
    )
    interaction.account = account
    interaction.case = case
    interaction.state = InteractionState.DONE
    interaction.save(update_fields=["account", "case", "state"])
    return case


@transaction.atomic
def answering_message_receive(
    *, message: AnsweringMessage, source: str = InteractionSource.API, actor, now=None
) -> tuple[Interaction, bool]:
    """Record an answering-service message and queue it as a callback case (type callback,
    whose SLA policy sets its targets). A message whose account cannot be told waits in the
    unmatched list for an agent. The same message (id) received twice is recorded once:
    returns (interaction, created)."""
    require_capability(actor, Cap.CONTACT_AGENT)
    require_capability(actor, Cap.CASES_WORK)
    now = now or timezone.now()
    key = (message.message_id or "").strip()[:200]
    if not key:
        raise ValidationFailed({"message_id": ["A message needs its id (to receive it once)."]})
    if not (message.body or "").strip() and not message.callback_number:
        raise ValidationFailed({"body": ["The message is empty."]})
    existing = Interaction.objects.filter(source=source, external_key=key).first()
    if existing is not None:
        return existing, False
    text = "\n".join(
        line
        for line in [
            message.caller_name and f"From: {message.caller_name}",
            message.callback_number and f"Call back: {message.callback_number}",
            (message.body or "").strip(),
        ]
        if line
    )
    interaction = Interaction(
        channel=ContactChannel.ANSWERING_SERVICE,
        direction=ContactDirection.INBOUND,
        state=InteractionState.QUEUED,
        source=source,
        external_key=key,
        customer_number=_normalized_or_raw(message.callback_number)
        if message.callback_number
        else "",
        summary=text[:10_000],
        queued_at=message.received_at,
        created_at=message.received_at,
    )
    try:
        with transaction.atomic():
            interaction.save()
    except IntegrityError:
        return Interaction.objects.get(source=source, external_key=key), False
    audit_created(actor=actor, obj=interaction, message="answering-service message")
    account = _match_account(actor, message)
    if account is not None:
        _open_callback(interaction, account, actor, now)
    return interaction, True


@transaction.atomic
def answering_message_match(*, interaction: Interaction, account: Account, actor, now=None) -> Case:
    """An agent tells which account an unmatched message is from; its callback case opens."""
    require_capability(actor, Cap.CONTACT_AGENT)
    now = now or timezone.now()
    interaction = _locked_interaction(interaction)
    if (
        interaction.channel != ContactChannel.ANSWERING_SERVICE
        or interaction.state != InteractionState.QUEUED
    ):
        raise InvalidTransition("This message is already queued as a callback.")
    if not accounts_visible_to(actor).filter(pk=account.pk).exists():
        raise ValidationFailed({"account": ["No such account."]})
    case = _open_callback(interaction, account, actor, now)
    audit_record(
        actor=actor, action="match", obj=interaction, changes={"case": [None, case.number]}
    )
    return case
