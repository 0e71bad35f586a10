from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .navigation import navigation_for
from .permissions import has_capability


class Capabilities:
    """Template access to the user's capabilities: {% if can.cases_escalate %}."""

    def __init__(self, user):
        self.user = user

    def __getitem__(self, name: str) -> bool:
        return has_capability(self.user, name.replace("_", ".", 1))

    def __contains__(self, name: str) -> bool:
        return self[name]


def console(request):
    """What every console page shows: the business name, the current search, what the
    user may do."""
    return {
        "business_name": settings.SERVICEBOOK_BUSINESS_NAME,
        "search_query": request.GET.get("q", "") if request.path.startswith("/search") else "",
        "can": Capabilities(getattr(request, "user", None)),
        "navigation": SimpleLazyObject(lambda: navigation_for(request)),
    }
