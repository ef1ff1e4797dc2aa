"""Small helpers shared by the request-level tests of every app."""

from django.contrib.messages import get_messages


def messages_of(response):
    """Return the texts of the messages a response left for the user."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def post_followed(client, url, data=None):
    """Make a change the test builds on, reading its message so it does not linger."""
    response = client.post(url, data or {}, follow=True)
    assert response.status_code == 200
    return response
