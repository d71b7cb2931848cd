"""Signed checkpoints of the ledger: the chain heads anchored outside the database.

A hash chain alone cannot show a cut tail whose case row was rewound with it, or a row
rewritten and every later row re-hashed: the result is again a consistent chain. So the
centre's administrator signs, every day, what the ledger looked like — each case's head
(last seq and its hash), folded into one root (SHA-256 over the heads in case order),
the row count and the time — with an Ed25519 key that neither the seats nor the database
hold (``keygen``: the private key in a file the administrator keeps, 0600; the public
key beside it). The checkpoint goes to a file and/or a second, witness database.

``verify_against`` then checks the signature with the public key the verifier trusts,
the root against the heads listed, and that every listed head is still in the ledger
with the same hash: a cut tail, a rewound head, a deleted case or a row older than the
checkpoint that was rewritten and re-hashed all fail it, whoever did it.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import (
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from seatdesk.models import Case, LedgerEntry, LedgerSegment

from .ledger_verify import LedgerProblem

FORMAT = "seatdesk-ledger-checkpoint/1"
CHUNK = 2000
Head = tuple[int, str, int, str]  # case id, case number, seq, hash

_WITNESS = MetaData()
#: the witness database's one table (not part of seatdesk's schema)
WITNESS_TABLE = Table(
    "ledger_checkpoints", _WITNESS,
    Column("id", Integer, primary_key=True),
    Column("created_at", String(40), nullable=False),
    Column("database", String(200), nullable=False),
    Column("root", String(64), nullable=False),
    Column("document", LargeBinary, nullable=False),  # the gzip'd checkpoint file
)


class CheckpointError(Exception):
    """A checkpoint cannot be made or read: ``str()`` is the message."""


# -- keys -------------------------------------------------------------------------------------
def keygen(private_path: Path, passphrase: bytes | None = None) -> Path:
    """A new Ed25519 key pair: ``private_path`` (PKCS#8 PEM, 0600, encrypted when a
    passphrase is given) and ``private_path.pub``; returns the public key's path."""
    key = Ed25519PrivateKey.generate()
    encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase
                  else serialization.NoEncryption())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            encryption)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public = private_path.with_name(private_path.name + ".pub")
    public.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return public


def load_private(path: Path, passphrase: bytes | None = None) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=passphrase)
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} 不是 Ed25519 私钥")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path} 不是 Ed25519 公钥")
    return key


def _raw(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw,
                                             serialization.PublicFormat.Raw)).decode()


# -- making one -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Checkpoint:
    header: dict[str, Any]  # format, created_at, database, cases, rows, root, key
    signature: str
    heads: list[Head]

    def document(self) -> dict[str, Any]:
        return {**self.header, "signature": self.signature, "heads": self.heads}

    def dumps(self) -> bytes:
        return gzip.compress(json.dumps(self.document(), ensure_ascii=False).encode(), mtime=0)


def fold(heads: list[Head]) -> str:
    """The root: SHA-256 over ``id␟number␟seq␟hash`` lines in case order."""
    digest = hashlib.sha256()
    for case_id, number, seq, head in heads:
        digest.update(f"{case_id}\x1f{number}\x1f{seq}\x1f{head}\n".encode())
    return digest.hexdigest()


