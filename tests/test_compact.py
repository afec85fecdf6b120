"""The compact forms a pass holds records in behave as the records they were made from."""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import weakref

import pytest

from bitrix_monitor import compact
from bitrix_monitor.compact import collect_young, collector_paused, portal_record, release_freed

DEAL = {
    "ID": "17",
    "TITLE": "Order #5",
    "STAGE_ID": "NEW",
    "CURRENCY_ID": "RUB",
    "CATEGORY_ID": "0",
    "ORIGINATOR_ID": "shop",
    "ORIGIN_ID": "5",
    "OPPORTUNITY": None,
}
HELD_DEAL = {**DEAL, "ID": 17}  # the record's own id held as its number
CONTACT = {
    "ID": "3",
    "NAME": "Ann",
    "EMAIL": [{"ID": "9", "VALUE_TYPE": "WORK", "VALUE": "a@example.com", "TYPE_ID": "EMAIL"}],
}


def test_portal_record_reads_as_the_dict_it_was_made_from_with_its_id_as_a_number() -> None:
    rec = portal_record(DEAL)
    assert rec == HELD_DEAL and HELD_DEAL.__eq__(rec) is NotImplemented and dict(rec) == HELD_DEAL
    assert rec["ID"] == 17 and str(rec["ID"]) == DEAL["ID"] and int(rec["ID"]) == 17
    assert list(rec) == list(DEAL) and len(rec) == len(DEAL)
    assert rec["TITLE"] == "Order #5" and rec.get("OPPORTUNITY", "x") is None
    assert rec.get("COMPANY_ID") is None and rec.get("COMPANY_ID", 0) == 0
    assert "OPPORTUNITY" in rec and "COMPANY_ID" not in rec
    assert rec != {**DEAL, "TITLE": "Order #6"}
    assert portal_record(rec) is rec


def test_multi_fields_stay_lists_of_values_that_read_as_the_dicts_and_serialise_through_plain() -> None:
    rec = portal_record(CONTACT)
    email, given = rec["EMAIL"][0], CONTACT["EMAIL"][0]
    assert isinstance(rec["EMAIL"], list) and type(email) is compact.Multi
    assert email == given and given == email and dict(email) == given and list(email) == list(given)
    assert email["VALUE"] == "a@example.com" and email.get("ID") == "9" and email.get("DELETE", 1) == 1
    assert "TYPE_ID" in email and "DELETE" not in email and len(email) == 4
    assert email != {**given, "VALUE": "b@example.com"} and email != {"VALUE": "a@example.com"}
    assert rec == {**CONTACT, "ID": 3}
    with pytest.raises(KeyError):
        email["DELETE"]
    with pytest.raises(AttributeError):
        email.VALUE = "b@example.com"  # type: ignore[misc]
    # the json module would fail on it, loudly: plain() gives the dicts back
    with pytest.raises(TypeError):
        json.dumps(dict(rec))
    assert json.loads(json.dumps(compact.plain(rec))) == {**CONTACT, "ID": 3}
    assert type(compact.plain(rec)["EMAIL"][0]) is dict and compact.plain(portal_record(DEAL)) == HELD_DEAL


def test_multi_values_share_their_repeating_parts_copy_as_made_and_hold_odd_shapes_as_dicts() -> None:
    import copy
    import pickle

    first, second = (
        portal_record(json.loads(json.dumps({**CONTACT, "ID": str(i)})))["EMAIL"][0] for i in (1, 2)
    )
    assert first.VALUE_TYPE is second.VALUE_TYPE and first.TYPE_ID is second.TYPE_ID
    assert pickle.loads(pickle.dumps(first)) == first and copy.deepcopy(first) == first
    assert sys.getsizeof(first) < sys.getsizeof(dict(first)) / 2
    for odd in (
        {"VALUE": "a@example.com", "VALUE_TYPE": "WORK"},  # as the app writes one
        {"VALUE_TYPE": "WORK", "ID": "9", "VALUE": "a@example.com", "TYPE_ID": "EMAIL"},  # another order
        {"ID": "9", "VALUE_TYPE": "WORK", "VALUE": "a@example.com", "TYPE_ID": "EMAIL", "X": "1"},
    ):
        held = portal_record({"ID": "4", "EMAIL": [odd]})["EMAIL"][0]
        assert type(held) is dict and held == odd and list(held) == list(odd)


