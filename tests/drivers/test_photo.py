"""The holder's photo: from the identity register (import contract and HTTP), printed on the
driver certificate, and no certificate without it."""

import base64
import io
import json
import subprocess

import pytest
import sqlalchemy as sa
from PIL import Image

from backend.certificates.models import Certificate
from backend.certificates.operations import certificate_pdf
from backend.drivers.operations import record_exam
from backend.identity.portraits import demo_portrait, demo_portrait_base64
from backend.licensing.models import State
from backend.licensing.operations import by_number
from backend.verification.imports import PHOTO_MAX_BYTES
from backend.verification.models import MirrorIdentity, SourceQuery
from backend.verification.sources import AnswerInvalid, HttpSource, Question
from tests.drivers.helpers import apply, eligible_records, import_file, make_driver
from tests.factories import id_number, near_expiry
from tests.stub_department import StubDepartment


def _identity(number, **fields):
    record = {**eligible_records(number, "陈照片")["identity"][0], **fields}
    return json.dumps({k: v for k, v in record.items() if v is not None}, ensure_ascii=False)


def _png() -> str:
    out = io.BytesIO()
    Image.new("RGB", (358, 441), (200, 200, 200)).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def _jpeg_of(size: tuple[int, int], quality: int = 95, noise: bool = False) -> bytes:
    image = Image.effect_noise(size, 100).convert("RGB") if noise else Image.new("RGB", size)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_the_identity_import_carries_a_checked_jpeg_photo(cli, database, tmp_path):
    number = id_number()
    path = tmp_path / "identity.jsonl"
    path.write_text(_identity(number) + "\n", encoding="utf-8")
    assert cli.invoke(args=["registry", "import", "identity", str(path)]).exit_code == 0
    assert database.session.get(MirrorIdentity, number).photo == demo_portrait(number)

    too_big = _jpeg_of((1000, 1000), noise=True)
    assert len(too_big) > PHOTO_MAX_BYTES
    for bad in (_png(), "not base64!", base64.b64encode(too_big).decode(),
                base64.b64encode(_jpeg_of((20, 20))).decode(),
                base64.b64encode(demo_portrait(number)[:3000]).decode()):
        path.write_text(_identity(id_number(), photo=bad) + "\n", encoding="utf-8")
        result = cli.invoke(args=["registry", "import", "identity", str(path)])
        assert result.exit_code == 2 and "line 1" in result.output and "photo" in result.output


def test_the_photo_over_http_is_checked_against_the_contract():
    number = id_number()
    with StubDepartment() as department:
        department.records[("photo", number)] = {"photo": demo_portrait_base64(number)}
        source = HttpSource("identity", department.url)
        question = Question("identity", "photo", {"id_number": number})
        assert base64.b64decode(source.ask(question)["photo"]) == demo_portrait(number)
        department.records[("photo", number)] = {"photo": _png()}
        with pytest.raises(AnswerInvalid):
            source.ask(question)
        assert source.ask(Question("identity", "photo", {"id_number": id_number()})) is None


def _images(pdf: bytes) -> list[str]:
    listing = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True,
                             check=False)
    if listing.returncode:  # (older poppler reads no stdin)
        import tempfile
        with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
            file.write(pdf)
            file.flush()
            listing = subprocess.run(["pdfimages", "-list", file.name], capture_output=True,
                                     check=True)
    return [line.split() for line in listing.stdout.decode().splitlines()[2:]]


def test_the_issued_certificate_prints_the_registers_photo(client, database):
    number, headers = make_driver(client)
    application = by_number(apply(client, headers).json["number"])
    record_exam(application, "national", 90, True, actor="test")
    record_exam(application, "regional", 85, True, actor="test")
    assert application.state == State.ISSUED
    certificate = database.session.get(Certificate, application.certificate_id)
    assert certificate.photo == demo_portrait(number)
    [image] = _images(certificate_pdf(certificate))
    assert image[3:5] == ["358", "441"] and image[8] == "jpeg"
    database.session.commit()  # (the query log is written when the transaction commits)
    asked = database.session.scalars(sa.select(SourceQuery.operation)
                                     .where(SourceQuery.purpose == application.number)).all()
    assert "photo" in asked  # the question is in the query log


def test_without_a_photo_the_certificate_waits_for_a_clerk_with_the_reason(client, database,
                                                                            sign_in):
    from backend.staff.models import Role
    from tests.harness import post

    number, headers = make_driver(client)
    database.session.execute(sa.update(MirrorIdentity).where(MirrorIdentity.id_number == number)
                             .values(photo=None))
    database.session.commit()
    application = by_number(apply(client, headers).json["number"])
    record_exam(application, "national", 90, True, actor="test")
    record_exam(application, "regional", 85, True, actor="test")
    database.session.commit()
    assert application.state == State.AWAITING_REVIEW and application.certificate_id is None
    shown = client.get(f"/api/v1/applications/{application.number}", headers=headers).json
    assert "照片" in shown["history"][-1]["reason"]

    sign_in(Role.CLERK)
    assert "未能从公安机关人口信息中取得持证人的身份证照片" in client.get("/console/review").get_data(
        as_text=True)  # why it is in the queue
    decision = {"decision": "approve", "reason": "已核对"}
    response = post(client, f"/console/applications/{application.number}/decision", decision)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "不能无照片签发" in page
    database.session.expire_all()
    assert by_number(application.number).state == State.AWAITING_REVIEW

    import_file("identity", [_identity(number)])  # the register has the photo now
    database.session.commit()
    post(client, f"/console/applications/{application.number}/decision", decision)
    database.session.expire_all()
    issued = by_number(application.number)
    assert issued.state == State.ISSUED
    assert database.session.get(Certificate, issued.certificate_id).photo == demo_portrait(number)


def test_a_renewal_without_a_photo_is_not_issued(client, database):
    number, headers = make_driver(client)
    application = by_number(apply(client, headers).json["number"])
    record_exam(application, "national", 90, True, actor="test")
    record_exam(application, "regional", 85, True, actor="test")
    near_expiry(database.session.get(Certificate, application.certificate_id))  # (renewal opens)
    database.session.execute(sa.update(MirrorIdentity).where(MirrorIdentity.id_number == number)
                             .values(photo=None))
    database.session.commit()
    renewal = apply(client, headers, matter="driver-cert-renew")
    assert renewal.status_code == 201 and renewal.json["status"] == "awaiting_review"
    assert by_number(renewal.json["number"]).certificate_id is None


def test_demo_people_have_portraits_marked_as_demo_and_one_has_none(database):
    from backend.demo import DEMO_DRIVERS, load_demo_data

    load_demo_data()
    photos = {name: database.session.get(MirrorIdentity, number).photo
              for name, number, *_rest in DEMO_DRIVERS}
    assert photos.pop("演示刘无照") is None
    for name, jpeg in photos.items():
        with Image.open(io.BytesIO(jpeg)) as image:
            assert image.format == "JPEG" and image.size == (358, 441), name
            band = image.convert("RGB").crop((0, 0, 358, 70))
            red = sum(1 for x in range(358) for y in range(70)
                      if (pixel := band.getpixel((x, y)))[0] > 150 and max(pixel[1:]) < 90)
            assert red > 300, name  # the 演示 DEMO label across the top
