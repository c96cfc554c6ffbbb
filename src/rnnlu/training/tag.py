"""Training a tagger: the loss of the tag head (cross-entropy per token), on the training module's pieces.

Called by :func:`rnnlu.training.train.train` for ``task == "tag"``: same options, output paths, epoch log,
early stopping on dev, checkpoint/resume and model card as sentiment; what differs is the examples
(one tag per token), the word features (lower-cased keys, case class, n-grams of the surface form)
and the dev metric (token accuracy for pos, exact-span F1 for ner and coin).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict

import numpy as np

from rnnlu.engine.config import ARCHITECTURES, ModelConfig
from rnnlu.engine.model import Model
from rnnlu.engine.modelfile import sha256_of
from rnnlu.engine.vocab import Vocab
from rnnlu.engine.wordshape import feature_rows, word_key
from rnnlu.errors import RnnluError, UsageError
from rnnlu.tasks.tag.baseline import FrequentTagBaseline
from rnnlu.tasks.tag.evaluate import card_entry, evaluate_tags, score_tags
from rnnlu.tasks.tag.task import TaggedData, TagTask
from rnnlu.training.calibrate import fit_outside_offset

# Options of `rnnlu train` that mean something for one label per text only.
_TEXT_ONLY = {"augment_negation": "--augment-negation", "augment_contrast": "--augment-contrast",
              "augment_negation_frames": "--augment-negation-frames", "augment_lexicon": "--augment-lexicon",
              "augment_neutral": "--augment-neutral", "augment_negated_claims": "--augment-negated-claims",
              "binary_is_polar": "--binary-is-polar",
              "balance": "--balance", "teachers": "--teacher", "exclude": "--exclude", "embeddings": "--embeddings"}


def train_tagger(opts, on_epoch: Callable | None = None, on_batch: Callable | None = None,
                 command: str | None = None, on_note: Callable | None = None):
    from rnnlu.training.kit import (EarlyStopping, EpochLog, TrainResult, bucketed_batches, card_markdown,
                                    checkpoint_path_for, model_facts, resolve_out, run_facts, torch_threads,
                                    write_card)

    refused = [flag for key, flag in _TEXT_ONLY.items() if getattr(opts, key)]
    if refused:
        raise UsageError(f"{', '.join(refused)} {'does' if len(refused) == 1 else 'do'} not apply to `train tag`; leave "
                         f"{'it' if len(refused) == 1 else 'them'} out")
    if not opts.scheme:
        raise UsageError("`rnnlu train tag` needs --scheme pos, ner or coin")
    if opts.arch not in ARCHITECTURES:
        raise UsageError(f"unknown architecture {opts.arch!r}; choose one of {', '.join(ARCHITECTURES)}")
    if not opts.train or not opts.dev:
        raise UsageError("training needs at least one --train file and one --dev file")
    task = TagTask(opts.scheme)
    if opts.calibrate and task.scheme.spans == "none":
        raise UsageError("--calibrate for `train tag` fits the outside tag's offset for span F1; use it with "
                         "--scheme ner or coin")
    random.seed(opts.seed)
    np.random.seed(opts.seed)

    relabel = _relabel_map(opts.relabel)
    start = None
    if opts.init_from:  # a trained tagger of this scheme continues with all its weights; else an LM's encoder
        from rnnlu.engine.lmfile import load_task_start

        start = load_task_start(opts.init_from, "tag")
        if start and opts.init_vocab:
            raise UsageError("--init-vocab trims a language model's vocabulary; a tagger continues with its own")
        if start and (start[0].scheme, bool(start[0].crf)) != (task.scheme.name, bool(opts.crf)):
            raise UsageError(f"--init-from {opts.init_from} tags {start[0].scheme}{' with a CRF' if start[0].crf else ''}; "
                             f"give the same --scheme{' and --crf' if start[0].crf else ' without --crf'} to continue it")
    train_sets = [task.read_labelled(p, relabel=relabel) for p in opts.train]
    dev_sets = [task.read_labelled(p) for p in opts.dev]
    labels = sorted({t for d in train_sets for tags in d.tags for t in tags})
    if len(labels) < 2:
        raise RnnluError("the training files hold fewer than two distinct tags")
    cell, bidirectional = ARCHITECTURES[opts.arch]
    all_tokens = [toks for d in train_sets for toks in d.tokens]
    keys = [[word_key(t) for t in toks] for toks in all_tokens]
    pretrained = None
    if start:
        from rnnlu.training.kit import continue_from

        pretrained, vocab = continue_from(opts, start, cell, bidirectional, labels), start[1]
    elif opts.init_from:  # word vectors and encoder from `rnnlu pretrain`; its shape is the language model's
        pretrained, vocab = _from_language_model(opts, cell, bidirectional, keys)
    else:
        vocab = Vocab.build(keys, max_size=opts.max_vocab, min_freq=opts.min_freq)
    config = ModelConfig(task="tag", cell=cell, bidirectional=bidirectional, layers=opts.layers,
                         embedding_dim=opts.embedding_dim, hidden_size=opts.hidden, vocab_size=len(vocab), labels=labels,
                         head="tag", dropout=opts.dropout, subword_buckets=opts.subword_buckets, tokenizer="surface",
                         case_features=True, scheme=task.scheme.name, crf=opts.crf)
    # torch loads (about 2 s) only now: options and files were read and checked without it
    import torch
    import torch.nn.functional as F

    from rnnlu.nn.network import Network, pick_device

    torch.set_num_threads(torch_threads(opts.threads))
    device = pick_device(opts.device)
    torch.manual_seed(opts.seed)
    net = Network(config)
    if pretrained:
        state = net.state_dict()
        state.update({name: torch.from_numpy(np.asarray(value, dtype=np.float32)) for name, value in pretrained.items()})
        net.load_state_dict(state)
    if opts.crf and task.scheme.spans == "bio":
        from rnnlu.engine.viterbi import bio_allowed

        net.crf.constrain(*bio_allowed(labels))
    net = net.to(device)

    label_index = {label: i for i, label in enumerate(labels)}
    examples = []  # (word ids, tag ids, tokens)
    for d in train_sets:
        for toks, tags in zip(d.tokens, d.tags):
            examples.append((vocab.encode([word_key(t) for t in toks]), [label_index[t] for t in tags], toks))

    optimizer = torch.optim.Adam(net.parameters(), lr=opts.lr)
    out_path = resolve_out(opts.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    ckpt_path = checkpoint_path_for(out_path)
    history: list[EpochLog] = []
    start_epoch, resumed = 1, None
    if opts.resume and ckpt_path.exists():
        ckpt = torch.load(ckpt_path, weights_only=True, map_location=device)
        net.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        start_epoch, resumed = int(ckpt["epoch"]) + 1, ckpt
        history = [EpochLog(**h) for h in json.loads(ckpt["history"])]
        torch.set_rng_state(ckpt["rng"])
        for group in optimizer.param_groups:
            group["lr"] = float(ckpt.get("lr", group["lr"]))

    stopping = EarlyStopping(opts.patience, opts.lr_decay, opts.time_budget, resumed)
    for epoch in range(start_epoch, opts.epochs + 1):
        t0 = time.perf_counter()
        net.train()
        rng = random.Random(opts.seed * 1000 + epoch)  # per epoch: a resumed run drops the same words
        batches = bucketed_batches(list(range(len(examples))), opts.batch_size, random.Random(opts.seed * 1000 + epoch),
                                    length=lambda i: len(examples[i][0]))
        total_loss, seen = 0.0, 0
        for b, rows in enumerate(batches):
            batch = [examples[i] for i in rows]
            ids, lengths, target = _pad_tagged(batch, opts.word_dropout, rng)
            subword_ids = torch.from_numpy(feature_rows([e[2] for e in batch], config.subword_buckets, ids.shape[1]))
            logits = net(ids.to(device), lengths, subword_ids.to(device))
            if opts.crf:  # sentence-level log-likelihood over tag sequences
                loss = net.crf.nll(logits, target.to(device), lengths)
            else:
                loss = F.cross_entropy(logits.reshape(-1, len(labels)), target.to(device).reshape(-1), ignore_index=-100)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            optimizer.step()
            n = len(batch) if opts.crf else int(lengths.sum())  # CRF: per sentence; else per token
            total_loss += loss.item() * n
            seen += n
            if on_batch:
                on_batch(b + 1, len(batches))
        dev_scores = {d.path: round(_dev_metric(net, task, d, vocab, labels, device), 4) for d in dev_sets}
        log = stopping.end_epoch(epoch, total_loss / max(seen, 1), dev_scores, time.perf_counter() - t0, net, optimizer)
        history.append(log)
        torch.save({"model": net.state_dict(), "optimizer": optimizer.state_dict(), **stopping.state(), "epoch": epoch,
                    "history": json.dumps([asdict(h) for h in history]), "rng": torch.get_rng_state(),
                    "lr": optimizer.param_groups[0]["lr"]}, ckpt_path)
        if on_epoch:
            on_epoch(log)
        if stopping.should_stop():
            break

    net.load_state_dict(stopping.best_state)
    tensors = {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}
    name = out_path.name.removesuffix(".safetensors")
    extra = {}
    if task.scheme.name != "coin":  # the coin baseline is the alias dictionary, not a table
        extra["baseline"] = FrequentTagBaseline.fit(all_tokens, [t for d in train_sets for t in d.tags]).to_dict()
    Model(config, vocab, tensors, name=name, extra=extra).save(out_path)
    model = Model.load(out_path, name=name)  # score exactly what was written (fp16 weights)
    calibration = None
    if opts.calibrate:
        calibration = fit_outside_offset(task, model, dev_sets)
        if any(calibration.offsets):
            tensors["head.bias"] = tensors["head.bias"] + np.asarray(calibration.offsets, dtype=tensors["head.bias"].dtype)
            Model(config, vocab, tensors, name=name, extra=extra).save(out_path)
            model = Model.load(out_path, name=name)

    def scored(path_or_data) -> dict:
        d = path_or_data if isinstance(path_or_data, TaggedData) else task.read_labelled(path_or_data)
        return card_entry(evaluate_tags(task, model, d, compare=True), sha256_of(d.path))

    card = {   # `train` passes the command (the command line, or these options as one)
        **model_facts(name, task.name, config, opts, command, model, out_path, labels, len(vocab)),
        "scheme": task.scheme.name,
        "baseline": "alias dictionary" if task.scheme.name == "coin" else "most frequent tag per training word",
        "pretrained_vectors_found": None,
        "teachers": [],
        "train_data": [{"path": d.path, "sha256": sha256_of(d.path), "examples": len(d),
                        "tokens": sum(map(len, d.tokens)), "removed_as_overlap": 0} for d in train_sets],
        "excluded_overlap_with": [],
        "dev": [scored(d) for d in dev_sets],
        "test": [scored(p) for p in opts.test],
        **run_facts(history, start_epoch, stopping.best_metric, calibration, device),
    }
    card_path = write_card(out_path, card, card_markdown(card) + tag_card_lines(card))
    ckpt_path.unlink(missing_ok=True)
    return TrainResult(str(out_path), str(card_path), card, history)


def _from_language_model(opts, cell: str, bidirectional: bool, keys: list[list[str]]):
    """(tensors to load, vocabulary): the LM's vocabulary (with ``--init-vocab N``, its N most frequent words
    and every other one the training data uses) plus up to 2,000 frequent training words it lacks (their vectors
    start random at the LM's scale), its word vectors and its encoder."""
    from collections import Counter

    from rnnlu.engine.lmfile import encoder_tensors, load_encoder

    lm_config, lm_vocab, lm_tensors, _ = load_encoder(opts.init_from)
    if lm_config.cell != cell:
        raise UsageError(f"{opts.init_from} is a {lm_config.cell.upper()} language model; "
                         f"--arch {opts.arch} needs a {cell.upper()} one")
    tensors = encoder_tensors(lm_config, lm_tensors, bidirectional)
    opts.hidden, opts.embedding_dim, opts.layers = lm_config.hidden_size, lm_config.embedding_dim, lm_config.layers
    counts = Counter(k for ks in keys for k in ks if k not in lm_vocab)
    extra = [k for k, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if c >= max(2, opts.min_freq)][:2000]
    used = {k for ks in keys for k in ks}
    cap = opts.init_vocab or len(lm_vocab)
    kept = [i for i, w in enumerate(lm_vocab.itos) if i < cap or w in used]   # the LM's words are by frequency
    vocab = Vocab([lm_vocab.itos[i] for i in kept] + extra)
    table = np.asarray(tensors["embedding.weight"], dtype=np.float32)[kept]
    rng = np.random.default_rng(opts.seed)
    rows = rng.normal(0.0, float(table[2:].std()), (len(extra), table.shape[1])).astype(np.float32)
    tensors["embedding.weight"] = np.concatenate([table, rows])
    return tensors, vocab


def _relabel_map(pairs: list[str]) -> dict[str, str]:
    """``--relabel OLD=NEW`` options as a dict; a malformed one is a usage error."""
    mapping = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise UsageError(f"--relabel {pair!r}: write OLD=NEW (e.g. PER=person), or OLD=- to drop its sentences")
        mapping[old.strip()] = new.strip()
    return mapping


def tag_card_lines(card: dict) -> str:
    """The tag-specific part of the Markdown card: spans and the baseline beside the model."""
    lines = ["", f"Scheme `{card['scheme']}`; baseline: {card['baseline']}.", "",
             "| split | file | tokens | metric | model | baseline | span P | span R | span F1 |", "|---|---|---|---|---|---|---|---|---|"]
    for split in ("dev", "test"):
        for d in card.get(split, []):
            spans = [f"{d[k]:.4f}" if k in d else "-" for k in ("span_precision", "span_recall", "span_f1")]
            base = f"{d['baseline_value']:.4f}" if "baseline_value" in d else "-"
            lines.append(f"| {split} | `{d['path']}` | {d.get('tokens', 0):,} | {d['metric']} | {d['value']:.4f} | {base} | "
                         + " | ".join(spans) + " |")
    ambiguous = [(split, d) for split in ("dev", "test") for d in card.get(split, []) if "ambiguous_alias_accuracy" in d]
    if ambiguous:
        lines += ["", "Tokens of context-dependent aliases (ether, ripple, link, dot, ...), tagged right:", ""]
        lines += [f"- {split} `{d['path']}`: model {d['ambiguous_alias_accuracy']:.1%}, baseline "
                  f"{d.get('baseline_ambiguous_alias_accuracy', 0):.1%} ({d['ambiguous_alias_tokens']:,} tokens)"
                  for split, d in ambiguous]
    if card.get("test_scored_by"):
        lines += ["", f"Test scored by {card['test_scored_by']}."]
    return "\n".join(lines) + "\n"


def _pad_tagged(batch: list, word_dropout: float, rng: random.Random):
    """Word ids [B, T] (a dropped word becomes <unk> but keeps its n-grams and case), lengths, targets (-100 at padding)."""
    import torch

    lengths = torch.tensor([len(e[0]) for e in batch])
    steps = int(lengths.max())
    ids = torch.zeros(len(batch), steps, dtype=torch.long)
    target = torch.full((len(batch), steps), -100, dtype=torch.long)
    for row, (word_ids, tag_ids, _) in enumerate(batch):
        if word_dropout:
            word_ids = [1 if rng.random() < word_dropout else i for i in word_ids]
        ids[row, : len(word_ids)] = torch.tensor(word_ids)
        target[row, : len(tag_ids)] = torch.tensor(tag_ids)
    return ids, lengths, target


def _dev_metric(net, task: TagTask, d: TaggedData, vocab: Vocab, labels: list[str], device) -> float:
    """The scheme's headline metric on one dev file, decoded as answering decodes (Viterbi for BIO)."""
    import torch

    net.eval()
    order = sorted(range(len(d)), key=lambda i: len(d.tokens[i]))
    predicted: list[list[str]] = [[] for _ in range(len(d))]
    decoder = _Labels(labels, net)
    with torch.no_grad():
        for start in range(0, len(order), 256):
            idx = order[start : start + 256]
            toks = [d.tokens[i] for i in idx]
            id_lists = [vocab.encode([word_key(t) for t in x]) for x in toks]
            lengths = torch.tensor([len(x) for x in id_lists])
            ids = torch.zeros(len(idx), int(lengths.max()), dtype=torch.long)
            for row, x in enumerate(id_lists):
                ids[row, : len(x)] = torch.tensor(x)
            sub = torch.from_numpy(feature_rows(toks, net.config.subword_buckets, ids.shape[1])).to(device)
            log_probs = torch.log_softmax(net(ids.to(device), lengths, sub), dim=-1).cpu().numpy()
            for row, i in enumerate(idx):
                predicted[i] = [labels[k] for k in task.decode(decoder, log_probs[row, : len(toks[row])])]
    return score_tags(task, d.tags, predicted).get(task.scheme.headline)


class _Labels:
    """Stands in for a model in :meth:`TagTask.decode` (it needs only the labels)."""

    def __init__(self, labels: list[str], net=None):
        from types import SimpleNamespace

        self.labels = labels
        self.config = SimpleNamespace(crf=bool(net is not None and net.config.crf))
        self.tensors = ({k: v.detach().cpu().numpy() for k, v in net.state_dict().items() if k.startswith("crf.")}
                        if self.config.crf else {})
