"""The DuckDB schema as numbered migrations, applied in order; the full-text index and its BM25 postings."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import duckdb
import pyarrow as pa

from workbench.fulltext import to_search_text

Connection = duckdb.DuckDBPyConnection


def _m001_articles_passages_claims(con: Connection) -> None:
    con.execute("""
        CREATE SEQUENCE article_ids START 1;
        CREATE TABLE articles (
            article_id   BIGINT PRIMARY KEY DEFAULT nextval('article_ids'),
            content_hash VARCHAR NOT NULL UNIQUE,   -- sha256 of the whitespace-folded text
            title        VARCHAR,
            outlet       VARCHAR,
            url          VARCHAR,
            published_at TIMESTAMP,
            text         VARCHAR NOT NULL,          -- cleaned full text; passage spans index into it
            origin       VARCHAR NOT NULL,          -- the file it was imported from
            imported_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        CREATE TABLE passages (
            passage_id  BIGINT PRIMARY KEY,
            article_id  BIGINT NOT NULL REFERENCES articles (article_id),
            position    INTEGER NOT NULL,
            kind        VARCHAR NOT NULL CHECK (kind IN ('body', 'comment')),
            author      VARCHAR,                    -- the commenter, for comments
            text        VARCHAR NOT NULL,
            char_start  INTEGER NOT NULL,
            char_end    INTEGER NOT NULL,
            search_text VARCHAR NOT NULL,           -- full-text form: numbers spelled as single tokens
            UNIQUE (article_id, position)
        );
        -- Embeddings sit in their own table, keyed by model: a model change re-embeds without touching
        -- passages (DuckDB rewrites a row whose list column is updated, which foreign keys forbid).
        CREATE TABLE embeddings (
            passage_id BIGINT PRIMARY KEY REFERENCES passages (passage_id),
            model      VARCHAR NOT NULL,
            vector     FLOAT[] NOT NULL
        );
        CREATE SEQUENCE claim_ids START 1;
        CREATE TABLE claims (
            claim_id          BIGINT PRIMARY KEY DEFAULT nextval('claim_ids'),
            text              VARCHAR NOT NULL,
            normalized        VARCHAR NOT NULL UNIQUE,
            claim_date        DATE,
            external_id       VARCHAR,              -- an id the user's CSV gave the claim
            origin            VARCHAR NOT NULL CHECK (origin IN ('manual', 'csv', 'extracted')),
            source_article_id BIGINT REFERENCES articles (article_id),
            source_passage_id BIGINT REFERENCES passages (passage_id),
            created_at        TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
    """)


def _m002_checks_and_evidence(con: Connection) -> None:
    con.execute("""
        -- One machine check of a claim; re-checking adds a row, so verdicts keep their history.
        CREATE SEQUENCE check_ids START 1;
        CREATE TABLE checks (
            check_id        BIGINT PRIMARY KEY DEFAULT nextval('check_ids'),
            claim_id        BIGINT NOT NULL REFERENCES claims (claim_id),
            verdict         VARCHAR NOT NULL
                            CHECK (verdict IN ('supported', 'refuted', 'conflicting', 'not_enough_evidence')),
            confidence      DOUBLE NOT NULL,
            reason          VARCHAR NOT NULL,
            agreeing        INTEGER NOT NULL,       -- distinct sources
            conflicting     INTEGER NOT NULL,
            stance_model    VARCHAR NOT NULL,
            embedding_model VARCHAR NOT NULL,
            checked_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        CREATE TABLE evidence (
            check_id        BIGINT NOT NULL REFERENCES checks (check_id),
            passage_id      BIGINT NOT NULL REFERENCES passages (passage_id),
            rank            INTEGER NOT NULL,
            retrieval_score DOUBLE NOT NULL,
            stance          VARCHAR NOT NULL CHECK (stance IN ('agrees', 'conflicts', 'unrelated')),
            confidence      DOUBLE NOT NULL,
            reason          VARCHAR NOT NULL,
            number_check    VARCHAR,                -- match / conflict / mixed, NULL when no figures compare
            model_id        VARCHAR NOT NULL,
            after_claim     BOOLEAN NOT NULL,       -- published after the claim's date
            PRIMARY KEY (check_id, passage_id)
        );
    """)


def _m003_reviews(con: Connection) -> None:
    con.execute("""
        -- The human side of a claim. Foreign keys point from these tables to claims and passages, never the
        -- other way: DuckDB refuses to UPDATE a row that a foreign key references.
        CREATE TABLE reviews (
            claim_id      BIGINT PRIMARY KEY REFERENCES claims (claim_id),
            status        VARCHAR NOT NULL CHECK (status IN ('new', 'in_review', 'verdict_given')),
            human_verdict VARCHAR CHECK (human_verdict IN
                          ('supported', 'refuted', 'conflicting', 'not_enough_evidence', 'unverifiable')),
            rationale     VARCHAR NOT NULL DEFAULT '',
            reviewer      VARCHAR,
            version       INTEGER NOT NULL,         -- optimistic lock: a save names the version it edited
            updated_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        -- Append-only: one row per changed field, so nothing a reviewer typed is ever lost.
        CREATE SEQUENCE review_event_ids START 1;
        CREATE TABLE review_history (
            event_id   BIGINT PRIMARY KEY DEFAULT nextval('review_event_ids'),
            claim_id   BIGINT NOT NULL REFERENCES claims (claim_id),
            field      VARCHAR NOT NULL,            -- status, human_verdict, rationale, evidence:<passage_id>
            old_value  VARCHAR,
            new_value  VARCHAR,
            reviewer   VARCHAR NOT NULL,
            changed_at TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        CREATE TABLE evidence_corrections (
            claim_id     BIGINT NOT NULL REFERENCES claims (claim_id),
            passage_id   BIGINT NOT NULL REFERENCES passages (passage_id),
            stance       VARCHAR NOT NULL CHECK (stance IN ('agrees', 'conflicts', 'unrelated')),
            reviewer     VARCHAR NOT NULL,
            corrected_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            PRIMARY KEY (claim_id, passage_id)
        );
        CREATE TABLE outlet_credibility (
            outlet      VARCHAR PRIMARY KEY,
            credibility VARCHAR NOT NULL CHECK (credibility IN ('credible', 'unknown', 'not_credible')),
            updated_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
    """)


# Digits stay inside tokens (the default ignore pattern drops them), so "500000000" and "2000" are terms.
FTS_IGNORE = r"(\.|[^a-z0-9_])+"


BM25_K1, BM25_B = 1.2, 0.75  # match_bm25's defaults
BM25_STAMP = "fts_main_passages.bm25_stamp"  # one row: the id of the last build of the index (build_fulltext)


def build_fulltext(con: Connection) -> None:
    """Build the BM25 index over passages, then its postings sorted by term with the per-passage weights.

    The weight is BM25's per-passage part, tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avgdl)); the idf is
    added per query. Sorted by term, a search reads only the row groups of its terms (see store.bm25). Each build
    gets a new stamp (BM25_STAMP), naming the postings file copied from it (postings.py).
    """
    con.execute(
        "PRAGMA create_fts_index('passages', 'passage_id', 'search_text', stemmer = 'porter', "
        f"stopwords = 'english', ignore = '{FTS_IGNORE}', strip_accents = 1, lower = 1, overwrite = 1)"
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE fts_main_passages.bm25_postings AS
            WITH tf AS (SELECT termid, docid, count(*) AS tf FROM fts_main_passages.terms GROUP BY termid, docid)
            SELECT tf.termid, d.name AS passage_id,
                   tf.tf * ({BM25_K1} + 1) / (tf.tf + {BM25_K1} * (1 - {BM25_B} + {BM25_B} * d.len / s.avgdl))
                       AS weight
            FROM tf JOIN fts_main_passages.docs d USING (docid), fts_main_passages.stats s
            ORDER BY tf.termid, passage_id"""
    )
    # A fresh stamp for this build: the postings file beside the database (postings.py) is used only while it holds
    # the same one. A table of its own, so a search reads it with its terms (0.2 ms; a table comment, read from the
    # catalog, took 1.1 ms at 1M passages).
    con.execute(f"CREATE OR REPLACE TABLE {BM25_STAMP} AS SELECT ?::VARCHAR AS stamp", [uuid.uuid4().hex])


def _m004_bm25_postings(con: Connection) -> None:
    if con.execute(
        "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'fts_main_passages'"
    ).fetchone()[0]:
        build_fulltext(con)


def _m005_machine_stance(con: Connection) -> None:
    con.execute("""
        -- What the machine said of a passage whose stance a reviewer corrected (NULL when the row is the machine's),
        -- so a correction can be taken back without re-running the model.
        ALTER TABLE evidence ADD COLUMN machine_stance VARCHAR;
        ALTER TABLE evidence ADD COLUMN machine_confidence DOUBLE;
        ALTER TABLE evidence ADD COLUMN machine_reason VARCHAR;
    """)
    # Rows corrected before this migration: the machine's judgement is on the newest earlier check of the claim
    # that has the passage uncorrected (a passage is always judged by the model before anyone can correct it).
    con.execute("""
        UPDATE evidence SET machine_stance = m.stance, machine_confidence = m.confidence, machine_reason = m.reason
        FROM (
            SELECT fixed.check_id, fixed.passage_id,
                   arg_max(orig.stance, orig.check_id) AS stance,
                   arg_max(orig.confidence, orig.check_id) AS confidence,
                   arg_max(orig.reason, orig.check_id) AS reason
            FROM evidence fixed
            JOIN checks cf ON cf.check_id = fixed.check_id
            JOIN checks co ON co.claim_id = cf.claim_id AND co.check_id < cf.check_id
            JOIN evidence orig ON orig.check_id = co.check_id AND orig.passage_id = fixed.passage_id
            WHERE fixed.reason LIKE 'corrected by %' AND orig.reason NOT LIKE 'corrected by %'
            GROUP BY fixed.check_id, fixed.passage_id
        ) AS m
        WHERE evidence.check_id = m.check_id AND evidence.passage_id = m.passage_id
    """)


def _m006_discusses(con: Connection) -> None:
    # DuckDB cannot alter a CHECK constraint, so the two tables that hold a stance are rebuilt with the wider one
    # ('discusses': on topic, no side). Rows go through a plain copy and back into a table of the old name: renaming
    # a table that has foreign keys leaves DuckDB's record of them under the old name.
    stances = ", ".join(f"'{s}'" for s in ("agrees", "conflicts", "discusses", "unrelated"))
    con.execute(f"""
        CREATE TEMP TABLE evidence_copy AS SELECT * FROM evidence;
        DROP TABLE evidence;
        CREATE TABLE evidence (
            check_id           BIGINT NOT NULL REFERENCES checks (check_id),
            passage_id         BIGINT NOT NULL REFERENCES passages (passage_id),
            rank               INTEGER NOT NULL,
            retrieval_score    DOUBLE NOT NULL,
            stance             VARCHAR NOT NULL CHECK (stance IN ({stances})),
            confidence         DOUBLE NOT NULL,
            reason             VARCHAR NOT NULL,
            number_check       VARCHAR,
            model_id           VARCHAR NOT NULL,
            after_claim        BOOLEAN NOT NULL,
            machine_stance     VARCHAR CHECK (machine_stance IN ({stances})),
            machine_confidence DOUBLE,
            machine_reason     VARCHAR,
            PRIMARY KEY (check_id, passage_id)
        );
        INSERT INTO evidence SELECT check_id, passage_id, rank, retrieval_score, stance, confidence, reason,
            number_check, model_id, after_claim, machine_stance, machine_confidence, machine_reason FROM evidence_copy;
        DROP TABLE evidence_copy;
        CREATE TEMP TABLE corrections_copy AS SELECT * FROM evidence_corrections;
        DROP TABLE evidence_corrections;
        CREATE TABLE evidence_corrections (
            claim_id     BIGINT NOT NULL REFERENCES claims (claim_id),
            passage_id   BIGINT NOT NULL REFERENCES passages (passage_id),
            stance       VARCHAR NOT NULL CHECK (stance IN ({stances})),
            reviewer     VARCHAR NOT NULL,
            corrected_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            PRIMARY KEY (claim_id, passage_id)
        );
        INSERT INTO evidence_corrections SELECT claim_id, passage_id, stance, reviewer, corrected_at
            FROM corrections_copy;
        DROP TABLE corrections_copy;
    """)


def _m007_search_text(con: Connection) -> None:
    # search_text of passages imported before space-grouped thousands ("3 000"), leading-zero identifiers ("007"),
    # kept number words ("Zero") and dropped zero-width characters: recomputed with to_search_text as it is at this
    # migration (a later change to it needs a migration of its own). One UPDATE joined to an Arrow table of the
    # changed rows: an UPDATE per row takes minutes on 50,000 passages.
    rows = con.execute("SELECT passage_id, text, search_text FROM passages").to_arrow_table()
    ids, new_texts = [], []
    for passage_id, text, old in zip(*(rows.column(c).to_pylist() for c in range(3)), strict=True):
        new = to_search_text(text)
        if new != old:
            ids.append(passage_id)
            new_texts.append(new)
    if not ids:
        return
    con.register(
        "recomputed_search_text",
        pa.table({"passage_id": pa.array(ids, pa.int64()), "search_text": pa.array(new_texts, pa.string())}),
    )
    try:
        con.execute(
            "UPDATE passages SET search_text = r.search_text FROM recomputed_search_text r "
            "WHERE passages.passage_id = r.passage_id"
        )
    finally:
        con.unregister("recomputed_search_text")
    indexed = con.execute(
        "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'fts_main_passages'"
    ).fetchone()[0]
    if indexed:
        build_fulltext(con)


def _m008_article_fetches(con: Connection) -> None:
    # A table of its own rather than columns of articles: DuckDB cannot ALTER a table other tables reference.
    con.execute("""
        CREATE TABLE article_fetches (
            article_id    BIGINT PRIMARY KEY REFERENCES articles (article_id),
            requested_url VARCHAR NOT NULL,   -- as the user or the feed gave it
            final_url     VARCHAR NOT NULL,   -- after redirects
            fetched_at    TIMESTAMP NOT NULL, -- UTC
            content_type  VARCHAR NOT NULL
        );
        CREATE INDEX article_fetches_requested ON article_fetches (requested_url);
    """)


def _m009_second_reviewer(con: Connection) -> None:
    # The desk rule of a second reviewer: status 'awaiting_approval' and who approved a verdict. DuckDB cannot alter
    # a CHECK constraint, so reviews is rebuilt through a plain copy, as in migration 6.
    statuses = ", ".join(f"'{s}'" for s in ("new", "in_review", "awaiting_approval", "verdict_given"))
    verdicts = ", ".join(
        f"'{v}'" for v in ("supported", "refuted", "conflicting", "not_enough_evidence", "unverifiable")
    )
    con.execute(f"""
        CREATE TEMP TABLE reviews_copy AS SELECT * FROM reviews;
        DROP TABLE reviews;
        CREATE TABLE reviews (
            claim_id      BIGINT PRIMARY KEY REFERENCES claims (claim_id),
            status        VARCHAR NOT NULL CHECK (status IN ({statuses})),
            human_verdict VARCHAR CHECK (human_verdict IN ({verdicts})),
            rationale     VARCHAR NOT NULL DEFAULT '',
            reviewer      VARCHAR,                  -- who saved the review last (who gave the verdict)
            version       INTEGER NOT NULL,         -- optimistic lock: a save names the version it edited
            updated_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
            approved_by   VARCHAR                   -- the second reviewer who approved the verdict, if one did
        );
        INSERT INTO reviews SELECT claim_id, status, human_verdict, rationale, reviewer, version, updated_at, NULL
            FROM reviews_copy;
        DROP TABLE reviews_copy;
    """)


def _m010_factchecks_and_matches(con: Connection) -> None:
    con.execute("""
        CREATE SEQUENCE factcheck_ids START 1;
        CREATE TABLE factchecks (
            factcheck_id    BIGINT PRIMARY KEY DEFAULT nextval('factcheck_ids'),
            claim_text      VARCHAR NOT NULL,          -- claimReviewed
            rating          VARCHAR,                   -- reviewRating.alternateName
            rating_value    DOUBLE,                    -- reviewRating.ratingValue on its scale
            best_rating     DOUBLE,
            worst_rating    DOUBLE,
            review_url      VARCHAR,
            publisher       VARCHAR,
            review_date     DATE,
            origin          VARCHAR NOT NULL,          -- the file it was imported from
            fingerprint     VARCHAR NOT NULL UNIQUE,   -- a re-import of the same review is a no-op
            embedding_model VARCHAR,                   -- the claim text's vector, for matching
            embedding       FLOAT[],
            imported_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
        );
        CREATE TABLE claim_matches (
            claim_id    BIGINT NOT NULL REFERENCES claims (claim_id),
            kind        VARCHAR NOT NULL CHECK (kind IN ('factcheck', 'claim')),
            match_id    BIGINT NOT NULL,               -- factcheck_id, or the claim_id of an earlier reviewed claim
            score       DOUBLE NOT NULL,
            reason      VARCHAR NOT NULL,
            decision    VARCHAR NOT NULL CHECK (decision IN ('proposed', 'confirmed', 'rejected')),
            reviewer    VARCHAR,
            decided_at  TIMESTAMP,
            proposed_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
            PRIMARY KEY (claim_id, kind, match_id)
        );
    """)


def _m011_repeat_fetches(con: Connection) -> None:
    # A page fetched from an address no article was fetched from, whose text was imported before (from another
    # address, a redirect to an imported page, a saved file): no new article, but the address is remembered, so a
    # feed linking to it does not fetch it again on every run.
    con.execute("""
        CREATE TABLE repeat_fetches (
            requested_url VARCHAR PRIMARY KEY,  -- as the user or the feed gave it
            final_url     VARCHAR NOT NULL,     -- after redirects
            article_id    BIGINT NOT NULL REFERENCES articles (article_id),  -- the article with that text
            fetched_at    TIMESTAMP NOT NULL    -- UTC, the first such fetch
        );
        CREATE INDEX repeat_fetches_final ON repeat_fetches (final_url);
    """)


# Append only: a migration that has shipped is never edited, a change is a new numbered entry.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "articles, passages, embeddings, claims", _m001_articles_passages_claims),
    (2, "checks and evidence", _m002_checks_and_evidence),
    (3, "reviews, review history, evidence corrections, outlet credibility", _m003_reviews),
    (4, "BM25 postings beside the full-text index", _m004_bm25_postings),
    (5, "the machine's stance kept beside a reviewer's correction", _m005_machine_stance),
    (6, "stance 'discusses' (on topic, no side) in evidence and corrections", _m006_discusses),
    (7, "search text: space-grouped thousands, leading zeros, number words, no zero-width marks", _m007_search_text),
    (8, "where and when articles imported from the web were fetched", _m008_article_fetches),
    (9, "a second reviewer: verdicts awaiting approval, and who approved", _m009_second_reviewer),
    (10, "earlier fact-checks (ClaimReview) and the claims proposed as matching them", _m010_factchecks_and_matches),
    (11, "addresses fetched again whose page was imported before", _m011_repeat_fetches),
]


def migrate(con: Connection) -> list[int]:
    """Apply pending migrations in order, each in its own transaction; return the versions applied."""
    con.execute("""
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,
            applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)
    """)
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, step in MIGRATIONS:
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            step(con)
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied
