"""Model files: tensors plus a JSON config, in the safetensors layout. Loading never runs code.

Layout (https://github.com/huggingface/safetensors): 8-byte little-endian header length, a JSON
header mapping each tensor name to dtype/shape/byte offsets (and ``__metadata__``: string -> string),
then the raw little-endian tensor bytes. Written and read here with NumPy alone, so the inference
path never imports torch; the files also open with the ``safetensors`` library.
"""

from __future__ import annotations

import hashlib
import json
import os
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


class atomic_write:
    """Context manager: write to a temporary file beside ``path``; rename over it only on success."""

    def __init__(self, path: str | Path, binary: bool = False, newline: str | None = None):
        self.path, self.binary, self.newline = Path(path), binary, newline

    def __enter__(self):
        directory = self.path.parent if str(self.path.parent) else Path(".")
        if not directory.is_dir():
            raise RnnluError(f"cannot write {self.path}: folder {directory} does not exist")
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=directory)
        os.chmod(self.tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a normal file obeys the umask
        mode = "wb" if self.binary else "w"
        self.file = os.fdopen(fd, mode, **({} if self.binary else {"encoding": "utf-8", "newline": self.newline}))
        return self.file

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.file.flush()
                os.fsync(self.file.fileno())
            self.file.close()
        finally:
            if exc_type is None:
                os.replace(self.tmp, self.path)
            else:
                try:
                    os.unlink(self.tmp)
                except FileNotFoundError:
                    pass
        return False
