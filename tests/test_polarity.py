"""Negation, contrast and opposite predicates between a claim and a passage that repeats its words."""

import pytest

from claims.polarity import (
    find_advocacy,
    find_hedged_figures,
    find_hedged_restatement,
    find_polarity_conflict,
    find_restatement,
)

SEED_CASES = [
    (
        "Obama is willing to unleash US forces on ISIS.",
        "one which however as Obama stated yesterday, he is so far unwilling to unleash on the ISIS army.",
        "far unwilling to unleash",
    ),
    (
        "Senator Graham praised Obama's response to the ISIS insurgency.",
        "Senator Graham for example blasted Obama's response to the ISIS insurgency.",
        "blasted",
    ),
    (
        "The White House wanted to meet Iraqi requests for air strikes.",
        "The White House was looking to strengthen Iraqi forces rather than meet past Iraqi requests for air strikes.",
        "forces rather than meet",
    ),
    (
        "Tony Blair believes the 2003 invasion caused Iraq's implosion.",
        "Blair wrote of his belief that the invasion of Iraq in 2003 was not the cause of the country's implosion.",
        "was not the cause",
    ),
    # a decimal point ends no sentence: the shared words on both sides of "3.5" are read together
    ("Unemployment fell to 3.5 percent in May.", "In May unemployment rose to 3.5 percent.", "rose"),
    # a negation of its own in the claim does not excuse a passage negating another of its words
    ("Iran will send troops but no advisers to Iraq.", "Iran will not send troops to Iraq.", "iran will not send"),
    # what is difficult is not easy
    (
        "Blair said any intervention in Iraq would be easy.",
        "Blair said whatever form of intervention in Iraq we choose is going to be difficult.",
        "difficult",
    ),
    (
        "ISIS is one of the poorest terrorist groups in the world.",
        "ISIS has become the world's richest terrorist organization since it captured Mosul.",
        "richest",
    ),
    # "little" without "a" denies
    (
        "Maliki has worked hard to heal Iraq's sectarian rifts.",
        "Western complaints that Prime Minister Nuri al-Maliki has done little to heal sectarian rifts that have left "
        "many of Iraq's Sunnis aggrieved.",
        "done little to heal",
    ),
    # defending is the opposite of blasting as much as praising is
    (
        "Lindsey Graham defended Obama's handling of the ISIS insurgency.",
        "Senator Graham for example blasted Obama's response to the ISIS insurgency.",
        "blasted",
    ),
    # "successful" and "success" are one word ("success" is no plural of "succes")
    (
        "Iran's help to Assad against AQI in Syria has been very successful.",
        "Iran has already been aiding the Assad government in Syria against AQI's advances there, albeit without much"
        " success.",
        "albeit without much success",
    ),
    # the opposite point of the compass
    (
        "Iraq's main oil export facilities are in the Kurdish north.",
        "Iraq's main oil export facilities are in the largely Shi'ite areas in the south and were \"very, very safe\", "
        "Oil Minister Abdul Kareem Luaibi said.",
        "south",
    ),
]


