"""The agent's side of the console: the state bar, the ringing-call pop, the call panel
(timer, hold, script, wrap-up) and the answering-service messages to match.

The console learns of a ringing call by polling a small fragment (htmx, every
CONTACT_POP_POLL_SECONDS): the project runs as plain WSGI with no broker or websocket
server, polling works through any proxy and under the strict content security policy, and
one indexed query per agent every few seconds is nothing for the database.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from servicebook.cases.choices import ACTIVE_STATUSES
from servicebook.cases.selectors import cases_visible_to
from servicebook.core.errors import ServiceError
from servicebook.core.forms import apply_service_error
from servicebook.core.htmx import htmx_partial
from servicebook.core.permissions import capability_required
from servicebook.core.views import button_action, form_action
from servicebook.customers.selectors import account_get, accounts_visible_to
from servicebook.users.roles import Cap

from . import scripting, selectors, services
from .choices import InteractionState
from .forms import (
    AccountNumberForm,
    AgentStateForm,
    ScriptStartForm,
    StartContactForm,
    WrapUpForm,
)
from .models import Interaction, ScreenPop, ScriptOption, ScriptRun

AGENT = Cap.CONTACT_AGENT


# --- The agent state bar and the ringing call -----------------------------------------------------


def _bar_context(request) -> dict:
    status = selectors.agent_status(user=request.user)
    return {
        **status,
        "state_form": AgentStateForm(),
        "poll_seconds": settings.CONTACT_POP_POLL_SECONDS,
        **_incoming_context(request),
    }


def _incoming_context(request) -> dict:
    live = selectors.live_interaction(user=request.user)
    pop = None if live else selectors.ringing_pop(user=request.user)
    return {
        "live": live,
        "pop": pop,
        "pop_accounts": selectors.pop_accounts(user=request.user, pop=pop) if pop else [],
        "poll_seconds": settings.CONTACT_POP_POLL_SECONDS,
    }


@capability_required(AGENT)
def agent_bar(request: HttpRequest) -> HttpResponse:
    """The agent's state bar (loaded once per page, re-rendered after each change)."""
    return render(request, "contact/partials/agent_bar.html", _bar_context(request))


def _not_activity(request: HttpRequest) -> None:
    """A poll is the console asking, not the agent working: it must not keep an unattended
    desk's session alive (users.middleware renews the idle window on every request). Put
    back the last-seen instant as stored, and skip the session write."""
    from importlib import import_module

    from servicebook.users.middleware import _KEY as LAST_SEEN

    session = getattr(request, "session", None)
    if session is None or not session.session_key:
        return
    engine = import_module(settings.SESSION_ENGINE)
    stored = engine.SessionStore(session_key=session.session_key).load()
    if LAST_SEEN in stored and set(stored) == set(session.keys()):
        session[LAST_SEEN] = stored[LAST_SEEN]
        session.modified = False


@capability_required(AGENT)
def agent_incoming(request: HttpRequest) -> HttpResponse:
    """The small fragment the console polls: a ringing call to take, or the live call."""
    _not_activity(request)
    return render(request, "contact/partials/agent_bar.html#incoming", _incoming_context(request))


@require_POST
@capability_required(AGENT)
def agent_state(request: HttpRequest) -> HttpResponse:
    """Log in, become available, take a break (with a reason) or log out."""
    form = AgentStateForm(request.POST)
    error = None
    status = 200
    if form.is_valid():
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
        try:
            if action == "login":
                services.agent_login(agent=request.user, actor=request.user)
            elif action == "logout":
                services.agent_logout(agent=request.user, actor=request.user)
            else:
                services.agent_set_state(
                    agent=request.user, state=action, reason=reason, actor=request.user
                )
        except ServiceError as exc:
            error, status = exc.message, exc.status_code
    else:
        error, status = "Choose what to do.", 400
    if htmx_partial(request):
        context = _bar_context(request) | {"bar_error": error}
        return render(request, "contact/partials/agent_bar.html", context, status=status)
    from django.contrib import messages

    if error:
        messages.error(request, error)
    return redirect(request.POST.get("next") or reverse("console:home"))


