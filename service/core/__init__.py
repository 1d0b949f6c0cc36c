"""The generic workflow core: definitions, cases, tasks and inbox, access, operations and job
registries, attachments, notifications, settings. It names no process; features plug in
through registry.py."""
