from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from peyvand.commerce.services import LineInput, compute_line, compute_totals, round_money

D = Decimal


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (D("12.5"), "IRR", D("13")),
        (D("12.49"), "IRR", D("12")),
        (D("-12.5"), "IRR", D("-13")),
        (D("7.5"), "IRT", D("8")),
        (D("1.005"), "USD", D("1.01")),
        (D("1.004"), "EUR", D("1.00")),
        (D("-0.4"), "IRR", D("0")),
    ],
)
def test_round_money_whole_rials_and_tomans_cents_elsewhere(amount, currency, expected):
    assert round_money(amount, currency) == expected
    assert str(round_money(amount, currency)) == str(expected)


def test_round_money_refuses_floats():
    with pytest.raises(TypeError):
        round_money(0.1, "IRR")


def test_line_tax_is_on_the_discounted_amount():
    line = compute_line(
        quantity=D("3"), unit_price=D("1000000"), discount=D("500000"), tax_rate=D("10")
    )
    assert line.subtotal == D("3000000")
    assert line.net == D("2500000")
    assert line.tax == D("250000")
    assert line.total == D("2750000")


def test_line_rounds_each_step_to_whole_rials():
    # 2.5 × 333.33 = 833.325 -> 833; 9% of 833 = 74.97 -> 75
    line = compute_line(quantity="2.5", unit_price="333.33", tax_rate="9", currency="IRR")
    assert (line.subtotal, line.tax, line.total) == (D("833"), D("75"), D("908"))


def test_line_half_rial_rounds_up():
    line = compute_line(quantity=1, unit_price=5, tax_rate=10)  # tax 0.5 rial
    assert line.tax == D("1")


def test_line_in_dollars_keeps_cents():
    line = compute_line(quantity=D("3"), unit_price=D("19.99"), tax_rate=D("7.5"), currency="USD")
    assert line.subtotal == D("59.97")
    assert line.tax == D("4.50")  # 4.49775
    assert line.total == D("64.47")


def test_line_accepts_persian_digits_in_text():
    line = compute_line(quantity="۲", unit_price="۱۲۰٬۰۰۰", tax_rate="۱۰")
    assert line.total == D("264000")


def test_line_cost_and_profit():
    totals = compute_totals(
        [LineInput(D("2"), D("1000"), D("100"), D("10"), D("600"))], currency="IRR"
    )
    assert totals.cost_total == D("1200")
    assert totals.profit == D("700")  # 2000 - 100 - 1200; tax is not profit


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quantity": 0, "unit_price": 10}, "quantity"),
        ({"quantity": -1, "unit_price": 10}, "quantity"),
        ({"quantity": "1.0001", "unit_price": 10}, "quantity"),
        ({"quantity": 1, "unit_price": -10}, "unit_price"),
        ({"quantity": 1, "unit_price": 10, "discount": 11}, "discount"),
        ({"quantity": 1, "unit_price": 10, "tax_rate": 101}, "tax_rate"),
        ({"quantity": "abc", "unit_price": 10}, "quantity"),
        ({"quantity": 1, "unit_price": D(10) ** 19}, "unit_price"),
    ],
)
def test_line_rejects_bad_input_with_field_errors(kwargs, field):
    with pytest.raises(ValidationError) as exc:
        compute_line(**kwargs)
    assert field in exc.value.message_dict


def test_totals_are_sums_of_rounded_lines():
    totals = compute_totals(
        [
            {"quantity": "1", "unit_price": "0.5", "tax_rate": "0"},
            {"quantity": "1", "unit_price": "0.5", "tax_rate": "0"},
        ],
        currency="IRR",
    )
    # each line rounds 0.5 up to 1: the printed lines add up to the total
    assert totals.subtotal == D("2")
    assert totals.total == sum(line.total for line in totals.lines)


def test_totals_report_errors_per_line_index():
    with pytest.raises(ValidationError) as exc:
        compute_totals(
            [{"quantity": 1, "unit_price": 10}, {"quantity": 0, "unit_price": 10}],
        )
    assert list(exc.value.message_dict) == ["lines.1.quantity"]


def test_totals_of_no_lines_are_zero():
    totals = compute_totals([])
    assert totals.total == D("0") and totals.lines == []
