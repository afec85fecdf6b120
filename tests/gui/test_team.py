"""Desks see the team: a window on a real PostgreSQL team queue lists the queue's runners and flags a
silent one, shows another desk's jobs with who ran them, retries them, and its audit trail names the desk.

The window is wired as the app wires it (:func:`bitrix_monitor.gui.launch.service_factory`: ``--queue``,
the config file, the keyring) over a demo-schema shop and the portal emulator; the other desk is a second
connection to the same queue, its runner unheard of for ten minutes."""

from __future__ import annotations

import argparse
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bitrix_monitor.config import AppConfig
from bitrix_monitor.demo.emulator import PortalEmulator
from bitrix_monitor.gui import i18n
from bitrix_monitor.gui.launch import service_factory
from bitrix_monitor.gui.models import ActivityModel, QueueModel, RunnersModel
from bitrix_monitor.gui.window import MainWindow
from bitrix_monitor.paths import DataDirs
from bitrix_monitor.queue import JobError, TeamQueue
from bitrix_monitor.sync.model import Plan, PlannedJob
from tests.gui.conftest import DialogAnswers, wait_until
from tests.sync.conftest import FAST_CONFIG, make_shop

BORIS = "desk-boris:4242"


@pytest.fixture
def portal() -> Iterator[PortalEmulator]:
    with PortalEmulator(limits="off", seed=1) as p:
        yield p


@pytest.fixture
def boris(postgres_url: str) -> Iterator[TeamQueue]:
    """Another desk on the team queue, whose clock says ten minutes ago: its last heartbeat is that old."""
    queue = TeamQueue.connect(postgres_url, clock=lambda: time.time() - 600)
    yield queue
    queue.close()


def _args(**kw: object) -> argparse.Namespace:
    return argparse.Namespace(**{"shop_db": None, "portal": None, "queue": None, **kw})


@pytest.fixture
def anna(
    qtbot, data_dirs: DataDirs, tmp_path: Path, portal: PortalEmulator, postgres_url: str, monkeypatch
) -> MainWindow:
    """The window of the desk called desk-anna (``[queue] desk``) on the terminal server termsrv, on the
    team queue given by ``--queue`` (the test connects it, and shuts it down)."""
    monkeypatch.setattr(socket, "gethostname", lambda: "termsrv")
    shop = make_shop(f"sqlite:///{tmp_path / 'shop.sqlite3'}", orders=4, users=2)
    data_dirs.config_file.write_text(FAST_CONFIG + '\n[queue]\ndesk = "desk-anna"\n')
    args = _args(shop_db=shop.url, portal=portal.webhook_url, queue=postgres_url)
    factory = service_factory(AppConfig(), data_dirs, data_dirs.config_file, args)
    window = MainWindow(
        config_path=data_dirs.config_file, data_dirs=data_dirs, service_factory=factory, poll_interval_ms=50
    )
    qtbot.addWidget(window)
    window.show()
    return window


def _column(model: QueueModel | ActivityModel | RunnersModel, column: int) -> list[str]:
    return [model.index(r, column).data() for r in range(model.rowCount())]


