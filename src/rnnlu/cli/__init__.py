"""The command line: thin Typer functions that parse arguments, call the library, and format.

One module per command group (answer: sentiment, tag, fill-blank; training: train, pretrain, select;
inspect: models, evaluate, check, explain), the options they share declared once in ``options``.
Heavy modules (torch, the model engine, rich tables) are imported inside the commands that need
them, so `rnnlu --help` and a one-text `rnnlu sentiment` start fast.
"""

import os

# Answering multiplies small matrices: one BLAS thread is as fast, and on a busy machine extra
# threads thrash (a 1,000-line run took 47 s with two, 1.4 s with one). Must precede numpy's import.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from rnnlu.cli import answer, inspect, training  # noqa: E402,F401  (each adds its commands to the app)
from rnnlu.cli.app import app, main  # noqa: E402

__all__ = ["app", "main"]