@require_POST
@capability_required(AGENT)
def pop_take(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the ringing call: the timer starts and the account opens."""
    pop = get_object_or_404(ScreenPop, pk=pk, agent=request.user)
    account = None
    if request.POST.get("account"):
        account = accounts_visible_to(request.user).filter(pk=request.POST["account"]).first()
    try:
        interaction = services.pop_take(pop=pop, account=account, actor=request.user)
    except ServiceError as exc:
        from django.contrib import messages

        messages.error(request, exc.message)
        return redirect(reverse("console:home"))
    return redirect(_back(interaction))


@require_POST
@capability_required(AGENT)
def pop_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    pop = get_object_or_404(ScreenPop, pk=pk, agent=request.user)
    # Already taken or dismissed: the fragment shows what is true now.
    with contextlib.suppress(ServiceError):
        services.pop_dismiss(pop=pop, actor=request.user)
    if htmx_partial(request):
        return render(
            request, "contact/partials/agent_bar.html#incoming", _incoming_context(request)
        )
    return redirect(request.POST.get("next") or reverse("console:home"))


# --- The call panel -----------------------------------------------------------------------------


def _back(interaction: Interaction) -> str:
    if interaction.account_id:
        return reverse("customers:account_detail", args=[interaction.account_id]) + "#call-panel"
    return reverse("contact:call", args=[interaction.pk])


def _open_cases(request, interaction: Interaction):
    if interaction.account_id is None:
        return cases_visible_to(request.user).none()
    return cases_visible_to(request.user).filter(
        account_id=interaction.account_id, status__in=ACTIVE_STATUSES
    )


def call_context(request, interaction: Interaction, forms: dict | None = None) -> dict:
    """Everything the call panel shows for a live contact."""
    forms = forms or {}
    run = selectors.open_run(user=request.user, interaction=interaction)
    node = run.current_node if run and run.finished_at is None else None
    return {
        "interaction": interaction,
        "run": run,
        "node": node,
        "options": list(node.options.all()) if node else [],
        "wrap_form": forms.get("wrap") or WrapUpForm(open_cases=_open_cases(request, interaction)),
        "script_form": forms.get("script") or ScriptStartForm(),
        "account_form": forms.get("account") or AccountNumberForm(),
        "call_error": forms.get("error"),
        "script_error": forms.get("script_error"),
    }


def _live(request, pk: int) -> Interaction:
    interaction = get_object_or_404(
        selectors.interactions_visible_to(request.user).select_related("account__customer"), pk=pk
    )
    if interaction.agent_id != request.user.pk:
        raise Http404("Not your contact.")
    return interaction


def _panel(
    request, interaction: Interaction, *, forms=None, status: int = 200, part: str = "actions"
) -> HttpResponse:
    """A part of the call panel (htmx: the head with its buttons, or the script; never the
    wrap-up form, so what the agent is typing there survives a hold or a script step), or
    the whole call page."""
    interaction.refresh_from_db()
    context = {"call": call_context(request, interaction, forms), "account": interaction.account}
    if htmx_partial(request):
        template = f"contact/partials/call_panel.html#{part}"
    else:
        template = "contact/call.html"
    return render(request, template, context, status=status)


@capability_required(AGENT)
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A contact of the agent: the call panel, and the account chooser when no account was
    recognised."""
    return _panel(request, _live(request, pk))


def _call_button(request, pk: int, call, done: str) -> HttpResponse:
    interaction = _live(request, pk)
    if htmx_partial(request):
        try:
            call(interaction)
        except ServiceError as exc:
            return _panel(
                request, interaction, forms={"error": exc.message}, status=exc.status_code
            )
        return _panel(request, interaction)
    return button_action(
        request,
        lambda: call(interaction),
        done=done,
        success_url=_back(interaction),
        failed=lambda status: _panel(request, interaction, status=status),
    )


@require_POST
@capability_required(AGENT)
def call_hold(request: HttpRequest, pk: int) -> HttpResponse:
    """Hold, or resume when on hold."""

    def call(interaction):
        if interaction.on_hold:
            services.interaction_resume(interaction=interaction, actor=request.user)
        else:
            services.interaction_hold(interaction=interaction, actor=request.user)

    return _call_button(request, pk, call, "Hold changed.")


@require_POST
@capability_required(AGENT)
def call_hang_up(request: HttpRequest, pk: int) -> HttpResponse:
    return _call_button(
        request,
        pk,
        lambda i: services.interaction_hang_up(interaction=i, actor=request.user),
        "Call ended: wrap up.",
    )


@require_POST
@capability_required(AGENT)
def contact_start(request: HttpRequest, account_pk: int) -> HttpResponse:
    """Start a contact on an account (an outbound call, a walk-in, an email): the timer runs
    until the wrap-up."""
    account = account_get(user=request.user, pk=account_pk)
    form = StartContactForm(request.POST)
    url = reverse("customers:account_detail", args=[account.pk]) + "#call-panel"

    def failed(form, status):
        from django.contrib import messages

        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
        return redirect(url)

    return form_action(
        request,
        form,
        lambda d: services.interaction_start(
            agent=request.user,
            channel=d["channel"],
            direction=d["direction"],
            account=account,
            actor=request.user,
        ),
        done="Contact started.",
        success_url=url,
        failed=failed,
    )


@require_POST
@capability_required(AGENT)
def call_account(request: HttpRequest, pk: int) -> HttpResponse:
    """Say which account the caller is (by account number)."""
    interaction = _live(request, pk)
    form = AccountNumberForm(request.POST)

    def call(d):
        account = (
            accounts_visible_to(request.user).filter(number=d["account_number"].strip()).first()
        )
        if account is None:
            from servicebook.core.errors import ValidationFailed

            raise ValidationFailed({"account_number": ["No account with this number."]})
        return services.interaction_set_account(
            interaction=interaction, account=account, actor=request.user
        )

    return form_action(
        request,
        form,
        call,
        done="Account chosen.",
        success_url=lambda i: _back(i),
        failed=lambda form, status: _panel(
            request, interaction, forms={"account": form}, status=status
        ),
    )


@require_POST
@capability_required(AGENT)
def call_wrap_up(request: HttpRequest, pk: int) -> HttpResponse:
    """The one-screen wrap-up: note, disposition, case; it ends the contact."""
    interaction = _live(request, pk)
    form = WrapUpForm(request.POST, open_cases=_open_cases(request, interaction))

    def call(d):
        return services.interaction_wrap_up(
            interaction=interaction,
            wrap=services.WrapUp(
                summary=d["summary"],
                disposition=d["disposition"],
                case=d["case"],
                new_case_type=d["new_case_type"],
            ),
            actor=request.user,
        )

    def done(i):
        minutes, seconds = divmod(i.handle_seconds, 60)
        return f"Contact wrapped up: handle time {minutes}:{seconds:02d}."

    return form_action(
        request,
        form,
        call,
        done=done,
        success_url=lambda i: (
            reverse("customers:account_detail", args=[i.account_id])
            if i.account_id
            else reverse("console:home")
        ),
        failed=lambda form, status: _panel(
            request, interaction, forms={"wrap": form}, status=status
        ),
    )


# --- Scripts -----------------------------------------------------------------------------------


@require_POST
@capability_required(AGENT)
def script_start(request: HttpRequest, pk: int) -> HttpResponse:
    interaction = _live(request, pk)
    form = ScriptStartForm(request.POST)
    if not form.is_valid():
        return _panel(request, interaction, forms={"script": form}, status=400, part="script")
    try:
        scripting.script_start(
            script=form.cleaned_data["script"], interaction=interaction, actor=request.user
        )
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _panel(
            request, interaction, forms={"script": form}, status=exc.status_code, part="script"
        )
    if htmx_partial(request):
        return _panel(request, interaction, part="script")
    return redirect(_back(interaction))


@require_POST
@capability_required(AGENT)
def script_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer the current step of a script run (an option, a free answer or a confirmation)."""
    run = get_object_or_404(ScriptRun, pk=pk, agent=request.user)
    option = None
    if request.POST.get("option"):
        option = ScriptOption.objects.filter(pk=request.POST["option"]).first()
    status, error = 200, None
    try:
        scripting.script_answer(
            run=run,
            option=option,
            text=request.POST.get("text", ""),
            confirmed=request.POST.get("confirmed") in ("on", "yes", "true", "1"),
            actor=request.user,
        )
    except ServiceError as exc:
        status, error = exc.status_code, exc.message
    if run.interaction_id is None:
        raise Http404("This run is not on a contact.")
    interaction = _live(request, run.interaction_id)
    if htmx_partial(request) or error:
        return _panel(
            request, interaction, forms={"script_error": error}, status=status, part="script"
        )
    return redirect(_back(interaction))


# --- Answering-service messages ----------------------------------------------------------------


@capability_required(AGENT)
def messages_list(request: HttpRequest) -> HttpResponse:
    """Answering-service messages whose account could not be told: match them to queue
    their callback."""
    items = list(selectors.unmatched_messages(user=request.user)[:100])
    return render(
        request,
        "contact/messages.html",
        {"items": items, "form": AccountNumberForm()},
    )


@require_POST
@capability_required(AGENT)
def message_match(request: HttpRequest, pk: int) -> HttpResponse:
    interaction = get_object_or_404(selectors.unmatched_messages(user=request.user), pk=pk)
    form = AccountNumberForm(request.POST)

    def call(d):
        account = (
            accounts_visible_to(request.user).filter(number=d["account_number"].strip()).first()
        )
        if account is None:
            from servicebook.core.errors import ValidationFailed

            raise ValidationFailed({"account_number": ["No account with this number."]})
        return services.answering_message_match(
            interaction=interaction, account=account, actor=request.user
        )

    return form_action(
        request,
        form,
        call,
        done=lambda case: f"Callback case {case.number} queued.",
        success_url=reverse("contact:messages"),
        failed=lambda form, status: render(
            request,
            "contact/messages.html",
            {
                "items": list(selectors.unmatched_messages(user=request.user)[:100]),
                "form": AccountNumberForm(),
                "failed_form": form,
                "failed_pk": interaction.pk,
            },
            status=status,
        ),
    )


def is_live(interaction: Interaction | None) -> bool:
    return interaction is not None and interaction.state in (
        InteractionState.TALKING,
        InteractionState.WRAP_UP,
    )
