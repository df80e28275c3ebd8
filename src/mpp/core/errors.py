"""Domain errors: services raise these; the API turns them into {"code", "message"}."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A request the domain refuses, with a stable machine code and a readable message."""

    status = 400
    code = "bad_request"
    default_message = _("The request cannot be carried out.")

    def __init__(self, message=None, *, code: str | None = None):
        self.message = str(message or self.default_message)
        if code:
            self.code = code
        super().__init__(self.message)


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = _("You may not do this here.")


class Conflict(DomainError):
    """The request is valid but the current state does not allow it."""

    status = 409
    code = "conflict"
    default_message = _("The current state does not allow this.")


class Invalid(DomainError):
    status = 422
    code = "invalid"
    default_message = _("The input is not valid.")
