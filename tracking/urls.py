"""The recipient's tracking page on the business's host."""

from django.urls import path

from tracking.views import tracking_page, tracking_proof

urlpatterns = [
    path("t/<str:token>/", tracking_page, name="tracking-page"),
    path("t/<str:token>/proofs/<uuid:proof_id>/", tracking_proof, name="tracking-proof"),
]