@pytest.mark.parametrize(("claim", "passage", "words"), SEED_CASES)
def test_the_passage_says_the_claims_words_the_other_way_round(claim, passage, words):
    found = find_polarity_conflict(claim, passage)
    assert found is not None and found.passage_words == words
    assert f"'{words}'" in found.explanation()


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        # the same polarity on both sides
        ("So far Obama has not been willing to act.", "He is so far unwilling to act, Obama said."),
        ("Senator Graham blasted Obama's response.", "Senator Graham for example blasted Obama's response."),
        # one negation on each side, reaching over different words ("point" is in the passage's reach only)
        (
            "At this point Iran has no interest in intervening directly in Iraq.",
            "The force level indicates that Iran is not interested at this point to intervene directly in Iraq.",
        ),
        ("Renewables can't provide baseload power.", "Sun and wind cannot be controlled to provide base-load power."),
        # a passage about something else: its 'not' says nothing of the claim
        ("ISIS seized half a billion dollars in Mosul.", "The army did not say how many soldiers fled."),
        ("Iran sent troops.", "Iran sent troops, officials said."),
        # the passage repeats the claim in one sentence and negates a shared word in another, about something else
        (
            "Michael Brown shooting audio caught on tape.",
            "CNN aired audio said to be caught on tape during the Michael Brown shooting. "
            "A neighbour who filmed the street did not hear a shooting, his lawyer said.",
        ),
        # an opposite predicate in a sentence about something else ("attacked" the plan, not the response)
        (
            "Senator Graham praised Obama's response to the ISIS insurgency.",
            "Senator Graham spoke about Obama's response to the ISIS insurgency on Sunday. Critics attacked the plan.",
        ),
    ],
)
def test_no_conflict_where_the_wording_agrees_or_is_elsewhere(claim, passage):
    assert find_polarity_conflict(claim, passage) is None


@pytest.mark.parametrize(
    ("claim", "passage", "called"),
    [
        (
            "Western powers will intervene militarily in Iraq.",
            "Former British PM Tony Blair has urged Western governments to intervene in Iraq.",
            "urged",
        ),
        ("A ceasefire was agreed in Gaza.", "The UN called for a ceasefire in Gaza on Monday.", "called for"),
        ("Kurdish forces left Kirkuk.", "Baghdad wants Kurdish forces to leave Kirkuk.", "wants"),
        # the claim is itself about the call: the passage asserts it
        ("Tony Blair urged Western governments to intervene in Iraq.", "Tony Blair has urged Western governments to "
         "intervene in Iraq.", None),
        # the claim's words come before the call, which is about something else
        ("A ceasefire was agreed in Gaza.", "A ceasefire was agreed in Gaza, after the UN had called for one.", None),
        # the call is in a sentence about something else
        ("A ceasefire was agreed in Gaza.", "A ceasefire was agreed in Gaza. Aid groups urged donors to give more.",
         None),
        # "evidence suggests" asserts
        ("Antarctica is losing land ice.", "Satellite data suggests that Antarctica is losing land ice.", None),
        # an order to do it is a call for it; telling someone that it happened is not
        ("Iraqi troops stood up to the militants.", "Maliki ordered Iraqi troops to stand up to the militants.",
         "ordered"),
        ("Mortar rounds killed seven people in Tal Afar.", "Officials told CNN that mortar rounds killed seven people "
         "in Tal Afar.", None),
        # a claim that is itself about an instruction is asserted by the passage's call
        ("Sistani's representative told Iraqis not to take up arms.", "A representative of Sistani urged people to "
         "take up arms.", None),
    ],
)  # fmt: skip
def test_a_passage_that_only_reports_a_call_for_the_claims_event_is_found(claim, passage, called):
    assert find_advocacy(claim, passage) == called


FABIUS = "French Foreign Minister Laurent Fabius said international powers must deal with the situation."


