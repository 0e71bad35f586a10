from django.apps import AppConfig


class ContactConfig(AppConfig):
    name = "servicebook.contact"
    label = "contact"
    verbose_name = "Contact centre"

    def ready(self) -> None:
        from servicebook.core.navigation import register_link

        from . import panels

        panels.register()
        section = "Contact centre"
        for order, (label, url_name, capability) in enumerate(
            [
                ("Callback messages", "contact:messages", "contact.agent"),
                ("Dashboard", "contact:dashboard", "contact.supervise"),
                ("Import PBX records", "contact:import", "contact.supervise"),
                ("Schedule", "contact:schedule", "contact.supervise"),
                ("Scripts", "contact:scripts", "contact.supervise"),
                ("Script adherence", "contact:adherence", "contact.supervise"),
                ("Quality", "contact:quality", "contact.quality"),
            ]
        ):
            register_link(
                section=section,
                label=label,
                url_name=url_name,
                capability=capability,
                order=order,
            )
