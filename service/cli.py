"""The `talentflow` command."""
from __future__ import annotations

import json

import click

from .core.registry import REGISTRY
from .platform import Platform  # importing it loads every feature, so REGISTRY.jobs is complete

JOBS = tuple(REGISTRY.jobs)


class Commands(click.Group):
    """A database that cannot be reached, or a malformed TALENTFLOW_DATABASE_URL, is one clear
    line and a non-zero exit, not a traceback."""

    def invoke(self, ctx):
        from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError
        try:
            return super().invoke(ctx)
        except ArgumentError as exc:
            raise click.ClickException(f"数据库地址无效（TALENTFLOW_DATABASE_URL）/ invalid database "
                                       f"URL: {str(exc).splitlines()[0][:200]}")
        except (OperationalError, InterfaceError) as exc:
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()
            raise click.ClickException(f"无法连接数据库 / cannot reach the database: "
                                       f"{(reason[0] if reason else type(exc).__name__)[:200]}")


@click.group(cls=Commands)
@click.pass_context
def main(ctx):
    """TalentFlow 自流井区人才培养工作流服务."""
    ctx.obj = None


def _platform() -> Platform:
    return Platform()


@main.command("init-db")
def init_db():
    """Create or upgrade the schema and deploy the shipped diagrams (idempotent)."""
    from .schema import ShippedFilesMissing, upgrade
    platform = _platform()
    try:
        upgrade(platform)
    except ShippedFilesMissing as exc:
        raise click.ClickException(str(exc))
    click.echo("数据库已就绪 / database is up to date")


@main.command("seed-demo")
@click.option("--cases/--no-cases", "with_cases", default=True,
              help="also demo cases, talents and paid rewards (once, on a database without cases)")
def seed_demo(with_cases):
    """Demo departments, units, one user per role (password `demo`) and an open round; and,
    on a database without cases, cases in every state, talents and paid rewards."""
    from . import demo
    from .schema import ShippedFilesMissing, upgrade
    platform = _platform()
    try:
        upgrade(platform)
    except ShippedFilesMissing as exc:
        raise click.ClickException(str(exc))
    with platform.transaction() as session:
        created = demo.seed(session, platform.today())
    if with_cases:  # first: it fills only a database without cases
        with platform.transaction() as session:
            created.update(demo.seed_cases(platform, session))
    with platform.transaction() as session:
        created["talents"] = demo.seed_talents(platform, session, platform.today())
    click.echo(f"演示数据已就绪 / demo data ready: {created}")


@main.command("create-user")
@click.argument("username")
@click.option("--password", required=True)
@click.option("--role", "roles", multiple=True, required=True)
@click.option("--unit", "unit_id", type=int)
@click.option("--department", "department_id", type=int)
@click.option("--display-name", default="")
@click.option("--email")
def create_user(username, password, roles, unit_id, department_id, display_name, email):
    """Create a user with one or more roles."""
    from .core.directory import create_user as create
    from .errors import ServiceError
    platform = _platform()
    try:
        with platform.transaction() as session:
            user = create(session, username, password, list(roles), display_name=display_name,
                          unit_id=unit_id, department_id=department_id, email=email)
    except ServiceError as exc:
        raise click.ClickException(f"{exc.message} {exc.errors}")
    click.echo(f"用户已创建 / created user {user.username} (id {user.id})")


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="web worker processes (gunicorn; default: the number of CPUs)")
@click.option("--threads", default=4, type=click.IntRange(1, 64), help="threads per worker")
@click.option("--server", "server_kind", type=click.Choice(["auto", "gunicorn", "waitress"]),
              default="auto", help="auto: gunicorn where available, else waitress")
