import math

import pytest

from core import config, validate
from core.errors import InvalidInput


@pytest.mark.parametrize("raw, expected", [(0.1, 0.1), ("0.5", 0.5), (" 1e-3 ", 1e-3), (3, 3.0)])
def test_number_accepts_numbers_and_numeric_text(raw, expected):
    assert validate.number(raw, config.LEARNING_RATE) == pytest.approx(expected)


@pytest.mark.parametrize("raw, words", [
    (None, "required"), (True, "required"), ("abc", "must be a number"), ("x" * 200_000, "must be a number"),
    (float("nan"), "finite"), (math.inf, "finite"), ("1e308", "between"), (0, "between"), (-1, "between"),
    ([1], "must be a number"), ({"a": 1}, "must be a number"),
])
def test_number_rejects_with_a_message_naming_the_control(raw, words):
    with pytest.raises(InvalidInput) as err:
        validate.number(raw, config.LEARNING_RATE)
    assert "Learning rate" in err.value.message and words in err.value.message
    assert len(err.value.message) < 200  # a 200 KB value is not echoed back


def test_integer_limits_reject_fractions_and_return_ints():
    assert validate.number("12", config.EPOCHS) == 12 and isinstance(validate.number(12.0, config.EPOCHS), int)
    with pytest.raises(InvalidInput, match="whole number"):
        validate.number(2.5, config.EPOCHS)
    with pytest.raises(InvalidInput, match="between 0 and 2147483647"):
        validate.number(-1, config.SEED)


def test_choice_and_short_text():
    assert validate.choice(" Adam ", config.OPTIMIZERS, "Optimizer") == "adam"
    with pytest.raises(InvalidInput, match="Optimizer must be one of 'sgd', 'adam', 'adamw'"):
        validate.choice("rmsprop!", config.OPTIMIZERS, "Optimizer")
    with pytest.raises(InvalidInput, match="too long"):
        validate.short_text("9," * 1000, "Hidden layer sizes")
    with pytest.raises(InvalidInput, match="must be text"):
        validate.short_text(64, "Hidden layer sizes")