def _signed_bytes(header: dict[str, Any]) -> bytes:
    return json.dumps(header, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def current_heads(session: Session) -> list[Head]:
    """Each case's last ledger row, from the ledger itself, in case order; a case whose
    whole chain is in archived months has the last archived segment's seq and hash."""
    last = (select(LedgerEntry.case_id, func.max(LedgerEntry.seq).label("seq"))
            .group_by(LedgerEntry.case_id).subquery())
    query = (select(LedgerEntry.case_id, Case.number, LedgerEntry.seq, LedgerEntry.hash)
             .join(last, (last.c.case_id == LedgerEntry.case_id) & (last.c.seq == LedgerEntry.seq))
             .join(Case, Case.id == LedgerEntry.case_id).order_by(LedgerEntry.case_id))
    heads = [tuple(row) for row in session.execute(query)]
    if not _has_segments(session):
        return heads
    online = select(LedgerEntry.case_id).where(LedgerEntry.case_id == LedgerSegment.case_id)
    top = (select(LedgerSegment.case_id, func.max(LedgerSegment.last_seq).label("seq"))
           .group_by(LedgerSegment.case_id).subquery())
    archived = [tuple(row) for row in session.execute(
        select(LedgerSegment.case_id, Case.number, LedgerSegment.last_seq,
               LedgerSegment.last_hash)
        .join(top, (top.c.case_id == LedgerSegment.case_id)
              & (top.c.seq == LedgerSegment.last_seq))
        .join(Case, Case.id == LedgerSegment.case_id)
        .where(~online.exists()).order_by(LedgerSegment.case_id))]
    return sorted(heads + archived) if archived else heads


def _has_segments(session: Session) -> bool:
    from sqlalchemy import inspect

    conn = session.connection()
    return inspect(conn).has_table(LedgerSegment.__tablename__) and bool(
        session.execute(select(LedgerSegment.id).limit(1)).first())


def make(session: Session, key: Ed25519PrivateKey, database: str,
         now: dt.datetime | None = None) -> Checkpoint:
    heads = current_heads(session)
    header = {"format": FORMAT, "created_at": (now or dt.datetime.now(dt.UTC)).isoformat(),
              "database": database, "cases": len(heads), "rows": sum(h[2] for h in heads),
              "root": fold(heads), "key": _raw(key.public_key())}
    return Checkpoint(header, key.sign(_signed_bytes(header)).hex(), heads)


def save_file(checkpoint: Checkpoint, path: Path) -> None:
    path.write_bytes(checkpoint.dumps())


def save_witness(checkpoint: Checkpoint, witness_url: str) -> None:
    from seatdesk.models.db import make_engine

    engine = make_engine(witness_url)
    try:
        _WITNESS.create_all(engine)
        with engine.begin() as conn:
            conn.execute(WITNESS_TABLE.insert().values(
                created_at=checkpoint.header["created_at"], database=checkpoint.header["database"],
                root=checkpoint.header["root"], document=checkpoint.dumps()))
    finally:
        engine.dispose()


# -- reading and verifying ---------------------------------------------------------------------
def load(source: str) -> Checkpoint:
    """From a file, or the latest one in a witness database (a database URL)."""
    if "://" in source:
        data = _latest_witness(source)
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise CheckpointError(f"无法读取检查点 {source}：{exc.strerror}") from None
    try:
        doc = json.loads(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
        heads = [tuple(h) for h in doc.pop("heads")]
        signature = doc.pop("signature")
    except (ValueError, KeyError, TypeError, OSError):
        raise CheckpointError(f"{source} 不是 seatdesk 台账检查点") from None
    if doc.get("format") != FORMAT:
        raise CheckpointError(f"{source} 不是 seatdesk 台账检查点（格式 {doc.get('format')!r}）")
    return Checkpoint(doc, signature, heads)


def _latest_witness(url: str) -> bytes:
    from seatdesk.models.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(select(WITNESS_TABLE.c.document)
                                 .order_by(WITNESS_TABLE.c.id.desc()).limit(1)).scalar()
    finally:
        engine.dispose()
    if found is None:
        raise CheckpointError("见证数据库中没有检查点")
    return found


def check_signature(checkpoint: Checkpoint, trusted: Ed25519PublicKey) -> None:
    """The checkpoint was signed by the trusted key and lists exactly the heads it signed."""
    if checkpoint.header.get("key") != _raw(trusted):
        raise CheckpointError("检查点不是用所信任的公钥对应的私钥签名的")
    try:
        trusted.verify(bytes.fromhex(checkpoint.signature), _signed_bytes(checkpoint.header))
    except (InvalidSignature, ValueError):
        raise CheckpointError("检查点的签名无效（检查点文件被改动）") from None
    heads = checkpoint.heads
    if (fold(heads) != checkpoint.header["root"] or len(heads) != checkpoint.header["cases"]
            or sum(h[2] for h in heads) != checkpoint.header["rows"]):
        raise CheckpointError("检查点列出的链头与签名的根哈希不符（检查点文件被改动）")


def verify_against(session: Session, checkpoint: Checkpoint,
                   trusted: Ed25519PublicKey) -> list[LedgerProblem]:
    """Every head of the (signature-checked) checkpoint still in the ledger, same hash."""
    check_signature(checkpoint, trusted)
    problems: list[LedgerProblem] = []
    when = checkpoint.header["created_at"]
    archived = _has_segments(session)
    for chunk in _chunks(checkpoint.heads):
        keys = [(h[0], h[2]) for h in chunk]
        found = dict(((cid, seq), digest) for cid, seq, digest in session.execute(
            select(LedgerEntry.case_id, LedgerEntry.seq, LedgerEntry.hash)
            .where(tuple_(LedgerEntry.case_id, LedgerEntry.seq).in_(keys))))
        if archived:
            found.update(_archived_heads(session, chunk))
        for case_id, number, seq, digest in chunk:
            now = found.get((case_id, seq))
            if now == _INSIDE:
                continue  # inside an archived month: its manifest and checkpoint hold it
            if now is None:
                problems.append(LedgerProblem(case_id, number, seq, "checkpoint",
                                              f"检查点（{when}）时的第 {seq} 行已不在台账中"
                                              "（末尾被截断、链头被回退或案卷被删除）"))
            elif now != digest:
                problems.append(LedgerProblem(case_id, number, seq, "checkpoint",
                                              f"第 {seq} 行与检查点（{when}）时的哈希不同"
                                              "（此前的台账被改写并重算了哈希）"))
    return problems


_INSIDE = "archived"


def _archived_heads(session: Session, chunk: list[Head]) -> dict[tuple[int, int], str]:
    """Heads of the checkpoint that now lie in archived months: the segment's last hash
    where the head is a segment's last row, ``_INSIDE`` where it is a row inside one."""
    wanted = {h[0]: h[2] for h in chunk}  # case id -> the checkpoint's head seq
    found: dict[tuple[int, int], str] = {}
    for case_id, first, last, digest in session.execute(
            select(LedgerSegment.case_id, LedgerSegment.first_seq, LedgerSegment.last_seq,
                   LedgerSegment.last_hash)
            .where(LedgerSegment.case_id.in_(list(wanted)))):
        seq = wanted[case_id]
        if first <= seq <= last:
            found[(case_id, seq)] = digest if seq == last else _INSIDE
    return found


def _chunks(heads: list[Head]) -> Iterator[list[Head]]:
    for start in range(0, len(heads), CHUNK):
        yield heads[start:start + CHUNK]
