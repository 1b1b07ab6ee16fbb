"""Follow-up rewriting: pure function, checked on the conversation the UI issue names."""

from __future__ import annotations

from rag.retrieval.followup import rewrite

LAVROV = [("Who told Rex Tillerson that North Korea is open to direct talks?",
           "According to The Telegraph: “North Korea is open to coming to the table for direct talks with the US "
           "over its nuclear ambitions, Sergei Lavrov, the Russian foreign minister, told his American counterpart "
           "Rex Tillerson on Thursday.” [1]")]


def test_pronoun_becomes_the_previous_answer_name():
    assert rewrite("When did he say it?", LAVROV) == (
        "When did Sergei Lavrov say it? (context: told Rex Tillerson that North Korea is open to direct talks)")
    assert rewrite("What did his ministry say?", LAVROV) == "What did Sergei Lavrov's ministry say?"
    assert rewrite("Where did he arrive on Tuesday?", [("Who is North Korea's ambassador to the UN?",
                                                        "Ja Song Nam, according to UPI [1].")]) == (
        "Where did Ja Song Nam arrive on Tuesday?")


def test_standalone_questions_are_left_alone():
    for q in ("How many fishing boats had returned to their moorings by noon?",
              "Who is the US special representative for North Korea policy?"):
        assert rewrite(q, LAVROV) == q
    assert rewrite("When did he say it?", []) == "When did he say it?"


def test_bare_follow_up_gets_the_topic():
    assert rewrite("Why?", LAVROV).endswith("(context: told Rex Tillerson that North Korea is open to direct talks)")


def test_names_ending_in_s_keep_their_s_and_possessives_go():
    turn = [("Who heads the United Nations?", "Antonio Guterres leads the body, UPI reported [1].")]
    assert rewrite("What did he say?", turn) == "What did Antonio Guterres say?"
    turn = [("Who spoke for the ministry?", "Marcus Rashford’s agent spoke first [1].")]
    assert rewrite("What did he say?", turn).startswith("What did Marcus Rashford say?")
