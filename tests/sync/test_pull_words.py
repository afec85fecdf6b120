"""The pull's refusals of a portal answer of another shape are codes said in the reader's language, with the
English (``str()``, logs) as before."""

from __future__ import annotations

from typing import Any

import pytest

from bitrix_monitor.errors import UserFacingError
from bitrix_monitor.messages import error_line
from bitrix_monitor.sync import field_pull, pull


def _refused(call: Any) -> UserFacingError:
    with pytest.raises(UserFacingError) as refused:
        call()
    return refused.value


def test_an_answer_that_is_no_list_of_records_or_history_is_said_in_russian() -> None:
    records = _refused(lambda: field_pull._rows({"x": 1}, "crm.contact.list"))
    assert records.message == "The portal answered crm.contact.list with dict, not a list of records"
    assert error_line(records, "ru") == (
        "Портал ответил на crm.contact.list значением типа dict, а не списком записей "
        "(проверьте адрес вебхука и его право crm; повторите позже)"
    )
    history = _refused(lambda: pull._items("garbage"))
    assert history.message == "The portal answered crm.stagehistory.list with str, not a list of items"
    assert error_line(history, "ru").startswith(
        "Портал ответил на crm.stagehistory.list значением типа str, а не списком записей истории"
    )
