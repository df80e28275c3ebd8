"""A separate OS process that confirms bookings with their SMS codes (test_concurrency).

Run as: python parallel_confirm_worker.py <code:otp,...> <start_at>
Prints one JSON line: [[code, "booked" or the refusal's code], ...].
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")


def main() -> None:
    import django

    django.setup()
    from mpp.bookings.services import booking_confirm
    from mpp.core.errors import DomainError
    from tests.parallel import begin

    pairs = [item.split(":") for item in sys.argv[1].split(",")]
    begin(float(sys.argv[2]))
    out = []
    for code, otp in pairs:
        try:
            booking = booking_confirm(code=code, otp=otp)
            out.append([code, booking.status])
        except DomainError as exc:
            out.append([code, exc.code])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
