"""A delivered file, read without holding it: its digest, the file opened (or refused
saying why it cannot be read), and its lines hashed as a load reads them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from io import BufferedReader
from pathlib import Path

from contactpoint.errors import FileRefused


class Hashed:
    """A file's lines as they are read, hashed on the way."""

    def __init__(self, stream: BufferedReader) -> None:
        self._stream = stream
        self._hash = hashlib.sha256()

    def __iter__(self) -> Iterator[bytes]:
        for line in self._stream:
            self._hash.update(line)
            yield line

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def digest_of(path: Path) -> str:
    """The file's SHA-256 (hex): the same delivery sent again is known by it."""
    with opened(path) as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


@contextmanager
def opened(path: Path) -> Iterator[BufferedReader]:
    """The file open for reading, or ``FileRefused`` saying why it cannot be."""
    try:
        stream = path.open("rb")
    except OSError as error:
        raise FileRefused(path.name, f"cannot be read ({error.strerror})") from None
    with stream:
        yield stream
