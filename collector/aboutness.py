"""Is a matched paper *about* its topic, or does it only *use* it? (pure: text in, a decision out)

A match says a topic's terms occur in a paper; aboutness says what the paper does with them. A paper is
about a topic when it proposes, improves, analyses, surveys or teaches it (or a direct variant); it uses
the topic when it is an application, a baseline, or a passing mention. The signals, each one a feature:

    where      the topic's terms in the title, and the title's own grammar: the head of the title
               ("Which LoRA? An Empirical Study of LoRA"), the name of a variant ("UDM-GRPO: …"), the
               target of the work ("… Quantization for Diffusion Models"), or a tool ("… with LoRA",
               "CNN-based …") serving another subject
    subject    an application domain in the title (medical, remote sensing, agriculture …)
    kind       a survey, tutorial or analysis ("revisiting", "understanding", "an empirical study")
    claims     the abstract's contribution sentences: the topic is what "we propose / analyse …", or what
               "we use / adopt / fine-tune with …"
    how much   how often the abstract names the topic, and whether its first sentence does

`assess` combines them with a logistic model whose weights (ABOUT_WEIGHTS) were fitted with
scikit-learn on the project's own blind labels of topics outside the development set
(tests/fixtures/relevance/own_train.tsv, `python tools/fit_aboutness.py --write`); it returns the
probability, the decision and readable reasons.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path

from collector.matching import TermFinder, term_finder
from collector.query import Node, Term
from db import MatchRow, PaperRecord

# Decided about at or above this probability.
ABOUT_THRESHOLD = 0.5

# Words that put a title's subject in an application domain rather than in deep learning itself (two-word
# domains hyphenated: "remote sensing" is counted as remote-sensing).
DOMAIN_WORDS = """
    medical medicine clinical clinic diagnosis diagnostic disease diseases patient patients health
    healthcare hospital tumor tumour tumors cancer lesion lesions radiology radiograph mri ct x-ray xray
    ultrasound ecg eeg fmri pathology histopathology brain cardiac lung pneumonia covid retinal retina
    dental skin dermatology surgical surgery biomedical molecular molecule molecules protein proteins
    drug drugs genomic genomics gene cell cells chemistry chemical materials crystal agriculture
    agricultural crop crops leaf plant plants weed farming livestock fish remote-sensing satellite sar
    hyperspectral aerial earth flood wildfire seismic geological ocean marine weather climate
    meteorological traffic vehicle vehicles driving uav uavs drone drones railway road pavement bridge
    construction building buildings industrial manufacturing defect defects factory power-grid energy
    battery batteries solar legal law financial finance stock stocks trading fraud credit banking
    insurance cybersecurity intrusion malware botnet phishing iot wireless 5g 6g communications spectrum
    radar lidar sonar education student students classroom sentiment emotion emotions fashion retail
    e-commerce recommendation advertising music speech sign-language bangla hindi arabic urdu indonesian
    vietnamese persian swahili poetry news social-media twitter tweets reddit misinformation hate sports
    game games football soccer chess astronomy galaxy galaxies astrophysics physics quantum particle
    fluid turbulence biology ecology species wildlife archaeology heritage art painting forensic
    forensics face faces fingerprint gait iris biometric surveillance crowd pedestrian pedestrians
"""
DOMAINS = frozenset(DOMAIN_WORDS.split())
SURVEY = re.compile(
    r"\b(survey|review|tutorial|primer|overview|introduction to|lecture notes|textbook|a guide)\b", re.I
)
ANALYSIS = re.compile(
    r"\b(revisit\w*|rethink\w*|understanding|demystif\w*|analy[sz]\w*|empirical(ly)? stud\w*|a closer look|"
    r"theory|theoretical|on the|why|when|what|how|does|do|can|is|are|benchmark\w*|evaluat\w*|compar\w*|"
    r"investigat\w*|explain\w*|interpret\w*|limits? of|role of|effect of|impact of|dynamics of)\b",
    re.I,
)
# Where a title turns from its head to what serves it or what it serves.
INSTRUMENT = re.compile(
    r"\b(with|using|via|through|by|leveraging|based on|powered by|driven by|guided by|from)\b", re.I
)
TARGET = re.compile(r"\b(for|of|on|in|towards?|into|across|under|against|beyond)\b", re.I)
TOOL_SUFFIX = re.compile(
    r"^[\s-]*(based|driven|powered|assisted|aided|guided|enhanced|enabled|derived|inspired)\b", re.I
)
# A contribution sentence: its author ("we", "this paper") then, soon after, a verb of contribution.
AUTHOR = re.compile(r"\b(?:we|this (?:paper|work|study)|our (?:work|paper|method|approach))\b")
CLAIM_VERBS_TEXT = """
    propose proposes introduce introduces present presents develop develops design designs formulate
    derive analyze analyse analyzes analyses study studies investigate investigates revisit revisits
    characterize characterise survey review prove show shows identify examine explain benchmark evaluate
    improve improves extend extends generalize generalise