def test_an_id_that_is_not_a_plain_positive_number_stays_text() -> None:
    for text in ("0", "017", "-3", "12.0", "１２", "", "x"):
        assert portal_record({**DEAL, "ID": text})["ID"] == text


def test_repeated_values_and_field_names_are_shared() -> None:
    made = [portal_record(json.loads(json.dumps(DEAL))) for _ in range(2)]
    assert made[0]["STAGE_ID"] is made[1]["STAGE_ID"]
    assert made[0]["ORIGINATOR_ID"] is made[1]["ORIGINATOR_ID"]
    assert made[0]._at is made[1]._at
    other = portal_record({**DEAL, "TITLE": "Order #6"})
    assert other["TITLE"] == "Order #6" and made[1]["TITLE"] == "Order #5"


def test_equal_moments_are_shared_within_a_record_and_with_the_one_before() -> None:
    moment = "2024-08-30T14:29:00+02:00"
    fields = {"DATE_CREATE": moment, "DATE_MODIFY": moment, "MOVED_TIME": moment}
    first, second = (portal_record(json.loads(json.dumps({"ID": str(i), **fields}))) for i in (1, 2))
    assert first == {"ID": 1, **fields}
    assert first["DATE_CREATE"] is first["MOVED_TIME"] is second["DATE_MODIFY"]


def test_a_kept_shop_row_comes_back_equal_and_compact() -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from bitrix_monitor.compact import Record
    from bitrix_monitor.shop import OrderRow
    from bitrix_monitor.shop.rows import NO_EXTRA
    from bitrix_monitor.sync import saved

    raw = {"order_id": 5, "total_price": Decimal("12.50"), "status": "NEW"}
    row = OrderRow(
        "5", "7", 17, "Order #5", Decimal(1250), "RUB", "NEW", datetime(2026, 1, 2, tzinfo=UTC), raw
    )
    names = saved._fields_of("order")
    back = saved._row_of("order", names, saved._row_data("order", row))
    assert back == row and back.fingerprint == row.fingerprint
    assert isinstance(back.raw, Record) and back.extra is NO_EXTRA


def test_records_compare_as_the_dicts_they_hold_whatever_their_layouts() -> None:
    from bitrix_monitor.compact import Record, layout

    ab, ba = layout(("a", "b")), layout(("b", "a"))
    one = Record(ab, (1, "x"))
    assert one == Record(ab, (1, "x")) and one == Record(ba, ("x", 1)) and one == {"b": "x", "a": 1}
    assert {"a": 1, "b": "x"} == one  # noqa: SIM300 (the dict on the left: its own comparison, reflected)
    assert Record(ab, (1.0, "x")) == one  # as dicts compare their values
    assert one != Record(ab, (2, "x")) and one != Record(ba, (1, "x")) and one != {"a": 1}
    assert one != Record(layout(("a", "b", "c")), (1, "x", None)) and one != [1, "x"] and one != (1, "x")
    assert Record({"a": 0, "b": 1}, (1, "x")) == one  # a layout not made by layout(): compared as dicts
    try:
        hash(one)
    except TypeError:
        pass
    else:
        raise AssertionError("a record is hashed as a dict is: not at all")


class _Cycle:
    """An object in a reference cycle, as httpx leaves each answer with its body."""

    def __init__(self) -> None:
        self.me = self


