"""The text messages an applicant gets: the status link once, then each decision."""

from __future__ import annotations

from sqlalchemy.orm import Session

from minsheng.core.settings import get_settings
from minsheng.licensing.models import KIND_LABELS, Application, ApplicationStatus
from minsheng.notify import service as notify

PURPOSE = "licensing"


def status_url(token: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/licensing/status/{token}"


def submitted(db: Session, *, app: Application, token: str) -> None:
    """Sent at submitting: the number and the only link to the status page."""
    if not app.phone:
        return
    what = KIND_LABELS[app.kind]
    if app.status == ApplicationStatus.issued:
        outcome = "已通过并办结"
    else:
        outcome = "已提交，等待登记人员审核"
    notify.queue_sms(
        db,
        to=app.phone,
        body=f"【民生】您的个体工商户{what}申请（编号 {app.number}）{outcome}。"
        f"查看进度和下载执照：{status_url(token)}",
        purpose=PURPOSE,
    )


def decided(db: Session, *, app: Application) -> None:
    """Sent after a registrar's decision; the link is in the first message."""
    if not app.phone:
        return
    what = KIND_LABELS[app.kind]
    texts = {
        ApplicationStatus.issued: "已审核通过并办结",
        ApplicationStatus.returned: f"需要修改：{app.reason}",
        ApplicationStatus.refused: f"未予登记，原因：{app.reason}",
    }
    text = texts.get(app.status)
    if text is None:
        return
    notify.queue_sms(
        db,
        to=app.phone,
        body=f"【民生】您的个体工商户{what}申请（编号 {app.number}）{text[:120]}。"
        "请打开提交申请时短信里的链接查看。",
        purpose=PURPOSE,
    )
