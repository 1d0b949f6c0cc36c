"""Scheduled jobs (rounds, annual evaluations, reminders, BPMN timers) and their runner.

`scheduler.jobs` holds the jobs as plain functions of (platform, session, as_of);
`scheduler.runner.run_job` runs one under its lock and records its outcome;
`scheduler.runner.start_scheduler` fires them on their schedules with APScheduler."""
