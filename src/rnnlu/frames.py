"""Batch entry point for data frames: label a pandas DataFrame (or each partition of a bigger one).

The same answers and columns as `rnnlu sentiment -f csv`: every input column is kept (a column that
clashes with a result column is kept as ``input_NAME``), then ``label``, ``p_<label>`` for each label,
``model`` (and the baseline's columns with ``compare``). The model is loaded once per process, so a
cluster worker pays for it once, not once per partition. Nothing here starts workers or schedules
work: hand the function to the cluster's own scheduler.

Dask (``pip install "rnnlu[dask]"``)::

    import dask.dataframe as dd
    from rnnlu.frames import label_frame, label_frame_meta

    frame = dd.read_csv("tweets-*.csv")              # or dd.read_parquet(...)
    labelled = frame.map_partitions(label_frame, column="text", meta=label_frame_meta(frame._meta, "text"))
    labelled.to_parquet("labelled/")

Spark (``mapInPandas`` hands each task an iterator of pandas frames)::

    from rnnlu.frames import label_frames, spark_schema
    df.mapInPandas(lambda it: label_frames(it, column="text"), schema=spark_schema(df.schema, "text"))
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

from rnnlu.errors import UsageError


@lru_cache(maxsize=4)
def _model(name: str | None):
    from rnnlu.registry import load_model

    return load_model(name, task="sentiment")


def _result_columns(model, compare: bool) -> list[str]:
    from rnnlu.tasks.sentiment.run import result_columns

    return result_columns(model.labels, compare)


def label_frame(frame, column: str = "text", model: str | None = None, compare: bool = False):
    """A copy of ``frame`` with the sentiment result columns added, rows in the same order.

    A missing value in ``column`` is read as an empty text (neutral); ``column`` must exist.
    """
    import pandas as pd

    from rnnlu.io import merge_columns
    from rnnlu.tasks import get_task

    if column not in frame.columns:
        raise UsageError(f"no column {column!r}; columns: {', '.join(map(str, frame.columns))}")
    loaded = _model(model)
    texts = ["" if pd.isna(t) else str(t) for t in frame[column].tolist()]
    rows = [r.row(compare) for r in get_task("sentiment").predict(loaded, texts, compare=compare)]
    ours = _result_columns(loaded, compare)
    names = merge_columns([str(c) for c in frame.columns], ours)
    out = frame.copy()
    out.columns = names[: len(frame.columns)]
    results = pd.DataFrame(rows, columns=ours, index=frame.index)
    return pd.concat([out, results], axis=1)


def label_frames(frames: Iterable, column: str = "text", model: str | None = None, compare: bool = False) -> Iterator:
    """``label_frame`` over an iterator of frames (Spark's ``mapInPandas`` hands one per task)."""
    for frame in frames:
        yield label_frame(frame, column, model, compare)


def label_frame_meta(meta, column: str = "text", model: str | None = None, compare: bool = False):
    """The empty frame (column names and dtypes) that ``label_frame`` returns for ``meta``: Dask's ``meta=``."""
    return label_frame(meta.iloc[:0], column, model, compare)


def spark_schema(schema, column: str = "text", model: str | None = None, compare: bool = False):
    """The Spark schema of ``label_frames``' output: the input's fields, then the result columns."""
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType  # noqa: F401

    from rnnlu.io import merge_columns

    loaded = _model(model)
    ours = _result_columns(loaded, compare)
    names = merge_columns([f.name for f in schema.fields], ours)
    fields = [StructField(n, f.dataType, f.nullable) for n, f in zip(names, schema.fields)]
    types = {"baseline_score": LongType()}
    fields += [StructField(c, DoubleType() if c.startswith("p_") else types.get(c, StringType())) for c in ours]
    return StructType(fields)
