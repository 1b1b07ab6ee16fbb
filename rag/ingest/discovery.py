"""Find the files to ingest and read their bytes: regular files of a supported type only.

A missing path, an unsupported or special file (named pipe, socket, device), a folder that cannot be
listed and a file over the size limit each become a `Rejected` with a one-line reason.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from rag.types import Rejected

TEXT_EXTENSIONS = {".txt", ".md", ".markdown", ".html", ".htm"}
BULK_EXTENSIONS = {".json", ".jsonl"}
SUPPORTED = TEXT_EXTENSIONS | BULK_EXTENSIONS


def discover(paths: list[Path]) -> Iterator[Path | Rejected]:
    """Regular files under the given paths, sorted. A missing path, an unsupported or special file
    (named pipe, socket, device) and a folder that cannot be listed each yield a Rejected."""
    for path in paths:
        try:
            folder = stat.S_ISDIR(path.stat().st_mode)
        except OSError:
            folder = False  # _check_file says why
        if folder:
            yield from _walk(path)
        else:
            yield _check_file(path)


def _walk(root: Path) -> Iterator[Path | Rejected]:
    # os.walk rather than rglob: rglob drops a folder it cannot list without a word.
    found: list[Path | Rejected] = []

    def unreadable(exc: OSError) -> None:
        found.append(Rejected(str(exc.filename), f"cannot read folder: {exc.strerror or exc}"))

    for folder, dirs, names in os.walk(root, onerror=unreadable):
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # .git, editor and OS folders
        found += [_check_file(Path(folder, n)) for n in names if not n.startswith(".")]  # swap files, .DS_Store
    yield from sorted(found, key=lambda item: Path(item.source) if isinstance(item, Rejected) else item)


def _check_file(path: Path) -> Path | Rejected:
    """The path if it is a regular file (or a symlink to one) of a supported type, else why not."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return Rejected(str(path), "broken symbolic link" if path.is_symlink() else "no such file or folder")
    except OSError as exc:
        return Rejected(str(path), f"cannot read: {exc.strerror or exc}")
    if not stat.S_ISREG(mode):
        return Rejected(str(path), _not_regular(mode))
    if path.suffix.lower() not in SUPPORTED:
        return Rejected(str(path), f"unsupported file type '{path.suffix or '(none)'}' "
                                   "(use .txt, .md, .html, .json, .jsonl)")
    return path


def _not_regular(mode: int) -> str:
    # Reading a named pipe or a device blocks forever or never ends; only regular files are read.
    kinds = [(stat.S_ISFIFO, "named pipe"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
             (stat.S_ISBLK, "block device"), (stat.S_ISDIR, "folder")]
    kind = next((name for test, name in kinds if test(mode)), "special file")
    return f"not a regular file ({kind}); only regular files are read"


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most max_bytes. The file is opened without blocking and checked
    on the open descriptor, so a file swapped for a named pipe after discover() cannot hang the ingest."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Rejected(str(path), _not_regular(info.st_mode))
        data = b"" if info.st_size > max_bytes else f.read(max_bytes + 1)  # it may grow after fstat
    size = max(info.st_size, len(data))
    if size > max_bytes:
        raise Rejected(str(path), f"{size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit "
                                  "(NEWSDESK_MAX_FILE_MB)")
    return data
