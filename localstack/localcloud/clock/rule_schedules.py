"""EventBridge rule schedules (rate and cron) fire on the instance's clock, each at its time.

LocalStack looked at its rules once every 59.9 s of the host's time and fired those whose next
cron time was less than a minute away (so a rule fired up to a minute off its time, and a
day-long one never in a test). Here each rule knows when it is next due on the clock, looked at
every LOOK_EVERY_SECONDS: when the clock has passed that time it fires once, however many of
its firing times an advance passed (AWS would have fired each; a test that moves a day ahead
wants one firing, not 1,440), and its next time is counted from the clock's now.

LocalStack's translation of `rate(...)` to cron is kept: `rate(5 minutes)` fires on the minutes
divisible by five, `rate(1 day)` at midnight UTC (AWS counts a rate from the rule's creation).
"""

from __future__ import annotations

import logging

from localcloud.clock.clock import CLOCK
from localcloud.support.patching import patch_plugin

LOG = logging.getLogger(__name__)
LOOK_EVERY_SECONDS = 0.5


def next_firing(cron: str, after: float) -> float | None:
    """The first time (epoch seconds) after `after` that the cron expression names, in UTC."""
    import datetime

    from crontab import CronTab

    start = datetime.datetime.fromtimestamp(after, datetime.UTC)
    return CronTab(cron).next(now=start, delta=False, default_utc=True)


@patch_plugin(
    "localstack.services.events.scheduler",
    requires=("Job.run", "Job.do_run", "JobScheduler.loop", "JobScheduler.add_job"),
)
def fire_rules_on_the_clock(module) -> None:
    original_add_job = module.JobScheduler.add_job

    def add_job(self, job_func, schedule, enabled=True):
        job_id = original_add_job(self, job_func, schedule, enabled)
        self.get_job(job_id).due_at = next_firing(schedule, CLOCK.time())
        return job_id

    def run(self) -> None:
        now = CLOCK.time()
        due_at = getattr(self, "due_at", None)
        if due_at is None or now < due_at:
            return
        try:
            self.due_at = next_firing(self.schedule, now)
            if self.is_enabled:
                self.do_run()
        except Exception:
            LOG.exception("scheduled rule %s (%s) did not fire", self.job_id, self.schedule)

    def loop(self, *args) -> None:
        while not self._stop_event.is_set():
            for job in list(self.jobs):
                job.run()
            self._stop_event.wait(LOOK_EVERY_SECONDS)

    module.JobScheduler.add_job = add_job
    module.Job.run = run
    module.JobScheduler.loop = loop