@click.option("--no-scheduler", is_flag=True, help="do not run the scheduler with the web server")
def serve(host, port, workers, threads, server_kind, no_scheduler):
    """Serve the web UI and API (gunicorn pre-fork workers, or waitress)."""
    from . import server
    _logging()
    platform = _platform()  # fail early, in one line, on a bad database URL
    use_gunicorn = server_kind == "gunicorn" or (server_kind == "auto" and server.gunicorn_available())
    click.echo(f"TalentFlow 运行于 http://{host}:{port}/")
    if use_gunicorn:
        platform.engine.dispose()  # the workers open their own connections after the fork
        server.serve_gunicorn(host, port, workers or server.default_workers(), threads,
                              scheduler=not no_scheduler)
    else:
        server.serve_waitress(platform, host, port, threads * (workers or 1),
                              scheduler=not no_scheduler)


@main.command()
def scheduler():
    """Run the scheduler alone (next to web workers started with --no-scheduler)."""
    from talentflow.scheduler.runner import run_forever
    _logging()
    click.echo("定时任务已启动 / scheduler running (Ctrl+C to stop)")
    run_forever(_platform())


def _logging():
    import logging
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("spiff").setLevel(logging.WARNING)  # one line per engine step otherwise


@main.group()
def jobs():
    """Scheduled jobs: list them, run one now, change a schedule."""


@jobs.command("list")
def jobs_list():
    """Each job with its schedule, last run and outcome, and next run."""
    from talentflow.scheduler import status

    def fmt(value):
        return value.isoformat(sep=" ", timespec="minutes") if value else "—"
    for row in status.rows(_platform()):
        outcome = row["outcome"] or "从未运行 / never run"
        if row["error"]:
            outcome += f" ({row['error'].splitlines()[-1][:120]})"
        elif row["summary"]:
            outcome += " " + json.dumps(row["summary"], ensure_ascii=False, default=str)[:160]
        last = fmt(row["last_run"]) + (f" (as of {row['last_as_of']})" if row["last_as_of"] else "")
        click.echo(f"{row['job']}\n  schedule  {row['schedule']}\n  last run  {last}\n"
                   f"  next run  {fmt(row['next_run'])}\n  outcome   {outcome}")


@jobs.command("run")
@click.argument("job", type=click.Choice(JOBS))
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="run as if today were this date (YYYY-MM-DD)")
@click.option("--wait", default=600, type=int, show_default=True,
              help="seconds to wait while another process runs the same job")
def jobs_run(job, as_of, wait):
    """Run one job now, in this process (email included); exit 0 on success."""
    from talentflow.scheduler.runner import run_job
    _logging()
    summary = run_job(_platform(), job, as_of.date() if as_of else None, wait_seconds=wait)
    if summary.get("skipped") == "locked":
        raise click.ClickException("另一进程正在运行该任务 / another process is running this job")
    click.echo(json.dumps(summary, ensure_ascii=False, default=str))


@jobs.command("set-schedule")
@click.argument("job", type=click.Choice(JOBS))
@click.argument("cron")
def jobs_set_schedule(job, cron):
    """Change when JOB runs (crontab: "minute hour day month weekday", e.g. "0 9 * * 1-5");
    running schedulers pick it up within a minute."""
    _set_setting(f"schedule.{job}", cron)


@main.group()
def settings():
    """Schedules and dates of the scheduled jobs (admin)."""


@settings.command("list")
def settings_list():
    from .core import settings as store
    platform = _platform()
    with platform.transaction() as session:
        values = store.load(session, platform.config)
    for key, spec in store.specs().items():
        click.echo(f"{key} = {json.dumps(values[key], ensure_ascii=False)}\n    {spec.description}")


@settings.command("set")
@click.argument("key")
@click.argument("value")
def settings_set(key, value):
    """Set KEY to VALUE (JSON for the tables, e.g. due_working_days)."""
    _set_setting(key, value)


def _set_setting(key, value):
    from .core import settings as store
    from .errors import ServiceError
    platform = _platform()
    try:
        with platform.transaction() as session:
            stored = store.put(session, key, value)
    except ServiceError as exc:
        raise click.ClickException(f"{exc.message} {exc.errors}")
    click.echo(f"{key} = {json.dumps(stored, ensure_ascii=False)}")


if __name__ == "__main__":
    main()
