"""`servicebook plan-day --date YYYY-MM-DD [--territory T] [--seconds S] [--accept --user U]`:
plan a real day from the database with the day optimizer and print a summary.

By default it only PROPOSES: the run is stored (status proposed) exactly as one started
from the board, and the dispatcher reviews it there beside the current plan and accepts or
discards it (the board link is printed). `--accept --user U` accepts it at once, as user
U (who needs scheduling.dispatch), through the same service the board's Accept button
calls: every booking goes through the booking services, all or nothing.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from servicebook.core.errors import ServiceError
from servicebook.users.models import User
from servicebook.workorders.models import WorkOrder

from ... import planning
from ...models import Technician, Territory


def _territory(value: str | None) -> Territory | None:
    if not value:
        return None
    query = Q(code__iexact=value) | Q(name__iexact=value)
    if value.isdigit():
        query |= Q(pk=int(value))
    found = Territory.objects.filter(query).first()
    if found is None:
        raise CommandError(f"no territory {value!r} (give its code, name or id)")
    return found


def _hhmm(iso: str) -> str:
    from ...selectors import zone

    return dt.datetime.fromisoformat(iso).astimezone(zone()).strftime("%H:%M")


class Command(BaseCommand):
    help = (
        "Plan a day (or a territory's day) with the day optimizer from the database and print "
        "the summary: jobs placed and left out (with reasons), emergencies, travel, overtime, "
        "and each technician's route. Only PROPOSES by default: the proposal waits on the "
        "dispatch board for a dispatcher to accept or discard. --accept --user U accepts it "
        "at once as user U."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", required=True, help="The day to plan, YYYY-MM-DD")
        parser.add_argument("--territory", help="Plan only this territory (code, name or id)")
        parser.add_argument(
            "--seconds", type=int, default=None, help="Optimizer time limit (default: setting)"
        )
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0)")
        parser.add_argument(
            "--accept",
            action="store_true",
            help="Accept the proposal at once (books it on the board); needs --user",
        )
        parser.add_argument(
            "--user", help="Run (and accept) as this user (needs scheduling.dispatch)"
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead")

    def handle(self, *args, **options):
        try:
            date = dt.date.fromisoformat(options["date"])
        except ValueError as exc:
            raise CommandError(f"--date: not a date: {options['date']!r} (YYYY-MM-DD)") from exc
        territory = _territory(options.get("territory"))
        actor = None
        if options.get("user"):
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"no user {options['user']!r}")
        if options["accept"] and actor is None:
            raise CommandError("--accept needs --user (the dispatcher who accepts the plan)")
        try:
            result = planning.optimizer_run(
                date=date,
                territory=territory,
                seconds=options["seconds"],
                seed=options["seed"],
                actor=actor,
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        except PermissionDenied as exc:
            raise CommandError(f"{actor.username}: {exc}") from exc
        run = result.run
        accepted = None
        if options["accept"]:
            try:
                accepted = planning.optimizer_accept(run=run, actor=actor)
            except (ServiceError, PermissionDenied) as exc:
                message = getattr(exc, "message", str(exc))
                raise CommandError(f"proposal {run.pk} not accepted: {message}") from exc
            run.refresh_from_db()
        report = self._report(run, result.plan, accepted)
        if options["json"]:
            self.stdout.write(json.dumps(report, default=str))
        else:
            self._print(report)

    def _report(self, run, plan, accepted) -> dict:
        ids = {a["work_order"] for a in run.assignments} | {u["work_order"] for u in run.unassigned}
        numbers = dict(WorkOrder.objects.filter(pk__in=ids).values_list("pk", "number"))
        names = {
            t.pk: t.name
            for t in Technician.objects.filter(pk__in={a["technician"] for a in run.assignments})
        }
        routes = []
        days = {r.technician_id: r for r in plan.routes} if plan is not None else {}
        by_tech: dict[int, list[dict]] = {}
        for a in sorted(run.assignments, key=lambda a: (a["technician"], a["start"])):
            by_tech.setdefault(a["technician"], []).append(a)
        for tech_id, visits in by_tech.items():
            day = days.get(tech_id)
            routes.append(
                {
                    "technician": names.get(tech_id, str(tech_id)),
                    "technician_id": tech_id,
                    "jobs": [
                        {
                            "work_order": numbers.get(v["work_order"], v["work_order"]),
                            "start": _hhmm(v["start"]),
                            "end": _hhmm(v["end"]),
                            "travel_minutes": v.get("travel_minutes"),
                        }
                        for v in visits
                    ],
                    "travel_minutes": round(day.travel / 60) if day else None,
                    "overtime_minutes": round(day.overtime / 60) if day else None,
                }
            )
        routes.sort(key=lambda r: r["technician"])
        query = urlencode(
            {
                "date": run.date.isoformat(),
                **({"territory": run.territory_id} if run.territory_id else {}),
                "run": run.pk,
            }
        )
        return {
            "run": run.pk,
            "date": run.date.isoformat(),
            "territory": run.territory.code if run.territory else None,
            "status": run.status,
            "seconds": run.seconds,
            "technicians": run.summary.get("technicians"),
            "jobs": run.summary.get("jobs"),
            "current": run.summary.get("current"),
            "proposed": run.summary.get("proposed"),
            "notes": run.summary.get("notes", []),
            "routes": routes,
            "left_out": [
                {"work_order": numbers.get(u["work_order"], u["work_order"]), "reason": u["reason"]}
                for u in run.unassigned
            ],
            "accepted": accepted,
            "board": f"{reverse('scheduling:board')}?{query}#proposal",
        }

    def _print(self, r: dict) -> None:
        w = self.stdout.write
        p, c = r["proposed"], r["current"]
        where = f", territory {r['territory']}" if r["territory"] else ""
        w(
            f"Day plan for {r['date']}{where}: run {r['run']} ({r['seconds']} s), "
            f"{r['technicians']} technicians on shift, {r['jobs']} jobs."
        )
        w(
            f"  Jobs placed        {p['jobs_placed']} of {p['jobs_total']}"
            f"   (current plan {c['jobs_placed']})"
        )
        w(
            f"  Emergencies placed {p['emergencies_placed']} of {p['emergencies_total']}"
            f"   (current plan {c['emergencies_placed']})"
        )
        w(f"  Travel             {p['travel_minutes']} min   (current plan {c['travel_minutes']})")
        w(
            f"  Overtime           {p['overtime_minutes']} min   "
            f"(current plan {c['overtime_minutes']})"
        )
        if p.get("late_minutes"):
            w(f"  Late on windows    {p['late_minutes']} min")
        for note in r["notes"]:
            w(f"  Note: {note}")
        w("")
        for route in r["routes"]:
            jobs = ", ".join(
                f"{j['start']} {j['work_order']}"
                + (f" (+{j['travel_minutes']}' drive)" if j["travel_minutes"] else "")
                for j in route["jobs"]
            )
            extra = ""
            if route["travel_minutes"] is not None:
                extra = f"; travel {route['travel_minutes']} min"
            if route["overtime_minutes"]:
                extra += f", overtime {route['overtime_minutes']} min"
            n = len(route["jobs"])
            w(f"  {route['technician']}: {n} job{'s' if n != 1 else ''}{extra}")
            w(f"      {jobs}")
        if r["left_out"]:
            w("")
            w(f"Left out ({len(r['left_out'])}):")
            for item in r["left_out"]:
                w(f"  {item['work_order']}: {item['reason']}")
        w("")
        if r["accepted"] is not None:
            w(
                self.style.SUCCESS(
                    "Accepted: {booked} booked, {moved} moved, {unchanged} unchanged, "
                    "{unassigned} unassigned.".format(**r["accepted"])
                )
            )
        else:
            w(
                "Proposed only: nothing on the board changed. Review and accept it on the "
                f"dispatch board: {r['board']}"
            )