def test_a_paused_collector_still_frees_cycles_page_by_page_and_runs_again_after_the_last_pass() -> None:
    was = gc.isenabled()
    gc.enable()
    try:
        with collector_paused():
            assert not gc.isenabled()
            with collector_paused():  # passes overlap: the inner end does not start it again
                pass
            assert not gc.isenabled()
            kept = _Cycle()
            gone = _Cycle()
            dead = weakref.ref(gone)
            del gone
            collect_young()  # the page's garbage collected, what survives set aside
            assert dead() is None
            assert gc.get_freeze_count() > 0 and kept.me is kept
            done = threading.Event()

            def other_pass() -> None:
                with collector_paused():
                    collect_young()
                done.set()

            threading.Thread(target=other_pass).start()
            assert done.wait(5) and not gc.isenabled()
        assert gc.isenabled() and gc.get_freeze_count() == 0
        gc.disable()
        with collector_paused():  # paused by someone else before: left paused after
            pass
        assert not gc.isenabled()
        collect_young()  # no pass running: nothing set aside
        assert gc.get_freeze_count() == 0
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()


def test_a_record_is_its_values_in_one_object_and_acts_as_a_mapping_not_as_a_tuple() -> None:
    import copy
    import pickle
    import sys

    from bitrix_monitor.compact import Record, layout, maker

    rec = portal_record(DEAL)
    values = tuple(HELD_DEAL.values())
    assert type(rec) is not Record and isinstance(rec, Record)  # its layout's class
    assert type(portal_record(dict(DEAL))) is type(rec) and maker(layout(tuple(DEAL)))(values) == rec
    # one object: the size of a tuple of the values it holds (its class holds the stage, currency, pipeline
    # and originator), no wrapper beside it
    assert sys.getsizeof(rec) == sys.getsizeof(values) - 4 * 8 and not hasattr(rec, "__dict__")
    assert tuple(rec) == tuple(DEAL) and [*rec] == list(DEAL) and dict(rec) == HELD_DEAL
    assert rec != values and values != rec and not (rec == values) and rec != list(values)  # noqa: SIM201
    assert rec.values_held == values and type(rec.values_held) is tuple
    for again in (copy.copy(rec), copy.deepcopy(rec), pickle.loads(pickle.dumps(rec))):
        assert again == rec and type(again) is type(rec) and isinstance(again, Record)
    try:
        json.dumps(rec)
    except AssertionError:  # tests refuse it (tests/conftest.py): json writes a tuple as an array
        pass
    else:
        raise AssertionError("the tests' json guard let a Record through")
    assert json.loads(json.dumps(dict(rec))) == HELD_DEAL


def test_a_kept_shop_row_with_compact_raw_values_is_written_as_an_object() -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from bitrix_monitor.compact import Record, layout
    from bitrix_monitor.shop import OrderRow
    from bitrix_monitor.sync import saved

    raw = Record(layout(("order_id", "total_price", "status")), (5, Decimal("12.50"), "NEW"))
    row = OrderRow(
        "5", "7", 17, "Order #5", Decimal(1250), "RUB", "NEW", datetime(2026, 1, 2, tzinfo=UTC), raw
    )
    names = saved._fields_of("order")
    data = saved._row_data("order", row)
    assert json.loads(data)[names.index("raw")]["status"] == "NEW"  # an object, not an array of values
    back = saved._row_of("order", names, data)
    assert back == row and back.raw == raw and isinstance(back.raw, Record)


def test_values_of_reads_several_fields_at_once_and_marks_the_ones_not_held() -> None:
    from bitrix_monitor.compact import ABSENT, values_of

    wanted = ("TITLE", "ORIGIN_ID", "OPPORTUNITY")
    missing = ("TITLE", "COMPANY_ID")
    rec = portal_record(DEAL)
    for _ in range(2):  # made, then kept for the layout
        assert values_of(rec, wanted) == ("Order #5", "5", None)
        assert values_of(rec, missing) == ("Order #5", ABSENT)
    assert values_of(DEAL, wanted) == ("Order #5", "5", None)  # a plain mapping: name by name
    assert values_of({"TITLE": "x"}, missing) == ("x", ABSENT)
    other = portal_record({"ORIGIN_ID": "7", "TITLE": "t", "OPPORTUNITY": "1.00"})  # another layout
    assert values_of(other, wanted) == ("t", "7", "1.00")


