"""The `minsheng` command: init, demo, serve, worker, create-user, audit verify."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click
from pydantic import ValidationError

from minsheng.core.db import Actor, Database


def _settings() -> Any:
    from minsheng.core.settings import get_settings
    from minsheng.web.forms import field_message

    try:
        return get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            field = "_".join(str(p) for p in error["loc"]).upper()
            where = f"（MINSHENG_{field}）" if field else ""
            click.secho(f"配置错误{where}：{field_message(error)}", fg="red", err=True)
        sys.exit(2)


def _connect(url: str) -> Database:
    """The database, or a plain message and exit when it cannot be reached."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    try:
        database = Database(url)
        with database.engine.connect():
            pass
    except (OperationalError, OSError) as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        click.secho(f"无法连接数据库 {shown}：{getattr(exc, 'orig', exc)}", fg="red", err=True)
        sys.exit(2)
    return database


def _database() -> Database:
    """The database, refusing to go on before `minsheng init` has brought it up to date."""
    from minsheng.core.migrate import current, head

    url = _settings().database_url
    database = _connect(url)
    if current(database.engine) != head(url):
        click.secho("数据库还不是最新版本，请先运行 minsheng init。", fg="red", err=True)
        sys.exit(2)
    from minsheng.core.jobs import attach_queue

    # What a command defers reaches the same job backend the workers read.
    attach_queue(_settings(), database)
    return database


def _cli_actor(command: str) -> Actor:
    import getpass

    return Actor(kind="system", label=f"命令行 {command}（{getpass.getuser()}）")


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="显示更多日志。")
def main(verbose: bool) -> None:
    """民生 Minsheng：我为群众办实事的闭环平台。"""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)


@main.command()
def init() -> None:
    """建立或升级数据库到最新版本。"""
    from minsheng.core.migrate import current, head, upgrade

    settings = _settings()
    database = _connect(settings.database_url)
    before = current(database.engine)
    target = head(settings.database_url)
    if before == target:
        click.echo(f"数据库已是最新版本（{target}）。")
    else:
        click.echo(f"升级数据库：{before or '（空）'} → {target} …")
        upgrade(settings.database_url)
        click.secho("数据库已升级。", fg="green")
    if settings.job_backend == "procrastinate":
        from minsheng.core.jobs_procrastinate import build_app, ensure_schema
        from minsheng.core.modules import import_jobs

        import_jobs()
        if ensure_schema(build_app(settings, database), database):
            click.echo("已安装任务队列（procrastinate）的数据表。")
    database.dispose()


@main.command()
@click.option("--force", is_flag=True, help="在非开发环境也载入演示数据。")
def demo(force: bool) -> None:
    """载入昆山演示数据（重复运行不会改变任何内容）。"""
    from minsheng.accounts.demo import DEMO_PASSWORD, DEMO_USERS
    from minsheng.audit import service as audit
    from minsheng.core.modules import import_models, load_modules

    settings = _settings()
    if settings.env == "production" and not force:
        click.secho("生产环境不载入演示数据（确需载入请加 --force）。", fg="red", err=True)
        sys.exit(2)
    database = _database()
    import_models()
    loaders = sorted((m for m in load_modules() if m.demo), key=lambda m: m.demo_order)
    with database.session(_cli_actor("demo")) as db:
        before = audit.total(db)
        with click.progressbar(
            loaders, label="载入演示数据", item_show_func=lambda m: m.label if m else ""
        ) as bar:
            for module in bar:
                assert module.demo is not None
                module.demo(db, lambda step: None)
        db.flush()
        changes = audit.total(db) - before
    click.secho(f"演示数据已就绪（本次新增或修改 {changes} 项）。", fg="green")
    click.echo(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
    for username, name, _role, unit in DEMO_USERS:
        click.echo(f"  {username:<12} {name}（{unit}）")
    click.echo("  deputy2 … deputy7  另外六位人大代表（实事项目票决和满意度测评）")
    click.echo("居民登录：任意手机号，验证码会打印在服务日志里，开发环境也可在 /dev/sms 查看。")
    database.dispose()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="端口。"
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="进程数（PostgreSQL 时可多于 1）。",
)
def serve(host: str, port: int, workers: int) -> None:
    """启动网站和 API。"""
    import uvicorn

    settings = _settings()
    if workers > 1 and settings.is_sqlite:
        click.secho("SQLite 只能用单进程运行；多进程请使用 PostgreSQL。", fg="red", err=True)
        sys.exit(2)
    if settings.job_backend == "embedded":
        click.echo("后台任务在本进程内运行（embedded）。")
    click.echo(f"民生已启动：http://{host}:{port}  （按 Ctrl+C 停止）")
    uvicorn.run(
        "minsheng.cli:_serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
    )


def _serve_app() -> Any:
    from minsheng.app import create_app

    return create_app(run_jobs=_settings().job_backend == "embedded")


