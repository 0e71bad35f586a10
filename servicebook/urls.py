from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Servicebook administration"
admin.site.site_title = "Servicebook"

urlpatterns = [
    path("", include("servicebook.console.urls")),
    path("accounts/", include("servicebook.customers.urls")),
    path("cases/", include("servicebook.cases.urls")),
    path("ledger/", include("servicebook.ledger.urls")),
    path("billing/", include("servicebook.billing.urls")),
    path("payments/", include("servicebook.payments.urls")),
    path("workorders/", include("servicebook.workorders.urls")),
    path("scheduling/", include("servicebook.scheduling.urls")),
    path("contact/", include("servicebook.contact.urls")),
    path("inventory/", include("servicebook.inventory.urls")),
    path("contracts/", include("servicebook.contracts.urls")),
    path("credit/", include("servicebook.credit.urls")),
    path("receivables/", include("servicebook.receivables.urls")),
    path("integrations/", include("servicebook.integrations.urls")),
    path("quotes/q/", include("servicebook.quotes.public_urls")),  # the customer's link, public
    path("quotes/", include("servicebook.quotes.urls")),
    path("auth/", include("servicebook.users.urls")),
    path("api/", include("servicebook.api_urls")),
    path("admin/", admin.site.urls),
]
