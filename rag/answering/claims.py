"""What shape of answer a question asks for, and a yes/no question cut into the claims it makes.

A reader's question is not always "who/what/when". It may ask for a verdict ("Did The Verge report
that Apple defended the deal, while TechCrunch covered the lawsuit?"), an order in time ("Was the
recall reported before the fine?"), or a summary ("What did The Telegraph report about the talks?").
Each gets its own answer shape (rag.answering.verdicts, rag.answering.brief); everything else is a fact question
answered from its best evidence sentence (rag.answering.answer).

The split is by the grammar of the question, not by any one dataset's wording: a yes/no question opens
with an auxiliary verb (or has one right after a leading "After ..., " / "Between ... and ..., "
phrase); its claims are the clauses joined by "while", "whereas", "but", "; " or "compared to", each
tied to the outlets it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.ingest.metadata import find_date
from rag.retrieval.constraints import aliases, find_publishers

AUX = r"(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|might|may|must|isn't|aren't|" \
      r"wasn't|weren't|doesn't|don't|didn't|hasn't|haven't)"
# A leading phrase that sets the scene before the question proper: "After X reported Y, did ...".
LEAD = r"(?:between|after|before|following|since|given|considering|in|on|according to|when|once|with|from|during)"
CLAUSE_BREAK = re.compile(
    r",?\s+(?:while|whereas|but|and yet|as opposed to|in contrast to|compared (?:to|with)|similar to|unlike"
    r"|just as|as well as|whilst)\s+|;\s*|,\s+and\s+(?=(?:did|does|do|is|was|were|has|have|had)\b)",
    re.IGNORECASE)
# What the reader asks about the sides: do they agree, or do they differ?
AGREE = re.compile(r"\b(consisten\w*|same|similar\w*|agree\w*|align\w*|maintain\w*|remain\w*|stay\w*|both|"
                   r"corroborat\w*|confirm\w*|echo\w*|in line)\b", re.IGNORECASE)
DIFFER = re.compile(r"\b(chang\w*|differ\w*|inconsisten\w*|contradict\w*|disagree\w*|conflict\w*|shift\w*|"
                    r"contrast\w*|diverg\w*|dissimilar|opposite|reversal|evolv\w*)\b", re.IGNORECASE)
NEGATION = re.compile(r"\b(not|no|never|without|neither|nor|fail(?:s|ed)? to|lack\w*|den(?:y|ies|ied)|"
                      r"refus\w+|absence of)\b|n't\b", re.IGNORECASE)
# A negation just before the relation word turns it round: "no change", "not consistent", "lack of consistency".
NEGATED_BEFORE = re.compile(r"\b(?:no|not|never|without|lack of|absence of)\s+(?:\w+\s+)?$", re.IGNORECASE)
# "Was X reported before Y?": the question is about the order of two reports, which their dates decide.
ORDER_ASKED = re.compile(r"^\s*(?:was|were|did|is|has|had)\b[^,]{0,120}?\b(?:reported|published|announced|"
                         r"covered|written|out|report|publish|announce|cover)(?:\s+\S+){0,5}?\s+"
                         r"(?P<word>before|after|earlier than|later than|prior to|sooner than)\b", re.IGNORECASE)
# Scaffolding around a claim that only says who said it: removed before the claim is searched for.
REPORTING = re.compile(
    r"\b(?:the\s+)?(?:articles?|reports?|story|stories|piece|coverage|news|outlets?|sources?)\b"
    r"(?:\s+(?:from|by|in|on|of|published)\b)?|\b(?:suggest|report|claim|state|indicate|impl(?:y|ie)|mention|say|"
    r"said|discuss|portray|highlight|describe|note|argue|assert|attribute|focus|emphasi[sz]e|propose)\w*\b"
    r"(?:\s+that)?", re.IGNORECASE)


# An outlet named by its site ("CBSSports.com" for the alias "cbssports"): the domain goes with the name.
DOMAIN = r"(?:\.(?:com|co\.uk|org|net|news))?"


def outlet_pattern(alias: str) -> str:
    """How a question writes an outlet's alias: "the TechCrunch", "CBSSports.com", "Fortune's"."""
    return rf"(?:the\s+)?{re.escape(alias)}{DOMAIN}(?:['’]s?)?(?![\w-])"


@dataclass
class Claim:
    """One clause of a yes/no question, with the outlets it names (stored publisher names)."""

    text: str  # the clause as the reader wrote it
    query: str  # the clause without scaffolding ("Does the article from X suggest that ..."), for search
    publishers: list[str] = field(default_factory=list)
    negated: bool = False  # "fail to mention", "not the leader": the clause asserts an absence
    date: str = ""  # ISO date the clause gives for its report ("published on October 6, 2023")


