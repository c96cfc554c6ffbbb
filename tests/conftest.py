import compileall
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Hundreds of tests start `python -m rnnlu` as a user would. Where PYTHONDONTWRITEBYTECODE is set (as on
# CI machines) each of them would compile the package again: compile it once here (Python still reads
# bytecode that exists). Compiling is skipped for files whose bytecode is up to date.
compileall.compile_dir(str(Path(__file__).resolve().parents[1] / "src" / "rnnlu"), quiet=1)

if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1) > 1:
    # One BLAS/OpenMP thread per xdist worker (and per CLI process it starts): with two workers on two
    # cores, torch's default of a thread per core oversubscribes the machine and its spinning threads
    # made one training test 20x slower (115 s instead of 5 s).
    for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"

POSITIVE = ["a wonderful , moving film", "great acting and a lovely story", "i loved it , truly good",
            "funny , warm and wonderful", "the best film this year", "good fun and great music"]
NEGATIVE = ["a dull , boring mess", "terrible acting and an awful plot", "i hated it , truly bad",
            "boring , slow and awful", "the worst film this year", "bad jokes and terrible music"]


def write_fixture(path: Path, repeat: int = 1) -> Path:
    lines = [f"positive\t{t}" for t in POSITIVE] + [f"negative\t{t}" for t in NEGATIVE]
    path.write_text("\n".join(lines * repeat) + "\n", encoding="utf-8")
    return path


def assert_resume_is_exact(opts, folder: Path, epochs: int = 4) -> None:
    """Train ``opts(out)`` (TrainOptions, ``epochs`` epochs) whole, and again stopped after epoch 2 then
    resumed (``opts(out, resume=True)``): the same losses, dev scores and learning rates every epoch, and
    the same bytes. Every epoch, not only the best one: dropout draws that differ may still pick the same best."""
    import hashlib

    from rnnlu.training.train import train

    class Interrupted(Exception):
        pass

    def stop_after_two(log):
        if log.epoch == 2:
            raise Interrupted

    whole = train(opts(folder / "a" / "m.safetensors"))
    with pytest.raises(Interrupted):
        train(opts(folder / "b" / "m.safetensors"), on_epoch=stop_after_two)
    assert (folder / "b" / "m.safetensors.ckpt").exists()
    resumed = train(opts(folder / "b" / "m.safetensors", resume=True))
    assert [h.epoch for h in resumed.history] == list(range(1, epochs + 1))
    assert [(h.loss, h.dev, h.lr) for h in resumed.history] == [(h.loss, h.dev, h.lr) for h in whole.history]
    digest = lambda p: hashlib.sha256(Path(p).read_bytes()).hexdigest()
    assert digest(whole.path) == digest(resumed.path)
    assert not (folder / "b" / "m.safetensors.ckpt").exists()  # finished: nothing left to resume


@pytest.fixture(scope="session")
def fixture_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    return write_fixture(folder / "train.tsv", repeat=4), write_fixture(folder / "dev.tsv")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, fixture_files):
    """A small BiGRU trained for real on the fixture (a couple of seconds)."""
    pytest.importorskip("torch", reason="training needs torch: pip install -e '.[train,test]'")
    from rnnlu.training.train import TrainOptions, train

    train_file, dev_file = fixture_files
    out = tmp_path_factory.mktemp("models") / "tiny.safetensors"
    result = train(TrainOptions(task="sentiment", train=[str(train_file)], dev=[str(dev_file)], out=str(out),
                                hidden=16, embedding_dim=16, epochs=25, min_freq=1, patience=30, seed=1,
                                dropout=0.0, word_dropout=0.0, lr=0.02, batch_size=8))
    return Path(result.path)


@pytest.fixture
def run_cli(tmp_path):
    """Run `python -m rnnlu ...` as a user would; returns CompletedProcess (text mode)."""

    def run(*args, input=None, env=None, binary_input=None):
        full_env = {**os.environ, "RNNLU_HOME": str(tmp_path / "home"), "COLUMNS": "200", **(env or {})}
        return subprocess.run([sys.executable, "-m", "rnnlu", *map(str, args)], cwd=tmp_path,
                              input=binary_input if binary_input is not None else (input.encode() if input is not None else None),
                              capture_output=True, env=full_env, timeout=120)

    return run
