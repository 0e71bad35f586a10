"""The console's side navigation, filled by the apps.

Each app registers its links in AppConfig.ready(), so adding an app never means editing the
base template: `register_link(section="Cases", label="My cases", url_name="cases:queue",
args=["mine"], capability="cases.view", order=10)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from .permissions import has_capability

# Sections appear in this order; a section not listed here comes after them.
SECTION_ORDER = ["Cases", "Accounts", "Field service", "Billing", "Collections", "Contact centre"]


@dataclass(frozen=True)
class NavLink:
    section: str
    label: str
    url_name: str
    args: tuple = ()
    capability: str | None = None
    order: int = 100


@dataclass
class NavSection:
    name: str
    links: list[dict] = field(default_factory=list)


_links: dict[tuple[str, str], NavLink] = {}


def register_link(
    *,
    section: str,
    label: str,
    url_name: str,
    args: list | tuple = (),
    capability: str | None = None,
    order: int = 100,
) -> None:
    _links[(section, label)] = NavLink(section, label, url_name, tuple(args), capability, order)


def navigation_for(request) -> list[NavSection]:
    """The sections and links this user may use, with the current page marked."""
    user = getattr(request, "user", None)
    sections: dict[str, NavSection] = {}
    for link in sorted(_links.values(), key=lambda link: (link.order, link.label)):
        if link.capability and not has_capability(user, link.capability):
            continue
        url = reverse(link.url_name, args=link.args)
        sections.setdefault(link.section, NavSection(link.section)).links.append(
            {"label": link.label, "url": url, "current": request.path == url}
        )

    def rank(name: str) -> tuple[int, str]:
        return (SECTION_ORDER.index(name) if name in SECTION_ORDER else len(SECTION_ORDER), name)

    return [sections[name] for name in sorted(sections, key=rank)]