def shape(question: str) -> str:
    """'yesno', 'brief' (an overview: "What did X report about Y?", "What happened with Y?"), or 'fact'."""
    q = " ".join(question.split())
    if is_yes_no(q):
        return "yesno"
    if re.match(r"(what|tell me|summari[sz]e|give me|any news)\b", q, re.IGNORECASE) and re.search(
            r"^(what (did|does|do|has|have) .{2,60}? (say|report|write|cover|publish)\w*( about| on| regarding)?\b"
            r"|what (happened|is happening|has happened|'s happening|went on)\b"
            r"|what('s| is) (the )?(latest|news|story|situation)\b"
            r"|tell me (about|what)|summari[sz]e|give me (an? )?(overview|summary|rundown)|any news)",
            q, re.IGNORECASE):
        return "brief"
    return "fact"


def is_yes_no(question: str) -> bool:
    q = " ".join(question.split()).strip()
    if re.search(r"\b(\w+) or (\w+)\W*$", q) and not re.search(r"\bor not\W*$", q) and not relation_choice(q):
        return False  # "Was it Vienna or Moscow?" offers a choice: answered by the choice, not yes/no
    if re.match(rf"{AUX}\b", q, re.IGNORECASE):
        return True
    if re.match(rf"{LEAD}\b", q, re.IGNORECASE):
        # the main clause after a scene-setting phrase: "Between A and B, was there ...?"
        main = re.search(rf",\s+(?:and\s+)?({AUX}|what|which|who|whom|whose|when|where|why|how)\b", q, re.IGNORECASE)
        return bool(main) and re.fullmatch(AUX, main.group(1), re.IGNORECASE) is not None
    return False


def relation_choice(question: str) -> tuple[str, str] | None:
    """("consistent", "inconsistent") for "... consistent or inconsistent?": a choice between the sides
    agreeing and differing, answered like the yes/no question "... consistent?" but in the reader's words
    (agreeing option first)."""
    for m in re.finditer(r"\b(\w+)\s+or\s+(\w+)\b", question):
        a, b = m.group(1).lower(), m.group(2).lower()
        if AGREE.fullmatch(a) and DIFFER.fullmatch(b):
            return a, b
        if DIFFER.fullmatch(a) and AGREE.fullmatch(b):
            return b, a
    return None


# "on the same day", "by the same source", "the same case": "same" that picks out a report or what it is
# about, not the relation asked ("was there disagreement ... on the same case?" asks whether they differ).
SAME_REFERENCE = re.compile(r"\b(?:on|by|from|of|in|for|at|about|regarding|covering|concerning)\s+the\s+same\s+"
                            r"(?:day|date|week|month|year|evening|morning|source|outlet|publication|publisher|"
                            r"newspaper|site|case|trial|event|match|game|topic|subject|story|issue)\b", re.IGNORECASE)


def asks(question: str) -> str:
    """'differ' when the question asks whether the sides differ ("was there a change", "inconsistent"),
    'agree' when it asks whether they agree ("consistent", "the same", "maintain"), else ''. When both
    words occur, the one nearest the question's main verb (the first) wins; a "same" that only picks out
    a report ("on the same day") is no relation word."""
    refs = [m.span() for m in SAME_REFERENCE.finditer(question)]
    d = DIFFER.search(question)
    a = next((m for m in AGREE.finditer(question) if not any(x <= m.start() < y for x, y in refs)), None)
    if d and (not a or d.start() < a.start()):
        found, relation = d, "differ"
    elif a:
        found, relation = a, "agree"
    else:
        return ""
    # "Was there no change ...?" asks whether the sides agree; "a lack of consistency" whether they differ.
    if NEGATED_BEFORE.search(question[max(0, found.start() - 25): found.start()]):
        return "agree" if relation == "differ" else "differ"
    return relation


def split_claims(question: str, publishers: list[str]) -> list[Claim]:
    """The clauses of a yes/no question, each with the outlets it names and the date it gives.

    Clauses are cut at "while", "whereas", "compared to", "; " ..., and a clause that names a second
    outlet report ("the Fortune article ..., aligning with the TechCrunch article's claim that ...",
    "between the TechCrunch report of 6 October and the TechCrunch report of 7 October") is cut before
    that mention. The question proper after a leading phrase ("..., was there consistency in X?") is
    the subject of every side, so it joins each side's search text."""
    q = " ".join(question.split()).rstrip("?!. ")
    main = _main_clause(q) or _topic_before_sides(q, publishers)
    order = ORDER_ASKED.search(q)
    if order:  # "Was X reported before Y?": X and Y are the two sides
        parts = [q[: order.start("word")], q[order.end("word"):]]
    else:
        parts = [p.strip(" ,") for p in CLAUSE_BREAK.split(q) if p and len(p.split()) >= 3] or [q]
    parts = [side for p in parts for side in _cut_at_mentions(p, publishers)]
    claims = []
    for part in parts:
        named = find_publishers(part, publishers)
        query = search_text(part, named)
        if main and main not in part:
            query = f"{query} {search_text(main, find_publishers(main, publishers))}"
        hit = find_date(part)
        claims.append(Claim(part, query, named, bool(NEGATION.search(_strip_lead(part))), hit[0] if hit else ""))
    return _merge_unnamed(claims)


