"""Message templates: every template and channel renders, in Indonesian by default;
SMS text stays one plain-ASCII part (at most 160 characters)."""

import pytest

from mpp.notifications.rendering import SMS_MAX, render, template_exists
from mpp.notifications.templatetags.notify import clip

TEMPLATES = ["booking_confirmed", "booking_reminder", "booking_rescheduled", "booking_cancelled"]
CHANNELS = ["email", "sms", "whatsapp"]

LONG = {
    "code": "MJL-7K3Q9ABCD",
    "service": "Penerbitan Perizinan Berusaha Berbasis Risiko untuk Usaha Mikro dan Kecil",
    "mall": "Mal Pelayanan Publik Kabupaten Kepulauan Siau Tagulandang Biaro",
    "date": "2026-12-31",
    "time": "13:30-14:30",
}


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("channel", CHANNELS)
def test_every_template_exists_and_renders(template, channel, context):
    assert template_exists(template, channel)
    rendered = render(template=template, channel=channel, language="id", context=context)
    assert context["code"] in rendered.body
    assert "{%" not in rendered.body and "{{" not in rendered.body
    assert "&amp;" not in rendered.body  # plain text, not HTML-escaped
    if channel == "email":
        assert context["code"] in rendered.subject and "\n" not in rendered.subject
    else:
        assert rendered.subject == ""


@pytest.mark.parametrize("template", TEMPLATES)
def test_sms_is_one_plain_part_even_with_long_names(template):
    for language in ("id", "en"):
        body = render(template=template, channel="sms", language=language, context=LONG).body
        assert len(body) <= SMS_MAX, body
        assert body.isascii(), body
        assert "\n" not in body
        assert "31/12/2026" in body and "13:30-14:30" in body and LONG["code"] in body


def test_email_is_in_indonesian_by_default(context):
    rendered = render(template="booking_confirmed", channel="email", language="id", context=context)
    # Day and month names come from Django's Indonesian catalogue.
    assert "Selasa, 1 Desember 2026" in rendered.body
    assert "09:00-10:00" in rendered.body
    assert "Penerbitan Surat Izin Usaha Perdagangan & Perizinan Berusaha" in rendered.body
    assert context["url"] in rendered.body
    english = render(template="booking_confirmed", channel="email", language="en", context=context)
    assert "Tuesday, 1 December 2026" in english.body


def test_without_url_there_is_no_link_line(context):
    del context["url"]
    rendered = render(template="booking_reminder", channel="email", language="en", context=context)
    assert "reschedule or cancel" not in rendered.body
    assert "\n\n\n" not in rendered.body


def test_unknown_or_private_templates_do_not_exist():
    assert not template_exists("booking_unknown", "sms")
    assert not template_exists("_details", "email")
    assert not template_exists("booking_confirmed", "fax")
    assert not template_exists("", "sms")


def test_clip_shortens_with_ascii_dots():
    assert clip("Dinas Kependudukan", 40) == "Dinas Kependudukan"
    assert clip("Dinas Kependudukan dan Pencatatan Sipil", 12) == "Dinas Kepe.."
    assert len(clip("x" * 100, 10)) == 10


def test_email_greets_by_name_when_given(context):
    plain = render(template="booking_confirmed", channel="email", language="en", context=context)
    assert plain.body.startswith("Hello,\n")
    context["name"] = "Siti Aminah"
    named = render(template="booking_confirmed", channel="email", language="en", context=context)
    assert named.body.startswith("Hello Siti Aminah,\n")
