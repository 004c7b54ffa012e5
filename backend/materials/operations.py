"""Storing and reading uploaded materials.

A file's type is read from its first bytes (``filetype``), never from its name or the type the
client claims: only PDF, JPEG and PNG are taken. Its size is limited (``MATERIAL_MAX_BYTES``).
The bytes are written under ``MATERIALS_DIR`` with mode 0600 under a random name, and the row
keeps their SHA-256, so a file changed on disk is noticed when it is read. Only the company it
was uploaded for and staff ever read it (anybody else: 404).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import filetype
import sqlalchemy as sa
from flask import current_app

from backend.audit.operations import record
from backend.common.text import scrubbed
from backend.db import db
from backend.errors import ApiError
from backend.identity.models import Company, Person
from backend.materials.models import Material

ACCEPTED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


# Room for the multipart envelope around the largest file allowed.
ENVELOPE_BYTES = 64 * 1024


def max_bytes() -> int:
    return current_app.config["MATERIAL_MAX_BYTES"]


def upload_limit(files: int = 1) -> int:
    """The largest request body that carries ``files`` files of at most ``max_bytes`` each."""
    return files * (max_bytes() + ENVELOPE_BYTES)


def read_upload(file) -> bytes:
    """An uploaded file's bytes, one more than the limit at most (enough to refuse it)."""
    try:  # (a large upload is spooled to a temporary file: closed here, not left to the GC)
        return file.read(max_bytes() + 1)
    finally:
        file.close()


def too_large() -> ApiError:
    limit = max_bytes() / (1024 * 1024)
    return ApiError(413, f"文件超过 {limit:g} MB 的上限，请压缩或拆分后重新上传。",
                    f"The file is larger than the {limit:g} MB limit; compress or split it.",
                    max_bytes=max_bytes())


def content_type_of(content: bytes) -> str:
    """The file's type read from its content: PDF, JPEG or PNG, anything else 415."""
    kind = filetype.guess(content[:8192])
    if kind is None or kind.mime not in ACCEPTED:
        raise ApiError(415, "只接受 PDF、JPEG 或 PNG 文件（按文件内容判断，改扩展名无效），请转换后重新上传。",
                       "Only PDF, JPEG or PNG files are accepted (judged by their content, not "
                       "their name); convert the file and upload it again.",
                       errors={"files": {"file": ["PDF, JPEG or PNG only"]}})
    return kind.mime


def _directory() -> Path:
    directory = Path(current_app.config["MATERIALS_DIR"])
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def write_file(name: str, content: bytes) -> None:
    """Write the bytes under ``name`` (new), readable by this service only."""
    descriptor = os.open(_directory() / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(content)


def store(company: Company, person: Person, filename: str, content: bytes, *,
          actor: str) -> Material:
    """Keep an uploaded file for ``company``: its type checked from the content, its size
    limited. The row is written first, then the file under its random name (a request that
    fails after that leaves a file no row names: nobody can read it)."""
    if len(content) > max_bytes():
        raise too_large()
    if not content:
        raise ApiError(422, "上传的文件是空的，请重新选择文件。", "The file is empty.",
                       errors={"files": {"file": ["empty file"]}})
    content_type = content_type_of(content)
    material = Material(
        company=company, uploaded_by=person, filename=scrubbed(filename or "upload")[-200:],
        content_type=content_type, size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        stored_name=f"{uuid.uuid4().hex}.{ACCEPTED[content_type]}")
    db.session.add(material)
    db.session.flush()
    write_file(material.stored_name, content)
    record(actor, "material.uploaded", "material", material.id,
           after={"company": company.uscc, "content_type": content_type, "size": len(content),
                  "sha256": material.sha256})
    return material


def material_of(company: Company, material_id: int) -> Material:
    """The company's own material; another company's is 404, the same as none."""
    material = db.session.scalar(sa.select(Material).where(
        Material.id == material_id, Material.company_id == company.id))
    if material is None:
        raise ApiError(404, "未找到该材料。", "No such material.")
    return material


def content_of(material: Material) -> bytes:
    """The file's bytes, refused (500, logged) when they no longer match the stored hash."""
    return read_file(material.stored_name, material.sha256)


def read_file(stored_name: str, sha256: str) -> bytes:
    """Bytes written by ``write_file``, refused (500, logged) when they no longer match."""
    content = (Path(current_app.config["MATERIALS_DIR"]) / stored_name).read_bytes()
    if hashlib.sha256(content).hexdigest() != sha256:
        raise RuntimeError(f"{stored_name}: the file on disk does not match its hash")
    return content


def described(company: Company, ids: dict[str, int]) -> dict[str, dict]:
    """What an application records of the company's materials it names (id, type, size,
    hash), by the name each was submitted under; 422 naming any that is not the company's."""
    found = {m.id: m for m in db.session.scalars(sa.select(Material).where(
        Material.id.in_(set(ids.values())), Material.company_id == company.id))}
    unknown = {name: ["没有这份材料，请先上传。No such material of yours; upload it first."]
               for name, material_id in ids.items() if material_id not in found}
    if unknown:
        raise ApiError(422, "部分材料不存在，请重新上传后再提交。",
                       "Some materials do not exist; upload them and submit again.",
                       errors={"json": {"materials": unknown}})
    return {name: {"id": found[i].id, "filename": found[i].filename,
                   "content_type": found[i].content_type, "size": found[i].size,
                   "sha256": found[i].sha256} for name, i in ids.items()}


def by_id(material_id: int) -> Material | None:
    """Any material (for staff)."""
    return db.session.get(Material, material_id)
