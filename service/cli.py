"""The `talentflow` command."""
from __future__ import annotations

import sys

import click

from .platform import Platform

JOBS = ("biennial_selection", "annual_evaluation", "task_reminders", "timer_events")


@click.group()
@click.pass_context
def main(ctx):
    """TalentFlow 自流井区人才培养工作流服务."""
    ctx.obj = None


def _platform() -> Platform:
    return Platform()


@main.command("init-db")
def init_db():
    """Create or upgrade the schema and deploy the shipped diagrams (idempotent)."""
    from .schema import upgrade
    platform = _platform()
    upgrade(platform)
    click.echo("数据库已就绪 / database is up to date")


@main.command("seed-demo")
def seed_demo():
    """Demo departments, units, one user per role (password `demo`) and an open round."""
    from . import demo
    from .schema import upgrade
    platform = _platform()
    upgrade(platform)
    with platform.transaction() as session:
        created = demo.seed(session, platform.today())
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
    from .directory import create_user as create
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
@click.option("--threads", default=8, type=int)
@click.option("--no-scheduler", is_flag=True, help="do not run the scheduler in this process")
def serve(host, port, threads, no_scheduler):
    """Serve the web UI and API with a production WSGI server (waitress)."""
    from waitress import serve as waitress_serve

    from .app import create_app
    platform = _platform()
    app = create_app(platform=platform)
    if not no_scheduler:
        click.echo("提示：定时任务尚未实现（见 issue 5）/ note: the scheduler is not available yet",
                   err=True)
    click.echo(f"TalentFlow 运行于 http://{host}:{port}/")
    waitress_serve(app, host=host, port=port, threads=threads)


@main.command()
def scheduler():
    """Run the scheduler alone (not available yet)."""
    click.echo("定时任务尚未实现 / the scheduler is not available yet", err=True)
    sys.exit(1)


@main.group()
def jobs():
    """Scheduled jobs."""


@jobs.command("list")
def jobs_list():
    for job in JOBS:
        click.echo(f"{job}\t尚未实现 / not yet available")


@jobs.command("run")
@click.argument("job", type=click.Choice(JOBS))
@click.option("--as-of", "as_of")
def jobs_run(job, as_of):
    click.echo(f"{job}: 尚未实现 / not yet available", err=True)
    sys.exit(1)


if __name__ == "__main__":
    main()
