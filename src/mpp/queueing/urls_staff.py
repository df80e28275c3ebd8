"""Staff and display routes of the walk-in queue: the display board and the officer console."""

from django.urls import path

from mpp.queueing.views import board, console

urlpatterns = [
    path("m/<slug:mall>/board/", board.board, name="board"),
    path("console/", console.console_home, name="console"),
    path("console/<int:counter_id>/", console.console_counter, name="console-counter"),
    path("console/<int:counter_id>/panel/", console.console_panel, name="console-panel"),
    path(
        "console/<int:counter_id>/action/<slug:action>/",
        console.console_action,
        name="console-action",
    ),
]
