import pytest

from workbench.fulltext import to_search_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4,523,000 people", "4523000 people"),
        ("$500m was seized", "dollars 500000000 was seized"),
        ("half a billion dollars", "500000000 dollars"),
        ("$500 million", "dollars 500000000"),
        ("US$2bn", "dollars 2000000000"),
        ("thirty miles from Baghdad", "30 miles from Baghdad"),
        ("1.5 million troops", "1500000 troops"),
        ("a 3.7 magnitude quake", "a 3p7 magnitude quake"),
        ("no numbers at all", "no numbers at all"),
    ],
)
def test_numbers_become_single_tokens(text, expected):
    assert to_search_text(text) == expected
