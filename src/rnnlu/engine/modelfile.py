"""Model files: tensors plus a JSON config, in the safetensors layout. Loading never runs code.

Layout (https://github.com/huggingface/safetensors): 8-byte little-endian header length, a JSON
header mapping each tensor name to dtype/shape/byte offsets (and ``__metadata__``: string -> string),
then the raw little-endian tensor bytes. Written and read here with NumPy alone, so the inference
path never imports torch; the files also open with the ``safetensors`` library.
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import stat
import struct
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
    a large embedding table is only ever read a few rows at a time. Every header entry is checked
    (dtype, shape, byte range) before any tensor is built, so a damaged file is one clear error.
    """
    path = Path(path)
    if path.is_dir():
        raise RnnluError(f"{path} is a folder; pass a model file (.safetensors)")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise RnnluError(f"cannot read model file {path}: {e.strerror}") from None

    def bad(why: str) -> RnnluError:
        return RnnluError(f"{path} is not an rnnlu model file ({why}); pass a file written by `rnnlu train`")

    if len(raw) < 8:
        raise bad("too short to hold a header")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > MAX_HEADER or 8 + n > len(raw):
        raise bad("header length out of range")
    try:
        header = json.loads(raw[8 : 8 + n])
    except RecursionError:
        raise bad("header nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise bad(f"header is not JSON: {str(e)[:80]}") from None
    if not isinstance(header, dict):
        raise bad(f"header is a JSON {type(header).__name__}, not an object")
    raw_meta = header.pop("__metadata__", {})
    if not isinstance(raw_meta, dict) or not all(isinstance(v, str) for v in raw_meta.values()):
        raise bad("__metadata__ is not a map of strings")
    meta = {}
    for key, value in raw_meta.items():
        try:
            meta[key] = json.loads(value)
        except RecursionError:
            raise bad(f"metadata {key!r} nested too deeply") from None
        except ValueError:
            raise bad(f"metadata {key!r} is not JSON") from None
    body = memoryview(raw)[8 + n :]
    tensors = {}
    for name, info in header.items():
        if not isinstance(info, dict):
            raise bad(f"tensor {name!r} has no dtype/shape/offsets entry")
        dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if not isinstance(dtype, str) or dtype not in _DTYPES:
            raise bad(f"tensor {name!r} has unknown dtype {str(dtype)[:20]!r}")
        if not isinstance(shape, list) or not all(type(d) is int and 0 <= d < 1 << 40 for d in shape) or len(shape) > 8:
            raise bad(f"tensor {name!r} has a bad shape")
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(type(o) is int for o in offsets)
                or not 0 <= offsets[0] <= offsets[1] <= len(body)):
            raise bad(f"tensor {name!r} has byte offsets outside the file")
        itemsize = np.dtype(_DTYPES[dtype]).itemsize
        if math.prod(shape) * itemsize != offsets[1] - offsets[0]:
            raise bad(f"tensor {name!r}: shape {shape} does not match its {offsets[1] - offsets[0]} bytes")
        array = np.frombuffer(body[offsets[0] : offsets[1]], dtype=np.dtype(_DTYPES[dtype]).newbyteorder("<"))
        array = array.reshape(shape)
        convert = array.dtype.kind == "f" and name not in keep_half
        tensors[name] = array.astype(np.float32) if convert else array
    return tensors, meta


def sha256_of(path: str | Path) -> str:
    """A file: the sha256 of its bytes. A folder: the sha256 of the lines ``RELATIVE_PATH FILE_SHA256``
    of its files in sorted order (the rule the model cards state for data folders)."""
    path = Path(path)
    if path.is_dir():
        lines = "".join(f"{f.relative_to(path).as_posix()} {sha256_of(f)}\n"
                        for f in sorted(p for p in path.rglob("*") if p.is_file()))
        return hashlib.sha256(lines.encode("utf-8")).hexdigest()
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
        import tempfile  # deferred: a one-text call writes no file

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