"""
CLAIM_VERBS = frozenset(CLAIM_VERBS_TEXT.split())
# A sentence that says something is used: its words (and a few phrases), lowercased.
USE_WORDS_TEXT = """
    use uses used using adopt adopts adopted adopting employ employs employed employing utilize utilizes
    utilized utilise utilises utilised leverage leverages leveraged leveraging apply applies applied
    applying fine-tune fine-tuned fine-tuning finetune finetuned finetuning backbone backbones
    off-the-shelf pretrained pre-trained baseline baselines
"""
USE_WORDS = frozenset(USE_WORDS_TEXT.split())
USE_PHRASES = ("built on", "built upon", "based on")
SENTENCE = re.compile(r"[.!?]\s+(?=[A-Z])")
# Words of lowercased text by bytes.translate + split (C speed; str.translate with a table is ten times
# slower): every ASCII byte but letters and digits (and "-", for hyphenated words) becomes a space.
# Text beyond ASCII takes the Unicode-aware regexes.
ALNUM, HYPHENATED = re.compile(r"[^\W_]+"), re.compile(r"[^\W_][\w-]*")
ALNUM_BYTES = bytes.maketrans(
    bytes(b for b in range(128) if not chr(b).isalnum()), b" " * sum(not chr(b).isalnum() for b in range(128))
)
HYPHENATED_BYTES = bytes.maketrans(
    bytes(b for b in range(128) if not (chr(b).isalnum() or b == 45)),
    b" " * sum(not (chr(b).isalnum() or b == 45) for b in range(128)),
)


def words(lowered: str, hyphenated: bool = True) -> list[str]:
    """The words of lowercased text: runs of letters and digits, with their hyphens unless told not to."""
    if not lowered.isascii():
        return (HYPHENATED if hyphenated else ALNUM).findall(lowered)
    table = HYPHENATED_BYTES if hyphenated else ALNUM_BYTES
    return lowered.encode().translate(table).decode().split()


def claims(sentence: str) -> bool:
    """Whether a sentence states the paper's contribution ("we propose …", "this paper analyses …")."""
    lowered = sentence.lower()
    author = AUTHOR.search(lowered)
    return author is not None and not CLAIM_VERBS.isdisjoint(words(lowered[author.end() : author.end() + 80]))


def says_used(sentence: str) -> bool:
    """Whether a sentence says something is used rather than studied ("we adopt …", "… as backbone")."""
    lowered = sentence.lower()
    return not USE_WORDS.isdisjoint(words(lowered)) or any(p in lowered for p in USE_PHRASES)


@dataclass(frozen=True, slots=True)
class TopicTerms:
    """What aboutness needs of a topic: its positive text terms (as finders), its name, its level."""

    topic_id: str
    name: str
    level: str
    finders: tuple[TermFinder, ...]
    vocabulary: frozenset[str]  # the words of its terms and its English name, lowercased
    versioned: re.Pattern[str] | None  # a one-word name with a version or size glued on: "YOLOv11n"


def topic_terms(topic_id: str, name: str, level: str, query: Node) -> TopicTerms:
    terms = positive_terms(query)
    vocabulary = frozenset(content_words(" ".join([name, *(t.value for t in terms)])))
    finders = tuple(term_finder(t) for t in terms)
    return TopicTerms(topic_id, name, level, finders, vocabulary, versioned_names(terms))


def versioned_names(terms: list[Term]) -> re.Pattern[str] | None:
    """The topic's one-word names with a capital inside ("YOLO", "ResNet") followed by a version or a size
    ("YOLOv11n", "ResNet50", "GPT-4o" is already a match): the matcher, on word boundaries, does not see
    them, but a title naming one names a variant of the topic."""
    names = sorted(
        {t.value for t in terms if " " not in t.value and len(t.value) >= 3 and t.value != t.value.lower()}
    )
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?=v?\d)\w*(?:\.\d\w*)*")


# Words too common to say what a title is about.
STOP_WORDS = """
    a an and are as at be by for from in into is it its of on or the to towards via with without we our
    using based new novel model models learning deep neural network networks
"""
STOP = frozenset(STOP_WORDS.split())


def content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP and len(w) > 1]