@main.command()
@click.option("--once", is_flag=True, help="只运行一次到期的任务，然后退出。")
def worker(once: bool) -> None:
    """运行后台任务（定时任务、消息发送等）。"""
    from minsheng.core.jobs import EmbeddedRunner
    from minsheng.core.modules import import_jobs, import_models

    settings = _settings()
    import_models()
    import_jobs()
    database = _database()
    if settings.job_backend == "procrastinate":
        from minsheng.core.jobs_procrastinate import build_app, ensure_schema

        app = build_app(settings, database)
        ensure_schema(app, database)
        click.echo("任务进程已启动（procrastinate）。")
        app.run_worker(wait=not once, install_signal_handlers=not once)
        return
    runner = EmbeddedRunner(database, poll_seconds=settings.job_poll_seconds, tz=settings.timezone)
    if once:
        click.echo(f"运行了 {runner.run_once()} 个任务。")
        return
    click.echo("任务进程已启动（embedded）。按 Ctrl+C 停止。")
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        click.echo("已停止。")


@main.command("create-user")
@click.option("--username", required=True, help="用户名（小写字母、数字、._-）。")
@click.option(
    "--password",
    prompt="初始密码",
    hide_input=True,
    confirmation_prompt="再输入一次",
    help="初始密码（至少 10 位）。不写则提示输入，密码不会出现在进程列表里。",
)
@click.option(
    "--role",
    required=True,
    help="角色：administrator、supervisor、operator、handler、registrar、community_worker。",
)
@click.option("--unit", default=None, help="所属单位名称或编号；不填则为最上级单位。")
@click.option("--name", "display_name", default=None, help="姓名（默认同用户名）。")
def create_user(
    username: str, password: str, role: str, unit: str | None, display_name: str | None
) -> None:
    """新建工作人员账号。"""
    from sqlalchemy import select

    from minsheng.accounts import service
    from minsheng.accounts.schemas import RoleGrantIn, StaffUserCreate
    from minsheng.core.errors import MinshengError
    from minsheng.core.modules import import_models
    from minsheng.core.permissions import ROLES
    from minsheng.org.models import Unit
    from minsheng.web.forms import parse

    import_models()
    database = _database()
    try:
        with database.session(_cli_actor("create-user")) as db:
            if unit is None:
                found = db.scalar(
                    select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1)
                )
                if found is None:
                    found = _first_unit(db)
            elif unit.isdigit():
                found = db.get(Unit, int(unit))
            else:
                found = db.scalar(select(Unit).where(Unit.name == unit))
            if found is None:
                raise MinshengError(
                    f"没有找到单位“{unit or '（最上级）'}”。请先建立单位，或运行 minsheng demo。"
                )
            data = parse(
                StaffUserCreate,
                {
                    "username": username,
                    "password": password,
                    "display_name": display_name or username,
                    "roles": [RoleGrantIn(role=role, unit_id=found.id).model_dump()]
                    if role
                    else [],
                },
            )
            user = service.create_user(db, data=data)
            label = ROLES.get(role, role)
            click.secho(f"已建立账号 {user.username}（{label}，{found.name}）。", fg="green")
    except MinshengError as exc:
        fields = getattr(exc, "fields", {})
        for field, message in fields.items():
            click.secho(f"{OPTIONS.get(field, field)}：{message}", fg="red", err=True)
        if not fields:
            click.secho(exc.message, fg="red", err=True)
        sys.exit(2)
    except ValidationError:
        click.secho(f"没有“{role}”这个角色。可选：{'、'.join(ROLES)}。", fg="red", err=True)
        sys.exit(2)


OPTIONS = {
    "username": "--username",
    "password": "--password",
    "roles": "--role",
    "display_name": "--name",
}


def _first_unit(db: Any) -> Any:
    """The city government, for the first account on a fresh installation; demo data reuses it."""
    from minsheng.org import service as org
    from minsheng.org.demo import UNITS
    from minsheng.org.schemas import UnitCreate

    name, kind, *_ = UNITS[0]
    return org.create_unit(db, data=UnitCreate(name=name, kind=kind))


@main.group()
def audit() -> None:
    """审计记录。"""


@audit.command("verify")
def audit_verify() -> None:
    """检查审计记录链条完整、未被修改或截断。"""
    from minsheng.audit import chain
    from minsheng.audit import service as audit_service

    database = _database()
    with database.session() as db:
        total = audit_service.total(db)
        with click.progressbar(length=total, label="核对审计记录", show_pos=True) as bar:
            checked, broken = chain.verify(db.connection(), progress=bar.update)
    if broken is None:
        click.secho(f"审计链完整：共 {checked} 条记录，全部核对无误。", fg="green")
        return
    click.secho(f"审计链在第 {broken.seq} 条处断开：{broken.reason}", fg="red", err=True)
    click.echo(f"（此前 {checked} 条核对无误）", err=True)
    sys.exit(1)
