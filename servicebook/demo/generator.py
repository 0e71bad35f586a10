"""The demo book of business as plain row tuples, one list per table, built in chunks.

Everything random comes from one `random.Random(seed)` drawn in a fixed order, account after
account, so the same seed and the same number of accounts give the same customers, names,
addresses, phones, agreements, notes and cases, whatever the chunk size. Timestamps are
relative to `now` (pass the same `now` to get the same instants too).

The generator never touches the database itself. It takes:

* account numbers reserved by the caller (customers.services.account_numbers_reserve),
* an `IdSource` handing out primary keys per table (a block of a PostgreSQL sequence, or a
  counter past the highest SQLite rowid inside the seeding transaction),
* a `case_numbers` callable reserving case numbers from the case sequence,

and returns rows whose columns are listed in TABLES. The writers (demo.writers) put them in
the database with COPY or executemany. The rows follow the same rules the services apply
one at a time: search documents through customers.services.search_fields_for, SLA clocks
through cases.sla on the standard business calendar, so a seeded case behaves like one
opened through case_open.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from servicebook.cases.choices import CaseStatus, EventKind
from servicebook.core.calendar import Schedule
from servicebook.customers.services import customer_display_name, search_fields_for

from . import reference as R
from .lifecycle import CaseSim, ChecklistItemRef, PolicyRef, fast_schedule
from .tables import TABLES, Chunk, IdSource, empty_chunk

UTC = dt.UTC


@dataclass
class Refs:
    """Primary keys of the reference rows (installed by demo.services first)."""

    schedule: Schedule
    policies: dict[tuple[str, str], PolicyRef]
    queues: dict[str, tuple[int, str]]  # case type -> (queue id, name)
    escalation_queue: tuple[int, str] | None
    resolution_codes: dict[str, list[tuple[int, str]]]  # case type -> [(id, code)]
    # (case type, line of business or "" for all) -> items
    checklist_items: dict[tuple[str, str], list[ChecklistItemRef]]
    programs: dict[str, int]  # code -> id
    users: dict[str, int]  # username -> id


# --- Small helpers --------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_PHONE_SPACE = 2 * len(R.EXCHANGES) * 10_000
_PHONE_STEP = 1_000_003  # prime, larger than every factor of _PHONE_SPACE: a permutation
assert math.gcd(_PHONE_STEP, _PHONE_SPACE) == 1


def _slug(text: str) -> str:
    return _NON_ALNUM.sub("-", text.lower()).strip("-")


class FastRandom(random.Random):
    """random.Random with cheaper choice() and randrange(): one float draw scaled to the
    range instead of rejection sampling on bits. The bias (below 2**-40) does not matter for
    demo data, and the draws stay a pure function of the seed. About 10x faster, which
    counts when a million accounts make tens of millions of draws."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randrange(self, start, stop=None, step=1):
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))


def _weighted(rng: random.Random, pairs: list[tuple]) -> Callable[[], object]:
    """A picker of the first element of (value, weight) pairs, by weight."""
    values = [p[0] for p in pairs]
    cum, total = [], 0.0
    for p in pairs:
        total += p[-1]
        cum.append(total)
    rand = rng.random
    return lambda: values[bisect_right(cum, rand() * total)]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --- The generator --------------------------------------------------------------------------------


@dataclass
class ShowcaseCase:
    """A hand-written case of the showcase account. Active cases are aged in working time
    on the business calendar, so whatever the day of the seed, the power outage is at risk
    of missing its 4-hour target (and was escalated by the sweep) and the callback has
    missed its one-hour first response."""

    case_type: str
    priority: str
    status: str
    subject: str
    description: str
    working_minutes: int = 0  # active cases: opened this much working time ago
    age: dt.timedelta | None = None  # resolved and closed cases: opened this long ago


