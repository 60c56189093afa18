"""Claims: normalisation, near-duplicates, manual add, CSV import and the check-worthiness extractor."""

import re

import pytest

from claims.extraction import rank_check_worthy, score_sentence
from claims.normalise import is_near_duplicate, normalise_claim
from workbench import claimbook
from workbench.errors import ClaimError, IngestError
from workbench.ingest import import_files
from workbench.storage import open_store


def test_normalised_text_folds_case_punctuation_and_number_spelling():
    assert normalise_claim("ISIS seized half a billion dollars in Mosul.") == "isis seized 500000000 usd in mosul"
    assert normalise_claim("ISIS seized $500 million in Mosul") == "isis seized 500000000 usd in mosul"
    assert normalise_claim("Iran sent 2,000 troops") == normalise_claim("iran sent 2000 TROOPS!")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Iran sent 2,000 troops to Iraq", "Iran has sent 2000 troops to Iraq", True),
        ("ISIS is 30 miles from Baghdad", "ISIS is thirty miles from Baghdad.", True),
        ("Iran sent 2000 troops to Iraq", "Iran sent 3000 troops to Iraq", False),
        ("Iran sent troops to Iraq", "Iran did not send troops to Iraq", False),
        ("ISIS is 30 miles from Baghdad", "ISIS seized 30 towns near Baghdad", False),
    ],
)
def test_near_duplicates_need_equal_numbers_and_words(a, b, same):
    assert is_near_duplicate(a, b) is same


def test_add_claim_stores_once_and_reports_the_duplicate(store_settings):
    with open_store(store_settings.db_path) as store:
        first = claimbook.add_claim(store, "  ISIS seized half a billion dollars in Mosul ", claim_date="2014-06-15")
        again = claimbook.add_claim(store, "ISIS seized $500 million in Mosul.")
        other = claimbook.add_claim(store, "ISIS seized $50 million in Mosul")
        stored = store.list_claims()
    assert first.created and not again.created and other.created
    assert again.duplicate_of == first.claim_id
    assert [(c.text, str(c.claim_date)) for c in stored] == [
        ("ISIS seized half a billion dollars in Mosul", "2014-06-15"),
        ("ISIS seized $50 million in Mosul", "None"),
    ]


@pytest.mark.parametrize(
    ("text", "date", "message"),
    [
        ("   ", None, "the claim text is empty"),
        ("x" * 1001, None, "at most 1000"),
        ("Fine", "15/06/2014", "YYYY-MM-DD"),
    ],
)
def test_bad_claims_are_refused(store_settings, text, date, message):
    with open_store(store_settings.db_path) as store, pytest.raises(ClaimError, match=message):
        claimbook.add_claim(store, text, claim_date=date)


def test_claims_csv_import_with_dates_ids_and_duplicates(store_settings, tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text(
        "id,claim,date\nC1,Iran sent 2000 troops,2014-06-14\nC2,ISIS is 30 miles from Baghdad,\n"
        'C3,"Iran sent 2,000 troops.",\n'
    )
    with open_store(store_settings.db_path) as store:
        results = claimbook.import_claims_csv(store, path)
        stored = store.list_claims()
    assert [r.created for r in results] == [True, True, False]
    assert [(c.external_id, c.origin, str(c.claim_date)) for c in stored] == [
        ("C1", "csv", "2014-06-14"),
        ("C2", "csv", "None"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("text,date\nA claim,2014-01-01\n", "no 'claim' column (columns: text, date)"),
        ("claim,date\nGood claim here,2014-01-01\nBad date claim,yesterday\n", "line 3: date 'yesterday' is not"),
        ('claim\n"unterminated\n', "malformed CSV"),
        ("claim,date\n", "no claims in the file"),
        ("claim\n" + "x" * 1200 + "\n", "line 2: the claim is 1200 characters long"),
        ("id,claim\nX1,Iran sent 2000 troops\nX1,Rebels are 30 miles from Orlan\n", "line 3: id 'X1' was given "
                                                                                       "already (line 2)"),
    ],
)  # fmt: skip
def test_bad_claims_csv_stores_nothing(store_settings, tmp_path, content, message):
    path = tmp_path / "claims.csv"
    path.write_text(content)
    with open_store(store_settings.db_path) as store:
        with pytest.raises(IngestError, match=re.escape(message)) as caught:
            claimbook.import_claims_csv(store, path)
        assert store.list_claims() == []
    assert str(caught.value).startswith(f"{path}: ")


def test_a_desks_claim_id_names_one_claim(store_settings, tmp_path):
    """An id another stored claim has is refused; the same claim imported again keeps its id."""
    first, again, other = tmp_path / "first.csv", tmp_path / "again.csv", tmp_path / "other.csv"
    first.write_text("id,claim\nD1,Iran sent 2000 troops\n")
    again.write_text('id,claim\nD1,"Iran sent 2,000 troops."\n')
    other.write_text("id,claim\nD2,ISIS is 30 miles from Baghdad\nD1,Rebels are 30 miles from Orlan\n")
    with open_store(store_settings.db_path) as store:
        (added,) = claimbook.import_claims_csv(store, first)
        assert [r.created for r in claimbook.import_claims_csv(store, again)] == [False]
        with pytest.raises(IngestError) as caught:
            claimbook.import_claims_csv(store, other)
        stored = store.list_claims()
    assert str(caught.value) == f"{other}: line 3: id 'D1' is already claim {added.claim_id}'s"
    assert [(c.external_id, c.text) for c in stored] == [("D1", "Iran sent 2000 troops")]


def test_a_folder_given_as_the_claims_csv(store_settings, tmp_path):
    with open_store(store_settings.db_path) as store, pytest.raises(IngestError) as caught:
        claimbook.import_claims_csv(store, tmp_path)
    assert str(caught.value) == f"{tmp_path}: this is a folder; name the claims CSV file"


def test_check_worthy_sentences_rank_figures_and_attribution_first():
    sentences = [
        "What a time to be alive?",
        "I think this is probably the beginning of the end.",
        "The Guardian reported that 2000 Iranian troops were sent to Iraq.",
        "Iraq has a long history.",
        "Officials said three mortar rounds landed in al-Khalis.",
    ]
    ranked = rank_check_worthy(sentences)
    assert [c.index for c in ranked] == [2, 4]
    assert ranked[0].reasons[0] == "figure: 2000 Iranian troops"
    score, reasons = score_sentence("In 2014 the war began in the north of the country.")
    assert not any(r.startswith("figure") for r in reasons) and score < 2


def test_extraction_uses_bodies_never_comments(store_settings, hashing, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(
        "Headline about Tessar\n\nOfficials said rebels seized 40 trucks in Tessar on Friday.\n\n"
        "reader1's picture\n\nI heard they seized 400 trucks and killed 90 people, officials said.\n"
    )
    import_files([page], store_settings, hashing)
    with open_store(store_settings.db_path) as store:
        proposals = claimbook.propose_claims(claimbook.body_sentences(store))
        saved = claimbook.save_proposals(store, proposals)
        claim = store.get_claim(saved[0].claim_id)
    assert [p.text for p in proposals] == ["Officials said rebels seized 40 trucks in Tessar on Friday."]
    assert claim.origin == "extracted" and claim.source_article_id == proposals[0].article_id
