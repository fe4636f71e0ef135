"""The real `minsheng` command, run as a subprocess against a fresh database."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest
from sqlalchemy import func, inspect, select, text

from minsheng.accounts import passwords
from minsheng.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from minsheng.accounts.models import StaffUser
from minsheng.audit.models import AuditEvent
from minsheng.core.db import Database
from minsheng.org.models import Unit
from minsheng.projects.demo_data import DEPUTIES
from tests.audit.test_chain import drop_append_only_triggers

STRONG = "Kunshan-2026-strong"


@pytest.fixture
def opened(cli) -> Iterator[Database]:
    """The CLI's database, opened from the test to look at what the commands did."""
    database = Database(cli.database_url)
    yield database
    database.dispose()


def counts(database: Database) -> tuple[int, int, int]:
    """Audit events, staff accounts and units: what a failed command must leave untouched."""
    with database.session() as db:
        return (
            db.scalar(select(func.count()).select_from(AuditEvent)),
            db.scalar(select(func.count()).select_from(StaffUser)),
            db.scalar(select(func.count()).select_from(Unit)),
        )


def ok(result) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def refused(result) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    return result.stderr


def test_init_creates_the_database_then_says_it_is_newest(cli, opened):
    first = ok(cli("init"))
    assert "升级数据库：（空）" in first and "数据库已升级。" in first
    assert {"audit_event", "audit_head", "unit", "staff_user", "outbound_message"} <= set(
        inspect(opened.engine).get_table_names()
    )
    again = ok(cli("init"))
    assert "数据库已是最新版本" in again and "升级" not in again


def test_demo_prints_logins_and_a_second_run_changes_nothing(cli, opened):
    ok(cli("init"))
    first = ok(cli("demo"))
    events, staff, units = counts(opened)
    # The practical projects' demo adds the deputies beyond the first, who is a demo login.
    assert events > 0 and staff == len(DEMO_USERS) + len(DEPUTIES) - 1 and units > 20
    assert f"新增或修改 {events} 项" in first
    assert f"演示账号（密码均为 {DEMO_PASSWORD}）" in first
    for username, name, _role, unit in DEMO_USERS:
        assert re.search(
            rf"^\s+{re.escape(username)}\s+{re.escape(name)}（{re.escape(unit)}）$", first, re.M
        )

    with opened.session() as db:
        for username, *_ in DEMO_USERS:
            user = db.scalar(select(StaffUser).where(StaffUser.username == username))
            assert passwords.verify_password(user.password_hash, DEMO_PASSWORD), username

    again = ok(cli("demo"))
    assert "新增或修改 0 项" in again
    assert counts(opened) == (events, staff, units)


def test_create_user_right_after_init(cli, opened):
    ok(cli("init"))
    out = ok(
        cli("create-user", "--username", "wang", "--password", STRONG, "--role", "administrator")
    )
    assert "已建立账号 wang（系统管理员" in out
    with opened.session() as db:
        user = db.scalar(select(StaffUser).where(StaffUser.username == "wang"))
        assert passwords.verify_password(user.password_hash, STRONG)
        [assignment] = user.assignments
        assert (assignment.role, assignment.unit.parent_id) == ("administrator", None)
        root = assignment.unit.name
        creation = db.scalar(select(AuditEvent).where(AuditEvent.object_type == "staff_user"))
        assert creation.actor_label.startswith("命令行 create-user")

    # The demo data later builds on the same top-level unit rather than adding a second one.
    ok(cli("demo"))
    with opened.session() as db:
        roots = db.scalars(select(Unit.name).where(Unit.parent_id.is_(None))).all()
        admin = db.scalar(select(StaffUser).where(StaffUser.username == "admin"))
        assert {(a.role, a.unit.name) for a in admin.assignments} == {("administrator", root)}
    assert roots.count(root) == 1


def test_create_user_in_a_named_unit(cli, opened):
    ok(cli("init"))
    ok(cli("create-user", "--username", "wang", "--password", STRONG, "--role", "administrator"))
    out = ok(
        cli(
            "create-user",
            "--username",
            "zhaolei",
            "--password",
            STRONG,
            "--role",
            "supervisor",
            "--unit",
            "昆山市",
            "--name",
            "赵磊",
        )
    )
    assert "已建立账号 zhaolei（督查人员，昆山市）" in out
    with opened.session() as db:
        user = db.scalar(select(StaffUser).where(StaffUser.username == "zhaolei"))
        assert user.display_name == "赵磊"
        assert [(a.role, a.unit.name) for a in user.assignments] == [("supervisor", "昆山市")]


