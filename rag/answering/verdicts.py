"""Yes/no answers from evidence: each claim of the question judged against the outlet it names.

For every claim (rag.answering.claims) and every outlet it names, the best evidence sentence is looked for in
that outlet's own articles (on the date the claim gives, when it gives one). The claim is then:

- **not found** when the outlet has no article on it at all: the answer abstains rather than guess;
- **contradicted** when the best sentence says the opposite (one negates what the other asserts, or
  gives another figure for the same thing);
- **supported** when the best sentence is close enough to the claim (score >= SUPPORTED);
- **unsupported** otherwise: the outlet has articles on the subject, but none says this.

A question that asks whether sources *agree* or *differ* ("was the coverage consistent?", "did the
reporting change?") is answered from what the sides say: they differ only when a contradiction is
found between them (or within the one outlet's reports, when the question's sides are one outlet's
coverage); otherwise they agree. Every other yes/no question is "Yes" when all its claims
are supported and "No" when one is contradicted or unsupported. The answer cites the evidence of every
claim and states the dates it compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.answering.claims import NEGATION, ORDER_ASKED, Claim, asks, split_claims
from rag.answering.evidence import Evidence, about, question_names, select
from rag.retrieval.constraints import by_outlet
from rag.retrieval.filters import Filters
from rag.text import near, terms

SUPPORTED = 0.55  # claim-to-sentence evidence score (0.65 cosine + 0.35 term coverage) that counts as saying it
PER_CLAIM = 6  # passages searched per claim and outlet


@dataclass
class Finding:
    claim: Claim
    outlet: list[str]  # the stored publisher names of the outlet searched ([] = every outlet)
    status: str  # supported | contradicted | unsupported | not_found
    evidence: Evidence | None = None
    score: float = 0.0


@dataclass
class YesNo:
    verdict: str  # "Yes" | "No" | "" (abstain)
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""


def gather(pipe, claim: Claim) -> list[Finding]:
    """The best evidence for the claim in each outlet it names (or in all, if it names none)."""
    groups = by_outlet(claim.publishers) or [[]]
    vector = pipe.embedder.embed_query(claim.query)
    out = []
    for group in groups:
        passages = []
        if claim.date:  # "the TechCrunch report published on October 6": that day's articles first
            passages = pipe.retriever().search(claim.query, PER_CLAIM, Filters(group, claim.date, claim.date), vector)
        if not passages:
            passages = pipe.retriever().search(claim.query, PER_CLAIM, Filters(group), vector)
        if group:
            passages = [p for p in passages if p.publisher in group]
        evidence = select(claim.query, passages, pipe.embedder) if passages else []
        if not evidence:
            out.append(Finding(claim, group, "not_found"))
            continue
        best = evidence[0]
        out.append(Finding(claim, group, _status(claim, best), best, best.score))
    return out


def _status(claim: Claim, best: Evidence) -> str:
    if best.score < SUPPORTED or missing_names(claim, best):
        return "unsupported"
    if contradicts(claim.query, claim.negated, best.text):
        return "contradicted"
    return "supported"


def missing_names(claim: Claim, best: Evidence) -> bool:
    """The claim names someone or something that its evidence never mentions: "Was it Kim Jong Un who
    spoke in Beijing?" is not supported by a sentence about an ambassador, however close its words.
    Each name of the claim (a run of capitalised words) needs one of its words in the sentence itself
    or its article's title; the outlets the claim names are not part of it."""
    return not about(best, question_names(claim.query, claim.publishers), context_chars=0)


def contradicts(claim: str, claim_negated: bool, sentence: str) -> bool:
    """The sentence says the opposite of the claim. A claim of absence ("fails to mention X", "is not
    the leader") is contradicted by on-topic evidence that asserts it without a negation; an affirmative
    claim by evidence that covers most of its words and negates them ("X was charged" against "X was
    not charged")."""
    negated = bool(NEGATION.search(sentence))
    if claim_negated:
        return not negated
    c, s = set(terms(claim)), set(terms(sentence))
    return bool(c) and sum(near(t, s) for t in c) >= 0.6 * len(c) and negated


def decide(question: str, findings: list[Finding]) -> YesNo:
    missing = [f for f in findings if f.status == "not_found" and f.outlet]
    if missing:
        names = ", ".join(f.outlet[0] for f in missing)
        return YesNo("", findings, f"no article from {names} on this")
    order = in_order(question, findings)
    if order is not None:
        return order
    statuses = {f.status for f in findings}
    sides = [f for f in findings if f.evidence is not None]
    relation = asks(question)
    # Whether reports agree (or the coverage changed) is judged by what contradicts what, also when the
    # question's reports are found as one side ("has TechCrunch's portrayal of X stayed the same between
    # October 2 and October 7?"): that the closest sentence does not restate the question is no change.
    if relation and sides:
        contradicted = [f for f in sides if f.status == "contradicted"]
        differ = bool(contradicted) or sides_disagree(sides)
        agree_asked = relation == "agree"
        why = (f"They differ: {_who(contradicted[0])} says otherwise." if contradicted else
               "They differ: the reports give different figures." if differ else
               "The reports compared do not contradict each other." if len(sides) >= 2 else
               f"Nothing found in {_who(sides[0])} contradicts its report cited here.")
        return YesNo("No" if differ == agree_asked else "Yes", findings, why)
    if statuses <= {"supported"}:
        return YesNo("Yes", findings, "Each part is supported by the articles:" if len(findings) > 1 else "")
    wrong = next(f for f in findings if f.status != "supported")
    what = "says otherwise" if wrong.status == "contradicted" else "does not say so"
    return YesNo("No", findings, f"{_who(wrong)} {what}; its closest sentence is cited.")


def _who(f: Finding) -> str:
    if f.evidence is not None and f.evidence.passage.publisher:
        return f.evidence.passage.publisher
    return f.outlet[0] if f.outlet else "the article"


def in_order(question: str, findings: list[Finding]) -> YesNo | None:
    """"Was X reported before Y?": the publication dates of the two sides' evidence decide."""
    m = ORDER_ASKED.search(question)
    dated = [f for f in findings if f.evidence is not None and f.evidence.passage.published[:10]]
    if not m or len(dated) < 2:
        return None
    a, b = dated[0].evidence.passage.published[:10], dated[-1].evidence.passage.published[:10]
    if a == b:
        return YesNo("No", findings, f"Both were published on {a}.")
    earlier = a < b
    word = m.group("word").lower()
    holds = earlier if word in {"before", "earlier than", "prior to", "sooner than"} else not earlier
    return YesNo("Yes" if holds else "No", findings,
                 f"{_who(dated[0])} published on {a}, {_who(dated[-1])} on {b}.")


def sides_disagree(findings: list[Finding]) -> bool:
    """Two sides' evidence gives different figures for the same thing (high term overlap, other numbers)."""
    sents = [f.evidence.text for f in findings if f.evidence is not None]
    for i, a in enumerate(sents):
        for b in sents[i + 1:]:
            ta, tb = set(terms(a)), set(terms(b))
            if len(ta & tb) < 0.5 * min(len(ta), len(tb)):
                continue
            na = set(re.findall(r"\d[\d,.]*", a))
            nb = set(re.findall(r"\d[\d,.]*", b))
            if na and nb and not na & nb:
                return True
    return False


def yes_no(pipe, question: str) -> YesNo:
    claims = split_claims(question, pipe.publishers())
    findings = [f for c in claims for f in gather(pipe, c)]
    return decide(question, findings)
