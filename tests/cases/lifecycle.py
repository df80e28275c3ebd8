"""Helpers of the lifecycle tests (A1): a case type at a mall, its staff, and cases
taken through the services to a given status at a fixed time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from mpp.accounts.models import Role
from mpp.cases import services
from mpp.cases.models import Case, Channel
from tests.factories import CaseTypeFactory, OfferingFactory, UserFactory

WIB = ZoneInfo("Asia/Jakarta")
NIK = "3210011505900001"  # born 15-05-1990, Majalengka
PHONE = "0812-3456-7890"
E164 = "+6281234567890"
S = Case.Status


def at(y, m, d, hh=10, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=WIB)


# Friday 13 March 2026, 10:00 WIB: the next working days are Mon 16, Tue 17, Wed 25 ...
FRIDAY = at(2026, 3, 13)


def case_type(mall=None, **kwargs):
    offering = OfferingFactory(booth__mall=mall) if mall else OfferingFactory()
    kwargs.setdefault("completion_days", 5)
    return CaseTypeFactory(offering=offering, **kwargs)


def officer_of(case_type, role=Role.OFFICER, **kwargs):
    return UserFactory(mall=case_type.mall, booth=case_type.booth, role=role, **kwargs)


def start(case_type, **kwargs):
    kwargs.setdefault("channel", Channel.WEB)
    kwargs.setdefault("applicant_name", "Siti Aminah")
    kwargs.setdefault("nik", NIK)
    kwargs.setdefault("phone", PHONE)
    kwargs.setdefault("now", FRIDAY)
    return services.case_start(case_type=case_type, **kwargs)


def submitted(case_type, now=FRIDAY, **kwargs):
    case = start(case_type, now=now, **kwargs)
    return services.case_submit(case=case, channel=Channel.WEB, now=now)


def step(case, to, actor, now=FRIDAY, **kwargs):
    kwargs.setdefault("actor_kind", "officer")
    kwargs.setdefault("channel", Channel.WEB)
    return services.case_transition(case=case, to=to, actor=actor, now=now, **kwargs)
