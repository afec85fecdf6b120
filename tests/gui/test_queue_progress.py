"""While the queue runs the window shows jobs done of the run's total, the rate and the time left, with a
Stop button that pauses the runner after the jobs in hand."""

from __future__ import annotations

import dataclasses
import types

import pytest

from bitrix_monitor.gui import controller
from bitrix_monitor.gui.window import MainWindow
from tests.gui.conftest import DialogAnswers
from tests.gui.fakes import FakeService


async def test_a_running_queue_shows_done_of_total_rate_time_left_and_stops(
    fake_window: MainWindow, fake_service: FakeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = fake_window
    window.poll_timer.stop()  # the test polls, on a clock of its own
    clock = [1000.0]
    monkeypatch.setattr(controller, "time", types.SimpleNamespace(monotonic=lambda: clock[0]))
    answers = DialogAnswers(window)
    keys = [str(i) for i in range(3, 100, 10)]  # ten orders missing their deal
    assert await window.queue_action("order", keys, "create") == 10
    assert answers.plans
    await window._poll()
    assert window.queue.run_box.isVisibleTo(window.queue)
    assert window.queue.run_label.text() == "Jobs done: 0 of 10 · measuring the rate…"

    for job_id in list(fake_service.jobs)[:3]:
        fake_service.jobs[job_id] = dataclasses.replace(fake_service.jobs[job_id], state="done")
    clock[0] += 60
    await window._poll()
    text = "Jobs done: 3 of 10 · 3.0 a minute · about 2 minutes left"
    assert window.queue.run_label.text() == text
    assert (window.queue.run_bar.value(), window.queue.run_bar.maximum()) == (3, 10)
    assert window.runner_label.text() == f"Runner active · {text}"

    window.queue.stop_button.click()
    assert fake_service.runner_paused
    assert not window.queue.run_box.isVisibleTo(window.queue)
    assert window.runner_label.text() == "Runner paused"
    assert fake_service.run_once() == 0  # nothing runs until the runner is resumed
    await window._poll()
    assert not window.queue.run_box.isVisibleTo(window.queue)
    window.queue.pause_button.click()
    await window._poll()
    assert window.queue.run_label.text() == "Jobs done: 0 of 7 · measuring the rate…"  # a new run