REFUSALS = {
    "bad role": (
        ["--username", "li", "--password", STRONG, "--role", "king"],
        "没有“king”这个角色",
    ),
    "short password": (
        ["--username", "liming", "--password", "short1", "--role", "administrator"],
        "密码至少 10 位",
    ),
    "simple password": (
        ["--username", "liming", "--password", "aaaaaaaaaaaa", "--role", "administrator"],
        "密码太简单",
    ),
    "unknown unit": (
        ["--username", "liming", "--password", STRONG, "--role", "handler", "--unit", "不存在的局"],
        "没有找到单位“不存在的局”",
    ),
    "unknown unit id": (
        ["--username", "liming", "--password", STRONG, "--role", "handler", "--unit", "999"],
        "没有找到单位“999”",
    ),
    "taken username": (
        ["--username", "wang", "--password", STRONG, "--role", "administrator"],
        "用户名“wang”已被使用",
    ),
    "bad username": (
        ["--username", "li ming!", "--password", STRONG, "--role", "administrator"],
        "--username",
    ),
}


def test_create_user_refuses_bad_input_and_writes_nothing(cli, opened, subtests):
    ok(cli("init"))
    ok(cli("create-user", "--username", "wang", "--password", STRONG, "--role", "administrator"))
    before = counts(opened)
    for case, (args, message) in REFUSALS.items():
        with subtests.test(case):
            error = refused(cli("create-user", *args))
            assert message in error
            assert counts(opened) == before


def test_create_user_with_bad_role_on_fresh_database_leaves_it_empty(cli, opened):
    ok(cli("init"))
    error = refused(
        cli("create-user", "--username", "wang", "--password", STRONG, "--role", "mayor")
    )
    assert "没有“mayor”这个角色" in error and "administrator" in error
    assert counts(opened) == (0, 0, 0)


def chain_of_several_rows(cli) -> None:
    ok(cli("init"))
    for n in range(3):
        ok(
            cli(
                "create-user",
                "--username",
                f"staff{n}",
                "--password",
                STRONG,
                "--role",
                "administrator",
            )
        )


def test_audit_verify_passes_then_reports_the_tampered_row(cli, opened):
    chain_of_several_rows(cli)
    events = counts(opened)[0]
    intact = ok(cli("audit", "verify"))
    assert f"审计链完整：共 {events} 条记录" in intact

    drop_append_only_triggers(opened)
    with opened.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET summary = '{}' WHERE seq = 7"))
    broken = cli("audit", "verify")
    assert broken.returncode == 1
    assert "Traceback" not in broken.stderr
    assert "审计链在第 7 条处断开" in broken.stderr
    assert "此前 6 条核对无误" in broken.stderr


def test_audit_verify_reports_rows_cut_off_the_end(cli, opened):
    chain_of_several_rows(cli)
    events = counts(opened)[0]
    drop_append_only_triggers(opened)
    with opened.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq > :keep"), {"keep": events - 3})
    broken = cli("audit", "verify")
    assert broken.returncode == 1
    assert f"审计链在第 {events - 2} 条处断开" in broken.stderr and "末尾被截断" in broken.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["demo"],
        ["audit", "verify"],
        ["create-user", "--username", "u", "--password", STRONG, "--role", "administrator"],
    ],
)
def test_commands_before_init_ask_for_init(command, cli, opened):
    error = refused(cli(*command))
    assert "请先运行 minsheng init" in error
    assert "audit_event" not in inspect(opened.engine).get_table_names()


def test_production_with_default_secret_refuses_to_start(cli, opened):
    error = refused(cli("init", MINSHENG_ENV="production"))
    assert "MINSHENG_SECRET_KEY" in error and "生产环境" in error
    assert inspect(opened.engine).get_table_names() == []


def test_production_with_its_own_secret_starts(cli):
    out = ok(
        cli("init", MINSHENG_ENV="production", MINSHENG_SECRET_KEY="k" * 16 + "3f9a1c7e5b2d4f60")
    )
    assert "数据库已升级" in out


def test_production_refuses_demo_data(cli, opened):
    secret = {"MINSHENG_ENV": "production", "MINSHENG_SECRET_KEY": "s" * 40}
    ok(cli("init", **secret))
    error = refused(cli("demo", **secret))
    assert "生产环境不载入演示数据" in error
    assert counts(opened) == (0, 0, 0)


def test_invalid_setting_is_named_without_traceback(cli):
    error = refused(cli("init", MINSHENG_SMTP_PORT="twenty-five"))
    assert "配置错误（MINSHENG_SMTP_PORT）" in error and "整数" in error


def test_unreachable_database_is_reported_without_traceback(cli):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    error = refused(
        cli(
            "init",
            MINSHENG_DATABASE_URL=f"postgresql+psycopg://minsheng:secret@127.0.0.1:{port}/minsheng",
        )
    )
    assert "无法连接数据库" in error and f"127.0.0.1:{port}" in error
    assert "secret" not in error  # the password is never printed


def test_create_user_asks_for_the_password_when_not_given(cli):
    import subprocess

    from tests.core.conftest import MINSHENG

    assert cli("init").returncode == 0
    result = subprocess.run(
        [str(MINSHENG), "create-user", "--username", "quiet-admin", "--role", "administrator"],
        cwd=cli.cwd,
        env=cli.environment(),
        input="long-enough-pass\nlong-enough-pass\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "已建立账号 quiet-admin" in result.stdout
    assert "long-enough-pass" not in result.stdout + result.stderr