def _main_clause(q: str) -> str:
    """"was there consistency in X" of "Between A and B, was there consistency in X" ('' if none)."""
    if not re.match(rf"{LEAD}\b", q, re.IGNORECASE):
        return ""
    found = list(re.finditer(rf",\s+(?:and\s+)?{AUX}\b", q, re.IGNORECASE))
    return q[found[-1].start():].strip(" ,") if found else ""


def _topic_before_sides(q: str, publishers: list[str]) -> str:
    """"the portrayal of X" of "Was there inconsistency in the portrayal of X between the A report and
    the B report?": what comes before the first outlet named, when the question names two reports."""
    spans = mentions(q, publishers)
    if len(spans) < 2:
        return ""
    head = re.sub(r"\s+(?:between|in|by|from|of)(?:\s+the)?\s*['‘\"“]?$", "", q[: spans[0][0]], flags=re.IGNORECASE)
    return head if len(head.split()) >= 5 else ""


def mentions(text: str, publishers: list[str]) -> list[tuple[int, int]]:
    """Spans where the text names one of the publishers (any of its aliases), in order."""
    spans = []
    names = {a for name in find_publishers(text, publishers) for a in aliases(name)}
    for alias in sorted(names, key=len, reverse=True):
        pattern = rf"(?<![\w-])['‘\"“]?{outlet_pattern(alias)}"
        for m in re.finditer(pattern, text, re.IGNORECASE):
            if not any(a < m.end() and m.start() < b for a, b in spans):
                spans.append(m.span())
    return sorted(spans)


def _cut_at_mentions(part: str, publishers: list[str]) -> list[str]:
    spans = mentions(part, publishers)
    cuts = []
    for (_, prev_end), (start, _) in zip(spans, spans[1:], strict=False):
        between = part[prev_end:start]
        # cut at the last comma, or at a joining word, between the two mentions
        joints = list(re.finditer(r",\s+|\s+(?:and|with|to|as|than|by|from|in|of)\s+(?=(?:the\s+|['‘\"“])*$)",
                                  between))
        joint = joints[-1] if joints else None
        if joint is not None and len(part[cuts[-1] if cuts else 0: prev_end + joint.start()].split()) >= 3:
            cuts.append(prev_end + joint.start())
    pieces, last = [], 0
    for c in cuts:
        pieces.append(part[last:c].strip(" ,"))
        last = c
    pieces.append(part[last:].strip(" ,"))
    pieces = [re.sub(r"^(?:and|with|to|as|than|by|from|in|of)\s+", "", p, flags=re.IGNORECASE) for p in pieces]
    return [p for p in pieces if len(p.split()) >= 2]


def _merge_unnamed(claims: list[Claim]) -> list[Claim]:
    """A short clause that names no outlet ("indicating a difference in ...") qualifies the clause before
    it rather than making a claim of its own."""
    out: list[Claim] = []
    for c in claims:
        if out and not c.publishers and len(c.query.split()) < 4:
            prev = out[-1]
            out[-1] = Claim(f"{prev.text}, {c.text}", prev.query, prev.publishers, prev.negated, prev.date)
        else:
            out.append(c)
    return out


def _strip_lead(text: str) -> str:
    return re.sub(rf"^{AUX}\s+", "", text, flags=re.IGNORECASE)


def search_text(clause: str, named: list[str]) -> str:
    """The clause as a search query: without the auxiliary, the outlet names and the reporting words."""
    text = _strip_lead(clause)
    for alias in sorted({a for name in named for a in aliases(name)}, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){outlet_pattern(alias)}", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"['‘’\"“”]", " ", text)
    text = REPORTING.sub(" ", text)
    text = re.sub(r"\b(the|a|an)\s+(?=(the|a|an)\b)", "", text, flags=re.IGNORECASE)
    out = " ".join(text.split()).strip(" ,")
    return out if len(out.split()) >= 2 else _strip_lead(clause)
