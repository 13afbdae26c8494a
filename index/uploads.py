"""Adding and removing article files in a corpus folder, safely.

An upload is checked before it touches the folder: its name cannot leave the folder, its type
and size are within limits, and it must read as at least one article. Files are written to
a temporary name and renamed into place, so a failed upload leaves the corpus as it was.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from index.formats import SUPPORTED, Columns, format_of
from index.sources import SourceFile, read_source

_SAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)


class UploadError(ValueError):
    """An upload was refused; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Saved:
    """A file written into the corpus."""

    name: str
    articles: int
    replaced: bool


def safe_name(name: str) -> str:
    """The file's own name, stripped of any folder part and unusual characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = _SAFE_NAME.sub("_", base).strip(" .")
    if not base or base.startswith("."):
        raise UploadError(f"{name!r} is not a usable file name; rename the file and upload it again")
    return base[:120]


def save_upload(corpus: Path, name: str, data: bytes, max_mb: float, columns: Columns = ()) -> Saved:
    """Check an uploaded file and, if it reads as articles, put it into ``corpus``.

    ``columns`` maps a table's columns (as ``--columns`` does); the caller records them for the file.
    """
    clean = safe_name(name)
    found = format_of(clean)
    if found is None:
        raise UploadError(f"{clean}: only these types can be uploaded: {SUPPORTED}")
    if len(data) > max_mb * 1024 * 1024:
        raise UploadError(f"{clean}: is {len(data) / 2**20:.1f} MB, over the {max_mb:g} MB limit for an upload")
    corpus = corpus.resolve()
    target = (corpus / clean).resolve()
    if target.parent != corpus:
        raise UploadError(f"{name!r} would land outside the corpus folder; rename it")
    corpus.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".upload-", suffix=target.suffix, dir=corpus)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        stat = os.stat(temporary)
        source = SourceFile(Path(temporary), corpus, found.kind, stat.st_mtime_ns, stat.st_size, columns)
        result = read_source(source, max_mb)
        errors = [p.message for p in result.problems if p.level == "error"]
        if not result.articles:
            reason = "; ".join(errors) or "it holds no article text"
            raise UploadError(f"{clean}: not added, {reason}")
        replaced = target.exists()
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Saved(clean, len(result.articles), replaced)


def delete_article_file(corpus: Path, path: str, article_id: str) -> str:
    """Remove an article from the corpus: its file, or its line of a JSON Lines file."""
    corpus = corpus.resolve()
    file = Path(path).resolve()
    if corpus not in file.parents:
        raise UploadError(f"{article_id} is not from the corpus folder {corpus}; remove it where it lives")
    if not file.exists():
        return f"{file.name} was already gone"
    kind = format_of(file.name)
    if kind is not None and kind.kind in ("csv", "tsv", "warc"):
        where = file.relative_to(corpus)
        raise UploadError(f"{article_id} is one of the articles in {where}; remove it from that file, then reindex")
    if file.suffix.lower() not in (".jsonl", ".ndjson"):
        file.unlink()
        return f"deleted {file.relative_to(corpus)}"
    kept = []
    for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            kept.append(line)
            continue
        if not (isinstance(record, dict) and record.get("id") == article_id):
            kept.append(line)
    handle, temporary = tempfile.mkstemp(prefix=".edit-", suffix=".jsonl", dir=file.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write("\n".join(kept) + ("\n" if kept else ""))
    os.replace(temporary, file)
    return f"removed {article_id} from {file.relative_to(corpus)}"
