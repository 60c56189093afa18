"""Fine-tune the project's 4-label stance cross-encoder (agrees / conflicts / discusses / unrelated), ship int8 ONNX.

Reproduce the shipped model (no network; see training/README.md for times; a GPU is used when there is one):

    HF_HUB_OFFLINE=1 .venv/bin/python training/train_stance.py --work-dir ../stance-work-v4 --out models/stance-minilm

The run saves a checkpoint every --checkpoint-minutes into --work-dir; run the same command with --resume to go
on from the last one (the examples and their order are drawn again from the seed, so a resumed run sees what an
unbroken one would). --without fnc1 leaves FNC-1 out (it states no licence).

Distillation: --teacher FOLDER (a stance model folder this script wrote, e.g. the mpnet one) scores every drawn
example once (cached in --work-dir, resumable) and the student learns its probabilities beside the labels
(--distil-weight of the loss).

Steps: load the train split of stance_pairs.jsonl and hold out 1 in 10 claims (stable hash) for calibration; add
synthetic numeric contradictions / number rewrites / negations / mismatched pairs; add news data (FNC-1 train
stories outside the held-out and calibration buckets of workbench.news_data, ARC train, SNLI dev), their bodies
cut into the workbench's passages, and templated denials, hedges and confirmations of claims; train
all-MiniLM-L6-v2 as a 4-label CrossEncoder with source- and class-balanced sampling; fit per-class logit biases on
the held-out claims and stories; export ONNX, fuse and quantise it to int8 (per-channel), and write the model
folder with its config. The test splits are only read at the end, to report fp32 and int8 metrics.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from claims.onnx_classifier import sha256_file  # noqa: E402  (the loader checks the hash the same way)
from workbench.news_data import stable_bucket  # noqa: E402  (the split the evals use)

LABELS = ("agrees", "conflicts", "discusses", "unrelated")
# Climate-FEVER's and HealthVer's neutral evidence was retrieved for the claim: on topic, taking no side.
LABEL_OF = {"support": "agrees", "refute": "conflicts", "neutral": "discusses"}
SYNTHETIC = "synthetic"
TEMPLATED = "templated"
NEWS_SOURCES = ("fnc1", "arc", "snli", TEMPLATED)
# Share of training examples drawn from each source: news stance first (the product judges news passages), the
# claim-verification sets keep what v3 learnt of evidence sentences, the synthetic edits teach figures and negation.
SOURCE_MIX = {"fnc1": 0.26, "arc": 0.09, "snli": 0.12, TEMPLATED: 0.06, "fever": 0.12, "climate-fever": 0.09,
              "healthver": 0.07, "covidfact": 0.07, SYNTHETIC: 0.12}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Pair:
    """One (evidence, claim) example with its project label."""

    source: str
    evidence: str
    claim: str
    label: str


def load_split(path: Path, split: str) -> list[Pair]:
    """Read one split of stance_pairs.jsonl with labels mapped to the project's names."""
    rows = (json.loads(line) for line in path.open(encoding="utf-8"))
    return [Pair(r["source"], r["evidence"], r["claim"], LABEL_OF[r["label"]]) for r in rows if r["split"] == split]


def split_fit_dev(pairs: Sequence[Pair], dev_buckets: int = 10) -> tuple[list[Pair], list[Pair]]:
    """Hold out about 1 in dev_buckets claims for calibration, keeping one claim on one side."""
    dev = [p for p in pairs if stable_bucket(p.claim, dev_buckets) == 0]
    fit = [p for p in pairs if stable_bucket(p.claim, dev_buckets) != 0]
    return fit, dev


# --- synthetic augmentation -------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.\-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w.]*\d)")
_SCALE_SWAP = {"thousand": "million", "million": "billion", "billion": "million", "trillion": "billion"}
_UNIT_SWAP = {"miles": "kilometres", "kilometres": "miles", "km": "miles", "percent": "percentage points"}
_SMALL_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve"]  # fmt: skip
_AUX = re.compile(r"\b(is|was|are|were|has|have|had|can|could|will|would|should|does|did|do|may|must)\b")


def _fmt_like(value: float, template: str) -> str:
    """Write value in the style of template (thousands commas, decimals)."""
    if "." in template and not template.endswith("."):
        decimals = len(template.split(".")[1])
        return f"{value:,.{decimals}f}" if "," in template else f"{value:.{decimals}f}"
    return f"{round(value):,}" if "," in template else str(round(value))


def _is_year(token: str) -> bool:
    """Say whether a bare number looks like a calendar year."""
    return token.isdigit() and len(token) == 4 and 1800 <= int(token) <= 2100


