"""The saved reconcile state's contract, on the file and on PostgreSQL alike: written whole or as changes to
the generation it was based on, each write a new generation; a write based on an older generation (another
desk wrote in between) changes nothing and says so; read back in one piece."""

from __future__ import annotations

from bitrix_monitor.queue import JobQueue


def _save(queue: JobQueue, base: int | None, items: list[tuple[str, str, str]], **kw: object) -> int | None:
    args: dict[str, object] = {
        "version": 1,
        "fingerprint": "f",
        "state": '{"n": 1}',
        "gone": (),
        "whole": base is None,
        "written_by": "desk-anna:1",
    }
    args.update(kw)
    return queue.save_mirror(base=base, items=items, **args)  # type: ignore[arg-type]


def test_nothing_saved_reads_as_none(queue: JobQueue) -> None:
    assert queue.mirror_head() is None
    assert queue.load_mirror() is None


def test_a_state_is_written_whole_then_as_changes(queue: JobQueue) -> None:
    first = _save(
        queue, None, [("row:order", "1", "[1]"), ("row:order", "2", "[2]"), ("rec:order", "9", "[9]")]
    )
    assert first == 1
    head = queue.mirror_head()
    assert head is not None and (head.generation, head.version, head.fingerprint) == (1, 1, "f")
    assert head.written_by == "desk-anna:1"
    second = _save(
        queue,
        1,
        [("row:order", "2", "[22]"), ("row:user", "5", "[5]")],
        gone=[("rec:order", "9")],
        state='{"n":2}',
    )
    assert second == 2
    kept = queue.load_mirror()
    assert kept is not None and kept.head.generation == 2 and kept.state == '{"n":2}'
    assert {part: sorted(items) for part, items in kept.items.items()} == {
        "row:order": [("1", "[1]"), ("2", "[22]")],
        "row:user": [("5", "[5]")],
    }


def test_changes_to_an_older_generation_are_refused_and_the_last_whole_write_wins(queue: JobQueue) -> None:
    _save(queue, None, [("row:order", "1", "[1]")])
    assert _save(queue, 1, [("row:order", "1", "[desk a]")]) == 2
    # Desk B read generation 1 too: its changes are not written over desk A's.
    assert _save(queue, 1, [("row:order", "1", "[desk b]")], written_by="desk-boris:2") is None
    assert _save(queue, 2, [("row:order", "1", "[x]")], fingerprint="other mapping") is None
    assert _save(queue, 2, [("row:order", "1", "[x]")], version=2) is None
    kept = queue.load_mirror()
    assert kept is not None and kept.items == {"row:order": [("1", "[desk a]")]}
    # So it writes its whole state: the last writer wins.
    assert _save(queue, None, [("row:order", "3", "[desk b]")], written_by="desk-boris:2") == 3
    kept = queue.load_mirror()
    assert kept is not None and kept.items == {"row:order": [("3", "[desk b]")]}
    assert kept.head.written_by == "desk-boris:2"


def test_a_dropped_state_is_gone(queue: JobQueue) -> None:
    _save(queue, None, [("row:order", "1", "[1]")])
    queue.drop_mirror()
    assert queue.mirror_head() is None and queue.load_mirror() is None
    assert _save(queue, 1, [("row:order", "1", "[1]")]) is None
    assert _save(queue, None, [("row:order", "1", "[1]")]) == 1
