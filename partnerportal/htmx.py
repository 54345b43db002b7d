"""What an htmx answer tells a screen reader: the page's live region reads the text out once the
swap has settled (static/js/portal.js listens for the `portal:announce` event)."""

import json

from django.utils.translation import gettext as _


def announce(response, message):
    """Let the page say `message` politely after htmx swapped `response` in; returns the response.

    JSON keeps the header ASCII (Danish letters travel as \\u escapes); htmx fires the event on the
    element that made the request, or on the body when the swap removed it.
    """
    response["HX-Trigger-After-Settle"] = json.dumps({"portal:announce": str(message)})
    return response


def form_errors_text():
    return _("The form has errors; they are shown beside the fields.")
