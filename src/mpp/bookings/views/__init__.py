"""Citizen pages of online booking (antrean online) and the kiosk check-in.

public.py   the mall's services (/m/<mall>/) and one service's standard and quotas
book.py     booking in three steps on a phone, without JavaScript
manage.py   the booking page (code, QR, calendar file) and "my booking" (cancel, reschedule)
kiosk.py    check-in at the kiosk with the booking code or its QR code
officer.py  check-in by an officer (linked from the console)
common.py, days.py   shared helpers: lookups, plain error messages, the days and times offered

QR payload: "MPPB:" followed by the 8-character booking code (e.g. MPPB:K7M2QX9P), all
characters of QR's alphanumeric mode, so the code stays small and easy to scan. A USB
scanner types it plus Enter into the kiosk's code field; the kiosk also takes the bare code.
"""
