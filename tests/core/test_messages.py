"""Errors are raised by key; their English text comes from one catalogue."""

import warnings

import pytest

from core.errors import DLLabError, InvalidInput, ResourceLimit
from core.messages import MESSAGES, MessageWarning


def test_an_error_carries_its_key_values_and_english_text():
    err = InvalidInput("CSV file", "csv_ragged", row=7, count=2, columns=3)
    assert (err.field, err.key, err.params) == ("CSV file", "csv_ragged", {"row": 7, "count": 2, "columns": 3})
    assert err.message == str(err) == "Row 7 has 2 values but the header has 3 columns."
    assert ResourceLimit("csv_too_big", size="6.2", max="5").message == "The CSV file is 6.2 MB; the limit is 5 MB."


def test_model_messages_keep_the_way_out():
    err = DLLabError("model_not_cached_offline", label="text-generation", name="gpt2", env_var="DLLAB_TEXT_MODEL")
    assert err.message.startswith("The text-generation model 'gpt2' cannot be loaded: it is not in the local cache")
    assert "python -m core.prefetch" in err.message and "set DLLAB_TEXT_MODEL to a local directory" in err.message


def test_an_unknown_key_or_a_missing_value_fails_loudly_in_tests():
    with pytest.raises(MessageWarning, match="no_such_key"):
        InvalidInput("Epochs", "no_such_key", value=3)
    with pytest.raises(MessageWarning, match="csv_too_big"):
        ResourceLimit("csv_too_big", size="6.2")            # {max} is missing


def test_a_user_still_gets_a_message_when_the_catalogue_lacks_one():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MessageWarning)
        err = InvalidInput("Epochs", "no_such_key", value=3)
    assert err.message == "no_such_key value=3"


def test_every_template_parses():
    import string

    for template in MESSAGES.values():
        list(string.Formatter().parse(template))             # raises on a stray brace
