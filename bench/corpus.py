"""A deterministic synthetic news corpus: realistic sentence lengths, figures, places, near-duplicates."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"  # ../shared/seeds beside the repository

PLACES = [
    "Orlan",
    "Tessar",
    "Amsel",
    "Kessel",
    "Baquba",
    "Samarra",
    "Marova",
    "Dunlow",
    "Feyre",
    "Harth",
    "Istra",
    "Jorvik",
    "Kalden",
    "Lusk",
    "Mornay",
    "Nessa",
    "Ostrel",
    "Pallin",
    "Quarry Hill",
    "Redmarsh",
]
OUTLETS = ["Northern Ledger", "Riverside Post", "Coastal Wire", "Valley Forum", "Evening Courier", "Daily Signal"]
GROUPS = ["the Red Ridge Front", "government troops", "the coalition", "local militias", "the national army"]
VERBS = ["captured", "shelled", "surrounded", "evacuated", "retook", "reinforced", "abandoned"]
SOURCES = [
    "officials said",
    "according to the defence ministry",
    "witnesses told reporters",
    "a spokesman confirmed",
    "aid agencies reported",
    "diplomats said on condition of anonymity",
]
TEMPLATES = [
    "{group} {verb} {place} on {day}, {source}, leaving {n} people without shelter.",
    "{place} lies about {km} km ({miles} miles) from {place2}, where {group} dug in behind the river.",
    "The central bank said {money} was missing from its {place} branch after {group} {verb} the town.",
    "At least {n} people were killed and {n2} wounded in fighting near {place}, {source}.",
    "{country} has sent {troops} troops to guard the {place} water works, {source}.",
    "Prices of bread and fuel in {place} rose by {pct} percent in a week as {group} closed the roads.",
    "Nearly {n3} residents fled {place} for camps near {place2} in three days, {source}.",
    "{group} said they would not withdraw from {place} until talks resumed in {place2} next month.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONEY = ["$500 million", "half a billion dollars", "$50m", "2bn dollars", "$1.2 billion", "300 million euros"]


def _sentence(rng: random.Random) -> str:
    km = rng.randint(10, 300)
    text = rng.choice(TEMPLATES).format(
        group=rng.choice(GROUPS),
        verb=rng.choice(VERBS),
        place=rng.choice(PLACES),
        place2=rng.choice(PLACES),
        day=rng.choice(DAYS),
        source=rng.choice(SOURCES),
        n=rng.randint(2, 900),
        n2=rng.randint(2, 900),
        n3=f"{rng.randint(1, 90) * 1000:,}",
        km=km,
        miles=round(km / 1.609),
        money=rng.choice(MONEY),
        country=rng.choice(["Marovia", "Istria", "Calland"]),
        troops=f"{rng.randint(1, 40) * 100:,}",
        pct=rng.randint(2, 80),
    )
    return text[0].upper() + text[1:]


def iter_articles(passages: int, *, seed: int = 7, per_article: int = 10) -> Iterator[dict]:
    """Yield articles of per_article one-sentence paragraphs until `passages` passages exist; 3% near-duplicates."""
    rng = random.Random(seed)
    made = 0
    previous: list[str] = []
    while made < passages:
        count = min(per_article, passages - made)
        if previous and rng.random() < 0.03:  # a re-worded copy of the last article: a near-duplicate
            paragraphs = [p.replace(" said", " stated") for p in previous[:count]]
            paragraphs[0] = paragraphs[0] + " (updated)"
        else:
            paragraphs = [_sentence(rng) for _ in range(count)]
        previous = paragraphs
        made += count
        yield {
            "title": f"Report {made // per_article}: {rng.choice(PLACES)}",
            "outlet": rng.choice(OUTLETS),
            "published_at": f"2031-03-{rng.randint(1, 28):02d}",
            "text": "\n\n".join(paragraphs),
        }


def passage_texts(count: int, *, seed: int = 7) -> list[str]:
    """The first `count` passages of the corpus, as an import of it cuts them (one per paragraph)."""
    texts = [p for article in iter_articles(count, seed=seed) for p in article["text"].split("\n\n") if p.strip()]
    return texts[:count]


def write_corpus(folder: Path, passages: int, *, seed: int = 7, per_file: int = 10_000) -> list[Path]:
    """Write the corpus as JSONL files of about per_file passages each, the way an archive is imported."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    out = None
    in_file = per_file
    try:
        for article in iter_articles(passages, seed=seed):
            if in_file >= per_file:
                if out:
                    out.close()
                paths.append(folder / f"part-{len(paths):04d}.jsonl")
                out = paths[-1].open("w")
                in_file = 0
            out.write(json.dumps(article) + "\n")
            in_file += len(article["text"].split("\n\n"))
    finally:
        if out:
            out.close()
    return paths


def seed_passages(*, body_only: bool = False) -> list[str]:
    """Every passage of the two seed articles (only the article bodies with body_only), read and cut as an import
    reads and cuts them; a missing seeds folder is one clear error, never an empty list."""
    from workbench.config import Settings
    from workbench.documents import read_documents

    paths = sorted(SEEDS.glob("*.txt"))
    if not paths:
        raise SystemExit(f"{SEEDS}: no seed articles here (../shared/seeds beside the repository)")
    settings = Settings()
    return [
        passage.text
        for path in paths
        for document in read_documents(path, max_bytes=settings.max_file_bytes, max_words=settings.passage_max_words)
        for passage in document.passages
        if passage.kind == "body" or not body_only
    ]
