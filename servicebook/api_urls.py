"""The REST API: every app's routes on one router, token auth, the OpenAPI schema and
Swagger UI (served from the sidecar's local static files, no CDN).

Routes use integer path converters (`<int:pk>`), so a malformed id is a 404 from the
resolver. The account's 360 view carries what other apps register for it
(customers.api.extensions), so customers never import the apps above them.
"""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from servicebook.billing.api import urls as billing_api
from servicebook.cases.api import urls as cases_api
from servicebook.contact.api import urls as contact_api
from servicebook.contracts.api import urls as contracts_api
from servicebook.credit.api import urls as credit_api
from servicebook.customers.api import urls as customers_api
from servicebook.integrations.api import urls as integrations_api
from servicebook.inventory.api import urls as inventory_api
from servicebook.ledger.api import urls as ledger_api
from servicebook.payments.api import urls as payments_api
from servicebook.quotes.api import urls as quotes_api
from servicebook.receivables.api import urls as receivables_api
from servicebook.scheduling.api import urls as scheduling_api
from servicebook.workorders.api import urls as workorders_api

router = SimpleRouter(use_regex_path=False)
for app_api in (
    customers_api,
    cases_api,
    ledger_api,
    billing_api,
    payments_api,
    workorders_api,
    scheduling_api,
    contact_api,
    inventory_api,
    contracts_api,
    credit_api,
    receivables_api,
    integrations_api,
    quotes_api,
):
    app_api.register(router)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI sets inline styles on its own elements; only this page relaxes style-src.
    path(
        "docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("", include("servicebook.users.api.urls")),
    path("", include(router.urls)),
]