def positive_terms(node: Node, negated: bool = False) -> list[Term]:
    """The query's text terms outside any ANDNOT right side (categories and authors say nothing of it)."""
    if isinstance(node, Term):
        return [] if negated or node.field in ("cat", "au", "co", "jr") else [node]
    right = negated or node.op == "ANDNOT"
    unique = dict.fromkeys([*positive_terms(node.left, negated), *positive_terms(node.right, right)])
    return list(unique)


@dataclass(frozen=True, slots=True)
class Features:
    """The signals of one (paper, topic) pair; names are the model's feature names."""

    title_head: float  # a term heads the title's main phrase (before any preposition), or is the title
    title_modifier: float  # a term modifies another head ("CNN Pruning Method", "LoRA Fine-Tuning")
    title_name: float  # a term is part of the name before the title's colon (a variant: "UDM-GRPO: …")
    title_target: float  # a term heads a phrase after for/of/on/in: what the work is for or about
    title_tool: float  # a term follows with/using/via or is "X-based": a tool serving another subject
    title_any: float  # any term in the title
    domain: float  # the title names an application domain
    survey: float  # survey, tutorial, overview …
    analysis: float  # revisiting, understanding, empirical study …
    claim: float  # a contribution sentence names the topic
    use: float  # a sentence says the topic is used
    mentions: float  # log(1 + mentions in the abstract)
    first_sentence: float  # the abstract's first sentence names the topic
    basics: float  # an L1/L2 topic, where surveys and analyses serve learners best
    title_coverage: float  # share of the title's content words that are the topic's own words
    title_early: float  # how early in the title the topic is first named (1 at the start, 0 if absent)
    share: float  # this match's score over the scores of all the paper's matches (1: its only topic)
    sentence_share: float  # share of the abstract's sentences that name the topic
    last_sentence: float  # the abstract's last sentence names the topic
    abstract_domain: float  # application-domain words in the abstract (0 .. 1 at three or more)
    title_terms: float  # distinct topic terms the title names, beyond the first (0, 1, 2)

    def vector(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class Aboutness:
    """The decision for one (paper, topic): the probability the paper is about the topic, and why."""

    score: float
    about: bool
    reasons: tuple[str, ...]
    kind: str = ""  # "survey" or "analysis" when the paper teaches or analyses the topic it names


@dataclass(frozen=True, slots=True)
class PaperText:
    """What aboutness reads of a paper, worked out once for all the topics it matched."""

    title: str
    abstract: str
    lowered: str  # title and abstract, lowercased
    starts: tuple[int, ...]  # where each sentence of the abstract starts
    title_domain: int  # application-domain words in the title
    abstract_domain: int  # … and in the abstract


def paper_text(paper: PaperRecord) -> PaperText:
    title, abstract = paper.title, paper.abstract
    starts = (0, *(m.end() for m in SENTENCE.finditer(abstract))) if abstract else ()
    everything = f"{title} {abstract}".lower()
    return PaperText(title, abstract, everything, starts, domain_words(title), domain_words(abstract))


def features(paper: PaperRecord | PaperText, topic: TopicTerms, share: float = 1.0) -> tuple[Features, str]:
    """The pair's signals, and the term as the paper writes it (for reasons). `share` is this match's
    score over the sum of the scores of all the paper's matches."""
    text = paper if isinstance(paper, PaperText) else paper_text(paper)
    title, abstract, starts = text.title, text.abstract, text.starts
    finders = [f for f in topic.finders if f.may_occur(text.lowered)]
    title_spans = [(s, f.label) for f in finders for s in f.spans(title)]
    if topic.versioned is not None and not title_spans:
        title_spans = [((m.start(), m.end()), m.group()) for m in topic.versioned.finditer(title)]
    roles = {title_role(title, span) for span, _ in title_spans}
    if named_after(title, topic):  # "TeleLoRA: …", "LoRASuite: …": a method named after the topic
        roles.add("name")
    # Each term is looked for once in the abstract; its mentions are placed in sentences by offset.
    found_in = [(f.label, s) for f in finders for s, _ in f.spans(abstract)]
    where = sorted({bisect_right(starts, s) - 1 for _, s in found_in})
    sentences = [abstract[a:b] for a, b in pairwise([*starts, len(abstract)])]
    mentioned = [sentences[i] for i in where]
    mentions = len(found_in)
    said = title_spans[0][1] if title_spans else (found_in[0][0] if found_in else topic.name)
    found = Features(
        title_head=float("head" in roles),
        title_modifier=float("modifier" in roles and not roles & {"head", "name"}),
        title_name=float("name" in roles),
        title_target=float("target" in roles),
        title_tool=float("tool" in roles),
        title_any=float(bool(title_spans)),
        domain=float(text.title_domain > 0),
        survey=float(bool(SURVEY.search(title))),
        analysis=float(bool(ANALYSIS.search(title))),
        claim=float(any(claims(s) for s in mentioned)),
        use=float(any(says_used(s) and not claims(s) for s in mentioned)),
        mentions=math.log1p(mentions),
        first_sentence=float(bool(where) and where[0] == 0),
        basics=float(topic.level in ("L1", "L2")),
        title_coverage=coverage(title, topic.vocabulary),
        title_early=1.0 - min(s for (s, _), _l in title_spans) / max(len(title), 1) if title_spans else 0.0,
        share=share,
        sentence_share=len(mentioned) / len(sentences) if sentences else 0.0,
        last_sentence=float(bool(where) and where[-1] == len(sentences) - 1),
        abstract_domain=min(text.abstract_domain / 3.0, 1.0),
        title_terms=float(min(len({label for _, label in title_spans}), 3) - 1) if title_spans else 0.0,
    )
    return found, said


def match_share(matches: Sequence[MatchRow], topic_id: str) -> float:
    """A topic's match score over the sum of the paper's match scores (1.0 for its only topic)."""
    total = sum(m.score for m in matches)
    mine = sum(m.score for m in matches if m.topic_id == topic_id)
    return mine / total if total else 1.0


def coverage(title: str, vocabulary: frozenset[str]) -> float:
    words = content_words(title)
    return sum(w in vocabulary for w in words) / len(words) if words else 0.0


def named_after(title: str, topic: TopicTerms) -> bool:
    """The name before the title's colon holds a topic term inside a word ("TeleLoRA", "GraphRAG")."""
    colon = title.find(":")
    if colon <= 0 or colon > len(title) * 0.6:
        return False
    name = title[:colon]
    return any(
        (f.label in name) if f.label != f.label.lower() else (f.label in name.lower())
        for f in topic.finders
        if " " not in f.label and len(f.label) >= 3
    )


def title_role(title: str, span: tuple[int, int]) -> str:
    """Where a mention stands in the title's grammar: name | head | modifier | target | tool.

    A noun phrase's head is its last noun: "Complex-Valued Convolutional Neural Networks" is about CNNs,
    "CNN Pruning Method" about a pruning method, so a mention followed by more words of its phrase is a
    modifier. After for/of/on/in a head is the target of the work; after with/using/via, or as "X-based",
    a tool.
    """
    start, end = span
    colon = title.find(":")
    if colon >= 0 and end <= colon and colon < len(title) * 0.6:
        return "name"
    if TOOL_SUFFIX.match(title[end:]):
        return "tool"
    before = title[colon + 1 if 0 <= colon < start else 0 : start]
    tools = [m.end() for m in INSTRUMENT.finditer(before)]
    targets = [m.end() for m in TARGET.finditer(before)]
    if max(tools, default=-1) > max(targets, default=-1):
        return "tool"
    if not phrase_ends(title[end:]):
        return "modifier"
    return "target" if targets else "head"


# What ends a noun phrase after a mention: punctuation, a preposition or conjunction, a verb of a claim.
PHRASE_END = re.compile(
    r"^(?:e?s\b)?(?:[-\s]?v?\d+[a-z]?\b)?\s*(?:$|[:?!,;.()\[\]]|\s-\s|—|(?:for|of|on|in|with|using|via|through|by|towards?|to|"
    r"from|and|or|vs\.?|versus|under|against|without|beyond|across|into|at|as|is|are|can|does|do|meets|"
    r"matters|helps?|enables?|improves?|makes?)\b)",
    re.I,
)


def phrase_ends(rest: str) -> bool:
    """Whether the title's words after a mention start a new phrase (the mention was its phrase's head)."""
    return bool(PHRASE_END.match(rest))


DOMAIN_PHRASES = tuple(word.replace("-", " ") for word in DOMAINS if "-" in word)


def domain_words(text: str) -> int:
    """How many distinct application-domain words a text holds ("remote sensing" counting as one)."""
    lowered = text.lower()
    return len(DOMAINS.intersection(words(lowered))) + sum(p in lowered for p in DOMAIN_PHRASES)


# Fitted by tools/fit_aboutness.py (logistic regression, label 2 vs 0/1; the intercept is "bias").
WEIGHTS_PATH = Path(__file__).resolve().parent / "aboutness_weights.json"
ABOUT_WEIGHTS: dict[str, float] = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))