def mutate_number(claim: str, rng: random.Random) -> str | None:
    """Change one number, scale word or unit in claim so that it no longer says the same thing."""
    options: list[tuple[int, int, str]] = []
    for m in _NUMBER.finditer(claim):
        token = m.group(1)
        value = float(token.replace(",", ""))
        if _is_year(token):
            new = str(int(value) + rng.choice([-10, -5, -3, -2, -1, 1, 2, 3, 5, 10]))
        else:
            factor = rng.choice([0.1, 0.25, 0.5, 2, 3, 5, 10]) if value > 0 else None
            new = _fmt_like(value * factor, token) if factor else str(rng.randint(1, 9))
            if new == token:
                new = _fmt_like(value + rng.randint(1, 9), token)
        options.append((m.start(1), m.end(1), new))
    for word, swap in {**_SCALE_SWAP, **_UNIT_SWAP}.items():
        for m in re.finditer(rf"\b{word}\b", claim, flags=re.IGNORECASE):
            options.append((m.start(), m.end(), swap))
    for i, word in enumerate(_SMALL_WORDS[2:], start=2):
        for m in re.finditer(rf"\b{word}\b", claim, flags=re.IGNORECASE):
            options.append((m.start(), m.end(), rng.choice([w for w in _SMALL_WORDS[2:] if w != word] + [str(i * 10)])))
    if not options:
        return None
    start, end, new = rng.choice(options)
    return claim[:start] + new + claim[end:]


