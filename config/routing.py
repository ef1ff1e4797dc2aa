"""Websocket routes of every app."""

from faceauth.routing import websocket_urlpatterns as faceauth_routes

websocket_urlpatterns = [*faceauth_routes]
