"""Where a claim puts its event, and a passage that leaves that place out, shares nothing else, or says elsewhere."""

import pytest

from claims.locations import find_place_swap, missing_place, only_the_place

PARADE = "In Mosul, ISIL staged a parade of American Humvee patrol vehicles seized from a collapsing Iraqi army."
SHRINE = "They would act at the behest of Imam Hussein, who is buried in a shrine in Kerbala."


@pytest.mark.parametrize(
    ("claim", "passage", "places"),
    [
        # the same event said to happen elsewhere ("Humvees" and "Humvee" are one word)
        ("ISIS staged its parade of captured Humvees in Tikrit.", PARADE, ("tikrit", "mosul")),
        ("Imam Hussein is buried in a shrine in Najaf.", SHRINE, ("najaf", "kerbala")),
        # the claim's place in another spelling
        ("Imam Hussein is buried in a shrine in Karbala.", SHRINE, None),
        # a place the event is done to is no place it happened in
        ("ISIS has captured the city of Karbala.", "ISIS captured the town of Mosul in Iraq last week.", None),
        # title case marks no names, and a people's adjective is no place
        ("Shots Heard In Alleged Brown Shooting Recording", "Shots were heard in Ferguson, a recording shows.", None),
        ("An actor was drugged in Russian bar.", "The actor said he was drugged in Moscow.", None),
        # a sentence about something else
        ("ISIS staged its parade of captured Humvees in Tikrit.", "Fighting went on in Mosul.", None),
        # a place named before most of the claim's words says where its subject is from
        ("The top UN official in Iraq told the Security Council that Baghdad was in immediate danger.", "Security "
         "officials in Baghdad and the town of Tal Afar told CNN that mortar rounds landed near Mosul.", None),
    ],
)  # fmt: skip
def test_a_passage_that_puts_the_claims_event_in_another_place_is_found(claim, passage, places):
    found = find_place_swap(claim, passage)
    if places is None:
        assert found is None, found
    else:
        assert (found.claim_words, found.passage_words) == places


def test_the_claims_place_missing_from_a_passage_or_all_it_shares_with_the_claim():
    claim = "ISIS has captured the city of Karbala."
    assert missing_place(claim, "Islamist militants have captured the country's second biggest city Mosul.") == (
        "karbala"
    )
    assert missing_place(claim, "Fighters were seen near Kerbala on Sunday.") is None  # another spelling
    sites = "The Iranians want to protect the Shia holy sites at Karbala and An Najaf."
    assert only_the_place(claim, sites) == "karbala"
    assert only_the_place(claim, "ISIS fighters are said to have entered Karbala.") is None  # shares "ISIS"
    assert only_the_place("ISIS fighters captured towns near Baghdad.", sites) is None  # the claim's place is not named
