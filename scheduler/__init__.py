"""The scheduler: runs the jobs the features and the core register (core/registry.py), each a
plain function of (platform, session, as_of), never the web layer.

`runner.run_job` runs one under its lock and records its outcome; `runner.start_scheduler`
fires them on their schedules with APScheduler (jobs kept in the database)."""
