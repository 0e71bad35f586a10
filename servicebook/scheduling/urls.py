"""Technicians, skills, territories, shifts, appointments, offers, the dispatch board and the
day optimizer."""

from django.urls import path

from .views import board, booking, field, people, transfer

app_name = "scheduling"

urlpatterns = [
    # The dispatch board
    path("board/", board.board, name="board"),
    path("board/assign/", board.board_assign, name="board_assign"),
    path("board/dispatch-day/", board.board_dispatch_day, name="board_dispatch_day"),
    path("board/emergency/", board.board_emergency, name="board_emergency"),
    path("appointments/<int:pk>/move/", board.board_move, name="board_move"),
    path("appointments/<int:pk>/unassign/", board.board_unassign, name="board_unassign"),
    path("appointments/<int:pk>/lock/", board.board_lock, name="board_lock"),
    path("appointments/<int:pk>/dispatch/", board.board_dispatch, name="board_dispatch"),
    path("optimizer/run/", board.optimizer_run, name="optimizer_run"),
    path("optimizer/<int:pk>/accept/", board.optimizer_accept, name="optimizer_accept"),
    path("optimizer/<int:pk>/discard/", board.optimizer_discard, name="optimizer_discard"),
    # Booking from a call
    path("book/", booking.offers, name="offers"),
    path("book/take/", booking.book, name="book"),
    # The technician's day
    path("my-day/", field.my_day, name="my_day"),
    path("my-day/<int:pk>/<slug:action>/", field.field_action, name="field_action"),
    # The field force
    path("technicians/", people.technicians, name="technicians"),
    path("technicians/new/", people.technician_new, name="technician_new"),
    path("technicians/transfer/", transfer.technicians_transfer, name="technicians_transfer"),
    path("technicians/export/", transfer.technicians_export, name="technicians_export"),
    path("technicians/import/", transfer.technicians_import, name="technicians_import"),
    path("technicians/<int:pk>/", people.technician_detail, name="technician_detail"),
    path("technicians/<int:pk>/<slug:section>/", people.technician_edit, name="technician_edit"),
    path("subcontractors/", people.subcontractors, name="subcontractors"),
    path("subcontractors/new/", people.subcontractor_new, name="subcontractor_new"),
    path("subcontractors/<int:pk>/", people.subcontractor_detail, name="subcontractor_detail"),
    path(
        "subcontractors/<int:pk>/<slug:section>/",
        people.subcontractor_edit,
        name="subcontractor_edit",
    ),
    path("territories/", people.territories, name="territories"),
    path("territories/new/", people.territory_new, name="territory_new"),
    path("territories/<int:pk>/", people.territory_detail, name="territory_detail"),
]
