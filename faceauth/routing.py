from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/face/<uuid:attempt_id>/", consumers.AttemptConsumer.as_asgi()),
]
