from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "servicebook.users"
    label = "users"
    verbose_name = "Users and roles"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (authentication events -> audit trail)