@pytest.mark.parametrize(
    ("claim", "passage", "restated"),
    [
        (FABIUS, 'Fears may grow. French Foreign Minister Laurent Fabius said international powers "must deal with '
         'the situation".', 'French Foreign Minister Laurent Fabius said international powers "must deal with the '
         'situation".'),
        ("The rebels have not taken the airport at Orlan.", "Officials said the rebels had not taken the airport at "
         "Orlan by Sunday.", "Officials said the rebels had not taken the airport at Orlan by Sunday."),
        # a hedge in the sentence
        ("Iran will cooperate with Washington to help Baghdad fight back.", "Iran may be willing to cooperate with "
         "Washington in helping Baghdad fight back, an official said.", None),
        # a hedged claim is a report of a report
        ("An audio recording of the shooting has reportedly surfaced.", "An audio recording of the shooting has "
         "reportedly surfaced.", None),
        # the claim's words in another order say something else
        ("Marovia sent troops to help Tessar fight the rebels.", "Tessar sent troops to help Marovia fight the rebels.",
         None),
        # a negation only one side has
        ("The rebels have taken the airport at Orlan.", "The rebels have not taken the airport at Orlan.", None),
        ("Rouhani promised aid to the Maliki government.", "Rouhani said Iran cannot help and did not promise aid to "
         "the Maliki government.", None),
        # a negation of other words of the sentence leaves the claim's words as they are
        ("Rouhani promised aid to the Maliki government.", "Rouhani said his country can't tolerate the growth of a "
         "terrorist group so close to its borders, and promised unspecified aid to the Maliki government.", "Rouhani "
         "said his country can't tolerate the growth of a terrorist group so close to its borders, and promised "
         "unspecified aid to the Maliki government."),
        # a question, and too few words to compare
        ("The rebels have taken the airport at Orlan.", "Have the rebels taken the airport at Orlan?", None),
        ("Rebels took Orlan.", "Rebels took Orlan on Monday.", None),
    ],
)  # fmt: skip
def test_a_plain_sentence_that_says_the_claim_in_its_words_and_order_is_a_restatement(claim, passage, restated):
    assert find_restatement(claim, passage) == restated


def test_a_little_is_some():
    claim = "The army made progress against the rebels near Samarra."
    assert find_polarity_conflict(claim, "The army made a little progress against the rebels near Samarra.") is None


ALLIES = "Iran will increase its support for its struggling allies."


@pytest.mark.parametrize(
    ("claim", "passage", "hedge"),
    [
        (ALLIES, "As it grows, Iran is likely to try to increase support for its struggling allies.", "likely"),
        # a plain restatement elsewhere in the passage asserts it
        (ALLIES, "Iran is likely to try to increase support for its struggling allies. Iran will increase support for "
         "its struggling allies, he said.", None),
        # a sentence that reports it ("according to") asserts it, whichever sentence comes first
        (ALLIES, "Iran may increase support for its struggling allies. According to officials Iran will increase "
         "support for its struggling allies.", None),
        (ALLIES, "According to officials Iran will increase support for its struggling allies. Iran may increase "
         "support for its struggling allies.", None),
        (ALLIES, "Iran may increase support for its struggling allies. Iran could increase support for its "
         "struggling allies.", "may"),
        # "the possibility" frames what Tehran is open to; it does not hedge that it is open
        ("Tehran is open to working with the United States to support Baghdad.", "Tehran is open to the possibility "
         "of working with the United States to support Baghdad, the official said.", None),
        # the words in another order are no restatement, hedged or not
        (ALLIES, "Its struggling allies may increase support for Iran.", None),
    ],
)  # fmt: skip
def test_a_sentence_that_says_the_claim_only_as_a_possibility_is_found(claim, passage, hedge):
    assert find_hedged_restatement(claim, passage) == hedge


@pytest.mark.parametrize(
    ("passage", "figures", "hedge"),
    [
        ("HBO is reportedly in talks with Apple. The service could cost $15 per month.", ["$15"], "could"),
        ("HBO is reportedly in talks with Apple, for $15 per month.", ["$15"], "reportedly"),
        # the hedge of another sentence, or after the figure, is about something else
        ("HBO could launch in April. The service costs $15 per month.", ["$15"], None),
        ("The extremists are now just 30 miles away from Baghdad, although Iraqi forces may have halted the advance.",
         ["30 miles"], None),
        # every figure must be hedged
        ("Reportedly 11 shots were fired. Officials counted eleven shots.", ["11 shots", "eleven shots"], None),
        ("Reportedly 11 shots were fired; it may be 12 shots.", ["11 shots", "12 shots"], "reportedly"),
        ("Officials said 11 shots were fired.", ["11"], None),
        ("No figure here.", [], None),
    ],
)  # fmt: skip
def test_a_figure_said_only_as_a_possibility_or_rumour_is_found(passage, figures, hedge):
    positions = [passage.index(figure) for figure in figures]
    assert find_hedged_figures(passage, positions) == hedge