def probability(found: Features, weights: dict[str, float] = ABOUT_WEIGHTS) -> float:
    z = weights["bias"] + sum(weights.get(name, 0.0) * value for name, value in found.vector().items())
    return 1.0 / (1.0 + math.exp(-z))


def assess(paper: PaperRecord | PaperText, topic: TopicTerms, share: float = 1.0) -> Aboutness:
    """About or uses, with a probability and the reasons a reader sees (`share`: see `features`)."""
    found, said = features(paper, topic, share)
    score = round(probability(found), 3)
    about = score >= ABOUT_THRESHOLD
    return Aboutness(score, about, reasons(found, said, about), kind(found) if about else "")


def kind(found: Features) -> str:
    """What learners of the basics want first: a survey or tutorial, or an analysis of the topic itself."""
    if found.survey and found.title_any:
        return "survey"
    return "analysis" if found.analysis and found.title_any else ""


# How each signal reads as a reason: (when it speaks for "about", when it speaks for "uses").
PHRASES: dict[str, tuple[str, str]] = {
    "title_head": ("the title is about {t}", ""),
    "title_name": ("its method is named after {t}", ""),
    "title_target": ("the work is for {t}", "{t} is what the work serves"),
    "title_tool": ("", "{t} is a tool in the title"),
    "title_modifier": ("", "{t} only qualifies the title's subject"),
    "title_any": ("the title names {t}", "{t} is named only in the abstract"),
    "domain": ("", "the title's subject is an application domain"),
    "abstract_domain": ("", "the abstract is about an application domain"),
    "survey": ("a survey or tutorial of {t}", ""),
    "analysis": ("the title analyses {t}", ""),
    "claim": ("the contribution concerns {t}", ""),
    "use": ("", "{t} is used, not studied"),
    "mentions": ("{t} named throughout the abstract", "{t} named once or twice"),
    "first_sentence": ("the abstract opens with {t}", ""),
    "last_sentence": ("the abstract ends with {t}", ""),
    "title_coverage": ("the title is mostly about {t}", "the title is mostly about something else"),
    "sentence_share": ("{t} runs through the abstract", ""),
    "title_terms": ("the title names {t} more than one way", ""),
}