async def test_a_desk_sees_the_team_flags_a_silent_runner_and_retries_another_desks_job(
    anna: MainWindow, boris: TeamQueue
) -> None:
    try:
        # Desk Boris queued a deal for order 2, ran it, the portal refused it for good; then Boris went quiet.
        boris.heartbeat(BORIS, "bitrix-monitor window")
        job = boris.enqueue("deal.create", "2", created_by="staff@desk-boris")
        [claimed] = boris.claim(BORIS, lease_seconds=30)
        boris.fail(BORIS, claimed.id, JobError("PortalError", "ACCESS_DENIED: no rights", retryable=False))
        # And one for order 3, which nobody wants any more.
        other = boris.enqueue("deal.create", "3", created_by="staff@desk-boris")
        [claimed] = boris.claim(BORIS, lease_seconds=30)
        boris.fail(BORIS, claimed.id, JobError("PortalError", "ACCESS_DENIED: no rights", retryable=False))

        # A desk last heard of two days ago is history, not the team: the Runners tab leaves it out.
        with TeamQueue.connect(
            boris.url.render_as_string(hide_password=False), clock=lambda: time.time() - 2 * 86400
        ) as old:
            old.heartbeat("desk-old:1", "bitrix-monitor window")

        assert await anna.connect_service()
        service = anna.require_service()
        assert service.team_queue.startswith("postgresql://postgres@127.0.0.1")

        async def both_listed() -> bool:
            await anna.refresh_runners()
            return {(s.runner.host, s.state) for s in anna.runners.statuses} == {
                ("desk-anna", "working"),
                ("desk-boris", "silent"),
            }

        await wait_until(both_listed, describe=lambda: repr(anna.runners.statuses))
        assert anna.tabs.isTabVisible(anna.tabs.indexOf(anna.runners))
        hosts = _column(anna.runners.model, RunnersModel.RUNNER)
        assert sorted(hosts) == ["desk-anna (this window)", "desk-boris"]
        assert sorted(_column(anna.runners.model, RunnersModel.STATE)) == ["silent", "working"]
        assert anna.runners.silent_label.isVisibleTo(anna.runners)
        assert "desk-boris (process 4242)" in anna.runners.silent_label.text()
        assert "(30 s)" in anna.runners.silent_label.text()

        # Boris's job is on Anna's screen, with who queued it and who ran it.
        await anna.refresh_queue()
        queue = anna.queue
        assert not queue.view.isColumnHidden(QueueModel.RUN_BY)
        row = queue.model.view_row_of(lambda r: r.id == job.id)
        assert row >= 0
        assert queue.model.index(row, QueueModel.STATE).data() == "dead"
        assert queue.model.index(row, QueueModel.QUEUED_BY).data() == "desk-boris"
        assert queue.model.index(row, QueueModel.RUN_BY).data() == "desk-boris"

        # Anna retries it; her window's runner runs it against the portal.
        answers = DialogAnswers(anna)
        assert await anna.retry_jobs([job.id]) == 1
        assert answers.seen == [("ConfirmDialog", "Retry 1 job? It runs again from the start.")]
        await wait_until(lambda: boris.get(job.id).state == "done", within=30)  # type: ignore[union-attr]
        # And cancels the other.
        assert await anna.cancel_jobs([other.id]) == 1
        assert answers.seen[-1] == ("ConfirmDialog", "Drop 1 job? It will not run; Retry brings it back.")
        assert boris.get(other.id).state == "cancelled"  # type: ignore[union-attr]
        await anna.refresh_queue()
        row = queue.model.view_row_of(lambda r: r.id == job.id)
        # Who ran it is the desk: its lease owner is this host and process (safe whatever the desks are
        # called), which the team's list of runners names.
        assert queue.model.index(row, QueueModel.RUN_BY).data() == "desk-anna"
        assert service.owner == f"termsrv:{os.getpid()}"

        # The audit trail, on every desk: who did what.
        lines = dict(
            zip(
                _column(anna.activity_model, ActivityModel.ACTION),
                _column(anna.activity_model, ActivityModel.ACTOR),
                strict=True,
            )
        )
        assert lines[f"Retried by desk-anna: Create deal for record 2 (job {job.id})"] == "desk-anna"
        assert lines[f"Given up on desk-boris: Create deal for record 2 (job {job.id})"] == "desk-boris"
        assert lines[f"Done by desk-anna: Create deal for record 2 (job {job.id})"] == "desk-anna"
        assert lines[f"Cancelled by desk-anna: Create deal for record 3 (job {other.id})"] == "desk-anna"
        retried = [e for e in boris.events(job.id) if e.type == "retried"]
        assert [e.actor for e in retried] == ["staff@desk-anna"]

        # In Russian too.
        i18n.set_language("ru")
        await wait_until(lambda: anna.tabs.tabText(anna.tabs.indexOf(anna.runners)) == "Обработчики")
        assert "молчит" in _column(anna.runners.model, RunnersModel.STATE)
        russian = _column(anna.activity_model, ActivityModel.ACTION)
        assert any(line.startswith("Повторено: desk-anna: ") for line in russian), russian
        assert "desk-boris (процесс 4242)" in anna.runners.silent_label.text()
        assert "молчит" in anna.runners.silent_label.text()
        i18n.set_language("en")  # while the window lives: the switch reaches live widgets only
        await wait_until(lambda: anna.tabs.tabText(anna.tabs.indexOf(anna.runners)) == "Runners")

        # Closing the window ends its runner cleanly: stopped, not silent.
        await anna.shutdown()
        states = {r.host: r.stopped_at is not None for r in boris.runners()}
        assert states == {"desk-anna": True, "desk-boris": False, "desk-old": False}
    finally:
        await anna.shutdown()


