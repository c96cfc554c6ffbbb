"""The data-frame entry point: same answers as the CLI, input columns kept, and a real Dask cluster."""

import io

import pytest

pd = pytest.importorskip("pandas")

TEXTS = ["I am not at all happy", "the food was great", "", "the plot was boring but the acting was wonderful",
         "label me", "the flight leaves at six"]


def _csv(tmp_path):
    frame = pd.DataFrame({"id": range(len(TEXTS)), "text": TEXTS, "label": ["gold"] * len(TEXTS)})
    path = tmp_path / "in.csv"
    frame.to_csv(path, index=False)
    return frame, path


def _cli_frame(run_cli, path, model):
    r = run_cli("sentiment", "--csv", path, "-m", model, "-f", "csv")
    assert r.returncode == 0, r.stderr
    return pd.read_csv(io.BytesIO(r.stdout), keep_default_na=False)


def test_label_frame_equals_the_cli(run_cli, tiny_model, tmp_path):
    from rnnlu.frames import label_frame

    frame, path = _csv(tmp_path)
    ours = label_frame(frame, "text", model=str(tiny_model))
    cli = _cli_frame(run_cli, path, tiny_model)
    assert list(ours.columns) == list(cli.columns)            # input columns kept; clashing `label` -> input_label
    assert ours["input_label"].tolist() == ["gold"] * len(TEXTS)
    assert ours["label"].tolist() == cli["label"].tolist()
    for col in [c for c in ours.columns if c.startswith("p_")]:
        assert (ours[col] - cli[col]).abs().max() < 1e-4


def test_missing_column_is_one_clear_error(tiny_model):
    from rnnlu.errors import UsageError
    from rnnlu.frames import label_frame

    with pytest.raises(UsageError, match="no column 'body'"):
        label_frame(pd.DataFrame({"text": ["a"]}), "body", model=str(tiny_model))


def test_dask_local_cluster_with_two_workers_gives_the_cli_answers(run_cli, tiny_model, tmp_path):
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    from rnnlu.frames import label_frame, label_frame_meta

    frame, path = _csv(tmp_path)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        ddf = dd.read_csv(str(path), blocksize=64, keep_default_na=False)   # several partitions
        assert ddf.npartitions >= 2
        labelled = ddf.map_partitions(label_frame, column="text", model=str(tiny_model),
                                      meta=label_frame_meta(ddf._meta, "text", model=str(tiny_model)))
        result = labelled.compute(scheduler=client.get).sort_values("id").reset_index(drop=True)
        assert len(client.scheduler_info()["workers"]) == 2
    cli = _cli_frame(run_cli, path, tiny_model)
    assert result["label"].tolist() == cli["label"].tolist()
    assert result["text"].tolist() == cli["text"].tolist()
    for col in [c for c in result.columns if c.startswith("p_")]:
        assert (result[col] - cli[col]).abs().max() < 1e-4