def reasons(
    found: Features, said: str, about: bool, weights: dict[str, float] = ABOUT_WEIGHTS
) -> tuple[str, ...]:
    """Readable reasons, strongest first: "about: the title is about LoRA; …" or "uses: …".

    A signal is a reason when it pushed the decision the way it went: for "about" the largest positive
    contributions (weight × value), for "uses" the most negative ones, or a missing signal that would have
    spoken for "about" (not in the title at all).
    """
    vector = found.vector()
    pushes = []
    for name, (for_about, for_uses) in PHRASES.items():
        weight, value = weights.get(name, 0.0), vector[name]
        push = weight * value if value else (-weight if weight > 0 and name == "title_any" else 0.0)
        phrase = for_about if push > 0 else for_uses
        if phrase and (push > 0) == about and abs(push) > 0.05:
            pushes.append((abs(push), phrase.format(t=said)))
    pushes.sort(key=lambda pair: -pair[0])
    verdict = "about" if about else "uses"
    kept = list(dict.fromkeys(text for _, text in pushes))
    if len(kept) > 1 and kept[0].startswith("the title") and kept[1].startswith("the title"):
        del kept[1]  # two ways of saying the title is about it: the stronger one is enough
    kept = kept[:3]
    return (f"{verdict}: " + "; ".join(kept),) if kept else (verdict,)


# Bumped when the features change; with the weights, the threshold and the phrases of the reasons it makes
# VERSION, stored in every topic's query hash, so a new scorer re-assesses every stored match.
FEATURES_REVISION = 2
VERSION = hashlib.sha256(
    repr(
        (FEATURES_REVISION, sorted(ABOUT_WEIGHTS.items()), ABOUT_THRESHOLD, sorted(PHRASES.items()))
    ).encode()
).hexdigest()[:12]


def with_aboutness(
    match: MatchRow,
    paper: PaperRecord,
    topic: TopicTerms | None,
    matches: Sequence[MatchRow],
    text: PaperText | None = None,
) -> MatchRow:
    """The match with the paper's aboutness for its topic, weighed against all the paper's `matches` (a
    topic without text terms: nothing to weigh)."""
    if topic is None:
        return match
    judged = assess(text or paper_text(paper), topic, match_share(matches, match.topic_id))
    return replace(
        match, aboutness=judged.score, about=judged.about, about_reasons=judged.reasons, kind=judged.kind
    )
