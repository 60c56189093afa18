from hypothesis import given
from hypothesis import strategies as st

from index.segmenting import Section, build_passages, split_sentences


def test_sentences_keep_offsets_and_survive_abbreviations():
    text = "Samarra is about 60 miles from Baghdad. U.S. Vice President Joe Biden called Mr. Maliki at 3 p.m. today."
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "Samarra is about 60 miles from Baghdad.",
        "U.S. Vice President Joe Biden called Mr. Maliki at 3 p.m. today.",
    ]


def test_lines_are_paragraphs_and_headlines_stand_alone():
    text = "Jihadists Seize 2 More Towns\n\nThe rebels advanced. They took Samarra."
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Jihadists Seize 2 More Towns",
        "The rebels advanced.",
        "They took Samarra.",
    ]


def test_passages_pack_sentences_within_a_paragraph_only():
    text = "One two three four. Five six seven eight.\nNine ten eleven twelve."
    passages = build_passages(text, [Section(0, len(text))], max_words=60)
    assert [text[p.start : p.end] for p in passages] == [
        "One two three four. Five six seven eight.",
        "Nine ten eleven twelve.",
    ]


def test_long_sentences_are_cut_and_word_limit_holds():
    sentence = " ".join(f"word{i}" for i in range(200)) + "."
    passages = build_passages(sentence, [Section(0, len(sentence))], max_words=60)
    assert len(passages) == 3
    assert all(len(sentence[p.start : p.end].split()) <= 80 for p in passages)
    assert " ".join(sentence[p.start : p.end] for p in passages) == sentence


def test_passages_without_letters_are_dropped_and_sections_keep_kind():
    text = "Real sentence here.\n----\n12345\nA comment."
    sections = [Section(0, 31, "body"), Section(31, len(text), "comment", "Ann")]
    passages = build_passages(text, sections)
    assert [(text[p.start : p.end], p.kind, p.author) for p in passages] == [
        ("Real sentence here.", "body", None),
        ("A comment.", "comment", "Ann"),
    ]


@given(st.text(alphabet=st.sampled_from("ab .\n?!"), max_size=300))
def test_passages_are_slices_of_the_text_in_order(text):
    passages = build_passages(text, [Section(0, len(text))], max_words=5)
    ends = [p.start for p in passages]
    assert ends == sorted(ends)
    for p in passages:
        assert text[p.start : p.end].strip() == text[p.start : p.end]
        assert p.end > p.start


@given(st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=8))
def test_paragraphs_keep_every_word_and_split_only_at_sentence_ends(lengths):
    sentences = [" ".join(f"w{i}x{j}" for j in range(n)) + "." for i, n in enumerate(lengths)]
    text = " ".join(sentences)
    passages = [text[p.start : p.end] for p in build_passages(text, [Section(0, len(text))], max_words=40)]
    assert " ".join(passages) == text
    assert all(len(p.split()) <= 40 for p in passages)
    assert (len(passages) == 1) == (sum(lengths) <= 40)
    assert all(p.endswith(".") for p in passages)


def test_sentences_a_scrape_ran_together_are_split_but_addresses_and_initials_are_not():
    text = (
        "Intervening is better than the alternative.You do not need to engage. "
        "The U.S.Army wrote to Paul.Bond@THR.com from St.Louis at 5 p.m.Reporters waited."
    )
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Intervening is better than the alternative.",
        "You do not need to engage.",
        "The U.S.Army wrote to Paul.Bond@THR.com from St.Louis at 5 p.m.Reporters waited.",
    ]
