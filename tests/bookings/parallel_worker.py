"""A separate OS process that books (used by test_concurrency).

Run as: python parallel_worker.py <mall_id> <service_code> <date> <slot> <nik,...> <start_at>
Prints one JSON line: [[nik, "booked" or the refusal's code], ...].
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mpp.settings")


def main() -> None:
    import django

    django.setup()
    from mpp.bookings.services import booking_create
    from mpp.catalog.models import Mall
    from mpp.core.errors import DomainError
    from tests.parallel import begin

    mall = Mall.objects.get(pk=int(sys.argv[1]))
    service_code, date, slot = sys.argv[2], sys.argv[3], sys.argv[4]
    niks = sys.argv[5].split(",")
    begin(float(sys.argv[6]))
    out = []
    for nik in niks:
        try:
            booking_create(
                mall=mall,
                service_code=service_code,
                date=date,
                slot_start=slot,
                nik=nik,
                name="Warga Uji",
                phone=f"0813{nik[-8:]}",  # one number per person (per-phone limit)
                channel="api",
            )
            out.append([nik, "booked"])
        except DomainError as exc:
            out.append([nik, exc.code])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
