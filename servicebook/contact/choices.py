"""The contact centre's fixed vocabularies (policies that change, such as dispositions and
break reasons, are records or settings instead)."""

from django.db import models


class ContactChannel(models.TextChoices):
    # Values match customers.choices.Channel, so the account note a wrap-up writes carries
    # the same channel code as the interaction.
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    WALK_IN = "walk_in", "Walk-in"
    CHAT = "chat", "Chat"
    ANSWERING_SERVICE = "answering_service", "Answering service"


class ContactDirection(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class InteractionState(models.TextChoices):
    QUEUED = "queued", "Waiting for an agent"  # an answering-service message not yet matched
    TALKING = "talking", "In progress"
    WRAP_UP = "wrap_up", "Wrap-up"
    DONE = "done", "Done"
    MISSED = "missed", "Rang, not answered"  # a PBX leg that rang an agent who did not answer


LIVE_STATES = (InteractionState.TALKING, InteractionState.WRAP_UP)


class InteractionSource(models.TextChoices):
    CONSOLE = "console", "Console"
    CDR = "cdr", "PBX call record"
    EMAIL = "email", "Email"
    API = "api", "API"


class AgentState(models.TextChoices):
    AVAILABLE = "available", "Available"
    ON_CALL = "on_call", "On a call"
    WRAP_UP = "wrap_up", "Wrap-up"
    BREAK = "break", "On break"


class BreakReason(models.TextChoices):
    BREAK = "break", "Break"
    LUNCH = "lunch", "Lunch"
    MEETING = "meeting", "Meeting"
    TRAINING = "training", "Training"
    COACHING = "coaching", "Coaching"
    BACK_OFFICE = "back_office", "Back-office work"
    PERSONAL = "personal", "Personal"
    SYSTEM = "system", "System / PBX pause"


class StateSource(models.TextChoices):
    CONSOLE = "console", "Console"
    QUEUE_LOG = "queue_log", "PBX queue log"


class QueueOutcome(models.TextChoices):
    ANSWERED = "answered", "Answered"
    ABANDONED = "abandoned", "Abandoned"
    TIMEOUT = "timeout", "Left the queue on timeout"
    EXIT_KEY = "exit_key", "Left the queue by key press"


class PopState(models.TextChoices):
    RINGING = "ringing", "Ringing"
    TAKEN = "taken", "Taken"
    DISMISSED = "dismissed", "Dismissed"


class NodeKind(models.TextChoices):
    QUESTION = "question", "Question"
    STATEMENT = "statement", "Statement to read"
    END = "end", "End of script"