SHOWCASE = {
    "first_name": "Evelyn",
    "last_name": "Featherstone",
    "line1": "2417 W 34th Ave",
    "postal_code": "80211",
    "latitude": Decimal("39.764300"),
    "longitude": Decimal("-105.017200"),
    "email": "evelyn.featherstone@example.com",
    "second_contact": ("Thomas Featherstone", "+17205550123", "authorized"),
    "cases": [
        ShowcaseCase("trouble_ticket", "urgent", CaseStatus.OPEN, "Power out at the premise",
                     "Whole house without power since early morning; home oxygen concentrator "
                     "on battery backup. Neighbours have power.", working_minutes=200),
        ShowcaseCase("billing_dispute", "normal", CaseStatus.WAITING_CUSTOMER,
                     "High bill dispute", "October bill is twice last October's; customer "
                     "says usage did not change.", working_minutes=3 * R.DAY),
        ShowcaseCase("trouble_ticket", "normal", CaseStatus.WAITING_THIRD_PARTY,
                     "Smart meter reading erratic", "Daily reads jump between 0 and 90 kWh; "
                     "meter sent to the meter shop for testing.", working_minutes=R.DAY * 17 // 10),
        ShowcaseCase("callback", "normal", CaseStatus.NEW,
                     "Answering service: call back about the medical certificate",
                     "Message left after hours: the certificate expires in March and the "
                     "customer wants to know how to renew it.", working_minutes=75),
        ShowcaseCase("inquiry", "low", CaseStatus.RESOLVED, "Budget billing question",
                     "How is the monthly amount calculated and trued up?",
                     age=dt.timedelta(days=3)),
        ShowcaseCase("complaint", "normal", CaseStatus.CLOSED, "Crew left the yard torn up",
                     "Meter replacement crew left ruts in the lawn.", age=dt.timedelta(days=60)),
    ],
}  # fmt: skip

DESK_USERS = ["demo.rep", "demo.rep", "demo.rep", "demo.rep2", "demo.rep2", "demo.billing"]
CASE_WORKERS = {
    "trouble_ticket": ["demo.rep", "demo.rep2", "demo.dispatcher", "demo.admin-svc"],
    "billing_dispute": ["demo.billing", "demo.rep2", "demo.collections"],
    "escalation": ["demo.rep2", "demo.supervisor"],
}
DEFAULT_WORKERS = ["demo.rep", "demo.rep2"]
CASE_CHANNEL = {"callback": "answering_service"}
AUTO_CLOSE_REASON = "closed automatically {days} days after resolution"


class DemoGenerator:
    """Builds the demo rows, chunk after chunk, from one seeded random source."""

    def __init__(
        self, *, seed: int, refs: Refs, now: dt.datetime, auto_close_days: int = 7
    ) -> None:
        self.rng = rng = FastRandom(seed)
        self.refs = refs
        self.now = now
        self.today = now.astimezone(refs.schedule.tz).date()
        self.schedule = fast_schedule(refs.schedule)
        self.auto_close_days = auto_close_days
        self.phone_serial = 0
        self.phone_offset = (seed * 7919 + 12345) % _PHONE_SPACE
        u = refs.users
        self.desk_users = [u[name] for name in DESK_USERS if name in u]
        self.case_workers = {
            t: [u[n] for n in names if n in u] for t, names in CASE_WORKERS.items()
        }
        self.default_workers = [u[n] for n in DEFAULT_WORKERS if n in u]
        self.supervisor = u.get("demo.supervisor")
        self.usernames = {pk: name for name, pk in u.items()}
        self.counts = dict.fromkeys(TABLES, 0)
        self.status_counts: dict[str, int] = {}
        # Pickers by weight.
        w = lambda pairs: _weighted(rng, pairs)  # noqa: E731
        self.pick_zip = w([(z, z[4]) for z in R.ZIP_AREAS])
        self.pick_lob = w([("utility", 45), ("telecom", 30), ("field_service", 25)])
        self.pick_status = w(
            [("active", 820), ("past_due", 80), ("suspended", 20), ("disconnected", 15),
             ("final_billed", 20), ("closed", 30), ("in_bankruptcy", 8), ("written_off", 7)]
        )  # fmt: skip
        self.pick_rating = w(
            [("excellent", 20), ("good", 35), ("fair", 15), ("poor", 8), ("unrated", 22)]
        )
        self.pick_language = w(R.LANGUAGES)
        self.pick_channel = w(
            [("phone", 55), ("email", 12), ("portal", 6), ("sms", 5), ("letter", 5),
             ("walk_in", 4), ("chat", 5), ("answering_service", 3), ("field", 2),
             ("internal", 3)]
        )  # fmt: skip
        self.pick_note_count = w([(0, 25), (1, 30), (2, 20), (3, 12), (4, 8), (5, 5)])
        self.pick_case_status = w(
            [(CaseStatus.CLOSED, 55), (CaseStatus.RESOLVED, 7), (CaseStatus.NEW, 7),
             (CaseStatus.OPEN, 16), (CaseStatus.WAITING_CUSTOMER, 8),
             (CaseStatus.WAITING_THIRD_PARTY, 7)]
        )  # fmt: skip
        self.pick_tt_priority = w([("urgent", 10), ("high", 25), ("normal", 55), ("low", 10)])
        self.pick_priority = w([("urgent", 3), ("high", 15), ("normal", 62), ("low", 20)])
        self.pick_case_channel = w(
            [("phone", 65), ("email", 12), ("portal", 10), ("chat", 8), ("walk_in", 5)]
        )
        self._email_local_cache: dict[str, str] = {}

    # --- chunks -------------------------------------------------------------------------------

    def build_chunk(
        self,
        *,
        numbers: list[str],
        ids: IdSource,
        case_numbers: Callable[[], str],
        showcase: bool = False,
    ) -> Chunk:
        """Rows for one account per reserved number. With `showcase`, the first number goes
        to the showcase customer (Evelyn Featherstone, (303) 555-0147)."""
        self._ids = ids
        self._case_number = case_numbers
        self._rows = rows = empty_chunk()
        self._bind(ids)
        for i, number in enumerate(numbers):
            if showcase and i == 0:
                self._showcase_account(number)
            else:
                self._random_account(number)
        for name, table_rows in rows.items():
            self.counts[name] += len(table_rows)
        return rows

    def _bind(self, ids: IdSource) -> None:
        take = ids.take
        self.next_customer = take("customer")
        self.next_account = take("account")
        self.next_location = take("location")
        self.next_contact = take("contact")
        self.next_phone = take("phone")
        self.next_email = take("email")
        self.next_agreement = take("agreement")
        self.next_equipment = take("equipment")
        self.next_enrollment = take("enrollment")
        self.next_alert = take("alert")
        self.next_note = take("note")
        self.next_case = take("case")
        self.next_case_note = take("case_note")
        self.next_case_event = take("case_event")
        self.next_answer = take("checklist_answer")
        self.next_consent = take("consent")

    # --- draws ----------------------------------------------------------------------------------

    def _instant_between(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        span = (end - start).total_seconds()
        if span <= 0:
            return start
        return start + dt.timedelta(seconds=int(self.rng.random() * span))

    def _moment_on(self, day: dt.date) -> dt.datetime:
        """A daytime instant on a local day (09:00-17:00 Denver), in UTC."""
        seconds = 9 * 3600 + int(self.rng.random() * 8 * 3600)
        local = dt.datetime(day.year, day.month, day.day, tzinfo=self.schedule.tz)
        return (local + dt.timedelta(seconds=seconds)).astimezone(UTC)

    def _phone(self) -> str:
        """A new +1 303/720 number, never repeated within a run (an affine permutation of
        the number space), never in the 555 exchange."""
        slot = (_PHONE_STEP * self.phone_serial + self.phone_offset) % _PHONE_SPACE
        self.phone_serial += 1
        line, rest = slot % 10_000, slot // 10_000
        exchange = R.EXCHANGES[rest % len(R.EXCHANGES)]
        area = R.AREA_CODES[rest // len(R.EXCHANGES)]
        return f"+1{area}{exchange:03d}{line:04d}"

    def _email_local(self, name: str) -> str:
        local = self._email_local_cache.get(name)
        if local is None:
            local = self._email_local_cache[name] = _NON_ALNUM.sub("", name.lower())
        return local

    def _person_email(self, first: str, last: str) -> str:
        rng = self.rng
        f, l = self._email_local(first), self._email_local(last)  # noqa: E741
        style = rng.randrange(6)
        nn = rng.randrange(10, 100)
        local = (
            f"{f}.{l}",
            f"{f}{l}",
            f"{f[0]}{l}",
            f"{f}.{l}{nn}",
            f"{f}_{l}{nn}",
            f"{l}.{f}{nn}",
        )[style]
        if style < 3:
            local += str(rng.randrange(1, 1000))
        return f"{local}@{rng.choice(R.EMAIL_DOMAINS)}"

    def _address(self, zip_area) -> tuple[str, str, str, Decimal, Decimal]:
        """(line1, city, postal code, latitude, longitude) on Denver's street grid near the
        ZIP's centre: avenue names follow the latitude, street names the longitude, and the
        house number the distance from Broadway or Ellsworth."""
        rng = self.rng
        postal, city, clat, clon, _ = zip_area
        lat = min(max(clat + rng.gauss(0, 0.009), R.LAT_RANGE[0]), R.LAT_RANGE[1])
        lon = min(max(clon + rng.gauss(0, 0.011), R.LON_RANGE[0]), R.LON_RANGE[1])
        east = lon >= R.BROADWAY_LON
        north = lat >= R.ELLSWORTH_LAT
        if rng.random() < 0.55:  # on an east-west avenue: number from the longitude
            per = R.DEG_LON_PER_NUMBER_EAST if east else R.DEG_LON_PER_NUMBER_WEST
            number = max(1, int(abs(lon - R.BROADWAY_LON) / per))
            if north:
                nth = max(1, min(R.MAX_NUMBERED_AVENUE, round((lat - R.ELLSWORTH_LAT) / 0.00146)))
                name = R.AVENUE_NAMES_NORTH.get(nth) or f"{_ordinal(nth)} Ave"
            else:
                idx = int((R.ELLSWORTH_LAT - lat) / 0.0021)
                name = R.AVENUES_SOUTH[min(idx, len(R.AVENUES_SOUTH) - 1)]
            direction = "E" if east else "W"
            line1 = f"{number} {direction} {name}"
        else:  # on a north-south street: number from the latitude
            per = R.DEG_LAT_PER_NUMBER_NORTH if north else R.DEG_LAT_PER_NUMBER_SOUTH
            number = max(1, int(abs(lat - R.ELLSWORTH_LAT) / per))
            streets = R.STREETS_EAST if east else R.STREETS_WEST
            per_lon = R.DEG_LON_PER_NUMBER_EAST if east else R.DEG_LON_PER_NUMBER_WEST
            idx = int(abs(lon - R.BROADWAY_LON) / per_lon / 100)
            name = "Broadway" if idx == 0 else streets[min(idx - 1, len(streets) - 1)]
            line1 = f"{number} {name}" if north else f"{number} S {name}"
        return line1, city, postal, Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")

    # --- one account ------------------------------------------------------------------------

    def _random_account(self, number: str) -> None:
        rng = self.rng
        rand = rng.random
        lob = self.pick_lob()
        is_org = rand() < (0.18 if lob == "field_service" else 0.12)
        status = self.pick_status()
        if lob != "utility" and status == "disconnected":
            status = "suspended"
        if is_org:
            trade, customer_class = rng.choice(R.BUSINESS_TRADES)
            org = f"{rng.choice(R.PLACE_WORDS)} {trade}"
            suffix = rng.choice(R.LEGAL_SUFFIXES)
            org = f"{org} {suffix}" if suffix else org
            first = last = ""
        else:
            customer_class = "residential"
            first, last, org = rng.choice(R.FIRST_NAMES), rng.choice(R.LAST_NAMES), ""
        opened_on = self.today - dt.timedelta(days=min(9000, 20 + int(rng.expovariate(1 / 2400))))
        zip_area = self.pick_zip()
        _, account_id, opened_at = self._customer_and_account(
            number=number,
            first=first,
            last=last,
            org=org,
            lob=lob,
            status=status,
            customer_class=customer_class,
            opened_on=opened_on,
            city=zip_area[1],
            dob=(
                None
                if is_org or rand() < 0.3
                else self.today - dt.timedelta(days=int(365.25 * rng.uniform(21, 90)))
            ),
            language="en" if is_org else self.pick_language(),
        )
        # Locations: one premise; some organisations have a second site.
        locations = [self._location(account_id, zip_area, opened_at, lob, is_org, primary=True)]
        if is_org and rand() < 0.25:
            locations.append(
                self._location(account_id, self.pick_zip(), opened_at, lob, is_org, primary=False)
            )
        # Contacts, phones and emails.
        phones: list[tuple[bool, int, str]] = []
        emails: list[tuple[bool, int, str]] = []
        if is_org:
            domain = f"{_slug(org)}.example.com"
            names = [f"{rng.choice(R.FIRST_NAMES)} {rng.choice(R.LAST_NAMES)}"]
            roles = ["billing"]
            if rand() < 0.5:
                names.append(f"{rng.choice(R.FIRST_NAMES)} {rng.choice(R.LAST_NAMES)}")
                roles.append("site")
            contact_emails = [f"{rng.choice(R.ORG_EMAIL_LOCALS)}@{domain}"] + [
                f"{self._email_local(n.split()[0])}@{domain}" for n in names[1:]
            ]
        else:
            names = [f"{first} {last}"]
            roles = ["primary"]
            if rand() < 0.25:
                names.append(f"{rng.choice(R.FIRST_NAMES)} {last}")
                roles.append("authorized")
            contact_emails = [
                self._person_email(*n.split(" ", 1)) if rand() < (0.82 if i == 0 else 0.4) else ""
                for i, n in enumerate(names)
            ]
        for i, (name, role) in enumerate(zip(names, roles, strict=True)):
            extra = 1 if rand() < (0.35 if i == 0 else 0.1) else 0
            kinds = ["work" if is_org else "mobile"] + (
                ["home" if not is_org else "mobile"] * extra
            )
            channel = "email" if contact_emails[i] and rand() < 0.3 else "phone"
            self._contact(
                account_id,
                opened_at,
                name,
                role,
                channel,
                primary=i == 0,
                phones=[(self._phone(), k) for k in kinds],
                email=contact_emails[i],
                phone_out=phones,
                email_out=emails,
            )
        self._services(account_id, lob, customer_class, status, locations, opened_on, opened_at)
        self._programs(account_id, lob, is_org, opened_on)
        self._alerts(account_id, lob, status, is_org, opened_at)
        self._notes(account_id, lob, opened_at)
        contact_names = names
        self._search(
            account_id,
            number,
            customer_display_name(
                kind="organisation" if is_org else "person",
                first_name=first,
                last_name=last,
                organisation_name=org,
            ),
            [first, last, org, *contact_names],
            phones,
            emails,
            locations,
        )
        # Cases: about one account in five has one.
        r = rand()
        n_cases = 1 if r < 0.14 else 2 if r < 0.165 else 3 if r < 0.17 else 0
        for _ in range(n_cases):
            texts = R.CASE_TEXTS[lob]
            case_type, subject, description = rng.choice(texts)
            priority = (
                self.pick_tt_priority() if case_type == "trouble_ticket" else self.pick_priority()
            )
            self._case(
                account_id=account_id,
                location_id=locations[0][0],
                lob=lob,
                contact_name=names[0],
                case_type=case_type,
                priority=priority,
                status=self.pick_case_status(),
                subject=subject,
                description=description,
                earliest=opened_at,
            )

    def _customer_and_account(
        self,
        *,
        number,
        first,
        last,
        org,
        lob,
        status,
        customer_class,
        opened_on,
        city,
        dob,
        language,
    ) -> tuple[int, int, dt.datetime]:
        rng = self.rng
        kind = "organisation" if org else "person"
        display = customer_display_name(
            kind=kind, first_name=first, last_name=last, organisation_name=org
        )
        opened_at = self._moment_on(opened_on)
        customer_id, account_id = self.next_customer(), self.next_account()
        rows = self._rows
        rows["customer"].append(
            (customer_id, opened_at, opened_at, kind, first, last, org, display, dob, language)
        )
        rating = self.pick_rating()
        score = None if rating == "unrated" else int(min(850, max(300, rng.gauss(690, 70))))
        closed_on = None
        if status in ("closed", "written_off"):
            span = (self.today - opened_on).days
            closed_on = opened_on + dt.timedelta(days=int(span * (0.5 + rng.random() / 2)))
        rows["account"].append(
            (account_id, opened_at, opened_at, number, customer_id, status, customer_class, lob,
             opened_on, closed_on, rating, score, R.JURISDICTIONS.get(city, "CO"))
        )  # fmt: skip
        return customer_id, account_id, opened_at

    def _location(self, account_id, zip_area, created, lob, is_org, primary, fixed=None):
        rng = self.rng
        line1, city, postal, lat, lon = fixed or self._address(zip_area)
        line2 = ""
        if rng.random() < (0.2 if is_org else 0.15):
            line2 = (
                f"Suite {rng.randrange(1, 40) * 10}"
                if is_org
                else (
                    f"{rng.choice(R.UNIT_WORDS)} {rng.randrange(1, 30)}{rng.choice('ABCD')}"
                    if rng.random() < 0.5
                    else f"{rng.choice(R.UNIT_WORDS)} {rng.randrange(101, 1200)}"
                )
            )
        label = (
            ("Main office" if primary else rng.choice(["Warehouse", "Store 2", "Shop"]))
            if is_org
            else ("Home" if rng.random() < 0.6 else "")
        )
        premise = f"P{rng.randrange(10**8, 10**9)}" if lob == "utility" else ""
        notes = ""
        if rng.random() < 0.08:
            notes = rng.choice(
                ["Gate code 4821#", "Dog in the back yard", "Meter in the alley behind the garage",
                 "Park on the street, the driveway is shared", "Call before arriving",
                 "Side door, ring twice"]
            )  # fmt: skip
        location_id = self.next_location()
        self._rows["location"].append(
            (location_id, created, created, account_id, label, line1, line2, city, R.REGION,
             postal, "US", lat, lon, R.TIME_ZONE, premise, notes, primary)
        )  # fmt: skip
        street = f"{line1} {line2}".strip()
        one_line = f"{street}, {city}, {R.REGION} {postal}"
        return (location_id, one_line, premise)

    def _contact(
        self, account_id, created, name, role, channel, primary, phones, email, phone_out,
        email_out,
    ) -> int:  # fmt: skip
        contact_id = self.next_contact()
        rows = self._rows
        rows["contact"].append(
            (contact_id, created, created, account_id, name, role, channel,
             self.rng.random() < 0.02, primary)
        )  # fmt: skip
        for i, (e164, kind) in enumerate(phones):
            phone_id = self.next_phone()
            rows["phone"].append((phone_id, contact_id, account_id, e164, kind, "", i == 0))
            phone_out.append((i == 0, phone_id, e164))
        if email:
            email_id = self.next_email()
            rows["email"].append((email_id, contact_id, account_id, email, True))
            email_out.append((True, email_id, email))
        return contact_id

    def _services(self, account_id, lob, customer_class, status, locations, opened_on, created):
        """Agreements and equipment fitting the line of business."""
        rng = self.rng
        rows = self._rows
        if status in ("closed", "final_billed", "written_off"):
            agreement_status = "ended"
            end = min(self.today, opened_on + dt.timedelta(days=rng.randrange(30, 4000)))
        elif status in ("suspended", "disconnected"):
            agreement_status, end = "suspended", None
        else:
            agreement_status, end = "active", None

        def agreement(location_id, kind, description, identifier):
            rows["agreement"].append(
                (self.next_agreement(), created, created, account_id, location_id, kind,
                 description, identifier, agreement_status, opened_on, end)
            )  # fmt: skip

        def equipment(location_id, kind, make, model, serial, installed, warranty=None, notes=""):
            rows["equipment"].append(
                (self.next_equipment(), created, created, location_id, account_id, kind, make,
                 model, serial, installed, warranty, notes)
            )  # fmt: skip

        for location_id, _, _ in locations:
            if lob == "utility":
                for kind, chance in (("electric", 0.97), ("gas", 0.7), ("water", 0.45)):
                    if rng.random() >= chance:
                        continue
                    descriptions, prefix, meter_kind, makes = R.UTILITY_SERVICES[kind]
                    meter = f"{prefix}-{rng.randrange(10**7, 10**8)}"
                    agreement(location_id, kind, descriptions[customer_class], meter)
                    make, model = rng.choice(makes)
                    equipment(location_id, meter_kind, make, model, meter, opened_on)
            elif lob == "telecom":
                plans = R.TELECOM_PLANS[
                    "residential" if customer_class == "residential" else "business"
                ]
                internet = [p for p in plans if p[0] == "internet"]
                kind, description = rng.choice(internet)
                circuit = f"CKT-DEN-{rng.randrange(10**6, 10**7)}"
                agreement(location_id, kind, description, circuit)
                if rng.random() < 0.4:
                    line = self._phone()
                    voice = [p for p in plans if p[0] == "phone_line"]
                    agreement(location_id, "phone_line", rng.choice(voice)[1], line)
                kind, make, model = rng.choice(R.TELECOM_EQUIPMENT[:2] + R.TELECOM_EQUIPMENT[4:6])
                serial = f"{make[:4].upper()}{rng.randrange(16**7, 16**8):08X}"
                equipment(location_id, kind, make, model, serial, opened_on)
                if rng.random() < 0.6:
                    kind, make, model = rng.choice(R.TELECOM_EQUIPMENT[2:4])
                    serial = f"{make[:4].upper()}{rng.randrange(16**7, 16**8):08X}"
                    equipment(location_id, kind, make, model, serial, opened_on)
            else:
                description, kind, covered = rng.choice(R.FIELD_CONTRACTS)
                year = max(opened_on.year, self.today.year - rng.randrange(0, 4))
                reference = f"MC-{year}-{rng.randrange(10**5, 10**6)}"
                agreement(location_id, kind, description, reference)
                for equipment_kind in covered or ["Furnace"]:
                    make, model = rng.choice(R.FIELD_EQUIPMENT[equipment_kind])
                    installed = opened_on - dt.timedelta(days=rng.randrange(0, 5000))
                    warranty = installed + dt.timedelta(days=365 * rng.choice((1, 5, 10)))
                    serial = f"{make[:3].upper()}{rng.randrange(10**8, 10**9)}"
                    equipment(location_id, equipment_kind, make, model, serial, installed, warranty)

    def _programs(self, account_id, lob, is_org, opened_on):
        rng = self.rng
        programs = self.refs.programs
        chances = [("paperless", 0.35)]
        if lob == "utility":
            chances += [("budget-billing", 0.15)]
            if not is_org:
                chances += [("low-income-assistance", 0.06), ("medical-baseline", 0.02)]
        elif lob == "telecom" and not is_org:
            chances += [("lifeline", 0.04)]
        for code, chance in chances:
            if code not in programs or rng.random() >= chance:
                continue
            span = max(1, (self.today - opened_on).days)
            enrolled = opened_on + dt.timedelta(days=rng.randrange(span))
            ended = None
            if rng.random() < 0.08:
                ended = min(self.today, enrolled + dt.timedelta(days=rng.randrange(30, 900)))
            at = self._moment_on(enrolled)
            self._rows["enrollment"].append(
                (self.next_enrollment(), at, at, account_id, programs[code], enrolled, ended,
                 rng.choice(self.desk_users) if self.desk_users else None)
            )  # fmt: skip

    def _alert(self, account_id, kind, severity, message, at, expires=None):
        self._rows["alert"].append(
            (self.next_alert(), at, at, account_id, kind, severity, message, True, expires,
             self.supervisor)
        )  # fmt: skip

    def _alerts(self, account_id, lob, status, is_org, opened_at):
        rng = self.rng
        rand = rng.random
        at = self._instant_between(opened_at, self.now)
        if status == "in_bankruptcy":
            self._alert(
                account_id, "bankruptcy", "critical",
                f"Chapter {rng.choice((7, 13))} petition filed; no collection on pre-petition "
                "debt. Refer calls about the balance to collections.", at,
            )  # fmt: skip
        if status in ("past_due", "suspended", "disconnected") and rand() < 0.12:
            self._alert(
                account_id, "cash_only", "warning",
                "Two returned payments: accept only cash, money order or certified funds.", at,
            )  # fmt: skip
        if lob == "utility" and not is_org and rand() < 0.01:
            expires = self.today + dt.timedelta(days=rng.randrange(20, 300))
            self._alert(
                account_id, "medical_certificate", "critical",
                f"Medical certificate on file until {expires:%b %d, %Y}: no disconnection "
                "without supervisor review.", at, expires,
            )  # fmt: skip
        if rand() < 0.008:
            self._alert(
                account_id, "safety", "warning", "Aggressive dog at the premise; call first.", at
            )
        if rand() < 0.006:
            self._alert(
                account_id, "language", "info", "Prefers Spanish; use the language line.", at
            )

    def _notes(self, account_id, lob, opened_at):
        rng = self.rng
        texts = R.NOTE_TEXTS[lob]
        count = self.pick_note_count()
        start = max(opened_at, self.now - dt.timedelta(days=730))
        rows = self._rows["note"]
        for _ in range(count):
            channel = self.pick_channel()
            if channel == "internal":
                direction, summary = "internal", rng.choice(R.INTERNAL_NOTE_TEXTS)
            else:
                outbound = 0.7 if channel == "letter" else 0.2
                direction = "outbound" if rng.random() < outbound else "inbound"
                summary = rng.choice(texts)
            author = None if channel in ("portal", "answering_service") else (
                rng.choice(self.desk_users) if self.desk_users else None
            )  # fmt: skip
            at = self._instant_between(start, self.now)
            rows.append((self.next_note(), account_id, channel, direction, summary, author, at, ""))

    def _search(self, account_id, number, display, names, phones, emails, locations):
        """The account's search row, exactly as customers.services.account_search_refresh
        would write it (same order: primary phones and emails first)."""
        phones.sort(key=lambda p: (not p[0], p[1]))
        emails.sort(key=lambda e: (not e[0], e[1]))
        fields = search_fields_for(
            number=number,
            names=dict.fromkeys(n for n in [display, *names] if n),
            phones=[p[2] for p in phones],
            emails=[e[2] for e in emails],
            addresses=[loc[1] for loc in locations],
        )
        self._rows["search"].append(
            (account_id, fields["number"], fields["names"], fields["phones"], fields["emails"],
             fields["addresses"])
        )  # fmt: skip

    # --- cases --------------------------------------------------------------------------------

    def _case(
        self,
        *,
        account_id,
        location_id,
        lob,
        contact_name,
        case_type,
        priority,
        status,
        subject,
        description,
        earliest,
        age: dt.timedelta | None = None,
        escalate: bool | None = None,
    ) -> None:
        rng = self.rng
        rand = rng.random
        refs, now = self.refs, self.now
        policy = refs.policies.get((case_type, priority))
        workers = self.case_workers.get(case_type, self.default_workers) or self.default_workers
        creator = rng.choice(self.default_workers) if self.default_workers else None
        channel = CASE_CHANNEL.get(case_type) or self.pick_case_channel()
        # When it was opened, and when the work on it stopped (now for an active case).
        first_response_minutes = policy.first_response_minutes if policy else 240
        resolution_minutes = policy.resolution_minutes if policy else 2 * R.DAY
        add = self.schedule.add
        latest_closed = now - dt.timedelta(days=self.auto_close_days + 1)
        latest_resolved = now - dt.timedelta(seconds=60)
        if age is not None:  # the showcase: opened `age` ago
            created = now - age
            span = dt.timedelta(minutes=resolution_minutes * rng.uniform(0.3, 3.2))
            if status == CaseStatus.RESOLVED:
                end = min(created + span, latest_resolved)
            elif status == CaseStatus.CLOSED:
                end = min(created + span, latest_closed)
            else:
                end = now
        elif status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            # Most cases meet their target (see _share_of_target).
            work = resolution_minutes * 60 * self._share_of_target()
            if status == CaseStatus.RESOLVED:
                # Resolved within the auto-close window, or the sweep would have closed it.
                lo = max(earliest, now - dt.timedelta(days=self.auto_close_days - 1))
                created = self._instant_between(lo, now - dt.timedelta(hours=2))
                end = add(created, work)
                if end > latest_resolved:
                    end = self._instant_between(created, latest_resolved)
            else:
                lo = max(earliest, now - dt.timedelta(days=730))
                hi = latest_closed - dt.timedelta(days=1)
                created = self._instant_between(lo, hi) if hi > lo else lo
                end = min(add(created, work), latest_closed)
            end = self._during_work(end, latest_closed if status == "closed" else latest_resolved)
        else:
            offset = dt.timedelta(minutes=resolution_minutes * rng.uniform(0.02, 4.0))
            created, end = max(now - offset, earliest), now
        if created >= end:
            created = end - dt.timedelta(minutes=5)
        initial_status = CaseStatus.NEW
        sim = CaseSim(
            policy=policy,
            schedule=self.schedule,
            created_at=created,
            status=initial_status,
            queue=refs.queues.get(case_type),
            note_ids=self.next_case_note,
            usernames=self.usernames,
        )
        sim._event(created, creator, EventKind.CREATED, to_status=initial_status)
        # Who works it and when: assigned soon, a first reply mostly within its target,
        # the rest of the work at random working instants up to `end`.
        worker = rng.choice(workers) if workers else None
        reply_at = add(created, first_response_minutes * 60 * self._share_of_target())
        replies = reply_at < end and rand() < (0.55 if status == CaseStatus.OPEN else 0.95)
        first_touch = reply_at if replies else end
        assign_at = created + (first_touch - created) * rng.uniform(0.05, 0.5)
        marks = self._work_marks(first_touch if replies else assign_at, end, 6)
        if status != CaseStatus.NEW:
            sim.assign(assign_at, creator, worker)
            if replies:
                sim.note(reply_at, worker, rng.choice(R.CASE_REPLY_TEXTS), "customer")
            if rand() < 0.5:
                sim.note(marks[0], worker, rng.choice(R.CASE_INTERNAL_TEXTS), "internal")
            wants_escalation = escalate if escalate is not None else rand() < 0.06
            if wants_escalation and self.supervisor is not None:
                reason = rng.choice(R.ESCALATION_REASONS)
                sim.escalate(marks[1], worker, reason, refs.escalation_queue)
            if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and rand() < 0.2:
                reason = rng.choice(R.WAITING_CUSTOMER_REASONS)
                sim.transition(marks[2], worker, CaseStatus.WAITING_CUSTOMER, reason)
                sim.transition(marks[3], worker, CaseStatus.OPEN, "Customer replied")
            if status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
                items = refs.checklist_items.get((case_type, ""), [])
                for item in items + refs.checklist_items.get((case_type, lob), []):
                    if item.required:
                        sim.answer(marks[4], worker, item, self._checklist_answer(item))
        consent_at = None
        if status == CaseStatus.WAITING_CUSTOMER:
            reason = rng.choice(R.WAITING_CUSTOMER_REASONS)
            sim.transition(marks[-1], worker, status, reason)
        elif status == CaseStatus.WAITING_THIRD_PARTY:
            at = marks[-1]
            if lob == "telecom" and case_type == "trouble_ticket":
                consent_at = at
                sim.consent(at, worker, contact_name)
            sim.transition(at, worker, status, rng.choice(R.THIRD_PARTY_REASONS))
        elif status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            codes = refs.resolution_codes.get(case_type) or refs.resolution_codes.get("*", [])
            if codes:
                code = rng.choice(codes)
                summary = rng.choice(R.RESOLUTION_SUMMARIES.get(code[1], [""]))
                sim.resolve(end, worker, code, summary)
            if status == CaseStatus.CLOSED:
                if rand() < 0.3:
                    at = end + dt.timedelta(seconds=rand() * 3 * 86400)
                    sim.close(at, worker, "")
                else:
                    days = self.auto_close_days
                    at = end + dt.timedelta(days=days, seconds=30 + rand() * 60)
                    sim.close(at, None, AUTO_CLOSE_REASON.format(days=days))
        sim.finish(now)
        self._emit_case(sim, account_id, location_id, case_type, priority, subject,
                        description, channel, creator, contact_name, consent_at)  # fmt: skip

    def _share_of_target(self) -> float:
        """How much of an SLA target the work took: mostly well inside it, one time in ten
        late (up to twice the target)."""
        rng = self.rng
        return rng.uniform(1.0, 2.0) if rng.random() < 0.1 else rng.uniform(0.1, 0.7)

    def _during_work(self, moment: dt.datetime, latest: dt.datetime) -> dt.datetime:
        """`moment`, or the next working minute after it when it falls outside working
        hours (people resolve cases at their desks), unless that is later than `latest`."""
        schedule = self.schedule
        if schedule.is_working(moment):
            return moment
        nxt = schedule.add(moment, 60 + self.rng.random() * 3600)
        return nxt if nxt <= latest else moment

    def _work_marks(self, start: dt.datetime, end: dt.datetime, n: int) -> list[dt.datetime]:
        """`n` sorted instants between start and end, spread over the working time between
        them; over wall-clock time when there is (almost) none."""
        schedule, rand = self.schedule, self.rng.random
        total = schedule.between(start, end)
        if total < 600:
            return sorted(self._instant_between(start, end) for _ in range(n))
        add = schedule.add
        return [min(add(start, u * total), end) for u in sorted(rand() for _ in range(n))]

    def _checklist_answer(self, item: ChecklistItemRef) -> str:
        """A plausible answer of the item's kind, as checklist_answer would accept it."""
        rng = self.rng
        if item.answer_kind == "yes_no":
            return rng.choice(("yes", "no"))
        if item.answer_kind == "choice":
            return rng.choice(item.choices)
        if item.answer_kind == "number":
            return f"{rng.uniform(20, 400):.2f}"
        if "date" in item.prompt.lower():
            return (self.today - dt.timedelta(days=rng.randrange(10, 60))).isoformat()
        return rng.choice(("E4 flashing", "none shown", "code 33", "no display"))

    def _emit_case(self, sim, account_id, location_id, case_type, priority, subject,
                   description, channel, creator, contact_name, consent_at):  # fmt: skip
        rows = self._rows
        case_id = self.next_case()
        number = self._case_number()
        policy = sim.sla_policy
        rows["case"].append(
            (case_id, sim.created_at, sim.updated_at, number, account_id, location_id,
             case_type, priority, sim.status, subject, description, channel, sim.queue_id,
             sim.assignee_id, creator, policy.id if policy else None, sim.first_response_due,
             sim.first_response_risk_at, sim.first_responded_at, sim.resolution_due,
             sim.resolution_risk_at, sim.sla_paused_at, sim.sla_paused_seconds, sim.at_risk,
             sim.breached, sim.first_response_breached, sim.resolution_breached,
             sim.escalation_level, sim.escalated_at, sim.resolution_code_id,
             sim.resolution_summary, sim.resolved_at, sim.closed_at, 0)
        )  # fmt: skip
        for at, actor, kind, from_status, to_status, reason, data in sim.events:
            rows["case_event"].append(
                (self.next_case_event(), case_id, at, actor, kind, from_status, to_status,
                 reason, data)
            )  # fmt: skip
        for note_id, at, author, body, visibility in sim.notes:
            rows["case_note"].append((note_id, case_id, author, body, visibility, at))
        for item_id, answer, by, at in sim.answers:
            rows["checklist_answer"].append((self.next_answer(), case_id, item_id, answer, by, at))
        if consent_at is not None:
            rows["consent"].append(
                (self.next_consent(), account_id, case_id, "carrier_dispatch", True,
                 contact_name, consent_at, "verbal_phone",
                 "Agreed to an outside carrier technician visit; billable if the fault is "
                 "inside the premises.", sim.assignee_id, consent_at, None)
            )  # fmt: skip
        # The contact that opened the case, on the account's timeline.
        rows["note"].append(
            (self.next_note(), account_id, channel, "inbound",
             f"Opened case {number}: {subject}", creator, sim.created_at, number)
        )  # fmt: skip
        self.status_counts[sim.status] = self.status_counts.get(sim.status, 0) + 1

    # --- the showcase account -------------------------------------------------------------------

    def _showcase_account(self, number: str) -> None:
        """Evelyn Featherstone: a utility customer in the Highlands with electric and gas
        service, budget billing and medical baseline, a medical certificate pinned, a long
        contact history and a case in every state. Her phone is (303) 555-0147."""
        s = SHOWCASE
        zip_area = next(z for z in R.ZIP_AREAS if z[0] == s["postal_code"])
        opened_on = self.today - dt.timedelta(days=4380)
        _, account_id, opened_at = self._customer_and_account(
            number=number,
            first=s["first_name"],
            last=s["last_name"],
            org="",
            lob="utility",
            status="active",
            customer_class="residential",
            opened_on=opened_on,
            city=zip_area[1],
            dob=dt.date(1941, 3, 9),
            language="en",
        )
        fixed = (s["line1"], zip_area[1], zip_area[0], s["latitude"], s["longitude"])
        location = self._location(
            account_id, zip_area, opened_at, "utility", False, primary=True, fixed=fixed
        )
        phones: list = []
        emails: list = []
        holder = f"{s['first_name']} {s['last_name']}"
        self._contact(
            account_id, opened_at, holder, "primary", "phone", True,
            [(R.SHOWCASE_PHONE, "home")], s["email"], phones, emails,
        )  # fmt: skip
        son, son_phone, son_role = s["second_contact"]
        self._contact(
            account_id, opened_at, son, son_role, "phone", False, [(son_phone, "mobile")], "",
            phones, emails,
        )  # fmt: skip
        self._services(
            account_id, "utility", "residential", "active", [location], opened_on, opened_at
        )
        programs = self.refs.programs
        for code in ("budget-billing", "medical-baseline"):
            if code in programs:
                at = opened_at + dt.timedelta(days=400)
                self._rows["enrollment"].append(
                    (self.next_enrollment(), at, at, account_id, programs[code], at.date(),
                     None, self.refs.users.get("demo.rep2"))
                )  # fmt: skip
        expires = self.today + dt.timedelta(days=120)
        self._alert(
            account_id, "medical_certificate", "critical",
            f"Medical certificate on file until {expires:%b %d, %Y} (home oxygen "
            "concentrator): no disconnection without supervisor review.",
            self.now - dt.timedelta(days=245), expires,
        )  # fmt: skip
        for i, text in enumerate(
            [
                "Customer called about the budget billing true-up; explained the annual review.",
                "Son (Thomas) authorized on the account at the customer's request.",
                "Medical certificate received by fax from Dr. Alvarez; alert pinned.",
                "Customer asked for large-print bills; noted the preference.",
            ]
        ):
            channel = ("phone", "phone", "letter", "walk_in")[i]
            at = self.now - dt.timedelta(days=30 * (i + 1) + 3)
            self._rows["note"].append(
                (self.next_note(), account_id, channel, "inbound", text,
                 self.refs.users.get("demo.rep"), at, "")
            )  # fmt: skip
        self._search(
            account_id, number, f"{s['last_name']}, {s['first_name']}",
            [s["first_name"], s["last_name"], holder, son], phones, emails, [location],
        )  # fmt: skip
        for case in s["cases"]:
            self._case(
                account_id=account_id,
                location_id=location[0],
                lob="utility",
                contact_name=holder,
                case_type=case.case_type,
                priority=case.priority,
                status=case.status,
                subject=case.subject,
                description=case.description,
                earliest=opened_at,
                age=case.age or self.now - self._working_time_ago(case.working_minutes * 60),
                escalate=False,
            )

    def _working_time_ago(self, seconds: float) -> dt.datetime:
        """The latest instant from which `seconds` of working time have passed by now."""
        between, now = self.schedule.between, self.now
        lo, hi = 0.0, seconds * 8 + 21 * 86400.0  # wall-clock seconds back
        for _ in range(50):
            mid = (lo + hi) / 2
            if between(now - dt.timedelta(seconds=mid), now) >= seconds:
                hi = mid
            else:
                lo = mid
        return now - dt.timedelta(seconds=int(hi))
