"""Model files: tensors plus a JSON config, in the safetensors layout. Loading never runs code.

Layout (https://github.com/huggingface/safetensors): 8-byte little-endian header length, a JSON
header mapping each tensor name to dtype/shape/byte offsets (and ``__metadata__``: string -> string),
then the raw little-endian tensor bytes. Written and read here with NumPy alone, so the inference
path never imports torch; the files also open with the ``safetensors`` library.
"""

from __future__ import annotations

import hashlib
import json
import errno
import os
import stat
import struct
import tempfile
from pathlib import Path

import numpy as np

from rnnlu.errors import RnnluError

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32, "I8": np.int8,
           "U8": np.uint8}
_NAMES = {np.dtype(v).str: k for k, v in _DTYPES.items()}
MAX_HEADER = 100 * 1024 * 1024


def save_tensors(path: str | Path, tensors: dict[str, np.ndarray], metadata: dict[str, object],
                 half: bool = True) -> None:
    """Write ``tensors`` (float arrays stored as fp16 when ``half``) and JSON ``metadata`` atomically."""
    header: dict[str, object] = {"__metadata__": {k: json.dumps(v) for k, v in metadata.items()}}
    blobs, offset = [], 0
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        if array.dtype.kind == "f":
            array = array.astype(np.float16 if half else np.float32)
        array = array.astype(array.dtype.newbyteorder("<"), copy=False)
        data = array.tobytes()
        header[name] = {"dtype": _NAMES[array.dtype.str], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with atomic_write(path, binary=True) as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for data in blobs:
            f.write(data)


def load_tensors(path: str | Path, keep_half: frozenset[str] = frozenset()) -> tuple[dict[str, np.ndarray], dict[str, object]]:
    """Read a model file; returns (float32 tensors, metadata). Raises RnnluError on a bad file.

    Tensors named in ``keep_half`` stay as stored (a read-only fp16 view of the file, no copy):
    a large embedding table is only ever read a few rows at a time.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise RnnluError(f"cannot read model file {path}: {e.strerror}") from None
    try:
        (n,) = struct.unpack("<Q", raw[:8])
        if n > MAX_HEADER or 8 + n > len(raw):
            raise ValueError("header length out of range")
        header = json.loads(raw[8 : 8 + n])
        meta = {k: json.loads(v) for k, v in header.pop("__metadata__", {}).items()}
        body = memoryview(raw)[8 + n :]
        tensors = {}
        for name, info in header.items():
            start, end = info["data_offsets"]
            array = np.frombuffer(body[start:end], dtype=np.dtype(_DTYPES[info["dtype"]]).newbyteorder("<"))
            array = array.reshape(info["shape"])
            convert = array.dtype.kind == "f" and name not in keep_half
            tensors[name] = array.astype(np.float32) if convert else array
    except (ValueError, KeyError, TypeError, struct.error) as e:
        raise RnnluError(f"{path} is not an rnnlu model file ({e}); pass a file written by `rnnlu train`") from None
    return tensors, meta


def sha256_of(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_WRITE_ERRORS = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
                 errno.EFBIG: "file too large", errno.EIO: "input/output error", errno.EROFS: "read-only file system",
                 errno.EACCES: "permission denied", errno.EPERM: "permission denied"}


def write_error(path: str | Path, e: OSError) -> RnnluError:
    """An OSError met while writing ``path``, as one line that says what to do."""
    why = _WRITE_ERRORS.get(e.errno, e.strerror or str(e))
    hint = {errno.ENOSPC: "; free some space or write elsewhere", errno.EDQUOT: "; free some space or write elsewhere",
            errno.EACCES: "; choose a folder you can write to", errno.EPERM: "; choose a folder you can write to",
            errno.EROFS: "; choose a folder you can write to"}.get(e.errno, "")
    return RnnluError(f"cannot write {path}: {why}{hint}")


class atomic_write:
    """Context manager: write to a temporary file beside ``path``; rename over it only on success.

    A regular file (or a new one) appears whole or not at all; a symlink is followed and its target
    replaced, the link kept. What is not a regular file (``/dev/null``, ``/dev/stdout``, a FIFO) is
    written straight through, never replaced; a folder is refused. Write errors (a full disk, no
    permission) become one RnnluError, and the temporary file is removed on every way out.
    """

    def __init__(self, path: str | Path, binary: bool = False, newline: str | None = None):
        self.path, self.binary, self.newline = Path(path), binary, newline
        self.tmp: str | None = None

    def _open_kwargs(self) -> dict:
        return {} if self.binary else {"encoding": "utf-8", "newline": self.newline}

    def __enter__(self):
        mode = "wb" if self.binary else "w"
        try:
            st = os.stat(self.path)  # follows symlinks
        except FileNotFoundError:
            st = None
        except OSError as e:
            raise write_error(self.path, e) from None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise RnnluError(f"cannot write {self.path}: it is a folder; name a file (inside it, for example)")
        if st is not None and not stat.S_ISREG(st.st_mode):  # a device, FIFO or terminal: write through
            try:
                self.file = open(self.path, mode, **self._open_kwargs())
            except OSError as e:
                raise write_error(self.path, e) from None
            return self.file
        target = Path(os.path.realpath(self.path)) if self.path.is_symlink() else self.path
        self.target = target
        directory = target.parent if str(target.parent) else Path(".")
        if not directory.is_dir():
            raise RnnluError(f"cannot write {self.path}: folder {directory} does not exist")
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=directory)
        except OSError as e:
            raise write_error(self.path, e) from None
        _live_parts.add(self.tmp)
        # mkstemp makes 0600; a new file obeys the umask, a replaced one keeps its mode
        os.chmod(self.tmp, stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask())
        self.file = os.fdopen(fd, mode, **self._open_kwargs())
        return self.file

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.file.flush()
                if self.tmp is not None:
                    os.fsync(self.file.fileno())
                self.file.close()
                if self.tmp is not None:
                    os.replace(self.tmp, self.target)
                    _live_parts.discard(self.tmp)
                    self.tmp = None
                return False
        except OSError as e:
            self._discard()
            raise write_error(self.path, e) from None
        self._discard()
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise write_error(self.path, exc) from None
        return False

    def _discard(self) -> None:
        try:
            self.file.close()
        except OSError:
            pass  # e.g. the buffer could not be flushed to a full disk: the file is dropped anyway
        if self.tmp is not None:
            remove_part(self.tmp)
            self.tmp = None


_live_parts: set[str] = set()


def remove_part(path: str) -> None:
    """Remove one temporary ``.part`` file (gone already is fine)."""
    _live_parts.discard(path)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def remove_live_parts() -> None:
    """Remove every ``.part`` file still being written (on a signal, before the process ends)."""
    for path in list(_live_parts):
        remove_part(path)
