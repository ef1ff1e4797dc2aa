"""Face work handed to a task by reference, and its answer awaited (faceauth/jobs.py),
against the real Redis."""

import time
from dataclasses import dataclass, field

from asgiref.sync import async_to_sync

from faceauth import frames, jobs


@dataclass
class InlineTask:
    """A task that the "broker" delivers `deliveries` times, at once, in this thread."""

    work: object
    deliveries: int = 1
    name: str = "test.inline"
    time_limit: float = 1
    sent: list = field(default_factory=list)

    def apply_async(self, args, kwargs, **options):
        self.sent.append((args, kwargs, options))
        for _ in range(self.deliveries):
            jobs.job_serve(*args, language=kwargs["language"], work=self.work)


def test_a_job_delivered_twice_is_done_once_and_answered_once():
    done = []

    def work(pictures):
        done.append(pictures)
        return {"ok": True, "pictures": len(pictures)}

    task = InlineTask(work, deliveries=2)
    answer = async_to_sync(jobs.job_run)(task, [b"one", b"two"], queue_seconds=1)

    assert answer == {"ok": True, "pictures": 2}
    assert done == [[b"one", b"two"]]
    ((job_id,), kwargs, options) = task.sent[0]
    assert kwargs == {"language": "en"}
    pictures_key, answer_key, _ = jobs._keys(job_id)
    assert not frames.sync_client().exists(pictures_key, answer_key)


def test_the_work_runs_in_the_pages_language():
    from django.utils import translation

    task = InlineTask(lambda pictures: {"ok": True, "in": translation.get_language()})
    with translation.override("zh-hans"):
        answer = async_to_sync(jobs.job_run)(task, [b"x"], queue_seconds=1)
    assert answer == {"ok": True, "in": "zh-hans"}
    assert translation.get_language() == "en"


def test_pictures_past_their_time_get_a_busy_answer_at_once_and_no_work():
    done = []

    class LateTask(InlineTask):
        def apply_async(self, args, kwargs, **options):
            pictures_key = jobs._keys(args[0])[0]
            frames.sync_client().delete(pictures_key)  # as their expiry would
            super().apply_async(args, kwargs, **options)

    task = LateTask(lambda pictures: done.append(pictures), time_limit=30)
    began = time.monotonic()
    answer = async_to_sync(jobs.job_run)(task, [b"x"], queue_seconds=30)

    assert answer == jobs.busy_answer()
    assert done == []
    assert time.monotonic() - began < 5  # not the view's 62 s wait


def test_a_failing_work_is_answered_as_an_error_not_silence():
    def broken(pictures):
        raise RuntimeError("boom")

    answer = async_to_sync(jobs.job_run)(InlineTask(broken), [b"x"], queue_seconds=1)
    assert answer == {
        "ok": False,
        "reason": "error",
        "message": "Something went wrong. Try again.",
    }
