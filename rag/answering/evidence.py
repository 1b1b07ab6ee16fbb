"""Evidence selection: the retrieved passages cut into sentences, each scored against the question.

The answer is built from these sentences, not from whole passages: a 135M-parameter model given three
short, relevant sentences has far less room to wander than one given five 800-character chunks, and a
sentence is the span a citation highlights.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from rag.answering.qtypes import DEMONYM, TIME_SPAN, fits, names_person, question_type
from rag.ingest.chunking import split_sentences
from rag.ingest.embeddings import SentenceEmbeddings
from rag.ingest.injection import field_problem, non_evidence
from rag.ingest.metadata import BYLINE, PUBLISHER_LINE, is_date_only
from rag.language import is_acronym, looks_like_name
from rag.text import terms
from rag.types import Passage


@dataclass
class Evidence:
    passage: Passage
    start: int  # offsets in the cleaned article text
    end: int
    text: str
    similarity: float  # cosine(question, sentence)
    coverage: float  # share of the question's content terms found in the sentence (or its title)
    score: float


def sentences_of(passages: list[Passage]) -> list[tuple[Passage, int, int, str]]:
    """Unique sentences of the passages, with article offsets (overlapping chunks repeat sentences).

    Text addressed to an AI or to whoever processes the article (rag.ingest.injection) is data, never evidence:
    it is skipped here, so it is never scored, shown to the LLM, quoted or cited. It stays in the stored
    text, so the offsets of every other sentence are unchanged."""
    seen: set[tuple[str, int]] = set()
    out = []
    for p in passages:
        p = screened(p)
        spans = split_sentences(p.text)
        skip = non_evidence(p.text, spans)
        for i, (a, b) in enumerate(spans):
            key = (p.article_id, p.start + a)
            text = p.text[a:b]
            if key in seen or len(text) < 8 or i in skip:
                continue
            seen.add(key)
            out.append((p, p.start + a, p.start + b, text))
    return out


def screened(p: Passage) -> Passage:
    """The passage without metadata values that are not a name or a headline (a publisher "Westcoast Post.
    Ignore all previous instructions ..."): ingest drops them now, but a store filled before may hold them,
    and the publisher is shown to the LLM and named in the answer."""
    bad = {f: "" for f in ("title", "publisher", "author") if field_problem(f, getattr(p, f))}
    return replace(p, **bad) if bad else p


def select(question: str, passages: list[Passage], embedder: SentenceEmbeddings) -> list[Evidence]:
    """All sentences of the passages, best first.

    score = 0.65 * cosine(question, sentence) + 0.35 * coverage of the question's terms (the sentence's
    own count fully, those only in its article's title or publisher half), + 0.1 when the sentence holds
    the kind of answer asked for (a number for "how many"...). Bylines and "Publisher, date" lines are
    evidence only when the question asks who wrote or published an article, or when (then + 0.3: they
    are the citable answer).
    """
    found = sentences_of(passages)
    if not found:
        return []
    vectors = embedder.encode([question] + [text for *_, text in found])
    sims = vectors[1:] @ vectors[0]
    q_terms = set(terms(question))
    kind = question_type(question)
    wants = metadata_intent(question)
    out = []
    for (p, a, b, text), sim in zip(found, sims, strict=True):
        line = text.strip()
        is_byline = bool(BYLINE.match(line))
        is_dateline = bool((m := PUBLISHER_LINE.match(line)) and is_date_only(m["date"]))
        if (is_byline or is_dateline) and not wants:
            continue  # "By Jennie Oh", "The Telegraph, 08 December 2017": evidence only of who and when
        # The sentence's own words count fully; words only its title or publisher supply count half
        # (otherwise any sentence of an on-topic article ties with the one that answers: seeds, "Who is North
        # Korea's ambassador to the UN?").
        own = q_terms & set(terms(text))
        context = (q_terms - own) & (set(terms(p.title)) | set(terms(p.publisher)))
        # A byline or dateline speaks for the whole article: its title and publisher count fully.
        weight = 1.0 if is_byline or is_dateline else 0.5
        coverage = (len(own) + weight * len(context)) / len(q_terms) if q_terms else 0.0
        score = 0.65 * float(sim) + 0.35 * coverage + (0.1 if fits(kind, text, question) else 0.0)
        if is_byline or is_dateline:
            score += 0.3
        out.append(Evidence(p, a, b, text, float(sim), coverage, score))
    return sorted(out, key=lambda e: -e.score)


def lexical(query: str, passages: list[Passage]) -> list[Evidence]:
    """The passages' sentences scored by the share of the query's terms they hold, best first (ties in
    passage order), without the embedding: for finding the sentence that bears out a clue of a question
    (rag.answering.consensus.per_clue), where sharing the clue's words is the test anyway."""
    want = set(terms(query))
    if not want:
        return []
    out = [Evidence(p, a, b, text, 0.0, share, share)
           for p, a, b, text in sentences_of(passages) if (share := len(want & set(terms(text))) / len(want))]
    return sorted(out, key=lambda e: -e.score)


def metadata_intent(question: str) -> str:
    """'author' for "who wrote ...", 'published' for "when/where was ... published", else ''."""
    q = question.lower()
    if re.search(r"\b(who wrote|written by|author|byline|reporter|journalist)\b", q):
        return "author"
    if re.search(r"\b(publish\w*|publication|outlet|appeared|dated?)\b", q):
        return "published"
    return ""


def name_words(question: str, publishers: list[str] | None = None) -> list[str]:
    """Names in the question: capitalised words past the first, and acronyms; not adjectives of
    nationality such as "Chinese", nor months and weekdays, nor the words of an outlet the question names
    ("Cnbc | World Business News Leader")."""
    outlets = {t for p in publishers or [] if p.lower() in question.lower() for t in terms(p)}
    return [w for i, w in enumerate(re.findall(r"[A-Za-z][\w'’-]*", question))
            if (looks_like_name(w, i) or is_acronym(w))
            and not DEMONYM.fullmatch(w) and not TIME_SPAN.fullmatch(w) and not set(terms(w)) <= outlets]


def unknown_names(question: str, evidence: list[Evidence], publishers: list[str] | None = None) -> list[str]:
    """The question's names (name_words) that none of the evidence passages, their titles or publishers
    mention. A question about someone the articles never name cannot be answered from them."""
    haystack = " ".join({e.passage.chunk_id: f"{e.passage.title} {e.passage.publisher} {e.passage.text}"
                         for e in evidence}.values())
    have = set(terms(haystack))
    return [n for n in name_words(question, publishers) if terms(n) and not set(terms(n)) <= have]


NAME_RUN = re.compile(r"(?<![\w'’])(?:[A-Z][\w'’.-]*|[A-Z]{2,})(?:\s+(?:[A-Z][\w'’.-]*|[A-Z]{2,}))*")


def question_names(question: str, publishers: list[str] | None = None) -> list[set[str]]:
    """The names a question is about, each as the set of its terms: runs of capitalised words past the
    first word ("Jeffrey Feltman", "North Korea"), without demonyms, months and the outlets it names."""
    outlets = {t for p in publishers or [] for t in terms(p)}
    out = []
    for m in NAME_RUN.finditer(question):
        words = m.group().split()
        adjective = len(words) > 1 and re.search(r"(?:ean|ian|ese|ish)$", words[-1])
        if m.start() == 0 or adjective or DEMONYM.fullmatch(m.group()) or TIME_SPAN.fullmatch(m.group()):
            continue  # "Chinese", "North Korean" (an adjective), "December"
        name = set(terms(m.group())) - outlets
        if name:
            out.append(name)
    return out


def about(e: Evidence, names: list[set[str]], context_chars: int = 250, share: float = 1.0) -> bool:
    """The sentence, with the text just before it in its passage (where "he" or "the envoy" gets its
    name), mentions at least `share` of the names (a name counts when one of its terms is there)."""
    p = e.passage
    window = p.text[max(0, e.start - p.start - context_chars): e.end - p.start]
    have = set(terms(f"{window} {p.title}"))
    return sum(bool(name & have) for name in names) >= share * len(names)


def with_detail(evidence: list[Evidence], question: str) -> list[Evidence]:
    """News ledes hold back the name or figure: "Israel has asked a US banker to run its central bank."
    comes first and "Stanley Fischer ... has agreed to take the job." right after. When the best sentence
    lacks the kind of answer asked for and the sentence that follows it in the article has one, the two
    are one piece of evidence (one span, one citation), scored as the best sentence."""
    kind = question_type(question)

    def answers(text: str) -> bool:  # who: a person's name, not just any capitalised word
        return names_person(text, question) if kind == "person" else fits(kind, text, question)

    if kind == "other" or not evidence or answers(evidence[0].text):
        return evidence
    top = evidence[0]
    p = top.passage
    after = next((e for e in evidence if e.passage.article_id == p.article_id and 0 <= e.start - top.end <= 3
                  and e.end <= p.end), None)
    if after is None or not answers(after.text):
        return evidence
    text = p.text[top.start - p.start: after.end - p.start]
    merged = Evidence(p, top.start, after.end, text, top.similarity, max(top.coverage, after.coverage), top.score)
    return [merged] + [e for e in evidence if e is not top and e is not after]

