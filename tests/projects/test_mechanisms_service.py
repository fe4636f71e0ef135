"""建章立制: only completed projects lead to mechanisms, versions never overwrite, files are PDF or
Word within the size limit, and who may create or revise."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from sqlalchemy import select

from minsheng.core.errors import Forbidden, InvalidInput
from minsheng.projects import mechanisms
from minsheng.projects.models import ProjectEvent, Stage
from minsheng.projects.models_review import Mechanism, MechanismKind, MechanismVersion
from minsheng.projects.schemas_evaluation import MechanismCreate, VersionCreate
from tests import factories
from tests import projects as make
from tests.projects import evaluation_kit as kit

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def data(unit_id: int, *codes: str, **changes: object) -> MechanismCreate:
    values: dict[str, object] = {
        "title": "农村自建房消防安全常态化排查制度",
        "kind": MechanismKind.rule,
        "issuing_unit_id": unit_id,
        "effective_on": dt.date(2026, 12, 1),
        "text": "第一条 各区镇每季度开展一次农村自建房消防隐患排查。",
        "projects": list(codes),
    }
    return MechanismCreate.model_validate(values | changes)


@pytest.fixture
def arranged(db):
    batch = make.batch(db)
    lead = make.unit(db, make.HOUSING_BUREAU)
    done = make.project(db, batch, lead, "2026-1-001", stage=Stage.completed)
    running = make.project(db, batch, lead, "2026-1-002", title="公证档案信息互联互通")
    staff = kit.principal(db, kit.supervisor(db))
    return lead, done, running, staff


def test_a_project_not_completed_cannot_become_a_mechanism(db, arranged) -> None:
    lead, done, running, staff = arranged
    with pytest.raises(InvalidInput) as refused:
        mechanisms.create(db, data=data(lead.id, done.code, running.code), upload=None, staff=staff)
    assert refused.value.fields == {
        "projects": "项目“公证档案信息互联互通”目前为“实施中”，只有已完成的项目才能形成长效机制"
    }
    with pytest.raises(InvalidInput) as unknown:
        mechanisms.create(db, data=data(lead.id, "2099-9-999"), upload=None, staff=staff)
    assert unknown.value.fields == {"projects": "没有编号为“2099-9-999”的实事项目"}
    assert db.scalars(select(Mechanism)).all() == []


def test_new_versions_are_numbered_and_never_overwrite(db, arranged) -> None:
    lead, done, _, staff = arranged
    made = mechanisms.create(db, data=data(lead.id, done.code), upload=None, staff=staff)
    assert made.code == f"JZ{mechanisms.local_today().year}-001"
    assert [(v.number, v.note) for v in made.versions] == [(1, "首次发布")]
    assert mechanisms.for_project(db, done) == [made]
    event = db.scalar(select(ProjectEvent).where(ProjectEvent.kind == "mechanism"))
    assert event is not None and made.code in event.text and event.public

    second = mechanisms.add_version(
        db,
        mechanism=made,
        data=VersionCreate(effective_on=dt.date(2027, 3, 1), note="增加汛期排查", text=""),
        upload=mechanisms.Upload("修订稿.pdf", PDF),
        staff=staff,
    )
    assert second.number == 2 and second.file_type == "application/pdf"
    db.expire_all()
    versions = db.scalars(
        select(MechanismVersion).where(MechanismVersion.mechanism_id == made.id)
    ).all()
    assert [(v.number, v.effective_on, v.text[:3], v.file_name) for v in versions] == [
        (1, dt.date(2026, 12, 1), "第一条", ""),
        (2, dt.date(2027, 3, 1), "", "修订稿.pdf"),
    ]
    assert mechanisms.current(mechanisms.get(db, code=made.code)).number == 2
    other = mechanisms.create(
        db, data=data(lead.id, done.code, title="第二项"), upload=None, staff=staff
    )
    assert other.code.endswith("-002")
    assert mechanisms.for_project(db, done) == [made, other]


def test_files_must_be_pdf_or_word_within_the_limit(db, arranged, monkeypatch) -> None:
    lead, done, _, staff = arranged
    cases = [
        (mechanisms.Upload("制度.exe", b"MZ..."), "只能上传 PDF 或 Word 文件（.pdf、.docx、.doc）"),
        (mechanisms.Upload("制度.pdf", b"<html>not a pdf"), "文件内容与扩展名不符，或文件已损坏"),
        (mechanisms.Upload("制度.docx", b"PK\x03\x04broken"), "文件内容与扩展名不符，或文件已损坏"),
    ]
    for upload, message in cases:
        with pytest.raises(InvalidInput) as refused:
            mechanisms.create(
                db, data=data(lead.id, done.code, text=""), upload=upload, staff=staff
            )
        assert refused.value.fields == {"file": message}
    monkeypatch.setattr(mechanisms, "MAX_FILE_BYTES", 1024 * 1024)
    big = mechanisms.Upload("制度.pdf", PDF + b"0" * (1024 * 1024))
    with pytest.raises(InvalidInput) as too_big:
        mechanisms.create(db, data=data(lead.id, done.code), upload=big, staff=staff)
    assert too_big.value.fields == {"file": "文件太大，最大 1 MB"}
    with pytest.raises(InvalidInput) as empty:
        mechanisms.create(db, data=data(lead.id, done.code, text=" "), upload=None, staff=staff)
    assert empty.value.fields == {"text": "请填写正文或上传文件（二者至少一项）"}
    assert db.scalars(select(Mechanism)).all() == []

    word = mechanisms.create(
        db,
        data=data(lead.id, done.code, text=""),
        upload=mechanisms.Upload("C:\\文件\\排查制度.docx", docx()),
        staff=staff,
    )
    (version,) = word.versions
    assert version.file_name == "排查制度.docx"
    assert version.file_type.endswith("wordprocessingml.document")
    old_doc = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100
    mechanisms.add_version(
        db,
        mechanism=word,
        data=VersionCreate(effective_on=dt.date(2027, 1, 1), note="旧格式"),
        upload=mechanisms.Upload("旧版.doc", old_doc),
        staff=staff,
    )


def test_who_may_create_and_who_may_revise(db, arranged) -> None:
    lead, done, _, staff = arranged
    made = mechanisms.create(db, data=data(lead.id, done.code), upload=None, staff=staff)
    own = kit.principal(db, factories.staff(db, "handler", lead))
    elsewhere = kit.principal(db, factories.staff(db, "handler", make.unit(db, "昆山市司法局")))
    with pytest.raises(Forbidden):
        mechanisms.create(db, data=data(lead.id, done.code), upload=None, staff=own)
    revision = VersionCreate(effective_on=dt.date(2027, 1, 1), note="调整排查频次", text="每月一次")
    assert (
        mechanisms.add_version(db, mechanism=made, data=revision, upload=None, staff=own).number
        == 2
    )
    with pytest.raises(Forbidden):
        mechanisms.add_version(db, mechanism=made, data=revision, upload=None, staff=elsewhere)
