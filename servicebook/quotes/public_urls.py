"""The customer's quote link pages: public (no login), at /quotes/q/<token>/.

A namespace of their own (quote_link), included from the project's urls.py, because the
console pages' permission matrix requires every page of the `quotes` namespace to need a
login and a capability; these pages are tested in quotes/tests/test_link_pages.py."""

from django.urls import path

from . import public_views

app_name = "quote_link"

urlpatterns = [
    path("<str:token>/", public_views.quote_link, name="open"),
    path("<str:token>/accept/", public_views.quote_link_accept, name="accept"),
    path("<str:token>/decline/", public_views.quote_link_decline, name="decline"),
]