def _spell_scaled(value: float) -> str | None:
    """Write a round value as '2.5 million' or 'half a billion', or None when it is not round enough."""
    for scale, word in ((1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if value >= scale and (value / scale) * 10 == int((value / scale) * 10):
            if value / scale == 0.5:
                return f"half a {word}"
            return f"{value / scale:g} {word}"
        if value * 2 == scale and word != "thousand":
            return f"half a {word}"
    return None


def rewrite_number(claim: str, rng: random.Random) -> str | None:
    """Write one number in claim another way with the same value ('500 million' -> 'half a billion', '3' -> 'three')."""
    options: list[tuple[int, int, str]] = []
    for m in re.finditer(r"\b(\d+(?:\.\d+)?)\s+(thousand|million|billion)\b", claim):
        value = float(m.group(1)) * {"thousand": 1e3, "million": 1e6, "billion": 1e9}[m.group(2)]
        bigger = {"thousand": ("million", 1e6), "million": ("billion", 1e9), "billion": ("trillion", 1e12)}[m.group(2)]
        if value < bigger[1]:
            options.append((m.start(), m.end(), f"{value / bigger[1]:g} {bigger[0]}".replace("0.5 ", "half a ")))
        if value < 1e7:
            options.append((m.start(), m.end(), f"{round(value):,}"))
    for m in _NUMBER.finditer(claim):
        token = m.group(1)
        value = float(token.replace(",", ""))
        if _is_year(token) or "." in token:
            continue
        if value < len(_SMALL_WORDS):
            options.append((m.start(1), m.end(1), _SMALL_WORDS[int(value)]))
        elif value >= 1000 and (spelled := _spell_scaled(value)):
            options.append((m.start(1), m.end(1), spelled))
        elif value >= 1000 and "," not in token:
            options.append((m.start(1), m.end(1), f"{int(value):,}"))
    for i, word in enumerate(_SMALL_WORDS):
        for m in re.finditer(rf"\b{word}\b", claim):
            options.append((m.start(), m.end(), str(i)))
    if not options:
        return None
    start, end, new = rng.choice(options)
    return claim[:start] + new + claim[end:]


def negate(claim: str) -> str | None:
    """Insert 'not' after the first auxiliary verb, or None when the claim has none or is already negated."""
    if re.search(r"\b(not|never|no)\b|n't", claim, flags=re.IGNORECASE):
        return None
    m = _AUX.search(claim)
    return None if m is None else claim[: m.end()] + " not" + claim[m.end() :]


# Words whose swap turns a claim around ("increases" -> "decreases"); both directions are used.
_OPPOSITES = {
    "increase": "decrease", "increases": "decreases", "increased": "decreased", "increasing": "decreasing",
    "rise": "fall", "rises": "falls", "rose": "fell", "rising": "falling", "more": "less", "most": "least",
    "higher": "lower", "high": "low", "larger": "smaller", "largest": "smallest", "greater": "smaller",
    "before": "after", "positive": "negative", "positively": "negatively", "effective": "ineffective",
    "safe": "unsafe", "likely": "unlikely", "warmer": "cooler", "warming": "cooling", "hotter": "colder",
    "gain": "loss", "gains": "losses", "above": "below", "maximum": "minimum", "stronger": "weaker",
    "strong": "weak", "reduces": "increases", "reduce": "increase", "reduced": "raised", "improves": "worsens",
    "improve": "worsen", "improved": "worsened", "prevents": "causes", "prevent": "cause", "accelerating": "slowing",
    "expanding": "shrinking", "first": "last", "early": "late", "earlier": "later", "older": "younger",
    "always": "never", "with": "without", "can": "cannot", "benefit": "harm", "benefits": "harms",
    "protects": "endangers", "killed": "saved", "won": "lost", "north": "south", "east": "west", "male": "female",
    "men": "women", "born": "died", "dead": "alive", "only": "not only", "true": "false", "same": "different",
}  # fmt: skip
_OPPOSITE = _OPPOSITES | {v: k for k, v in _OPPOSITES.items() if v not in _OPPOSITES and " " not in v}
_NEGATION = re.compile(r"\b(?:(?<=\s)not\s|never\s|no longer\s)|\b(?P<aux>\w+)n't\b", flags=re.IGNORECASE)
_STOP = frozenset({
    "the", "a", "an", "of", "in", "on", "at", "to", "for", "and", "or", "but", "is", "are", "was", "were", "be",
    "been", "being", "by", "with", "from", "as", "that", "this", "these", "those", "it", "its", "into", "than",
    "then", "there", "their", "they", "them", "he", "she", "his", "her", "has", "have", "had", "not", "no", "can",
    "could", "will", "would", "should", "may", "might", "must", "do", "does", "did", "also", "which", "who", "whom",
    "what", "when", "where", "while", "about", "after", "before", "over", "under", "more", "most"
})  # fmt: skip
_CONTENT = re.compile(r"\b[A-Za-z][A-Za-z\-]{3,}\b")


def swap_opposite(claim: str, rng: random.Random) -> str | None:
    """Swap one direction word for its opposite ('increases' -> 'decreases'), keeping a leading capital."""
    hits = [m for m in re.finditer(r"\b[A-Za-z]+\b", claim) if m.group().lower() in _OPPOSITE]
    if not hits:
        return None
    m = rng.choice(hits)
    new = _OPPOSITE[m.group().lower()]
    new = new[0].upper() + new[1:] if m.group()[0].isupper() else new
    return claim[: m.start()] + new + claim[m.end() :]


def drop_negation(claim: str) -> str | None:
    """Remove the first negation ('is not' -> 'is', "doesn't" -> 'does', 'never ' -> ''), or None without one."""
    m = _NEGATION.search(claim)
    if m is None:
        return None
    kept = m.group("aux") or ""
    if kept.lower() == "ca":  # can't
        kept += "n"
    elif kept.lower() == "wo":  # won't
        kept = kept[0] + "ill"
    return re.sub(r"\s{2,}", " ", claim[: m.start()] + kept + claim[m.end() :]).strip()


def swap_word(claim: str, donors: Sequence[str], rng: random.Random) -> str | None:
    """Replace one content word of claim with a content word of the same case from a donor claim (COVID-Fact style).

    The donor word must be absent from the claim, so the edit always changes what the claim says.
    """
    own = {w.lower() for w in _CONTENT.findall(claim)}
    spots = [m for m in _CONTENT.finditer(claim) if m.group().lower() not in _STOP]
    if not spots or not donors:
        return None
    m = rng.choice(spots)
    capital = m.group()[0].isupper()
    for donor in rng.sample(list(donors), k=min(5, len(donors))):
        words = [w for w in _CONTENT.findall(donor) if w.lower() not in own | _STOP and w[0].isupper() == capital]
        if words:
            return claim[: m.start()] + rng.choice(words) + claim[m.end() :]
    return None


def build_synthetic(pairs: Sequence[Pair], rng: random.Random) -> list[Pair]:
    """Derive labelled examples from agreeing pairs: number, direction and word edits and negations conflict,
    rewrites of a number agree; each conflicting edit comes with its original so the model sees the minimal pair."""
    out: list[Pair] = []
    agreeing = [p for p in pairs if p.label == "agrees"]
    by_source: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        by_source[p.source].append(p)
    claims_of = {source: [p.claim for p in group] for source, group in by_source.items()}
    for p in agreeing:
        edits = [
            mutate_number(p.claim, rng),
            swap_opposite(p.claim, rng),
            swap_word(p.claim, claims_of[p.source], rng) if rng.random() < 0.4 else None,
            negate(p.claim) if rng.random() < 0.35 else None,
            drop_negation(p.claim),
        ]
        changed = [e for e in edits if e and e != p.claim]
        if changed:
            out.append(replace(p, source=SYNTHETIC))
            out += [replace(p, source=SYNTHETIC, claim=e, label="conflicts") for e in changed]
        if (same := rewrite_number(p.claim, rng)) and same != p.claim:
            out.append(replace(p, source=SYNTHETIC, claim=same))
    for p in pairs:
        # A refuting claim with its negation taken out usually says what the evidence says.
        if p.label == "conflicts" and p.source == "fever" and (plain := drop_negation(p.claim)):
            out.append(replace(p, source=SYNTHETIC, claim=plain, label="agrees"))
    for group in by_source.values():
        for p in rng.sample(group, k=min(len(group), 600)):
            other = rng.choice(group)
            if other.claim != p.claim and other.evidence != p.evidence:
                out.append(Pair(SYNTHETIC, other.evidence, p.claim, "unrelated"))
    return out


# --- sampling ------------------------------------------------------------------------------------------------


def sample_training_examples(
    pairs: Sequence[Pair], total: int, rng: random.Random, class_power: float = 0.5
) -> list[Pair]:
    """Draw total examples: sources by SOURCE_MIX, classes within a source in proportion to count**class_power."""
    groups: dict[str, dict[str, list[Pair]]] = defaultdict(lambda: defaultdict(list))
    for p in pairs:
        groups[p.source][p.label].append(p)
    chosen: list[Pair] = []
    for source, share in SOURCE_MIX.items():
        by_label = groups[source]
        weights = {label: len(items) ** class_power for label, items in by_label.items()}
        norm = sum(weights.values())
        for label, items in by_label.items():
            k = round(total * share * weights[label] / norm)
            # Whole shuffled passes first, so every example is seen before any is repeated.
            order: list[Pair] = []
            while len(order) < k:
                order += rng.sample(items, len(items))
            chosen += order[:k]
    rng.shuffle(chosen)
    return chosen


def length_bucketed_batches(
    pairs: Sequence[Pair], batch_size: int, rng: random.Random, window: int = 64
) -> list[list[Pair]]:
    """Cut pairs into batches of similar length (sorted within windows of batches), in random batch order."""
    batches: list[list[Pair]] = []
    span = batch_size * window
    for i in range(0, len(pairs), span):
        chunk = sorted(pairs[i : i + span], key=lambda p: len(p.evidence) + len(p.claim))
        batches += [chunk[j : j + batch_size] for j in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


# --- training ------------------------------------------------------------------------------------------------


def set_seed(seed: int) -> None:
    """Fix every random generator that training touches."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def encode(tokenizer, batch: Sequence[Pair], max_length: int) -> dict[str, torch.Tensor]:
    """Tokenise (evidence, claim) pairs, padded to the longest in the batch."""
    return tokenizer(
        [p.evidence for p in batch], [p.claim for p in batch],
        truncation=True, max_length=max_length, padding=True, return_tensors="pt",
    )  # fmt: skip


def lr_factor(progress: float, warmup: float) -> float:
    """Linear warmup then cosine decay to 5% of the peak, over progress in [0, 1]."""
    if progress < warmup:
        return max(progress, 1e-3) / warmup
    return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, (progress - warmup) / (1 - warmup))))


def pick_device(name: str) -> str:
    """'auto' -> cuda when a GPU is there, else cpu."""
    return ("cuda" if torch.cuda.is_available() else "cpu") if name == "auto" else name


def save_checkpoint(path: Path, net, optimizer, step: int, elapsed: float, seen: int) -> None:
    """Write weights, optimiser state and progress atomically (a kill mid-write leaves the previous one)."""
    tmp = path.with_suffix(".tmp")
    torch.save({"net": net.state_dict(), "optimizer": optimizer.state_dict(), "step": step, "elapsed": elapsed,
                "seen": seen}, tmp)  # fmt: skip
    tmp.replace(path)


def fine_tune(
    args: argparse.Namespace, net, batches: Sequence, device: str, inputs_of, labels_of, unit: str, soft_of=None
) -> dict:
    """Fine-tune net over batches: AdamW (10x learning rate on the new head), warmup then cosine decay over steps or
    --max-minutes of wall time, bf16 autocast, label smoothing 0.05, gradient clipping; a checkpoint in --work-dir
    every --checkpoint-minutes, and --resume goes on from it. inputs_of(batch) -> the model's inputs on device,
    labels_of(batch) -> the target class ids; soft_of(batch), when given, -> a teacher's probabilities, learnt
    with weight args.distil_weight (KL divergence) beside the labels. Returns the training log; train_checkworthy.py
    uses it too."""
    head = [p for n, p in net.named_parameters() if n.startswith("classifier")]
    body = [p for n, p in net.named_parameters() if not n.startswith("classifier")]
    optimizer = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": head, "lr": args.lr * 10}], weight_decay=0.01
    )
    peaks = [g["lr"] for g in optimizer.param_groups]
    checkpoint = args.work_dir / "checkpoint.pt"
    first, before, seen = 0, 0.0, 0
    if args.resume and checkpoint.exists():
        state = torch.load(checkpoint, map_location=device, weights_only=False)
        net.load_state_dict(state["net"])
        optimizer.load_state_dict(state["optimizer"])
        first, before, seen = state["step"], state["elapsed"], state["seen"]
        print(f"resumed at step {first} after {before / 60:.1f} min", flush=True)
    net.train()
    started, done, running, saved_at = time.time(), first, 0.0, time.time()
    for step in range(first, len(batches)):
        batch = batches[step]
        elapsed = before + time.time() - started
        # The schedule follows steps or wall time, whichever is further along, so a machine slowed by other work
        # still ends with a decayed learning rate inside the time budget.
        progress = max(step / len(batches), elapsed / (args.max_minutes * 60))
        if progress >= 1.0:
            print(f"time budget of {args.max_minutes} min reached at step {step}; stopping", flush=True)
            break
        for group, peak in zip(optimizer.param_groups, peaks, strict=True):
            group["lr"] = peak * lr_factor(progress, args.warmup)
        features, target = inputs_of(batch), labels_of(batch)
        with torch.autocast(device.split(":")[0], dtype=torch.bfloat16, enabled=args.bf16):
            logits = net(**features).logits
        loss = torch.nn.functional.cross_entropy(logits.float(), target, label_smoothing=0.05)
        if soft_of is not None:
            log_p = torch.nn.functional.log_softmax(logits.float(), dim=-1)
            kl = torch.nn.functional.kl_div(log_p, soft_of(batch), reduction="batchmean")
            loss = (1 - args.distil_weight) * loss + args.distil_weight * kl
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        seen, done = seen + len(batch), step + 1
        running = 0.98 * running + 0.02 * loss.item() if step > first else loss.item()
        if step % 25 == 0 or step == len(batches) - 1:
            elapsed = before + time.time() - started
            rate = seen / max(elapsed, 1e-9)
            print(f"step {step + 1}/{len(batches)} loss {running:.4f} {rate:.1f} {unit}/s progress {progress:.3f} "
                  f"elapsed {elapsed / 60:.1f} min", flush=True)  # fmt: skip
        if time.time() - saved_at > args.checkpoint_minutes * 60:
            save_checkpoint(checkpoint, net, optimizer, done, before + time.time() - started, seen)
            saved_at = time.time()
    net.eval()
    net.to("cpu")
    return {
        "steps": done,
        "planned_steps": len(batches),
        f"{unit}_seen": seen,
        "train_seconds": before + time.time() - started,
        "device": device,
    }


def train(
    args: argparse.Namespace, base_path: Path, examples: Sequence[Pair], rng: random.Random
) -> tuple[object, dict]:
    """Fine-tune the cross-encoder (from base_path, or --init-from) on examples and return it with a training log;
    resumable from checkpoints."""
    from sentence_transformers import CrossEncoder

    device = pick_device(args.device)
    start = str(args.init_from) if args.init_from else str(base_path)
    model = CrossEncoder(start, num_labels=len(LABELS), max_length=args.max_length, device=device)
    net, tokenizer = model.model, model.tokenizer
    net.config.id2label = dict(enumerate(LABELS))
    net.config.label2id = {label: i for i, label in enumerate(LABELS)}
    batches = length_bucketed_batches(examples, args.batch_size, rng)
    label_id = {label: i for i, label in enumerate(LABELS)}
    soft_of = None
    if args.teacher:
        taught = teacher_probabilities(args.teacher, examples, args.work_dir / "teacher_probs.json")
        soft_of = lambda batch: torch.tensor([taught[(p.evidence, p.claim)] for p in batch], device=device)  # noqa: E731
    log = fine_tune(
        args, net, batches, device,
        inputs_of=lambda batch: encode(tokenizer, batch, args.max_length).to(device),
        labels_of=lambda batch: torch.tensor([label_id[p.label] for p in batch], device=device),
        unit="pairs", soft_of=soft_of,
    )  # fmt: skip
    return model, log


# The teacher scores pairs 16 at a time, length-sorted: 1.4x the pace of one at a time (MiniLM int8, 400 benchmark
# pairs, measured). Its int8 activations are then scaled per batch, a difference the soft targets do not mind.
TEACHER_BATCH = 16


def teacher_probabilities(
    teacher: Path, examples: Sequence[Pair], cache: Path, chunk: int = 512
) -> dict[tuple[str, str], list[float]]:
    """The teacher model's calibrated probabilities (LABELS order) for every distinct (evidence, claim) of the
    examples, scored with the int8 ONNX model the product would load (TEACHER_BATCH pairs at a time); cached in
    chunks, so a killed run goes on."""
    from claims.stance import OnnxStanceModel

    done: dict[tuple[str, str], list[float]] = {}
    if cache.exists():
        for line in cache.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:  # the last line of a run killed while appending: scored again
                continue
            done[(row["evidence"], row["claim"])] = row["p"]
    todo = list(dict.fromkeys((p.evidence, p.claim) for p in examples if (p.evidence, p.claim) not in done))
    if todo:
        model, started = OnnxStanceModel(teacher, batch_size=TEACHER_BATCH), time.time()
        for i in range(0, len(todo), chunk):
            part = todo[i : i + chunk]
            predictions = model.predict(part)
            rows = [{"evidence": e, "claim": c, "p": [float(pr.probabilities.get(label, 0.0)) for label in LABELS]}
                    for (e, c), pr in zip(part, predictions, strict=True)]  # fmt: skip
            with cache.open("a", encoding="utf-8") as out:
                out.write("".join(json.dumps(r) + "\n" for r in rows))
            done.update({(r["evidence"], r["claim"]): r["p"] for r in rows})
            rate = (i + len(part)) / (time.time() - started)
            print(f"teacher {i + len(part)}/{len(todo)} pairs, {rate:.1f} pairs/s", flush=True)
    return done


# --- scoring, calibration, export ---------------------------------------------------------------------------


def torch_logits(model, pairs: Sequence[Pair], max_length: int, batch_size: int = 64) -> np.ndarray:
    """Score pairs with the fp32 torch model (no bias), in length order for speed."""
    net, tokenizer = model.model, model.tokenizer
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i].evidence) + len(pairs[i].claim))
    out = np.zeros((len(pairs), len(LABELS)), dtype=np.float32)
    with torch.inference_mode():
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            out[idx] = net(**encode(tokenizer, [pairs[j] for j in idx], max_length)).logits.float().numpy()
    return out


def fit_bias(logits: np.ndarray, pairs: Sequence[Pair]) -> list[float]:
    """Fit logit biases (agrees fixed at 0) that maximise mean balanced accuracy over sources, each source scored
    on the labels it uses; coordinate ascent over a 0.1 grid, a few sweeps."""
    from claims.stance_eval import balanced_accuracy

    truth = np.array([LABELS.index(p.label) for p in pairs])
    sources = np.array([p.source for p in pairs])
    masks = {s: sources == s for s in sorted(set(sources))}
    used = {s: sorted(set(truth[m])) for s, m in masks.items()}

    def score(bias: np.ndarray) -> float:
        shifted = logits + bias
        values = []
        for source, mask in masks.items():
            cols = used[source]
            pred = np.asarray(cols)[shifted[mask][:, cols].argmax(1)]
            values.append(balanced_accuracy(truth[mask], pred, len(LABELS)))
        return float(np.mean(values))

    bias = np.zeros(len(LABELS))
    best = score(bias)
    print(f"calibration: mean balanced accuracy before {best:.4f}", flush=True)
    grid = np.round(np.arange(-3.0, 3.01, 0.1), 2)
    for _ in range(3):
        for k in range(1, len(LABELS)):
            for value in grid:
                trial = bias.copy()
                trial[k] = value
                # Ties go to the smaller bias, so an uninformative label is not pushed around.
                if (s := score(trial)) > best + 1e-9 or (abs(s - best) <= 1e-9 and abs(value) < abs(bias[k])):
                    best, bias = s, trial
    print(f"calibration: mean balanced accuracy {best:.4f} with bias {np.round(bias, 2).tolist()}", flush=True)
    return [float(b) for b in bias]


def export_onnx(model, folder: Path, max_length: int) -> Path:
    """Export the fp32 cross-encoder to ONNX with dynamic batch and sequence axes."""
    net, tokenizer = model.model, model.tokenizer
    # Eager attention exports as plain MatMul/Softmax, which onnxruntime fuses into its Attention op; the SDPA
    # graph of transformers 5 leaves attention unfused.
    net.set_attn_implementation("eager")
    sample = tokenizer(["An example evidence sentence."], ["A claim."], return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]  # MPNet has no types
    path = folder / "model_fp32.onnx"
    axes = {name: {0: "batch", 1: "sequence"} for name in names} | {"logits": {0: "batch"}}
    torch.onnx.export(
        net, tuple(sample[n] for n in names), str(path), input_names=names, output_names=["logits"],
        dynamic_axes=axes, opset_version=17, dynamo=False,
    )  # fmt: skip
    return path


def quantise(
    fp32: Path, folder: Path, hidden_size: int, heads: int, *, keep_fp32: str | None = None, fuse: bool = True
) -> Path:
    """Fuse the BERT graph (fuse=False: other encoders, whose graphs the BERT optimiser does not know) and quantise
    its weights to per-channel int8.

    keep_fp32 is a regular expression: the fused graph's nodes whose names it finds keep fp32 weights.
    """
    import onnx
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    fused = folder / "model_fused.onnx"
    if fuse:
        optimize_model(str(fp32), model_type="bert", num_heads=heads, hidden_size=hidden_size).save_model_to_file(
            str(fused)
        )
    else:
        fused = fp32
    graph = onnx.load(str(fused), load_external_data=False).graph
    excluded = [node.name for node in graph.node if keep_fp32 and re.search(keep_fp32, node.name)]
    if keep_fp32 and not excluded:
        raise SystemExit(f"--keep-fp32 {keep_fp32!r} names no node of the fused graph")
    out = folder / "model.onnx"
    # Shape inference cannot type the outputs of the fused com.microsoft ops; they are all float.
    quantize_dynamic(
        str(fused), str(out), weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=excluded,
        extra_options={"DefaultTensorType": TensorProto.FLOAT},
    )  # fmt: skip
    return out


def write_model_folder(out: Path, onnx_path: Path, tokenizer_dir: Path, config: dict) -> None:
    """Write the shipped folder: int8 ONNX, tokenizer files, config.json with label order, bias and sha256."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(onnx_path, out / "model.onnx")
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        if (tokenizer_dir / name).exists():
            shutil.copyfile(tokenizer_dir / name, out / name)
    config = config | {"onnx_sha256": sha256_file(out / "model.onnx")}
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "stance_pairs.jsonl")
    ap.add_argument("--news", type=Path, default=REPO.parent / "shared" / "data" / "news", help="FNC-1, ARC, SNLI")
    ap.add_argument("--without", action="append", default=[], choices=NEWS_SOURCES,
                    help="leave a news source out (repeatable): fnc1 states no licence")  # fmt: skip
    ap.add_argument("--work-dir", type=Path, default=REPO.parent / "stance-work-v4")
    ap.add_argument("--out", type=Path, default=REPO / "models" / "stance-minilm")
    ap.add_argument("--model-id", default="stance-minilm-l6-v4")
    ap.add_argument("--base", default="minilm", help="minilm, mpnet (training/bases.py) or a model folder")
    ap.add_argument("--examples", type=int, default=80000, help="training examples drawn (with repeats)")
    ap.add_argument("--mix", default="", help="source shares instead of SOURCE_MIX, e.g. fnc1=0.16,snli=0.12")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument("--max-length", type=int, default=160)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="auto", help="auto, cpu or cuda")
    ap.add_argument("--max-minutes", type=float, default=60.0, help="training wall-time budget (schedule and stop)")
    ap.add_argument("--checkpoint-minutes", type=float, default=5.0)
    ap.add_argument("--resume", action="store_true", help="go on from --work-dir/checkpoint.pt")
    ap.add_argument("--no-bf16", dest="bf16", action="store_false", help="train in fp32 instead of bf16 autocast")
    ap.add_argument("--limit-test", type=int, default=0, help="score only this many test pairs (smoke runs)")
    ap.add_argument("--limit-news", type=int, default=0, help="use only this many pairs per news source (smoke)")
    ap.add_argument("--init-from", type=Path, help="continue from this saved CrossEncoder instead of the base model")
    ap.add_argument("--skip-train", action="store_true", help="reuse the torch model already in --work-dir")
    ap.add_argument("--teacher", type=Path, help="distil: a stance model folder whose probabilities are learnt too")
    ap.add_argument("--distil-weight", type=float, default=0.5, help="share of the loss that is the teacher's")
    return ap.parse_args(argv)


def news_examples(args: argparse.Namespace, rng: random.Random) -> tuple[list[Pair], list[Pair]]:
    """Training and calibration pairs from FNC-1, ARC, SNLI and the templates (cached in --work-dir)."""
    from news_pairs import snli_examples, stance_pair_passages, templated_examples

    from workbench import news_data as nd

    cache = args.work_dir / "news_pairs.jsonl"
    if cache.exists():
        rows = [json.loads(line) for line in cache.read_text(encoding="utf-8").splitlines()]
        loaded = [(Pair(r["source"], r["evidence"], r["claim"], r["label"]), r["dev"]) for r in rows]
    else:
        from index.embedders import load_embedder

        embed = load_embedder(None).embed  # the vectors retrieval uses
        cap = (lambda xs: xs[: args.limit_news]) if args.limit_news else (lambda xs: xs)
        loaded = []
        bodies, pairs = nd.load_fnc(args.news / "fnc1")
        of = nd.story_buckets(pairs)
        for dev, bucket_ok in ((False, lambda b: b not in (nd.HELD_OUT_BUCKET, nd.DEV_BUCKET)),
                               (True, lambda b: b == nd.DEV_BUCKET)):  # fmt: skip
            chosen = cap([p for p in pairs if bucket_ok(of[p.headline])])
            loaded += [(Pair("fnc1", e, c, s), dev) for e, c, s in stance_pair_passages(bodies, chosen, embed, rng)]
        arc_bodies, arc_pairs = nd.load_arc(args.news / "arc", "train")
        for e, c, s in stance_pair_passages(arc_bodies, cap(arc_pairs), embed, rng):
            loaded.append((Pair("arc", e, c, s), stable_bucket(c, 10) == 0))
        for e, c, s in snli_examples(cap(nd.load_snli(args.news / "snli" / "snli_1.0_dev.tokenized.jsonl"))):
            loaded.append((Pair("snli", e, c, s), stable_bucket(e, 10) == 0))
        fit_headlines = sorted({p.claim for p, dev in loaded if p.source == "fnc1" and not dev})
        claims = rng.sample(fit_headlines, k=min(len(fit_headlines), 1500))
        claims += [p.claim for p in load_split(args.data, "train") if p.label == "agrees"][::6]
        for e, c, s in templated_examples(claims, rng):
            loaded.append((Pair(TEMPLATED, e, c, s), stable_bucket(c, 10) == 0))
        cache.write_text("".join(json.dumps(asdict(p) | {"dev": dev}) + "\n" for p, dev in loaded), encoding="utf-8")
    kept = [(p, dev) for p, dev in loaded if p.source not in args.without]
    return [p for p, dev in kept if not dev], [p for p, dev in kept if dev]


def main(argv: Sequence[str] | None = None) -> None:
    """Build data, train, calibrate, export, quantise, evaluate and write the model folder."""
    from bases import resolve_base

    args = parse_args(argv)
    if args.mix:
        SOURCE_MIX.clear()
        SOURCE_MIX.update({k: float(v) for k, v in (item.split("=") for item in args.mix.split(","))})
    torch.set_num_threads(args.threads)
    set_seed(args.seed)
    rng = random.Random(args.seed)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    fit, dev = split_fit_dev(load_split(args.data, "train"))
    synthetic = build_synthetic(fit, rng)
    print(f"fit {len(fit)} dev {len(dev)} synthetic {len(synthetic)} {Counter(p.label for p in synthetic)}", flush=True)
    news_fit, news_dev = news_examples(args, random.Random(args.seed + 1))
    print(f"news fit {Counter((p.source, p.label) for p in news_fit)}", flush=True)
    print(f"news dev {Counter((p.source, p.label) for p in news_dev)}", flush=True)
    dev = [*dev, *news_dev]
    base = resolve_base(args.base, args.work_dir)  # once: for mpnet it joins the parts and hashes 438 MB
    torch_dir = args.work_dir / "torch"
    if args.skip_train:
        from sentence_transformers import CrossEncoder

        model, log = (
            CrossEncoder(str(torch_dir), max_length=args.max_length, device="cpu"),
            json.loads((args.work_dir / "train_log.json").read_text()),
        )
    else:
        examples = sample_training_examples([*fit, *synthetic, *news_fit], args.examples, rng)
        print(f"examples {len(examples)} {Counter((p.source, p.label) for p in examples)}", flush=True)
        model, log = train(args, base.path, examples, rng)
        model.save(str(torch_dir))
        log |= {"fit": len(fit), "dev": len(dev), "synthetic": len(synthetic), "news_fit": len(news_fit), "args": {
            k: str(v) for k, v in vars(args).items()}}  # fmt: skip
        (args.work_dir / "train_log.json").write_text(json.dumps(log, indent=2), encoding="utf-8")

    import onnx

    bias = fit_bias(torch_logits(model, dev, args.max_length), dev)
    onnx_fp32 = export_onnx(model, args.work_dir, args.max_length)
    hidden, heads = model.model.config.hidden_size, model.model.config.num_attention_heads
    onnx_int8 = quantise(onnx_fp32, args.work_dir, hidden, heads, fuse=model.model.config.model_type == "bert")
    config = {
        "model_id": args.model_id, "labels": list(LABELS), "max_length": args.max_length,
        "bias": bias, "base_model": base.description,
        "onnx_inputs": [i.name for i in onnx.load(str(onnx_int8), load_external_data=False).graph.input],
    }  # fmt: skip
    write_model_folder(args.out, onnx_int8, torch_dir, config)
    report(args, model, bias, log)


def report(args: argparse.Namespace, model, bias: Sequence[float], log: dict) -> None:
    """Score the test split with fp32 torch (biased like the shipped model) and the shipped int8 ONNX."""
    from claims.stance import OnnxStanceModel, StancePrediction, softmax_dict
    from claims.stance_eval import LabelledPair, evaluate, format_table, load_stance_pairs
    from workbench.news_data import load_snli

    no_side = {"entailment": "agrees", "contradiction": "conflicts", "neutral": "unrelated"}
    snli = load_snli(args.news / "snli" / "snli_1.0_test.tokenized.jsonl")
    test = load_stance_pairs(args.data, "test") + [
        LabelledPair("snli", p.premise, p.hypothesis, no_side[p.label]) for p in snli[::4]
    ]
    if args.limit_test:
        test = test[: args.limit_test]
    pairs = [Pair(r.source, r.evidence, r.claim, r.label) for r in test]
    started = time.time()
    logits = torch_logits(model, pairs, args.max_length) + np.asarray(bias, dtype=np.float32)
    fp32_preds = [
        StancePrediction(LABELS[int(row.argmax())], float(max(probs.values())), probs)
        for row in logits
        for probs in [softmax_dict(row, LABELS)]
    ]
    fp32_seconds = time.time() - started
    onnx = OnnxStanceModel(args.out)
    started = time.time()
    int8_preds = onnx.predict([(r.evidence, r.claim) for r in test])
    int8_seconds = time.time() - started
    results = {"fp32": evaluate(test, fp32_preds), "int8": evaluate(test, int8_preds)}
    for name, rows in results.items():
        print(f"\n{name} (test split)\n{format_table(rows)}", flush=True)
    agree = float(np.mean([a.label == b.label for a, b in zip(fp32_preds, int8_preds, strict=True)]))
    summary = {
        "train": log, "bias": list(bias), "fp32_int8_label_agreement": agree,
        "fp32_seconds": fp32_seconds, "int8_seconds": int8_seconds, "n_test": len(test),
        "onnx_bytes": (args.out / "model.onnx").stat().st_size,
        "metrics": {name: [row._asdict() if hasattr(row, "_asdict") else vars(row) for row in rows]
                    for name, rows in results.items()},
    }  # fmt: skip
    (args.work_dir / "metrics.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    print(f"\nfp32/int8 label agreement {agree:.4f}; metrics in {args.work_dir / 'metrics.json'}", flush=True)


if __name__ == "__main__":
    main()
