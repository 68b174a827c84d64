"""Plan and Live on the business's host."""

from django.urls import path

from routing.pages import views

urlpatterns = [
    path("plan/", views.plan, name="plan"),
    path("live/", views.live, name="live"),
]
