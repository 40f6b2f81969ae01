"""Canned responses: a whitelist of placeholders, filled in one pass, never by the template
engine."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from peyvand.knowledge import placeholders, services
from peyvand.knowledge.placeholders import placeholder_values, render

from .factories import UserFactory

pytestmark = pytest.mark.django_db


class FakeTicket:
    reference = "T-000123"
    subject = "قطعی اینترنت"


class Customer:
    first_name = "مریم"
    last_name = "احمدی"
    full_name = "مریم احمدی"


def test_known_placeholders_are_filled_in():
    agent = UserFactory(first_name="سارا", last_name="رضایی")
    values = placeholder_values(customer=Customer(), ticket=FakeTicket(), agent=agent)
    result = render(
        "سلام {{customer.first_name}}، درخواست {{ ticket.reference }} ({{ticket.subject}}) "
        "بررسی شد.\n{{agent.name}}",
        values,
    )
    assert result.text == "سلام مریم، درخواست T-000123 (قطعی اینترنت) بررسی شد.\nسارا رضایی"
    assert result.complete


def test_template_syntax_is_never_executed():
    body = "{% load log %}{% debug %} {{ settings.SECRET_KEY }} {{ request.user.password }} {{7*7}}"
    result = render(body, placeholder_values())
    assert result.text == body
    assert result.unknown == ["settings.SECRET_KEY", "request.user.password"]


def test_values_are_not_expanded_again():
    class Sneaky:
        first_name = "{{agent.name}} {% debug %}"
        last_name = ""

    agent = UserFactory(first_name="سارا", last_name="رضایی")
    values = placeholder_values(customer=Sneaky(), agent=agent)
    result = render("سلام {{customer.first_name}}", values)
    assert result.text == "سلام {{agent.name}} {% debug %}"


def test_unknown_and_missing_placeholders_are_left_and_reported():
    result = render("{{customer.first_name}} {{customer.mobile}} {{ticket.reference}}", {})
    assert result.text == "{{customer.first_name}} {{customer.mobile}} {{ticket.reference}}"
    assert result.unknown == ["customer.mobile"]
    assert result.missing == ["customer.first_name", "ticket.reference"]
    assert not result.complete


def test_today_follows_the_language():
    with translation.override("fa"):
        assert placeholder_values(language="fa")["today"][:2] == "۱۴"
    assert placeholder_values(language="en")["today"][:2] == "20"


def test_saving_a_response_with_an_unknown_placeholder_is_refused():
    user = UserFactory()
    with pytest.raises(ValidationError) as error:
        services.save_canned_response(
            None, user=user, title="خوشامد", body="سلام {{customer.nickname}}"
        )
    assert "customer.nickname" in str(error.value.message_dict["body"])
    assert "{{customer.first_name}}" in str(error.value.message_dict["body"])


def test_every_placeholder_has_a_value_key():
    assert set(placeholder_values()) == set(placeholders.PLACEHOLDERS)
