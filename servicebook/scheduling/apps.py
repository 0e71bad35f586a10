from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "servicebook.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling and dispatch"

    def ready(self) -> None:
        from servicebook.core.navigation import register_link
        from servicebook.users.roles import Cap
        from servicebook.workorders import hooks

        from .services.appointments import guard_work_order_move, on_work_order_move

        # The work order's lifecycle and the appointment stay in step, and a dispatch is
        # refused for a technician with an expired insurance or license (workorders.hooks).
        hooks.register_guard(guard_work_order_move, key="scheduling.guard")
        hooks.register_listener(on_work_order_move, key="scheduling.listener")

        from . import panels

        # The visit on the work-order page: who goes when, book it, open it on the board.
        panels.register()

        links = [
            ("Dispatch board", "scheduling:board", Cap.SCHEDULING_VIEW, 10),
            ("Book a visit", "scheduling:offers", Cap.SCHEDULING_BOOK, 20),
            ("Technicians", "scheduling:technicians", Cap.SCHEDULING_VIEW, 30),
            ("Subcontractors", "scheduling:subcontractors", Cap.SCHEDULING_VIEW, 40),
            ("Territories", "scheduling:territories", Cap.SCHEDULING_VIEW, 50),
            ("My day", "scheduling:my_day", Cap.SCHEDULING_FIELD, 5),
        ]
        for label, url_name, capability, order in links:
            register_link(
                section="Field service",
                label=label,
                url_name=url_name,
                capability=capability,
                order=100 + order,
            )