def test_values_of_a_new_tuple_of_names_never_uses_a_getter_made_for_another() -> None:
    from bitrix_monitor.compact import values_of

    rec = portal_record(DEAL)
    for _ in range(50):  # tuples made and dropped: their ids come back for other names
        first = tuple(["TITLE", "ORIGIN_ID"])
        assert values_of(rec, first) == ("Order #5", "5")
        del first
        second = tuple(["STAGE_ID", "CURRENCY_ID"])
        assert values_of(rec, second) == ("NEW", "RUB")
        del second


def _resident_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim, on Linux")
def test_memory_freed_among_what_is_kept_goes_back_to_the_system() -> None:
    """Blocks the C library allocates, freed among ones still held (as a page of decoded dicts is, among
    the records a pass keeps), stay in the process until :func:`release_freed` gives them back."""
    release_freed()
    kept, freed = [], []
    for _ in range(20_000):
        freed.append(bytearray(8192))  # glibc's heap, not a map of its own
        kept.append(bytearray(600))
    before = _resident_mb()
    del freed
    after_free = _resident_mb()
    assert release_freed()
    after_release = _resident_mb()
    assert before - after_free < 40  # freed in between what is held: still resident
    assert after_free - after_release > 50  # the whole pages of the 160 MB freed: about 80 MB
    assert len(kept) == 20_000


def test_a_page_collected_during_a_pass_gives_the_freed_memory_back(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    monkeypatch.setattr(compact, "_TRIM", asked.append)
    collect_young()  # no pass running: nothing collected, nothing asked
    assert asked == []
    with collector_paused():
        collect_young()
    assert asked == [0]


def test_a_records_class_holds_the_values_a_million_records_share_a_handful_of() -> None:
    from bitrix_monitor.compact import ABSENT, values_of

    rec = portal_record(DEAL)
    moved = portal_record({**DEAL, "STAGE_ID": "WON"})
    assert type(rec)._const == {n: HELD_DEAL[n] for n in DEAL if n in compact._SHAPED}
    assert type(moved) is not type(rec) and moved != rec and moved["STAGE_ID"] == "WON"
    assert dict(moved) == {**HELD_DEAL, "STAGE_ID": "WON"} and len(moved) == len(DEAL)
    assert portal_record({**DEAL, "STAGE_ID": "WON"}) == moved  # one class for one mix of values
    names = ("CATEGORY_ID", "TITLE", "STAGE_ID", "ORIGIN_ID")
    assert values_of(rec, names) == tuple(HELD_DEAL[n] for n in names)
    assert values_of(rec, ("STAGE_ID", "NOT_SELECTED")) == (HELD_DEAL["STAGE_ID"], ABSENT)
    assert rec.get("NOT_SELECTED", 1) == 1 and "STAGE_ID" in rec and "NOT_SELECTED" not in rec
    with pytest.raises(KeyError):
        rec["NOT_SELECTED"]
    # a value no class can hold (a list), and a layout past its classes: the record holds its values
    listed = portal_record({**DEAL, "STAGE_ID": ["a"]})
    assert listed["STAGE_ID"] == ["a"] and not hasattr(type(listed), "_const")
    # values that are not text, equal to each other, each keep their type (a class holds text alone)
    for value in (1, True, 1.0, "1", 1, False, 0):
        got = portal_record({**DEAL, "CATEGORY_ID": value})["CATEGORY_ID"]
        assert got == value and type(got) is type(value)
    names_of = tuple(DEAL)
    held = compact._PLANS[names_of][2][2]  # the layout's classes by their shaped values
    full = dict.fromkeys(range(compact._SHAPES_MAX - len(held)))
    try:
        held.update(full)  # stand-ins: the layout has taken every class it may
        spilled = portal_record({**DEAL, "STAGE_ID": "LOSE"})
        assert not hasattr(type(spilled), "_const") and spilled == {**HELD_DEAL, "STAGE_ID": "LOSE"}
    finally:
        for k in full:
            held.pop(k)