async def test_the_activity_tab_says_each_job_action_of_this_desk_once(
    anna: MainWindow, boris: TeamQueue
) -> None:
    """What this desk did to jobs is in the team's audit trail, job by job; the desk's own summary of the
    same actions ("retried 1 job") is not shown beside it. What no job event tells stays."""
    try:
        dead = boris.enqueue("deal.create", "2", created_by="staff@desk-boris")
        [claimed] = boris.claim(BORIS, lease_seconds=30)
        boris.fail(BORIS, claimed.id, JobError("PortalError", "ACCESS_DENIED: no rights", retryable=False))

        assert await anna.connect_service()
        service = anna.require_service()
        service.pause_runner()  # the jobs stay as the desk leaves them
        update = Plan((PlannedJob("deal.update", "1", "test"), PlannedJob("deal.update", "3", "test")))
        assert await service.apply(update) == 2
        assert await service.apply(Plan((PlannedJob("deal.update", "1", "test"),))) == 1  # joins the first
        first, third = (boris.active_job("deal", key) for key in ("1", "3"))
        assert first is not None and third is not None
        answers = DialogAnswers(anna)
        assert await anna.retry_jobs([dead.id]) == 1
        assert await anna.cancel_jobs([third.id]) == 1
        assert [kind for kind, _question in answers.seen] == ["ConfirmDialog", "ConfirmDialog"]

        await anna.refresh_queue()
        lines = _column(anna.activity_model, ActivityModel.ACTION)
        assert sorted(line for line in lines if "ueued" in line) == [
            f"Queued again by desk-anna: Update deal for record 1 (job {first.id})",
            f"Queued by desk-anna: Update deal for record 1 (job {first.id})",
            f"Queued by desk-anna: Update deal for record 3 (job {third.id})",
            f"Queued by desk-boris: Create deal for record 2 (job {dead.id})",
        ]
        assert [line for line in lines if "etried" in line] == [
            f"Retried by desk-anna: Create deal for record 2 (job {dead.id})"
        ]
        assert [line for line in lines if "ancelled" in line] == [
            f"Cancelled by desk-anna: Update deal for record 3 (job {third.id})"
        ]
        assert lines.count("paused the runner") == 1
        assert len(lines) == len(set(lines)), lines
    finally:
        await anna.shutdown()


async def test_who_ran_a_job_is_named_by_its_desk_and_an_unlisted_runner_by_its_host(
    anna: MainWindow, boris: TeamQueue
) -> None:
    """Two people on one terminal server are two desks wherever a runner is named: the Queue tab's "Run by",
    the audit trail's "Done by" and "Given up on", and the Activity tab's filter, each shown as the desk is
    called ("boris@termsrv" and "cli@desk" taken as names, not read as someone at a desk). A runner the team's
    list does not know (pruned, or not yet heard of) is named by the host its lease owner names."""
    try:
        # Boris on the terminal server: desk boris@termsrv, its runner (lease owner) termsrv:5151.
        boris.heartbeat("termsrv:5151", "bitrix-monitor window", desk="boris@termsrv")
        done = boris.enqueue("deal.create", "1", created_by="staff@boris@termsrv")
        [claimed] = boris.claim("termsrv:5151", lease_seconds=30)
        boris.complete("termsrv:5151", claimed.id, {"id": 501})
        # A worker whose desk is called cli@desk gives up on one.
        boris.heartbeat("worker:88", "bitrix-monitor --sync --watch 60", desk="cli@desk")
        dead = boris.enqueue("deal.create", "3", created_by="staff@boris@termsrv")
        [claimed] = boris.claim("worker:88", lease_seconds=30)
        refused = JobError("PortalError", "ACCESS_DENIED: no rights", retryable=False)
        boris.fail("worker:88", claimed.id, refused)
        # And a runner the list of runners does not know ran one: its host it is.
        unlisted = boris.enqueue("deal.create", "2", created_by="staff@boris@termsrv")
        [claimed] = boris.claim("desk-carol:77", lease_seconds=30)
        boris.complete("desk-carol:77", claimed.id, {"id": 502})

        assert await anna.connect_service()
        anna.require_service().pause_runner()
        await anna.refresh_queue()
        model = anna.queue.model

        def run_by(job_id: int) -> str:
            return str(model.index(model.view_row_of(lambda r: r.id == job_id), QueueModel.RUN_BY).data())

        assert run_by(done.id) == "boris@termsrv"
        assert run_by(dead.id) == "cli@desk"
        assert run_by(unlisted.id) == "desk-carol"

        lines = dict(
            zip(
                _column(anna.activity_model, ActivityModel.ACTION),
                _column(anna.activity_model, ActivityModel.ACTOR),
                strict=True,
            )
        )
        assert lines[f"Done by boris@termsrv: Create deal for record 1 (job {done.id})"] == "boris@termsrv"
        assert lines[f"Given up on cli@desk: Create deal for record 3 (job {dead.id})"] == "cli@desk"
        assert lines[f"Done by desk-carol: Create deal for record 2 (job {unlisted.id})"] == "desk-carol"
        assert lines[f"Queued by boris@termsrv: Create deal for record 1 (job {done.id})"] == "boris@termsrv"
        who = anna.activity.who_filter
        texts = [who.itemText(i) for i in range(1, who.count())]
        assert len(texts) == len(set(texts))  # one choice for each name
        groups = anna.activity._groups
        choices = {actor: who.itemText(i) for i in range(1, who.count()) for actor in groups[who.itemData(i)]}
        assert choices["termsrv:5151"] == "boris@termsrv"
        assert choices["worker:88"] == "cli@desk"
        assert choices["desk-carol:77"] == "desk-carol"

        # Both runners are silent (their clock says ten minutes ago): the warning names their desks too.
        await anna.refresh_runners()
        assert "boris@termsrv (process 5151)" in anna.runners.silent_label.text()
        assert "cli@desk (process 88)" in anna.runners.silent_label.text()
    finally:
        await anna.shutdown()
